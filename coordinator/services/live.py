"""Live state of an event: who is on duty, each post's staffing, the snapshot and its messages."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import NamedTuple

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from ..models import Alert, Assignment, CheckIn, Event, FieldReport, Person, Post, PostStatus, Shift
from ..presenters import alert_json, assignment_json, checkin_json, iso, report_json
from . import duty_rule, duty_state, effects, outbox, scope
from .duty_rule import DutyState, Fix
from .duty_state import FIX_COLUMNS

POST_STATUS = PostStatus.__table__


def running_shifts(db: Session, event_id: int, at: datetime):
    return db.scalars(select(Shift).where(Shift.event_id == event_id, Shift.starts_at <= at,
                                          Shift.ends_at > at)).all()


def states_by_assignment(db: Session, assignment_ids: list[int],
                         as_of: datetime | None = None, *,
                         full: bool = True) -> dict[int, DutyState | duty_state.Glance]:
    """Each assignment's duty state: as stored (all of it, or without `full` only its glance:
    on duty and the last fix), or for replay from the fixes known by `as_of`."""
    if as_of is None:
        return duty_state.load(db, assignment_ids) if full else \
            duty_state.glance(db, assignment_ids)
    fixes = defaultdict(list)
    if assignment_ids:
        query = select(*FIX_COLUMNS, CheckIn.reviewed_at) \
            .join(Post, Post.id == CheckIn.post_id) \
            .where(CheckIn.assignment_id.in_(assignment_ids))
        query = query.where(CheckIn.received_at <= as_of, CheckIn.taken_at <= as_of)
        for *columns, reviewed_at in db.execute(query):
            fix = Fix(*columns)
            if reviewed_at is not None and reviewed_at > as_of:
                fix = fix._replace(review_verdict=None)  # as it stood before its review
            fixes[fix.assignment_id].append(fix)
    return {a: duty_rule.fold(fixes.get(a, [])) for a in assignment_ids}


def _assigned_at(query, as_of: datetime | None):
    """Assignments standing at `as_of` (for replay); else those not removed."""
    if as_of is None:
        return query.where(Assignment.removed_at.is_(None))
    return query.where(Assignment.created_at <= as_of) \
        .where((Assignment.removed_at.is_(None)) | (Assignment.removed_at > as_of))


def assignments_on(db: Session, shift_ids: list[int], as_of: datetime | None = None):
    """The assignments of these shifts (at `as_of`, for replay; else those not removed)."""
    return db.scalars(_assigned_at(select(Assignment).where(Assignment.shift_id.in_(shift_ids)),
                                   as_of)).all()


def status_word(required: int, present: int, running: bool) -> str:
    if not running:
        return "idle"
    if present == 0:
        return "empty"
    return "under" if present < required else "full"


class Seat(NamedTuple):
    """An assignment on a running shift, as presence reads it."""

    id: int
    shift_id: int
    person_id: int
    acknowledged_at: datetime | None
    person_name: str


SEAT_COLUMNS = (Assignment.id, Assignment.shift_id, Assignment.person_id,
                Assignment.acknowledged_at, Person.name)


@dataclass
class Presence:
    """Who is on duty on the running shifts of some posts at one moment: the one reading that
    the posts' staffing, the sweeper's alerts and a check-in's effects are all decided from."""

    shifts: list          # every shift at these posts: id, post_id, required, starts_at, ends_at
    running: dict         # the running ones, by id
    assignments: list[Seat]  # on the running shifts
    states: dict          # by assignment: the DutyState (`full`), else its Glance

    @cached_property
    def _on_duty_by_shift(self) -> Counter:
        return Counter(a.shift_id for a in self.assignments if self.states[a.id].on_duty)

    def on_duty(self, shift_id: int) -> int:
        """How many people assigned to the shift are on duty."""
        return self._on_duty_by_shift[shift_id]

    def staffing(self) -> dict[int, dict]:
        """{post_id: {required, present, status}}; people counted once per post."""
        required, post_of = defaultdict(int), {}
        for shift_id, shift in self.running.items():
            required[shift.post_id] += shift.required
            post_of[shift_id] = shift.post_id
        present = defaultdict(set)
        for seat in self.assignments:
            if self.states[seat.id].on_duty:
                present[post_of[seat.shift_id]].add(seat.person_id)
        staffing = {}
        for post_id in {shift.post_id for shift in self.shifts}:
            count, needed = len(present.get(post_id, ())), required.get(post_id, 0)
            staffing[post_id] = {"required": needed, "present": count,
                                 "status": status_word(needed, count, post_id in required)}
        return staffing


