"""Hazard reports (险情上报) from the field, with an optional photo."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import validation_error
from ..models import Assignment, Event, FieldReport, Person, Shift
from . import alerts, audit, live
from .idempotency import claim_client_id, replay, request_fingerprint

MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_SIGNATURES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
CATEGORY_WORDS = {"flooding": "内涝积水", "landslide": "山体滑坡", "dam_risk": "水库/堤坝险情",
                  "road_blocked": "道路中断", "people_trapped": "人员被困", "other": "其他险情"}


def decode_photo(encoded: str) -> tuple[bytes, str]:
    """The bytes and type of a base64 JPEG or PNG (a data: URL prefix is accepted)."""
    if encoded.startswith("data:"):
        encoded = encoded.partition(",")[2]
    if len(encoded) > MAX_PHOTO_BYTES * 4 // 3 + 4:
        raise validation_error({"photo": "the photo is larger than 5 MB"})
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise validation_error({"photo": "not valid base64"}) from None
    for signature, kind in PHOTO_SIGNATURES.items():
        if data.startswith(signature):
            return data, kind
    raise validation_error({"photo": "only JPEG or PNG photos are accepted"})


def current_event_id(db: Session, person_id: int, at: datetime) -> int | None:
    """The open event the person is on duty for now, else the newest open event."""
    event_id = db.scalar(
        select(Shift.event_id).join(Assignment, Assignment.shift_id == Shift.id)
        .join(Event, Event.id == Shift.event_id)
        .where(Assignment.person_id == person_id, Assignment.removed_at.is_(None),
               Event.closed_at.is_(None), Shift.ends_at >= at)
        .order_by(Shift.starts_at).limit(1))
    if event_id is None:
        event_id = db.scalar(select(Event.id).where(Event.closed_at.is_(None))
                             .order_by(Event.starts_at.desc()).limit(1))
    return event_id


def record_report(db: Session, person: Person, fields: dict, *, received_at: datetime,
                  photo_url=lambda report: None) -> tuple[FieldReport, bool]:
    """Store a hazard report and raise its alert; a replayed client_id returns the first one."""
    fingerprint = request_fingerprint(fields)
    claim_client_id(db, fields["client_id"])
    existing = replay(db, FieldReport, fields["client_id"], fingerprint, person.id)
    if existing is not None:
        return existing, False
    if fields["lat"] == 0 and fields["lon"] == 0:
        raise validation_error({"lat": "(0, 0) is not a real position"})
    photo, photo_type = decode_photo(fields["photo"]) if fields.get("photo") else (None, None)
    report = FieldReport(
        client_id=fields["client_id"], request_hash=fingerprint, person_id=person.id,
        event_id=current_event_id(db, person.id, received_at), lat=fields["lat"],
        lon=fields["lon"], category=fields["category"], description=fields["description"],
        photo=photo, photo_type=photo_type, received_at=received_at)
    db.add(report)
    actor = audit.Actor(f"{person.name} ({person.phone})", "staff")
    audit.record(db, actor, "create", report, at=received_at)
    if report.event_id is not None:
        live.announce_report(db, report, person, photo_url(report))
        alerts.raise_alert(
            db, received_at, event_id=report.event_id, kind="hazard_report",
            condition_key=f"hazard_report:{report.id}",
            message=f"{person.name} 上报{CATEGORY_WORDS[report.category]}：{report.description}",
            person_id=person.id, report_id=report.id)
    return report, True
