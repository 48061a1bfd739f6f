"""The field worker's phone pages, opened from a staff link bound to one phone, and its PWA shell."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf

from .. import clock, db
from ..models import Person
from ..security import DEVICE_COOKIE, require, sign_in_session
from ..services import accounts
from .admin import leader_roles, responsible_roles
from .pages import page_for, public_page

bp = Blueprint("phone", __name__, url_prefix="/m")
DEVICE_COOKIE_DAYS = 400
# What the service worker keeps so that the page opens without a network (paths under static/).
SHELL_STATIC = (
    "css/app.css",
    "css/phone.css",
    "js/common.js",
    "js/phone.js",
    "js/phone-calls.js",
    "js/phone-geo.js",
    "js/phone-map.js",
    "js/phone-queue.js",
    "js/phone-relocation.js",
    "js/phone-responsibilities.js",
    "js/phone-store.js",
    "vendor/leaflet/leaflet.js",
    "vendor/leaflet/leaflet.css",
    "vendor/socket.io/socket.io.min.js",
    "icons/phone-192.png",
)
SERVICE_WORKER = "js/phone-sw.js"


@bp.get("/link/<code>")
@public_page(writes=True)  # opening a link binds the phone, or records the refusal
def open_link(code: str):
    """Sign the phone in as the link's person; a second phone is refused and the attempt kept."""
    session = db.session()
    opening = accounts.open_staff_link(
        session, code, request.cookies.get(DEVICE_COOKIE), at=clock.now(),
        address=request.remote_addr or "unknown",
        user_agent=request.headers.get("User-Agent", ""))
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


def check_in_kinds() -> dict[str, str]:
    return {"check_in": _("Check in"), "presence": _("Confirm presence"),
            "check_out": _("Check out"), "report": _("Hazard report"),
            "ack": _("Acknowledgement"), "call_answer": _("Answer to a call"),
            "relocation": _("Relocation report"), "shelter_arrival": _("Shelter arrival")}


def flag_names() -> dict[str, str]:
    return {
        "late": _("Late"),
        "outside_fence": _("Not inside the geofence"),
        "low_accuracy": _("GPS accuracy too low"),
        "offline": _("Sent later (offline)"),
        "suspected_spoof": _("Suspected false location (to be checked)"),
        "clock_skew": _("Phone clock is wrong"),
    }


def flag_meanings() -> dict[str, str]:
    return {
        "late": _("the check-in came after the shift's start and its grace time."),
        "outside_fence": _("the position is outside the post's fence, so it does not count "
                           "as on duty."),
        "low_accuracy": _("the GPS error was too large to tell whether you were at the post."),
        "offline": _("it was recorded without a network and sent when the network returned; "
                     "the time of the position is kept."),
        "suspected_spoof": _("the position looks unusual; an inspector will check it. This is "
                             "not a penalty by itself."),
        "clock_skew": _("the phone's clock is ahead of the server's; set the phone's time "
                        "automatically from the network."),
    }


def failure_reasons() -> dict[str, str]:
    return {
        "validation_error": _("The record has invalid content."),
        "forbidden": _("You may not send this record (the duty may have been changed)."),
        "not_found": _("The duty no longer exists."),
        "payload_too_large": _("The photo is too large."),
        "bad_request": _("The server could not read the record."),
    }


def call_strings() -> dict[str, str]:
    """What the banner of a call (叫应) or a roll call (随机点名) says."""
    return {
        "call": _("Call from the command center"),
        "roll_call": _("Roll call"),
        "answer_call": _("Received"),
        "answer_roll_call": _("Present at my post"),
        "deadline": _("Please answer by {time}"),
        "sending": _("Sending the answer…"),
        "queued": _("Recorded; it is sent when the network returns"),
        "held": _("Recorded; the server cannot take it right now, it is sent again "
                  "automatically"),
        "answered": _("Answered {time}"),
        "outside": _("Answered {time}, but not inside the post's fence: it does not count as "
                     "present."),
    }


