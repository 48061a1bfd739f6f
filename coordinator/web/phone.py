"""The field worker's phone pages, opened from a staff link."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from .. import clock, db
from ..models import Person
from ..security import sign_in_session
from ..services import accounts
from .pages import page_for

bp = Blueprint("phone", __name__, url_prefix="/m")


@bp.get("/link/<code>")
def open_link(code: str):
    """Sign the phone in as the link's person and show their duty page."""
    session = db.session()
    person = accounts.open_staff_link(session, code, at=clock.now())
    if person is None:
        return render_template("phone/link_invalid.html"), 404
    session.commit()
    sign_in_session(accounts.principal_for_person(person))
    return redirect(url_for("phone.home"))


@bp.get("/")
@page_for("staff")
def home(principal):
    person = db.session().get(Person, principal.person_id)
    return render_template("phone/home.html", person=person)
