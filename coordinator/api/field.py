"""Field endpoints used by phones: check-ins, my assignments and responsibilities, acknowledgements,
hazard reports."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, current_app, jsonify, url_for

from .. import checkin_rate, clock, db
from ..errors import forbidden, not_found
from ..models import CheckIn, FieldReport, Person
from ..presenters import checkin_json, iso, recorded_checkin_json, report_json
from ..services import accounts, checkins, duty, idempotency, organisation, reports
from .assignments import assignments_json
from .endpoint import endpoint
from .organisation import responsibilities_json
from .schemas.assignments import AssignmentAnswer
from .schemas.field import (
    CheckInAnswer,
    CheckInBody,
    MyAssignments,
    ReportAnswer,
    ReportBody,
    ReviewBody,
)
from .schemas.organisation import Responsibilities

bp = Blueprint("field", __name__, url_prefix="/api/v1")
STAFF = ("staff",)


def fence_rules() -> checkins.FenceRules:
    config = current_app.config
    return checkins.FenceRules(
        accuracy_limit_m=config["ACCURACY_LIMIT_M"], tolerance_m=config["FENCE_TOLERANCE_M"],
        late_grace=timedelta(minutes=config["LATE_GRACE_MINUTES"]))


def caller_person(principal) -> Person:
    """The caller's own person; a staff account not linked to one cannot act in the field."""
    person = db.session().get(Person, principal.person_id) if principal.person_id else None
    if person is None:
        raise forbidden("This account is not linked to a person on the roster; "
                        "open your staff link instead.")
    return person


def caller_card(principal) -> accounts.PersonCard | Person:
    """The caller's id, name and phone: the row read with the bearer token when there is one."""
    record = principal.record
    if isinstance(record, accounts.PersonCard | Person) and record.id == principal.person_id:
        return record
    return caller_person(principal)


@endpoint(bp, "/checkins", "POST", summary="Check in, confirm presence or check out at a post",
          roles=STAFF, body=CheckInBody, response=CheckInAnswer, status=201,
          errors={429: "Too many check-ins from this phone: retry after Retry-After"})
def create_checkin(principal, body: CheckInBody):
    session = db.session()
    fields = body.model_dump()
    fields["client_id"] = str(body.client_id)
    person = caller_card(principal)
    checkin, created = checkin_rate.within_allowance(
        person.id,
        replay=lambda: idempotency.replay(session, CheckIn, fields["client_id"],
                                          idempotency.request_fingerprint(fields), person.id),
        record=lambda: checkins.record_checkin(session, person, fields, received_at=clock.now(),
                                               rules=fence_rules()))
    radius_m = checkins.post_radius(session, checkin.post_id)
    return jsonify(recorded_checkin_json(checkin, radius_m)), 201 if created else 200


@endpoint(bp, "/checkins/<int:checkin_id>/review", "POST",
          summary="An inspector's verdict on a flagged check-in (rejected stops counting)",
          roles=("inspector",), body=ReviewBody, response=CheckInAnswer)
def review_checkin(principal, checkin_id: int, body: ReviewBody):
    session = db.session()
    checkin = checkins.review_checkin(session, principal.actor, principal.user_id, clock.now(),
                                      checkin_id, body.verdict, body.note)
    return jsonify(checkin_json(checkin, checkins.post_radius(session, checkin.post_id)))


@endpoint(bp, "/me/assignments", "GET", summary="My current and upcoming assignments",
          roles=STAFF, response=MyAssignments)
def my_assignments(principal):
    items = [{
        "id": row["assignment"].id,
        "shift_id": row["shift"].id,
        "event_id": row["event"].id,
        "event_name": row["event"].name,
        "post_id": row["post"].id,
        "post_name": row["post"].name,
        "post_kind": row["post"].kind,
        "lat": row["post"].lat,
        "lon": row["post"].lon,
        "radius_m": row["post"].radius_m,
        "starts_at": iso(row["shift"].starts_at),
        "ends_at": iso(row["shift"].ends_at),
        "acknowledged_at": iso(row["assignment"].acknowledged_at),
        "status": row["status"],
        "checked_in": row["checked_in"],
    } for row in duty.my_assignments(db.session(), principal.person_id, clock.now())]
    return jsonify({"items": items, "total": len(items)})


@endpoint(bp, "/me/responsibilities", "GET",
          summary="What I am responsible for: posts with my role (巡查责任人...) and the units I "
                  "lead (带班领导...)", roles=STAFF, response=Responsibilities)
def my_responsibilities(principal):
    person_ids = [principal.person_id] if principal.person_id else []
    found = organisation.responsibilities_of(db.session(), person_ids)
    return jsonify(responsibilities_json(found.get(principal.person_id,
                                                   organisation.Responsibilities())))


@endpoint(bp, "/assignments/<int:assignment_id>/ack", "POST",
          summary="Acknowledge an assignment: received, on my way (接收确认)", roles=STAFF,
          response=AssignmentAnswer)
def acknowledge(principal, assignment_id: int):
    session = db.session()
    assignment = duty.acknowledge(session, principal.actor, principal.person_id, assignment_id,
                                  clock.now())
    return jsonify(assignments_json(session, [assignment])[0])


def report_photo_url(report: FieldReport) -> str | None:
    return url_for("field.report_photo", report_id=report.id) if report.photo else None


@endpoint(bp, "/reports", "POST", summary="Report a hazard from the field, with an optional photo",
          roles=STAFF, body=ReportBody, response=ReportAnswer, status=201)
def create_report(principal, body: ReportBody):
    session = db.session()
    fields = body.model_dump()
    fields["client_id"] = str(body.client_id)
    report, created = reports.record_report(session, caller_person(principal), fields,
                                            received_at=clock.now(), photo_url=report_photo_url)
    return jsonify(report_json(report, report_photo_url(report))), 201 if created else 200


@endpoint(bp, "/reports/<int:report_id>/photo", "GET", summary="A hazard report's photo",
          roles=("admin", "commander", "inspector", "staff"), produces="image/jpeg")
def report_photo(principal, report_id: int):
    report = db.session().get(FieldReport, report_id)
    if report is None or report.photo is None or (
            principal.role == "staff" and report.person_id != principal.person_id):
        raise not_found(f"The photo of report {report_id}")
    return Response(report.photo, mimetype=report.photo_type,
                    headers={"Cache-Control": "private, max-age=86400"})