def relocation_strings() -> dict[str, str]:
    """What the relocation list (人员转移) and the shelters' arrivals say."""
    return {
        "moved": _("Moved"),
        "self_arranged": _("With relatives or friends"),
        "refused": _("Refused to move"),
        "not_home": _("Not at home"),
        "none": _("Not moved yet"),
        "outstanding": _("{households} households to move · {vulnerable} vulnerable people"),
        "people": _("{n} people"),
        "vulnerable": _("{n} vulnerable"),
        "shelter": _("Shelter: {name}"),
        "no_shelter": _("No shelter is planned for this household"),
        "reported": _("{people} people, reported {time}"),
        "as_of": _("No network: this is the list as of {time}."),
        "people_needed": _("A household that moved moves at least one person."),
        "sheltered": _("Sheltered {sheltered} / places {capacity}"),
        "sheltered_only": _("Sheltered {sheltered}"),
        "planned": _("{planned} people planned"),
        "waiting_people": _("{people} people waiting to sync"),
        "arrival_needed": _("Count at least one person arriving."),
        "arrival_sent": _("Arrival of {people} people recorded."),
        "queued": _("Recorded; it is sent when the network returns"),
        "report_label": _("{name}: {status}, {people} people"),
        "arrival_label": _("{shelter}: {people} people arrived"),
    }


def phone_strings() -> dict:
    """Everything the phone page's scripts say, in the page's language."""
    return {
        "kinds": check_in_kinds(),
        "calls": call_strings(),
        "relocation": relocation_strings(),
        "flags": flag_names(),
        "flag_meanings": flag_meanings(),
        "failure_reasons": failure_reasons(),
        "directions": [_("north"), _("north-east"), _("east"), _("south-east"), _("south"),
                       _("south-west"), _("west"), _("north-west")],
        "metres": _("{n} m"),
        "kilometres": _("{n} km"),
        "status_current": _("On duty now"),
        "status_upcoming": _("Next duty"),
        "status_later": _("Later duty"),
        "acknowledged": _("Acknowledged at {time}"),
        "ack_waiting": _("Acknowledged; waiting to be sent"),
        "checked_in": _("Checked in"),
        "starts_later": _("This shift starts at {time}. You may check in up to an hour "
                          "before."),
        "no_duty": _("You have no duty at the moment. When the command center sends you to a "
                     "post, it appears here."),
        "duty_as_of": _("No network: this is your duty as of {time}."),
        "duty_unknown": _("Your duty cannot be loaded without a network. Check-ins still work "
                          "and are sent when the network returns."),
        "locating": _("Getting your position…"),
        "geo_denied": _("Cannot get your position: location is not allowed. Allow this browser "
                        "to use your location in the phone's settings (Settings → Apps → "
                        "Browser → Permissions → Location), then come back and try again."),
        "geo_timeout": _("Getting your position took too long: there is no satellite signal. "
                         "Move to an open place, wait a moment and try again."),
        "geo_unavailable": _("Cannot get your position: turn on the phone's location service "
                             "(GPS) and try again."),
        "geo_unsupported": _("This browser cannot tell your position. Open the duty link in "
                             "the phone's own browser."),
        "nothing_sent": _("Nothing was sent."),
        "geo_poor": _("Poor GPS accuracy (about ±{accuracy}; it must be within {limit}): the "
                      "record is marked as poor accuracy and does not count as on duty. Move "
                      "to an open place and try again in a moment."),
        "position_inside": _("You are inside the post's fence, {distance} from its centre."),
        "position_outside": _("The post is {distance} away, to the {direction}."),
        "position_accuracy": _("GPS accuracy ±{accuracy}."),
        "position_unknown": _("Your position is not known yet."),
        "result_inside": _("{kind} recorded: inside the fence, {distance} from the post."),
        "result_outside": _("{kind} recorded, but outside the fence: {distance} from the post "
                            "(the fence reaches {radius}). It does not count as on duty."),
        "result_uncertain": _("{kind} recorded, but the GPS fix is too rough to tell whether you "
                              "are inside the fence ({distance} from the post). It does not count "
                              "as on duty."),
        "result_replay": _("This record had arrived already; it was not stored twice."),
        "result_queued": _("No network: the {kind} is kept on this phone (position taken at "
                           "{time}) and will be sent automatically when the network returns."),
        "result_held": _("The server cannot take the {kind} right now: it is kept on this phone "
                         "(position taken at {time}) and will be sent again automatically."),
        "result_failed": _("The {kind} was not accepted: {reason}"),
        "flags_title": _("Notes:"),
        "flag_meaning": _(": {meaning}"),
        "report_sent": _("The hazard report has reached the command center."),
        "report_queued": _("No network: the hazard report is kept on this phone and will be "
                           "sent automatically when the network returns."),
        "report_held": _("The server cannot take the hazard report right now: it is kept on this "
                         "phone and will be sent again automatically."),
        "report_describe": _("Describe what you see."),
        "report_last_fix": _("The current position is not available; the report uses your "
                             "position of {time}."),
        "photo_ready": _("Photo attached ({size})."),
        "photo_failed": _("The photo cannot be read. Take it again or choose another one."),
        "photo_shrinking": _("Preparing the photo…"),
        "ack_sent": _("Acknowledged: the command center knows you received the duty."),
        "queue_waiting": _("{count} waiting to be sent"),
        "queue_clear": _("Everything has been sent"),
        "offline": _("Offline"),
        "failed_reason": _("{reason} Server: {message}"),
        "session_ended": _("Your sign-in has ended. Open your duty link again; the records "
                           "waiting on this phone are kept."),
        "dismiss": _("Dismiss"),
        "sent_ok": _("sent"),
        "inside": _("inside the geofence"),
        "outside": _("not inside the geofence"),
        "post_roles": responsible_roles(),
        "unit_roles": leader_roles(),
    }


