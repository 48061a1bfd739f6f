"""Supervision (督查): spot checks at posts, commendations and criticisms, the check-in review queue."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from ..errors import validation_error
from ..models import Assignment, CheckIn, Commendation, Event, Person, Post, Shift, SpotCheck
from . import audit, catalogue, live
from .paging import page
from .reports import decode_photo

MAX_AHEAD = timedelta(minutes=5)
NEARBY_FIXES = 3


def on_shift_at(db: Session, event_id: int, post_id: int, at: datetime) -> list[tuple]:
    """(assignment, shift) of everyone assigned to the post's shifts running at `at`, as the
    assignments stood then."""
    running = db.scalars(select(Shift).where(
        Shift.event_id == event_id, Shift.post_id == post_id, Shift.starts_at <= at,
        Shift.ends_at > at).order_by(Shift.starts_at, Shift.id)).all()
    by_id = {shift.id: shift for shift in running}
    assignments = live.assignments_on(db, list(by_id), as_of=at)
    return [(a, by_id[a.shift_id]) for a in sorted(assignments, key=lambda a: a.id)]


def _check_references(db: Session, fields: dict, at: datetime) -> tuple[Event, Post]:
    problems = {}
    event = catalogue.named(db, Event, fields["event_id"])
    post = catalogue.named(db, Post, fields["post_id"])
    if event is None:
        problems["event_id"] = "no event has this id"
    if post is None:
        problems["post_id"] = "no post has this id"
    elif event is not None and db.scalar(select(Shift.id).where(
            Shift.event_id == event.id, Shift.post_id == post.id).limit(1)) is None:
        problems["post_id"] = "this post has no shift in the event"
    if fields["visited_at"] > at + MAX_AHEAD:
        problems["visited_at"] = "more than 5 minutes in the future"
    wanted = fields["present_person_ids"]
    if wanted:
        known = {pid for pid in set(wanted) if catalogue.named(db, Person, pid) is not None}
        unknown = sorted(set(wanted) - known)
        if unknown:
            problems["present_person_ids"] = "no person has the id " + ", ".join(map(str, unknown))
    if problems:
        raise validation_error(problems)
    return event, post


def record_spot_check(db: Session, actor: audit.Actor, inspector_id: int, at: datetime,
                      fields: dict) -> SpotCheck:
    """Store what an inspector found at a post; everyone assigned then but not found present is
    recorded absent, which counts against their record."""
    event, post = _check_references(db, fields, at)
    photo, photo_type = decode_photo(fields["photo"]) if fields.get("photo") else (None, None)
    present = list(dict.fromkeys(fields["present_person_ids"]))
    found = set(present)
    assigned = dict.fromkeys(a.person_id for a, _shift in
                             on_shift_at(db, event.id, post.id, fields["visited_at"]))
    spot_check = SpotCheck(
        event_id=event.id, post_id=post.id, inspector_id=inspector_id,
        visited_at=fields["visited_at"], unannounced=fields.get("unannounced", False),
        present_person_ids=present,
        absent_person_ids=[pid for pid in assigned if pid not in found],
        note=fields.get("note") or "", photo=photo, photo_type=photo_type, created_at=at)
    db.add(spot_check)
    audit.record(db, actor, "create", spot_check, at=at)
    return spot_check


def get_spot_check(db: Session, spot_check_id: int) -> SpotCheck:
    return catalogue.get_or_404(db, SpotCheck, spot_check_id, "Spot check")


def list_spot_checks(db: Session, event_id: int, *, post_id: int | None = None,
                     limit: int = 50, offset: int = 0):
    query = select(SpotCheck).where(SpotCheck.event_id == event_id)
    if post_id is not None:
        query = query.where(SpotCheck.post_id == post_id)
    return page(db, query.order_by(SpotCheck.visited_at.desc()), SpotCheck.id.desc(), limit, offset)


def record_commendation(db: Session, actor: audit.Actor, user_id: int, at: datetime,
                        fields: dict) -> Commendation:
    """A commander's recorded praise (表扬) or criticism (通报批评) of a person in an event."""
    problems = {}
    if catalogue.named(db, Person, fields["person_id"]) is None:
        problems["person_id"] = "no person has this id"
    if catalogue.named(db, Event, fields["event_id"]) is None:
        problems["event_id"] = "no event has this id"
    if problems:
        raise validation_error(problems)
    commendation = Commendation(person_id=fields["person_id"], event_id=fields["event_id"],
                                kind=fields["kind"], reason=fields["reason"], created_by=user_id,
                                created_at=at)
    db.add(commendation)
    audit.record(db, actor, "create", commendation, at=at)
    return commendation


def list_commendations(db: Session, event_id: int, *, person_id: int | None = None,
                       kind: str | None = None, limit: int = 50, offset: int = 0):
    query = select(Commendation).where(Commendation.event_id == event_id)
    if person_id is not None:
        query = query.where(Commendation.person_id == person_id)
    if kind is not None:
        query = query.where(Commendation.kind == kind)
    return page(db, query.order_by(Commendation.created_at.desc()), Commendation.id.desc(), limit,
                offset)


def event_checkins(db: Session, event_id: int, *, flag: str | None = None,
                   reviewed: bool | None = None, person_id: int | None = None,
                   limit: int = 50, offset: int = 0):
    """The event's check-ins, newest first; e.g. unreviewed `suspected_spoof` ones to review."""
    query = (select(CheckIn).join(Assignment, Assignment.id == CheckIn.assignment_id)
             .join(Shift, Shift.id == Assignment.shift_id).where(Shift.event_id == event_id))
    if flag is not None:
        # Flags are stored as a JSON list of plain words: the quoted word matches only itself.
        query = query.where(cast(CheckIn.flags, String).like(f'%"{flag}"%'))
    if reviewed is not None:
        query = query.where(CheckIn.review_verdict.is_not(None) if reviewed
                            else CheckIn.review_verdict.is_(None))
    if person_id is not None:
        query = query.where(CheckIn.person_id == person_id)
    return page(db, query.order_by(CheckIn.taken_at.desc()), CheckIn.id.desc(), limit, offset)


def nearby_fixes(db: Session, checkin: CheckIn) -> list[CheckIn]:
    """The person's fixes just before and after a check-in, in time order (for the review map)."""
    before = db.scalars(select(CheckIn).where(
        CheckIn.person_id == checkin.person_id, CheckIn.id != checkin.id,
        CheckIn.taken_at <= checkin.taken_at)
        .order_by(CheckIn.taken_at.desc(), CheckIn.id.desc()).limit(NEARBY_FIXES)).all()
    after = db.scalars(select(CheckIn).where(
        CheckIn.person_id == checkin.person_id, CheckIn.id != checkin.id,
        CheckIn.taken_at > checkin.taken_at)
        .order_by(CheckIn.taken_at, CheckIn.id).limit(1)).all()
    return [*reversed(before), checkin, *after]
