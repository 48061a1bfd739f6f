"""A printable sheet of staff-link QR codes, one card per person, for a briefing (部署会)."""

from __future__ import annotations

from datetime import timedelta

import segno
from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import validate_csrf
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from wtforms import ValidationError

from .. import clock, db
from ..models import COMMANDING_ROLES, Assignment, Event, Person, Shift
from ..presenters import DISPLAY_ZONE
from ..services import accounts
from ..urls import record_id, staff_link_url
from .admin import navigation_context
from .pages import page_for

bp = Blueprint("staff_links", __name__, url_prefix="/admin/staff-links")
bp.context_processor(navigation_context)

PRINTERS = COMMANDING_ROLES  # the roles that may make staff links (API.md)
MAX_CARDS = 300


def chosen_people(db_session: Session, unit: str | None, event_id: int | None) -> list[Person]:
    """Active people of a unit, or the people assigned in a response, or both at once."""
    query = select(Person).where(Person.active.is_(True))
    if unit:
        query = query.where(Person.unit == unit)
    if event_id:
        query = query.where(Person.id.in_(
            select(Assignment.person_id).join(Shift, Shift.id == Assignment.shift_id)
            .where(Shift.event_id == event_id, Assignment.removed_at.is_(None))))
    return list(db_session.scalars(query.order_by(Person.unit, Person.name, Person.id)
                                   .limit(MAX_CARDS + 1)))


def choice_page(principal, status: int = 200, error: str | None = None):
    session = db.session()
    unit = request.values.get("unit", "").strip() or None
    event_id = record_id(request.values.get("event_id"))
    units = session.execute(select(Person.unit, func.count()).where(Person.active.is_(True))
                            .group_by(Person.unit).order_by(Person.unit)).all()
    events = session.scalars(select(Event).where(Event.closed_at.is_(None))
                             .order_by(Event.starts_at.desc())).all()
    people = chosen_people(session, unit, event_id) if unit or event_id else None
    return render_template(
        "phone/link_sheet_choose.html", principal=principal, units=units, events=events,
        unit=unit, event_id=event_id, people=people, max_cards=MAX_CARDS, error=error,
        ttl_hours=round(current_app.config["STAFF_LINK_TTL_HOURS"])), status


@bp.get("/")
@page_for(*PRINTERS)
def choose(principal):
    """Pick whose links to print: all people of a unit, or everyone assigned in a response."""
    return choice_page(principal)


def qr_svg(url: str) -> Markup:
    """The link as an inline SVG QR code that scales to its box (medium error correction)."""
    code = segno.make(url, error="m", micro=False)
    return Markup(code.svg_inline(omitsize=True, svgclass="qr", lineclass=None))


@bp.post("/sheet")
@page_for(*PRINTERS)
def sheet(principal):
    """Make a new staff link for each chosen person and show them as printable cards."""
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return choice_page(principal, 400, _("The form expired. Please try again."))
    ids = sorted({number for number in map(record_id, request.form.getlist("person_id"))
                  if number is not None})
    if not ids:
        return choice_page(principal, 400, _("Choose at least one person."))
    if len(ids) > MAX_CARDS:
        return choice_page(principal, 400, _("At most %(count)d cards can be printed at once.",
                                             count=MAX_CARDS))
    session = db.session()
    people = session.scalars(select(Person).where(Person.id.in_(ids), Person.active.is_(True))
                             .order_by(Person.unit, Person.name, Person.id)).all()
    now = clock.now()
    ttl = timedelta(hours=current_app.config["STAFF_LINK_TTL_HOURS"])
    cards = []
    for person in people:
        link, code = accounts.create_staff_link(session, person, actor=principal, at=now, ttl=ttl)
        url = staff_link_url(code)
        cards.append({"person": person, "url": url, "qr": qr_svg(url),
                      "expires": link.expires_at.astimezone(DISPLAY_ZONE).strftime("%Y-%m-%d %H:%M")})
    response = current_app.make_response(render_template("phone/link_sheet.html", cards=cards))
    # The cards sign phones in: never keep them in a cache.
    response.headers["Cache-Control"] = "no-store"
    return response
