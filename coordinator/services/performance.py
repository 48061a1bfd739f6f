"""Duty records and the explainable score (docs/scoring.md): per person, unit, event and season."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Assignment, Call, CallTarget, Commendation, Event, Person, Shift, SpotCheck
from . import duty_rule, duty_state

ID_CHUNK = 5_000
TIMELINE_POINTS = 96
TIMELINE_STEPS = [timedelta(minutes=m) for m in (15, 30, 60, 120, 180, 360, 720, 1440)]
COUNTS = ("shifts", "attended", "late", "left_early", "absent", "pending", "spot_check_absences",
          "rejected_checkins", "commendations", "criticisms", "calls", "calls_answered",
          "calls_late", "calls_unanswered", "roll_calls_failed")


@dataclass(frozen=True)
class ScoreRule:
    """Points per counted item (configurable, SCORE_* keys) and the lateness grace."""

    base: float = 100
    absent: float = -10
    late: float = -3
    left_early: float = -3
    spot_check_absence: float = -5
    rejected_checkin: float = -10
    commendation: float = 5
    criticism: float = -5
    per_hour: float = 0.5
    hours_cap: float = 20
    call_unanswered: float = -2
    call_late: float = -1
    roll_call_failed: float = -5
    late_grace: timedelta = timedelta(minutes=15)

    @classmethod
    def from_config(cls, config) -> ScoreRule:
        return cls(
            base=config["SCORE_BASE"], absent=config["SCORE_ABSENT"], late=config["SCORE_LATE"],
            left_early=config["SCORE_LEFT_EARLY"],
            spot_check_absence=config["SCORE_SPOT_CHECK_ABSENCE"],
            rejected_checkin=config["SCORE_REJECTED_CHECKIN"],
            commendation=config["SCORE_COMMENDATION"], criticism=config["SCORE_CRITICISM"],
            per_hour=config["SCORE_PER_HOUR"], hours_cap=config["SCORE_HOURS_CAP"],
            call_unanswered=config["SCORE_CALL_UNANSWERED"], call_late=config["SCORE_CALL_LATE"],
            roll_call_failed=config["SCORE_ROLL_CALL_FAILED"],
            late_grace=timedelta(minutes=config["LATE_GRACE_MINUTES"]))

    def weights(self) -> dict:
        """The points as shown beside every export and answer."""
        return {"base": self.base, "absent": self.absent, "late": self.late,
                "left_early": self.left_early, "spot_check_absence": self.spot_check_absence,
                "rejected_checkin": self.rejected_checkin, "commendation": self.commendation,
                "criticism": self.criticism, "per_hour": self.per_hour,
                "hours_cap": self.hours_cap, "call_unanswered": self.call_unanswered,
                "call_late": self.call_late, "roll_call_failed": self.roll_call_failed,
                "late_grace_minutes": self.late_grace.total_seconds() / 60}

    def parts(self, counts: dict, hours: float) -> dict:
        """Each part of the score, rounded as shown, so that the parts add up to the total."""
        hours_points = hours * self.per_hour
        if self.hours_cap >= 0:
            hours_points = min(hours_points, self.hours_cap)
        raw = {
            "base": self.base,
            "absent": counts["absent"] * self.absent,
            "late": counts["late"] * self.late,
            "left_early": counts["left_early"] * self.left_early,
            "spot_check_absences": counts["spot_check_absences"] * self.spot_check_absence,
            "rejected_checkins": counts["rejected_checkins"] * self.rejected_checkin,
            "commendations": counts["commendations"] * self.commendation,
            "criticisms": counts["criticisms"] * self.criticism,
            "calls_unanswered": counts["calls_unanswered"] * self.call_unanswered,
            "calls_late": counts["calls_late"] * self.call_late,
            "roll_calls_failed": counts["roll_calls_failed"] * self.roll_call_failed,
            "on_duty_hours": hours_points,
        }
        return {key: tidy(value) for key, value in raw.items()}


def tidy(value: float) -> float | int:
    value = round(value + 0.0, 1)
    return int(value) if value == int(value) else value


@dataclass
class ShiftRecord:
    """One assignment's duty, followed from its fixes in time order."""

    assignment_id: int
    person_id: int
    shift_id: int
    post_id: int
    starts_at: datetime
    ends_at: datetime
    first_on_duty: datetime | None = None
    spans: list[tuple[datetime, datetime]] = field(default_factory=list)
    checked_out_at: datetime | None = None
    on_duty_now: bool = False
    last_on_duty: datetime | None = None
    attended: bool = False
    late: bool = False
    left_early: bool = False
    absent: bool = False
    pending: bool = False
    hours: float = 0.0


@dataclass
class PersonRecord:
    """A person's record in one event: the counts, the hours and the score with its parts."""

    person_id: int
    name: str
    unit: str
    phone: str
    kind: str
    counts: dict
    on_duty_hours: float
    score: float
    score_parts: dict

    def as_dict(self) -> dict:
        return {"person_id": self.person_id, "name": self.name, "unit": self.unit,
                "phone": self.phone, "kind": self.kind, **self.counts,
                "on_duty_hours": self.on_duty_hours, "score": self.score,
                "score_parts": dict(self.score_parts)}


