"""The live state of an event: alerts, the map's snapshot, candidates, a post's detail, reports."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from ...services.fields import Moment, PostKind
from .common import Answer, Page, Query
from .events import EventAnswer
from .field import ReportAnswer
from .posts import PostAnswer

AlertKind = Literal["missed_checkin", "left_post", "understaffed", "suspected_spoof",
                    "hazard_report", "call_unanswered", "roll_call_failed",
                    "relocation_overdue"]
PostStatusWord = Literal["empty", "under", "full", "idle"]


class AlertAnswer(Answer):
    id: int
    kind: AlertKind
    post_id: int | None
    person_id: int | None
    shift_id: int | None
    checkin_id: int | None
    report_id: int | None
    unit_id: int | None
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
    unit_id: int | None
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
