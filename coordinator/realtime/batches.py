"""Batches for the map clients that ask for them: what a process delivers to an event's room is
also collected for that room's batch room and sent there as one `batch` message at most once per
interval.

Batching happens where a process hands messages to its own clients (the client manager's local
emit), after the message queue: every process receives an event's messages in `seq` order (one
process: the publisher's lock; several: the Redis channel, `queue.py`), so the batches each
process builds from that stream follow one another without overlap, and a client, which is
connected to one process, sees them in `seq` order. A batch is built only for the process's own
clients and never crosses the queue. python-socketio encodes a message to a room once and sends
the same frame to each client in it, so a batch is encoded once per room and flush, not once per
client."""

from __future__ import annotations

import threading
import time

import socketio

BATCH = "batch"
PREFIX = "batch:"
# The first message after a quiet spell waits this long for the rest of its commit (a check-in
# and its post's status are sent one after the other), so that one change is one batch.
GATHER_SECONDS = 0.01


def batch_room(room: str) -> str:
    """Where the clients that asked for batches of `room`'s messages wait for them."""
    return PREFIX + room


class BatchingManager(socketio.Manager):
    """A client manager whose delivery to this process's clients also collects each room's
    messages for its batch room, when that room has clients here."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.batch_interval: float | None = 0.1  # seconds; None: only `flush` sends (tests)
        self._waiting: dict[tuple[str, str], list[dict]] = {}
        self._lock = threading.Lock()  # guards _waiting, _scheduled, _last_flush
        self._sending = threading.Lock()  # one flush at a time, so batches leave in order
        self._scheduled = False
        self._last_flush = float("-inf")

    def emit(self, event, data, namespace, room=None, skip_sid=None, callback=None, to=None,
             **kwargs):
        room = to or room
        if isinstance(room, str) and event != BATCH and callback is None \
                and isinstance(data, dict) and self._has_clients(namespace, batch_room(room)):
            self._collect(namespace, room, {"event": event, "data": data})
        return super().emit(event, data, namespace, room=room, skip_sid=skip_sid,
                            callback=callback, **kwargs)

    def _has_clients(self, namespace: str, room: str) -> bool:
        return bool(self.rooms.get(namespace, {}).get(room))

    def _collect(self, namespace: str, room: str, item: dict) -> None:
        with self._lock:
            self._waiting.setdefault((namespace, room), []).append(item)
            if self._scheduled or self.batch_interval is None:
                return
            self._scheduled = True
            delay = max(self._last_flush + self.batch_interval - time.monotonic(), GATHER_SECONDS)
        self.server.start_background_task(self._flush_after, delay)

    def _flush_after(self, delay: float) -> None:
        self.server.sleep(delay)
        self.flush()

    def flush(self) -> int:
        """Send every room's collected messages now, one `batch` per room; returns how many
        batches went (the timer calls this; so may a test, to flush at a moment it chooses)."""
        with self._sending:
            with self._lock:
                waiting, self._waiting = self._waiting, {}
                self._scheduled = False
                self._last_flush = time.monotonic()
            for (namespace, room), items in waiting.items():
                # straight to this process's clients: Manager.emit, never the message queue
                socketio.Manager.emit(self, BATCH, batch_body(items), namespace,
                                      room=batch_room(room))
            return len(waiting)


def batch_body(items: list[dict]) -> dict:
    """`{"event_id", "seq_from", "seq_to", "messages": [{"event", "data"}, ...]}`, the messages
    in the order they were delivered (`seq` order)."""
    numbered = [item["data"] for item in items if "seq" in item["data"]]
    return {"event_id": items[0]["data"].get("event_id"),
            "seq_from": numbered[0]["seq"] if numbered else None,
            "seq_to": numbered[-1]["seq"] if numbered else None,
            "messages": items}
