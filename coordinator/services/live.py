"""Live state of an event: who is on duty, each post's staffing, the snapshot and its messages."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Alert, Assignment, CheckIn, Event, FieldReport, Person, Post, PostStatus, Shift
from ..presenters import alert_json, assignment_json, checkin_json, iso, report_json
from ..realtime import broadcast

LEFT_AFTER_OUTSIDE_FIXES = 2


@dataclass
class DutyState:
    """Where a person on a running shift stands, from their fixes in time order."""

    on_duty: bool = False
    ever_on_duty: bool = False
    outside_run: int = 0
    checked_out: bool = False
    last: CheckIn | None = None
    last_on_duty: CheckIn | None = None


def duty_state(fixes: list[CheckIn]) -> DutyState:
    """On duty after a fenced check-in or presence, until check-out or two outside fixes in a row
    (one GPS jump does not take anyone off duty); rejected fixes do not count."""
    state = DutyState()
    for fix in sorted(fixes, key=lambda f: (f.taken_at, f.id)):
        if fix.review_verdict == "rejected":
            continue
        state.last = fix
        if fix.kind == "check_out":
            state.on_duty, state.outside_run, state.checked_out = False, 0, True
        elif fix.within_fence:
            state.on_duty, state.outside_run, state.checked_out = True, 0, False
            state.ever_on_duty, state.last_on_duty = True, fix
        elif state.on_duty:
            state.outside_run += 1
            if state.outside_run >= LEFT_AFTER_OUTSIDE_FIXES:
                state.on_duty = False
    return state


def running_shifts(db: Session, event_id: int, at: datetime, post_id: int | None = None):
    query = select(Shift).where(Shift.event_id == event_id, Shift.starts_at <= at,
                                Shift.ends_at > at)
    if post_id is not None:
        query = query.where(Shift.post_id == post_id)
    return db.scalars(query).all()


def states_by_assignment(db: Session, assignment_ids: list[int]) -> dict[int, DutyState]:
    fixes = defaultdict(list)
    if assignment_ids:
        for fix in db.scalars(select(CheckIn).where(CheckIn.assignment_id.in_(assignment_ids))):
            fixes[fix.assignment_id].append(fix)
    return {a: duty_state(fixes.get(a, [])) for a in assignment_ids}


def status_word(required: int, present: int, running: bool) -> str:
    if not running:
        return "idle"
    if present == 0:
        return "empty"
    return "under" if present < required else "full"


def post_staffing(db: Session, event_id: int, at: datetime) -> dict[int, dict]:
    """{post_id: {required, present, status}} for every post with a shift in the event."""
    post_ids = set(db.scalars(select(Shift.post_id).where(Shift.event_id == event_id)))
    running = running_shifts(db, event_id, at)
    assignments = db.scalars(select(Assignment).where(
        Assignment.shift_id.in_([s.id for s in running]), Assignment.removed_at.is_(None))).all()
    states = states_by_assignment(db, [a.id for a in assignments])
    shift_post = {s.id: s.post_id for s in running}
    required = defaultdict(int)
    for shift in running:
        required[shift.post_id] += shift.required
    present = defaultdict(set)
    for assignment in assignments:
        if states[assignment.id].on_duty:
            present[shift_post[assignment.shift_id]].add(assignment.person_id)
    staffed = {shift.post_id for shift in running}
    return {post_id: {"required": required.get(post_id, 0), "present": len(present[post_id]),
                      "status": status_word(required.get(post_id, 0), len(present[post_id]),
                                            post_id in staffed)}
            for post_id in post_ids}


def refresh_post_status(db: Session, event_id: int, post_id: int, at: datetime) -> bool:
    """Recompute one post's staffing; store it and broadcast `post_status` if it changed."""
    running = running_shifts(db, event_id, at, post_id)
    assignments = db.scalars(select(Assignment).where(
        Assignment.shift_id.in_([s.id for s in running]), Assignment.removed_at.is_(None))).all()
    states = states_by_assignment(db, [a.id for a in assignments])
    required = sum(s.required for s in running)
    present = len({a.person_id for a in assignments if states[a.id].on_duty})
    return store_post_status(db, event_id, post_id, required, present,
                             status_word(required, present, bool(running)), at)


