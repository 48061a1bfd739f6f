"""The one outbox: every notification is a row written in its cause's transaction, and sent
after the commit by the sender (`jobs/sender.py`), retried with backoff, never twice.

A notification goes to one person on one channel. The person's own channel on the phone page
("app") is told with the commit itself (a Socket.IO message) and is written as sent; each outside
channel that is configured (services/channels.py) gets a pending row. The sender claims due rows
(`claim`: status `sending` with a lease, committed before anything is sent, so that two senders
never take the same row and a sender that dies leaves its rows to the next one when the lease
ends), delivers them, and writes the result (`settle`): sent, or pending again after a backoff,
or failed after the last attempt; an operator may `resend` a failed one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from ..errors import conflict
from ..models import Notification
from . import audit, catalogue, channels
from .paging import page

WRITTEN = "outbox_written"
CHANNELS = "outbox_channels"
NOTIFICATIONS = Notification.__table__
LEASE = timedelta(minutes=2)
FIRST_BACKOFF = timedelta(seconds=5)
MAX_BACKOFF = timedelta(minutes=10)


@dataclass(frozen=True)
class Addressee:
    """Whom a notification is for, as written on its row."""

    person_id: int | None
    name: str
    phone: str
    email: str | None = None


def addressee(person) -> Addressee:
    return Addressee(person.id, person.name, person.phone, getattr(person, "email", None))


def install_channels(db: Session, settings) -> None:
    """The outside channels this deployment has set up (its settings), for the unit of work's
    notifications: set by the boundary, as scope is."""
    db.info[CHANNELS] = channels.configured(settings)


def notify(db: Session, addressees: Iterable[Addressee], text: str | dict, *, cause: str,
           at: datetime, event_id: int | None = None, call_id: int | None = None,
           alert_id: int | None = None, assignment_id: int | None = None) -> int:
    """Write the notifications of one cause to the outbox (one row per person and channel);
    `text` is one text for all or a text per person id. The number of people told."""
    outside = db.info.get(CHANNELS, ())
    rows = []
    count = 0
    for person in addressees:
        count += 1
        body = text if isinstance(text, str) else text[person.person_id]
        common = {"person_id": person.person_id, "name": person.name, "phone": person.phone,
                  "email": person.email, "text": body, "cause": cause, "event_id": event_id,
                  "call_id": call_id, "alert_id": alert_id, "assignment_id": assignment_id,
                  "attempts": 0, "created_at": at, "next_attempt_at": at}
        rows.append({**common, "channel": "app", "status": "sent", "sent_at": at})
        for channel in outside:
            if channel == "mail" and not person.email:
                continue
            rows.append({**common, "channel": channel, "status": "pending", "sent_at": None})
    if rows:
        db.connection().execute(insert(NOTIFICATIONS), rows)
        if any(row["status"] == "pending" for row in rows):
            db.info[WRITTEN] = True
    return count


ASSIGNED = "outbox_assigned"


def assigned(db: Session, assignment_id: int) -> None:
    """A person was put on a shift in this transaction: the boundary sends them an SMS with
    their staff link (`coordinator/assignment_notices.py`) when outside channels are set up."""
    if db.info.get(CHANNELS):
        db.info.setdefault(ASSIGNED, []).append(assignment_id)


def has_assigned(db: Session) -> bool:
    return bool(db.info.get(ASSIGNED))


def take_assigned(db: Session) -> list[int]:
    return db.info.pop(ASSIGNED, [])


def take_written(db: Session) -> bool:
    """Whether this transaction wrote rows for the sender (and forget it)."""
    return bool(db.info.pop(WRITTEN, False))


def wake_sender(app) -> None:
    """After a commit that wrote pending rows: the process's sender starts a round now."""
    sender = app.extensions.get("notification_sender")
    if sender is not None:
        sender.wake()


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    person_id: int | None
    name: str
    phone: str
    email: str | None
    text: str
    attempts: int


