"""The engine's plan: the open places of an event's shifts, filled one time window after another.

Reads the shifts and their open places, the posts and the roster, groups the shifts into time
windows and eligibility groups, solves each window exactly (`solver.solve_window`) and says why
each person was chosen and why a place stays open. Nothing is written here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import conflict, validation_error
from ...models import Event, Post, Shift
from .. import events
from .eligibility import Roster, VillageCodes
from .rules import Rules, relevant_span
from .solver import Window, solve_window

UNFILLED_REASONS = ("shift_ended", "shift_exceeds_max_duty", "no_one_with_skills",
                    "everyone_busy_or_resting", "no_one_within_reach", "not_enough_people")

@dataclass
class Proposal:
    """One place the engine would fill, and why this person."""

    shift_id: int
    person_id: int
    distance_m: float
    cost_m: float
    from_where: str
    from_lat: float
    from_lon: float
    hours_before: float
    why: list[str]


@dataclass
class Shortfall:
    shift_id: int
    missing: int
    reason: str


@dataclass
class Plan:
    proposals: list[Proposal] = field(default_factory=list)
    unfilled: list[Shortfall] = field(default_factory=list)

    @property
    def total_distance_m(self) -> float:
        return round(sum(round(p.distance_m, 1) for p in self.proposals), 1)


def time_windows(shifts: list[Shift]) -> list[list[Shift]]:
    """Shifts in groups of overlapping time windows, in chronological order."""
    groups: list[list[Shift]] = []
    end = None
    for shift in sorted(shifts, key=lambda s: (s.starts_at, s.ends_at, s.id)):
        if end is None or shift.starts_at >= end:
            groups.append([])
            end = shift.ends_at
        groups[-1].append(shift)
        end = max(end, shift.ends_at)
    return groups

def open_shifts(db: Session, event: Event, at: datetime,
                shift_ids: list[int] | None) -> tuple[list[tuple[Shift, int]], list[Shortfall]]:
    """The chosen shifts (all of the event's when none are named) with their open places; named
    shifts that have ended come back as shortfalls. Unknown or foreign ids are a 422."""
    if event.closed_at is not None:
        raise conflict(f"Event {event.id} is closed.")
    query = select(Shift).where(Shift.event_id == event.id)
    if shift_ids is not None:
        wanted = list(dict.fromkeys(shift_ids))
        query = query.where(Shift.id.in_(wanted))
    shifts = db.scalars(query.order_by(Shift.starts_at, Shift.id)).all()
    if shift_ids is not None:
        missing = sorted(set(wanted) - {s.id for s in shifts})
        if missing:
            raise validation_error({"shift_ids": f"not shifts of event {event.id}: "
                                    + ", ".join(map(str, missing))})
    counts = events.assigned_counts(db, [s.id for s in shifts])
    chosen, ended = [], []
    for shift in shifts:
        places = shift.required - counts.get(shift.id, 0)
        if places <= 0:
            continue
        if shift.ends_at <= at:
            if shift_ids is not None:
                ended.append(Shortfall(shift.id, places, "shift_ended"))
            continue
        chosen.append((shift, places))
    return chosen, ended


def plan_open_places(db: Session, event: Event, at: datetime, rules: Rules,
                     shift_ids: list[int] | None = None) -> Plan:
    """The engine's proposal for the open places of the chosen shifts; nothing is written."""
    chosen, ended = open_shifts(db, event, at, shift_ids)
    plan = Plan(unfilled=ended)
    if not chosen:
        return plan
    posts = {p.id: p for p in db.scalars(select(Post).where(
        Post.id.in_({shift.post_id for shift, _ in chosen})))}
    villages = VillageCodes()
    roster = Roster.load(db, event, relevant_span([s for s, _ in chosen], rules), villages)
    return plan_shifts(roster, chosen, posts, villages, rules, plan)


def plan_shifts(roster: Roster, chosen: list[tuple[Shift, int]], posts: dict[int, Post],
                villages: VillageCodes, rules: Rules, plan: Plan | None = None) -> Plan:
    """Fill (shift, open places) pairs from the roster, one time window after another in
    chronological order, each window solved exactly; the roster's schedules are updated."""
    plan = plan or Plan()
    places = {shift.id: n for shift, n in chosen}
    for window in time_windows([shift for shift, _ in chosen]):
        _plan_window(roster, window, places, posts, villages, rules, plan)
    plan.unfilled.sort(key=lambda u: u.shift_id)
    return plan


def _plan_window(roster: Roster, shifts: list[Shift], places: dict[int, int],
                 posts: dict[int, Post], villages: VillageCodes, rules: Rules, plan: Plan) -> None:
    """Solve one group of overlapping shifts exactly and book the chosen people."""
    groups: dict[tuple, int] = {}
    for shift in shifts:
        groups.setdefault((frozenset(shift.skills or ()), shift.starts_at, shift.ends_at),
                          len(groups))
    skilled = np.zeros((len(groups), len(roster)), dtype=bool)
    free = np.zeros_like(skilled)
    for (skills, start, end), g in groups.items():
        skilled[g] = roster.skill_mask(skills)
        free[g] = roster.free_mask((start, end), rules)
    eligible = skilled & free & roster.has_position
    shift_group = np.array([groups[(frozenset(s.skills or ()), s.starts_at, s.ends_at)]
                            for s in shifts])
    window = Window(
        roster.lat, roster.lon,
        np.array([posts[s.post_id].lat for s in shifts]),
        np.array([posts[s.post_id].lon for s in shifts]),
        np.array([places[s.id] for s in shifts]),
        person_extra_m=roster.burden_m(rules), person_village=roster.village,
        shift_village=np.array([villages.code(posts[s.post_id].village) for s in shifts]),
        eligible=eligible, shift_group=shift_group)
    result = solve_window(window, rules)
    for p, s, distance, cost in zip(result.person.tolist(), result.shift.tolist(),
                                    result.distance_m.tolist(), result.cost_m.tolist(),
                                    strict=True):
        shift = shifts[s]
        person_id = int(roster.ids[p])
        why = ["nearest" if distance <= result.nearest_m[s] + 0.5 else "least_total"]
        if roster.kind[p] == "village_official" and roster.unit[p] == posts[shift.post_id].village:
            why.append("own_village")
        if shift.skills:
            why.append("skills")
        plan.proposals.append(Proposal(
            shift.id, person_id, round(distance, 1), round(cost, 1), roster.from_where[p],
            float(roster.lat[p]), float(roster.lon[p]), round(roster.hours.get(person_id, 0.0), 2),
            why))
        roster.take(p, (shift.starts_at, shift.ends_at))
    for s, shift in enumerate(shifts):
        missing = int(window.shift_places[s] - result.filled[s])
        if missing > 0:
            g = shift_group[s]
            plan.unfilled.append(Shortfall(shift.id, missing, _reason(
                shift, skilled[g], free[g], eligible[g], int(result.in_reach[s]), rules)))


def _reason(shift: Shift, skilled, free, eligible, in_reach: int, rules: Rules) -> str:
    if shift.ends_at - shift.starts_at > rules.max_duty_24h:
        return "shift_exceeds_max_duty"
    if not skilled.any():
        return "no_one_with_skills"
    if not (skilled & free).any():
        return "everyone_busy_or_resting"
    if not eligible.any() or in_reach <= 0:
        return "no_one_within_reach"
    return "not_enough_people"
