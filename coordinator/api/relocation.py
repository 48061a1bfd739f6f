"""Relocation (人员转移, 应转尽转): the households to move, the field's reports and shelter
arrivals, and planned against moved per village and town."""

from __future__ import annotations

from flask import Blueprint, jsonify

from .. import clock, db
from ..models import COMMANDING_ROLES, WATCHING_ROLES, Event
from ..services import catalogue, households, relocation, relocation_status, reports
from ..services.fields import HouseholdBody
from .endpoint import endpoint
from .field import caller_person
from .schemas.common import ImportAnswer
from .schemas.relocation import (
    ArrivalAnswer,
    ArrivalBody,
    EventHouseholdsList,
    EventHouseholdsQuery,
    HouseholdAnswer,
    HouseholdPatch,
    HouseholdsList,
    HouseholdsQuery,
    MyRelocation,
    MyRelocationQuery,
    RelocationAnswer,
    RelocationBody,
    RelocationQuery,
    RelocationsList,
    RelocationsQuery,
    RelocationSummary,
    SheltersList,
)
from .uploads import uploaded_file

bp = Blueprint("relocation", __name__, url_prefix="/api/v1")
REPORTERS = ("staff", "admin", "commander")


def _reporter(principal) -> relocation.Reporter:
    person = caller_person(principal) if principal.role == "staff" else None
    return relocation.Reporter(principal.actor, person, principal.user_id)


def _one(session, household) -> dict:
    return households.households_json(session, [household])[0]


@endpoint(bp, "/households/import", "POST",
          summary="Import the households to move from a CSV or XLSX file (matched by phone "
                  "within the village)", roles=COMMANDING_ROLES, response=ImportAnswer,
          multipart={"file": ".csv or .xlsx: head_name,phone,unit_path,people,vulnerable,lat,"
                             "lon,shelter (户主,电话,所属村,人数,重点人员,纬度,经度,安置点)"})
def import_households(principal):
    name, content = uploaded_file((".csv", ".xlsx"))
    result = households.import_households(db.session(), principal.actor, clock.now(), name,
                                          content)
    return jsonify(result.as_dict())


@endpoint(bp, "/households", "GET", summary="The households to move, most vulnerable first",
          roles=WATCHING_ROLES, query=HouseholdsQuery, response=HouseholdsList)
def list_households(principal, query: HouseholdsQuery):
    session = db.session()
    items, total = households.list_households(session, **query.model_dump())
    return jsonify({"items": households.households_json(session, items), "total": total})


@endpoint(bp, "/households", "POST", summary="Add a household to move", roles=COMMANDING_ROLES,
          body=HouseholdBody, response=HouseholdAnswer, status=201)
def create_household(principal, body: HouseholdBody):
    session = db.session()
    household = households.create_household(session, principal.actor, clock.now(),
                                            body.model_dump())
    return jsonify(_one(session, household)), 201


@endpoint(bp, "/households/<int:household_id>", "GET", summary="One household",
          roles=WATCHING_ROLES, response=HouseholdAnswer)
def get_household(principal, household_id: int):
    session = db.session()
    return jsonify(_one(session, households.get_household(session, household_id)))


@endpoint(bp, "/households/<int:household_id>", "PATCH",
          summary="Correct a household (only the fields sent)", roles=COMMANDING_ROLES,
          body=HouseholdPatch, response=HouseholdAnswer)
def update_household(principal, household_id: int, body: HouseholdPatch):
    session = db.session()
    household = households.get_household(session, household_id)
    households.update_household(session, principal.actor, clock.now(), household,
                                body.model_dump(exclude_unset=True))
    return jsonify(_one(session, household))


@endpoint(bp, "/events/<int:event_id>/relocations", "POST",
          summary="Report a household: moved, self-arranged, refused or not home (idempotent "
                  "by client_id; the latest taken_at is its state)", roles=REPORTERS,
          body=RelocationBody, response=RelocationAnswer, status=201)
def report_relocation(principal, event_id: int, body: RelocationBody):
    fields = body.model_dump()
    fields["client_id"] = str(body.client_id)
    report, created = relocation.record_report(db.session(), _reporter(principal), event_id,
                                               fields, received_at=clock.now())
    return jsonify(relocation.report_json(report)), 201 if created else 200


@endpoint(bp, "/events/<int:event_id>/relocations", "GET",
          summary="The reports of households in a response, newest first (the history)",
          roles=WATCHING_ROLES, query=RelocationsQuery, response=RelocationsList)
def list_relocations(principal, event_id: int, query: RelocationsQuery):
    items, total = relocation.list_reports(db.session(), event_id, **query.model_dump())
    return jsonify({"items": items, "total": total})


@endpoint(bp, "/events/<int:event_id>/shelter-arrivals", "POST",
          summary="Count people arriving at a shelter (idempotent by client_id)",
          roles=REPORTERS, body=ArrivalBody, response=ArrivalAnswer, status=201)
def record_arrival(principal, event_id: int, body: ArrivalBody):
    fields = body.model_dump()
    fields["client_id"] = str(body.client_id)
    arrival, created = relocation.record_arrival(db.session(), _reporter(principal), event_id,
                                                 fields, received_at=clock.now())
    return jsonify(relocation.arrival_json(arrival)), 201 if created else 200


@endpoint(bp, "/events/<int:event_id>/relocation", "GET",
          summary="Planned against moved per village or town (应转尽转), with the totals",
          roles=WATCHING_ROLES, query=RelocationQuery, response=RelocationSummary)
def relocation_summary(principal, event_id: int, query: RelocationQuery):
    session = db.session()
    event = catalogue.get_or_404(session, Event, event_id)
    items, totals = relocation_status.figures(session, event, query.by)
    return jsonify({"by": query.by, "items": items, "totals": totals})


@endpoint(bp, "/events/<int:event_id>/shelters", "GET",
          summary="Each shelter's places against the people planned and arrived",
          roles=WATCHING_ROLES, response=SheltersList)
def list_shelters(principal, event_id: int):
    session = db.session()
    event = catalogue.get_or_404(session, Event, event_id)
    items = relocation_status.shelters(session, event)
    return jsonify({"items": items, "total": len(items)})


@endpoint(bp, "/events/<int:event_id>/households", "GET",
          summary="A response's households with their state, those still to move first",
          roles=WATCHING_ROLES, query=EventHouseholdsQuery, response=EventHouseholdsList)
def event_households(principal, event_id: int, query: EventHouseholdsQuery):
    session = db.session()
    event = catalogue.get_or_404(session, Event, event_id)
    items, total = relocation.households_in_event(session, event, **query.model_dump())
    return jsonify({"items": items, "total": total})


@endpoint(bp, "/me/relocation", "GET",
          summary="The households I report and the shelters I manage, in my current response",
          roles=("staff",), query=MyRelocationQuery, response=MyRelocation)
def my_relocation(principal, query: MyRelocationQuery):
    session = db.session()
    person = caller_person(principal)
    now = clock.now()
    event_id = query.event_id or reports.current_event_id(session, person.id, now)
    if event_id is None:
        return jsonify({"event_id": None, "households": [], "shelters": []})
    event = catalogue.get_or_404(session, Event, event_id)
    items, _total = relocation.households_in_event(session, event, person=person, limit=2_000)
    shelter_ids = relocation.managed_shelters(session, person.id, event.id)
    shelters = relocation_status.shelters(session, event, sorted(shelter_ids), whole=True) \
        if shelter_ids else []
    return jsonify({"event_id": event.id, "households": items, "shelters": shelters})
