"""The notification sender: takes due rows from the outbox, delivers them through their
channels, and writes the result — woken at once by a commit that wrote rows, and every few
seconds for retries and for rows a dead process left behind."""

from __future__ import annotations

import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from flask import Flask, current_app

from .. import clock, unit_of_work
from ..services import channels, outbox

BATCH = 500
ROBOT_MENTIONS = 50  # people named in one group-robot message
PARALLEL = 8  # deliveries in flight at once (greenlets under gunicorn's gevent worker)


@dataclass
class SendResult:
    sent: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def _deliveries(claimed: list[outbox.Claimed]) -> list[tuple[str, list[outbox.Claimed]]]:
    """What to send: one SMS or mail per row; the group robots' rows of one text together."""
    single, grouped = [], defaultdict(list)
    for row in claimed:
        if channels.batches(row.channel):
            grouped[(row.channel, row.text)].append(row)
        else:
            single.append((row.channel, [row]))
    for (channel, _text), rows in grouped.items():
        single += [(channel, rows[i:i + ROBOT_MENTIONS]) for i in range(0, len(rows), ROBOT_MENTIONS)]
    return single


def _deliver(settings, channel: str, rows: list[outbox.Claimed]) -> tuple[list[int], str | None]:
    recipients = [channels.Recipient(r.name, r.phone, r.email) for r in rows]
    try:
        channels.deliver(channel, settings, recipients, rows[0].text, now=clock.now())
    except channels.DeliveryFailed as failure:
        return [r.id for r in rows], str(failure) or failure.__class__.__name__
    return [r.id for r in rows], None


def run_once(limit: int = BATCH) -> SendResult:
    """One round: claim due rows (committed), deliver them, settle them (committed)."""
    app = current_app._get_current_object()
    with unit_of_work.job() as db:
        claimed = outbox.claim(db, clock.now(), limit)
    result = SendResult()
    if not claimed:
        return result
    settings = app.config
    sent, failed = [], {}

    def deliver(job):
        with app.app_context():
            return _deliver(settings, *job)

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        for ids, error in pool.map(deliver, _deliveries(claimed)):
            if error is None:
                sent += ids
            else:
                failed |= dict.fromkeys(ids, error)
    with unit_of_work.job() as db:
        outcome = outbox.settle(db, clock.now(), sent, failed,
                                {row.id: row.attempts for row in claimed},
                                app.config["NOTIFY_MAX_ATTEMPTS"])
    return SendResult(outcome["sent"], outcome["retry"], outcome["failed"])


def run_until_idle(rounds: int = 1000) -> SendResult:
    """Rounds until nothing is due (a command, a test): everything delivered or waiting."""
    total = SendResult()
    for _ in range(rounds):
        result = run_once()
        if not (result.sent or result.retry or result.failed):
            break
        total.sent += result.sent
        total.retry += result.retry
        total.failed += result.failed
    return total


class NotificationSender:
    """The sender of one server process: a background task that sleeps until woken or until
    SEND_INTERVAL_SECONDS pass."""

    def __init__(self, app: Flask):
        self.app = app
        self._wake = threading.Event()

    def wake(self) -> None:
        self._wake.set()

    def loop(self) -> None:
        interval = self.app.config["SEND_INTERVAL_SECONDS"]
        while True:
            self._wake.wait(timeout=interval)
            self._wake.clear()
            with self.app.app_context():
                try:
                    while run_once().sent:  # a full round: there may be more
                        pass
                except Exception:  # a failed round must not stop the next one
                    self.app.logger.exception("notification sender round failed")


def start_background(app: Flask):
    """Run this process's sender (gunicorn's post_worker_init and `make run` call it)."""
    sender = NotificationSender(app)
    app.extensions["notification_sender"] = sender
    return app.extensions["socketio"].start_background_task(sender.loop)
