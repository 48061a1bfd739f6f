"""Call-and-answer (叫应) and roll calls (随机点名), and the notification outbox they write to."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import select

from .. import clock, db
from ..errors import validation_error
from ..models import COMMANDING_ROLES, WATCHING_ROLES, Event, Notification
from ..presenters import iso
from ..services import calls, catalogue, outbox
from .endpoint import endpoint
from .field import caller_card, fence_rules
from .schemas.calls import (
    CallAnswer,
    CallAnswerAnswer,
    CallAnswerBody,
    CallBody,
    CallDetail,
    CallsList,
    CallsQuery,
    MyCalls,
    NotificationAnswer,
    NotificationsList,
    NotificationsQuery,
)

bp = Blueprint("calls", __name__, url_prefix="/api/v1")
STAFF = ("staff",)


def call_detail(session, call, at) -> dict:
    """A call with its figures and each target the caller may see."""
    figures = calls.counts(session, [call.id], at)[call.id]
    rows = calls.targets_of(session, call.id)
    states: dict[int, list] = {}
    for person_id, channel, status in session.execute(
            select(Notification.person_id, Notification.channel, Notification.status)
            .where(Notification.call_id == call.id, Notification.cause == "call")
            .order_by(Notification.id)):
        states.setdefault(person_id, []).append({"channel": channel, "status": status})
    return {**calls.call_json(call, figures), "people": [
        {"person_id": person.id, "name": person.name, "phone": person.phone,
         "notified_at": iso(target.notified_at), "channels": states.get(person.id, []),
         "answered_at": iso(target.answered_at), "late": target.late,
         "within_fence": target.within_fence, "distance_m": target.distance_m,
         "escalated_at": iso(target.escalated_at)} for target, person in rows]}


def event_named(session, event_id: int | None) -> Event | None:
    """The event a body names (None when it names none): 403 outside the caller's unit, 422
    when there is no such event."""
    if event_id is None:
        return None
    event = catalogue.named(session, Event, event_id)
    if event is None:
        raise validation_error({"event_id": f"no event has id {event_id}"})
    return event


def answer_json(target) -> dict:
    return {"call_id": target.call_id, "person_id": target.person_id,
            "answered_at": iso(target.answered_at), "late": bool(target.late),
            "within_fence": target.within_fence, "distance_m": target.distance_m}


def notification_json(notification: Notification) -> dict:
    return {key: getattr(notification, key) for key in (
        "id", "channel", "person_id", "name", "phone", "text", "cause", "call_id", "alert_id",
        "assignment_id", "event_id", "status", "attempts", "last_error")} | {
        "created_at": iso(notification.created_at),
        "next_attempt_at": iso(notification.next_attempt_at),
        "sent_at": iso(notification.sent_at)}


@endpoint(bp, "/calls", "POST", summary="Call people to answer by a deadline (叫应), or a roll call",
          roles=COMMANDING_ROLES, body=CallBody, response=CallAnswer, status=201)
def create_call(principal, body: CallBody):
    session = db.session()
    event = event_named(session, body.event_id)
    minutes = body.deadline_minutes or current_app.config["CALL_DEADLINE_MINUTES"]
    targets = body.targets
    spec = calls.TargetSpec(tuple(targets.person_ids), tuple(targets.unit_ids),
                            tuple(targets.post_ids), targets.responsibles, targets.on_duty,
                            targets.sample)
    now = clock.now()
    call, _people = calls.create_call(session, principal.actor, principal.user_id, now,
                                      kind=body.kind, message=body.message, spec=spec,
                                      deadline_minutes=minutes, event=event)
    # The call and its figures; who it reached is GET /calls/{id} (thousands, for a county).
    return jsonify(calls.call_json(call, calls.whole_call(call, now))), 201


@endpoint(bp, "/calls", "GET", summary="Calls, newest first, with who has answered",
          roles=WATCHING_ROLES, query=CallsQuery, response=CallsList)
def list_calls(principal, query: CallsQuery):
    session = db.session()
    items, total = calls.list_calls(session, event_id=query.event_id,
                                    status=query.status, limit=query.limit, offset=query.offset)
    now = clock.now()
    return jsonify({"items": [call_detail(session, c, now) for c in items], "total": total})


@endpoint(bp, "/calls/<int:call_id>", "GET", summary="One call with each target's answer",
          roles=WATCHING_ROLES, response=CallDetail)
def get_call(principal, call_id: int):
    session = db.session()
    return jsonify(call_detail(session, calls.get_call(session, call_id), clock.now()))


@endpoint(bp, "/calls/<int:call_id>/answer", "POST",
          summary="Answer a call (one tap; a roll call with the phone's position)",
          roles=STAFF, body=CallAnswerBody, response=CallAnswerAnswer, status=201)
def answer_call(principal, call_id: int, body: CallAnswerBody):
    session = db.session()
    fields = body.model_dump()
    fields["client_id"] = str(body.client_id)
    target, _call, created = calls.answer_call(session, caller_card(principal), call_id, fields,
                                               received_at=clock.now(), rules=fence_rules())
    return jsonify(answer_json(target)), 201 if created else 200


@endpoint(bp, "/me/calls", "GET", summary="The calls I have not answered yet (the phone's banner)",
          roles=STAFF, response=MyCalls)
def my_calls(principal):
    session = db.session()
    items = calls.open_calls_for(session, caller_card(principal).id)
    return jsonify({"items": [calls.call_json(c) for c in items], "total": len(items)})


@endpoint(bp, "/notifications", "GET",
          summary="The notification outbox: pending, sent and failed, with attempts and errors",
          roles=COMMANDING_ROLES, query=NotificationsQuery, response=NotificationsList)
def list_notifications(principal, query: NotificationsQuery):
    items, total = outbox.list_notifications(db.session(), status=query.status,
                                             event_id=query.event_id, call_id=query.call_id,
                                             limit=query.limit, offset=query.offset)
    return jsonify({"items": [notification_json(n) for n in items], "total": total})


@endpoint(bp, "/notifications/<int:notification_id>/resend", "POST",
          summary="Send a failed notification again", roles=COMMANDING_ROLES,
          response=NotificationAnswer)
def resend_notification(principal, notification_id: int):
    notification = outbox.resend(db.session(), principal.actor, clock.now(), notification_id)
    return jsonify(notification_json(notification))
