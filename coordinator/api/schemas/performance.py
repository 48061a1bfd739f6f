"""Performance: the scores of people and units over an event, a summary, a person's history."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from ...services.fields import PersonKind
from .common import Answer, Page
from .events import EventAnswer
from .people import PersonRef


class ScoreParts(Answer):
    base: float
    absent: float
    late: float
    left_early: float
    spot_check_absences: float
    rejected_checkins: float
    commendations: float
    criticisms: float
    calls_unanswered: float
    calls_late: float
    roll_calls_failed: float
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
    call_unanswered: float
    call_late: float
    roll_call_failed: float
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
    calls: int = Field(description="calls (叫应) and roll calls that reached the person")
    calls_answered: int
    calls_late: int = Field(description="calls answered after their deadline")
    calls_unanswered: int = Field(description="closed calls never answered")
    roll_calls_failed: int = Field(description="roll calls not answered in time inside the fence")
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
    calls: int = Field(description="calls (叫应) and roll calls that reached the person")
    calls_answered: int
    calls_late: int = Field(description="calls answered after their deadline")
    calls_unanswered: int = Field(description="closed calls never answered")
    roll_calls_failed: int = Field(description="roll calls not answered in time inside the fence")
    attendance_rate: float | None
    punctuality_rate: float | None
    average_score: float | None


class UnitTotals(Totals):
    unit: str


class UnitPerformanceList(Answer):
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