def presence(db: Session, event_id: int, at: datetime, *,
             post_ids: Collection[int] | None = None, history: bool = False,
             full: bool = False) -> Presence:
    """The event's posts (or these) at time `at`; `history` counts only what was known at
    `at`, for replay. The states are glances (on duty, last fix) unless `full` is asked for."""
    at_posts = (Shift.event_id == event_id) if post_ids is None else \
        (Shift.event_id == event_id) & Shift.post_id.in_(list(post_ids))
    shifts = db.execute(select(Shift.id, Shift.post_id, Shift.required, Shift.starts_at,
                               Shift.ends_at).where(at_posts)).all()
    running = {s.id: s for s in shifts if s.starts_at <= at < s.ends_at}
    if not running:
        return Presence(shifts, running, [], {})
    # The running shifts' assignments with the person's name, in one query with the stored
    # states (no list of thousands of ids sent back to the database).
    query = select(*SEAT_COLUMNS).join(Shift, Shift.id == Assignment.shift_id) \
        .join(Person, Person.id == Assignment.person_id) \
        .where(at_posts, Shift.starts_at <= at, Shift.ends_at > at)
    if history:
        seats = [Seat._make(row) for row in db.execute(_assigned_at(query, at))]
        return Presence(shifts, running, seats,
                        states_by_assignment(db, [seat.id for seat in seats], at))
    stored = duty_state.STATES
    query = query.outerjoin(stored, stored.c.assignment_id == Assignment.id)
    width = len(SEAT_COLUMNS)
    if full:
        rows = db.execute(_assigned_at(query.add_columns(*stored.c), None)).all()
        states = {row[0]: duty_state.stored_state_of(row) for row in rows}
    else:
        rows = db.execute(_assigned_at(query.add_columns(*duty_state.GLANCE_COLUMNS), None)).all()
        states = {row[0]: duty_state.glance_from(*row[width:]) for row in rows}
    return Presence(shifts, running, [Seat._make(row[:width]) for row in rows], states)


def post_staffing(db: Session, event_id: int, at: datetime, *,
                  post_ids: Collection[int] | None = None,
                  history: bool = False) -> dict[int, dict]:
    """{post_id: {required, present, status}} for the event's posts (or these) at time `at`."""
    return presence(db, event_id, at, post_ids=post_ids, history=history).staffing()


def refresh_post_status(db: Session, event_id: int, post_id: int, at: datetime) -> Presence:
    """Recompute one post's staffing; store it and broadcast `post_status` if it changed.
    Returns what it was computed from."""
    now = presence(db, event_id, at, post_ids=[post_id])
    staffing = now.staffing().get(post_id)
    if staffing is not None:
        store_post_status(db, event_id, post_id, staffing["required"], staffing["present"],
                          staffing["status"], at)
    return now


def store_post_status(db: Session, event_id: int, post_id: int, required: int, present: int,
                      status: str, at: datetime) -> bool:
    key = (POST_STATUS.c.event_id == event_id) & (POST_STATUS.c.post_id == post_id)
    stored = db.execute(select(POST_STATUS.c.required, POST_STATUS.c.present,
                               POST_STATUS.c.status).where(key)).first()
    return _store_if_changed(db, event_id, post_id, stored, required, present, status, at)


