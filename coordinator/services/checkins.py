"""Check-ins from phones: idempotency, the geofence, flags and the signs of a spoofed location."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, insert, select
from sqlalchemy.orm import Session

from ..errors import forbidden, validation_error
from ..models import Assignment, CheckIn, Person, Post, Shift
from . import alerts, audit, catalogue, duty_rule, duty_state, geo, live
from .accounts import PersonCard
from .idempotency import claim_client_id, replay, request_fingerprint

INFERENCE_LEAD = timedelta(minutes=60)
OFFLINE_AFTER = timedelta(minutes=2)
MAX_AGE = timedelta(hours=24)
MAX_AHEAD = timedelta(minutes=5)
SPOOF_SPEED_KMH = 200.0
SAME_MINUTE = timedelta(seconds=60)
IDENTICAL_RUN = 3


@dataclass(frozen=True)
class FenceRules:
    """The configurable numbers of API.md's check-in rules."""

    accuracy_limit_m: float = 100.0
    tolerance_m: float = 50.0
    late_grace: timedelta = timedelta(minutes=15)


def check_fix(lat: float, lon: float, taken_at: datetime, received_at: datetime) -> None:
    """What the schema cannot say: (0, 0) is no fix, and taken_at must be recent."""
    problems = {}
    if lat == 0 and lon == 0:
        problems["lat"] = "(0, 0) is not a real position"
    if taken_at > received_at + MAX_AHEAD:
        problems["taken_at"] = "more than 5 minutes in the future"
    elif taken_at < received_at - MAX_AGE:
        problems["taken_at"] = "more than 24 hours old"
    if problems:
        raise validation_error(problems)


# The check-in path runs these prebuilt statements on the session's connection: building and
# compiling an ORM query costs more than SQLite takes to answer it (bench/checkins.py).
DUTY = (select(Assignment.id.label("assignment_id"), Assignment.person_id, Assignment.removed_at,
               Shift.id.label("shift_id"), Shift.event_id, Shift.post_id, Shift.starts_at,
               Shift.ends_at, Shift.required, Post.lat.label("post_lat"),
               Post.lon.label("post_lon"), Post.radius_m)
        .join(Shift, Shift.id == Assignment.shift_id).join(Post, Post.id == Shift.post_id))
DUTY_BY_ID = DUTY.where(Assignment.id == bindparam("assignment_id"))
DUTIES_AT = DUTY.where(Assignment.person_id == bindparam("person_id"),
                       Assignment.removed_at.is_(None),
                       Shift.starts_at <= bindparam("latest_start"),
                       Shift.ends_at >= bindparam("taken_at"))
CHECKED_IN = select(CheckIn.assignment_id).where(
    CheckIn.person_id == bindparam("person_id"), CheckIn.kind == "check_in",
    CheckIn.assignment_id.in_(bindparam("assignment_ids", expanding=True)))
PREVIOUS_FIXES = (select(CheckIn.id, CheckIn.lat, CheckIn.lon, CheckIn.accuracy_m,
                         CheckIn.taken_at)
                  .where(CheckIn.person_id == bindparam("person_id"),
                         CheckIn.taken_at <= bindparam("taken_at"))
                  .order_by(CheckIn.taken_at.desc(), CheckIn.id.desc()).limit(IDENTICAL_RUN - 1))
SHARED_FIX = select(CheckIn.id, CheckIn.person_id).where(
    CheckIn.person_id != bindparam("person_id"), CheckIn.lat == bindparam("lat"),
    CheckIn.lon == bindparam("lon"), CheckIn.taken_at > bindparam("since"),
    CheckIn.taken_at < bindparam("until")).limit(1)
INSERT_CHECKIN = insert(CheckIn.__table__)
POST_RADIUS = select(Post.radius_m).where(Post.id == bindparam("post_id"))


