"""Who is calling (bearer token or session cookie), role checks, CSRF for cookie requests, and
when a browser session ends (docs/security.md)."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime, timedelta

from flask import current_app, g, request, session
from flask_wtf.csrf import CSRFError

from . import clock, db
from .errors import ApiError, forbidden, retry_later, unauthorized
from .extensions import csrf
from .services import accounts, scope

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
DEVICE_COOKIE = "dc_device"
# What a browser session keeps besides who it is: when it signed in and was last used (epoch
# seconds, by the app's clock), and a random name for this sign-in (its live maps keep it in use).
SIGNED_IN = "signed_in"
SEEN = "seen"
SESSION_ID = "session_id"
# `seen` is rewritten at most this often (seconds), so that most answers set no new cookie.
SEEN_RESOLUTION = 60
WATCHED = "watched_sessions"
_watch_lock = threading.Lock()


def token_ttl() -> timedelta:
    return timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def current_principal() -> accounts.Principal | None:
    """The caller of this request, resolved once: bearer token first, then the session cookie."""
    if "principal" in g:
        return g.principal
    principal = None
    token = _bearer()
    if token is not None:
        principal = accounts.read_token(
            db.session(), current_app.config["SECRET_KEY"], token, at=clock.now()
        )
        g.auth_by = "bearer"
    elif session:
        principal = cookie_principal()
        g.auth_by = "cookie"
    g.principal = principal
    install_scope(principal)
    return principal


def install_scope(principal: accounts.Principal | None) -> None:
    """From here on, every query of this request sees only the caller's subtree (if it has a
    unit): one place for every route, page and handler (`services/scope.py`)."""
    if principal is not None and principal.unit_id is not None:
        session = db.session()
        scope.install(session, scope.scope_for_unit(session, principal.unit_id))


def sign_in_session(principal: accounts.Principal, link_id: int | None = None) -> None:
    """Remember a principal in the browser session (a fresh session, to avoid fixation)."""
    lang = session.get("lang")
    session.clear()
    if principal.user_id is not None:
        session["user_id"] = principal.user_id
    else:
        session["person_id"] = principal.person_id
        session["link_id"] = link_id
    if lang:
        session["lang"] = lang
    now = int(clock.now().timestamp())
    session[SIGNED_IN] = session[SEEN] = now
    session[SESSION_ID] = secrets.token_urlsafe(12)
    session.permanent = True
    g.principal = principal
    install_scope(principal)


def session_limits() -> tuple[timedelta | None, timedelta]:
    """How long this browser session may stay unused (None: no limit) and at most, from signing
    in. An account's desk screen ends when left; a field worker's phone, which sits in a pocket
    for hours and then sends its offline queue, lives as long as its staff link."""
    config = current_app.config
    if "user_id" in session:
        return (timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
                timedelta(hours=config["SESSION_MAX_HOURS"]))
    return None, timedelta(hours=config["STAFF_LINK_TTL_HOURS"])


def session_ends_at() -> datetime | None:
    """When this browser session ends in any case (its absolute limit), by the app's clock."""
    signed_in = session.get(SIGNED_IN)
    if not isinstance(signed_in, int):
        return None
    return datetime.fromtimestamp(signed_in, UTC) + session_limits()[1]


def _timed_out(now: datetime) -> bool:
    ends_at = session_ends_at()
    if ends_at is None or now >= ends_at:  # no sign-in time: from before sessions could end
        return True
    idle, _ = session_limits()
    if idle is None:
        return False
    last_used = max(session.get(SEEN, 0), watched_until(session.get(SESSION_ID), now))
    return now.timestamp() - last_used >= idle.total_seconds()


def cookie_principal() -> accounts.Principal | None:
    """The principal of the browser session while it has not timed out; a timed-out session
    is cleared and `g.session_timed_out` says so (pages then explain it on the login page)."""
    if "user_id" not in session and "person_id" not in session:
        return None
    now = clock.now()
    if _timed_out(now):
        sign_out_session()
        g.session_timed_out = True
        return None
    principal = accounts.principal_from_session(db.session(), session,
                                                request.cookies.get(DEVICE_COOKIE))
    if principal is not None and now.timestamp() - session.get(SEEN, 0) >= SEEN_RESOLUTION:
        session[SEEN] = int(now.timestamp())
    return principal


def watch_session(session_id: str | None) -> None:
    """A live map of this browser session connected to this process: while it stays connected
    the session is in use (nginx's ip_hash sends a browser's page and socket to one process)."""
    if session_id:
        with _watch_lock:
            watched = current_app.extensions.setdefault(WATCHED, {})
            count, _ = watched.get(session_id, (0, 0.0))
            watched[session_id] = (count + 1, clock.now().timestamp())


def unwatch_session(session_id: str | None) -> None:
    """A live map of this session went away; the session has been in use until now."""
    if not session_id:
        return
    now = clock.now().timestamp()
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    with _watch_lock:
        watched = current_app.extensions.setdefault(WATCHED, {})
        count, _ = watched.get(session_id, (1, now))
        watched[session_id] = (max(count - 1, 0), now)
        if len(watched) > 1024:  # forget maps closed longer ago than any session could idle
            for key, (left, at) in list(watched.items()):
                if left == 0 and now - at >= idle:
                    del watched[key]


def watched_until(session_id: str | None, now: datetime) -> float:
    """Until when (epoch seconds) a live map of this session was open on this process."""
    count, at = current_app.extensions.get(WATCHED, {}).get(session_id, (0, 0.0))
    return now.timestamp() if count > 0 else at


def sign_out_session() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    g.pop("principal", None)


def require(*roles: str) -> accounts.Principal:
    """The caller, if signed in with one of `roles`; else 401 or 403 in the API's error shape."""
    principal = current_principal()
    if principal is None:
        if g.get("session_timed_out"):
            raise unauthorized("Your session has timed out; sign in again.")
        raise unauthorized("The bearer token is invalid or expired." if _bearer() else None)
    if g.get("auth_by") == "cookie" and request.method in UNSAFE_METHODS:
        try:
            csrf.protect()
        except CSRFError as error:
            raise ApiError(403, "forbidden", f"CSRF check failed: {error.description}") from None
    if roles and principal.role not in roles:
        raise forbidden(f"This needs the role {' or '.join(roles)}; you are {principal.role}.")
    return principal


def login_throttle() -> tuple[int, timedelta]:
    config = current_app.config
    return config["LOGIN_MAX_FAILURES"], timedelta(minutes=config["LOGIN_WINDOW_MINUTES"])


def check_password(username: str, password: str):
    """The user for these credentials; 429 while throttled, 401 when wrong (failure counted)."""
    if "\x00" in username:  # no account has such a name, and PostgreSQL cannot compare it
        raise unauthorized("The username or password is wrong.")
    max_failures, window = login_throttle()
    session = db.session()
    result = accounts.authenticate(session, username, password, request.remote_addr or "unknown",
                                   at=clock.now(), max_failures=max_failures, window=window)
    if result.throttled:
        raise retry_later(429, "rate_limited",
                          "Too many failed sign-ins; wait a few minutes and try again.",
                          window.total_seconds())
    if result.user is None:
        # The failure stays on record for the throttle: the unit of work commits it.
        raise ApiError(401, "unauthorized", "The username or password is wrong.",
                       keeps_changes=True)
    return result.user
