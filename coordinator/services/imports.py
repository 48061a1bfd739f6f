"""Spreadsheet imports of the units, the roster and the post catalogue: good rows in, bad rows
reported. A person's or a post's unit is named by its path (`上级单位`: 临安区/太湖源镇/白沙村);
a post's responsible persons and a unit's leaders by their phones, in a column per role
(`行政责任人`, `带班领导`...)."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime

from openpyxl import load_workbook
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import ApiError, validation_error
from ..models import LEADER_ROLES, RESPONSIBLE_ROLES, UNIT_KINDS, Person, Post, Unit
from . import audit, organisation, people, posts, scope
from .fields import PersonBody, PostBody, nul_field

UNIT_PATH_HEADERS = {"unit_path": "unit_path", "上级单位": "unit_path", "所属单位": "unit_path",
                     "单位路径": "unit_path"}
RESPONSIBLE_HEADERS = {
    "administrative": "administrative", "行政责任人": "administrative",
    "technical": "technical", "技术责任人": "technical",
    "patrol": "patrol", "巡查责任人": "patrol",
    "contact": "contact", "包点联系人": "contact", "联系人": "contact",
}
LEADER_HEADERS = {
    "chief": "chief", "指挥长": "chief",
    "deputy": "deputy", "副指挥长": "deputy",
    "duty": "duty", "带班领导": "duty",
}
UNIT_HEADERS = {
    "name": "name", "名称": "name", "单位名称": "name",
    "kind": "kind", "类型": "kind", "级别": "kind",
    "parent": "parent", "上级": "parent", "上级单位": "parent",
    **LEADER_HEADERS,
}
PHONE_IN_TEXT = re.compile(r"\+?\d[\d\- ]{4,30}\d")

PERSON_HEADERS = {
    "name": "name", "姓名": "name",
    "phone": "phone", "电话": "phone", "手机": "phone", "手机号": "phone",
    "unit": "unit", "单位": "unit",
    "kind": "kind", "类别": "kind",
    "skills": "skills", "技能": "skills",
    "home_lat": "home_lat", "住址纬度": "home_lat",
    "home_lon": "home_lon", "住址经度": "home_lon",
    "email": "email", "邮箱": "email", "电子邮箱": "email",
    **UNIT_PATH_HEADERS,
}
POST_HEADERS = {
    "name": "name", "名称": "name", "点位名称": "name",
    "kind": "kind", "类型": "kind",
    "lat": "lat", "纬度": "lat",
    "lon": "lon", "经度": "lon",
    "radius_m": "radius_m", "半径": "radius_m", "半径(米)": "radius_m", "半径（米）": "radius_m",
    "village": "village", "村": "village", "所在村": "village",
    "risk": "risk", "风险等级": "risk",
    "capacity": "capacity", "容纳人数": "capacity", "可容纳人数": "capacity",
    **UNIT_PATH_HEADERS,
    **RESPONSIBLE_HEADERS,
}
PERSON_KIND_WORDS = {"机关干部": "cadre", "干部": "cadre", "村干部": "village_official",
                     "其他": "other"}
POST_KIND_WORDS = {
    "水库": "reservoir", "山塘": "pond", "地质灾害点": "landslide", "低洼易涝点": "low_road",
    "危旧房": "dangerous_house", "转移安置点": "shelter", "桥梁": "bridge", "涵洞": "bridge",
    "桥梁/涵洞": "bridge", "河道堤防": "embankment", "堤防": "embankment", "其他": "other",
}
SKILL_SEPARATORS = re.compile(r"[;；、]")
MAX_ROWS = 100_000


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[dict] = field(default_factory=list)

    def error(self, row: int, message: str) -> None:
        self.errors.append({"row": row, "message": message})

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "errors": self.errors}


def _decode(content: bytes) -> str:
    # Excel in China saves CSV as GB18030/GBK unless told otherwise; UTF-8 (with or without BOM) first.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise validation_error({"file": "the CSV file is neither UTF-8 nor GB18030 text"})


def _cell(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    text = str(value).strip()
    return text or None


def read_rows(name: str, content: bytes) -> list[tuple[int, list]]:
    """(row number as the user sees it, cells) for every row of a CSV or XLSX file, header first."""
    if name.lower().endswith(".xlsx"):
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
            sheet = workbook.worksheets[0]
            rows = [(number, list(cells)) for number, cells in
                    enumerate(sheet.iter_rows(values_only=True), start=1)]
            workbook.close()
        # A damaged workbook fails in many ways: bad zip, missing parts, malformed XML.
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, SyntaxError, IndexError):
            raise validation_error({"file": "the file is not a readable .xlsx workbook"}) from None
    else:
        reader = csv.reader(io.StringIO(_decode(content)))
        try:
            rows = [(number, cells) for number, cells in enumerate(reader, start=1)]
        except csv.Error as error:
            raise validation_error({"file": f"the CSV file cannot be read: {error}"}) from None
    if len(rows) > MAX_ROWS + 1:
        raise validation_error({"file": f"at most {MAX_ROWS} rows can be imported at once"})
    return rows


def file_records(rows, headers: dict[str, str], required: set[str]):
    """Map each data row to {field: text}; 422 when the header row lacks a required column."""
    if not rows:
        raise validation_error({"file": "the file is empty"})
    header_number, header_cells = rows[0]
    columns = {}
    for index, cell in enumerate(header_cells):
        key = headers.get((_cell(cell) or "").lower()) or headers.get(_cell(cell) or "")
        if key and key not in columns.values():
            columns[index] = key
    missing = required - set(columns.values())
    if missing:
        raise validation_error({"file": "the header row lacks the columns: "
                                + ", ".join(sorted(missing))})
    for number, cells in rows[1:]:
        values = {key: _cell(cells[index]) if index < len(cells) else None
                  for index, key in columns.items()}
        if any(v is not None for v in values.values()):
            yield number, values


def validation_message(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"])
        parts.append(f"{where}: {item['msg']}" if where else item["msg"])
    return "; ".join(parts)


class RowRefused(Exception):
    """A row that cannot be imported; its message is reported against the row's number."""


