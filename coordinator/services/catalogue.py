"""What the catalogues (people, posts, events, units) share: a record by id or 404, a record a
write names (403 when it lies outside the caller's unit), a value that must be unique, and the
update of editable fields with its audit entry."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from ..errors import conflict, forbidden, not_found, validation_error
from . import audit, scope

Record = TypeVar("Record")


def get_or_404(db: Session, model: type[Record], record_id: int, label: str | None = None) -> Record:
    """The record with this id, or the API's 404 naming its kind (`Person 7 was not found.`;
    `label` when the kind's words differ from the model's name, as in `Check-in`)."""
    record = db.get(model, record_id)
    if record is None:
        raise not_found(f"{label or model.__name__} {record_id}")
    return record


def named(db: Session, model: type[Record], record_id: int, **get_options) -> Record | None:
    """The record a write names by id (a body's `person_id`, `post_id`...), None when there is
    none; 403 when there is one but outside the caller's unit (a list or a single record
    outside reads as absent, a write naming one is refused as such)."""
    record = db.get(model, record_id, **get_options)
    if record is None and not scope.current(db).everything and db.scalar(
            select(model.id).where(model.id == record_id),
            execution_options={scope.UNSCOPED: True}) is not None:
        raise forbidden(f"{model.__name__} {record_id} is outside your unit.")
    return record


def all_named(db: Session, model: type[Record], ids, field: str) -> list[Record]:
    """The records a body names in a list `field` (each once): 403 for one outside the caller's
    unit, 422 naming the entry that names no record."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = {record.id: record for record in db.scalars(select(model).where(model.id.in_(wanted)))}
    missing = [i for i in wanted if i not in found]
    if missing:
        outside = set(db.scalars(select(model.id).where(model.id.in_(missing)),
                                 execution_options={scope.UNSCOPED: True}))
        if outside:
            raise forbidden(f"{model.__name__} {min(outside)} is outside your unit.")
        index = wanted.index(missing[0])
        raise validation_error({f"{field}.{index}": f"no record has id {missing[0]}"})
    return [found[i] for i in wanted]


def ensure_unique(db: Session, column: InstrumentedAttribute, value, message: str,
                  record_id: int | None = None) -> None:
    """409 when another record than `record_id` already holds `value` in `column`; `message` is
    formatted with `value` and `owner` (the other record's id)."""
    model = column.class_
    # Across the whole organisation, not only what the caller sees: a phone is one person's.
    owner = db.scalar(select(model.id).where(column == value),
                      execution_options={scope.UNSCOPED: True})
    if owner is not None and owner != record_id:
        raise conflict(message.format(value=value, owner=owner))


def update_fields(db: Session, actor: audit.Actor, at: datetime, record, changes: dict,
                  editable: tuple[str, ...], action: str = "update") -> bool:
    """Apply the changed fields that may be edited; an audit entry only when something changed."""
    changes = {k: v for k, v in changes.items() if k in editable}
    return audit.apply_changes(db, actor, at, record, changes, action)
