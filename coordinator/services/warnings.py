"""Warnings in (预警): a CAP 1.2 document or a JSON warning taken in, its colour turned into a
proposed response level, its area into the units and posts it covers, Update and Cancel applied
to the warning they reference, and the call (叫应) to the responsible persons of the area."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import validation_error
from ..models import Event, Person, Post, Unit, UnitLeader, Warning
from ..presenters import iso
from . import audit, calls, catalogue, geo, organisation, scope
from .cap import SEVERITY_LEVEL, WarningDocument


def _affected(db: Session, unit_ids: list[int], names: tuple[str, ...],
              polygons) -> tuple[list[int], list[int]]:
    """The units named (by id, or by name in the area's names) and the active posts in them
    or inside a polygon, as far as the caller's scope reaches."""
    units = catalogue.all_named(db, Unit, unit_ids, "unit_ids")
    if names:
        units += db.scalars(select(Unit).where(Unit.name.in_(names)).order_by(Unit.path)).all()
    units = list({unit.id: unit for unit in units}.values())
    below = set().union(*(organisation.subtree_ids(db, unit) for unit in units))
    post_ids = set()
    if below:
        post_ids.update(db.scalars(select(Post.id).where(Post.unit_id.in_(below),
                                                          Post.active.is_(True))))
    if polygons:
        for post_id, lat, lon in db.execute(select(Post.id, Post.lat, Post.lon)
                                            .where(Post.active.is_(True))):
            if any(geo.inside_polygon(lat, lon, polygon) for polygon in polygons):
                post_ids.add(post_id)
    return [unit.id for unit in units], sorted(post_ids)


def _fields(db: Session, document: WarningDocument, unit_ids: list[int]) -> dict:
    polygons = [[list(point) for point in polygon] for polygon in document.polygons]
    units, posts = _affected(db, unit_ids, document.area_names, document.polygons)
    return {"headline": document.headline, "event": document.event,
            "severity": document.severity, "proposed_level": SEVERITY_LEVEL[document.severity],
            "onset": document.onset, "expires": document.expires, "unit_ids": units,
            "post_ids": posts, "polygons": polygons}


def _known(db: Session, sender: str, identifier: str) -> Warning | None:
    """The warning a CAP message (sender, identifier) was applied to, if any."""
    for warning in db.scalars(select(Warning).where(Warning.sender == sender)
                              .order_by(Warning.id)):
        if [sender, identifier] in warning.identities:
            return warning
    return None


def _referenced(db: Session, document: WarningDocument) -> Warning:
    for reference in reversed(document.references):
        warning = _known(db, reference.sender, reference.identifier)
        if warning is not None:
            return warning
    raise validation_error({"references": "this document follows a warning this service has "
                                          "not received"},
                           f"The {document.msg_type} references a warning that is not here.")


def take_warning(db: Session, actor: audit.Actor, at: datetime, document: WarningDocument, *,
                 unit_ids: list[int] | None = None,
                 raw: str | None = None) -> tuple[Warning, bool]:
    """Store a new warning, or apply an Update/Cancel to the one it references: (warning,
    created). The same CAP alert sent again is answered with the warning already taken."""
    identity = [document.sender, document.identifier] if document.identifier else None
    if identity is not None:
        again = _known(db, *identity)
        if again is not None:
            return again, False
    if document.msg_type == "Alert":
        warning = Warning(sender=document.sender, identifier=document.identifier,
                          identities=[identity] if identity else [],
                          unit_id=scope.current(db).unit_id, status="active", updates=0,
                          document=raw, received_at=at, updated_at=at,
                          **_fields(db, document, unit_ids or []))
        db.add(warning)
        audit.record(db, actor, "create", warning, at=at)
        return warning, True
    warning = _referenced(db, document)
    if document.msg_type == "Update":
        changes = _fields(db, document, unit_ids or []) | {"updates": warning.updates + 1,
                                                           "status": "active"}
        action = "update"
    else:
        changes = {"status": "cancelled", "cancelled_at": at}
        action = "cancel"
    audit.apply_changes(db, actor, at, warning, {**changes, "updated_at": at,
                                                 "identities": [*warning.identities, identity]},
                        action=action)
    return warning, False


def get_warning(db: Session, warning_id: int) -> Warning:
    return catalogue.get_or_404(db, Warning, warning_id)


def list_warnings(db: Session, status: str | None) -> list[Warning]:
    query = select(Warning).order_by(Warning.id.desc())
    if status is not None:
        query = query.where(Warning.status == status)
    return db.scalars(query).all()


def warning_json(warning: Warning, msg_type: str | None = None) -> dict:
    return {"id": warning.id, "headline": warning.headline, "event": warning.event,
            "severity": warning.severity, "proposed_level": warning.proposed_level,
            "onset": iso(warning.onset), "expires": iso(warning.expires),
            "status": warning.status, "msg_type": msg_type, "unit_ids": list(warning.unit_ids),
            "post_ids": list(warning.post_ids), "received_at": iso(warning.received_at),
            "updated_at": iso(warning.updated_at)}


def start_call(db: Session, actor: audit.Actor, user_id: int | None, at: datetime,
               warning: Warning, *, event: Event | None, deadline_minutes: float,
               message: str | None) -> calls.Call:
    """叫应 for a warning: the responsible persons of its posts and the leaders of its units."""
    if warning.status != "active":
        raise validation_error({"warning": "this warning was cancelled"},
                               "A cancelled warning calls nobody.")
    leaders = db.scalars(select(Person.id).join(UnitLeader, UnitLeader.person_id == Person.id)
                         .where(UnitLeader.unit_id.in_(list(warning.unit_ids)))).all() \
        if warning.unit_ids else []
    if not warning.post_ids and not leaders:
        raise validation_error({"warning": "no post and no unit leader lies in its area"},
                               "This warning's area holds nobody to call.")
    spec = calls.TargetSpec(person_ids=tuple(dict.fromkeys(leaders)),
                            post_ids=tuple(warning.post_ids), responsibles=bool(warning.post_ids))
    text = message or f"{warning.headline}（拟启动{warning.proposed_level}级应急响应）"
    call, _ = calls.create_call(db, actor, user_id, at, kind="call", message=text, spec=spec,
                                deadline_minutes=deadline_minutes, event=event,
                                warning_id=warning.id)
    return call
