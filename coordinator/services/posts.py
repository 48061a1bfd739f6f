"""The post catalogue: create, edit, deactivate and search posts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..models import Post
from . import audit, catalogue, duty_state, organisation
from .paging import page

EDITABLE = ("name", "kind", "lat", "lon", "radius_m", "village", "risk", "unit_id", "capacity",
            "active")


def get_post(db: Session, post_id: int) -> Post:
    return catalogue.get_or_404(db, Post, post_id)


def _ensure_name_free(db: Session, name: str, post_id: int | None = None) -> None:
    catalogue.ensure_unique(db, Post.name, name, "A post named {value} already exists (post {owner}).",
                          post_id)


def create_post(db: Session, actor: audit.Actor, at: datetime, fields: dict) -> Post:
    """Add a post to the catalogue (in the unit named, else the caller's); post names are
    unique."""
    _ensure_name_free(db, fields["name"])
    unit_id = organisation.unit_of_record(db, fields.get("unit_id"),
                                          given=fields.get("unit_id") is not None)
    post = Post(**{k: fields.get(k) for k in EDITABLE if k not in ("active", "unit_id")},
                unit_id=unit_id, active=True, created_at=at, updated_at=at)
    db.add(post)
    audit.record(db, actor, "create", post, at=at)
    return post


def update_post(db: Session, actor: audit.Actor, at: datetime, post: Post, changes: dict,
                action: str = "update") -> bool:
    """Apply changed fields; writes an audit entry only when something really changed. A new
    fence radius changes how the post's fixes read, so their duty states are folded again."""
    if "name" in changes:
        _ensure_name_free(db, changes["name"], post.id)
    if "unit_id" in changes:
        organisation.unit_of_record(db, changes["unit_id"])
    radius_m = post.radius_m
    changed = catalogue.update_fields(db, actor, at, post, changes, EDITABLE, action)
    if post.radius_m != radius_m:
        db.flush()
        duty_state.recompute(db, duty_state.assignments_at_post(db, post.id), at)
    return changed


def list_posts(db: Session, *, q=None, kind=None, village=None, active=None, limit=50, offset=0):
    """A page of posts matching the filters, and how many match in all."""
    query = select(Post)
    if q:
        pattern = f"%{q}%"
        query = query.where(or_(Post.name.like(pattern), Post.village.like(pattern)))
    if kind:
        query = query.where(Post.kind == kind)
    if village:
        query = query.where(Post.village == village)
    if active is not None:
        query = query.where(Post.active.is_(active))
    return page(db, query, Post.id, limit, offset)
