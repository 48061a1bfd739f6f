"""Post endpoints: the catalogue of places to guard, its search and its import."""

from __future__ import annotations

from flask import Blueprint, jsonify

from .. import clock, db
from ..models import COMMANDING_ROLES, WATCHING_ROLES
from ..presenters import post_json
from ..services import imports, organisation, posts
from ..services.fields import PostBody
from .endpoint import endpoint
from .organisation import responsible_json
from .schemas.common import ImportAnswer
from .schemas.posts import CataloguePost, PostPatch, PostsList, PostsQuery
from .uploads import uploaded_file

bp = Blueprint("posts", __name__, url_prefix="/api/v1/posts")
READERS = WATCHING_ROLES
EDITORS = COMMANDING_ROLES


def posts_json(session, items: list) -> list[dict]:
    """Posts as the catalogue answers them: each with its responsible persons (one query)."""
    responsibles: dict[int, list[dict]] = {post.id: [] for post in items}
    for responsible, person in organisation.responsibles_of(session, list(responsibles)):
        responsibles[responsible.post_id].append(responsible_json(responsible, person))
    return [{**post_json(post), "responsibles": responsibles[post.id]} for post in items]


@endpoint(bp, "", "POST", summary="Add a post to the catalogue", roles=EDITORS, body=PostBody,
          response=CataloguePost, status=201)
def create_post(principal, body: PostBody):
    session = db.session()
    post = posts.create_post(session, principal.actor, clock.now(), body.model_dump())
    return jsonify(posts_json(session, [post])[0]), 201


@endpoint(bp, "", "GET", summary="Search the post catalogue", roles=READERS, query=PostsQuery,
          response=PostsList)
def list_posts(principal, query: PostsQuery):
    session = db.session()
    items, total = posts.list_posts(session, **query.model_dump())
    return jsonify({"items": posts_json(session, items), "total": total})


@endpoint(bp, "/<int:post_id>", "GET", summary="One post", roles=READERS, response=CataloguePost)
def get_post(principal, post_id: int):
    session = db.session()
    return jsonify(posts_json(session, [posts.get_post(session, post_id)])[0])


@endpoint(bp, "/<int:post_id>", "PATCH", summary="Edit a post (only the fields sent)",
          roles=EDITORS, body=PostPatch, response=CataloguePost)
def update_post(principal, post_id: int, body: PostPatch):
    session = db.session()
    post = posts.get_post(session, post_id)
    posts.update_post(session, principal.actor, clock.now(), post,
                      body.model_dump(exclude_unset=True))
    return jsonify(posts_json(session, [post])[0])


@endpoint(bp, "/<int:post_id>/deactivate", "POST",
          summary="Deactivate a post: kept in the records, no new shifts", roles=EDITORS,
          response=CataloguePost)
def deactivate_post(principal, post_id: int):
    session = db.session()
    post = posts.get_post(session, post_id)
    posts.update_post(session, principal.actor, clock.now(), post, {"active": False},
                      action="deactivate")
    return jsonify(posts_json(session, [post])[0])


@endpoint(bp, "/import", "POST",
          summary="Import posts from CSV, XLSX or GeoJSON points (matched by name)",
          roles=EDITORS, response=ImportAnswer,
          multipart={"file": ".csv, .xlsx, .geojson or .json"})
def import_posts(principal):
    name, content = uploaded_file((".csv", ".xlsx", ".geojson", ".json"))
    session = db.session()
    result = imports.import_posts(session, principal.actor, clock.now(), name, content)
    return jsonify(result.as_dict())
