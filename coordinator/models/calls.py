"""Call (叫应): a demand that listed people answer by a deadline, each target's answer, and the
escalations of those who did not answer (and of alerts left unacknowledged)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

CALL_KINDS = ("call", "roll_call")


class Call(Base):
    __tablename__ = "calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text)
    # The caller's unit (None: the whole organisation), for the scope of who may read the call.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    warning_id: Mapped[int | None] = mapped_column(ForeignKey("warnings.id"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    deadline_at: Mapped[datetime] = mapped_column(index=True)
    # Set when the deadline has been dealt with (alerts raised, leaders told): once only.
    closed_at: Mapped[datetime | None]
    # The whole call's figures, bumped under the call's row lock by each first answer, so that
    # the live counts are exact whatever the order in which answers commit.
    targets: Mapped[int] = mapped_column(default=0)
    answered: Mapped[int] = mapped_column(default=0)
    late: Mapped[int] = mapped_column(default=0)


class CallTarget(Base):
    """One person a call must reach, and their answer (the first one; later ones replay it)."""

    __tablename__ = "call_targets"
    __table_args__ = (UniqueConstraint("call_id", "person_id", name="uq_call_targets_call_person"),
                      Index("ix_call_targets_person_open", "person_id", "answered_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    notified_at: Mapped[datetime]
    client_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    request_hash: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None]  # when the phone says it answered (taken_at)
    received_at: Mapped[datetime | None]
    late: Mapped[bool | None]
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    accuracy_m: Mapped[float | None]
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    within_fence: Mapped[bool | None]
    distance_m: Mapped[float | None]
    escalated_at: Mapped[datetime | None]


class Escalation(Base):
    """A call's unanswered targets, or an unacknowledged alert, taken to one unit's leaders:
    once per call and unit, once per alert and level."""

    __tablename__ = "escalations"
    __table_args__ = (UniqueConstraint("call_id", "unit_id", name="uq_escalations_call_unit"),
                      UniqueConstraint("alert_id", "level", name="uq_escalations_alert_level"))

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), index=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    level: Mapped[int]  # 1: the unit of whoever did not answer (or of the alert), 2: its parent
    leaders: Mapped[int]
    created_at: Mapped[datetime]
