"""Socket.IO `/live` handlers: authenticate at connect, then subscribe to an event's room."""

from __future__ import annotations

from flask import current_app, request, session
from flask_socketio import ConnectionRefusedError, Namespace, join_room, leave_room

from .. import clock, db
from ..errors import ApiError, error_body
from ..models import MAX_ID, WATCHING_ROLES, Event
from ..security import cookie_principal, install_scope
from ..services import accounts, catalogue, effects
from . import access, publisher
from .batches import batch_room

CLIENTS = "live_clients"


def _principal(auth) -> accounts.Principal | None:
    token = auth.get("token") if isinstance(auth, dict) else None
    if isinstance(token, str) and token:
        return accounts.read_token(db.session(), current_app.config["SECRET_KEY"], token,
                                   at=clock.now())
    if session:
        return cookie_principal()  # None once the session has timed out
    return None


class LiveNamespace(Namespace):
    """Map clients watch an event; a field worker's phone hears only its own channel."""

    def on_connect(self, auth=None):
        principal = _principal(auth)
        if principal is None:
            raise ConnectionRefusedError({"code": "unauthorized",
                                          "message": "Sign in first: send auth={'token': ...}."})
        current_app.extensions.setdefault(CLIENTS, {})[request.sid] = principal
        access.admit(request.sid, principal, auth)
        if principal.role == "staff":
            join_room(publisher.person_room(principal.person_id))

    def on_disconnect(self, reason=None):
        current_app.extensions.get(CLIENTS, {}).pop(request.sid, None)
        access.release(request.sid)

    def on_subscribe(self, data=None, *_ignored):
        principal = current_app.extensions.get(CLIENTS, {}).get(request.sid)
        if principal is None or principal.role not in WATCHING_ROLES:
            return {"ok": False, **error_body(
                "forbidden", "Field staff receive only their own channel.")}
        event_id = data.get("event_id") if isinstance(data, dict) else None
        if not isinstance(event_id, int) or isinstance(event_id, bool) \
                or not 1 <= event_id <= MAX_ID:
            return {"ok": False, **error_body("validation_error", "Send {\"event_id\": <int>}.",
                                              {"event_id": "must be a positive integer id"})}
        batched = data.get("batch", False)
        if not isinstance(batched, bool):
            return {"ok": False, **error_body(
                "validation_error", "\"batch\" is true or false.",
                {"batch": "must be a boolean"})}
        session_db = db.session()
        install_scope(principal)
        try:
            event = catalogue.named(session_db, Event, event_id)
        except ApiError as refusal:
            return {"ok": False, **error_body(refusal.code, "This event is outside your unit.")}
        if event is None:
            return {"ok": False, **error_body("not_found", f"Event {event_id} was not found.")}
        if principal.unit_id is None:
            room = publisher.event_room(event_id)
        else:  # only the messages about the account's own subtree, numbered for it
            room = publisher.event_unit_room(event_id, principal.unit_id)
        # one message per change, or (asked for) the same messages in batches: never both
        chosen, other = (batch_room(room), room) if batched else (room, batch_room(room))
        leave_room(other)
        join_room(chosen)
        return {"ok": True, "seq": effects.current_seq(session_db, event_id, principal.unit_id),
                **({"batch": True} if batched else {})}
