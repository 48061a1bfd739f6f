"""What every page blueprint shares: sign-in required, with a role, else to the login page."""

from __future__ import annotations

import functools

from flask import abort, redirect, request, url_for

from ..security import current_principal


def page_for(*roles: str):
    """Require a signed-in browser with one of `roles`; send others to sign in, or 403."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(**kwargs):
            principal = current_principal()
            if principal is None:
                return redirect(url_for("web_auth.login", next=request.path))
            if roles and principal.role not in roles:
                abort(403)
            return view(principal=principal, **kwargs)

        return wrapper

    return decorate