def store_post_statuses(db: Session, event_id: int, staffing: dict[int, dict],
                        at: datetime) -> int:
    """Store and broadcast every post whose staffing changed (one read for them all)."""
    stored = {row.post_id: (row.required, row.present, row.status) for row in db.execute(
        select(POST_STATUS.c.post_id, POST_STATUS.c.required, POST_STATUS.c.present,
               POST_STATUS.c.status).where(POST_STATUS.c.event_id == event_id,
                                           POST_STATUS.c.post_id.in_(list(staffing))))}
    return sum(_store_if_changed(db, event_id, post_id, stored.get(post_id), s["required"],
                                 s["present"], s["status"], at)
               for post_id, s in staffing.items())


def _store_if_changed(db: Session, event_id: int, post_id: int, stored, required: int,
                      present: int, status: str, at: datetime) -> bool:
    if stored is not None and tuple(stored) == (required, present, status):
        return False
    key = (POST_STATUS.c.event_id == event_id) & (POST_STATUS.c.post_id == post_id)
    values = {"required": required, "present": present, "status": status, "updated_at": at}
    if stored is None:
        db.execute(insert(POST_STATUS).values(event_id=event_id, post_id=post_id, **values))
    else:
        db.execute(update(POST_STATUS).where(key).values(**values))
    effects.live(db, event_id, "post_status", {
        "post_id": post_id, "required": required, "present": present, "status": status},
        post_id=post_id)
    return True


def fix_of(checkin: CheckIn, radius_m: float) -> Fix:
    """What the duty rule reads of a check-in at a post with this fence radius."""
    return Fix(checkin.assignment_id, checkin.id, checkin.kind, checkin.taken_at, checkin.within_fence,
               checkin.distance_m, checkin.accuracy_m, radius_m, checkin.review_verdict,
               checkin.lat, checkin.lon)


def announce_checkin(db: Session, event_id: int, checkin: CheckIn, person: Person,
                     at: datetime, *, radius_m: float, refresh: bool) -> Presence | None:
    """The `checkin` message, then the post's status if the check-in may have changed it
    (`refresh`: it changed the person's duty on a running shift; time-driven changes are the
    sweeper's). Returns the post's presence when it was recomputed."""
    effects.live(db, event_id, "checkin", {
        "checkin": {**checkin_json(checkin, radius_m), "lat": checkin.lat, "lon": checkin.lon},
        "person": {"id": person.id, "name": person.name}}, post_id=checkin.post_id)
    return refresh_post_status(db, event_id, checkin.post_id, at) if refresh else None


def announce_alert(db: Session, alert: Alert) -> None:
    effects.live(db, alert.event_id, "alert", {"alert": alert_json(alert)},
                 post_id=alert.post_id, person_id=alert.person_id, unit_id=alert.unit_id)


def snapshot(db: Session, event: Event, at: datetime, *, history: bool = False) -> dict:
    """Everything a map needs at once; `seq` is read first, so no later change can be missed.
    With `history`, the state as the records show it at `at` (the after-action replay)."""
    seq = effects.current_seq(db, event.id, scope.current(db).unit_id)
    as_of = at if history else None
    now = presence(db, event.id, at, history=history)
    staffing = now.staffing()
    posts = db.execute(select(Post.id, Post.name, Post.kind, Post.village, Post.lat, Post.lon,
                              Post.radius_m, Post.unit_id).where(Post.id.in_(staffing))).all()
    post_of = {shift_id: shift.post_id for shift_id, shift in now.running.items()}
    staff = []
    for seat in now.assignments:
        state = now.states[seat.id]  # a Glance, or for replay the DutyState
        on_duty, last = state.on_duty, state.last
        acknowledged = seat.acknowledged_at is not None and (
            as_of is None or seat.acknowledged_at <= as_of)
        staff.append({
            "person_id": seat.person_id, "name": seat.person_name,
            "post_id": post_of[seat.shift_id], "assignment_id": seat.id,
            "lat": last.lat if last else None, "lon": last.lon if last else None,
            "on_duty": on_duty, "acknowledged": acknowledged,
            "last_seen": iso(last.taken_at) if last else None,
        })
    query = select(Alert).where(Alert.event_id == event.id)
    if as_of is None:
        query = query.where(Alert.resolved_at.is_(None))
    else:
        query = query.where(Alert.raised_at <= as_of).where(
            (Alert.resolved_at.is_(None)) | (Alert.resolved_at > as_of))
    alerts = db.scalars(query.order_by(Alert.raised_at.desc(), Alert.id.desc())).all()
    return {
        "seq": seq,
        "posts": [{"id": post_id, "name": name, "kind": kind, "village": village, "lat": lat,
                   "lon": lon, "radius_m": radius_m, "unit_id": unit_id, **staffing[post_id]}
                  for post_id, name, kind, village, lat, lon, radius_m, unit_id in posts],
        "staff": staff,
        "alerts": [alert_json(a) for a in alerts],
    }