@bp.get("/")
@page_for("staff")
def home(principal):
    person = db.session().get(Person, principal.person_id)
    config = current_app.config
    return render_template(
        "phone/home.html", person=person, i18n=phone_strings(),
        settings={"personId": person.id, "accuracyLimitM": config["ACCURACY_LIMIT_M"],
                  "tileUrl": config["TILE_URL"], "serviceWorker": url_for("phone.service_worker"),
                  "csrfUrl": url_for("phone.csrf_token"),
                  "assignmentsUrl": url_for("field.my_assignments"),
                  "responsibilitiesUrl": url_for("field.my_responsibilities"),
                  "checkinsUrl": url_for("field.create_checkin"),
                  "reportsUrl": url_for("field.create_report"),
                  "ackUrl": url_for("field.acknowledge", assignment_id=0),
                  "myCallsUrl": url_for("calls.my_calls"),
                  "callAnswerUrl": url_for("calls.answer_call", call_id=0),
                  "myRelocationUrl": url_for("relocation.my_relocation"),
                  "relocationsUrl": url_for("relocation.report_relocation", event_id=0),
                  "arrivalsUrl": url_for("relocation.record_arrival", event_id=0)})


@bp.get("/csrf")
@public_page()
def csrf_token():
    """A fresh CSRF token for a signed-in phone whose page (kept offline) holds a stale one."""
    require("staff")
    response = jsonify({"csrf_token": generate_csrf()})
    response.headers["Cache-Control"] = "no-store"
    return response


def shell_files() -> list[Path]:
    static = Path(current_app.static_folder)
    return [static / name for name in SHELL_STATIC if (static / name).is_file()]


@bp.get("/sw.js")
@public_page()
def service_worker():
    """The service worker, served under /m/ so that its scope is the phone pages.

    Its version is a hash of the shell's files: changing any of them installs a fresh cache.
    """
    static = Path(current_app.static_folder)
    source = (static / SERVICE_WORKER).read_text(encoding="utf-8")
    files = shell_files()
    digest = hashlib.sha256(source.encode("utf-8"))
    for path in files:
        digest.update(path.read_bytes())
    shell = [url_for("phone.home")] + [
        url_for("static", filename=path.relative_to(static).as_posix()) for path in files]
    script = (source.replace('"__VERSION__"', json.dumps(digest.hexdigest()[:16]))
              .replace('["__SHELL__"]', json.dumps(shell)))
    response = Response(script, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
@public_page()
def manifest():
    """The web app manifest: installable on the home screen, opening the duty page."""
    body = {
        "name": _("Duty coordinator"),
        "short_name": _("My duty"),
        "lang": "zh-CN",
        "start_url": url_for("phone.home"),
        "scope": url_for("phone.home"),
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f3f5f8",
        "theme_color": "#1d4f91",
        "icons": [
            {"src": url_for("static", filename="icons/phone-192.png"), "sizes": "192x192",
             "type": "image/png", "purpose": "any maskable"},
            {"src": url_for("static", filename="icons/phone-512.png"), "sizes": "512x512",
             "type": "image/png", "purpose": "any maskable"},
        ],
    }
    response = Response(json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response
