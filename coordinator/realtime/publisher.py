"""The only code that emits live messages: after the commit, in each event's `seq` order.

One process (SQLite): a per-event lock, taken before the `seq` is given and let go after the emit,
keeps the messages of concurrent requests in order. Several processes (PostgreSQL): each
committed message is also a `live_messages` row; after its commit a process takes the event's
advisory lock and sends the rows committed so far in `seq` order, then deletes them (in each
process one request at a time per event; the others leave their rows to it). Commits of
one event happen in `seq` order (the counter row stays locked until then), so the rows a
publisher sees are always the next ones; a process that dies after its commit leaves its rows for
the next publisher of that event."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from sqlalchemy import delete, func, select

from ..models import LiveMessageRow
from ..services.effects import LiveMessage

NAMESPACE = "/live"
# pg_advisory_xact_lock(LOCK_CLASS, event_id): the event's publisher lock (any fixed number).
LOCK_CLASS = 7_402_114
ROWS = LiveMessageRow.__table__


def event_room(event_id: int) -> str:
    return f"event:{event_id}"


def event_unit_room(event_id: int, unit_id: int) -> str:
    """Where the accounts of a unit watch an event: only their subtree's messages."""
    return f"event:{event_id}:unit:{unit_id}"


def person_room(person_id: int) -> str:
    return f"person:{person_id}"


def rooms_of(event_id: int, person_ids) -> list[str]:
    return [event_room(event_id)] + [person_room(p) for p in person_ids]


class Publisher:
    """Sends committed live messages to Socket.IO rooms, in `seq` order within each event."""

    def __init__(self, socketio, session_factory, *, across_processes: bool, logger):
        self.socketio = socketio
        self.session_factory = session_factory
        self.across_processes = across_processes
        self.logger = logger
        self._locks: dict[int, threading.Lock] = defaultdict(threading.Lock)
        self._guard = threading.Lock()
        self._draining: set[int] = set()  # events whose stored rows a request of ours sends
        self._more: set[int] = set()  # ... and that got new rows committed meanwhile

    @contextmanager
    def in_order(self, event_ids: list[int]) -> Iterator[None]:
        """Hold these events' turn (ascending id) from their `seq` until their emit."""
        if self.across_processes or not event_ids:
            yield  # the database orders them
            return
        with ExitStack() as held:
            for event_id in event_ids:
                with self._guard:
                    lock = self._locks[event_id]
                held.enter_context(lock)
            yield

    def publish(self, messages: list[LiveMessage]) -> None:
        """Send what a transaction committed; a failure to send is logged, never undoes it
        (a map that sees a gap reloads the snapshot)."""
        if not messages:
            return
        try:
            if self.across_processes:
                for event_id in sorted({m.event_id for m in messages}):
                    self._publish_stored(event_id)
            else:
                for message in messages:
                    self.emit(message.name, message.body,
                              rooms_of(message.event_id, message.person_ids))
                    self.emit_to_units(message.name, message.body, message.unit_seqs)
        except Exception:
            self.logger.exception("publishing live messages failed")

    def tell(self, messages) -> None:
        """People's own messages (`effects.tell_people`), after the commit; any process may send
        them (through the message queue when there are several)."""
        try:
            for message in messages:
                self.emit(message.name, message.body, [person_room(p) for p in message.person_ids])
        except Exception:
            self.logger.exception("telling people their messages failed")

    def _publish_stored(self, event_id: int) -> None:
        """Send the event's stored rows, one request of this process at a time: one that finds
        another sending leaves its rows to that one, which goes round again. Hundreds of
        requests of one event at once would otherwise each hold a pooled connection while they
        wait for the event's lock, and leave none for the requests behind them."""
        with self._guard:
            if event_id in self._draining:
                self._more.add(event_id)
                return
            self._draining.add(event_id)
        try:
            while True:
                self._send_stored(event_id)
                with self._guard:
                    if event_id not in self._more:
                        self._draining.discard(event_id)
                        return
                    self._more.discard(event_id)
        except BaseException:
            with self._guard:  # the rows stay stored: the event's next publisher sends them
                self._draining.discard(event_id)
                self._more.discard(event_id)
            raise

    def _send_stored(self, event_id: int) -> None:
        with self.session_factory() as db, db.begin():
            db.execute(select(func.pg_advisory_xact_lock(LOCK_CLASS, event_id)))
            rows = db.execute(select(ROWS.c.seq, ROWS.c.name, ROWS.c.body, ROWS.c.person_ids,
                                     ROWS.c.unit_seqs)
                              .where(ROWS.c.event_id == event_id).order_by(ROWS.c.seq)).all()
            for row in rows:
                self.emit(row.name, row.body, rooms_of(event_id, row.person_ids))
                self.emit_to_units(row.name, row.body,
                                   {int(k): v for k, v in (row.unit_seqs or {}).items()})
            if rows:
                db.execute(delete(ROWS).where(ROWS.c.event_id == event_id,
                                              ROWS.c.seq <= rows[-1].seq))

    def emit_to_units(self, name: str, body: dict, unit_seqs: dict[int, int]) -> None:
        """The same message to each unit's room, numbered in that unit's own sequence."""
        for unit_id, seq in unit_seqs.items():
            self.emit(name, {**body, "seq": seq}, [event_unit_room(body["event_id"], unit_id)])

    def emit(self, name: str, body: dict, rooms: list[str]) -> None:
        for room in rooms:
            self.socketio.emit(name, body, to=room, namespace=NAMESPACE)
