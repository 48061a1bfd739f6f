"""AuditEntry (审计日志): append-only, each entry hashed over its content and the previous hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class AuditEntry(Base):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(40))
    # The unit the change belongs to (its record's, else the acting account's), so that an
    # account with a unit reads its own subtree's entries; None: the whole organisation's.
    unit_id: Mapped[int | None] = mapped_column(index=True)
    before: Mapped[dict | None]
    after: Mapped[dict | None]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The chain's one head row: its last hash, locked FOR UPDATE by each appending transaction
    (always the last lock a transaction takes) so that appends form one chain."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    entries: Mapped[int] = mapped_column(default=0)
