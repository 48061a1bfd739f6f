"""Who is calling (bearer token or session cookie), role checks, and CSRF for cookie requests."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, g, request, session
from flask_wtf.csrf import CSRFError

from . import clock, db
from .errors import ApiError, forbidden, unauthorized
from .extensions import csrf
from .services import accounts, scope

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
DEVICE_COOKIE = "dc_device"


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
        principal = accounts.principal_from_session(db.session(), session,
                                                    request.cookies.get(DEVICE_COOKIE))
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
    session.permanent = True
    g.principal = principal
    install_scope(principal)


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
        raise ApiError(429, "rate_limited",
                       "Too many failed sign-ins; wait a few minutes and try again.")
    if result.user is None:
        # The failure stays on record for the throttle: the unit of work commits it.
        raise ApiError(401, "unauthorized", "The username or password is wrong.",
                       keeps_changes=True)
    return result.user
