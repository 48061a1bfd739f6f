"""Relocation (人员转移): households, the field's reports, shelter arrivals and the figures."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, ConfigDict, Field, field_validator

from ...services.fields import Body, Id, Latitude, Longitude, LongText, Moment, Phone, ShortText
from .common import Answer, Page, Query, documented_not_null, refuse_null

RelocationStatus = Literal["moved", "self_arranged", "refused", "not_home"]
HOUSEHOLD_NOT_NULL = ("head_name", "phone", "unit_id", "people", "vulnerable", "active")


class HouseholdPatch(Body):
    model_config = ConfigDict(json_schema_extra=documented_not_null(*HOUSEHOLD_NOT_NULL))

    head_name: ShortText | None = None
    phone: Phone | None = None
    unit_id: Id | None = None
    people: int | None = Field(None, ge=1, le=1_000)
    vulnerable: int | None = Field(None, ge=0, le=1_000)
    lat: Latitude | None = None
    lon: Longitude | None = None
    shelter_post_id: Id | None = None
    note: LongText | None = None
    active: bool | None = None

    _not_null = field_validator(*HOUSEHOLD_NOT_NULL, mode="before")(refuse_null)


class HouseholdAnswer(Answer):
    id: int
    unit_id: int
    unit_path: str | None
    head_name: str
    phone: str
    people: int
    vulnerable: int
    lat: float | None
    lon: float | None
    shelter_post_id: int | None
    shelter_name: str | None
    note: str | None
    active: bool
    created_at: AwareDatetime
    updated_at: AwareDatetime


class HouseholdsQuery(Page):
    unit_id: Id | None = Field(None, description="the households of this unit's subtree")
    q: str | None = Field(None, max_length=80, description="head of household or phone contains")
    active: bool | None = None


class HouseholdsList(Answer):
    items: list[HouseholdAnswer]
    total: int


class RelocationBody(Body):
    client_id: UUID = Field(description="made by the phone; the same id again replays the answer")
    household_id: Id
    status: RelocationStatus
    people: int = Field(ge=0, le=1_000, description="the people this report is about")
    shelter_post_id: Id | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    taken_at: Moment
    note: LongText | None = None


class RelocationAnswer(Answer):
    id: int
    event_id: int
    household_id: int
    unit_id: int
    status: RelocationStatus
    people: int
    shelter_post_id: int | None
    lat: float | None
    lon: float | None
    note: str | None
    person_id: int | None
    reporter: str
    taken_at: AwareDatetime
    received_at: AwareDatetime


class RelocationHistoryItem(RelocationAnswer):
    current: bool = Field(description="this report is the household's state now")


class RelocationsQuery(Page):
    household_id: Id | None = None
    unit_id: Id | None = None


class RelocationsList(Answer):
    items: list[RelocationHistoryItem]
    total: int


class ArrivalBody(Body):
    client_id: UUID = Field(description="made by the phone; the same id again replays the answer")
    shelter_post_id: Id
    household_id: Id | None = None
    people: int = Field(ge=1, le=10_000)
    taken_at: Moment


class ArrivalAnswer(Answer):
    id: int
    event_id: int
    shelter_post_id: int
    household_id: int | None
    unit_id: int | None
    people: int
    person_id: int | None
    reporter: str
    taken_at: AwareDatetime
    received_at: AwareDatetime


class RelocationQuery(Query):
    by: Literal["village", "town"] = "village"


class RelocationFigures(Answer):
    households: int
    people: int
    moved: int
    self_arranged: int
    refused: int
    not_home: int
    outstanding: int
    vulnerable_outstanding: int
    sheltered: int
    people_moved: int
    people_self_arranged: int
    vulnerable_households_outstanding: int


class RelocationRow(RelocationFigures):
    unit_id: int
    name: str
    kind: str
    parent_id: int | None
    lat: float | None = Field(description="the mean position of the unit's households")
    lon: float | None


class RelocationSummary(Answer):
    by: Literal["village", "town"]
    items: list[RelocationRow]
    totals: RelocationFigures


class ShelterRow(Answer):
    post_id: int
    name: str
    unit_id: int | None
    lat: float
    lon: float
    capacity: int | None
    planned: int = Field(description="people of the households planned for this shelter")
    sheltered: int = Field(description="people counted arriving in this response")
    over_capacity: bool


class SheltersList(Answer):
    items: list[ShelterRow]
    total: int


class HouseholdState(Answer):
    status: RelocationStatus
    people: int
    report_id: int
    shelter_post_id: int | None
    taken_at: AwareDatetime


class EventHousehold(HouseholdAnswer):
    state: HouseholdState | None


class EventHouseholdsQuery(Page):
    unit_id: Id | None = None
    status: Literal["outstanding", "none", "moved", "self_arranged", "refused",
                    "not_home"] | None = None


class EventHouseholdsList(Answer):
    items: list[EventHousehold]
    total: int


class MyRelocationQuery(Query):
    event_id: Id | None = Field(None, description="the response (default: the one I am "
                                                          "on duty for, else the newest open)")


class MyRelocation(Answer):
    event_id: int | None
    households: list[EventHousehold]
    shelters: list[ShelterRow]
