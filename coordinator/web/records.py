"""Duty-record pages: an event's records and exports, the dashboard, spot checks, the review queue
and a person's history."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import db
from ..models import WATCHING_ROLES, Event, Person
from ..presenters import DISPLAY_ZONE
from ..security import current_principal
from .admin import (
    common_strings,
    event_kinds,
    levels,
    navigation_context,
    person_kinds,
)
from .command import tile_settings
from .pages import page_for

bp = Blueprint("duty_records", __name__, url_prefix="/records")

READERS = WATCHING_ROLES
COMMENDERS = ("commander",)
REVIEWERS = ("inspector",)

# The record pages in the menu: endpoint, who sees the link.
RECORDS_NAV = (
    ("duty_records.index", READERS),
    ("duty_records.dashboard", ("admin",)),
    ("duty_records.spot_check", ("inspector",)),
    ("duty_records.review", ("inspector",)),
)


def records_nav_labels() -> dict[str, str]:
    return {"duty_records.index": _("Duty records"), "duty_records.dashboard": _("Dashboard"),
            "duty_records.spot_check": _("Spot check"),
            "duty_records.review": _("Check-in review")}


def records_nav() -> list[dict]:
    """The record pages' menu links for the signed-in role (shown by admin/layout.html)."""
    principal = current_principal()
    role = principal.role if principal else None
    labels = records_nav_labels()
    return [{"url": url_for(endpoint), "label": labels[endpoint],
             "current": request.endpoint == endpoint or (
                 endpoint == "duty_records.index" and request.endpoint in (
                     "duty_records.event", "duty_records.person"))}
            for endpoint, roles in RECORDS_NAV if role in roles]


@bp.app_context_processor
def _records_menu() -> dict:
    return {"records_nav": records_nav}


bp.context_processor(navigation_context)


def score_words() -> dict[str, str]:
    """The names of the score's parts, as shown beside every total."""
    return {"base": _("Base"), "absent": _("Absences"), "late": _("Late"),
            "left_early": _("Left early"), "spot_check_absences": _("Spot-check absences"),
            "rejected_checkins": _("Rejected check-ins"), "commendations": _("Commendations"),
            "criticisms": _("Criticisms"), "on_duty_hours": _("Hours on duty")}


def flag_words() -> dict[str, str]:
    return {"late": _("Late"), "outside_fence": _("Outside the fence"),
            "low_accuracy": _("Poor GPS accuracy"), "offline": _("Sent after being offline"),
            "suspected_spoof": _("Suspected spoof"), "clock_skew": _("Phone clock ahead")}


def kind_words() -> dict[str, str]:
    return {"check_in": _("Check-in"), "presence": _("Presence confirmation"),
            "check_out": _("Check-out")}


def records_strings() -> dict:
    return {
        **common_strings(),
        "parts": score_words(),
        "kinds": person_kinds(),
        "hours": _("{hours} h"),
        "commend": _("Commendation"),
        "criticize": _("Criticism"),
        "commended": _("The commendation of {name} was recorded."),
        "criticized": _("The criticism of {name} was recorded."),
        "choose_person": _("Choose a person first."),
        "no_people": _("No active person matches."),
        "no_commendations": _("No commendations or criticisms yet."),
        "fields": {"person_id": _("Person"), "kind": _("Kind"), "reason": _("Reason for the record")},
        "field_errors": {"person_id": _("Choose a person from the list."),
                         "reason": _("Write the reason: at most 2000 characters."),
                         "kind": _("Choose commendation or criticism."),
                         "event_id": _("This response no longer exists. Reload the page.")},
        "percent": _("{value}%"),
        "none": _("–"),
    }


def dashboard_strings() -> dict:
    return {
        **common_strings(),
        "attendance": _("Attendance"),
        "punctuality": _("Punctuality"),
        "on_duty": _("People on duty"),
        "percent": _("{value}%"),
        "not_arrived": _("Has not arrived"),
        "left": _("Left the post"),
        "no_absences": _("Nobody is missing from a running shift."),
        "no_commended": _("Nobody has been commended yet."),
        "commendations": _("{count} commendations"),
        "none": _("–"),
    }


