"""The escalation job: calls past their deadline are closed (alerts, leaders told), alerts
nobody acknowledged climb, and villages late in moving their vulnerable people are flagged
(`relocation_overdue`), one pass at a time across all server processes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import text

from .. import clock, unit_of_work
from ..services import calls, escalation, relocation_status

ESCALATION_LOCK_KEY = 7_402_115
INTERVAL_SECONDS = 10


@dataclass
class EscalationResult:
    closed_calls: list[int] = field(default_factory=list)
    escalated_alerts: list[tuple[int, int]] = field(default_factory=list)
    relocation_raised: list[int] = field(default_factory=list)
    relocation_resolved: list[int] = field(default_factory=list)
    skipped: bool = False


def run_once() -> EscalationResult:
    """One pass at the clock's time; on PostgreSQL, a process that finds another's pass running
    leaves it to that one."""
    result = EscalationResult()
    with unit_of_work.job() as db:
        if db.get_bind().dialect.name == "postgresql" and not db.scalar(
                text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": ESCALATION_LOCK_KEY}):
            result.skipped = True
            return result
        at = clock.now()
        result.closed_calls = calls.close_due(db, at)
        after = timedelta(minutes=current_app.config["ALERT_ESCALATE_MINUTES"])
        result.escalated_alerts = escalation.escalate_alerts(db, at, after)
        late = timedelta(minutes=current_app.config["RELOCATION_ALERT_MINUTES"])
        result.relocation_raised, result.relocation_resolved = \
            relocation_status.raise_overdue(db, at, late)
    return result


def start_background(app: Flask):
    socketio = app.extensions["socketio"]

    def loop():
        while True:
            socketio.sleep(INTERVAL_SECONDS)
            with app.app_context():
                try:
                    while run_once().closed_calls:  # calls close 20 at a time
                        pass
                except Exception:  # a failed pass must not stop the next one
                    app.logger.exception("escalation pass failed")

    return socketio.start_background_task(loop)
