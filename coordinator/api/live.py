"""Live state endpoints: the map's snapshot, an event's alerts, acknowledging an alert."""

from __future__ import annotations

from flask import Blueprint, jsonify

from .. import clock, db
from ..presenters import alert_json, event_json
from ..services import alerts, events, live
from .endpoint import endpoint
from .schemas import AlertAnswer, AlertsList, AlertsQuery, SnapshotAnswer

bp = Blueprint("live", __name__, url_prefix="/api/v1")
WATCHERS = ("admin", "commander", "inspector")


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
    session.commit()
    return jsonify(alert_json(alert))
