"""What a change has to tell once it has committed: live messages now, notifications next.

Services add effects to the session's unit of work (`live`); they never send anything. The
boundary (`coordinator/unit_of_work.py`) seals them just before its one commit, giving each
event's messages their `seq`, and publishes them after it; a rolled-back change tells nothing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from ..models import EventSequence, LiveMessageRow

PENDING_LIVE = "pending_live_messages"
SEQUENCES = EventSequence.__table__
TAKE_SEQS = (update(SEQUENCES).where(SEQUENCES.c.event_id == bindparam("event"))
             .values(seq=SEQUENCES.c.seq + bindparam("count")).returning(SEQUENCES.c.seq))


@dataclass
class LiveMessage:
    """A Socket.IO message to an event's map and to some people's own channels."""

    event_id: int
    name: str
    payload: dict
    person_ids: tuple[int, ...] = ()
    seq: int = 0
    body: dict = field(default_factory=dict)  # the payload with event_id and seq, once sealed


def live(db: Session, event_id: int, name: str, payload: dict,
         person_ids: tuple[int, ...] = ()) -> None:
    """Tell the event's subscribers (and these people) `name` once this change has committed."""
    db.info.setdefault(PENDING_LIVE, []).append(LiveMessage(event_id, name, payload, person_ids))


def pending_events(db: Session) -> list[int]:
    """The events with messages waiting, in the order their sequence rows are locked."""
    return sorted({m.event_id for m in db.info.get(PENDING_LIVE, ())})


def has_pending(db: Session) -> bool:
    return bool(db.info.get(PENDING_LIVE))


def discard(db: Session) -> None:
    db.info.pop(PENDING_LIVE, None)


def current_seq(db: Session, event_id: int) -> int:
    """The event's latest `seq`: the next message a subscriber receives carries this plus one."""
    return db.scalar(select(SEQUENCES.c.seq).where(SEQUENCES.c.event_id == event_id)) or 0


def seal(db: Session, *, keep_rows: bool) -> list[LiveMessage]:
    """Give the waiting messages their `seq` (one counter row per event, ascending event id;
    each row stays locked until the commit, so an event's changes commit in `seq` order).
    With `keep_rows`, also store them for a publisher in another process (PostgreSQL)."""
    messages = db.info.pop(PENDING_LIVE, [])
    if not messages:
        return []
    by_event: dict[int, list[LiveMessage]] = defaultdict(list)
    for message in messages:
        by_event[message.event_id].append(message)
    connection = db.connection()
    sealed: list[LiveMessage] = []
    for event_id in sorted(by_event):
        batch = by_event[event_id]
        last = connection.execute(TAKE_SEQS, {"event": event_id, "count": len(batch)}).scalar()
        if last is None:
            connection.execute(insert(SEQUENCES).values(event_id=event_id, seq=len(batch)))
            last = len(batch)
        for seq, message in enumerate(batch, start=last - len(batch) + 1):
            message.seq = seq
            message.body = {**message.payload, "event_id": event_id, "seq": seq}
            sealed.append(message)
    if keep_rows:
        connection.execute(insert(LiveMessageRow.__table__), [
            {"event_id": m.event_id, "seq": m.seq, "name": m.name, "body": m.body,
             "person_ids": list(m.person_ids)} for m in sealed])
    return sealed
