"""Requests made by phones carry a client_id: a repeat replays the first answer, never a new record."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from ..errors import ApiError, conflict

# The lookup of a client_id's first request, built once per model.
_FIRST_REQUEST: dict = {}


def request_fingerprint(fields: dict) -> str:
    """A hash of what the phone sent, to tell a replay from a reused client_id."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def claim_client_id(db: Session, client_id: str) -> None:
    """On PostgreSQL, hold a lock on this client_id for the transaction; 409 if another has it."""
    if db.get_bind().dialect.name != "postgresql":
        return  # SQLite writers are serialised by BEGIN IMMEDIATE: no request is ever "in flight"
    key = int.from_bytes(hashlib.sha256(client_id.encode()).digest()[:8], "big", signed=True)
    if not db.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}):
        raise conflict("A request with this client_id is still being processed; retry shortly.")


def replay(db: Session, model, client_id: str, fingerprint: str, person_id: int):
    """The stored record for a repeated client_id, or None; 422 when the body differs."""
    statement = _FIRST_REQUEST.get(model)
    if statement is None:
        statement = _FIRST_REQUEST[model] = select(
            model.id, model.request_hash, model.person_id,
        ).where(model.client_id == bindparam("client_id"))
    first = db.connection().execute(statement, {"client_id": client_id}).first()
    if first is None:
        return None
    if first.request_hash != fingerprint or first.person_id != person_id:
        raise ApiError(422, "client_id_reused",
                       "This client_id was already used for a different request.",
                       {"client_id": "already used with a different body"})
    return db.get(model, first.id)
