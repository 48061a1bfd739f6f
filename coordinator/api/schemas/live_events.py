"""The Socket.IO side of the API (namespace `/live`), described in the OpenAPI document under
`x-socketio`: subscribing, the per-change messages and their batches."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# The messages an event's subscribers receive, each with `event_id` and `seq` (API.md).
EVENT_MESSAGES = {
    "checkin": '{"checkin": {...}, "person": {"id", "name"}}',
    "post_status": '{"post_id", "required", "present", "status"}',
    "alert": '{"alert": {"id", "kind", "post_id", "person_id", "message", "raised_at"}}',
    "assignment": '{"action": "created" | "removed", "assignment": {...}}',
    "report": '{"report": {...}}',
    "call_status": '{"call_id", "targets", "answered", "late", "overdue"}',
    "relocation_status": "the changed unit's row of the relocation figures",
    "shelter_status": "the changed shelter's places and arrivals",
}
MessageName = Literal["checkin", "post_status", "alert", "assignment", "report", "call_status",
                      "relocation_status", "shelter_status"]


class LiveSubscribe(BaseModel):
    """Client → server `subscribe`: watch an event's changes."""

    event_id: int = Field(ge=1)
    batch: bool = Field(False, description="true: receive `batch` messages (at most one per "
                        "100 ms, COORDINATOR_LIVE_BATCH_MS) instead of one message per change")


class LiveSubscribeAck(BaseModel):
    """The answer to `subscribe`: the next message carries `seq + 1`."""

    ok: bool
    seq: int | None = None
    batch: bool | None = Field(None, description="true when batches were asked for")


class LiveBatchItem(BaseModel):
    """One change inside a batch, exactly the message that would have come alone."""

    model_config = ConfigDict(extra="forbid")

    event: MessageName = Field(description="the name the message has when sent alone")
    data: dict = Field(description="its body, with `event_id` and `seq`")


class LiveBatch(BaseModel):
    """Server → client `batch`: an event's messages from `seq_from` to `seq_to`, in `seq` order.
    Batches follow one another without overlap; a client applies each message by the same rule
    as alone (older ignored, a gap reloads the snapshot)."""

    model_config = ConfigDict(extra="forbid")

    event_id: int
    seq_from: int
    seq_to: int
    messages: list[LiveBatchItem]


def socketio_document(schema_ref) -> dict:
    """The `x-socketio` part of the OpenAPI document; `schema_ref(model)` gives a model's $ref."""
    return {
        "namespace": "/live",
        "connect": "auth={'token': '<bearer>'} or the session cookie; refused without either",
        "client_events": {"subscribe": {"payload": schema_ref(LiveSubscribe),
                                        "ack": schema_ref(LiveSubscribeAck)}},
        "server_events": {
            **{name: {"description": f"{shape}, with event_id and seq"}
               for name, shape in EVENT_MESSAGES.items()},
            "batch": {"description": "to subscribers that asked for batches, instead of the "
                      "messages above", "payload": schema_ref(LiveBatch)},
        },
    }
