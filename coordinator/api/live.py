"""Live state endpoints: the map's snapshot, an event's alerts, acknowledging an alert."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import select

from .. import clock, db
from ..models import WATCHING_ROLES, FieldReport, Person, Shift
from ..presenters import alert_json, event_json, iso, post_json, report_json
from ..services import alerts, catalogue, dispatch, events, live, posts
from ..services.paging import page
from .assign import rules as assignment_rules
from .assign import why_text
from .assignments import assignments_json
from .endpoint import endpoint
from .field import report_photo_url
from .schemas.assignments import AssignmentAnswer
from .schemas.common import Page
from .schemas.live import (
    AlertAnswer,
    AlertsList,
    AlertsQuery,
    CandidatesAnswer,
    CandidatesQuery,
    PostDetailAnswer,
    ReplayQuery,
    ReportsList,
    SnapshotAnswer,
)

bp = Blueprint("live", __name__, url_prefix="/api/v1")
WATCHERS = WATCHING_ROLES


@endpoint(bp, "/events/<int:event_id>/snapshot", "GET",
          summary="Everything the map shows now, with the seq to continue from", roles=WATCHERS,
          response=SnapshotAnswer)
def snapshot(principal, event_id: int):
    session = db.session()
    event = events.get_event(session, event_id)
    return jsonify({"event": event_json(event), **live.snapshot(session, event, clock.now())})


@endpoint(bp, "/events/<int:event_id>/alerts", "GET", summary="The event's alerts, newest first",
          roles=WATCHERS, query=AlertsQuery, response=AlertsList)
def list_alerts(principal, event_id: int, query: AlertsQuery):
    session = db.session()
    events.get_event(session, event_id)
    items, total = alerts.list_alerts(session, event_id, **query.model_dump())
    return jsonify({"items": [alert_json(a) for a in items], "total": total})


@endpoint(bp, "/alerts/<int:alert_id>/ack", "POST", summary="Acknowledge an alert",
          roles=("admin", "commander"), response=AlertAnswer)
def acknowledge_alert(principal, alert_id: int):
    session = db.session()
    alert = alerts.acknowledge_alert(session, principal.actor, principal.user_id, clock.now(),
                                     alerts.get_alert(session, alert_id))
    return jsonify(alert_json(alert))


@endpoint(bp, "/events/<int:event_id>/replay", "GET",
          summary="The map as the records show it at a past moment (after-action replay, 复盘)",
          roles=WATCHERS, query=ReplayQuery, response=SnapshotAnswer)
def replay(principal, event_id: int, query: ReplayQuery):
    session = db.session()
    event = events.get_event(session, event_id)
    state = live.snapshot(session, event, query.at, history=True)
    return jsonify({"event": event_json(event), "at": iso(query.at), **state})


@endpoint(bp, "/events/<int:event_id>/posts/<int:post_id>", "GET",
          summary="A post's drawer: shifts, who is assigned/acknowledged/on duty, check-ins",
          roles=WATCHERS, response=PostDetailAnswer)
def post_detail(principal, event_id: int, post_id: int):
    session = db.session()
    event = events.get_event(session, event_id)
    post = posts.get_post(session, post_id)
    return jsonify({"post": post_json(post),
                    **live.post_detail(session, event, post, clock.now())})


@endpoint(bp, "/events/<int:event_id>/reports", "GET", summary="Hazard reports, newest first",
          roles=WATCHERS, query=Page, response=ReportsList)
def list_reports(principal, event_id: int, query: Page):
    session = db.session()
    events.get_event(session, event_id)
    items, total = page(session, select(FieldReport).where(FieldReport.event_id == event_id),
                        FieldReport.id.desc(), query.limit, query.offset)
    names = dict(session.execute(select(Person.id, Person.name).where(
        Person.id.in_({r.person_id for r in items}))).all())
    return jsonify({"items": [{**report_json(r, report_photo_url(r)),
                               "person_name": names.get(r.person_id, "")} for r in items],
                    "total": total})


def candidates_json(candidates) -> list[dict]:
    return [{"person_id": c.person.id, "name": c.person.name, "unit": c.person.unit,
             "phone": c.person.phone, "skills": list(c.person.skills or []),
             "has_skills": c.has_skills, "distance_m": round(c.distance_m, 1),
             "from_where": c.from_where, "from_lat": c.lat, "from_lon": c.lon,
             "cost_m": c.cost_m, "why": c.why, "reason": why_text(c.why, c.from_where)}
            for c in candidates]


@endpoint(bp, "/shifts/<int:shift_id>/candidates", "GET",
          summary="The nearest people free for a shift (last known position, else home)",
          roles=("admin", "commander"), query=CandidatesQuery, response=CandidatesAnswer)
def shift_candidates(principal, shift_id: int, query: CandidatesQuery):
    session = db.session()
    shift = catalogue.get_or_404(session, Shift, shift_id)
    items = candidates_json(dispatch.nearest_available(session, shift, assignment_rules(),
                                                           query.limit))
    return jsonify({"items": items, "total": len(items)})


@endpoint(bp, "/alerts/<int:alert_id>/dispatch", "POST",
          summary="Send the nearest free person to the shift behind an alert",
          roles=("admin", "commander"), response=AssignmentAnswer, status=201,
          errors={422: "The alert is not about a shift"})
def dispatch_for_alert(principal, alert_id: int):
    session = db.session()
    assignment = dispatch.dispatch_for_alert(session, principal.actor, clock.now(),
                                             alerts.get_alert(session, alert_id),
                                             assignment_rules())
    return jsonify(assignments_json(session, [assignment])[0]), 201
