"""The message queue between processes, delivering every process's messages in one order.

python-socketio's Redis manager hands a message to this process's own clients at once and to the
other processes through Redis. With two processes publishing one event, that breaks `seq` order:
process A sends N to Redis, process B sends N+1 and its own clients get N+1 straight away, before
B's listener has read N off the channel. Here every emit goes through the channel only, and every
process, the sender included, delivers what the channel carries in the order Redis took it. The
publisher sends an event's messages one at a time under the event's lock, so that order is `seq`
order on every process. Each process then batches what it delivers for the clients that asked
(`batches.py`)."""

from __future__ import annotations

import socketio
from socketio.packet import Packet

from .batches import BatchingManager

# Messages published with this host id are handled by every listener, this process's included
# (python-socketio's listener skips only the messages of its own host id).
EVERY_PROCESS = "every-process"


class InOrderRedisManager(socketio.RedisManager, BatchingManager):
    """A Redis manager whose emits reach this process's clients through the channel too (and,
    from there, their batches)."""

    def emit(self, event, data, namespace=None, room=None, skip_sid=None,
             callback=None, to=None, **kwargs):
        if kwargs.get("ignore_queue") or callback is not None or Packet.data_is_binary(data):
            # acks and binary frames are the library's own business; live messages are neither
            return super().emit(event, data, namespace=namespace, room=room, skip_sid=skip_sid,
                                callback=callback, to=to, **kwargs)
        self._publish({"method": "emit", "event": event,
                       "data": list(data) if isinstance(data, tuple) else [data],
                       "binary": False, "namespace": namespace or "/", "room": to or room,
                       "skip_sid": skip_sid, "callback": None, "host_id": EVERY_PROCESS})


def client_manager(url: str | None, channel: str) -> BatchingManager:
    """The Socket.IO client manager for this message queue URL (none: one process)."""
    if not url:
        return BatchingManager()
    if url.startswith(("redis://", "rediss://")):
        return InOrderRedisManager(url, channel=channel)
    raise ValueError(f"unsupported message queue (only Redis keeps seq order here): {url.split(':')[0]}")
