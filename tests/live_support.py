"""A real Socket.IO client against the test app served on a local port."""

from __future__ import annotations

import functools
import json
import queue

import socketio


def _in_arrival_order(client: socketio.Client) -> None:
    """Handle each packet in the read loop, as it arrives. The engine.io client starts a thread
    per message, so two messages sent in order could be kept out of order: that would be the
    client's doing, not the server's, and a test of `seq` order must see what arrived."""
    trigger = client.eio._trigger_event

    def in_order(event, *args, **kwargs):
        if event == "message":
            kwargs["run_async"] = False
        return trigger(event, *args, **kwargs)

    client.eio._trigger_event = in_order


class MapClient:
    """A python-socketio client on `/live` that keeps every message it receives, in order."""

    EVENTS = ("checkin", "post_status", "alert", "assignment", "report", "call", "call_status",
              "call_answered", "relocation_status", "shelter_status", "batch")

    def __init__(self, base_url: str, token: str | None = None, headers: dict | None = None):
        self.base_url = base_url
        self.messages: queue.Queue = queue.Queue()
        self.sio = socketio.Client(reconnection=False)
        _in_arrival_order(self.sio)
        for name in self.EVENTS:
            self.sio.on(name, self._keeper(name), namespace="/live")
        self.token = token
        self.headers = headers or {}

    def _keeper(self, name):
        def keep(data):
            self.messages.put((name, data))
        return keep

    def connect(self, transports=("websocket",)):
        auth = {"token": self.token} if self.token else None
        self.sio.connect(self.base_url, namespaces=["/live"], auth=auth, headers=self.headers,
                         transports=list(transports), wait_timeout=5)
        return self

    def subscribe(self, event_id, *, batch: bool | None = None) -> dict:
        """Subscribe to an event (`batch=True`: its messages come in `batch` messages)."""
        request = {"event_id": event_id, **({} if batch is None else {"batch": batch})}
        return self.sio.call("subscribe", request, namespace="/live", timeout=5)

    def next(self, timeout: float = 5.0) -> tuple[str, dict]:
        return self.messages.get(timeout=timeout)

    def take(self, count: int, timeout: float = 5.0) -> list[tuple[str, dict]]:
        return [self.next(timeout) for _ in range(count)]

    def close(self):
        if self.sio.connected:
            ws = getattr(self.sio.eio, "ws", None)
            if ws is not None:
                # websocket-client waits 3 s for the server's close frame; the test is done anyway
                ws.close = functools.partial(ws.close, timeout=0.1)
            self.sio.disconnect()


LIVE_FEED_HARNESS = """async () => {
    const { LiveFeed } = await import('/static/js/command-live.js');
    const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    const handlers = {};
    const asked = [];
    const socket = {
        on: (name, handler) => { handlers[name] = handler; },
        timeout: () => ({ emitWithAck: async (name, body) => { asked.push(body); return %(ack)s; } }),
    };
    const applied = [];
    const snapshotSeqs = %(snapshots)s;
    let snapshots = 0;
    const feed = new LiveFeed({
        eventId: 7, gapWaitMs: 100, connect: () => socket,
        loadSnapshot: async () => snapshotSeqs[snapshots++],
        apply: (name, message) => applied.push(%(applied)s),
    });
    await feed.start();
    handlers.connect();
    await wait(10);
    %(body)s
}"""


def run_live_feed(page, body: str, *, ack: dict, snapshots: list[int], applied: str) -> dict:
    """Drive the command page's LiveFeed (event 7) in the browser with a fake socket that
    answers `subscribe` with `ack` and snapshots numbered `snapshots`; `body` sends messages
    through `handlers`, reads `asked`, `applied` (each entry the JS expression `applied` of
    `name` and `message`), `snapshots` and `feed`, and returns what the test checks."""
    page.goto("/login")
    return page.evaluate(LIVE_FEED_HARNESS % {"ack": json.dumps(ack),
                                              "snapshots": json.dumps(snapshots),
                                              "applied": applied, "body": body})
