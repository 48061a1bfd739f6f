"""Request and response schemas: they validate requests and produce the OpenAPI document."""

from __future__ import annotations

from datetime import UTC, datetime
from datetime import date as date_type
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

from ..models import MAX_ID

# Lengths match the columns they are stored in (a longer value is a 422, never a database error).
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Phone = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9\- ]{4,30}$")
]
Skill = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def _storable(moment: datetime) -> datetime:
    """Refuse moments so far off that storing or showing them (in UTC, at +08:00) overflows."""
    if not EARLIEST <= moment <= LATEST:
        raise ValueError("must be between the years 1900 and 9000")
    return moment


def _storable_day(day: date_type) -> date_type:
    """The same bounds for a calendar day (a day at the ends of the calendar overflows once a
    day is added to it, or it is turned into UTC)."""
    if not EARLIEST.date() <= day < LATEST.date():
        raise ValueError("must be between the years 1900 and 9000")
    return day


def nul_field(value) -> str | None:
    """The path of the first string holding a NUL character (PostgreSQL cannot store one).
    Walked with a list, not recursion: a body may nest as deep as the JSON parser allows."""
    stack = [(value, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return path or "body"
            continue
        if isinstance(value, dict):
            items = list(value.items())
        elif isinstance(value, list):
            items = list(enumerate(value))
        else:
            continue
        stack.extend((item, f"{path}.{key}" if path else str(key)) for key, item in reversed(items))
    return None


Moment = Annotated[AwareDatetime, AfterValidator(_storable)]
Day = Annotated[date_type, AfterValidator(_storable_day)]
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
    name: ShortText
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

    name: ShortText | None = None
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
    village: ShortText | None = None
    risk: int | None = Field(None, ge=1, le=4)


class PostPatch(Body):
    model_config = ConfigDict(json_schema_extra=_documented_not_null(*POST_NOT_NULL))

    name: Text | None = None
    kind: PostKind | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    radius_m: float | None = Field(None, gt=0, le=10_000)
    village: ShortText | None = None
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
    at: Moment


class CandidateAnswer(Answer):
    person_id: int
    name: str
    unit: str
    phone: str
    skills: list[str]
    has_skills: bool
    distance_m: float
    from_where: Literal["last_fix", "home"]
    from_lat: float | None = None
    from_lon: float | None = None
    cost_m: float = Field(description="the assignment engine's cost: distance plus preferences")
    why: list[str] = Field(description="nearest, least_total, own_village, skills")
    reason: str = Field(description="why, in words")


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


class ListedReport(ReportAnswer):
    person_name: str


class ReportsList(Answer):
    items: list[ListedReport]
    total: int


# --- the assignment engine, its proposals and the duty roster ---------------------------------

UnfilledReason = Literal["shift_ended", "shift_exceeds_max_duty", "no_one_with_skills",
                         "everyone_busy_or_resting", "no_one_within_reach", "not_enough_people"]
WhyCode = Literal["nearest", "least_total", "own_village", "skills"]


class AssignBody(Body):
    shift_ids: list[Id] | None = Field(
        None, max_length=10_000, description="the shifts to fill; all open shifts when absent")


class AssignedItem(Answer):
    id: int
    shift_id: int
    person_id: int
    distance_m: float | None


class UnfilledItem(Answer):
    shift_id: int
    missing: int
    reason: UnfilledReason


class AssignAnswer(Answer):
    assignments: list[AssignedItem]
    unfilled: list[UnfilledItem]
    total_distance_m: float


class ProposedItem(Answer):
    id: None = Field(None, description="a proposal is not saved: no id yet")
    shift_id: int
    person_id: int
    distance_m: float
    cost_m: float
    person_name: str
    person_unit: str
    person_phone: str
    person_kind: PersonKind
    from_where: Literal["last_fix", "home"]
    from_lat: float
    from_lon: float
    hours_before: float
    post_id: int
    post_name: str
    post_village: str | None
    post_lat: float
    post_lon: float
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    why: list[WhyCode]
    reason: str


class ProposedShortfall(UnfilledItem):
    post_name: str
    reason_text: str


class ProposalAnswer(Answer):
    assignments: list[ProposedItem]
    unfilled: list[ProposedShortfall]
    total_distance_m: float


class ConfirmRow(Body):
    shift_id: Id
    person_id: Id
    swapped: bool = Field(False, description="the commander put this person in (source manual)")


class ConfirmBody(Body):
    rows: list[ConfirmRow] = Field(min_length=1, max_length=10_000)


class OpenShiftsQuery(Query):
    starts_from: Moment | None = None
    starts_until: Moment | None = None
    village: str | None = Field(None, max_length=80)
    kind: PostKind | None = None


class OpenShiftAnswer(Answer):
    id: int
    post_id: int
    post_name: str
    post_kind: PostKind
    village: str | None
    lat: float
    lon: float
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    required: int
    assigned: int
    open: int
    skills: list[str]


class OpenShiftsList(Answer):
    items: list[OpenShiftAnswer]
    total: int


class RosterQuery(Query):
    date: Day
    leader: str | None = Field(None, max_length=40, description="带班领导, printed when given")
    leader_phone: str | None = Field(None, max_length=32)


# --- records: supervision, commendations, performance, exports ----------------------------------

CommendationKind = Literal["commend", "criticize"]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
ExportLang = Literal["zh_CN", "en"]


class SpotCheckBody(Body):
    post_id: Id
    event_id: Id
    visited_at: Moment
    present_person_ids: list[Id] = Field(max_length=500,
                                         description="the assigned people found at the post")
    note: LongText = ""
    unannounced: bool = Field(False, description="an unannounced visit (暗访) rather than open")
    photo: str | None = Field(None, description="base64 JPEG or PNG, at most 5 MB decoded")


class PersonRef(Answer):
    person_id: int
    name: str
    unit: str


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


class ScoreParts(Answer):
    base: float
    absent: float
    late: float
    left_early: float
    spot_check_absences: float
    rejected_checkins: float
    commendations: float
    criticisms: float
    on_duty_hours: float


class ScoreWeights(Answer):
    base: float
    absent: float
    late: float
    left_early: float
    spot_check_absence: float
    rejected_checkin: float
    commendation: float
    criticism: float
    per_hour: float
    hours_cap: float
    late_grace_minutes: float


class PerformanceItem(Answer):
    person_id: int
    name: str
    unit: str
    phone: str
    kind: PersonKind
    shifts: int
    attended: int
    late: int
    left_early: int
    absent: int
    pending: int = Field(description="shifts still running that the person has not reached")
    on_duty_hours: float
    spot_check_absences: int
    rejected_checkins: int = Field(description="check-ins a reviewer rejected (spoof confirmed)")
    commendations: int
    criticisms: int
    score: float
    score_parts: ScoreParts


class PerformanceQuery(Page):
    unit: str | None = Field(None, max_length=120)
    q: str | None = Field(None, max_length=80, description="name, phone or unit contains")


class PerformanceList(Answer):
    items: list[PerformanceItem]
    total: int
    weights: ScoreWeights
    as_of: AwareDatetime


class Totals(Answer):
    people: int
    shifts: int
    attended: int
    late: int
    left_early: int
    absent: int
    pending: int
    on_duty_hours: float
    spot_check_absences: int
    rejected_checkins: int
    commendations: int
    criticisms: int
    attendance_rate: float | None
    punctuality_rate: float | None
    average_score: float | None


class UnitTotals(Totals):
    unit: str


class UnitsList(Answer):
    items: list[UnitTotals]
    total: int
    weights: ScoreWeights
    as_of: AwareDatetime


class TimelinePoint(Answer):
    at: AwareDatetime
    on_duty: int


class OpenAbsence(PersonRef):
    assignment_id: int
    shift_id: int
    post_id: int
    post_name: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: Literal["not_arrived", "left"]


class Commended(PersonRef):
    commendations: int
    criticisms: int
    score: float


class PerformanceSummary(Answer):
    event: EventAnswer
    as_of: AwareDatetime
    totals: Totals
    on_duty_now: int = Field(description="people on duty on a running shift now")
    weights: ScoreWeights
    timeline: list[TimelinePoint]
    top_commended: list[Commended]
    open_absences: list[OpenAbsence]


class PersonHistoryItem(PerformanceItem):
    event_id: int
    event_name: str
    event_starts_at: AwareDatetime


class PersonHistory(Answer):
    items: list[PersonHistoryItem]
    total: int
    weights: ScoreWeights


class ExportQuery(Query):
    lang: ExportLang = Field("zh_CN", description="the headers' language")


class CsvExportQuery(ExportQuery):
    table: Literal["people", "units", "checkins", "alerts", "spot_checks", "commendations"] = "people"


class SeasonExportQuery(ExportQuery):
    event_ids: str | None = Field(None, pattern=r"^[0-9]{1,10}(,[0-9]{1,10}){0,99}$",
                                  description="comma-separated event ids, e.g. 1,2,3")
    since: Day | None = Field(None, description="events starting on or after (Beijing)")
    until: Day | None = Field(None, description="events starting on or before (Beijing)")
