"""Post (点位): a place to guard, a point with a geofence radius."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base

POST_KINDS = (
    "reservoir",
    "pond",
    "landslide",
    "low_road",
    "dangerous_house",
    "shelter",
    "bridge",
    "embankment",
    "other",
)


class Post(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    lat: Mapped[float]
    lon: Mapped[float]
    radius_m: Mapped[float]
    village: Mapped[str | None] = mapped_column(String(80), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    risk: Mapped[int | None]
    capacity: Mapped[int | None]  # a shelter's places (容纳人数)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
