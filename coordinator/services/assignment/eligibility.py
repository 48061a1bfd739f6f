"""Who may go: the active people as arrays, with what the hard rules need to judge them.

Positions (the last check-in during the event, else home), skills, schedules in every event and
the hours already served in this one, read from the database once per plan; `Roster` then says
who holds a shift's skills and whose schedule has room for a time window.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import Assignment, CheckIn, Event, Person, Shift
from .. import scope
from .rules import Interval, Rules, breaks_rule


def schedules(db: Session, start: datetime, end: datetime,
              person_ids: list[int] | None = None) -> dict[int, list[Interval]]:
    """Each person's duty windows between `start` and `end`, from their active assignments in any
    event; a closed event's shifts count only until it was closed."""
    query = (select(Assignment.person_id, Shift.starts_at, Shift.ends_at, Event.closed_at)
             .join(Shift, Shift.id == Assignment.shift_id)
             .join(Event, Event.id == Shift.event_id)
             .where(Assignment.removed_at.is_(None), Shift.ends_at > start, Shift.starts_at < end))
    if person_ids is not None:
        query = query.where(Assignment.person_id.in_(person_ids))
    found: dict[int, list[Interval]] = defaultdict(list)
    # Every booking counts, also those in units the caller does not see.
    for person_id, s, e, closed_at in db.execute(query,
                                                 execution_options=scope.WHOLE_ORGANISATION):
        if closed_at is not None:
            e = min(e, closed_at)
        if e > s:
            found[person_id].append((s, e))
    return found


def hours_in_event(db: Session, event_id: int) -> dict[int, float]:
    """Hours each person is assigned in this event (the burden that spreading weighs)."""
    rows = db.execute(select(Assignment.person_id, Shift.starts_at, Shift.ends_at)
                      .join(Shift, Shift.id == Assignment.shift_id)
                      .where(Shift.event_id == event_id, Assignment.removed_at.is_(None)),
                      execution_options=scope.WHOLE_ORGANISATION)
    hours: dict[int, float] = defaultdict(float)
    for person_id, s, e in rows:
        hours[person_id] += (e - s).total_seconds() / 3600
    return hours


def last_fixes(db: Session, event_id: int) -> dict[int, tuple[float, float]]:
    """Each person's latest check-in position during this event."""
    latest = (select(CheckIn.person_id, func.max(CheckIn.taken_at).label("taken_at"))
              .join(Assignment, Assignment.id == CheckIn.assignment_id)
              .join(Shift, Shift.id == Assignment.shift_id)
              .where(Shift.event_id == event_id).group_by(CheckIn.person_id).subquery())
    rows = db.execute(select(CheckIn.person_id, CheckIn.lat, CheckIn.lon).join(
        latest, (latest.c.person_id == CheckIn.person_id) & (latest.c.taken_at == CheckIn.taken_at)))
    return {person_id: (lat, lon) for person_id, lat, lon in rows}

class VillageCodes(dict):
    """Small integer codes for village names (-1 for none)."""

    def code(self, name: str | None) -> int:
        if not name:
            return -1
        return self.setdefault(name, len(self))


class Roster:
    """The active people as arrays: positions, skills, schedules and hours in this event.

    `people` are rows with id, kind, unit, skills, home_lat and home_lon (Person or alike);
    `fixes` the last known positions during the event, by person id.
    """

    def __init__(self, people, fixes: dict[int, tuple[float, float]],
                 booked: dict[int, list[Interval]], hours: dict[int, float],
                 villages: VillageCodes):
        self.ids = np.array([r.id for r in people], dtype=np.int64)
        self.index = {pid: i for i, pid in enumerate(self.ids.tolist())}
        self.skills = [frozenset(r.skills or ()) for r in people]
        self.kind = [r.kind for r in people]
        self.unit = [r.unit for r in people]
        self.village = np.array([villages.code(r.unit) if r.kind == "village_official" else -1
                                 for r in people], dtype=np.int64)
        self.from_where = []
        lat, lon = np.zeros(len(people)), np.zeros(len(people))
        self.has_position = np.zeros(len(people), dtype=bool)
        for i, r in enumerate(people):
            if r.id in fixes:
                (lat[i], lon[i]), where = fixes[r.id], "last_fix"
            elif r.home_lat is not None and r.home_lon is not None:
                lat[i], lon[i], where = r.home_lat, r.home_lon, "home"
            else:
                where = None
            self.from_where.append(where)
            self.has_position[i] = where is not None
        self.lat, self.lon = lat, lon
        self.schedules = {pid: list(windows) for pid, windows in booked.items()}
        self.hours = dict(hours)
        self._skill_masks: dict[str, np.ndarray] = {}

    @classmethod
    def load(cls, db: Session, event: Event, span: Interval, villages: VillageCodes) -> Roster:
        """The active roster with what the rules need between the times of `span`."""
        people = db.execute(select(Person.id, Person.kind, Person.unit, Person.skills,
                                   Person.home_lat, Person.home_lon)
                            .where(Person.active.is_(True)).order_by(Person.id)).all()
        return cls(people, last_fixes(db, event.id), schedules(db, *span),
                   hours_in_event(db, event.id), villages)

    def __len__(self) -> int:
        return len(self.ids)

    def skill_mask(self, needed) -> np.ndarray:
        """Who holds every one of the `needed` skills."""
        mask = np.ones(len(self), dtype=bool)
        for skill in needed:
            if skill not in self._skill_masks:
                self._skill_masks[skill] = np.fromiter((skill in s for s in self.skills), bool,
                                                       len(self))
            mask &= self._skill_masks[skill]
        return mask

    def free_mask(self, window: Interval, rules: Rules) -> np.ndarray:
        """Who can take a shift of this window without breaking a rule over time."""
        fits_alone = breaks_rule([], window, rules) is None
        mask = np.full(len(self), fits_alone)
        for person_id, schedule in self.schedules.items():
            i = self.index.get(person_id)
            if i is not None and schedule:
                mask[i] = fits_alone and breaks_rule(schedule, window, rules) is None
        return mask

    def burden_m(self, rules: Rules) -> np.ndarray:
        hours = np.array([self.hours.get(pid, 0.0) for pid in self.ids.tolist()])
        return rules.burden_m_per_hour * hours

    def take(self, i: int, window: Interval) -> None:
        person_id = int(self.ids[i])
        self.schedules.setdefault(person_id, []).append(window)
        self.hours[person_id] = self.hours.get(person_id, 0.0) + \
            (window[1] - window[0]).total_seconds() / 3600
