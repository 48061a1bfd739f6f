"""Relocation (人员转移): the households a village must move before a typhoon or a landslide,
what the field reports of each in a response, and the people who arrive at shelters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

RELOCATION_STATUSES = ("moved", "self_arranged", "refused", "not_home")
# The states in which a household has left: moved by the village (集中安置) or on its own
# (投亲靠友). Refused and not home are still to be moved (应转尽转).
LEFT_STATUSES = ("moved", "self_arranged")


class Household(Base):
    """A household that must be moved (转移户): its head, phone, people and how many of them are
    vulnerable (elderly living alone, disabled, sick, pregnant, children), where it lives and
    the shelter planned for it. One per phone within its village."""

    __tablename__ = "households"
    __table_args__ = (UniqueConstraint("unit_id", "phone", name="uq_households_unit_phone"),
                      # Everything the county's figures read of a household: they are a scan
                      # of this index alone.
                      Index("ix_households_unit_tally", "unit_id", "active", "people",
                            "vulnerable", "lat", "lon"))

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    head_name: Mapped[str] = mapped_column(String(80))
    phone: Mapped[str] = mapped_column(String(32))
    people: Mapped[int]
    vulnerable: Mapped[int] = mapped_column(default=0)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    shelter_post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class RelocationReport(Base):
    """One report of a household in a response, from a phone (queued offline, idempotent by
    `client_id`) or the command center. All are kept; the latest by `taken_at` is the state."""

    __tablename__ = "relocation_reports"
    __table_args__ = (Index("ix_relocation_reports_event_household", "event_id", "household_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reporter: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))
    people: Mapped[int]
    shelter_post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    note: Mapped[str | None] = mapped_column(Text)
    taken_at: Mapped[datetime]
    received_at: Mapped[datetime]


class HouseholdState(Base):
    """A household's state in a response: its latest report by `taken_at`, with the village,
    vulnerable count and whether the household is still listed beside it (kept in step by
    `households.restate`), so that the county's figures are one indexed read."""

    __tablename__ = "household_states"
    __table_args__ = (Index("ix_household_states_tally", "event_id", "active", "unit_id",
                            "status", "people", "vulnerable"),)

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    report_id: Mapped[int] = mapped_column(ForeignKey("relocation_reports.id"))
    status: Mapped[str] = mapped_column(String(16))
    people: Mapped[int]
    vulnerable: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
    shelter_post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))
    taken_at: Mapped[datetime]


class ShelterArrival(Base):
    """People arriving at a shelter (转移安置点), counted by its manager; matched to a household
    when named. `unit_id` is the household's village, else the shelter's."""

    __tablename__ = "shelter_arrivals"
    __table_args__ = (Index("ix_shelter_arrivals_event_shelter", "event_id", "shelter_post_id"),
                      Index("ix_shelter_arrivals_event_unit", "event_id", "unit_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    shelter_post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    client_id: Mapped[str] = mapped_column(String(36), unique=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reporter: Mapped[str] = mapped_column(String(200))
    people: Mapped[int]
    taken_at: Mapped[datetime]
    received_at: Mapped[datetime]

