"""Sign-in and sign-out pages for accounts, and the language switch."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from ..errors import ApiError
from ..security import check_password, current_principal, sign_in_session, sign_out_session
from ..services import accounts
from .pages import public_page

bp = Blueprint("web_auth", __name__)

HOME_BY_ROLE = {"admin": "admin.people", "commander": "command.index",
                "inspector": "command.index", "staff": "phone.home"}


def home_url(role: str) -> str:
    return url_for(HOME_BY_ROLE.get(role, "web_auth.login"))


@bp.get("/")
@public_page()
def index():
    principal = current_principal()
    return redirect(home_url(principal.role) if principal else url_for("web_auth.login"))


def safe_next(target: str | None) -> str | None:
    """A page of this site to return to after signing in; anything else (another host) is None."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
@public_page()
def login():
    next_page = safe_next(request.values.get("next"))
    if request.method == "GET":
        timed_out = _("Your session has timed out. Please sign in again.") \
            if request.args.get("expired") else None
        return render_template("auth/login.html", error=timed_out, username="",
                               next_page=next_page)
    username = request.form.get("username", "").strip()
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return render_template("auth/login.html", username=username, next_page=next_page,
                               error=_("The form expired. Please try again.")), 400
    try:
        user = check_password(username, request.form.get("password", ""))
    except ApiError as error:
        message = (_("Too many failed sign-ins. Wait 15 minutes and try again.")
                   if error.status == 429 else _("The username or password is wrong."))
        return render_template("auth/login.html", username=username, error=message,
                               next_page=next_page), error.status
    sign_in_session(accounts.principal_for_user(user))
    return redirect(next_page or home_url(user.role))


@bp.post("/logout")
@public_page()
def logout():
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return redirect(url_for("web_auth.login"))
    sign_out_session()
    return redirect(url_for("web_auth.login"))
