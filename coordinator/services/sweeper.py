"""Time-driven alerts: missed check-ins, people who left their post, understaffed shifts.

One pass looks at every open event at the clock's time; each condition raises one alert (its
`condition_key` is unique while open) and resolves it when the condition ends. A pass goes a few
posts at a time, each step one transaction when the caller commits between steps. Several server
processes may sweep: on PostgreSQL an advisory lock lets one step run at a time (a process that
finds it taken leaves the rest of its pass to the other), and on SQLite writers are serial.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..models import Alert, Event, Post, Shift
from ..presenters import DISPLAY_ZONE
from . import alerts, duty_rule, live

SWEEPER_LOCK_KEY = 7_402_114
SWEPT_KINDS = ("missed_checkin", "left_post", "understaffed")


@dataclass(frozen=True)
class SweepRules:
    late_grace: timedelta = timedelta(minutes=15)
    presence_interval: timedelta = timedelta(minutes=60)


@dataclass
class SweepResult:
    raised: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    skipped: bool = False


def _take_lock(db: Session) -> bool:
    if db.get_bind().dialect.name != "postgresql":
        return True
    return bool(db.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"),
                          {"key": SWEEPER_LOCK_KEY}))


# Posts swept per transaction: a pass over a large event is many short transactions, so that
# check-ins between them wait milliseconds, not the whole pass.
POSTS_PER_STEP = 10


def sweep(db: Session, at: datetime, rules: SweepRules,
          between_steps: Callable[[], None] | None = None) -> SweepResult:
    """One pass over the open events, a few posts at a time. Each step is complete in itself
    (it reads the posts' state and writes their alerts); `between_steps` (e.g. commit and let
    other work run) is called after each step but the last. The caller commits the last."""
    result = SweepResult()
    steps = [(event_id, chunk) for event_id in db.scalars(
                 select(Event.id).where(Event.closed_at.is_(None))).all()
             for chunk in _chunks(sorted(_swept_posts(db, event_id)), POSTS_PER_STEP)]
    for index, (event_id, post_ids) in enumerate(steps):
        if index and between_steps is not None:
            between_steps()
        if not _take_lock(db):
            result.skipped = True  # another process is sweeping now
            return result
        _sweep_posts(db, event_id, post_ids, at, rules, result)
    return result


def _swept_posts(db: Session, event_id: int) -> set[int]:
    """The event's posts with shifts, and any post with a swept alert still open."""
    with_shifts = db.scalars(select(Shift.post_id).where(Shift.event_id == event_id).distinct())
    with_alerts = db.scalars(select(Alert.post_id).where(
        Alert.event_id == event_id, Alert.resolved_at.is_(None), Alert.kind.in_(SWEPT_KINDS),
        Alert.post_id.is_not(None)).distinct())
    return set(with_shifts) | set(with_alerts)


def _chunks(items: list, size: int):
    return [items[start:start + size] for start in range(0, len(items), size)]


def _sweep_posts(db: Session, event_id: int, post_ids: list[int], at: datetime,
                 rules: SweepRules, result: SweepResult) -> None:
    now = live.presence(db, event_id, at, post_ids=post_ids, full=True)
    live.store_post_statuses(db, event_id, now.staffing(), at)
    running = list(now.running.values())
    post_names = dict(db.execute(select(Post.id, Post.name).where(
        Post.id.in_({s.post_id for s in running}))).all())
    wanted: dict[str, dict] = {}
    for assignment in now.assignments:
        shift = now.running[assignment.shift_id]
        state = now.states[assignment.id]
        person_name, post_name = assignment.person_name, post_names.get(shift.post_id, "")
        refs = {"post_id": shift.post_id, "person_id": assignment.person_id, "shift_id": shift.id}
        if not state.ever_on_duty and at >= shift.starts_at + rules.late_grace:
            wanted[f"missed_checkin:{assignment.id}"] = {
                "kind": "missed_checkin", **refs,
                "message": f"{person_name} 未按时到{post_name}签到（班次 {_hhmm(shift.starts_at)} 开始）"}
        elif left := duty_rule.left_post(state, at, rules.presence_interval):
            reason = ("连续两次定位在电子围栏外" if left == "outside"
                      else f"超过 {int(rules.presence_interval.total_seconds() // 60)} 分钟未在岗确认")
            wanted[f"left_post:{assignment.id}"] = {
                "kind": "left_post", **refs, "message": f"{person_name} 可能已离开{post_name}：{reason}"}
    for shift in running:
        present = now.on_duty(shift.id)
        if at >= shift.starts_at + rules.late_grace and present < shift.required:
            wanted[f"understaffed:{shift.id}"] = {
                "kind": "understaffed", "post_id": shift.post_id, "shift_id": shift.id,
                "message": f"{post_names.get(shift.post_id, '')} 在岗 {present} 人，"
                           f"应到 {shift.required} 人"}
    open_alerts = db.scalars(select(Alert).where(
        Alert.event_id == event_id, Alert.resolved_at.is_(None), Alert.kind.in_(SWEPT_KINDS),
        Alert.post_id.in_(post_ids))).all()
    for alert in open_alerts:
        if alert.condition_key not in wanted:
            alerts.resolve_alert(db, at, alert)
            result.resolved.append(alert.id)
    still_open = {alert.condition_key for alert in open_alerts}
    for key, spec in wanted.items():
        if key in still_open:
            continue  # raised by an earlier pass and its condition holds: nothing to do
        alert = alerts.raise_alert(db, at, event_id=event_id, condition_key=key, **spec)
        if alert is not None:
            result.raised.append(alert.id)


def _hhmm(moment: datetime) -> str:
    return moment.astimezone(DISPLAY_ZONE).strftime("%H:%M")
