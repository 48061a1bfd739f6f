"""The assignment engine, its proposals, open shifts and the duty roster."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from ...services.fields import Body, Day, Id, Moment, PersonKind, PostKind
from .common import Answer, Query

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
