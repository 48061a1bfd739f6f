"""The field worker's phone pages, opened from a staff link bound to one phone."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from .. import clock, db
from ..models import Person
from ..security import DEVICE_COOKIE, sign_in_session
from ..services import accounts
from .pages import page_for

bp = Blueprint("phone", __name__, url_prefix="/m")
DEVICE_COOKIE_DAYS = 400


@bp.get("/link/<code>")
def open_link(code: str):
    """Sign the phone in as the link's person; a second phone is refused and the attempt kept."""
    session = db.session()
    opening = accounts.open_staff_link(
        session, code, request.cookies.get(DEVICE_COOKIE), at=clock.now(),
        address=request.remote_addr or "unknown",
        user_agent=request.headers.get("User-Agent", ""))
    session.commit()
    if opening.person is None:
        return render_template("phone/link_invalid.html"), 404
    if opening.refused_because:
        return render_template("phone/link_refused.html", person=opening.person,
                               reason=opening.refused_because), 403
    sign_in_session(accounts.principal_for_person(opening.person), link_id=opening.link.id)
    response = redirect(url_for("phone.home"))
    response.set_cookie(DEVICE_COOKIE, opening.device_key, max_age=DEVICE_COOKIE_DAYS * 86400,
                        httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.get("/")
@page_for("staff")
def home(principal):
    person = db.session().get(Person, principal.person_id)
    return render_template("phone/home.html", person=person)
