"""Event endpoints: open and close responses, and their shifts at posts."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import select

from .. import clock, db
from ..models import COMMANDING_ROLES, WATCHING_ROLES, Post
from ..presenters import event_json, shift_json
from ..services import events, overview
from .endpoint import endpoint
from .schemas.events import (
    EventAnswer,
    EventBody,
    EventsList,
    EventsQuery,
    ShiftAnswer,
    ShiftBody,
    ShiftsList,
    ShiftsQuery,
    SummaryAnswer,
    SummaryQuery,
)

bp = Blueprint("events", __name__, url_prefix="/api/v1/events")
READERS = WATCHING_ROLES
COMMANDERS = COMMANDING_ROLES


@endpoint(bp, "", "POST", summary="Open an emergency response", roles=COMMANDERS, body=EventBody,
          response=EventAnswer, status=201)
def create_event(principal, body: EventBody):
    session = db.session()
    event = events.create_event(session, principal.actor, clock.now(), body.model_dump())
    return jsonify(event_json(event)), 201


@endpoint(bp, "", "GET", summary="Responses, newest first", roles=READERS, query=EventsQuery,
          response=EventsList)
def list_events(principal, query: EventsQuery):
    items, total = events.list_events(db.session(), **query.model_dump())
    return jsonify({"items": [event_json(e) for e in items], "total": total})


@endpoint(bp, "/<int:event_id>", "GET", summary="One response", roles=READERS,
          response=EventAnswer)
def get_event(principal, event_id: int):
    return jsonify(event_json(events.get_event(db.session(), event_id)))


@endpoint(bp, "/<int:event_id>/close", "POST", summary="Close a response", roles=COMMANDERS,
          response=EventAnswer)
def close_event(principal, event_id: int):
    session = db.session()
    event = events.close_event(session, principal.actor, clock.now(),
                               events.get_event(session, event_id))
    return jsonify(event_json(event))


@endpoint(bp, "/<int:event_id>/summary", "GET",
          summary="The county's overview: per town or village in scope, posts, headcount "
                  "required and present now, open alerts", roles=READERS, query=SummaryQuery,
          response=SummaryAnswer)
def event_summary(principal, event_id: int, query: SummaryQuery):
    session = db.session()
    event = events.get_event(session, event_id)
    return jsonify({"items": overview.summary(session, event, query.by)})


def shifts_json(session, shifts) -> list[dict]:
    post_names = dict(session.execute(
        select(Post.id, Post.name).where(Post.id.in_({s.post_id for s in shifts}))).all())
    counts = events.assigned_counts(session, [s.id for s in shifts])
    return [shift_json(s, post_names.get(s.post_id, ""), counts.get(s.id, 0)) for s in shifts]


@endpoint(bp, "/<int:event_id>/shifts", "POST", summary="Add a shift at a post",
          roles=COMMANDERS, body=ShiftBody, response=ShiftAnswer, status=201)
def create_shift(principal, event_id: int, body: ShiftBody):
    session = db.session()
    event = events.get_event(session, event_id)
    shift = events.create_shift(session, principal.actor, clock.now(), event, body.model_dump())
    return jsonify(shifts_json(session, [shift])[0]), 201


@endpoint(bp, "/<int:event_id>/shifts", "GET", summary="The response's shifts, by start time",
          roles=READERS, query=ShiftsQuery, response=ShiftsList)
def list_shifts(principal, event_id: int, query: ShiftsQuery):
    session = db.session()
    event = events.get_event(session, event_id)
    items, total = events.list_shifts(session, event, **query.model_dump())
    return jsonify({"items": shifts_json(session, items), "total": total})
