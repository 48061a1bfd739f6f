"""Assignments: a person put on a shift."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime

from ...services.fields import Body, Id
from .common import Answer, Page


class AssignmentBody(Body):
    shift_id: Id
    person_id: Id


class AssignmentAnswer(Answer):
    id: int
    shift_id: int
    person_id: int
    person_name: str
    post_id: int
    event_id: int
    source: Literal["manual", "auto"]
    distance_m: float | None
    acknowledged_at: AwareDatetime | None
    created_at: AwareDatetime
    removed_at: AwareDatetime | None


class AssignmentsQuery(Page):
    shift_id: Id | None = None
    person_id: Id | None = None


class AssignmentsList(Answer):
    items: list[AssignmentAnswer]
    total: int