def _duty_for(db: Session, person_id: int, assignment_id: int | None, kind: str,
              taken_at: datetime):
    """The assignment the fix is for, with its shift and post (one row of DUTY's columns)."""
    connection = db.connection()
    if assignment_id is not None:
        row = connection.execute(DUTY_BY_ID, {"assignment_id": assignment_id}).first()
        if row is None:
            raise validation_error({"assignment_id": "no assignment has this id"})
        if row.person_id != person_id:
            raise forbidden("This assignment belongs to someone else.")
        if row.removed_at is not None:
            raise validation_error({"assignment_id": "you were taken off this shift"})
        return row
    rows = connection.execute(DUTIES_AT, {"person_id": person_id, "taken_at": taken_at,
                                          "latest_start": taken_at + INFERENCE_LEAD}).all()
    if not rows:
        raise validation_error({"assignment_id": "no shift of yours runs at taken_at; "
                                "send assignment_id"})
    if len(rows) == 1:
        return rows[0]
    checked_in = set(connection.execute(CHECKED_IN, {
        "person_id": person_id, "assignment_ids": [r.assignment_id for r in rows]}).scalars())

    def preference(row):
        running = row.starts_at <= taken_at
        fresh = kind == "check_in" and row.assignment_id not in checked_in
        # A new check-in goes to a shift not yet checked in; then running before upcoming.
        return (not fresh, not running,
                -row.starts_at.timestamp() if running else row.starts_at.timestamp())

    return min(rows, key=preference)


def spoof_reasons(db: Session, person_id: int, lat: float, lon: float, accuracy_m: float,
                  taken_at: datetime) -> list[dict]:
    """Signs that a fix is not real; each a reason for a reviewer, never a penalty by itself."""
    reasons = []
    connection = db.connection()
    previous = connection.execute(PREVIOUS_FIXES, {"person_id": person_id,
                                                   "taken_at": taken_at}).all()
    if previous:
        last = previous[0]
        # Subtract both accuracy radii, so that a GPS jump within its error is not "speed".
        moved = max(0.0, geo.haversine_m(last.lat, last.lon, lat, lon)
                    - last.accuracy_m - accuracy_m)
        seconds = (taken_at - last.taken_at).total_seconds()
        speed_kmh = float("inf") if seconds <= 0 else moved / seconds * 3.6
        if moved > 0 and speed_kmh > SPOOF_SPEED_KMH:
            shown = "instantly" if seconds <= 0 else f"at {speed_kmh:.0f} km/h"
            reasons.append({"code": "implied_speed",
                            "detail": f"moved {moved:.0f} m {shown} since check-in {last.id}"})
    if len(previous) == IDENTICAL_RUN - 1 and all(
            (p.lat, p.lon, p.accuracy_m) == (lat, lon, accuracy_m) for p in previous):
        reasons.append({"code": "identical_fixes",
                        "detail": f"{IDENTICAL_RUN} fixes in a row with exactly the same position "
                                  "and accuracy"})
    twin = connection.execute(SHARED_FIX, {
        "person_id": person_id, "lat": lat, "lon": lon, "since": taken_at - SAME_MINUTE,
        "until": taken_at + SAME_MINUTE}).first()
    if twin is not None:
        reasons.append({"code": "shared_fix",
                        "detail": f"the same position as person {twin.person_id}'s check-in "
                                  f"{twin.id} within a minute"})
    return reasons


