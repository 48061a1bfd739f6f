"""Alert (告警) raised for the command center, and FieldReport (险情上报) from the field."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

ALERT_KINDS = ("missed_checkin", "left_post", "understaffed", "suspected_spoof", "hazard_report",
               "call_unanswered", "roll_call_failed", "relocation_overdue")
REPORT_CATEGORIES = ("flooding", "landslide", "dam_risk", "road_blocked", "people_trapped", "other")


class Alert(Base):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    # One open alert per condition: the sweeper raises an alert once, not on every tick.
    condition_key: Mapped[str] = mapped_column(String(120), unique=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shifts.id"))
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("field_reports.id"))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"))
    # The unit an alert is about when it is about neither a post nor a person (a village's
    # households still to be moved).
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    message: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    acked_at: Mapped[datetime | None]
    acked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class FieldReport(Base):
    __tablename__ = "field_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    lat: Mapped[float]
    lon: Mapped[float]
    category: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    photo_type: Mapped[str | None] = mapped_column(String(20))
    received_at: Mapped[datetime]
