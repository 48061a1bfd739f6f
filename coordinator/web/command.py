"""The command-center pages: the open responses, and one response's live map with dispatch."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import select

from .. import clock, db
from ..models import COMMANDING_ROLES, WATCHING_ROLES, Event
from ..presenters import iso
from .admin import (
    common_strings,
    event_kinds,
    levels,
    local_text,
    navigation_context,
    post_kinds,
)
from .pages import page_for

bp = Blueprint("command", __name__, url_prefix="/command")

WATCHERS = WATCHING_ROLES
DISPATCHERS = COMMANDING_ROLES


def alert_kinds() -> dict[str, str]:
    return {"missed_checkin": _("Missed check-in"), "left_post": _("Left the post"),
            "understaffed": _("Understaffed"), "suspected_spoof": _("Suspected fake location"),
            "hazard_report": _("Hazard report"),
            "relocation_overdue": _("Vulnerable people not yet moved")}


def status_words() -> dict[str, str]:
    return {"empty": _("Empty"), "under": _("Short-handed"), "full": _("Fully staffed"),
            "idle": _("No shift now")}


def checkin_kinds() -> dict[str, str]:
    return {"check_in": _("Check-in"), "presence": _("Presence confirmed"),
            "check_out": _("Check-out")}


def checkin_flags() -> dict[str, str]:
    return {"late": _("Late"), "outside_fence": _("Outside the fence"),
            "low_accuracy": _("Poor GPS accuracy"), "offline": _("Sent late (offline)"),
            "suspected_spoof": _("Suspected fake location"), "clock_skew": _("Phone clock wrong")}


def report_categories() -> dict[str, str]:
    return {"flooding": _("Flooding"), "landslide": _("Landslide"), "dam_risk": _("Dam danger"),
            "road_blocked": _("Road blocked"), "people_trapped": _("People trapped"),
            "other": _("Other")}


def warning_strings() -> dict:
    """What the warnings (预警) above the 叫应 panel say, and their one-click call."""
    return {
        "severity": {"red": _("Red"), "orange": _("Orange"), "yellow": _("Yellow"),
                     "blue": _("Blue")},
        "level": _("proposed level {level} response"),
        "area": _("{units} units, {posts} posts"),
        "call": _("Call the area's responsible persons"),
        "called": _("The warning's call went to {count} people."),
        "nobody": _("Nobody to call: no post with a responsible person and no unit leader lies "
                    "in this warning's area."),
    }


def call_strings() -> dict:
    """What the 叫应 panel says about calls, their answers and the form that starts one."""
    return {
        "kinds": {"call": _("Call"), "roll_call": _("Roll call")},
        "started_at": _("sent {time}"),
        "deadline": _("answer by {time}"),
        "closed_at": _("closed {time}"),
        "answered": _("answered"),
        "waiting": _("not yet"),
        "overdue": _("overdue"),
        "late": _("answered late"),
        "waiting_list": _("Not answered yet ({count})"),
        "answered_list": _("Answered ({count})"),
        "more_people": _("…and {count} more"),
        "dial": _("Call {name}"),
        "late_answer": _("late"),
        "outside": _("outside the fence"),
        "units_optional": _("Choose units to call only those within them (none: all)."),
        "units_required": _("Choose the units whose people are called."),
        "started": _("The call went to {count} people."),
        "field_errors": {
            "message": _("Write what the people called should know or do."),
            "unit_ids": _("Choose at least one unit."),
            "targets": _("Nobody matches this choice: no one is on duty, responsible or in "
                         "these units."),
            "deadline_minutes": _("The time to answer is 1 to 120 minutes."),
            "sample": _("Pick at least 1 person, or leave it empty to call everyone."),
            "kind": _("Choose a call or a roll call."),
        },
    }


def relocation_strings() -> dict:
    """What the 人员转移 panel and the map's rings and shelters say."""
    return {
        "levels": {"village": _("Villages"), "town": _("Towns")},
        "ring": _("{name}: {left} of {households} households have left ({percent}%), {vulnerable} "
                  "vulnerable people not yet moved"),
        "shelter": _("{name}: {sheltered} people sheltered, {capacity} places"),
        "shelter_open": _("{name}: {sheltered} people sheltered"),
        "over_capacity": _("over capacity"),
        "outstanding_of": _("Not yet moved in {name} ({count} households)"),
        "none_outstanding": _("Every household of {name} has left."),
        "household_line": _("{people} people"),
        "vulnerable": _("{count} vulnerable"),
        "states": {"none": _("Not reported"), "refused": _("Refused to leave"),
                   "not_home": _("Nobody at home")},
        "dial": _("Call {name}"),
        "more": _("…and {count} more households"),
        "households_page": _("All households of {name}"),
    }


