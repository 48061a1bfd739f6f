"""Post endpoints: the catalogue of places to guard, its search and its import."""

from __future__ import annotations

from flask import Blueprint, jsonify

from .. import clock, db
from ..models import COMMANDING_ROLES, WATCHING_ROLES
from ..presenters import post_json
from ..services import imports, posts
from ..services.fields import PostBody
from .endpoint import endpoint
from .schemas.common import ImportAnswer
from .schemas.posts import PostAnswer, PostPatch, PostsList, PostsQuery
from .uploads import uploaded_file

bp = Blueprint("posts", __name__, url_prefix="/api/v1/posts")
READERS = WATCHING_ROLES
EDITORS = COMMANDING_ROLES


@endpoint(bp, "", "POST", summary="Add a post to the catalogue", roles=EDITORS, body=PostBody,
          response=PostAnswer, status=201)
def create_post(principal, body: PostBody):
    session = db.session()
    post = posts.create_post(session, principal.actor, clock.now(), body.model_dump())
    return jsonify(post_json(post)), 201


@endpoint(bp, "", "GET", summary="Search the post catalogue", roles=READERS, query=PostsQuery,
          response=PostsList)
def list_posts(principal, query: PostsQuery):
    items, total = posts.list_posts(db.session(), **query.model_dump())
    return jsonify({"items": [post_json(p) for p in items], "total": total})


@endpoint(bp, "/<int:post_id>", "GET", summary="One post", roles=READERS, response=PostAnswer)
def get_post(principal, post_id: int):
    return jsonify(post_json(posts.get_post(db.session(), post_id)))


@endpoint(bp, "/<int:post_id>", "PATCH", summary="Edit a post (only the fields sent)",
          roles=EDITORS, body=PostPatch, response=PostAnswer)
def update_post(principal, post_id: int, body: PostPatch):
    session = db.session()
    post = posts.get_post(session, post_id)
    posts.update_post(session, principal.actor, clock.now(), post,
                      body.model_dump(exclude_unset=True))
    return jsonify(post_json(post))


@endpoint(bp, "/<int:post_id>/deactivate", "POST",
          summary="Deactivate a post: kept in the records, no new shifts", roles=EDITORS,
          response=PostAnswer)
def deactivate_post(principal, post_id: int):
    session = db.session()
    post = posts.get_post(session, post_id)
    posts.update_post(session, principal.actor, clock.now(), post, {"active": False},
                      action="deactivate")
    return jsonify(post_json(post))


@endpoint(bp, "/import", "POST",
          summary="Import posts from CSV, XLSX or GeoJSON points (matched by name)",
          roles=EDITORS, response=ImportAnswer,
          multipart={"file": ".csv, .xlsx, .geojson or .json"})
def import_posts(principal):
    name, content = uploaded_file((".csv", ".xlsx", ".geojson", ".json"))
    session = db.session()
    result = imports.import_posts(session, principal.actor, clock.now(), name, content)
    return jsonify(result.as_dict())