def record_checkin(db: Session, person: Person | PersonCard, fields: dict, *, received_at: datetime,
                   rules: FenceRules) -> tuple[CheckIn, bool]:
    """Store a check-in (flagged or not); (check-in, created). A replay returns the first one."""
    fingerprint = request_fingerprint(fields)
    claim_client_id(db, fields["client_id"])
    existing = replay(db, CheckIn, fields["client_id"], fingerprint, person.id)
    if existing is not None:
        return existing, False
    lat, lon, accuracy, taken_at = (fields["lat"], fields["lon"], fields["accuracy_m"],
                                    fields["taken_at"])
    check_fix(lat, lon, taken_at, received_at)
    duty = _duty_for(db, person.id, fields.get("assignment_id"), fields["kind"], taken_at)
    distance = geo.distance_m(lat, lon, duty.post_lat, duty.post_lon)
    inside = geo.within_fence(distance, duty.radius_m, accuracy,
                              accuracy_limit_m=rules.accuracy_limit_m,
                              tolerance_m=rules.tolerance_m)
    reasons = spoof_reasons(db, person.id, lat, lon, accuracy, taken_at)
    flags = []
    if fields["kind"] == "check_in" and taken_at > duty.starts_at + rules.late_grace:
        flags.append("late")
    if not inside:
        flags.append("outside_fence")
    if accuracy > rules.accuracy_limit_m:
        flags.append("low_accuracy")
    if received_at - taken_at > OFFLINE_AFTER:
        flags.append("offline")
    if reasons:
        flags.append("suspected_spoof")
    if taken_at > received_at:
        flags.append("clock_skew")
    values = {
        "client_id": fields["client_id"], "request_hash": fingerprint, "person_id": person.id,
        "assignment_id": duty.assignment_id, "post_id": duty.post_id, "kind": fields["kind"],
        "lat": lat, "lon": lon, "accuracy_m": accuracy, "taken_at": taken_at,
        "received_at": received_at, "distance_m": round(distance, 1), "within_fence": inside,
        "flags": flags, "spoof_reasons": reasons, "note": fields.get("note"),
    }
    # Written with a plain INSERT; the check-in returned is not in the session.
    inserted = db.connection().execute(INSERT_CHECKIN, values).inserted_primary_key
    checkin = CheckIn(id=inserted[0], **values)
    actor = audit.Actor(f"{person.name} ({person.phone})", "staff")
    audit.record(db, actor, "create", checkin, at=received_at)
    before, after = duty_state.follow(db, live.fix_of(checkin, duty.radius_m), received_at)
    duty_changed = duty.starts_at <= received_at < duty.ends_at and after.on_duty != before.on_duty
    post_now = live.announce_checkin(db, duty.event_id, checkin, person, received_at,
                                     radius_m=duty.radius_m, refresh=duty_changed)
    _end_alerts(db, duty, checkin, after, post_now, received_at)
    if reasons:
        alerts.raise_alert(
            db, received_at, event_id=duty.event_id, kind="suspected_spoof",
            condition_key=f"suspected_spoof:checkin:{checkin.id}",
            message=f"{person.name} 的签到疑似虚假定位：" + "；".join(r["detail"] for r in reasons),
            post_id=duty.post_id, person_id=person.id, shift_id=duty.shift_id,
            checkin_id=checkin.id)
    return checkin, True


def _end_alerts(db: Session, duty, checkin: CheckIn, after: duty_rule.DutyState,
                post_now: live.Presence | None, at: datetime) -> None:
    """The sweeper's conditions that this check-in ends, resolved at once rather than at its
    next pass (where they would reach the map in a crowd of others). `post_now` is the post's
    presence if the check-in changed the person's duty on a running shift."""
    ended = []
    if after.on_duty and after.last_on_duty.id == checkin.id and "offline" not in checkin.flags:
        # On duty from a fix inside taken just now: not missing, and not gone from the post
        # (an outside or unknown fix confirms nothing).
        ended += [f"missed_checkin:{duty.assignment_id}", f"left_post:{duty.assignment_id}"]
    if post_now is not None and after.on_duty \
            and post_now.on_duty(duty.shift_id) >= duty.required:
        ended.append(f"understaffed:{duty.shift_id}")
    if ended:
        alerts.resolve_conditions(db, at, ended)


def review_checkin(db: Session, actor: audit.Actor, reviewer_id: int | None, at: datetime,
                   checkin_id: int, verdict: str, note: str) -> CheckIn:
    """An inspector's verdict on a check-in; a rejected one stops counting as on duty."""
    checkin = catalogue.get_or_404(db, CheckIn, checkin_id, "Check-in")
    audit.apply_changes(db, actor, at, checkin, {
        "review_verdict": verdict, "review_note": note, "reviewed_by": reviewer_id,
        "reviewed_at": at}, action="review")
    duty_state.recompute(db, [checkin.assignment_id], at)
    shift = db.scalar(select(Shift).join(Assignment, Assignment.shift_id == Shift.id)
                      .where(Assignment.id == checkin.assignment_id))
    live.refresh_post_status(db, shift.event_id, checkin.post_id, at)
    return checkin


def post_radius(db: Session, post_id: int) -> float:
    """The fence radius a stored check-in is read against (its `fence_reading`)."""
    return db.connection().execute(POST_RADIUS, {"post_id": post_id}).scalar_one()

