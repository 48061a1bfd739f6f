"""Call-and-answer (叫应) and roll calls (随机点名): whom a call reaches, their answers, what the
command center counts, and what happens at the deadline (alerts, then the leaders are told).

Targets are resolved once, at creation, within the caller's scope. Each is told at once on its
phone (the person channel) and through the outbox. An answer is idempotent like a check-in and
keeps the phone's own time, so an answer queued offline before the deadline is not late. At the
deadline (`close_due`, run by the escalation job) each target without a good answer raises an
alert and is taken to the leaders of its unit and of the parent unit: one notification per
leader per call, naming everyone they must chase."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.orm import Session

from ..errors import forbidden, not_found, validation_error
from ..models import (
    Assignment,
    Call,
    CallTarget,
    Escalation,
    Event,
    Person,
    Post,
    PostResponsible,
    Shift,
    Unit,
)
from ..presenters import DISPLAY_ZONE, iso
from . import alerts, audit, catalogue, effects, escalation, geo, organisation, outbox, scope
from .checkins import FenceRules, check_fix
from .idempotency import claim_client_id, replay, request_fingerprint

TARGETS = CallTarget.__table__
NAMES_IN_ESCALATION = 20


@dataclass(frozen=True)
class TargetSpec:
    """Whom a call is for, as the body names them (API.md "Call-and-answer")."""

    person_ids: tuple[int, ...] = ()
    unit_ids: tuple[int, ...] = ()
    post_ids: tuple[int, ...] = ()
    responsibles: bool = False
    on_duty: bool = False
    sample: int | None = None


@dataclass(frozen=True)
class Counts:
    targets: int
    answered: int
    late: int
    overdue: int
    outside: int  # a roll call's answers from outside the fence (they count as not present)


def resolve_targets(db: Session, spec: TargetSpec, event: Event | None, at: datetime,
                    rng: random.Random | None = None) -> list[Person]:
    """The active people a call reaches, as the caller's scope shows them (sorted by id)."""
    people = catalogue.all_named(db, Person, spec.person_ids, "targets.person_ids")
    units = catalogue.all_named(db, Unit, spec.unit_ids, "targets.unit_ids")
    posts = catalogue.all_named(db, Post, spec.post_ids, "targets.post_ids")
    unit_ids = sorted(set().union(*(organisation.subtree_ids(db, unit) for unit in units)))
    chosen: dict[int, Person] = {p.id: p for p in people}
    narrowed = spec.responsibles or spec.on_duty
    if units and not narrowed:
        chosen |= {p.id: p for p in db.scalars(select(Person).where(Person.unit_id.in_(unit_ids)))}
    post_ids = None  # every post in scope
    if posts or units:
        post_ids = {p.id for p in posts}
        if units:
            post_ids |= set(db.scalars(select(Post.id).where(Post.unit_id.in_(unit_ids))))
    if spec.responsibles or (posts and not spec.on_duty):
        query = select(Person).join(PostResponsible, PostResponsible.person_id == Person.id)
        if post_ids is not None:
            query = query.where(PostResponsible.post_id.in_(post_ids))
        chosen |= {p.id: p for p in db.scalars(query)}
    if spec.on_duty:
        if event is None:
            raise validation_error({"event_id": "on_duty needs the event whose shifts run"})
        query = (select(Person).join(Assignment, Assignment.person_id == Person.id)
                 .join(Shift, Shift.id == Assignment.shift_id)
                 .where(Shift.event_id == event.id, Shift.starts_at <= at, Shift.ends_at > at,
                        Assignment.removed_at.is_(None)))
        if post_ids is not None:
            query = query.where(Shift.post_id.in_(post_ids))
        chosen |= {p.id: p for p in db.scalars(query)}
    targets = sorted((p for p in chosen.values() if p.active), key=lambda p: p.id)
    if spec.sample is not None and spec.sample < len(targets):
        targets = sorted((rng or random.SystemRandom()).sample(targets, spec.sample),
                         key=lambda p: p.id)
    return targets


def _running_assignments(db: Session, event_id: int, person_ids: list[int],
                         at: datetime) -> dict[int, int]:
    """Each person's assignment on a running shift of the event (the earliest started)."""
    rows = db.execute(select(Assignment.person_id, Assignment.id)
                      .join(Shift, Shift.id == Assignment.shift_id)
                      .where(Shift.event_id == event_id, Shift.starts_at <= at, Shift.ends_at > at,
                             Assignment.removed_at.is_(None),
                             Assignment.person_id.in_(person_ids))
                      .order_by(Shift.starts_at.desc(), Assignment.id.desc())).all()
    return {person_id: assignment_id for person_id, assignment_id in rows}


