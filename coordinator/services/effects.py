"""What a change has to tell once it has committed: live messages to an event's maps, and
messages to people's own channels.

Services add effects to the session's unit of work (`live`, `tell_people`); they never send
anything (notifications through outside channels are rows of the outbox, `services/outbox.py`). The
boundary (`coordinator/unit_of_work.py`) seals them just before its one commit, giving each
event's messages their `seq`, and publishes them after it; a rolled-back change tells nothing.

A message about a post or a person in a unit is also numbered for that unit and each unit above
it that has an account (`unit_seqs`): an account of a town receives only its subtree's messages,
and its numbers still grow by one, so a gap still means a missed message. A unit's numbering
starts with its first account: what it subscribes to from then on is complete."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import bindparam, exists, insert, select, update
from sqlalchemy.orm import Session

from ..models import EventSequence, EventUnitSequence, LiveMessageRow, Person, Post, Unit, User

PENDING_LIVE = "pending_live_messages"
PENDING_PERSONAL = "pending_personal_messages"
SEQUENCES = EventSequence.__table__
TAKE_SEQS = (update(SEQUENCES).where(SEQUENCES.c.event_id == bindparam("event"))
             .values(seq=SEQUENCES.c.seq + bindparam("count")).returning(SEQUENCES.c.seq))
UNIT_SEQUENCES = EventUnitSequence.__table__
TAKE_UNIT_SEQS = (update(UNIT_SEQUENCES)
                  .where(UNIT_SEQUENCES.c.event_id == bindparam("event"),
                         UNIT_SEQUENCES.c.unit_id == bindparam("unit"))
                  .values(seq=UNIT_SEQUENCES.c.seq + bindparam("count"))
                  .returning(UNIT_SEQUENCES.c.seq))
UNITS = Unit.__table__
USERS = User.__table__


@dataclass
class LiveMessage:
    """A Socket.IO message to an event's map and to some people's own channels."""

    event_id: int
    name: str
    payload: dict
    person_ids: tuple[int, ...] = ()
    post_id: int | None = None  # what it is about, for the units that receive it
    person_id: int | None = None
    unit_id: int | None = None  # what it is about when neither a post nor a person (a call)
    seq: int = 0
    body: dict = field(default_factory=dict)  # the payload with event_id and seq, once sealed
    unit_seqs: dict[int, int] = field(default_factory=dict)  # unit id → its seq, once sealed


@dataclass
class PersonalMessage:
    """A Socket.IO message to some people's own channels only, outside any event's numbering."""

    name: str
    body: dict
    person_ids: tuple[int, ...]


def live(db: Session, event_id: int, name: str, payload: dict,
         person_ids: tuple[int, ...] = (), *, post_id: int | None = None,
         person_id: int | None = None, unit_id: int | None = None) -> None:
    """Tell the event's subscribers (and these people) `name` once this change has committed;
    it is about a post (else a person, else a unit), whose unit's accounts receive it too."""
    db.info.setdefault(PENDING_LIVE, []).append(
        LiveMessage(event_id, name, payload, person_ids, post_id, person_id, unit_id))


def tell_people(db: Session, name: str, body: dict, person_ids) -> None:
    """Tell these people `name` on their own channel once this change has committed."""
    if person_ids:
        db.info.setdefault(PENDING_PERSONAL, []).append(
            PersonalMessage(name, body, tuple(person_ids)))


def take_personal(db: Session) -> list[PersonalMessage]:
    return db.info.pop(PENDING_PERSONAL, [])


def pending_events(db: Session) -> list[int]:
    """The events with messages waiting, in the order their sequence rows are locked."""
    return sorted({m.event_id for m in db.info.get(PENDING_LIVE, ())})


def has_pending(db: Session) -> bool:
    return bool(db.info.get(PENDING_LIVE) or db.info.get(PENDING_PERSONAL))


def discard(db: Session) -> None:
    db.info.pop(PENDING_LIVE, None)
    db.info.pop(PENDING_PERSONAL, None)


def current_seq(db: Session, event_id: int, unit_id: int | None = None) -> int:
    """The event's latest `seq` (for an account of `unit_id`: its unit's): the next message a
    subscriber receives carries this plus one."""
    if unit_id is not None:
        return db.scalar(select(UNIT_SEQUENCES.c.seq).where(
            UNIT_SEQUENCES.c.event_id == event_id, UNIT_SEQUENCES.c.unit_id == unit_id)) or 0
    return db.scalar(select(SEQUENCES.c.seq).where(SEQUENCES.c.event_id == event_id)) or 0


POST_UNITS = select(Post.id, Post.unit_id).where(
    Post.id.in_(bindparam("ids", expanding=True)), Post.unit_id.is_not(None))
PERSON_UNITS = select(Person.id, Person.unit_id).where(
    Person.id.in_(bindparam("ids", expanding=True)), Person.unit_id.is_not(None))


