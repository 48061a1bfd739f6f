"""Administration pages: the roster, the post catalogue, the units of the command chain,
responses and their shifts."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _

from .. import clock, db
from ..models import COMMANDING_ROLES, PARENT_KIND, WATCHING_ROLES, Event
from ..presenters import DISPLAY_ZONE
from ..security import current_principal
from .pages import page_for

bp = Blueprint("admin", __name__, url_prefix="/admin")

READERS = WATCHING_ROLES
PEOPLE_EDITORS = ("admin",)
POST_EDITORS = COMMANDING_ROLES
EVENT_EDITORS = COMMANDING_ROLES
UNIT_EDITORS = ("admin",)  # the administrator draws the command chain
LEADER_EDITORS = COMMANDING_ROLES  # the command center names who leads and who is responsible

# Each entry: the page's endpoint, who may open it, and the endpoints that mark it as current.
# The command-center pages (coordinator/web/command.py) build their menu from this list too.
NAV = (
    ("command.index", READERS, ("command.index", "command.event")),
    ("admin.events_page", READERS, ("admin.events_page", "admin.event")),
    ("admin.posts", READERS, ("admin.posts",)),
    ("admin.people", READERS, ("admin.people",)),
    ("admin.units", READERS, ("admin.units",)),
    ("households.page", READERS, ("households.page",)),
    ("notifications.page", COMMANDING_ROLES, ("notifications.page",)),
)


def nav_labels() -> dict[str, str]:
    return {"command.index": _("Command screen"), "admin.events_page": _("Responses"),
            "admin.posts": _("Posts"), "admin.people": _("People"),
            "admin.units": _("Units and leaders"), "households.page": _("Households to move"),
            "notifications.page": _("Notifications")}


def role_names() -> dict[str, str]:
    return {"admin": _("Administrator"), "commander": _("Command center"),
            "inspector": _("Supervision office"), "staff": _("Field staff")}


def person_kinds() -> dict[str, str]:
    return {"cadre": _("Cadre"), "village_official": _("Village official"), "other": _("Other")}


def post_kinds() -> dict[str, str]:
    return {
        "reservoir": _("Reservoir"),
        "pond": _("Pond"),
        "landslide": _("Landslide spot"),
        "low_road": _("Low-lying road"),
        "dangerous_house": _("Dangerous house"),
        "shelter": _("Relocation site"),
        "bridge": _("Bridge or culvert"),
        "embankment": _("River embankment"),
        "other": _("Other"),
    }


def unit_kinds() -> dict[str, str]:
    return {"county": _("County (district)"), "town": _("Town (township)"),
            "village": _("Village (community)")}


def leader_roles() -> dict[str, str]:
    return {"chief": _("Chief commander"), "deputy": _("Deputy commander"),
            "duty": _("Leader on duty")}


def responsible_roles() -> dict[str, str]:
    """A post's responsible persons; a reservoir's three are the first three."""
    return {"administrative": _("Administrative responsible"),
            "technical": _("Technical responsible"), "patrol": _("Patrol responsible"),
            "contact": _("Post contact")}


def event_kinds() -> dict[str, str]:
    return {"rainstorm": _("Rainstorm"), "typhoon": _("Typhoon"), "flood": _("Flood"),
            "landslide": _("Landslide"), "other": _("Other")}


def levels() -> dict[int, str]:
    """China's four response levels; level 1 is the most severe."""
    return {1: _("Level I"), 2: _("Level II"), 3: _("Level III"), 4: _("Level IV")}


def common_strings() -> dict[str, str]:
    """What every admin page's script may say: progress, paging and the API's error codes."""
    return {
        "loading": _("Loading…"),
        "empty": _("Nothing here yet."),
        "no_match": _("Nothing matches the search."),
        "page_info": _("{first}–{last} of {total}"),
        "check_fields": _("Some fields need attention: see the notes below them."),
        "field_reason": _("{field}: {reason}"),
        "sign_in_again": _("Sign in again"),
        "network": _("The server cannot be reached. Check the network connection and try again."),
        "unauthorized": _("Your sign-in has expired. Sign in again."),
        "forbidden": _("You may not do this, or the page has expired. Reload the page and try "
                       "again."),
        "not_found": _("This record no longer exists. Reload the page."),
        "conflict": _("This clashes with a record that already exists."),
        "payload_too_large": _("The file is too large."),
        "rate_limited": _("Too many requests. Wait a moment and try again."),
        "bad_request": _("The server could not read the request. Reload the page and try again."),
        "other_error": _("Something went wrong on the server (code {code}). Please try again."),
        "edit": _("Edit"),
        "deactivate": _("Deactivate"),
        "reactivate": _("Reactivate"),
        "active": _("Active"),
        "inactive": _("Deactivated"),
    }


