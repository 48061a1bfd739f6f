"""Event (应急响应), its Shifts (班次) at posts, and Assignments (派驻) of people to shifts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

EVENT_KINDS = ("rainstorm", "typhoon", "flood", "landslide", "other")
ASSIGNMENT_SOURCES = ("manual", "auto")


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    level: Mapped[int]
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    starts_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Shift(Base):
    __tablename__ = "shifts"
    __table_args__ = (Index("ix_shifts_event_starts", "event_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    required: Mapped[int]
    skills: Mapped[list] = mapped_column(default=list)
    created_at: Mapped[datetime]


class Assignment(Base):
    """A person on a shift; removal keeps the row (check-ins and records point at it)."""

    __tablename__ = "assignments"
    __table_args__ = (
        Index(
            "uq_assignments_active_shift_person",
            "shift_id",
            "person_id",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shifts.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    source: Mapped[str] = mapped_column(String(10), default="manual")
    distance_m: Mapped[float | None]
    acknowledged_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]
