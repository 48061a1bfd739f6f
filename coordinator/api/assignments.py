"""Assignment endpoints: put a person on a shift by hand, or take them off."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import select

from .. import clock, db
from ..models import COMMANDING_ROLES, WATCHING_ROLES, Person, Shift
from ..presenters import assignment_json
from ..services import events
from .endpoint import endpoint
from .schemas.assignments import AssignmentAnswer, AssignmentBody, AssignmentsList, AssignmentsQuery

bp = Blueprint("assignments", __name__, url_prefix="/api/v1")
READERS = WATCHING_ROLES
COMMANDERS = COMMANDING_ROLES


def assignments_json(session, assignments) -> list[dict]:
    shifts = {s.id: s for s in session.scalars(
        select(Shift).where(Shift.id.in_({a.shift_id for a in assignments})))}
    names = dict(session.execute(select(Person.id, Person.name).where(
        Person.id.in_({a.person_id for a in assignments}))).all())
    return [assignment_json(a, shifts[a.shift_id], names.get(a.person_id, ""))
            for a in assignments]


@endpoint(bp, "/assignments", "POST", summary="Put a person on a shift", roles=COMMANDERS,
          body=AssignmentBody, response=AssignmentAnswer, status=201)
def create_assignment(principal, body: AssignmentBody):
    session = db.session()
    assignment = events.create_assignment(session, principal.actor, clock.now(), body.shift_id,
                                          body.person_id)
    return jsonify(assignments_json(session, [assignment])[0]), 201


@endpoint(bp, "/assignments/<int:assignment_id>", "DELETE", summary="Take a person off a shift",
          roles=COMMANDERS, response=AssignmentAnswer)
def remove_assignment(principal, assignment_id: int):
    session = db.session()
    assignment = events.remove_assignment(session, principal.actor, clock.now(), assignment_id)
    return jsonify(assignments_json(session, [assignment])[0])


@endpoint(bp, "/events/<int:event_id>/assignments", "GET",
          summary="The response's current assignments", roles=READERS, query=AssignmentsQuery,
          response=AssignmentsList)
def list_assignments(principal, event_id: int, query: AssignmentsQuery):
    session = db.session()
    event = events.get_event(session, event_id)
    items, total = events.list_assignments(session, event, **query.model_dump())
    return jsonify({"items": assignments_json(session, items), "total": total})