def call_text(call: Call) -> str:
    deadline = call.deadline_at.astimezone(DISPLAY_ZONE).strftime("%H:%M")
    ask = "请在岗位电子围栏内打开值班页面应答" if call.kind == "roll_call" else "请打开值班页面点击“收到”应答"
    label = "随机点名" if call.kind == "roll_call" else "叫应"
    return f"【{label}】{call.message}（{ask}，{deadline}前）"


def create_call(db: Session, actor: audit.Actor, user_id: int | None, at: datetime, *,
                kind: str, message: str, spec: TargetSpec, deadline_minutes: float,
                event: Event | None, warning_id: int | None = None,
                rng: random.Random | None = None) -> tuple[Call, list[Person]]:
    """Open a call and tell every target: their own channel now, the outbox's channels after
    the commit. 422 when it reaches nobody."""
    if kind == "roll_call" and event is None:
        raise validation_error({"event_id": "a roll call needs the event whose posts it checks"})
    if event is not None:
        scope.require(db, event=event)
    targets = resolve_targets(db, spec, event, at, rng)
    if not targets:
        raise validation_error({"targets": "these targets name nobody in your unit"})
    call = Call(event_id=event.id if event else None, kind=kind, message=message,
                unit_id=scope.current(db).unit_id, warning_id=warning_id, created_by=user_id,
                created_at=at, deadline_at=at + timedelta(minutes=deadline_minutes),
                targets=len(targets), answered=0, late=0)
    db.add(call)
    db.flush()
    person_ids = [p.id for p in targets]
    duties = _running_assignments(db, event.id, person_ids, at) if kind == "roll_call" else {}
    db.connection().execute(insert(TARGETS), [
        {"call_id": call.id, "person_id": p.id, "notified_at": at,
         "assignment_id": duties.get(p.id)} for p in targets])
    audit.record(db, actor, "create", call, at=at,
                 after={**audit.snapshot(call), "targets": len(targets)})
    outbox.notify(db, (outbox.addressee(p) for p in targets), call_text(call), cause="call",
                  at=at, event_id=call.event_id, call_id=call.id)
    effects.tell_people(db, "call", {"call": call_json(call)}, person_ids)
    announce_status(db, call, at)
    return call, targets


def get_call(db: Session, call_id: int) -> Call:
    return catalogue.get_or_404(db, Call, call_id)


def counts(db: Session, call_ids: list[int], at: datetime) -> dict[int, Counts]:
    """Each call's figures, as the caller's scope shows its targets."""
    if not call_ids:
        return {}
    deadlines = {call_id: deadline for call_id, deadline in db.execute(
        select(Call.id, Call.deadline_at).where(Call.id.in_(call_ids)))}
    rows = db.execute(
        select(CallTarget.call_id, func.count(),
               func.count(CallTarget.answered_at),
               func.sum(case((CallTarget.late.is_(True), 1), else_=0)),
               func.sum(case((CallTarget.within_fence.is_(False), 1), else_=0)))
        .where(CallTarget.call_id.in_(call_ids)).group_by(CallTarget.call_id)).all()
    found = {}
    for call_id, targets, answered, late, outside in rows:
        overdue = targets - answered if at >= deadlines[call_id] else 0
        found[call_id] = Counts(targets, answered, int(late or 0), overdue, int(outside or 0))
    return {call_id: found.get(call_id, Counts(0, 0, 0, 0, 0)) for call_id in call_ids}


def status_json(call: Call, figures: Counts) -> dict:
    return {"call_id": call.id, "targets": figures.targets, "answered": figures.answered,
            "late": figures.late, "overdue": figures.overdue}


def whole_call(call: Call, at: datetime) -> Counts:
    """The whole call's figures, from its row."""
    overdue = call.targets - call.answered if at >= call.deadline_at else 0
    return Counts(call.targets, call.answered, call.late, overdue, 0)


def announce_status(db: Session, call: Call, at: datetime) -> None:
    """The call's counts to the event's subscribers (the whole call's, to the accounts of the
    unit that made it and above)."""
    if call.event_id is not None:
        effects.live(db, call.event_id, "call_status", status_json(call, whole_call(call, at)),
                     unit_id=call.unit_id)


def call_json(call: Call, figures: Counts | None = None) -> dict:
    body = {"id": call.id, "event_id": call.event_id, "kind": call.kind, "message": call.message,
            "created_at": iso(call.created_at), "deadline_at": iso(call.deadline_at),
            "closed_at": iso(call.closed_at), "warning_id": call.warning_id}
    if figures is not None:
        body |= {"targets": figures.targets, "answered": figures.answered, "late": figures.late,
                 "overdue": figures.overdue}
    return body


