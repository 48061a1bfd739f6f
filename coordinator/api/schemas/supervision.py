"""Supervision: spot checks, who is on shift, duty posts, commendations, check-in review."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from ...services.fields import Body, Id, Latitude, Longitude, LongText, Moment, PostKind
from .common import Answer, Page, Query
from .field import CheckInAnswer, CheckInFlag, CheckInKind
from .people import PersonRef

CommendationKind = Literal["commend", "criticize"]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class SpotCheckBody(Body):
    post_id: Id
    event_id: Id
    visited_at: Moment
    present_person_ids: list[Id] = Field(max_length=500,
                                         description="the assigned people found at the post")
    note: LongText = ""
    unannounced: bool = Field(False, description="an unannounced visit (暗访) rather than open")
    photo: str | None = Field(None, description="base64 JPEG or PNG, at most 5 MB decoded")


class SpotCheckAnswer(Answer):
    id: int
    event_id: int
    post_id: int
    post_name: str
    inspector: str
    visited_at: AwareDatetime
    unannounced: bool
    present_person_ids: list[int]
    absent_person_ids: list[int]
    present: list[PersonRef]
    absent: list[PersonRef]
    note: str
    has_photo: bool
    photo_url: str | None
    created_at: AwareDatetime


class SpotChecksQuery(Page):
    post_id: Id | None = None


class SpotChecksList(Answer):
    items: list[SpotCheckAnswer]
    total: int


class OnShiftQuery(Query):
    at: Moment | None = Field(None, description="default: now")


class OnShiftPerson(PersonRef):
    phone: str
    assignment_id: int
    shift_id: int
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    on_duty: bool = Field(description="on duty by the GPS check-ins")


class OnShiftList(Answer):
    items: list[OnShiftPerson]
    total: int


class DutyPostsQuery(Query):
    lat: Latitude | None = Field(None, description="with lon: nearest posts first")
    lon: Longitude | None = None


class DutyPost(Answer):
    id: int
    name: str
    kind: PostKind
    village: str | None
    lat: float
    lon: float
    radius_m: float
    distance_m: float | None
    running_shifts: int


class DutyPostsList(Answer):
    items: list[DutyPost]
    total: int


class CommendationBody(Body):
    person_id: Id
    event_id: Id
    kind: CommendationKind
    reason: Reason


class CommendationAnswer(Answer):
    id: int
    person_id: int
    person_name: str
    unit: str
    event_id: int
    kind: CommendationKind
    reason: str
    created_by: str
    created_at: AwareDatetime


class CommendationsQuery(Page):
    person_id: Id | None = None
    kind: CommendationKind | None = None


class CommendationsList(Answer):
    items: list[CommendationAnswer]
    total: int


class EventCheckinsQuery(Page):
    flag: CheckInFlag | None = None
    reviewed: bool | None = None
    person_id: Id | None = None


class Fix(Answer):
    id: int
    kind: CheckInKind
    lat: float
    lon: float
    accuracy_m: float
    taken_at: AwareDatetime
    within_fence: bool


class ReviewItem(CheckInAnswer):
    lat: float
    lon: float
    accuracy_m: float
    note: str | None
    review_note: str | None
    reviewed_at: AwareDatetime | None
    person: PersonRef
    post: dict
    fixes: list[Fix]


class EventCheckinsList(Answer):
    items: list[ReviewItem]
    total: int
