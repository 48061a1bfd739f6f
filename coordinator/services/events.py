"""Events (应急响应), their shifts at posts, and manual assignments of people to shifts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import conflict, not_found, validation_error
from ..models import Assignment, Event, EventSequence, Person, Post, Shift
from . import audit, catalogue, live, organisation, scope
from .paging import page


def get_event(db: Session, event_id: int) -> Event:
    return catalogue.get_or_404(db, Event, event_id)


def create_event(db: Session, actor: audit.Actor, at: datetime, fields: dict) -> Event:
    """Open an emergency response for a unit (the one named, else the caller's; none: the
    whole organisation)."""
    unit_id = organisation.unit_of_record(db, fields.get("unit_id"),
                                          given=fields.get("unit_id") is not None)
    event = Event(name=fields["name"], kind=fields["kind"], level=fields["level"],
                  starts_at=fields["starts_at"], unit_id=unit_id, created_at=at)
    db.add(event)
    audit.record(db, actor, "create", event, at=at)
    db.add(EventSequence(event_id=event.id, seq=0))
    return event


def close_event(db: Session, actor: audit.Actor, at: datetime, event: Event) -> Event:
    """End a response; a closed event takes no new shifts or assignments. Only the responding
    unit (or one above it) closes it: a town cannot close the county's event."""
    scope.require_own_event(db, event)
    if event.closed_at is not None:
        raise conflict(f"Event {event.id} is already closed.")
    audit.apply_changes(db, actor, at, event, {"closed_at": at}, action="close")
    return event


def list_events(db: Session, *, status=None, limit=50, offset=0):
    query = select(Event)
    if status == "active":
        query = query.where(Event.closed_at.is_(None))
    elif status == "closed":
        query = query.where(Event.closed_at.is_not(None))
    return page(db, query, Event.id.desc(), limit, offset)


def _ensure_open(event: Event) -> None:
    if event.closed_at is not None:
        raise conflict(f"Event {event.id} is closed.")


def create_shift(db: Session, actor: audit.Actor, at: datetime, event: Event, fields: dict) -> Shift:
    """Add a duty window at a post with its required headcount and skills."""
    _ensure_open(event)
    if fields["ends_at"] <= fields["starts_at"]:
        raise validation_error({"ends_at": "must be after starts_at"})
    post = catalogue.named(db, Post, fields["post_id"])
    if post is None or not post.active:
        raise validation_error({"post_id": "no active post has this id"})
    shift = Shift(event_id=event.id, post_id=post.id, starts_at=fields["starts_at"],
                  ends_at=fields["ends_at"], required=fields["required"],
                  skills=list(fields.get("skills") or []), created_at=at)
    db.add(shift)
    audit.record(db, actor, "create", shift, at=at)
    live.refresh_post_status(db, event.id, post.id, at)
    return shift


def list_shifts(db: Session, event: Event, *, post_id=None, limit=50, offset=0):
    query = select(Shift).where(Shift.event_id == event.id)
    if post_id is not None:
        query = query.where(Shift.post_id == post_id)
    # Many shifts start together: the id breaks ties so that pages neither repeat nor skip any.
    return page(db, query.order_by(Shift.starts_at), Shift.id, limit, offset)


def assigned_counts(db: Session, shift_ids: list[int]) -> dict[int, int]:
    """How many people are assigned (not removed) on each shift."""
    if not shift_ids:
        return {}
    rows = db.execute(
        select(Assignment.shift_id, func.count())
        .where(Assignment.shift_id.in_(shift_ids), Assignment.removed_at.is_(None))
        .group_by(Assignment.shift_id)
    )
    return dict(rows.all())


def overlapping_assignment(db: Session, person_id: int, shift: Shift) -> Assignment | None:
    """The person's active assignment on another shift whose window overlaps `shift`.

    Shifts of a closed event are over, so they no longer hold anyone.
    """
    return db.scalar(
        select(Assignment)
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Event, Event.id == Shift.event_id)
        .where(
            Assignment.person_id == person_id,
            Assignment.removed_at.is_(None),
            Event.closed_at.is_(None),
            Shift.id != shift.id,
            Shift.starts_at < shift.ends_at,
            Shift.ends_at > shift.starts_at,
        )
        .limit(1),
        execution_options=scope.WHOLE_ORGANISATION,  # a booking elsewhere counts too
    )


def create_assignment(db: Session, actor: audit.Actor, at: datetime, shift_id: int,
                      person_id: int, source: str = "manual",
                      distance_m: float | None = None) -> Assignment:
    """Put a person on a shift; never twice on one shift nor on two overlapping shifts."""
    # The shift's row, then the person's (the lock order of services/assignment/writing.py): an
    # automatic assignment counting the shift's open places waits for this one, and locking the
    # person keeps two concurrent requests from double-booking them (PostgreSQL).
    shift = catalogue.named(db, Shift, shift_id, with_for_update=True)
    person = catalogue.named(db, Person, person_id, with_for_update=True)
    problems = {}
    if shift is None:
        problems["shift_id"] = "no shift has this id"
    if person is None or not person.active:
        problems["person_id"] = "no active person has this id"
    if problems:
        raise validation_error(problems)
    _ensure_open(db.get(Event, shift.event_id))
    existing = db.scalar(select(Assignment.id).where(
        Assignment.shift_id == shift.id, Assignment.person_id == person.id,
        Assignment.removed_at.is_(None)))
    if existing is not None:
        raise conflict(f"{person.name} is already on this shift (assignment {existing}).")
    clash = overlapping_assignment(db, person.id, shift)
    if clash is not None:
        raise conflict(f"{person.name} is already on an overlapping shift {clash.shift_id}.")
    assignment = Assignment(shift_id=shift.id, person_id=person.id, source=source,
                            distance_m=distance_m, created_at=at)
    db.add(assignment)
    audit.record(db, actor, "create", assignment, at=at)
    live.announce_assignment(db, "created", assignment, shift, person.name, at)
    return assignment