def claim(db: Session, at: datetime, limit: int) -> list[Claimed]:
    """Take up to `limit` due rows for this sender: pending ones whose time has come, and those
    another sender claimed and never settled (its lease ran out). The caller commits at once."""
    due = (select(NOTIFICATIONS.c.id)
           .where(NOTIFICATIONS.c.status.in_(("pending", "sending")),
                  NOTIFICATIONS.c.next_attempt_at <= at)
           .order_by(NOTIFICATIONS.c.next_attempt_at, NOTIFICATIONS.c.id).limit(limit))
    if db.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(db.connection().execute(due).scalars())
    if not ids:
        return []
    db.connection().execute(update(NOTIFICATIONS).where(NOTIFICATIONS.c.id.in_(ids)).values(
        status="sending", attempts=NOTIFICATIONS.c.attempts + 1, next_attempt_at=at + LEASE))
    rows = db.connection().execute(
        select(NOTIFICATIONS.c.id, NOTIFICATIONS.c.channel, NOTIFICATIONS.c.person_id,
               NOTIFICATIONS.c.name, NOTIFICATIONS.c.phone, NOTIFICATIONS.c.email,
               NOTIFICATIONS.c.text, NOTIFICATIONS.c.attempts)
        .where(NOTIFICATIONS.c.id.in_(ids)).order_by(NOTIFICATIONS.c.id)).all()
    return [Claimed(*row) for row in rows]


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s ... up to 10 minutes between attempts."""
    return min(MAX_BACKOFF, FIRST_BACKOFF * (2 ** max(0, attempts - 1)))


def settle(db: Session, at: datetime, sent: Sequence[int], failed: dict[int, str],
           attempts: dict[int, int], max_attempts: int) -> dict[str, list[int]]:
    """Write what the deliveries did: sent rows are done for good; a failed one waits its
    backoff, or is given up after `max_attempts` (an operator may resend it). One audit entry
    says what this round settled."""
    connection = db.connection()
    if sent:
        connection.execute(update(NOTIFICATIONS).where(
            NOTIFICATIONS.c.id.in_(list(sent)), NOTIFICATIONS.c.status == "sending").values(
            status="sent", sent_at=at, last_error=None))
    outcome = {"sent": sorted(sent), "retry": [], "failed": []}
    for notification_id, error in sorted(failed.items()):
        tries = attempts[notification_id]
        final = tries >= max_attempts
        connection.execute(update(NOTIFICATIONS).where(
            NOTIFICATIONS.c.id == notification_id, NOTIFICATIONS.c.status == "sending").values(
            status="failed" if final else "pending", last_error=error[:300],
            next_attempt_at=at if final else at + backoff(tries)))
        outcome["failed" if final else "retry"].append(notification_id)
    audit.record(db, audit.SYSTEM, "deliver", None, at=at, entity_type="notifications",
                 after=outcome)
    return outcome


def resend(db: Session, actor: audit.Actor, at: datetime, notification_id: int) -> Notification:
    """An operator sends a failed notification again: pending now, its attempts start over."""
    notification = catalogue.get_or_404(db, Notification, notification_id)
    if notification.channel == "app" or notification.status in ("sent", "sending"):
        raise conflict(f"Notification {notification_id} is {notification.status}; "
                       "only a failed or pending one can be sent again.")
    audit.apply_changes(db, actor, at, notification, {
        "status": "pending", "attempts": 0, "next_attempt_at": at}, action="resend")
    db.info[WRITTEN] = True
    return notification


def list_notifications(db: Session, *, status: str | None, event_id: int | None,
                       call_id: int | None, limit: int, offset: int):
    query = select(Notification)
    if status is not None:
        query = query.where(Notification.status == status)
    if event_id is not None:
        query = query.where(Notification.event_id == event_id)
    if call_id is not None:
        query = query.where(Notification.call_id == call_id)
    return page(db, query, Notification.id.desc(), limit, offset)


def backlog(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Notification).where(
        Notification.status.in_(("pending", "sending")))) or 0
