"""Dispatch from the map (派人): the best replacement for a shift now, under the engine's rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import conflict, validation_error
from ..models import Alert, Assignment, Person, Shift
from . import audit, events
from .assignment import candidates, writing
from .assignment.rules import Rules


@dataclass
class Candidate:
    person: Person
    distance_m: float
    from_where: str  # "last_fix" or "home"
    has_skills: bool
    cost_m: float = 0.0
    why: list[str] = field(default_factory=list)  # "nearest", "least_total", "own_village", ...
    lat: float | None = None  # where the distance is measured from
    lon: float | None = None


def nearest_available(db: Session, shift: Shift, rules: Rules,
                      limit: int = 5) -> list[Candidate]:
    """Who may take one more place on the shift, best first: the assignment engine's hard rules
    (free, rested, within the 24-hour limit, with the skills, active, within reach) and its cost
    (distance from the last known position, else home, plus the soft preferences)."""
    ranked = candidates.rank_for_shift(db, shift, rules, limit)
    people = {p.id: p for p in db.scalars(select(Person).where(
        Person.id.in_([r.person_id for r in ranked])))}
    return [Candidate(people[r.person_id], r.distance_m, r.from_where, True, r.cost_m, r.why,
                      r.lat, r.lon) for r in ranked]


def dispatch_for_alert(db: Session, actor: audit.Actor, at: datetime, alert: Alert,
                       rules: Rules) -> Assignment:
    """Send the best available person to the shift behind a missed check-in, a person who left or
    a short post (one more place on the shift, chosen by the engine)."""
    if alert.shift_id is None:
        raise validation_error({"alert_id": "this alert is not about a shift"})
    shift = db.get(Shift, alert.shift_id)
    if shift.ends_at <= at:
        raise conflict("The shift of this alert has ended.")
    best = nearest_available(db, shift, rules, limit=1)
    if not best:
        raise conflict("Nobody is free for this shift right now.")
    created = events.create_assignment(db, actor, at, shift.id, best[0].person.id, source="auto",
                                       distance_m=best[0].distance_m)
    writing.check_rules_held(db, [created], rules)
    return created
