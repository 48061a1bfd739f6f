"""What every page shares: one unit of work per request (commit once, then publish), and
sign-in with a role, else to the login page."""

from __future__ import annotations

import functools

from flask import abort, g, redirect, request, url_for

from .. import unit_of_work
from ..db import READ_ONLY_METHODS
from ..security import current_principal


def _writes(declared: bool | None) -> bool:
    return request.method not in READ_ONLY_METHODS if declared is None else declared


def public_page(writes: bool | None = None):
    """A page anyone may open; its request is one unit of work (writing unless GET, or as said)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(**kwargs):
            return unit_of_work.run(lambda: view(**kwargs), writes=_writes(writes))

        wrapper.unit_of_work = True
        return wrapper

    return decorate


def page_for(*roles: str, writes: bool | None = None):
    """Require a signed-in browser with one of `roles`; send others to sign in, or 403. The
    request is one unit of work (writing unless GET, or as said)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(**kwargs):
            def work():
                principal = current_principal()
                if principal is None:
                    timed_out = {"expired": 1} if g.get("session_timed_out") else {}
                    return redirect(url_for("web_auth.login", next=request.path, **timed_out))
                if roles and principal.role not in roles:
                    abort(403)
                return view(principal=principal, **kwargs)

            return unit_of_work.run(work, writes=_writes(writes))

        wrapper.unit_of_work = True
        return wrapper

    return decorate
