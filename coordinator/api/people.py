"""People endpoints: the roster, its search and its spreadsheet import."""

from __future__ import annotations

from flask import Blueprint, jsonify

from .. import clock, db
from ..models import WATCHING_ROLES
from ..presenters import person_json
from ..services import imports, organisation, people
from ..services.fields import PersonBody
from .endpoint import endpoint
from .organisation import responsibilities_json
from .schemas.common import ImportAnswer
from .schemas.people import PeopleList, PeopleQuery, PersonAnswer, PersonPatch
from .uploads import uploaded_file

bp = Blueprint("people", __name__, url_prefix="/api/v1/people")
READERS = WATCHING_ROLES
EDITORS = ("admin",)


def people_json(session, items: list) -> list[dict]:
    """People as answered: each with what they are responsible for (one query for them all)."""
    found = organisation.responsibilities_of(session, [person.id for person in items])
    return [{**person_json(person), "responsibilities": responsibilities_json(found[person.id])}
            for person in items]


@endpoint(bp, "", "POST", summary="Add a person to the roster", roles=EDITORS,
          body=PersonBody, response=PersonAnswer, status=201)
def create_person(principal, body: PersonBody):
    session = db.session()
    person = people.create_person(session, principal.actor, clock.now(), body.model_dump())
    return jsonify(people_json(session, [person])[0]), 201


@endpoint(bp, "", "GET", summary="Search the roster", roles=READERS, query=PeopleQuery,
          response=PeopleList)
def list_people(principal, query: PeopleQuery):
    session = db.session()
    items, total = people.list_people(session, **query.model_dump())
    return jsonify({"items": people_json(session, items), "total": total})


@endpoint(bp, "/<int:person_id>", "GET", summary="One person", roles=READERS,
          response=PersonAnswer)
def get_person(principal, person_id: int):
    session = db.session()
    return jsonify(people_json(session, [people.get_person(session, person_id)])[0])


@endpoint(bp, "/<int:person_id>", "PATCH", summary="Edit a person (only the fields sent)",
          roles=EDITORS, body=PersonPatch, response=PersonAnswer)
def update_person(principal, person_id: int, body: PersonPatch):
    session = db.session()
    person = people.get_person(session, person_id)
    people.update_person(session, principal.actor, clock.now(), person,
                         body.model_dump(exclude_unset=True))
    return jsonify(people_json(session, [person])[0])


@endpoint(bp, "/<int:person_id>/deactivate", "POST",
          summary="Deactivate a person: kept in the records, never assigned again",
          roles=EDITORS, response=PersonAnswer)
def deactivate_person(principal, person_id: int):
    session = db.session()
    person = people.get_person(session, person_id)
    people.update_person(session, principal.actor, clock.now(), person, {"active": False},
                         action="deactivate")
    return jsonify(people_json(session, [person])[0])


@endpoint(bp, "/import", "POST", summary="Import people from a CSV or XLSX file (matched by phone)",
          roles=EDITORS, response=ImportAnswer, multipart={"file": ".csv or .xlsx"})
def import_people(principal):
    name, content = uploaded_file((".csv", ".xlsx"))
    session = db.session()
    result = imports.import_people(session, principal.actor, clock.now(), name, content)
    return jsonify(result.as_dict())
