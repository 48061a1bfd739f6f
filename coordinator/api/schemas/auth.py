"""Accounts: signing in, staff links, a staff member's bound device and refused links."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, StringConstraints

from ...services.fields import Body, Id
from .common import Answer

Role = Literal["admin", "commander", "inspector", "staff"]


class LoginBody(Body):
    username: Annotated[str, StringConstraints(min_length=1, max_length=80)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class TokenAnswer(Answer):
    token: str
    role: Role
    expires_at: AwareDatetime


class StaffLinkBody(Body):
    person_id: Id


class StaffLinkAnswer(Answer):
    url: str
    token: str
    expires_at: AwareDatetime


class ReleaseDeviceAnswer(Answer):
    person_id: int
    released: int


class LinkRefusalAnswer(Answer):
    id: int
    person_id: int
    person_name: str
    at: AwareDatetime
    address: str
    user_agent: str


class LinkRefusalList(Answer):
    items: list[LinkRefusalAnswer]
    total: int