@dataclass
class EventRecords:
    event_id: int
    at: datetime
    shifts: dict[int, ShiftRecord]
    people: list[PersonRecord]


def _follow(record: ShiftRecord, state: duty_rule.DutyState) -> None:
    """What the duty rule says of the assignment's duty (its stored state)."""
    record.first_on_duty = state.first_on_duty
    record.spans = duty_rule.on_duty_spans(state)
    record.checked_out_at = state.checked_out_at
    record.on_duty_now = state.on_duty
    record.last_on_duty = state.last_on_duty.taken_at if state.last_on_duty else None


def _judge(record: ShiftRecord, at: datetime, grace: timedelta) -> None:
    """Attended, late, left early, absent or still pending, and the hours in the shift window."""
    ended = record.ends_at <= at
    first = record.first_on_duty
    record.attended = first is not None and first < record.ends_at
    record.late = record.attended and first > record.starts_at + grace
    record.absent = ended and not record.attended
    record.pending = not ended and not record.attended
    record.left_early = (ended and record.attended and not record.on_duty_now
                         and record.checked_out_at is not None
                         and record.checked_out_at < record.ends_at - grace)
    seconds = 0.0
    for start, end in record.spans:
        start, end = max(start, record.starts_at), min(end, record.ends_at)
        if end > start:
            seconds += (end - start).total_seconds()
    record.hours = seconds / 3600


def _people(db: Session, person_ids) -> dict[int, Person]:
    ids = sorted(person_ids)
    found = {}
    for index in range(0, len(ids), ID_CHUNK):
        for person in db.scalars(select(Person).where(Person.id.in_(ids[index:index + ID_CHUNK]))):
            found[person.id] = person
    return found


def event_records(db: Session, event_id: int, at: datetime, rule: ScoreRule,
                  person_id: int | None = None) -> EventRecords:
    """Everyone's record in an event as of `at` (or one person's), sorted by unit and name."""
    assignments = (
        select(Assignment.id, Assignment.person_id, Assignment.shift_id, Shift.post_id,
               Shift.starts_at, Shift.ends_at)
        .join(Shift, Shift.id == Assignment.shift_id)
        .where(Shift.event_id == event_id, Assignment.removed_at.is_(None)))
    # Every assignment of the event, removed ones too: their rejected fixes still count.
    of_event = (select(Assignment.id, Assignment.person_id)
                .join(Shift, Shift.id == Assignment.shift_id).where(Shift.event_id == event_id))
    spot_checks = select(SpotCheck.absent_person_ids).where(SpotCheck.event_id == event_id)
    praise = (select(Commendation.person_id, Commendation.kind, func.count())
              .where(Commendation.event_id == event_id)
              .group_by(Commendation.person_id, Commendation.kind))
    if person_id is not None:
        assignments = assignments.where(Assignment.person_id == person_id)
        of_event = of_event.where(Assignment.person_id == person_id)
        praise = praise.where(Commendation.person_id == person_id)

    shifts = {row.id: ShiftRecord(row.id, row.person_id, row.shift_id, row.post_id,
                                  row.starts_at, row.ends_at)
              for row in db.execute(assignments)}
    person_of = dict(db.execute(of_event).all())
    states = duty_state.load(db, person_of)
    rejected: Counter = Counter()
    for assignment_id, state in states.items():
        if state.rejected:
            rejected[person_of[assignment_id]] += state.rejected
    for assignment_id, record in shifts.items():
        # A person taken off a shift is not in `shifts`: its fixes no longer count.
        _follow(record, states[assignment_id])
    for record in shifts.values():
        _judge(record, at, rule.late_grace)

    spot_absences: Counter = Counter()
    for absent_ids in db.scalars(spot_checks):
        spot_absences.update(pid for pid in absent_ids or [] if person_id in (None, pid))
    commendations: Counter = Counter()
    criticisms: Counter = Counter()
    for pid, kind, count in db.execute(praise):
        (commendations if kind == "commend" else criticisms)[pid] += count

    answers = _call_counts(db, event_id, person_id)
    per_person: dict[int, list[ShiftRecord]] = defaultdict(list)
    for record in shifts.values():
        per_person[record.person_id].append(record)
    everyone = set(per_person) | set(rejected) | set(spot_absences) | set(commendations) \
        | set(criticisms) | set(answers)
    people = _people(db, everyone)
    items = []
    for pid in everyone:
        person = people.get(pid)
        if person is None:
            continue
        own = per_person.get(pid, [])
        counts = {
            "shifts": len(own),
            "attended": sum(r.attended for r in own),
            "late": sum(r.late for r in own),
            "left_early": sum(r.left_early for r in own),
            "absent": sum(r.absent for r in own),
            "pending": sum(r.pending for r in own),
            "spot_check_absences": spot_absences[pid],
            "rejected_checkins": rejected[pid],
            "commendations": commendations[pid],
            "criticisms": criticisms[pid],
            **answers.get(pid, NO_CALLS),
        }
        hours = round(sum(r.hours for r in own), 2)
        parts = rule.parts(counts, hours)
        items.append(PersonRecord(pid, person.name, person.unit, person.phone, person.kind, counts,
                                  hours, tidy(sum(parts.values())), parts))
    items.sort(key=lambda p: (p.unit, p.name, p.person_id))
    return EventRecords(event_id, at, shifts, items)


