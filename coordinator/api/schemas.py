"""Request and response schemas: they validate requests and produce the OpenAPI document."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9\- ]{4,30}$")
]
Skill = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
MAX_ID = 2**31 - 1  # the largest value the database's integer id columns hold
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def _storable(moment: datetime) -> datetime:
    """Refuse moments so far off that storing or showing them (in UTC, at +08:00) overflows."""
    if not EARLIEST <= moment <= LATEST:
        raise ValueError("must be between the years 1900 and 9000")
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(_storable)]
PersonKind = Literal["cadre", "village_official", "other"]
PostKind = Literal[
    "reservoir", "pond", "landslide", "low_road", "dangerous_house", "shelter", "bridge",
    "embankment", "other",
]
EventKind = Literal["rainstorm", "typhoon", "flood", "landslide", "other"]
Role = Literal["admin", "commander", "inspector", "staff"]


class Body(BaseModel):
    """A JSON request body: strict types, finite numbers, unknown fields ignored."""

    model_config = ConfigDict(strict=True, allow_inf_nan=False, extra="ignore")


class Query(BaseModel):
    """Query-string parameters (always strings on the wire, so converted leniently)."""

    model_config = ConfigDict(extra="ignore")


class Page(Query):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_ID)


class Answer(BaseModel):
    """A response document (for the OpenAPI description)."""


class ErrorDetail(Answer):
    code: str
    message: str
    fields: dict[str, str] | None = None


class ErrorAnswer(Answer):
    error: ErrorDetail


# --- accounts -------------------------------------------------------------------------------


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


# --- people ---------------------------------------------------------------------------------


class PersonBody(Body):
    name: Text
    phone: Phone
    unit: Text
    kind: PersonKind
    skills: list[Skill] = Field(default_factory=list, max_length=30)
    home_lat: Latitude | None = None
    home_lon: Longitude | None = None


def _refuse_null(value):
    if value is None:
        raise ValueError("may not be null; leave the field out to keep its value")
    return value


def _documented_not_null(*names: str):
    """Show `names` as non-nullable in the JSON schema, as `_refuse_null` validates them."""

    def adjust(schema: dict) -> None:
        for name in names:
            prop = schema["properties"][name]
            prop.update(next(o for o in prop.pop("anyOf") if o.get("type") != "null"))
            prop.pop("default", None)

    return adjust


PERSON_NOT_NULL = ("name", "phone", "unit", "kind", "skills", "active")
POST_NOT_NULL = ("name", "kind", "lat", "lon", "radius_m", "active")


class PersonPatch(Body):
    model_config = ConfigDict(json_schema_extra=_documented_not_null(*PERSON_NOT_NULL))

    name: Text | None = None
    phone: Phone | None = None
    unit: Text | None = None
    kind: PersonKind | None = None
    skills: list[Skill] | None = Field(None, max_length=30)
    home_lat: Latitude | None = None
    home_lon: Longitude | None = None
    active: bool | None = None

    _not_null = field_validator(*PERSON_NOT_NULL, mode="before")(_refuse_null)


class PersonAnswer(Answer):
    id: int
    name: str
    phone: str
    unit: str
    kind: PersonKind
    skills: list[str]
    home_lat: float | None
    home_lon: float | None
    active: bool
    created_at: AwareDatetime
    updated_at: AwareDatetime


class PeopleQuery(Page):
    q: str | None = Field(None, max_length=80, description="name, phone or unit contains")
    kind: PersonKind | None = None
    unit: str | None = Field(None, max_length=120)
    active: bool | None = None


class PeopleList(Answer):
    items: list[PersonAnswer]
    total: int


class ImportRowError(Answer):
    row: int
    message: str


class ImportAnswer(Answer):
    created: int
    updated: int
    errors: list[ImportRowError]


# --- posts ----------------------------------------------------------------------------------


class PostBody(Body):
    name: Text
    kind: PostKind
    lat: Latitude
    lon: Longitude
    radius_m: float = Field(gt=0, le=10_000)
    village: Text | None = None
    risk: int | None = Field(None, ge=1, le=4)


class PostPatch(Body):
    model_config = ConfigDict(json_schema_extra=_documented_not_null(*POST_NOT_NULL))

    name: Text | None = None
    kind: PostKind | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    radius_m: float | None = Field(None, gt=0, le=10_000)
    village: Text | None = None
    risk: int | None = Field(None, ge=1, le=4)
    active: bool | None = None

    _not_null = field_validator(*POST_NOT_NULL, mode="before")(_refuse_null)


class PostAnswer(Answer):
    id: int
    name: str
    kind: PostKind
    lat: float
    lon: float
    radius_m: float
    village: str | None
    risk: int | None
    active: bool
    created_at: AwareDatetime
    updated_at: AwareDatetime


class PostsQuery(Page):
    q: str | None = Field(None, max_length=80, description="name or village contains")
    kind: PostKind | None = None
    village: str | None = Field(None, max_length=80)
    active: bool | None = None


class PostsList(Answer):
    items: list[PostAnswer]
    total: int


# --- events, shifts, assignments --------------------------------------------------------------


class EventBody(Body):
    name: Text
    kind: EventKind
    level: int = Field(ge=1, le=4)
    starts_at: Moment


class EventAnswer(Answer):
    id: int
    name: str
    kind: EventKind
    level: int
    starts_at: AwareDatetime
    closed_at: AwareDatetime | None
    status: Literal["active", "closed"]
    created_at: AwareDatetime


class EventsQuery(Page):
    status: Literal["active", "closed"] | None = None


class EventsList(Answer):
    items: list[EventAnswer]
    total: int


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


# --- audit ----------------------------------------------------------------------------------


class AuditVerifyAnswer(Answer):
    ok: bool
    entries: int
    first_bad: int | None = None
    reason: str | None = None


class AuditEntryAnswer(Answer):
    id: int
    at: AwareDatetime
    actor: str
    role: str
    action: str
    entity_type: str
    entity_id: str | None
    before: dict | None
    after: dict | None
    prev_hash: str
    hash: str


class AuditList(Answer):
    items: list[AuditEntryAnswer]
    total: int


class AuditQuery(Page):
    entity_type: str | None = Field(None, max_length=40)
    entity_id: str | None = Field(None, max_length=40)


# --- field: check-ins, acknowledgements, reports ------------------------------------------------

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


# --- live state and alerts -----------------------------------------------------------------------

AlertKind = Literal["missed_checkin", "left_post", "understaffed", "suspected_spoof",
                    "hazard_report"]
PostStatusWord = Literal["empty", "under", "full", "idle"]


class AlertAnswer(Answer):
    id: int
    kind: AlertKind
    post_id: int | None
    person_id: int | None
    shift_id: int | None
    checkin_id: int | None
    report_id: int | None
    message: str
    raised_at: AwareDatetime
    acked_at: AwareDatetime | None
    resolved_at: AwareDatetime | None


class AlertsQuery(Page):
    status: Literal["open", "resolved"] | None = None


class AlertsList(Answer):
    items: list[AlertAnswer]
    total: int


class SnapshotPost(Answer):
    id: int
    name: str
    kind: PostKind
    village: str | None
    lat: float
    lon: float
    radius_m: float
    required: int
    present: int
    status: PostStatusWord


class SnapshotStaff(Answer):
    person_id: int
    name: str
    post_id: int
    assignment_id: int
    lat: float | None
    lon: float | None
    on_duty: bool
    acknowledged: bool
    last_seen: AwareDatetime | None


class SnapshotAnswer(Answer):
    event: EventAnswer
    seq: int
    posts: list[SnapshotPost]
    staff: list[SnapshotStaff]
    alerts: list[AlertAnswer]


class ReplayQuery(Query):
    at: AwareDatetime


class CandidateAnswer(Answer):
    person_id: int
    name: str
    unit: str
    phone: str
    skills: list[str]
    has_skills: bool
    distance_m: float
    from_where: Literal["last_fix", "home"]


class CandidatesAnswer(Answer):
    items: list[CandidateAnswer]
    total: int


class CandidatesQuery(Query):
    limit: int = Field(5, ge=1, le=50)


class PostDetailAnswer(Answer):
    post: PostAnswer
    status: dict
    shifts: list[dict]
    checkins: list[dict]


class ReportsList(Answer):
    items: list[ReportAnswer]
    total: int
