"""Warning (预警): an official warning taken in, its proposed level and the area it covers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

WARNING_SEVERITIES = ("blue", "yellow", "orange", "red")


class Warning(Base):  # noqa: A001 - the domain's word (预警), not Python's builtin warning class
    __tablename__ = "warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # CAP's identity: sender + identifier (None for JSON warnings); Update/Cancel reference it.
    sender: Mapped[str | None] = mapped_column(String(200))
    identifier: Mapped[str | None] = mapped_column(String(200), index=True)
    headline: Mapped[str] = mapped_column(Text)
    event: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(8))
    proposed_level: Mapped[int]
    onset: Mapped[datetime | None]
    expires: Mapped[datetime | None]
    unit_ids: Mapped[list] = mapped_column(default=list)
    post_ids: Mapped[list] = mapped_column(default=list)
    polygons: Mapped[list] = mapped_column(default=list)
    # Every CAP message applied to it ([sender, identifier] pairs): the first Alert, then each
    # Update or Cancel, so that a later one may reference any of them and none is applied twice.
    identities: Mapped[list] = mapped_column(default=list)
    # The caller's unit, for scope; Update/Cancel by CAP change the row they reference.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))  # active | cancelled
    updates: Mapped[int] = mapped_column(default=0)
    document: Mapped[str | None] = mapped_column(Text)  # the CAP document as received
    received_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
