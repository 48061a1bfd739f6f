"""Incoming CAP 1.2 warnings (预警) read into a `WarningDocument`: the parse, refusals, colour rule."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from .fields import EARLIEST, LATEST

CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap:1.2"
MAX_DOCUMENT_BYTES = 1024 * 1024
# The identifier, sender and event columns (models/warnings.py): longer is a 422, not a database error.
MAX_NAME_LENGTH = 200
SEVERITY_LEVEL = {"red": 1, "orange": 2, "yellow": 3, "blue": 4}  # the proposed response level
MSG_TYPES = ("Alert", "Update", "Cancel")
_CAP_SEVERITY_COLOUR = {"Extreme": "red", "Severe": "orange", "Moderate": "yellow", "Minor": "blue"}
_CHINESE_COLOUR = {"红": "red", "橙": "orange", "黄": "yellow", "蓝": "blue"}
_COLOUR_WORD = re.compile(r"([红橙黄蓝])色|(?<![a-z])(red|orange|yellow|blue)(?![a-z])", re.IGNORECASE)
# The valueNames under which publishers put the colour: 预警级别, 预警颜色, "severity colour", "level" ...
_COLOUR_PARAMETER = re.compile(r"级别|等级|颜色|colou?r|level|severity", re.IGNORECASE)
_AREA_SEPARATOR = re.compile(r"[、,，\s]+")
_NUMBER = r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_POINT = re.compile(rf"({_NUMBER}),({_NUMBER})")


class CapRefused(ValueError):
    """A document this service will not take: str() is the reason shown in the 422, `field` the element."""

    def __init__(self, reason: str, field: str = "document"):
        super().__init__(reason)
        self.field = field


@dataclass(frozen=True)
class Reference:
    """One entry of CAP `<references>`: the earlier message an Update or Cancel follows."""

    sender: str
    identifier: str
    sent: str


@dataclass(frozen=True)
class WarningDocument:
    """A warning as read from its document; times are aware (UTC), polygons (lat, lon) closed rings."""

    identifier: str | None
    sender: str | None
    sent: datetime | None
    msg_type: str
    references: tuple[Reference, ...]
    headline: str
    event: str
    severity: str
    onset: datetime | None
    expires: datetime | None
    polygons: tuple[tuple[tuple[float, float], ...], ...]
    area_names: tuple[str, ...]


def parse_cap(data: bytes) -> WarningDocument:
    """Read a CAP 1.2 alert, or raise `CapRefused` with the reason.

    Only `status` Actual is taken: Test, Draft and System say "disregard", and an Exercise would call
    real people. Of several `info` blocks the first in Chinese (`language` zh...) is read, else the
    first; the others (translations) are ignored. The colour comes from a colour `parameter`, then
    from the colour words in the headline and event (the most severe one named: "黄色预警升级为橙色"
    is orange), then from CAP `severity`. Areas give their polygons and their names (`areaDesc`
    split into names, and `geocode` values) for the caller to match; a `circle` is ignored.
    """
    root = _parse_xml(data)
    if root.tag != _cap("alert"):
        raise CapRefused(f"not a CAP 1.2 alert: {_describe(root.tag)}")
    identifier = _cap_name(root, "identifier")
    sender = _cap_name(root, "sender")
    sent = _time(root, "sent", required=True)
    status = _required(root, "status")
    if status != "Actual":
        raise CapRefused(f"status {_shown(status)}: this service takes only Actual alerts", "status")
    msg_type = _required(root, "msgType")
    if msg_type not in MSG_TYPES:
        raise CapRefused(f"msgType {_shown(msg_type)}: this service takes Alert, Update and Cancel",
                         "msgType")
    _required(root, "scope")
    references = _references(_text(root, "references"))
    if msg_type != "Alert" and not references:
        raise CapRefused(f"an {msg_type} must name the alert it follows in <references>", "references")
    info = _chosen_info(root)
    event = _required(info, "event")
    if len(event) > MAX_NAME_LENGTH:
        raise CapRefused(f"<event> is longer than {MAX_NAME_LENGTH} characters", "event")
    headline = _text(info, "headline") or event
    areas = info.findall(_cap("area"))
    return WarningDocument(
        identifier=identifier,
        sender=sender,
        sent=sent,
        msg_type=msg_type,
        references=references,
        headline=headline,
        event=event,
        severity=_colour(info, headline, event),
        onset=_time(info, "onset"),
        expires=_time(info, "expires"),
        polygons=tuple(
            _polygon(polygon.text or "") for area in areas for polygon in area.findall(_cap("polygon"))
        ),
        area_names=_area_names(areas),
    )


def _parse_xml(data: bytes) -> Element:
    if len(data) > MAX_DOCUMENT_BYTES:
        raise CapRefused(f"the document is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB")
    try:
        return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise CapRefused("the document declares a DTD or entities: DTD/entities are not allowed") from None
    except ParseError as exc:
        raise CapRefused(f"the document is not well-formed XML: {exc}") from None


def _cap(name: str) -> str:
    return f"{{{CAP_NAMESPACE}}}{name}"


def _describe(tag: str) -> str:
    namespace, _, name = tag[1:].rpartition("}") if tag.startswith("{") else ("", "", tag)
    where = f"in namespace {_shown(namespace)}" if namespace else "without a namespace"
    return f"the root element is <{_shown(name)}> {where}"


def _shown(text: str) -> str:
    """A value quoted back in a reason, cut short: the reason is shown to the user."""
    return text if len(text) <= 60 else f"{text[:57]}..."


def _text(parent: Element, name: str) -> str:
    element = parent.find(_cap(name))
    return (element.text or "").strip() if element is not None else ""


def _required(parent: Element, name: str) -> str:
    text = _text(parent, name)
    if not text:
        raise CapRefused(f"missing required element <{name}>", name)
    return text


def _cap_name(root: Element, name: str) -> str:
    """An identifier or sender: CAP forbids spaces and commas in them, which `<references>` relies on."""
    text = _required(root, name)
    if re.search(r"[\s,]", text):
        raise CapRefused(f"<{name}> must not contain spaces or commas", name)
    if len(text) > MAX_NAME_LENGTH:
        raise CapRefused(f"<{name}> is longer than {MAX_NAME_LENGTH} characters", name)
    return text


def _time(parent: Element, name: str, *, required: bool = False) -> datetime | None:
    text = _required(parent, name) if required else _text(parent, name)
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CapRefused(f"<{name}> is not a date and time: {_shown(text)}", name) from None
    if moment.utcoffset() is None:
        raise CapRefused(f"<{name}> has no time zone offset: {_shown(text)}", name)
    if not EARLIEST <= moment <= LATEST:
        raise CapRefused(f"<{name}> must be between the years 1900 and 9000", name)
    return moment.astimezone(UTC)


def _references(text: str) -> tuple[Reference, ...]:
    references = []
    for entry in text.split():
        parts = entry.split(",")
        if len(parts) != 3 or not all(parts):
            raise CapRefused(f"a <references> entry is not sender,identifier,sent: {_shown(entry)}",
                             "references")
        references.append(Reference(*parts))
    return tuple(references)


def _chosen_info(root: Element) -> Element:
    infos = root.findall(_cap("info"))
    if not infos:
        raise CapRefused("missing required element <info>", "info")
    return next((info for info in infos if _text(info, "language").lower().startswith("zh")), infos[0])


def _colour(info: Element, headline: str, event: str) -> str:
    for parameter in info.findall(_cap("parameter")):
        if _COLOUR_PARAMETER.search(_text(parameter, "valueName")):
            colour = _colour_named(_text(parameter, "value"))
            if colour:
                return colour
    colour = _colour_named(headline, event) or _CAP_SEVERITY_COLOUR.get(_text(info, "severity"))
    if colour is None:
        raise CapRefused("no warning colour: neither a colour word nor a CAP severity other than Unknown",
                         "severity")
    return colour


def _colour_named(*texts: str) -> str | None:
    """The most severe colour the texts name: an upgrade names both, and over-proposing is the safe side."""
    named = [
        _CHINESE_COLOUR[match[1]] if match[1] else match[2].lower()
        for text in texts for match in _COLOUR_WORD.finditer(text)
    ]
    return min(named, key=SEVERITY_LEVEL.__getitem__, default=None)


def _polygon(text: str) -> tuple[tuple[float, float], ...]:
    points = []
    for pair in text.split():
        match = _POINT.fullmatch(pair)
        if match is None:
            raise CapRefused(f"a <polygon> point is not lat,lon: {_shown(pair)}", "polygon")
        lat, lon = float(match[1]), float(match[2])
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise CapRefused(f"a <polygon> point is out of range (lat,lon): {_shown(pair)}", "polygon")
        points.append((lat, lon))
    if len(points) < 4 or points[0] != points[-1]:
        raise CapRefused("a <polygon> needs at least 4 points, the last the same as the first", "polygon")
    return tuple(points)


def _area_names(areas: list[Element]) -> tuple[str, ...]:
    names: list[str] = []
    for area in areas:
        names.extend(_AREA_SEPARATOR.split(_text(area, "areaDesc")))
        names.extend(_text(geocode, "value") for geocode in area.findall(_cap("geocode")))
    return tuple(dict.fromkeys(name for name in names if name))