def validated_row(schema: type[BaseModel], values: dict) -> dict:
    where = nul_field(values)
    if where:  # PostgreSQL cannot store it
        raise RowRefused(f"{where}: must not contain the NUL character")
    try:
        return schema.model_validate(values, strict=False).model_dump()
    except ValidationError as error:
        raise RowRefused(validation_message(error)) from None


def _columns(fields: dict, given: set[str]) -> dict:
    """The validated fields that the file really had a column (or a property) for."""
    return {key: value for key, value in fields.items() if key in given}


def _refusal_of(error: ApiError) -> str:
    if error.fields:
        return "; ".join(f"{key}: {why}" for key, why in error.fields.items())
    return error.message


def _unit_of_row(db: Session, fields: dict, given: set[str], values: dict) -> None:
    """Put the unit the row's `unit_path` names into `fields` (a row error when there is none,
    or it lies outside the caller's unit)."""
    path = values.get("unit_path")
    if not path:
        return
    unit = db.scalar(select(Unit).where(Unit.path == organisation.normal_path(path)),
                     execution_options=scope.WHOLE_ORGANISATION)
    if unit is None:
        raise RowRefused(f"unit_path: no unit has the path {path}")
    if not scope.current(db).covers(unit.id):
        raise RowRefused(f"unit_path: {path} is outside your unit")
    fields["unit_id"] = unit.id
    given.add("unit_id")


def _phones(text: str | None) -> list[str]:
    return [re.sub(r"[\s-]", "", match) for match in PHONE_IN_TEXT.findall(text or "")]


