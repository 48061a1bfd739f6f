"""SpotCheck (督查/明察暗访) by inspectors and Commendation (表扬/通报批评) by commanders."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

COMMENDATION_KINDS = ("commend", "criticize")


class SpotCheck(Base):
    __tablename__ = "spot_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    inspector_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    visited_at: Mapped[datetime]
    unannounced: Mapped[bool] = mapped_column(default=False)
    present_person_ids: Mapped[list] = mapped_column(default=list)
    absent_person_ids: Mapped[list] = mapped_column(default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    photo: Mapped[bytes | None] = mapped_column(LargeBinary)
    photo_type: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime]


class Commendation(Base):
    __tablename__ = "commendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