def answer_call(db: Session, person, call_id: int, fields: dict, *, received_at: datetime,
                rules: FenceRules) -> tuple[CallTarget, Call, bool]:
    """A target's answer: (target, call, created). The first answer stands; a repeat of the same
    client_id replays it, a second answer with another client_id is answered with the first."""
    # The call's row first (as the deadline's closing takes it): answers to one call commit one
    # after the other, each bumping the figures the map is told.
    call = db.scalar(select(Call).where(Call.id == call_id).with_for_update()
                     .execution_options(populate_existing=True, **scope.WHOLE_ORGANISATION))
    if call is None:
        raise not_found(f"Call {call_id}")
    target = db.scalar(select(CallTarget).where(CallTarget.call_id == call_id,
                                                CallTarget.person_id == person.id)
                       .execution_options(**scope.WHOLE_ORGANISATION))
    if target is None:
        raise forbidden("This call is not for you.")
    fingerprint = request_fingerprint({**fields, "call_id": call_id})
    claim_client_id(db, fields["client_id"])
    existing = replay(db, CallTarget, fields["client_id"], fingerprint, person.id)
    if existing is not None:
        return existing, call, False
    if target.answered_at is not None:
        return target, call, False
    taken_at = fields.get("taken_at") or received_at
    lat, lon = fields.get("lat"), fields.get("lon")
    if (lat is None) != (lon is None):
        raise validation_error({"lat" if lat is None else "lon": "send both lat and lon"})
    if call.kind == "roll_call" and lat is None:
        raise validation_error({"lat": "a roll call is answered with the phone's position"})
    accuracy = fields.get("accuracy_m")
    if lat is not None:
        check_fix(lat, lon, taken_at, received_at)
        if accuracy is None:
            raise validation_error({"accuracy_m": "send the position's accuracy"})
    else:
        check_fix(1.0, 1.0, taken_at, received_at)  # the time rules alone
    answered_at = min(taken_at, received_at)
    changes = {"client_id": fields["client_id"], "request_hash": fingerprint,
               "answered_at": answered_at, "received_at": received_at,
               "late": answered_at > call.deadline_at, "lat": lat, "lon": lon,
               "accuracy_m": accuracy}
    if call.kind == "roll_call":
        changes |= _fence_reading(db, call, target, lat, lon, accuracy, answered_at, rules)
    audit.apply_changes(db, audit.Actor(f"{person.name} ({person.phone})", "staff"),
                        received_at, target, changes, action="answer")
    call.answered += 1
    call.late += int(changes["late"])
    announce_status(db, call, received_at)
    effects.tell_people(db, "call_answered", {"call_id": call.id,
                                              "answered_at": iso(answered_at)}, [person.id])
    return target, call, True


def _fence_reading(db: Session, call: Call, target: CallTarget, lat: float, lon: float,
                   accuracy: float, at: datetime, rules: FenceRules) -> dict:
    """Whether a roll call's answer was given inside the fence of the target's running post."""
    assignment_id = target.assignment_id
    if assignment_id is None:
        assignment_id = _running_assignments(db, call.event_id, [target.person_id], at) \
            .get(target.person_id)
    if assignment_id is None:
        return {"within_fence": False, "distance_m": None}
    post = db.execute(select(Post.lat, Post.lon, Post.radius_m)
                      .join(Shift, Shift.post_id == Post.id)
                      .join(Assignment, Assignment.shift_id == Shift.id)
                      .where(Assignment.id == assignment_id)
                      .execution_options(**scope.WHOLE_ORGANISATION)).first()
    distance = geo.distance_m(lat, lon, post.lat, post.lon)
    inside = geo.within_fence(distance, post.radius_m, accuracy,
                              accuracy_limit_m=rules.accuracy_limit_m,
                              tolerance_m=rules.tolerance_m)
    return {"assignment_id": assignment_id, "within_fence": inside,
            "distance_m": round(distance, 1)}


def list_calls(db: Session, *, event_id: int | None, status: str | None, limit: int,
               offset: int):
    query = select(Call)
    if event_id is not None:
        query = query.where(Call.event_id == event_id)
    if status == "open":
        query = query.where(Call.closed_at.is_(None))
    elif status == "closed":
        query = query.where(Call.closed_at.is_not(None))
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = db.scalars(query.order_by(Call.id.desc()).limit(limit).offset(offset)).all()
    return items, total


def targets_of(db: Session, call_id: int) -> list[tuple[CallTarget, Person]]:
    """A call's targets the caller may see, with their people (not answered first)."""
    return db.execute(select(CallTarget, Person).join(Person, Person.id == CallTarget.person_id)
                      .where(CallTarget.call_id == call_id)
                      .order_by(CallTarget.answered_at.is_not(None), CallTarget.id)).all()


def open_calls_for(db: Session, person_id: int) -> list[Call]:
    """The calls a person has not answered yet and that are still open: the phone's banner."""
    return db.scalars(select(Call).join(CallTarget, CallTarget.call_id == Call.id)
                      .where(CallTarget.person_id == person_id, CallTarget.answered_at.is_(None),
                             Call.closed_at.is_(None))
                      .order_by(Call.deadline_at)).all()