def store_post_status(db: Session, event_id: int, post_id: int, required: int, present: int,
                      status: str, at: datetime) -> bool:
    row = db.get(PostStatus, (event_id, post_id))
    if row is not None and (row.required, row.present, row.status) == (required, present, status):
        return False
    if row is None:
        row = PostStatus(event_id=event_id, post_id=post_id)
        db.add(row)
    row.required, row.present, row.status, row.updated_at = required, present, status, at
    broadcast.queue(db, event_id, "post_status", {
        "post_id": post_id, "required": required, "present": present, "status": status})
    return True


def announce_checkin(db: Session, event_id: int, checkin: CheckIn, person: Person,
                     at: datetime) -> None:
    """The `checkin` message, then the post's status if the check-in changed it."""
    broadcast.queue(db, event_id, "checkin", {
        "checkin": checkin_json(checkin), "person": {"id": person.id, "name": person.name}})
    refresh_post_status(db, event_id, checkin.post_id, at)


def announce_alert(db: Session, alert: Alert) -> None:
    broadcast.queue(db, alert.event_id, "alert", {"alert": alert_json(alert)})


def snapshot(db: Session, event: Event, at: datetime) -> dict:
    """Everything a map needs at once; `seq` is read first, so no later change can be missed."""
    seq = broadcast.current_seq(db, event.id)
    staffing = post_staffing(db, event.id, at)
    posts = db.scalars(select(Post).where(Post.id.in_(staffing))).all()
    running = running_shifts(db, event.id, at)
    shift_post = {s.id: s.post_id for s in running}
    rows = db.execute(select(Assignment, Person).join(Person, Person.id == Assignment.person_id)
                      .where(Assignment.shift_id.in_(list(shift_post)),
                             Assignment.removed_at.is_(None))).all()
    states = states_by_assignment(db, [r.Assignment.id for r in rows])
    staff = []
    for row in rows:
        state = states[row.Assignment.id]
        staff.append({
            "person_id": row.Person.id, "name": row.Person.name,
            "post_id": shift_post[row.Assignment.shift_id],
            "assignment_id": row.Assignment.id,
            "lat": state.last.lat if state.last else None,
            "lon": state.last.lon if state.last else None,
            "on_duty": state.on_duty,
            "acknowledged": row.Assignment.acknowledged_at is not None,
            "last_seen": iso(state.last.taken_at) if state.last else None,
        })
    alerts = db.scalars(select(Alert).where(Alert.event_id == event.id,
                                            Alert.resolved_at.is_(None))
                        .order_by(Alert.raised_at.desc(), Alert.id.desc())).all()
    return {
        "seq": seq,
        "posts": [{"id": p.id, "name": p.name, "kind": p.kind, "village": p.village,
                   "lat": p.lat, "lon": p.lon, "radius_m": p.radius_m,
                   **staffing[p.id]} for p in posts],
        "staff": staff,
        "alerts": [alert_json(a) for a in alerts],
    }


def announce_assignment(db: Session, action: str, assignment: Assignment, shift: Shift,
                        person_name: str, at: datetime) -> None:
    """`assignment` to the event's map and to the person's own channel, then the post's status."""
    broadcast.queue(db, shift.event_id, "assignment", {
        "action": action, "assignment": assignment_json(assignment, shift, person_name)},
        person_ids=(assignment.person_id,))
    refresh_post_status(db, shift.event_id, shift.post_id, at)


def announce_report(db: Session, report: FieldReport, person: Person, photo_url: str | None):
    broadcast.queue(db, report.event_id, "report", {
        "report": {**report_json(report, photo_url), "person_name": person.name}})
