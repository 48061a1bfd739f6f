"""Dispatch from the map: who is free and nearest for a shift, and sending them (派人)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import conflict, validation_error
from ..models import Alert, Assignment, CheckIn, Person, Post, Shift
from . import audit, events, geo


@dataclass
class Candidate:
    person: Person
    distance_m: float
    from_where: str  # "last_fix" or "home"
    has_skills: bool


def last_positions(db: Session, person_ids: list[int]) -> dict[int, tuple[float, float]]:
    """Each person's latest check-in position."""
    if not person_ids:
        return {}
    latest = (select(CheckIn.person_id, func.max(CheckIn.id).label("id"))
              .where(CheckIn.person_id.in_(person_ids)).group_by(CheckIn.person_id).subquery())
    rows = db.execute(select(CheckIn.person_id, CheckIn.lat, CheckIn.lon)
                      .join(latest, latest.c.id == CheckIn.id)).all()
    return {row.person_id: (row.lat, row.lon) for row in rows}


def busy_people(db: Session, shift: Shift) -> set[int]:
    """People on this shift or on any shift overlapping it."""
    return set(db.scalars(
        select(Assignment.person_id).join(Shift, Shift.id == Assignment.shift_id).where(
            Assignment.removed_at.is_(None), Shift.starts_at < shift.ends_at,
            Shift.ends_at > shift.starts_at)))


def nearest_available(db: Session, shift: Shift, limit: int = 5) -> list[Candidate]:
    """Free, active people nearest the post (last known fix, else home); skilled ones first."""
    post = db.get(Post, shift.post_id)
    busy = busy_people(db, shift)
    people = [p for p in db.scalars(select(Person).where(Person.active.is_(True)))
              if p.id not in busy]
    fixes = last_positions(db, [p.id for p in people])
    required = set(shift.skills or [])
    candidates = []
    for person in people:
        if person.id in fixes:
            (lat, lon), where = fixes[person.id], "last_fix"
        elif person.home_lat is not None and person.home_lon is not None:
            (lat, lon), where = (person.home_lat, person.home_lon), "home"
        else:
            continue
        candidates.append(Candidate(person, geo.haversine_m(lat, lon, post.lat, post.lon), where,
                                    required <= set(person.skills or [])))
    candidates.sort(key=lambda c: (not c.has_skills, c.distance_m))
    return candidates[:limit]


def dispatch_for_alert(db: Session, actor: audit.Actor, at: datetime, alert: Alert) -> Assignment:
    """Send the nearest free person to the shift behind a missed check-in or a short post."""
    if alert.shift_id is None:
        raise validation_error({"alert_id": "this alert is not about a shift"})
    shift = db.get(Shift, alert.shift_id)
    if shift.ends_at <= at:
        raise conflict("The shift of this alert has ended.")
    best = nearest_available(db, shift, limit=1)
    if not best:
        raise conflict("Nobody is free for this shift right now.")
    return events.create_assignment(db, actor, at, shift.id, best[0].person.id,
                                    distance_m=round(best[0].distance_m, 1))
