"""Accounts that sign in (admin, commander, inspector, staff), staff links and failed logins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

ROLES = ("admin", "commander", "inspector", "staff")
# Everyone but field staff may watch a response; admins and commanders may change it.
WATCHING_ROLES = ("admin", "commander", "inspector")
COMMANDING_ROLES = ("admin", "commander")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    display_name: Mapped[str | None] = mapped_column(String(80))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # None: the whole organisation; else this unit's subtree only.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class StaffLink(Base):
    """A one-time sign-in link sent to a field worker's phone."""

    __tablename__ = "staff_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    # One person, one phone: the first phone that opens the link keeps a device key (cookie).
    device_key_hash: Mapped[str | None] = mapped_column(String(64))
    bound_at: Mapped[datetime | None]


class LinkRefusal(Base):
    """A staff link opened on a phone other than the one it is bound to (possible 代签到)."""

    __tablename__ = "link_refusals"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_link_id: Mapped[int] = mapped_column(ForeignKey("staff_links.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    at: Mapped[datetime]
    address: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str] = mapped_column(String(300))


class LoginFailure(Base):
    """One failed password attempt, kept to throttle guessing per account and per address."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_username_at", "username", "at"),
        Index("ix_login_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