def _people_by_phone(db: Session, values: dict, roles: tuple[str, ...]) -> list[tuple[str, Person]]:
    """(role, person) for the phones in the row's role columns; a row error for an unknown one."""
    named = []
    for role in roles:
        for phone in _phones(values.get(role)):
            person = db.scalar(select(Person).where(Person.phone == phone))
            if person is None:
                raise RowRefused(f"{role}: no person in your units has the phone {phone} "
                                  "(import the people first)")
            named.append((role, person))
    return named


def import_people(db: Session, actor: audit.Actor, at: datetime, name: str,
                  content: bytes) -> ImportResult:
    """Create or update people from a file, matched by phone; unchanged rows change nothing."""
    result = ImportResult()
    seen: dict[str, int] = {}
    for number, values in file_records(read_rows(name, content), PERSON_HEADERS,
                                   {"name", "phone", "unit"}):
        given = set(values)  # an existing person keeps the fields of columns the file lacks
        values["kind"] = PERSON_KIND_WORDS.get(values.get("kind") or "", values.get("kind")) \
            or "other"
        values["skills"] = [s.strip() for s in SKILL_SEPARATORS.split(values.get("skills") or "")
                            if s.strip()]
        try:
            fields = validated_row(PersonBody, values)
            _unit_of_row(db, fields, given, values)
        except RowRefused as refusal:
            result.error(number, str(refusal))
            continue
        if fields["phone"] in seen:
            result.error(number, f"phone {fields['phone']} repeats row {seen[fields['phone']]}")
            continue
        seen[fields["phone"]] = number
        existing = db.scalar(select(Person).where(Person.phone == fields["phone"]))
        try:
            if existing is None:
                people.create_person(db, actor, at, fields)
                result.created += 1
            elif people.update_person(db, actor, at, existing,
                                      {**_columns(fields, given), "active": True},
                                      action="import"):
                result.updated += 1
        except ApiError as error:  # checked before anything is written: the row is skipped
            result.error(number, _refusal_of(error))
    return result


def _geojson_rows(content: bytes) -> list[tuple[int, dict]]:
    try:
        document = json.loads(content.decode("utf-8-sig"))
        features = document["features"] if document.get("type") == "FeatureCollection" \
            else [document]
        if not isinstance(features, list):
            raise TypeError("features is not a list")
    except (ValueError, UnicodeDecodeError, AttributeError, KeyError, TypeError, RecursionError):
        raise validation_error({"file": "the file is not a GeoJSON Feature or FeatureCollection"}) \
            from None
    records = []
    for number, feature in enumerate(features, start=1):
        try:
            properties = dict(feature.get("properties") or {})
            geometry = feature.get("geometry") or {}
            if geometry.get("type") == "Point":
                properties["lon"], properties["lat"] = geometry["coordinates"][:2]
        except (AttributeError, TypeError, ValueError, KeyError):
            properties = {}
        values = {POST_HEADERS[k]: v for k, v in properties.items() if k in POST_HEADERS}
        records.append((number, {k: _cell(v) for k, v in values.items()}))
    return records


def import_posts(db: Session, actor: audit.Actor, at: datetime, name: str,
                 content: bytes) -> ImportResult:
    """Create or update posts from a file, matched by name; unchanged rows change nothing."""
    if name.lower().endswith((".geojson", ".json")):
        records = _geojson_rows(content)
    else:
        records = file_records(read_rows(name, content), POST_HEADERS,
                           {"name", "kind", "lat", "lon", "radius_m"})
    result = ImportResult()
    seen: dict[str, int] = {}
    for number, values in records:
        given = set(values)  # an existing post keeps the fields of columns the file lacks
        values["kind"] = POST_KIND_WORDS.get(values.get("kind") or "", values.get("kind"))
        try:
            fields = validated_row(PostBody, values)
            _unit_of_row(db, fields, given, values)
            responsibles = _people_by_phone(db, values, RESPONSIBLE_ROLES)
        except RowRefused as refusal:
            result.error(number, str(refusal))
            continue
        if fields["name"] in seen:
            result.error(number, f"name {fields['name']} repeats row {seen[fields['name']]}")
            continue
        seen[fields["name"]] = number
        existing = db.scalar(select(Post).where(Post.name == fields["name"]))
        try:
            if existing is None:
                post = posts.create_post(db, actor, at, fields)
                result.created += 1
            else:
                post = existing
                if posts.update_post(db, actor, at, existing,
                                     {**_columns(fields, given), "active": True},
                                     action="import"):
                    result.updated += 1
        except ApiError as error:  # checked before anything is written: the row is skipped
            result.error(number, _refusal_of(error))
            continue
        if responsibles:
            db.flush()
        for role, person in responsibles:
            organisation.add_responsible(db, actor, at, post, person, role)
    return result


