"""Writing assignments: the engine's plan, a commander's adjusted plan, and the check after locking.

Lock order (one for every writer of assignments, so no two can wait for each other in a cycle):

1. the shifts' rows, ascending id (`lock_shifts`, SELECT ... FOR UPDATE); the open places are
   counted only after this, so two writers never count the same place: at most
   `required - standing` are taken, `standing` being the assignments on the shift once locked;
2. the people's rows, ascending id (`events.create_assignments`; `events.create_assignment`
   locks its one shift, then its one person);
3. then, taken later by the unit of work when it seals: the events' sequence rows (ascending
   event id) and the audit chain head, always last.

On SQLite FOR UPDATE is a no-op (writers are serialised by BEGIN IMMEDIATE), but the path is the
same: lock, then count, then write.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import conflict, validation_error
from ...models import Assignment, Event, Post, Shift
from .. import audit, events
from .eligibility import Roster, VillageCodes, schedules
from .planning import Plan, open_shifts, plan_open_places
from .rules import Rules, breaks_rule, relevant_span
from .solver import haversine_m


def assign_open_places(db: Session, actor: audit.Actor, at: datetime, event: Event, rules: Rules,
                       shift_ids: list[int] | None = None) -> tuple[list[Assignment], Plan]:
    """Fill the open places as planned, in the caller's transaction (source "auto"): the shifts
    are locked first, so the plan fills only the places still open once they are."""
    lock_shifts(db, event, at, shift_ids)
    plan = plan_open_places(db, event, at, rules, shift_ids)
    created = take_places(db, actor, at, [
        (p.shift_id, p.person_id, "auto", p.distance_m) for p in plan.proposals])
    check_rules_held(db, created, rules)
    return created, plan


def lock_shifts(db: Session, event: Event, at: datetime, shift_ids: list[int] | None) -> None:
    """Lock the rows of the event's shifts whose places a call may take (the named ones, else
    those that have not ended), ascending id, and read them afresh. Held until the commit: no
    other writer can count or take their places meanwhile."""
    query = select(Shift).where(Shift.event_id == event.id)
    if shift_ids is not None:
        query = query.where(Shift.id.in_(set(shift_ids)))
    else:
        query = query.where(Shift.ends_at > at)
    db.scalars(query.order_by(Shift.id).with_for_update()
               .execution_options(populate_existing=True)).all()


def take_places(db: Session, actor: audit.Actor, at: datetime,
                rows: list[tuple[int, int, str, float | None]]) -> list[Assignment]:
    """Write `rows` of (shift_id, person_id, source, distance_m) on shifts locked by
    `lock_shifts`, counting the assignments standing on each once more: a shift takes at most
    `required - standing` (409 otherwise, nothing written)."""
    if not rows:
        return []
    wanted: dict[int, int] = defaultdict(int)
    for shift_id, *_ in rows:
        wanted[shift_id] += 1
    required = dict(db.execute(select(Shift.id, Shift.required)
                               .where(Shift.id.in_(list(wanted)))).all())
    standing = events.assigned_counts(db, list(wanted))
    for shift_id, count in sorted(wanted.items()):
        left = required.get(shift_id, 0) - standing.get(shift_id, 0)
        if count > left:
            raise conflict(f"Shift {shift_id} has only {max(left, 0)} open places now.")
    return events.create_assignments(db, actor, at, rows)


def check_rules_held(db: Session, created: list[Assignment], rules: Rules) -> None:
    """After the people are locked, make sure no new assignment breaks a rule over time (another
    request may have booked someone between planning and writing): 409 if one does."""
    if not created:
        return
    shifts = {s.id: s for s in db.scalars(select(Shift).where(
        Shift.id.in_({a.shift_id for a in created})))}
    span = relevant_span(list(shifts.values()), rules)
    booked = schedules(db, *span, person_ids=list({a.person_id for a in created}))
    for assignment in created:
        shift = shifts[assignment.shift_id]
        window = (shift.starts_at, shift.ends_at)
        others = list(booked.get(assignment.person_id, []))
        others.remove(window)
        broken = breaks_rule(others, window, rules)
        if broken is not None:
            raise conflict(f"Person {assignment.person_id} can no longer take shift {shift.id} "
                           f"({broken}): the roster changed meanwhile. Plan again.")


def confirm_rows(db: Session, actor: audit.Actor, at: datetime, event: Event, rules: Rules,
                 rows: list[tuple[int, int, bool]]) -> list[Assignment]:
    """Write a proposal as the commander adjusted it: rows of (shift_id, person_id, swapped).
    Every row must keep the hard rules (422 naming the row otherwise); rows the engine chose are
    "auto", people swapped in by the commander "manual"."""
    lock_shifts(db, event, at, [r[0] for r in rows])
    chosen, _ = open_shifts(db, event, at, [r[0] for r in rows])
    places = {shift.id: n for shift, n in chosen}
    shifts = {shift.id: shift for shift, _ in chosen}
    wanted: dict[int, int] = defaultdict(int)
    for shift_id, _, _ in rows:
        wanted[shift_id] += 1
    for shift_id, count in wanted.items():
        if shift_id not in places:
            raise conflict(f"Shift {shift_id} has ended or has no open place any more.")
        if count > places[shift_id]:
            raise conflict(f"Shift {shift_id} has only {places[shift_id]} open places now.")
    roster = Roster.load(db, event, relevant_span(list(shifts.values()), rules), VillageCodes())
    posts = {p.id: p for p in db.scalars(select(Post).where(
        Post.id.in_({s.post_id for s in shifts.values()})))}
    problems, plan = {}, []
    order = sorted(range(len(rows)), key=lambda i: (shifts[rows[i][0]].starts_at, i))
    for i in order:
        shift_id, person_id, swapped = rows[i]
        shift, p = shifts[shift_id], roster.index.get(person_id)
        window = (shift.starts_at, shift.ends_at)
        if p is None:
            problems[f"rows.{i}.person_id"] = "no active person has this id"
        elif not set(shift.skills or ()) <= roster.skills[p]:
            problems[f"rows.{i}.person_id"] = "lacks the skills of the shift"
        elif (broken := breaks_rule(roster.schedules.get(person_id, []), window, rules)):
            problems[f"rows.{i}.person_id"] = {
                "overlap": "already on a shift at the same time",
                "rest": "would not have the minimum rest between shifts",
                "max_duty": "would be on duty too long within 24 hours"}[broken]
        else:
            distance = None
            if roster.has_position[p]:
                post = posts[shift.post_id]
                distance = round(float(haversine_m(roster.lat[p], roster.lon[p], post.lat,
                                                   post.lon)), 1)
            roster.take(p, window)
            plan.append((shift_id, person_id, "manual" if swapped else "auto", distance))
    if problems:
        raise validation_error(problems, "Some rows break an assignment rule.")
    created = take_places(db, actor, at, plan)
    check_rules_held(db, created, rules)
    return created
