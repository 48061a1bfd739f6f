"""The only code that emits live messages: `seq` is allocated in the changing transaction and the
message leaves only after that transaction commits, in `seq` order within each event."""

from __future__ import annotations

import threading
from collections import defaultdict

from flask import current_app, has_app_context
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from ..models import EventSequence
from ..services import audit

NAMESPACE = "/live"
OUTBOX = "live_outbox"
HELD = "live_locks"
SEQUENCES = EventSequence.__table__
NEXT_SEQ = (update(SEQUENCES).where(SEQUENCES.c.event_id == bindparam("event"))
            .values(seq=SEQUENCES.c.seq + 1).returning(SEQUENCES.c.seq))


def event_room(event_id: int) -> str:
    return f"event:{event_id}"


def person_room(person_id: int) -> str:
    return f"person:{person_id}"


class Broadcaster:
    """Per-process ordering: one lock per event, held from `seq` allocation until the emit."""

    def __init__(self, socketio):
        self.socketio = socketio
        self._locks: dict[int, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()

    def lock_for(self, event_id: int) -> threading.Lock:
        with self._guard:
            return self._locks[event_id]

    def emit(self, name: str, payload: dict, rooms: list[str]) -> None:
        for room in rooms:
            self.socketio.emit(name, payload, to=room, namespace=NAMESPACE)


def init_app(app, socketio) -> None:
    app.extensions["broadcaster"] = Broadcaster(socketio)
    if not sa_event.contains(Session, "after_commit", _emit_after_commit):
        sa_event.listen(Session, "after_commit", _emit_after_commit)
        sa_event.listen(Session, "after_transaction_end", _release_after_end)


def queue(db: Session, event_id: int, name: str, payload: dict,
          person_ids: tuple[int, ...] = ()) -> int:
    """Give the message the event's next `seq` (in this transaction); it is sent after commit."""
    held = db.info.setdefault(HELD, {})
    if event_id not in held:
        # The writers' lock before ours: a transaction holding this event's lock never waits
        # for one that holds the writers' lock (which would deadlock on PostgreSQL).
        audit.serialize_writers(db)
        lock = current_app.extensions["broadcaster"].lock_for(event_id)
        lock.acquire()
        held[event_id] = lock
    connection = db.connection()
    seq = connection.execute(NEXT_SEQ, {"event": event_id}).scalar()
    if seq is None:
        connection.execute(insert(SEQUENCES).values(event_id=event_id, seq=1))
        seq = 1
    message = {**payload, "event_id": event_id, "seq": seq}
    rooms = [event_room(event_id)] + [person_room(p) for p in person_ids]
    db.info.setdefault(OUTBOX, []).append((name, message, rooms))
    return seq


def current_seq(db: Session, event_id: int) -> int:
    """The event's latest `seq`: the next message a subscriber receives carries this plus one."""
    return db.scalar(select(SEQUENCES.c.seq).where(SEQUENCES.c.event_id == event_id)) or 0


def _emit_after_commit(db: Session) -> None:
    outbox = db.info.pop(OUTBOX, None)
    try:
        if outbox and has_app_context():
            broadcaster = current_app.extensions["broadcaster"]
            for name, message, rooms in outbox:
                broadcaster.emit(name, message, rooms)
    finally:
        _release(db)


def _release_after_end(db: Session, transaction) -> None:
    if transaction.parent is None:
        db.info.pop(OUTBOX, None)  # a rolled-back change sends nothing
        _release(db)


def _release(db: Session) -> None:
    for lock in db.info.pop(HELD, {}).values():
        lock.release()
