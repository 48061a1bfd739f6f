"""Assignment engine endpoints: automatic assignment, proposals and their confirmation, the shifts
still open, and the day's duty roster (值班表) as XLSX."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select

from .. import clock, db
from ..models import COMMANDING_ROLES, WATCHING_ROLES, Person, Post, Shift
from ..presenters import iso
from ..services import events, roster
from ..services.assignment import planning, writing
from ..services.assignment.rules import Rules
from .endpoint import OPERATIONS, endpoint, parse_json_body
from .schemas.assign import (
    AssignAnswer,
    AssignBody,
    ConfirmBody,
    OpenShiftsList,
    OpenShiftsQuery,
    ProposalAnswer,
    RosterQuery,
)

bp = Blueprint("assign", __name__, url_prefix="/api/v1")
COMMANDERS = COMMANDING_ROLES
READERS = WATCHING_ROLES
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def rules() -> Rules:
    return Rules.from_config(current_app.config)


def why_text(why: list[str], from_where: str | None = None) -> str:
    """The engine's reasons for a choice, in words of the page's language."""
    words = {
        "nearest": _("nearest of those free"),
        "least_total": _("keeps the total distance least (nearer people are needed elsewhere)"),
        "own_village": _("an official of the post's own village"),
        "skills": _("has the skills needed"),
    }
    parts = [words[code] for code in why if code in words]
    if from_where == "last_fix":
        parts.append(_("measured from the last check-in"))
    return _("; ").join(parts)


def reason_text(reason: str) -> str:
    return {
        "shift_ended": _("the shift has ended"),
        "shift_exceeds_max_duty": _("the shift is longer than the most anyone may be on duty in "
                                    "24 hours"),
        "no_one_with_skills": _("nobody active has the skills needed"),
        "everyone_busy_or_resting": _("everyone with the skills is on another shift or resting"),
        "no_one_within_reach": _("nobody free is within reach of the post"),
        "not_enough_people": _("not enough free people nearby for all the places"),
    }.get(reason, reason)


def _body(model):
    """The JSON body, or the model's defaults when the request has no body at all."""
    return parse_json_body(model) if request.get_data(cache=True).strip() else model()


def _document_body(model) -> None:
    """The view parses its optional body itself; the OpenAPI document still shows it."""
    OPERATIONS[-1].body = model
    OPERATIONS[-1].body_required = False


def shortfalls_json(unfilled) -> list[dict]:
    return [{"shift_id": u.shift_id, "missing": u.missing, "reason": u.reason} for u in unfilled]


@endpoint(bp, "/events/<int:event_id>/assign", "POST",
          summary="Fill the open places of the shifts automatically (all open shifts by default)",
          roles=COMMANDERS, response=AssignAnswer)
def assign(principal, event_id: int):
    body = _body(AssignBody)
    session = db.session()
    event = events.get_event(session, event_id)
    created, plan = writing.assign_open_places(session, principal.actor, clock.now(), event,
                                               rules(), body.shift_ids)
    return jsonify(answer(created, plan.unfilled))


_document_body(AssignBody)


def answer(created, unfilled) -> dict:
    items = [{"id": a.id, "shift_id": a.shift_id, "person_id": a.person_id,
              "distance_m": a.distance_m} for a in created]
    return {"assignments": items, "unfilled": shortfalls_json(unfilled),
            "total_distance_m": round(sum(a.distance_m or 0.0 for a in created), 1)}


@endpoint(bp, "/events/<int:event_id>/assign/proposal", "POST",
          summary="What automatic assignment would do, with names and reasons; nothing is saved",
          roles=COMMANDERS, response=ProposalAnswer)
def propose(principal, event_id: int):
    body = _body(AssignBody)
    session = db.session()
    event = events.get_event(session, event_id)
    plan = planning.plan_open_places(session, event, clock.now(), rules(), body.shift_ids)
    return jsonify(proposal_json(session, plan))


_document_body(AssignBody)