def import_strings() -> dict[str, str]:
    return {
        "choose_file": _("Choose a file first."),
        "uploading": _("Uploading… {percent}%"),
        "processing": _("Checking the rows…"),
        "import_done": _("Import finished: {created} created, {updated} updated, {errors} rows "
                         "skipped."),
        "import_clean": _("Every row was imported."),
        "import_bad_rows": _("These rows were skipped; correct them in the file and upload it "
                             "again (rows already imported are not duplicated):"),
        "repeats_row": _("{value} repeats row {row}"),
        "file_error": _("The file cannot be imported: {reason}"),
        "file_columns": _("the first row lacks the columns {columns}."),
        "list_separator": _(", "),
        "reason_separator": _("; "),
        "file_empty": _("the file is empty."),
        "file_type": _("choose a file of the type {types}."),
        "file_xlsx": _("it is not a readable Excel workbook (.xlsx)."),
        "file_encoding": _("the CSV file is neither UTF-8 nor GBK text. Save it again as CSV UTF-8."),
        "file_geojson": _("it is not GeoJSON (a Feature or a FeatureCollection)."),
        "file_rows": _("at most {rows} rows can be imported at once."),
    }


def picker_strings() -> dict[str, str]:
    """What the person picker says (choosing a unit's leader or a post's responsible person)."""
    return {
        "no_people": _("No active person matches."),
        "add": _("Add"),
        "remove": _("Remove"),
        "nobody_named": _("Nobody named yet."),
        "person_gone": _("This person is deactivated or no longer exists."),
    }


def unit_choice_strings() -> dict[str, str]:
    """What the pages with a unit select say about it (people, posts)."""
    return {"unit_none": _("None (seen only by accounts of the whole organisation)")}


def unit_strings() -> dict:
    return {
        **common_strings(),
        **import_strings(),
        **picker_strings(),
        "created": _("{name} was added."),
        "conflict_message": _("A unit of this name exists already under the same unit above."),
        "leader_added": _("{name} leads {unit} as {role}."),
        "leader_removed": _("{name} no longer leads {unit} as {role}."),
        "confirm_remove_leader": _("Remove {name} as {role} of {unit}?"),
        "no_parent": _("None: a county has no unit above"),
        "choose_parent": _("Choose the unit above"),
        "kinds": unit_kinds(),
        "roles": leader_roles(),
        "parent_kind": PARENT_KIND,
        "fields": {"name": _("Name"), "kind": _("Kind"), "parent_id": _("Unit above"),
                   "parent": _("Unit above"), "chief": _("Chief commander"),
                   "deputy": _("Deputy commander"), "duty": _("Leader on duty")},
        "field_errors": {
            "name": _("Enter a name of at most 80 characters, without “/”."),
            "kind": _("The kind is county, town or village."),
            "parent_id": _("Choose the unit above: a town lies under a county, a village under "
                           "a town; a county has none."),
            "parent": _("Name the unit above by its name or path: a town lies under a county, a "
                        "village under a town; a county has none."),
            **dict.fromkeys(("chief", "deputy", "duty"), _(
                "No person on the roster has this phone number; import the people first.")),
        },
    }


