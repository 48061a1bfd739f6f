"""Check-ins from phones: idempotency, the geofence, flags and the signs of a spoofed location."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import forbidden, not_found, validation_error
from ..models import Assignment, CheckIn, Person, Post, Shift
from . import alerts, audit, geo, live
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


def _assignment_for(db: Session, person_id: int, assignment_id: int | None, kind: str,
                    taken_at: datetime) -> tuple[Assignment, Shift]:
    if assignment_id is not None:
        row = db.execute(select(Assignment, Shift).join(Shift, Shift.id == Assignment.shift_id)
                         .where(Assignment.id == assignment_id)).first()
        if row is None:
            raise validation_error({"assignment_id": "no assignment has this id"})
        if row.Assignment.person_id != person_id:
            raise forbidden("This assignment belongs to someone else.")
        if row.Assignment.removed_at is not None:
            raise validation_error({"assignment_id": "you were taken off this shift"})
        return row.Assignment, row.Shift
    rows = db.execute(
        select(Assignment, Shift).join(Shift, Shift.id == Assignment.shift_id).where(
            Assignment.person_id == person_id,
            Assignment.removed_at.is_(None),
            Shift.starts_at <= taken_at + INFERENCE_LEAD,
            Shift.ends_at >= taken_at,
        )
    ).all()
    if not rows:
        raise validation_error({"assignment_id": "no shift of yours runs at taken_at; "
                                "send assignment_id"})
    if len(rows) == 1:
        return rows[0].Assignment, rows[0].Shift
    checked_in = set(db.scalars(select(CheckIn.assignment_id).where(
        CheckIn.person_id == person_id, CheckIn.kind == "check_in",
        CheckIn.assignment_id.in_([r.Assignment.id for r in rows]))))

    def preference(row):
        running = row.Shift.starts_at <= taken_at
        fresh = kind == "check_in" and row.Assignment.id not in checked_in
        # A new check-in goes to a shift not yet checked in; then running before upcoming.
        return (not fresh, not running,
                -row.Shift.starts_at.timestamp() if running else row.Shift.starts_at.timestamp())

    best = min(rows, key=preference)
    return best.Assignment, best.Shift


def spoof_reasons(db: Session, person_id: int, lat: float, lon: float, accuracy_m: float,
                  taken_at: datetime) -> list[dict]:
    """Signs that a fix is not real; each a reason for a reviewer, never a penalty by itself."""
    reasons = []
    previous = db.execute(select(CheckIn.id, CheckIn.lat, CheckIn.lon, CheckIn.accuracy_m,
                                 CheckIn.taken_at)
                          .where(CheckIn.person_id == person_id, CheckIn.taken_at <= taken_at)
                          .order_by(CheckIn.taken_at.desc(), CheckIn.id.desc())
                          .limit(IDENTICAL_RUN - 1)).all()
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
    twin = db.execute(select(CheckIn.id, CheckIn.person_id).where(
        CheckIn.person_id != person_id, CheckIn.lat == lat, CheckIn.lon == lon,
        CheckIn.taken_at > taken_at - SAME_MINUTE, CheckIn.taken_at < taken_at + SAME_MINUTE,
    ).limit(1)).first()
    if twin is not None:
        reasons.append({"code": "shared_fix",
                        "detail": f"the same position as person {twin.person_id}'s check-in "
                                  f"{twin.id} within a minute"})
    return reasons


def record_checkin(db: Session, person: Person, fields: dict, *, received_at: datetime,
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
    assignment, shift = _assignment_for(db, person.id, fields.get("assignment_id"),
                                        fields["kind"], taken_at)
    post = db.get(Post, shift.post_id)
    distance = geo.distance_m(lat, lon, post.lat, post.lon)
    inside = geo.within_fence(distance, post.radius_m, accuracy,
                              accuracy_limit_m=rules.accuracy_limit_m,
                              tolerance_m=rules.tolerance_m)
    reasons = spoof_reasons(db, person.id, lat, lon, accuracy, taken_at)
    flags = []
    if fields["kind"] == "check_in" and taken_at > shift.starts_at + rules.late_grace:
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
    checkin = CheckIn(
        client_id=fields["client_id"], request_hash=fingerprint, person_id=person.id,
        assignment_id=assignment.id, post_id=post.id, kind=fields["kind"], lat=lat, lon=lon,
        accuracy_m=accuracy, taken_at=taken_at, received_at=received_at,
        distance_m=round(distance, 1), within_fence=inside, flags=flags, spoof_reasons=reasons,
        note=fields.get("note"),
    )
    db.add(checkin)
    actor = audit.Actor(f"{person.name} ({person.phone})", "staff")
    audit.record(db, actor, "create", checkin, at=received_at)
    live.announce_checkin(db, shift.event_id, checkin, person, received_at)
    if reasons:
        alerts.raise_alert(
            db, received_at, event_id=shift.event_id, kind="suspected_spoof",
            condition_key=f"suspected_spoof:checkin:{checkin.id}",
            message=f"{person.name} 的签到疑似虚假定位：" + "；".join(r["detail"] for r in reasons),
            post_id=post.id, person_id=person.id, shift_id=shift.id, checkin_id=checkin.id)
    return checkin, True


def review_checkin(db: Session, actor: audit.Actor, reviewer_id: int | None, at: datetime,
                   checkin_id: int, verdict: str, note: str) -> CheckIn:
    """An inspector's verdict on a check-in; a rejected one stops counting as on duty."""
    checkin = db.get(CheckIn, checkin_id)
    if checkin is None:
        raise not_found(f"Check-in {checkin_id}")
    audit.apply_changes(db, actor, at, checkin, {
        "review_verdict": verdict, "review_note": note, "reviewed_by": reviewer_id,
        "reviewed_at": at}, action="review")
    shift = db.scalar(select(Shift).join(Assignment, Assignment.shift_id == Shift.id)
                      .where(Assignment.id == checkin.assignment_id))
    live.refresh_post_status(db, shift.event_id, checkin.post_id, at)
    return checkin


def counts_on_duty(checkin: CheckIn) -> bool:
    """Only fenced, unrejected fixes count as on duty."""
    return checkin.within_fence and checkin.review_verdict != "rejected"

