"""What the catalogues (people, posts, events, units) share: a record by id or 404, a value that
must be unique, and the update of editable fields with its audit entry."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from ..errors import conflict, not_found
from . import audit

Record = TypeVar("Record")


def get_or_404(db: Session, model: type[Record], record_id: int, label: str | None = None) -> Record:
    """The record with this id, or the API's 404 naming its kind (`Person 7 was not found.`;
    `label` when the kind's words differ from the model's name, as in `Check-in`)."""
    record = db.get(model, record_id)
    if record is None:
        raise not_found(f"{label or model.__name__} {record_id}")
    return record


def ensure_unique(db: Session, column: InstrumentedAttribute, value, message: str,
                  record_id: int | None = None) -> None:
    """409 when another record than `record_id` already holds `value` in `column`; `message` is
    formatted with `value` and `owner` (the other record's id)."""
    model = column.class_
    owner = db.scalar(select(model.id).where(column == value))
    if owner is not None and owner != record_id:
        raise conflict(message.format(value=value, owner=owner))


def update_fields(db: Session, actor: audit.Actor, at: datetime, record, changes: dict,
                  editable: tuple[str, ...], action: str = "update") -> bool:
    """Apply the changed fields that may be edited; an audit entry only when something changed."""
    changes = {k: v for k, v in changes.items() if k in editable}
    return audit.apply_changes(db, actor, at, record, changes, action)