def _parent_of_row(db: Session, text: str | None, kind: str) -> Unit | None:
    """The parent a unit row names, by its path or, when that is unambiguous, by its name."""
    if kind == "county":
        if text:
            raise RowRefused("parent: a county has no parent unit")
        return None
    if not text:
        raise RowRefused(f"parent: a {kind} needs its parent unit")
    path = organisation.normal_path(text)
    found = db.scalars(select(Unit).where((Unit.path == path) | (Unit.name == path))).all()
    exact = [unit for unit in found if unit.path == path]
    if exact:
        return exact[0]
    if len(found) == 1:
        return found[0]
    if found:
        raise RowRefused(f"parent: several units are named {text}; give its path")
    raise RowRefused(f"parent: no unit has the name or path {text}")


def import_units(db: Session, actor: audit.Actor, at: datetime, name: str,
                 content: bytes) -> ImportResult:
    """Create units from a file (`name,kind,parent`; 名称,类型,上级 with 县/镇/村), counties
    first, then towns, then villages, whatever the order of the rows; a unit that exists is
    left as it is. Leader columns (指挥长, 副指挥长, 带班领导) name people by phone."""
    result = ImportResult()
    rows = []
    for number, values in file_records(read_rows(name, content), UNIT_HEADERS,
                                   {"name", "kind"}):
        kind = organisation.UNIT_KIND_WORDS.get(values.get("kind") or "", values.get("kind"))
        if kind not in UNIT_KINDS:
            result.error(number, f"kind: must be one of {', '.join(UNIT_KINDS)} (县/镇/村)")
            continue
        rows.append((UNIT_KINDS.index(kind), number, kind, values))
    seen: dict[str, int] = {}
    for _, number, kind, values in sorted(rows, key=lambda row: row[:2]):
        try:
            unit_name = values.get("name")
            if not unit_name or "/" in unit_name or len(unit_name) > 80:
                raise RowRefused("name: must be a name of at most 80 characters without '/'")
            parent = _parent_of_row(db, values.get("parent"), kind)
            leaders = _people_by_phone(db, values, LEADER_ROLES)
        except RowRefused as refusal:
            result.error(number, str(refusal))
            continue
        path = unit_name if parent is None else f"{parent.path}/{unit_name}"
        if path in seen:
            result.error(number, f"name: {path} repeats row {seen[path]}")
            continue
        seen[path] = number
        unit = db.scalar(select(Unit).where(Unit.path == path),
                         execution_options=scope.WHOLE_ORGANISATION)
        try:
            if unit is None:
                unit = organisation.create_unit(db, actor, at, unit_name, kind,
                                                None if parent is None else parent.id)
                db.flush()
                result.created += 1
            elif unit.kind != kind:
                raise RowRefused(f"kind: {path} exists already as a {unit.kind}")
            elif not scope.current(db).covers(unit.id):
                raise RowRefused(f"name: {path} is outside your unit")
        except RowRefused as refusal:
            result.error(number, str(refusal))
            continue
        except ApiError as error:
            result.error(number, _refusal_of(error))
            continue
        for role, person in leaders:
            organisation.add_leader(db, actor, at, unit, person, role)
    return result
