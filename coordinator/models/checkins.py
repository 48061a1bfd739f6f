"""CheckIn (签到): a fix sent from a phone — check in, presence confirmation or check out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

CHECKIN_KINDS = ("check_in", "presence", "check_out")
CHECKIN_FLAGS = ("late", "outside_fence", "low_accuracy", "offline", "suspected_spoof", "clock_skew")
REVIEW_VERDICTS = ("confirmed", "rejected")


class CheckIn(Base):
    __tablename__ = "checkins"
    __table_args__ = (
        Index("ix_checkins_person_taken", "person_id", "taken_at"),
        # finds another person's identical fix (a spoof signal) without scanning the table
        Index("ix_checkins_lat_lon", "lat", "lon"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    lat: Mapped[float]
    lon: Mapped[float]
    accuracy_m: Mapped[float]
    taken_at: Mapped[datetime]
    received_at: Mapped[datetime]
    distance_m: Mapped[float]
    within_fence: Mapped[bool]
    flags: Mapped[list] = mapped_column(default=list)
    spoof_reasons: Mapped[list] = mapped_column(default=list)
    note: Mapped[str | None] = mapped_column(Text)
    review_verdict: Mapped[str | None] = mapped_column(String(10))
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
