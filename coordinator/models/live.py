"""Derived live state: each event's message sequence, its unpublished messages and each post's
current staffing status."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

POST_STATUSES = ("empty", "under", "full", "idle")


class EventSequence(Base):
    """The last `seq` given to a live message of an event (allocated in the changing transaction)."""

    __tablename__ = "event_sequences"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)


class EventUnitSequence(Base):
    """The last `seq` given to a live message of an event about a unit's subtree: what an
    account of that unit receives, numbered without gaps for it."""

    __tablename__ = "event_unit_sequences"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)


class LiveMessageRow(Base):
    """A committed live message not yet published (PostgreSQL, where several processes publish)."""

    __tablename__ = "live_messages"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    body: Mapped[dict]
    person_ids: Mapped[list]
    # {unit id: seq} for the units whose accounts receive it too, each with its own seq.
    unit_seqs: Mapped[dict | None]


class PostStatus(Base):
    """A post's staffing now within an event, kept so that a change can be told and broadcast."""

    __tablename__ = "post_statuses"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    required: Mapped[int] = mapped_column(default=0)
    present: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(8), default="idle")
    updated_at: Mapped[datetime]


class StoredDutyState(Base):
    """An assignment's duty as the on-duty rule folds it from its fixes (services/duty_rule),
    kept up to date in the transaction of each fix or review that changes it, so that the map,
    the sweeper and the records read it instead of the night's history."""

    __tablename__ = "duty_states"

    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), primary_key=True)
    on_duty: Mapped[bool] = mapped_column(default=False)
    ever_on_duty: Mapped[bool] = mapped_column(default=False)
    outside_run: Mapped[int] = mapped_column(default=0)
    checked_out: Mapped[bool] = mapped_column(default=False)
    # The last fix followed (not rejected): which, when taken, and where.
    last_checkin_id: Mapped[int | None]
    last_taken_at: Mapped[datetime | None]
    last_lat: Mapped[float | None]
    last_lon: Mapped[float | None]
    # The last fix inside the fence.
    last_on_duty_checkin_id: Mapped[int | None]
    last_on_duty_at: Mapped[datetime | None]
    last_on_duty_lat: Mapped[float | None]
    last_on_duty_lon: Mapped[float | None]
    first_on_duty_at: Mapped[datetime | None]
    span_start: Mapped[datetime | None]
    # The closed stretches on duty, [[start, end], ...] as ISO 8601 UTC times.
    spans: Mapped[list] = mapped_column(default=list)
    checked_out_at: Mapped[datetime | None]
    rejected: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime]