def people_strings() -> dict:
    return {
        **common_strings(),
        **import_strings(),
        **unit_choice_strings(),
        "form_edit": _("Edit {name}"),
        "created": _("{name} was added."),
        "updated": _("{name} was saved."),
        "deactivated": _("{name} was deactivated."),
        "reactivated": _("{name} is active again."),
        "confirm_deactivate": _("Deactivate {name}? The records stay, but nobody can assign "
                                "this person any more."),
        "conflict_field": "phone",
        "conflict_message": _("This phone number already belongs to someone on the roster."),
        "fields": {"name": _("Full name"), "phone": _("Phone"), "unit": _("Unit"),
                   "kind": _("Category"), "skills": _("Skills"), "home_lat": _("Home latitude"),
                   "home_lon": _("Home longitude"), "unit_id": _("Organisation unit"),
                   "unit_path": _("Organisation unit")},
        "field_errors": {
            "name": _("Enter the name."),
            "phone": _("Enter a valid phone number: digits only, for example 13800000001."),
            "unit": _("Enter the unit: a department or a village."),
            "kind": _("The category is cadre, village official or other."),
            "skills": _("At most 30 skills, each at most 40 characters."),
            "home_lat": _("The latitude is a number from -90 to 90."),
            "home_lon": _("The longitude is a number from -180 to 180."),
            "unit_id": _("Choose one of your units."),
            "unit_path": _("No unit of yours has this path (county/town/village)."),
        },
        "kinds": person_kinds(),
        "post_roles": responsible_roles(),
        "unit_roles": leader_roles(),
    }


def post_strings() -> dict:
    return {
        **common_strings(),
        **import_strings(),
        **unit_choice_strings(),
        **picker_strings(),
        "responsibles": _("Responsible persons"),
        "responsible_added": _("{name} is {role} of {post}."),
        "responsible_removed": _("{name} is no longer {role} of {post}."),
        "confirm_remove_responsible": _("Remove {name} as {role} of {post}?"),
        "roles": responsible_roles(),
        "form_edit": _("Edit {name}"),
        "created": _("{name} was added."),
        "updated": _("{name} was saved."),
        "deactivated": _("{name} was deactivated."),
        "reactivated": _("{name} is active again."),
        "confirm_deactivate": _("Deactivate {name}? The records stay, but no new shifts can be "
                                "set there."),
        "conflict_field": "name",
        "conflict_message": _("A post with this name already exists."),
        "fields": {"name": _("Name"), "kind": _("Kind"), "lat": _("Latitude"),
                   "lon": _("Longitude"), "radius_m": _("Geofence radius (m)"),
                   "village": _("Village"), "risk": _("Risk level"),
                   "capacity": _("Places (relocation sites)"),
                   "unit_id": _("Organisation unit"), "unit_path": _("Organisation unit"),
                   **responsible_roles()},
        "field_errors": {
            "name": _("Enter the name of the post."),
            "kind": _("The kind is one of: reservoir, pond, landslide spot, low-lying road, "
                      "dangerous house, relocation site, bridge or culvert, river embankment, "
                      "other."),
            "lat": _("The latitude is a number from -90 to 90."),
            "lon": _("The longitude is a number from -180 to 180."),
            "radius_m": _("The radius is a number of metres above 0 and at most 10000."),
            "village": _("The village name is too long."),
            "risk": _("The risk level is 1, 2, 3 or 4."),
            "capacity": _("The places are a whole number from 0 to 1000000."),
            "unit_id": _("Choose one of your units."),
            "unit_path": _("No unit of yours has this path (county/town/village)."),
            **dict.fromkeys(responsible_roles(), _(
                "No person on the roster has this phone number; import the people first.")),
        },
        "kinds": post_kinds(),
    }


def event_list_strings() -> dict:
    return {
        **common_strings(),
        "created": _("{name} was opened."),
        "closed_ok": _("{name} was closed."),
        "confirm_close": _("Close the response {name}? No shifts or assignments can be added "
                           "afterwards."),
        "close": _("Close"),
        "open_page": _("Shifts"),
        "status_active": _("In force"),
        "status_closed": _("Closed"),
        "conflict_message": _("This response is already closed."),
        "fields": {"name": _("Name"), "kind": _("Kind"), "level": _("Response level"),
                   "starts_at": _("Start")},
        "field_errors": {
            "name": _("Enter a name, for example: Defence against typhoon No. 5 of 2026."),
            "kind": _("Choose the kind of emergency."),
            "level": _("Choose a level from I to IV."),
            "starts_at": _("Enter the start date and time."),
        },
        "kinds": event_kinds(),
        "levels": levels(),
    }