def announce_assignment(db: Session, action: str, assignment: Assignment, shift: Shift,
                        person_name: str, at: datetime, refresh: bool = True) -> None:
    """`assignment` to the event's map and to the person's own channel, then the post's status
    (a batch refreshes each post once, after its last message: `refresh=False`)."""
    effects.live(db, shift.event_id, "assignment", {
        "action": action, "assignment": assignment_json(assignment, shift, person_name)},
        person_ids=(assignment.person_id,), post_id=shift.post_id)
    if action == "created":
        outbox.assigned(db, assignment.id)
    if refresh:
        refresh_post_status(db, shift.event_id, shift.post_id, at)


def announce_report(db: Session, report: FieldReport, person: Person, photo_url: str | None):
    effects.live(db, report.event_id, "report", {
        "report": {**report_json(report, photo_url), "person_name": person.name}},
        person_id=report.person_id)


def post_detail(db: Session, event: Event, post: Post, at: datetime) -> dict:
    """A post's drawer: its shifts with who is assigned, acknowledged and on duty, and the
    check-in history with handover notes, newest first."""
    shifts = db.scalars(select(Shift).where(Shift.event_id == event.id, Shift.post_id == post.id)
                        .order_by(Shift.starts_at)).all()
    assignments = assignments_on(db, [s.id for s in shifts])
    people = {p.id: p for p in db.scalars(select(Person).where(
        Person.id.in_({a.person_id for a in assignments})))}
    states = states_by_assignment(db, [a.id for a in assignments])
    by_shift = defaultdict(list)
    for assignment in assignments:
        person, state = people[assignment.person_id], states[assignment.id]
        by_shift[assignment.shift_id].append({
            "assignment_id": assignment.id, "person_id": person.id, "name": person.name,
            "phone": person.phone, "unit": person.unit,
            "acknowledged_at": iso(assignment.acknowledged_at), "on_duty": state.on_duty,
            "last_seen": iso(state.last.taken_at) if state.last else None})
    fixes = db.execute(
        select(CheckIn, Person.name).join(Person, Person.id == CheckIn.person_id)
        .join(Assignment, Assignment.id == CheckIn.assignment_id)
        .join(Shift, Shift.id == Assignment.shift_id)
        .where(Shift.event_id == event.id, CheckIn.post_id == post.id)
        .order_by(CheckIn.taken_at.desc(), CheckIn.id.desc()).limit(200)).all()
    staffing = post_staffing(db, event.id, at, post_ids=[post.id]).get(
        post.id, {"required": 0, "present": 0, "status": "idle"})
    return {
        "status": staffing,
        "shifts": [{"id": s.id, "starts_at": iso(s.starts_at), "ends_at": iso(s.ends_at),
                    "required": s.required, "skills": list(s.skills or []),
                    "running": s.starts_at <= at < s.ends_at,
                    "assignments": by_shift.get(s.id, [])} for s in shifts],
        "checkins": [{**checkin_json(row.CheckIn, post.radius_m), "person_name": row.name,
                      "note": row.CheckIn.note} for row in fixes],
    }