def create_assignments(db: Session, actor: audit.Actor, at: datetime,
                       rows: list[tuple[int, int, str, float | None]]) -> list[Assignment]:
    """Put many people on shifts at once, `rows` of (shift_id, person_id, source, distance_m):
    the checks of `create_assignment` in a few queries, one audit entry and one `assignment`
    message per assignment, and each post's status refreshed once. All or nothing."""
    if not rows:
        return []
    shifts = {s.id: s for s in db.scalars(select(Shift).where(
        Shift.id.in_({r[0] for r in rows})))}
    # Locking the people (PostgreSQL) keeps a concurrent request from double-booking them.
    people = {p.id: p for p in db.scalars(select(Person).where(
        Person.id.in_({r[1] for r in rows})).order_by(Person.id).with_for_update())}
    for i, (shift_id, person_id, _, _) in enumerate(rows):
        problems = {}
        if shift_id not in shifts and catalogue.named(db, Shift, shift_id) is None:
            problems[f"{i}.shift_id"] = "no shift has this id"
        if person_id not in people and catalogue.named(db, Person, person_id) is None \
                or person_id in people and not people[person_id].active:
            problems[f"{i}.person_id"] = "no active person has this id"
        if problems:
            raise validation_error(problems)
    for event in db.scalars(select(Event).where(Event.id.in_({s.event_id for s in shifts.values()}))):
        _ensure_open(event)
    windows = [(shifts[r[0]].starts_at, shifts[r[0]].ends_at) for r in rows]
    held = db.execute(
        select(Assignment.person_id, Assignment.shift_id, Shift.starts_at, Shift.ends_at)
        .join(Shift, Shift.id == Assignment.shift_id).join(Event, Event.id == Shift.event_id)
        .where(Assignment.person_id.in_(people), Assignment.removed_at.is_(None),
               Event.closed_at.is_(None), Shift.starts_at < max(e for _, e in windows),
               Shift.ends_at > min(s for s, _ in windows)),
        execution_options=scope.WHOLE_ORGANISATION).all()  # bookings elsewhere count too
    booked: dict[int, list[tuple[int, datetime, datetime]]] = {}
    for person_id, shift_id, starts_at, ends_at in held:
        booked.setdefault(person_id, []).append((shift_id, starts_at, ends_at))
    for (shift_id, person_id, _, _), (start, end) in zip(rows, windows, strict=True):
        name = people[person_id].name
        for other_id, other_start, other_end in booked.get(person_id, []):
            if other_id == shift_id:
                raise conflict(f"{name} is already on shift {shift_id}.")
            if other_start < end and other_end > start:
                raise conflict(f"{name} is already on an overlapping shift {other_id}.")
        booked.setdefault(person_id, []).append((shift_id, start, end))
    created = [Assignment(shift_id=shift_id, person_id=person_id, source=source,
                          distance_m=distance_m, created_at=at)
               for shift_id, person_id, source, distance_m in rows]
    db.add_all(created)
    db.flush()
    for assignment in created:
        audit.record(db, actor, "create", assignment, at=at)
        live.announce_assignment(db, "created", assignment, shifts[assignment.shift_id],
                                 people[assignment.person_id].name, at, refresh=False)
    for event_id, post_id in sorted({(s.event_id, s.post_id) for s in shifts.values()}):
        live.refresh_post_status(db, event_id, post_id, at)
    return created


def remove_assignment(db: Session, actor: audit.Actor, at: datetime, assignment_id: int) -> Assignment:
    """Take a person off a shift; the row stays for the records."""
    assignment = db.get(Assignment, assignment_id)
    if assignment is None or assignment.removed_at is not None:
        raise not_found(f"Assignment {assignment_id}")
    audit.apply_changes(db, actor, at, assignment, {"removed_at": at}, action="remove")
    shift = db.get(Shift, assignment.shift_id)
    live.announce_assignment(db, "removed", assignment, shift,
                             db.get(Person, assignment.person_id).name, at)
    return assignment


def list_assignments(db: Session, event: Event, *, shift_id=None, person_id=None, limit=50,
                     offset=0):
    query = (select(Assignment).join(Shift, Shift.id == Assignment.shift_id)
             .where(Shift.event_id == event.id, Assignment.removed_at.is_(None)))
    if shift_id is not None:
        query = query.where(Assignment.shift_id == shift_id)
    if person_id is not None:
        query = query.where(Assignment.person_id == person_id)
    return page(db, query, Assignment.id, limit, offset)
