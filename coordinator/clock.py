"""The one source of time: every rule asks `now()`, and tests swap in a clock they control."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from flask import current_app


class SystemClock:
    """Wall-clock time in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that stands still until a test sets or advances it."""

    def __init__(self, start: datetime):
        self._lock = threading.Lock()
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        with self._lock:
            self._now += timedelta(**delta)
            return self._now


def init_app(app, clock=None) -> None:
    app.extensions["clock"] = clock or SystemClock()


def now() -> datetime:
    """The current time, UTC-aware, from the application's clock."""
    return current_app.extensions["clock"].now()