def _chain_query():
    """Each unit named with every unit above it that has an account (only an account can
    listen, and numbering for nobody costs every change a write): (origin, unit) pairs."""
    chain = (select(UNITS.c.id.label("origin"), UNITS.c.id, UNITS.c.parent_id)
             .where(UNITS.c.id.in_(bindparam("units", expanding=True)))
             .cte("chain", recursive=True))
    chain = chain.union_all(select(chain.c.origin, UNITS.c.id, UNITS.c.parent_id)
                            .join(chain, UNITS.c.id == chain.c.parent_id))
    listening = exists().where(USERS.c.unit_id == chain.c.id)
    return select(chain.c.origin, chain.c.id).where(listening)


UNIT_CHAINS = _chain_query()


def _receiving_units(db: Session, messages: list[LiveMessage]) -> dict[int, tuple[int, ...]]:
    """For each message (by index), the units whose accounts receive it: the unit of its post
    (else its person) and every unit above. Prebuilt statements: a town without units pays one
    small query per transaction that tells anything."""
    connection = db.connection()
    posts = {m.post_id for m in messages if m.post_id is not None}
    people = {m.person_id for m in messages if m.post_id is None and m.person_id is not None}
    unit_of = {("unit", m.unit_id): m.unit_id for m in messages
               if m.post_id is None and m.person_id is None and m.unit_id is not None}
    if posts:
        unit_of |= {("post", i): u for i, u in connection.execute(POST_UNITS, {"ids": list(posts)})}
    if people:
        unit_of |= {("person", i): u
                    for i, u in connection.execute(PERSON_UNITS, {"ids": list(people)})}
    if not unit_of:
        return {}
    above: dict[int, list[int]] = defaultdict(list)
    for origin, unit_id in connection.execute(UNIT_CHAINS, {"units": list(set(unit_of.values()))}):
        above[origin].append(unit_id)
    receiving = {}
    for index, message in enumerate(messages):
        key = ("post", message.post_id) if message.post_id is not None \
            else ("person", message.person_id) if message.person_id is not None \
            else ("unit", message.unit_id)
        if key in unit_of:
            receiving[index] = tuple(sorted(above[unit_of[key]]))
    return receiving


def _take(connection, taken: Counter, event_id: int) -> dict[int, int]:
    """Reserve `taken[unit]` numbers of each unit's counter in this event (ascending unit id,
    each row locked until the commit); the last number taken of each."""
    last = {}
    for unit_id in sorted(taken):
        count = taken[unit_id]
        top = connection.execute(TAKE_UNIT_SEQS, {"event": event_id, "unit": unit_id,
                                                  "count": count}).scalar()
        if top is None:
            connection.execute(insert(UNIT_SEQUENCES).values(event_id=event_id, unit_id=unit_id,
                                                             seq=count))
            top = count
        last[unit_id] = top
    return last


def seal(db: Session, *, keep_rows: bool) -> list[LiveMessage]:
    """Give the waiting messages their `seq` (one counter row per event, ascending event id;
    each row stays locked until the commit, so an event's changes commit in `seq` order).
    With `keep_rows`, also store them for a publisher in another process (PostgreSQL)."""
    messages = db.info.pop(PENDING_LIVE, [])
    if not messages:
        return []
    receiving = _receiving_units(db, messages)
    by_event: dict[int, list[tuple[LiveMessage, tuple[int, ...]]]] = defaultdict(list)
    for index, message in enumerate(messages):
        by_event[message.event_id].append((message, receiving.get(index, ())))
    connection = db.connection()
    sealed: list[LiveMessage] = []
    for event_id in sorted(by_event):
        batch = by_event[event_id]
        last = connection.execute(TAKE_SEQS, {"event": event_id, "count": len(batch)}).scalar()
        if last is None:
            connection.execute(insert(SEQUENCES).values(event_id=event_id, seq=len(batch)))
            last = len(batch)
        taken = Counter(unit_id for _, units in batch for unit_id in units)
        unit_next = {unit_id: top - taken[unit_id] + 1
                     for unit_id, top in _take(connection, taken, event_id).items()}
        for seq, (message, units) in enumerate(batch, start=last - len(batch) + 1):
            message.seq = seq
            message.body = {**message.payload, "event_id": event_id, "seq": seq}
            for unit_id in units:
                message.unit_seqs[unit_id] = unit_next[unit_id]
                unit_next[unit_id] += 1
            sealed.append(message)
    if keep_rows:
        connection.execute(insert(LiveMessageRow.__table__), [
            {"event_id": m.event_id, "seq": m.seq, "name": m.name, "body": m.body,
             "person_ids": list(m.person_ids),
             "unit_seqs": {str(k): v for k, v in m.unit_seqs.items()} or None}
            for m in sealed])
    return sealed
