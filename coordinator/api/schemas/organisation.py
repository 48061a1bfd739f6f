"""The command chain: units, their leaders, posts' responsible persons, accounts with a unit."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from ...services.fields import Body, Id, ShortText
from .common import Answer

UnitKind = Literal["county", "town", "village"]
LeaderRole = Literal["chief", "deputy", "duty"]
ResponsibleRole = Literal["administrative", "technical", "patrol", "contact"]
Role = Literal["admin", "commander", "inspector", "staff"]
Username = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80,
                                            pattern=r"^[^\s/]+$")]


class UnitBody(Body):
    name: ShortText
    kind: UnitKind
    parent_id: Id | None = None


class UnitAnswer(Answer):
    id: int
    name: str
    kind: UnitKind
    parent_id: int | None
    path: list[str] = Field(description="the names of the unit and those above it, top first")


class LeaderBody(Body):
    person_id: Id
    role: LeaderRole


class LeaderAnswer(Answer):
    id: int
    unit_id: int
    person_id: int
    name: str
    phone: str
    role: LeaderRole
    created_at: AwareDatetime


class UnitListItem(UnitAnswer):
    leaders: list[LeaderAnswer]


class UnitsList(Answer):
    items: list[UnitListItem]
    total: int


class LeadersList(Answer):
    items: list[LeaderAnswer]
    total: int


class ResponsibleBody(Body):
    person_id: Id
    role: ResponsibleRole


class ResponsibleAnswer(Answer):
    id: int
    post_id: int
    person_id: int
    name: str
    phone: str
    role: ResponsibleRole
    created_at: AwareDatetime


class ResponsiblesList(Answer):
    items: list[ResponsibleAnswer]
    total: int


class PostResponsibility(Answer):
    post_id: int
    name: str
    role: ResponsibleRole


class UnitResponsibility(Answer):
    unit_id: int
    name: str
    path: list[str] = Field(description="the names of the unit and those above it, top first")
    role: LeaderRole


class Responsibilities(Answer):
    """What a person answers for: the posts they are responsible for, the units they lead."""

    posts: list[PostResponsibility]
    units: list[UnitResponsibility]


class UserBody(Body):
    username: Username
    password: str = Field(min_length=8, max_length=200)
    role: Role
    unit_id: Id | None = None
    display_name: ShortText | None = None


class UserAnswer(Answer):
    id: int
    username: str
    role: Role
    unit_id: int | None
    display_name: str | None
    created_at: AwareDatetime
    active: bool = True
