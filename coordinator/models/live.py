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


class LiveMessageRow(Base):
    """A committed live message not yet published (PostgreSQL, where several processes publish)."""

    __tablename__ = "live_messages"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    body: Mapped[dict]
    person_ids: Mapped[list]


class PostStatus(Base):
    """A post's staffing now within an event, kept so that a change can be told and broadcast."""

    __tablename__ = "post_statuses"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    required: Mapped[int] = mapped_column(default=0)
    present: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(8), default="idle")
    updated_at: Mapped[datetime]
