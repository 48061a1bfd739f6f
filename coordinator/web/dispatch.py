"""The dispatch page (自动排班): run the engine as a proposal, adjust it, confirm it; and the
printable duty roster (值班表) of a day."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from pydantic import TypeAdapter, ValidationError

from .. import clock, db
from ..models import COMMANDING_ROLES, WATCHING_ROLES, Event
from ..presenters import DISPLAY_ZONE
from ..services import roster
from ..services.fields import Day
from .admin import common_strings, levels, navigation_context, post_kinds
from .pages import page_for

bp = Blueprint("dispatch", __name__)

COMMANDERS = COMMANDING_ROLES
READERS = WATCHING_ROLES
DAY = TypeAdapter(Day)  # the roster's ?date=, within the years a day can be stored


def dispatch_strings() -> dict:
    return {
        **common_strings(),
        "no_open_shifts": _("No shift with open places matches the filters."),
        "places": _("{open} of {required} open"),
        "skills_needed": _("Skills: {skills}"),
        "choose_shifts": _("Choose at least one shift."),
        "proposing": _("Working out the best assignment…"),
        "proposal_summary": _("{people} people proposed, {distance} km in total; {unfilled} "
                              "places stay open."),
        "nothing_proposed": _("The engine found nobody for these places."),
        "drop": _("Drop"),
        "swap": _("Swap"),
        "dropped": _("{name} was dropped from the proposal."),
        "left_open": _("left open by you"),
        "swapped": _("{old} was replaced by {new}."),
        "candidates_for": _("Who else could go to {post}"),
        "no_candidates": _("Nobody else is free for this shift."),
        "choose": _("Choose"),
        "cancel": _("Cancel"),
        "km": _("{km} km"),
        "m": _("{m} m"),
        "from_home": _("from home"),
        "from_last_fix": _("from the last check-in"),
        "hours_before": _("{hours} h on duty in this response so far"),
        "changed_by_you": _("chosen by you"),
        "confirming": _("Saving the assignments…"),
        "confirmed": _("{count} assignments saved. Each person's phone shows the new post."),
        "confirm_empty": _("There is nothing to confirm."),
        "row_problem": _("Row {row}: {reason}"),
        "conflict": _("The roster changed meanwhile. Make a new proposal."),
        "kinds": post_kinds(),
        "person_kinds": {"cadre": _("Cadre"), "village_official": _("Village official"),
                         "other": _("Other")},
    }


bp.context_processor(navigation_context)


def _event(event_id: int) -> Event:
    event = db.session().get(Event, event_id)
    if event is None:
        abort(404)
    return event


@bp.get("/events/<int:event_id>/dispatch")
@page_for(*COMMANDERS)
def dispatch_page(principal, event_id: int):
    event = _event(event_id)
    now = clock.now()
    return render_template(
        "dispatch/dispatch.html", principal=principal, event=event, i18n=dispatch_strings(),
        kinds=post_kinds(), level_name=levels().get(event.level),
        closed=event.closed_at is not None,
        today=now.astimezone(DISPLAY_ZONE).date().isoformat(),
        tiles={"url": current_app.config.get("TILE_URL", ""),
               "coordinates": current_app.config.get("TILE_COORDINATES", "wgs84")})


@bp.get("/events/<int:event_id>/roster")
@page_for(*READERS)
def roster_page(principal, event_id: int):
    event = _event(event_id)
    raw = request.args.get("date", "")
    try:
        day = DAY.validate_python(raw) if raw else clock.now().astimezone(DISPLAY_ZONE).date()
    except ValidationError:
        abort(400)
    leader = request.args.get("leader", "").strip()[:40] or None
    leader_phone = request.args.get("leader_phone", "").strip()[:32] or None
    table = roster.duty_roster(db.session(), event, day, current_app.config.get("ORG_NAME", ""),
                               leader, leader_phone)
    query = {"date": day.isoformat(), **({"leader": leader} if leader else {}),
             **({"leader_phone": leader_phone} if leader_phone else {})}
    return render_template("roster/roster.html", principal=principal, event=event, roster=table,
                           xlsx_url=url_for("assign.roster_workbook", event_id=event.id, **query),
                           leader=leader or "", leader_phone=leader_phone or "", i18n={})
