"""Notification (通知): one message to one person on one channel, in the outbox until sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

NOTIFICATION_STATUSES = ("pending", "sending", "sent", "failed")
NOTIFICATION_CAUSES = ("call", "escalation", "assignment", "alert")
# "app": the person's own channel on the phone page (Socket.IO), told with the commit itself.
NOTIFICATION_CHANNELS = ("app", "sms", "wecom", "dingtalk", "mail")


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    # The recipient as written (a person's phone may change later; what was sent must not).
    name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    cause: Mapped[str] = mapped_column(String(12))
    call_id: Mapped[int | None] = mapped_column(ForeignKey("calls.id"), index=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"))
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    status: Mapped[str] = mapped_column(String(8))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