def spot_check_strings() -> dict:
    return {
        **common_strings(),
        "locating": _("Finding your position…"),
        "no_position": _("Your position is unknown: posts are listed by name."),
        "distance": _("{distance} away"),
        "no_posts": _("No post has a shift in this response."),
        "choose_post": _("Choose the post you are visiting."),
        "nobody_on_shift": _("Nobody is on a shift at this post now."),
        "gps_on_duty": _("GPS: on duty"),
        "gps_off_duty": _("GPS: not on duty"),
        "saved": _("Spot check saved: {present} present, {absent} absent."),
        "absent_names": _("Recorded absent: {names}"),
        "photo_ready": _("Photo ready ({size} KB)"),
        "photo_failed": _("This photo cannot be read. Take another one."),
        "fields": {"post_id": _("Post"), "present_person_ids": _("Found present"),
                   "note": _("Note"), "photo": _("Photo"), "visited_at": _("Time")},
        "field_errors": {"note": _("The note is too long: at most 2000 characters."),
                         "photo": _("The photo must be a JPEG or PNG of at most 5 MB."),
                         "visited_at": _("The phone's clock is wrong; set it and try again."),
                         "post_id": _("This post has no shift in the response.")},
    }


def review_strings() -> dict:
    return {
        **common_strings(),
        "flags": flag_words(),
        "kinds": kind_words(),
        "confirmed": _("Confirmed genuine"),
        "rejected": _("Rejected: does not count"),
        "done_confirmed": _("The check-in of {name} was confirmed."),
        "done_rejected": _("The check-in of {name} was rejected; it no longer counts as on duty."),
        "queue_empty": _("No check-in is waiting for review."),
        "reviewed_empty": _("No check-in has been reviewed yet."),
        "distance": _("{distance} m from the post"),
        "accuracy": _("accuracy ±{accuracy} m"),
        "this_fix": _("This fix"),
        "other_fix": _("Another fix of the same person"),
    }


def _events(session) -> list[Event]:
    """Open responses first, then by start, newest first."""
    return list(session.scalars(select(Event).order_by(
        Event.closed_at.is_not(None), Event.starts_at.desc(), Event.id.desc())))


def _event_choices(session) -> list[dict]:
    kinds = event_kinds()
    return [{"id": e.id, "name": e.name, "kind": kinds.get(e.kind, e.kind),
             "closed": e.closed_at is not None,
             "starts": e.starts_at.astimezone(DISPLAY_ZONE).strftime("%Y-%m-%d")}
            for e in _events(session)]


@bp.get("/")
@page_for(*READERS)
def index(principal):
    """The newest open response's records (or an empty page when there is none)."""
    found = _events(db.session())
    if found:
        return redirect(url_for("duty_records.event", event_id=found[0].id))
    return render_template("records/empty.html", principal=principal, i18n=common_strings())


@bp.get("/events/<int:event_id>")
@page_for(*READERS)
def event(principal, event_id: int):
    session = db.session()
    current = session.get(Event, event_id)
    if current is None:
        abort(404)
    return render_template("records/event.html", principal=principal, event=current,
                           events=_event_choices(session), i18n=records_strings(),
                           can_commend=principal.role in COMMENDERS,
                           level_name=levels().get(current.level),
                           kind_name=event_kinds().get(current.kind, current.kind),
                           parts=score_words())


@bp.get("/dashboard")
@bp.get("/events/<int:event_id>/dashboard")
@page_for("admin")
def dashboard(principal, event_id: int | None = None):
    session = db.session()
    choices = _event_choices(session)
    if event_id is None:
        if not choices:
            return render_template("records/empty.html", principal=principal,
                                   i18n=common_strings())
        event_id = choices[0]["id"]
    current = session.get(Event, event_id)
    if current is None:
        abort(404)
    return render_template("records/dashboard.html", principal=principal, event=current,
                           events=choices, i18n=dashboard_strings())


@bp.get("/spot-check")
@page_for(*REVIEWERS)
def spot_check(principal):
    session = db.session()
    choices = [c for c in _event_choices(session) if not c["closed"]] or _event_choices(session)
    return render_template("records/spot_check.html", principal=principal, events=choices,
                           i18n=spot_check_strings())


@bp.get("/review")
@page_for(*REVIEWERS)
def review(principal):
    session = db.session()
    choices = _event_choices(session)
    wanted = request.args.get("event_id", type=int)
    chosen = next((c for c in choices if c["id"] == wanted), choices[0] if choices else None)
    return render_template("records/review.html", principal=principal, events=choices,
                           chosen=chosen, i18n=review_strings(), tiles=tile_settings())


@bp.get("/people/<int:person_id>")
@page_for(*READERS)
def person(principal, person_id: int):
    found = db.session().get(Person, person_id)
    if found is None:
        abort(404)
    return render_template("records/person.html", principal=principal, person=found,
                           kind_name=person_kinds().get(found.kind, found.kind),
                           i18n=records_strings(), parts=score_words())
