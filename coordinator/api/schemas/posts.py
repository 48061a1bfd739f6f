"""Posts: the changes to a post, the post as answered, lists of posts."""

from __future__ import annotations

from pydantic import AwareDatetime, ConfigDict, Field, field_validator

from ...services.fields import Body, Id, Latitude, Longitude, PostKind, ShortText, Text
from .common import Answer, Page, documented_not_null, refuse_null
from .organisation import ResponsibleAnswer

POST_NOT_NULL = ("name", "kind", "lat", "lon", "radius_m", "active")


class PostPatch(Body):
    model_config = ConfigDict(json_schema_extra=documented_not_null(*POST_NOT_NULL))

    name: Text | None = None
    kind: PostKind | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    radius_m: float | None = Field(None, gt=0, le=10_000)
    village: ShortText | None = None
    risk: int | None = Field(None, ge=1, le=4)
    unit_id: Id | None = None
    capacity: int | None = Field(None, ge=0, le=1_000_000,
                                 description="a shelter's places (容纳人数)")
    active: bool | None = None

    _not_null = field_validator(*POST_NOT_NULL, mode="before")(refuse_null)


class PostAnswer(Answer):
    id: int
    name: str
    kind: PostKind
    lat: float
    lon: float
    radius_m: float
    village: str | None
    risk: int | None
    unit_id: int | None
    capacity: int | None
    active: bool
    created_at: AwareDatetime
    updated_at: AwareDatetime


class PostsQuery(Page):
    q: str | None = Field(None, max_length=80, description="name or village contains")
    kind: PostKind | None = None
    village: str | None = Field(None, max_length=80)
    active: bool | None = None


class CataloguePost(PostAnswer):
    """A post as the catalogue answers it: with its responsible persons."""

    responsibles: list[ResponsibleAnswer]


class PostsList(Answer):
    items: list[CataloguePost]
    total: int