NO_CALLS = {"calls": 0, "calls_answered": 0, "calls_late": 0, "calls_unanswered": 0,
            "roll_calls_failed": 0}


def _call_counts(db: Session, event_id: int, person_id: int | None) -> dict[int, dict]:
    """Each person's calls (叫应) and roll calls in the event: answered, late, and — once a call
    is closed — unanswered, or a roll call failed (not answered in time or not at the post)."""
    query = (select(CallTarget.person_id, Call.kind, Call.closed_at, CallTarget.answered_at,
                    CallTarget.late, CallTarget.within_fence)
             .join(Call, Call.id == CallTarget.call_id).where(Call.event_id == event_id))
    if person_id is not None:
        query = query.where(CallTarget.person_id == person_id)
    found: dict[int, dict] = {}
    for pid, kind, closed_at, answered_at, late, within_fence in db.execute(query):
        counts = found.setdefault(pid, dict(NO_CALLS))
        counts["calls"] += 1
        counts["calls_answered"] += answered_at is not None
        if kind == "roll_call":
            counts["roll_calls_failed"] += closed_at is not None and (
                answered_at is None or bool(late) or not within_fence)
        else:
            counts["calls_late"] += bool(late)
            counts["calls_unanswered"] += closed_at is not None and answered_at is None
    return found


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def totals(people: list[PersonRecord]) -> dict:
    """Counts summed over people, with attendance and punctuality rates and the mean score."""
    summed = {key: sum(p.counts[key] for p in people) for key in COUNTS}
    judged = summed["attended"] + summed["absent"]
    return {
        "people": len(people),
        **summed,
        "on_duty_hours": round(sum(p.on_duty_hours for p in people), 2),
        "attendance_rate": _rate(summed["attended"], judged),
        "punctuality_rate": _rate(summed["attended"] - summed["late"], summed["attended"]),
        "average_score": tidy(sum(p.score for p in people) / len(people)) if people else None,
    }


def unit_records(people: list[PersonRecord]) -> list[dict]:
    """One row per unit (department or village), in unit order."""
    by_unit: dict[str, list[PersonRecord]] = defaultdict(list)
    for person in people:
        by_unit[person.unit].append(person)
    return [{"unit": unit, **totals(members)} for unit, members in sorted(by_unit.items())]


def timeline(records: EventRecords, starts_at: datetime, until: datetime) -> list[dict]:
    """How many people were on duty at each step from `starts_at` to `until` (at most 96 steps)."""
    if until <= starts_at:
        return []
    span = until - starts_at
    step = next((s for s in TIMELINE_STEPS if span / s <= TIMELINE_POINTS), TIMELINE_STEPS[-1])
    changes: Counter = Counter()
    for record in records.shifts.values():
        segments = list(record.spans)
        if record.on_duty_now and record.last_on_duty is not None:
            # On duty still: the points stop at `until`, so nothing after `at` is counted.
            segments.append((record.last_on_duty, record.ends_at))
        for start, end in segments:
            start, end = max(start, record.starts_at), min(end, record.ends_at)
            if end > start:
                changes[start] += 1
                changes[end] -= 1
    moments = sorted(changes)
    points, on_duty, index = [], 0, 0
    moment = starts_at
    while moment <= until:
        while index < len(moments) and moments[index] <= moment:
            on_duty += changes[moments[index]]
            index += 1
        points.append({"at": moment, "on_duty": on_duty})
        moment += step
    return points


def open_absences(records: EventRecords, grace: timedelta) -> list[ShiftRecord]:
    """Running shifts where someone has not arrived after the grace, or has left their post."""
    at = records.at
    missing = [r for r in records.shifts.values()
               if r.starts_at <= at < r.ends_at
               and ((not r.attended and at > r.starts_at + grace)
                    or (r.attended and not r.on_duty_now))]
    return sorted(missing, key=lambda r: (r.starts_at, r.assignment_id))


def person_events(db: Session, person_id: int) -> list[Event]:
    """The events in which a person had a shift or was commended or criticised, newest first."""
    ids = set(db.scalars(select(Shift.event_id).join(Assignment, Assignment.shift_id == Shift.id)
                         .where(Assignment.person_id == person_id)))
    ids |= set(db.scalars(select(Commendation.event_id)
                          .where(Commendation.person_id == person_id)))
    return list(db.scalars(select(Event).where(Event.id.in_(ids))
                           .order_by(Event.starts_at.desc(), Event.id.desc())))


def person_history(db: Session, person_id: int, at: datetime, rule: ScoreRule) -> list[dict]:
    """A person's record in each event they served in, newest first."""
    history = []
    for event in person_events(db, person_id):
        found = event_records(db, event.id, at, rule, person_id=person_id).people
        if found:
            history.append({"event": event, "record": found[0]})
    return history
