"""Call-and-answer (叫应), roll calls, the notification outbox and warnings in (预警)."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AwareDatetime, Field

from ...services.fields import Body, Id, Latitude, Longitude, LongText, Moment, ShortText
from .common import Answer, Page, Query

CallKind = Literal["call", "roll_call"]
Severity = Literal["blue", "yellow", "orange", "red"]
NotificationStatus = Literal["pending", "sending", "sent", "failed"]
Channel = Literal["app", "sms", "wecom", "dingtalk", "mail"]
Ids = list[Id]


class CallTargets(Body):
    person_ids: Ids = Field(default_factory=list, max_length=10_000)
    unit_ids: Ids = Field(default_factory=list, max_length=1_000)
    post_ids: Ids = Field(default_factory=list, max_length=5_000)
    responsibles: bool = Field(False, description="the responsible persons of the posts named, "
                                                  "or of the units' posts, or of every post")
    on_duty: bool = Field(False, description="the people on a running shift of the event")
    sample: int | None = Field(None, ge=1, le=100_000,
                               description="keep a uniform random N of the people found")


class CallBody(Body):
    event_id: Id | None = None
    kind: CallKind = "call"
    message: LongText = Field(min_length=1)
    targets: CallTargets
    deadline_minutes: float | None = Field(None, ge=1, le=120,
                                           description="5 unless given (the rule for 叫应)")


class CallAnswer(Answer):
    id: int
    event_id: int | None
    kind: CallKind
    message: str
    created_at: AwareDatetime
    deadline_at: AwareDatetime
    closed_at: AwareDatetime | None
    warning_id: int | None
    targets: int
    answered: int
    late: int
    overdue: int


class ChannelState(Answer):
    channel: Channel
    status: NotificationStatus


class CallPerson(Answer):
    person_id: int
    name: str
    phone: str
    notified_at: AwareDatetime
    channels: list[ChannelState]
    answered_at: AwareDatetime | None
    late: bool | None
    within_fence: bool | None
    distance_m: float | None
    escalated_at: AwareDatetime | None


class CallDetail(CallAnswer):
    people: list[CallPerson]


class CallsList(Answer):
    items: list[CallDetail]
    total: int


class CallsQuery(Page):
    event_id: Id | None = None
    status: Literal["open", "closed"] | None = None


class CallAnswerBody(Body):
    client_id: UUID = Field(description="made by the phone; the same id again replays the answer")
    lat: Latitude | None = None
    lon: Longitude | None = None
    accuracy_m: float | None = Field(None, ge=0, le=100_000)
    taken_at: Moment | None = Field(None, description="when the person answered (offline: "
                                                      "the phone's time, not the upload's)")


class CallAnswerAnswer(Answer):
    call_id: int
    person_id: int
    answered_at: AwareDatetime
    late: bool
    within_fence: bool | None
    distance_m: float | None


class MyCall(Answer):
    id: int
    event_id: int | None
    kind: CallKind
    message: str
    created_at: AwareDatetime
    deadline_at: AwareDatetime


class MyCalls(Answer):
    items: list[MyCall]
    total: int


class NotificationAnswer(Answer):
    id: int
    channel: Channel
    person_id: int | None
    name: str
    phone: str
    text: str
    cause: Literal["call", "escalation", "assignment", "alert"]
    call_id: int | None
    alert_id: int | None
    assignment_id: int | None
    event_id: int | None
    status: NotificationStatus
    attempts: int
    last_error: str | None
    created_at: AwareDatetime
    next_attempt_at: AwareDatetime
    sent_at: AwareDatetime | None


class NotificationsList(Answer):
    items: list[NotificationAnswer]
    total: int


class NotificationsQuery(Page):
    status: NotificationStatus | None = None
    event_id: Id | None = None
    call_id: Id | None = None


class WarningBody(Body):
    headline: LongText = Field(min_length=1)
    event: ShortText
    severity: Severity
    onset: Moment | None = None
    expires: Moment | None = None
    unit_ids: Ids = Field(default_factory=list, max_length=1_000)
    polygon: list[tuple[Latitude, Longitude]] | None = Field(None, min_length=4, max_length=5_000)


class WarningAnswer(Answer):
    id: int
    headline: str
    event: str
    severity: Severity
    proposed_level: int = Field(ge=1, le=4)
    onset: AwareDatetime | None
    expires: AwareDatetime | None
    status: Literal["active", "cancelled"]
    msg_type: Literal["Alert", "Update", "Cancel"] | None = None
    unit_ids: list[int]
    post_ids: list[int]
    received_at: AwareDatetime
    updated_at: AwareDatetime


class WarningsList(Answer):
    items: list[WarningAnswer]
    total: int


class WarningCallBody(Body):
    event_id: Id | None = None
    deadline_minutes: float | None = Field(None, ge=1, le=120)
    message: LongText | None = None


class WarningsQuery(Query):
    status: Literal["active", "cancelled"] | None = None
