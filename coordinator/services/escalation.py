"""Escalation (逐级上报): what nobody answered or acknowledged climbs to the leaders of the unit
it concerns, then of the parent unit — each level once."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Alert, Escalation, Event, Person, Post, Unit, UnitLeader
from . import audit, outbox, scope

LEVELS = 2


def chain(db: Session, unit_id: int | None) -> list[Unit]:
    """A unit and its parent: the levels a missed answer or an ignored alert climbs."""
    levels = []
    unit = db.get(Unit, unit_id, execution_options=scope.WHOLE_ORGANISATION) \
        if unit_id is not None else None
    while unit is not None and len(levels) < LEVELS:
        levels.append(unit)
        unit = db.get(Unit, unit.parent_id, execution_options=scope.WHOLE_ORGANISATION) \
            if unit.parent_id is not None else None
    return levels


def leaders_of_units(db: Session, unit_ids: list[int]) -> dict[int, dict[int, Person]]:
    """Each unit's active leaders (指挥长, 副指挥长, 带班领导) by person id."""
    found: dict[int, dict[int, Person]] = defaultdict(dict)
    if unit_ids:
        rows = db.execute(select(UnitLeader.unit_id, Person)
                          .join(Person, Person.id == UnitLeader.person_id)
                          .where(UnitLeader.unit_id.in_(unit_ids), Person.active.is_(True))
                          .execution_options(**scope.WHOLE_ORGANISATION))
        for unit_id, person in rows:
            found[unit_id][person.id] = person
    return found


def _alert_unit(db: Session, alert: Alert) -> int | None:
    """The unit an alert concerns: its post's, else its person's, else its event's."""
    for model, record_id in ((Post, alert.post_id), (Person, alert.person_id),
                             (Event, alert.event_id)):
        if record_id is not None:
            unit_id = db.scalar(select(model.unit_id).where(model.id == record_id)
                                .execution_options(**scope.WHOLE_ORGANISATION))
            if unit_id is not None:
                return unit_id
    return None


def escalate_alerts(db: Session, at: datetime, after: timedelta) -> list[tuple[int, int]]:
    """Alerts still open and unacknowledged `after` their raising climb one level (the leaders
    of their unit), and after twice that the next (the parent's): (alert id, level) pairs."""
    open_alerts = db.scalars(select(Alert).where(
        Alert.resolved_at.is_(None), Alert.acked_at.is_(None), Alert.raised_at <= at - after)
        .order_by(Alert.id).execution_options(**scope.WHOLE_ORGANISATION)).all()
    if not open_alerts:
        return []
    done = {(alert_id, level) for alert_id, level in db.execute(
        select(Escalation.alert_id, Escalation.level).where(
            Escalation.alert_id.in_([a.id for a in open_alerts])))}
    climbed = []
    for alert in open_alerts:
        waited = at - alert.raised_at
        levels = chain(db, _alert_unit(db, alert))
        for level, unit in enumerate(levels, start=1):
            if (alert.id, level) in done or waited < after * level:
                continue
            leaders = leaders_of_units(db, [unit.id])[unit.id]
            minutes = int(waited.total_seconds() // 60)
            db.add(Escalation(alert_id=alert.id, unit_id=unit.id, level=level,
                              leaders=len(leaders), created_at=at))
            outbox.notify(db, (outbox.addressee(p) for p in leaders.values()),
                          f"【告警未确认】{alert.message}（已{minutes}分钟无人确认，请{unit.name}督办）",
                          cause="alert", at=at, event_id=alert.event_id, alert_id=alert.id)
            audit.record(db, audit.SYSTEM, "escalate", alert, at=at, after={
                "level": level, "unit_id": unit.id, "leaders": sorted(leaders)})
            climbed.append((alert.id, level))
    return climbed