def proposal_json(session, plan: planning.Plan) -> dict:
    shift_ids = {p.shift_id for p in plan.proposals} | {u.shift_id for u in plan.unfilled}
    shifts = {s.id: s for s in session.scalars(select(Shift).where(Shift.id.in_(shift_ids)))}
    posts = {p.id: p for p in session.scalars(select(Post).where(
        Post.id.in_({s.post_id for s in shifts.values()})))}
    people = {p.id: p for p in session.scalars(select(Person).where(
        Person.id.in_({p.person_id for p in plan.proposals})))}
    items = []
    for p in plan.proposals:
        shift, person = shifts[p.shift_id], people[p.person_id]
        post = posts[shift.post_id]
        items.append({
            "id": None, "shift_id": p.shift_id, "person_id": p.person_id,
            "distance_m": p.distance_m, "cost_m": p.cost_m, "person_name": person.name,
            "person_unit": person.unit, "person_phone": person.phone,
            "person_kind": person.kind, "from_where": p.from_where, "from_lat": p.from_lat,
            "from_lon": p.from_lon, "hours_before": p.hours_before, "post_id": post.id,
            "post_name": post.name, "post_village": post.village, "post_lat": post.lat,
            "post_lon": post.lon, "starts_at": iso(shift.starts_at),
            "ends_at": iso(shift.ends_at), "why": p.why, "reason": why_text(p.why, p.from_where)})
    unfilled = [{**row, "post_name": posts[shifts[row["shift_id"]].post_id].name,
                 "reason_text": reason_text(row["reason"])}
                for row in shortfalls_json(plan.unfilled)]
    return {"assignments": items, "unfilled": unfilled,
            "total_distance_m": plan.total_distance_m}


@endpoint(bp, "/events/<int:event_id>/assign/confirm", "POST",
          summary="Save a proposal as the commander adjusted it (each row keeps the hard rules)",
          roles=COMMANDERS, body=ConfirmBody, response=AssignAnswer)
def confirm(principal, event_id: int, body: ConfirmBody):
    session = db.session()
    event = events.get_event(session, event_id)
    created = writing.confirm_rows(session, principal.actor, clock.now(), event, rules(),
                                   [(r.shift_id, r.person_id, r.swapped) for r in body.rows])
    return jsonify(answer(created, []))


@endpoint(bp, "/events/<int:event_id>/assign/shifts", "GET",
          summary="The event's shifts that have not ended and still have open places",
          roles=COMMANDERS, query=OpenShiftsQuery, response=OpenShiftsList)
def open_shifts(principal, event_id: int, query: OpenShiftsQuery):
    session = db.session()
    event = events.get_event(session, event_id)
    shifts = session.scalars(select(Shift).where(
        Shift.event_id == event.id, Shift.ends_at > clock.now())
        .order_by(Shift.starts_at, Shift.id)).all()
    posts = {p.id: p for p in session.scalars(select(Post).where(
        Post.id.in_({s.post_id for s in shifts})))}
    counts = events.assigned_counts(session, [s.id for s in shifts])
    items = []
    for shift in shifts:
        post = posts[shift.post_id]
        if ((query.starts_from and shift.starts_at < query.starts_from)
                or (query.starts_until and shift.starts_at > query.starts_until)
                or (query.village and post.village != query.village)
                or (query.kind and post.kind != query.kind)):
            continue
        assigned = counts.get(shift.id, 0)
        if assigned >= shift.required:
            continue
        items.append({"id": shift.id, "post_id": post.id, "post_name": post.name,
                      "post_kind": post.kind, "village": post.village, "lat": post.lat,
                      "lon": post.lon, "starts_at": iso(shift.starts_at),
                      "ends_at": iso(shift.ends_at), "required": shift.required,
                      "assigned": assigned, "open": shift.required - assigned,
                      "skills": list(shift.skills or [])})
    return jsonify({"items": items, "total": len(items)})


@endpoint(bp, "/events/<int:event_id>/roster.xlsx", "GET",
          summary="The day's duty roster (值班表) as an A4 Excel workbook", roles=READERS,
          query=RosterQuery, produces=XLSX)
def roster_workbook(principal, event_id: int, query: RosterQuery):
    session = db.session()
    event = events.get_event(session, event_id)
    table = roster.duty_roster(session, event, query.date, current_app.config.get("ORG_NAME", ""),
                               query.leader, query.leader_phone)
    name = f"{table.title}-{query.date.isoformat()}.xlsx"
    response = current_app.response_class(roster.roster_xlsx(table), mimetype=XLSX)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"roster-{query.date.isoformat()}.xlsx\"; "
        f"filename*=UTF-8''{quote(name)}")
    return response