def event_strings() -> dict:
    return {
        **common_strings(),
        "assigned_of": _("{assigned} of {required} assigned"),
        "short": _("{missing} short"),
        "full": _("Fully staffed"),
        "skills_needed": _("Skills needed: {skills}"),
        "nobody": _("Nobody is assigned yet."),
        "no_shifts": _("No shifts yet."),
        "no_posts": _("There are no active posts. Add posts first."),
        "posts_page": _("Go to the posts"),
        "choose_post": _("Choose a post"),
        "shift_added": _("The shift at {post} was added."),
        "remove": _("Remove"),
        "confirm_remove": _("Take {name} off this shift?"),
        "removed": _("{name} was taken off the shift."),
        "assign": _("Assign"),
        "assigned": _("{name} was assigned."),
        "no_people": _("No active person matches."),
        "conflict_message": _("This person is already on this shift or on another shift at "
                              "the same time, or the response is closed."),
        "closed_message": _("This response is closed: no shifts can be added."),
        "fields": {"post_id": _("Post"), "starts_at": _("Start"), "ends_at": _("End"),
                   "required": _("Headcount"), "skills": _("Skills needed")},
        "field_errors": {
            "post_id": _("Choose an active post."),
            "starts_at": _("Enter the start date and time."),
            "ends_at": _("Enter an end after the start."),
            "required": _("The headcount is a whole number from 1 to 500."),
            "skills": _("At most 10 skills, each at most 40 characters."),
            "person_id": _("This person is deactivated or no longer exists."),
            "shift_id": _("This shift no longer exists. Reload the page."),
        },
    }


def local_input_value(moment: datetime) -> str:
    """A moment as the value of an <input type="datetime-local"> in Beijing time."""
    return moment.astimezone(DISPLAY_ZONE).strftime("%Y-%m-%dT%H:%M")


def local_text(moment: datetime) -> str:
    return moment.astimezone(DISPLAY_ZONE).strftime("%Y-%m-%d %H:%M")


def navigation_context() -> dict:
    """The main menu for the signed-in role, and the role's name: every page blueprint uses it."""
    principal = current_principal()
    role = principal.role if principal else None
    labels = nav_labels()
    nav = [{"url": url_for(endpoint), "label": labels[endpoint],
            "current": request.endpoint in current}
           for endpoint, roles, current in NAV if role in roles]
    return {"nav": nav, "role_name": role_names().get(role, role)}


bp.context_processor(navigation_context)


@bp.get("/people")
@page_for(*READERS)
def people(principal):
    return render_template("admin/people.html", principal=principal,
                           can_edit=principal.role in PEOPLE_EDITORS, i18n=people_strings(),
                           kinds=person_kinds())


@bp.get("/posts")
@page_for(*READERS)
def posts(principal):
    return render_template("admin/posts.html", principal=principal,
                           can_edit=principal.role in POST_EDITORS, i18n=post_strings(),
                           kinds=post_kinds(), responsible_roles=responsible_roles())


@bp.get("/units")
@page_for(*READERS)
def units(principal):
    return render_template("admin/units.html", principal=principal,
                           can_edit=principal.role in UNIT_EDITORS,
                           can_lead=principal.role in LEADER_EDITORS, i18n=unit_strings(),
                           kinds=unit_kinds(), leader_roles=leader_roles())


@bp.get("/events")
@page_for(*READERS)
def events_page(principal):
    return render_template("admin/events.html", principal=principal,
                           can_edit=principal.role in EVENT_EDITORS, i18n=event_list_strings(),
                           kinds=event_kinds(), levels=levels(),
                           default_start=local_input_value(clock.now()))


@bp.get("/events/<int:event_id>")
@page_for(*READERS)
def event(principal, event_id: int):
    event = db.session().get(Event, event_id)
    if event is None:
        abort(404)
    start = max(clock.now(), event.starts_at)
    return render_template("admin/event.html", principal=principal, event=event,
                           can_edit=principal.role in EVENT_EDITORS and event.closed_at is None,
                           i18n=event_strings(), kind_name=event_kinds().get(event.kind),
                           level_name=levels().get(event.level),
                           starts_local=local_text(event.starts_at),
                           default_start=local_input_value(start),
                           default_end=local_input_value(start + timedelta(hours=12)))
