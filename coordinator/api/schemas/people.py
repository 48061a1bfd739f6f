"""People: the changes to a person, the person as answered, lists of people."""

from __future__ import annotations

from pydantic import AwareDatetime, ConfigDict, Field, field_validator

from ...services.fields import (
    Body,
    Email,
    Id,
    Latitude,
    Longitude,
    PersonKind,
    Phone,
    ShortText,
    Skill,
    Text,
)
from .common import Answer, Page, documented_not_null, refuse_null
from .organisation import Responsibilities

PERSON_NOT_NULL = ("name", "phone", "unit", "kind", "skills", "active")


class PersonPatch(Body):
    model_config = ConfigDict(json_schema_extra=documented_not_null(*PERSON_NOT_NULL))

    name: ShortText | None = None
    phone: Phone | None = None
    unit: Text | None = None
    kind: PersonKind | None = None
    skills: list[Skill] | None = Field(None, max_length=30)
    home_lat: Latitude | None = None
    home_lon: Longitude | None = None
    unit_id: Id | None = None
    email: Email | None = None
    active: bool | None = None

    _not_null = field_validator(*PERSON_NOT_NULL, mode="before")(refuse_null)


class PersonAnswer(Answer):
    id: int
    name: str
    phone: str
    unit: str
    kind: PersonKind
    skills: list[str]
    home_lat: float | None
    home_lon: float | None
    unit_id: int | None
    email: str | None = None
    active: bool
    created_at: AwareDatetime
    updated_at: AwareDatetime
    responsibilities: Responsibilities


class PeopleQuery(Page):
    q: str | None = Field(None, max_length=80, description="name, phone or unit contains")
    kind: PersonKind | None = None
    unit: str | None = Field(None, max_length=120)
    active: bool | None = None


class PeopleList(Answer):
    items: list[PersonAnswer]
    total: int


# A person named in another answer (a spot check, an absence, a reviewed check-in).
class PersonRef(Answer):
    person_id: int
    name: str
    unit: str
