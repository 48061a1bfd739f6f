"""The roster: create, edit, deactivate and search people."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..errors import not_found
from ..models import Person
from . import audit, catalogue, organisation
from .paging import page

EDITABLE = ("name", "phone", "unit", "unit_id", "kind", "skills", "home_lat", "home_lon",
            "email", "active")


def get_person(db: Session, person_id: int) -> Person:
    return catalogue.get_or_404(db, Person, person_id)


def named_person(db: Session, person_id: int) -> Person:
    """The person a write names: 404 when there is none, 403 when outside the caller's unit."""
    person = catalogue.named(db, Person, person_id)
    if person is None:
        raise not_found(f"Person {person_id}")
    return person


def _ensure_phone_free(db: Session, phone: str, person_id: int | None = None) -> None:
    catalogue.ensure_unique(db, Person.phone, phone,
                          "The phone number {value} already belongs to person {owner}.", person_id)


def create_person(db: Session, actor: audit.Actor, at: datetime, fields: dict) -> Person:
    """Add a person to the roster (in the unit named, else the caller's); phone numbers are
    unique."""
    _ensure_phone_free(db, fields["phone"])
    unit_id = organisation.unit_of_record(db, fields.get("unit_id"),
                                          given=fields.get("unit_id") is not None)
    person = Person(**{k: fields.get(k) for k in EDITABLE if k not in ("active", "unit_id")},
                    unit_id=unit_id, created_at=at, updated_at=at, active=True)
    person.skills = list(fields.get("skills") or [])
    db.add(person)
    audit.record(db, actor, "create", person, at=at)
    return person


def update_person(db: Session, actor: audit.Actor, at: datetime, person: Person, changes: dict,
                  action: str = "update") -> bool:
    """Apply changed fields; writes an audit entry only when something really changed."""
    if "phone" in changes:
        _ensure_phone_free(db, changes["phone"], person.id)
    if "unit_id" in changes:
        organisation.unit_of_record(db, changes["unit_id"])
    return catalogue.update_fields(db, actor, at, person, changes, EDITABLE, action)


def list_people(db: Session, *, q=None, kind=None, unit=None, active=None, limit=50, offset=0):
    """A page of people matching the filters, and how many match in all."""
    query = select(Person)
    if q:
        pattern = f"%{q}%"
        query = query.where(or_(Person.name.like(pattern), Person.phone.like(pattern),
                                Person.unit.like(pattern)))
    if kind:
        query = query.where(Person.kind == kind)
    if unit:
        query = query.where(Person.unit == unit)
    if active is not None:
        query = query.where(Person.active.is_(active))
    return page(db, query, Person.id, limit, offset)