def command_strings() -> dict:
    """Everything the command-center scripts say, in the page's language."""
    return {
        **common_strings(),
        "online": _("Live"),
        "connecting": _("Connecting…"),
        "reconnecting": _("Reconnecting…"),
        "offline": _("Not connected: sign in again"),
        "post_kinds": post_kinds(),
        "alert_kinds": alert_kinds(),
        "statuses": status_words(),
        "checkin_kinds": checkin_kinds(),
        "flags": checkin_flags(),
        "categories": report_categories(),
        "all_posts": _("All posts"),
        "all_villages": _("All villages"),
        "all_kinds": _("All kinds"),
        "no_village": _("(no village)"),
        "present_of": _("{present}/{required} on duty"),
        "no_alerts": _("No open alerts."),
        "more_alerts": _("…and {count} older alerts"),
        "ack": _("Acknowledge"),
        "acked": _("Acknowledged {time}"),
        "ack_done": _("The alert was acknowledged."),
        "dispatch": _("Send the nearest free person"),
        "dispatched": _("{name} was sent to {post}, {distance} away."),
        "dispatch_none": _("Nobody is free for this shift right now."),
        "dispatch_ended": _("The shift of this alert has ended."),
        "no_reports": _("No hazard reports yet."),
        "no_refusals": _("No staff link was opened on a second phone."),
        "refusal_line": _("{name}'s link was opened on another phone"),
        "photo_of": _("Photo of the report: {category}"),
        "reported_by": _("Reported by {name}"),
        "km": _("{value} km"),
        "m": _("{value} m"),
        "shift_running": _("Running now"),
        "shift_required": _("needs {required}"),
        "acknowledged": _("Acknowledged"),
        "not_acknowledged": _("Not acknowledged"),
        "on_duty": _("On duty"),
        "not_on_duty": _("Not on duty"),
        "last_seen": _("Last fix {time}"),
        "nobody": _("Nobody is assigned yet."),
        "remove": _("Remove"),
        "confirm_remove": _("Take {name} off this shift?"),
        "removed": _("{name} was taken off the shift."),
        "assign": _("Assign"),
        "assigned": _("{name} was assigned."),
        "search_people": _("Search by name, phone or unit"),
        "no_people": _("No active person matches."),
        "conflict_message": _("This person is already on this shift or on another shift at "
                              "the same time, or the response is closed."),
        "candidates": _("Nearest free people"),
        "no_candidates": _("Nobody free was found nearby."),
        "from_last_fix": _("last position"),
        "from_home": _("home"),
        "lacks_skills": _("lacks the skills"),
        "no_checkins": _("No check-ins yet."),
        "no_shifts": _("No shifts yet."),
        "checkins_title": _("Check-in history"),
        "show_on_map": _("Show on the map"),
        "distance": _("{distance} from the post"),
        "handover": _("Handover note: {note}"),
        "replay_at": _("As of {time}"),
        "replay_loading": _("Loading the records…"),
        "play": _("Play"),
        "pause": _("Pause"),
        "sound_on": _("Sound: on"),
        "sound_off": _("Sound: off"),
        "person_at": _("{name} · {post}"),
        "unit_badge": _("{name}: {present} of {required} on duty at {posts} posts, "
                        "{alerts} open alerts"),
        "calls": call_strings(),
        "warnings": warning_strings(),
        "relocation": relocation_strings(),
    }


def tile_settings() -> dict:
    config = current_app.config
    return {"url": config["TILE_URL"], "attribution": config["TILE_ATTRIBUTION"],
            "coordinates": config["TILE_COORDINATES"]}


bp.context_processor(navigation_context)


@bp.get("/")
@page_for(*WATCHERS)
def index(principal):
    events = db.session().scalars(
        select(Event).order_by(Event.closed_at.is_not(None), Event.starts_at.desc())).all()
    rows = [{"event": e, "starts": local_text(e.starts_at),
             "closed": local_text(e.closed_at) if e.closed_at else None} for e in events]
    return render_template("command/index.html", principal=principal, rows=rows,
                           kinds=event_kinds(), levels=levels(), i18n={})


@bp.get("/events/<int:event_id>")
@page_for(*WATCHERS)
def event(principal, event_id: int):
    event = db.session().get(Event, event_id)
    if event is None:
        abort(404)
    return render_template(
        "command/event.html", principal=principal, event=event,
        can_dispatch=principal.role in DISPATCHERS and event.closed_at is None,
        can_see_refusals=principal.role in DISPATCHERS,
        kind_name=event_kinds().get(event.kind), level_name=levels().get(event.level),
        i18n=command_strings(), tiles=tile_settings(), post_kinds=post_kinds(),
        starts_at=iso(event.starts_at), closed_at=iso(event.closed_at),
        server_now=iso(clock.now()))

