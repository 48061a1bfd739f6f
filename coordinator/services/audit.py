"""The one audit writer: a hash-chained entry in the same transaction as every state change."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..models import AuditEntry, AuditHead
from . import scope

GENESIS_HASH = "0" * 64
PENDING = "pending_audit_entries"
HEAD = AuditHead.__table__
HEAD_FOR_UPDATE = select(HEAD.c.last_hash, HEAD.c.entries).where(HEAD.c.id == 1).with_for_update()
LAST_HASH = select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)


@dataclass(frozen=True)
class Actor:
    """Who made a change: a display label and a role."""

    label: str
    role: str


SYSTEM = Actor("system", "system")


def _jsonable(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj) -> dict:
    """The column values of a model instance, JSON-ready, for an entry's before/after."""
    return {c.key: _jsonable(getattr(obj, c.key)) for c in obj.__table__.columns}


def entry_hash(entry: AuditEntry) -> str:
    """SHA-256 over canonical JSON of the entry's content and the previous entry's hash."""
    content = {
        "at": _jsonable(entry.at),
        "actor": entry.actor,
        "role": entry.role,
        "action": entry.action,
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
    }
    if entry.unit_id is not None:  # entries from before units existed hash as they did
        content["unit_id"] = entry.unit_id
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record(
    db: Session,
    actor: Actor,
    action: str,
    entity,
    *,
    at: datetime,
    before: dict | None = None,
    after: dict | None = None,
    entity_type: str | None = None,
    entity_id=None,
    unit_id: int | None = None,
) -> AuditEntry:
    """Add an entry for `action` on `entity` to this transaction (flushes, to know the entity's id
    and columns). It joins the chain when the unit of work seals the transaction, just before
    its commit, so the chain's head is the last lock a writer takes. A row written without the
    ORM (a bulk import) is named by `entity_type`, `entity_id` and its `unit_id`."""
    if entity is not None:
        db.flush()
        entity_type = entity_type or entity.__tablename__
        entity_id = entity.id if entity_id is None else entity_id
        if after is None and action != "delete":
            after = snapshot(entity)
    entry = AuditEntry(
        unit_id=unit_id if unit_id is not None else _unit_of(db, entity, entity_type),
        at=at,
        actor=actor.label,
        role=actor.role,
        action=action,
        entity_type=entity_type or "",
        entity_id=None if entity_id is None else str(entity_id),
        before=_jsonable(before),
        after=_jsonable(after),
    )
    db.info.setdefault(PENDING, []).append(entry)
    return entry


def _unit_of(db: Session, entity, entity_type: str | None) -> int | None:
    """The unit an entry belongs to: its record's (a unit is its own), else the acting
    account's (scope.py), so that an account with a unit reads its subtree's entries."""
    if entity is not None:
        unit_id = entity.id if entity_type == "units" else getattr(entity, "unit_id", None)
        if unit_id is not None:
            return unit_id
    return scope.current(db).unit_id


def has_pending(db: Session) -> bool:
    return bool(db.info.get(PENDING))


def discard(db: Session) -> None:
    db.info.pop(PENDING, None)


def _locked_head(connection) -> tuple[str, int]:
    """The chain head's last hash and entry count, locked until the commit (FOR UPDATE; SQLite's
    writers are serial anyway). A database emptied by hand gets its head back from the entries."""
    row = connection.execute(HEAD_FOR_UPDATE).first()
    if row is None:
        last = connection.execute(LAST_HASH).scalar() or GENESIS_HASH
        count = connection.execute(select(func.count()).select_from(AuditEntry)).scalar() or 0
        insert_head = (postgresql.insert if connection.dialect.name == "postgresql"
                       else sqlite.insert)(HEAD).values(id=1, last_hash=last, entries=count)
        connection.execute(insert_head.on_conflict_do_nothing())
        row = connection.execute(HEAD_FOR_UPDATE).first()
    return row.last_hash, row.entries


def seal(db: Session) -> int:
    """Chain this transaction's entries onto the head and write them; returns how many."""
    entries = db.info.pop(PENDING, [])
    if not entries:
        return 0
    connection = db.connection()
    last_hash, count = _locked_head(connection)
    rows = []
    for entry in entries:
        entry.prev_hash = last_hash
        entry.hash = last_hash = entry_hash(entry)
        rows.append({column.key: getattr(entry, column.key)
                     for column in AuditEntry.__table__.columns if column.key != "id"})
    # Plain INSERTs: an entry is never changed afterwards, so it needs no place in the session.
    connection.execute(insert(AuditEntry.__table__), rows)
    connection.execute(update(HEAD).where(HEAD.c.id == 1)
                       .values(last_hash=last_hash, entries=count + len(rows)))
    return len(rows)


@dataclass
class ChainReport:
    ok: bool
    entries: int
    first_bad: int | None = None
    reason: str | None = None


def verify_chain(db: Session, batch: int = 5000) -> ChainReport:
    """Walk the chain in order; name the first entry whose hash or link does not hold."""
    whole = scope.WHOLE_ORGANISATION  # the chain is one, whoever checks it
    total = db.scalar(select(func.count()).select_from(AuditEntry), execution_options=whole) or 0
    expected_prev = GENESIS_HASH
    last_id = 0
    while True:
        rows = db.scalars(
            select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch),
            execution_options=whole).all()
        if not rows:
            return ChainReport(ok=True, entries=total)
        for entry in rows:
            if entry.prev_hash != expected_prev:
                return ChainReport(False, total, entry.id, "link to the previous entry is broken")
            if entry_hash(entry) != entry.hash:
                return ChainReport(False, total, entry.id, "content does not match its hash")
            expected_prev = entry.hash
            last_id = entry.id
        db.expunge_all()


def apply_changes(db: Session, actor: Actor, at: datetime, obj, changes: dict,
                  action: str = "update") -> bool:
    """Set the fields that really change and audit them with before/after; False if none did."""
    changes = {k: v for k, v in changes.items() if getattr(obj, k) != v}
    if not changes:
        return False
    before = snapshot(obj)
    for key, value in changes.items():
        setattr(obj, key, list(value) if isinstance(value, list | tuple) else value)
    if hasattr(obj, "updated_at"):
        obj.updated_at = at
    record(db, actor, action, obj, at=at, before=before)
    return True