def _failed(call: Call, target: CallTarget) -> bool:
    if target.answered_at is None:
        return True
    return call.kind == "roll_call" and (target.late or not target.within_fence)


def close_due(db: Session, at: datetime) -> list[int]:
    """Deal with the calls whose deadline has passed, once each: an alert for each target
    without a good answer (in an event), and the leaders of their units told. The call ids."""
    due = db.scalars(select(Call).where(Call.closed_at.is_(None), Call.deadline_at <= at)
                     .order_by(Call.deadline_at, Call.id).limit(20)
                     .with_for_update(skip_locked=True)).all()
    for call in due:
        _close(db, call, at)
    return [call.id for call in due]


def _close(db: Session, call: Call, at: datetime) -> None:
    rows = db.execute(select(CallTarget, Person).join(Person, Person.id == CallTarget.person_id)
                      .where(CallTarget.call_id == call.id).order_by(CallTarget.id)).all()
    failed = [(target, person) for target, person in rows if _failed(call, target)]
    kind = "roll_call_failed" if call.kind == "roll_call" else "call_unanswered"
    if call.event_id is not None:
        posts = _posts_of(db, [t.assignment_id for t, _ in failed if t.assignment_id])
        for target, person in failed:
            reason = "未应答" if target.answered_at is None else \
                "超时应答" if target.late else "不在岗位电子围栏内"
            label = "随机点名" if call.kind == "roll_call" else "叫应"
            alerts.raise_alert(db, at, event_id=call.event_id, kind=kind,
                               condition_key=f"{kind}:{target.id}",
                               message=f"{person.name} {label}{reason}：{call.message}",
                               person_id=person.id, call_id=call.id,
                               post_id=posts.get(target.assignment_id))
    if failed:
        db.connection().execute(update(TARGETS).where(
            TARGETS.c.id.in_([t.id for t, _ in failed])).values(escalated_at=at))
    escalated = _escalate_call(db, call, [person for _, person in failed], at)
    audit.apply_changes(db, audit.SYSTEM, at, call, {"closed_at": at}, action="close")
    audit.record(db, audit.SYSTEM, "escalate", call, at=at, after={
        "failed": [p.id for _, p in failed], "escalations": escalated})
    announce_status(db, call, at)


def _posts_of(db: Session, assignment_ids: list[int]) -> dict[int, int]:
    if not assignment_ids:
        return {}
    return dict(db.execute(select(Assignment.id, Shift.post_id)
                           .join(Shift, Shift.id == Assignment.shift_id)
                           .where(Assignment.id.in_(assignment_ids))).all())


def _escalate_call(db: Session, call: Call, missing: list[Person], at: datetime) -> list[dict]:
    """Tell the leaders of each missing person's unit and its parent who did not answer: one
    notification per leader, once per call and unit."""
    by_unit: dict[int, list[Person]] = defaultdict(list)
    levels: dict[int, int] = {}
    for person in missing:
        for level, unit in enumerate(escalation.chain(db, person.unit_id or call.unit_id), start=1):
            by_unit[unit.id].append(person)
            levels[unit.id] = min(levels.get(unit.id, level), level)
    leaders_of = escalation.leaders_of_units(db, list(by_unit))
    chased: dict[int, dict[int, Person]] = defaultdict(dict)  # leader id → people to chase
    leader_people: dict[int, Person] = {}
    escalated = []
    for unit_id, people in sorted(by_unit.items()):
        db.add(Escalation(call_id=call.id, unit_id=unit_id, level=levels[unit_id],
                          leaders=len(leaders_of[unit_id]), created_at=at))
        escalated.append({"unit_id": unit_id, "level": levels[unit_id],
                          "leaders": sorted(leaders_of[unit_id]), "missing": len(people)})
        for leader in leaders_of[unit_id].values():
            leader_people[leader.id] = leader
            chased[leader.id].update({p.id: p for p in people})
    texts = {leader_id: _escalation_text(call, list(people.values()))
             for leader_id, people in chased.items()}
    outbox.notify(db, (outbox.addressee(leader_people[i]) for i in sorted(texts)), texts,
                  cause="escalation", at=at, event_id=call.event_id, call_id=call.id)
    return escalated


def _escalation_text(call: Call, people: list[Person]) -> str:
    people = sorted(people, key=lambda p: p.id)
    names = "、".join(f"{p.name}({p.phone})" for p in people[:NAMES_IN_ESCALATION])
    more = f"等{len(people)}人" if len(people) > NAMES_IN_ESCALATION else f"共{len(people)}人"
    label = "随机点名未通过" if call.kind == "roll_call" else "叫应超时未应答"
    return f"【{label}】{call.message}：{names}，{more}，请督促落实。"
