"""Administration pages: the roster, the post catalogue, responses and their shifts."""

from __future__ import annotations

from flask import Blueprint, render_template

from .. import db
from ..services import events
from .pages import page_for

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/people")
@page_for("admin", "commander", "inspector")
def people(principal):
    return render_template("admin/people.html", principal=principal)


@bp.get("/posts")
@page_for("admin", "commander", "inspector")
def posts(principal):
    return render_template("admin/posts.html", principal=principal)


@bp.get("/events")
@page_for("admin", "commander", "inspector")
def events_page(principal):
    return render_template("admin/events.html", principal=principal)


@bp.get("/events/<int:event_id>")
@page_for("admin", "commander", "inspector")
def event(principal, event_id: int):
    event = events.get_event(db.session(), event_id)
    return render_template("admin/event.html", principal=principal, event=event)
