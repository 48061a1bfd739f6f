"""Events and their shifts."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from ...services.fields import Body, Id, Moment, Skill, Text
from .common import Answer, Page, Query

EventKind = Literal["rainstorm", "typhoon", "flood", "landslide", "other"]


class EventBody(Body):
    name: Text
    kind: EventKind
    level: int = Field(ge=1, le=4)
    starts_at: Moment
    unit_id: Id | None = Field(None, description="the responding unit; default the caller's")


class EventAnswer(Answer):
    id: int
    name: str
    kind: EventKind
    level: int
    starts_at: AwareDatetime
    unit_id: int | None
    closed_at: AwareDatetime | None
    status: Literal["active", "closed"]
    created_at: AwareDatetime


class EventsQuery(Page):
    status: Literal["active", "closed"] | None = None


class EventsList(Answer):
    items: list[EventAnswer]
    total: int


class SummaryQuery(Query):
    by: Literal["town", "village"] = "town"


class UnitSummary(Answer):
    unit_id: int
    name: str
    posts: int = Field(description="posts of the unit's subtree with shifts in the response")
    required: int = Field(description="headcount the running shifts there require now")
    present: int = Field(description="people on duty there now")
    open_alerts: int
    calls_unanswered: int
    households_planned: int
    households_moved: int


class SummaryAnswer(Answer):
    items: list[UnitSummary]


class ShiftBody(Body):
    post_id: Id
    starts_at: Moment
    ends_at: Moment
    required: int = Field(ge=1, le=500)
    skills: list[Skill] = Field(default_factory=list, max_length=10)


class ShiftAnswer(Answer):
    id: int
    event_id: int
    post_id: int
    post_name: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    required: int
    assigned: int
    skills: list[str]


class ShiftsQuery(Page):
    post_id: Id | None = None


class ShiftsList(Answer):
    items: list[ShiftAnswer]
    total: int
