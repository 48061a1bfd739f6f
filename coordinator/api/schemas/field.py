"""The field (the phone, `api/field.py`): check-ins, a person's assignments, hazard reports."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from ...services.fields import Body, Id, Latitude, Longitude, LongText, Moment, PostKind
from .common import Answer

CheckInKind = Literal["check_in", "presence", "check_out"]
CheckInFlag = Literal["late", "outside_fence", "low_accuracy", "offline", "suspected_spoof",
                      "clock_skew"]
ReportCategory = Literal["flooding", "landslide", "dam_risk", "road_blocked", "people_trapped",
                         "other"]


class CheckInBody(Body):
    client_id: UUID = Field(description="made by the phone; the same id again replays the answer")
    kind: CheckInKind
    lat: Latitude
    lon: Longitude
    accuracy_m: float = Field(ge=0, le=100_000)
    taken_at: Moment
    assignment_id: Id | None = None
    note: LongText | None = Field(None, description="handover note (交接班) on check_out")


class SpoofReason(Answer):
    code: str
    detail: str


class CheckInAnswer(Answer):
    id: int
    assignment_id: int
    post_id: int
    kind: CheckInKind
    distance_m: float
    within_fence: bool
    flags: list[CheckInFlag]
    taken_at: AwareDatetime
    received_at: AwareDatetime
    spoof_reasons: list[SpoofReason]
    review_verdict: Literal["confirmed", "rejected"] | None


class ReviewBody(Body):
    verdict: Literal["confirmed", "rejected"]
    note: LongText = ""


class MyAssignment(Answer):
    id: int
    shift_id: int
    event_id: int
    event_name: str
    post_id: int
    post_name: str
    post_kind: PostKind
    lat: float
    lon: float
    radius_m: float
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    acknowledged_at: AwareDatetime | None
    status: Literal["current", "upcoming"]
    checked_in: bool


class MyAssignments(Answer):
    items: list[MyAssignment]
    total: int


class ReportBody(Body):
    client_id: UUID
    lat: Latitude
    lon: Longitude
    category: ReportCategory
    description: LongText
    photo: str | None = Field(None, description="base64 JPEG or PNG, at most 5 MB decoded")


class ReportAnswer(Answer):
    id: int
    person_id: int
    event_id: int | None
    lat: float
    lon: float
    category: ReportCategory
    description: str
    has_photo: bool
    photo_url: str | None
    received_at: AwareDatetime
