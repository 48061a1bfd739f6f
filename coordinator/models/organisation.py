"""The command chain (防汛组织体系): units county → town → village, their leaders (指挥长,
副指挥长, 带班领导) and each post's responsible persons (防汛责任人)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

UNIT_KINDS = ("county", "town", "village")
# The kind of unit each kind sits under: a county has no parent.
PARENT_KIND = {"county": None, "town": "county", "village": "town"}
LEADER_ROLES = ("chief", "deputy", "duty")
RESPONSIBLE_ROLES = ("administrative", "technical", "patrol", "contact")


class Unit(Base):
    """A county, town or village; `path` is the names from the top, joined by "/"."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_units_parent_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(10))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(400), unique=True)
    created_at: Mapped[datetime]


class UnitLeader(Base):
    """A person leading a unit in flood response: chief, deputy or the leader on duty."""

    __tablename__ = "unit_leaders"
    __table_args__ = (UniqueConstraint("unit_id", "person_id", "role",
                                       name="uq_unit_leaders_unit_person_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class PostResponsible(Base):
    """A person named responsible for a post (a reservoir's 三个责任人, or its contact)."""

    __tablename__ = "post_responsibles"
    __table_args__ = (UniqueConstraint("post_id", "person_id", "role",
                                       name="uq_post_responsibles_post_person_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
