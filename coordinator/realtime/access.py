"""Live connections whose access has ended are cut: every few seconds each process checks its own
clients against their accounts (disabled, deactivated) and the end of their sign-in.

HTTP asks the database on every request, so a disabled account's next request is refused at
once. A socket is authorised when it connects; this check ends one that is already open within
ACCESS_CHECK_SECONDS (default 2) plus one query, on whichever process holds it, since every
process reads the same database. The check runs only while the process has clients."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, session
from sqlalchemy import select

from .. import clock
from ..models import Person, User
from ..security import SESSION_ID, session_ends_at, unwatch_session, watch_session
from ..services import accounts
from .publisher import NAMESPACE

ACCESS = "live_access"
_lock = threading.Lock()


@dataclass(frozen=True)
class Access:
    """What a connection was let in with: whose it is and until when its sign-in holds."""

    user_id: int | None
    person_id: int | None
    ends_at: datetime | None
    session_id: str | None = None  # a browser session's (cookie) connection


@dataclass
class Watch:
    clients: dict[str, Access]
    running: bool = False


def _watch(app) -> Watch:
    return app.extensions.setdefault(ACCESS, Watch({}))


def admit(sid: str, principal: accounts.Principal, auth) -> None:
    """Remember a connection that was let in (`auth` as it connected), and keep checking it."""
    app = current_app._get_current_object()
    token = auth.get("token") if isinstance(auth, dict) else None
    if isinstance(token, str) and token:
        access = Access(principal.user_id, principal.person_id,
                        accounts.token_expires_at(app.config["SECRET_KEY"], token))
    else:
        access = Access(principal.user_id, principal.person_id, session_ends_at(),
                        session.get(SESSION_ID))
        watch_session(access.session_id)
    watch = _watch(app)
    with _lock:
        watch.clients[sid] = access
        start = not watch.running
        watch.running = True
    if start:
        app.extensions["socketio"].start_background_task(_keep_checking, app)


def release(sid: str) -> None:
    """A connection went away (closed by its client, or cut here)."""
    with _lock:
        access = _watch(current_app).clients.pop(sid, None)
    if access is not None:
        unwatch_session(access.session_id)


def ended(app, now: datetime) -> list[str]:
    """This process's connections whose account is disabled or gone, or whose sign-in ended."""
    with _lock:
        clients = list(_watch(app).clients.items())
    user_ids = {a.user_id for _, a in clients if a.user_id is not None}
    person_ids = {a.person_id for _, a in clients if a.user_id is None}
    with app.extensions["db"]["engine"].connect() as connection:
        users = set(connection.scalars(select(User.id).where(
            User.id.in_(user_ids), User.active.is_(True)))) if user_ids else set()
        people = set(connection.scalars(select(Person.id).where(
            Person.id.in_(person_ids), Person.active.is_(True)))) if person_ids else set()
    return [sid for sid, a in clients
            if (a.ends_at is not None and now >= a.ends_at)
            or (a.user_id not in users if a.user_id is not None else a.person_id not in people)]


def cut_ended(app) -> int:
    """Disconnect this process's connections whose access ended; how many."""
    with app.app_context():
        sids = ended(app, clock.now())
        server = app.extensions["socketio"].server
        for sid in sids:
            server.disconnect(sid, namespace=NAMESPACE)
            release(sid)
    return len(sids)


def _keep_checking(app) -> None:
    socketio = app.extensions["socketio"]
    watch = _watch(app)
    while True:
        socketio.sleep(app.config["ACCESS_CHECK_SECONDS"])
        with _lock:
            if not watch.clients:
                watch.running = False
                return
        try:
            cut_ended(app)
        except Exception:  # a failed check must not stop the next one
            app.logger.exception("checking live connections' access failed")
