"""The command chain (防汛组织体系): units, their leaders, the responsible persons of posts, and
accounts that see one unit's subtree."""

from __future__ import annotations

from flask import Blueprint, jsonify

from .. import clock, db
from ..errors import conflict, not_found, validation_error
from ..models import COMMANDING_ROLES, WATCHING_ROLES, Person, Post, User
from ..presenters import iso
from ..services import accounts, catalogue, imports, organisation, people, posts, scope
from .endpoint import endpoint
from .schemas.common import ImportAnswer
from .schemas.organisation import (
    LeaderAnswer,
    LeaderBody,
    LeadersList,
    ResponsibleAnswer,
    ResponsibleBody,
    ResponsiblesList,
    UnitAnswer,
    UnitBody,
    UnitsList,
    UserAnswer,
    UserBody,
)
from .uploads import uploaded_file

bp = Blueprint("organisation", __name__, url_prefix="/api/v1")


def unit_json(unit) -> dict:
    return {"id": unit.id, "name": unit.name, "kind": unit.kind, "parent_id": unit.parent_id,
            "path": organisation.path_names(unit)}


def leader_json(leader, person: Person) -> dict:
    return {"id": leader.id, "unit_id": leader.unit_id, "person_id": person.id,
            "name": person.name, "phone": person.phone, "role": leader.role,
            "created_at": iso(leader.created_at)}


def responsible_json(responsible, person: Person) -> dict:
    return {"id": responsible.id, "post_id": responsible.post_id, "person_id": person.id,
            "name": person.name, "phone": person.phone, "role": responsible.role,
            "created_at": iso(responsible.created_at)}


def responsibilities_json(found: organisation.Responsibilities) -> dict:
    """What one person answers for: `{"posts": [...], "units": [...]}`."""
    return {
        "posts": [{"post_id": post.id, "name": post.name, "role": responsible.role}
                  for responsible, post in found.posts],
        "units": [{"unit_id": unit.id, "name": unit.name, "path": organisation.path_names(unit),
                   "role": leader.role} for leader, unit in found.units],
    }


@endpoint(bp, "/units", "POST", summary="Add a county, town or village", roles=("admin",),
          body=UnitBody, response=UnitAnswer, status=201)
def create_unit(principal, body: UnitBody):
    session = db.session()
    unit = organisation.create_unit(session, principal.actor, clock.now(), body.name,
                                    body.kind, body.parent_id)
    return jsonify(unit_json(unit)), 201


@endpoint(bp, "/units", "GET",
          summary="The units in tree order (those in the caller's scope), each with its leaders",
          roles=WATCHING_ROLES, response=UnitsList)
def list_units(principal):
    session = db.session()
    units = organisation.list_units(session)
    leaders: dict[int, list[dict]] = {unit.id: [] for unit in units}
    for leader, person in organisation.leaders_of(session, list(leaders)):
        leaders[leader.unit_id].append(leader_json(leader, person))
    items = [{**unit_json(unit), "leaders": leaders[unit.id]} for unit in units]
    return jsonify({"items": items, "total": len(items)})


@endpoint(bp, "/units/<int:unit_id>", "GET", summary="One unit", roles=WATCHING_ROLES,
          response=UnitAnswer)
def get_unit(principal, unit_id: int):
    return jsonify(unit_json(organisation.get_unit(db.session(), unit_id)))


@endpoint(bp, "/units/import", "POST",
          summary="Import units from a CSV or XLSX file (name,kind,parent or 名称,类型,上级)",
          roles=("admin",), response=ImportAnswer, multipart={"file": ".csv or .xlsx"})
def import_units(principal):
    name, content = uploaded_file((".csv", ".xlsx"))
    result = imports.import_units(db.session(), principal.actor, clock.now(), name, content)
    return jsonify(result.as_dict())


@endpoint(bp, "/units/<int:unit_id>/leaders", "POST",
          summary="Name a leader of a unit: chief, deputy or the leader on duty (带班领导)",
          roles=COMMANDING_ROLES, body=LeaderBody, response=LeaderAnswer, status=201)
def add_leader(principal, unit_id: int, body: LeaderBody):
    session = db.session()
    unit = organisation.get_unit(session, unit_id)
    person = people.named_person(session, body.person_id)
    leader = organisation.add_leader(session, principal.actor, clock.now(), unit, person,
                                     body.role)
    return jsonify(leader_json(leader, person)), 201


@endpoint(bp, "/units/<int:unit_id>/leaders", "GET", summary="A unit's leaders",
          roles=WATCHING_ROLES, response=LeadersList)
def list_leaders(principal, unit_id: int):
    session = db.session()
    unit = organisation.get_unit(session, unit_id)
    items = [leader_json(leader, person)
             for leader, person in organisation.leaders_of(session, [unit.id])]
    return jsonify({"items": items, "total": len(items)})


@endpoint(bp, "/leaders/<int:leader_id>", "DELETE", summary="A unit leader no longer",
          roles=COMMANDING_ROLES, response=LeaderAnswer)
def remove_leader(principal, leader_id: int):
    session = db.session()
    leader, person = organisation.remove_leader(session, principal.actor, clock.now(), leader_id)
    return jsonify(leader_json(leader, person))


@endpoint(bp, "/posts/<int:post_id>/responsibles", "POST",
          summary="Name a responsible person of a post (行政, 技术, 巡查责任人 or 包点联系人)",
          roles=COMMANDING_ROLES, body=ResponsibleBody, response=ResponsibleAnswer, status=201)
def add_responsible(principal, post_id: int, body: ResponsibleBody):
    session = db.session()
    post = posts.get_post(session, post_id)
    person = people.named_person(session, body.person_id)
    responsible = organisation.add_responsible(session, principal.actor, clock.now(), post,
                                               person, body.role)
    return jsonify(responsible_json(responsible, person)), 201


@endpoint(bp, "/posts/<int:post_id>/responsibles", "GET", summary="A post's responsible persons",
          roles=WATCHING_ROLES, response=ResponsiblesList)
def list_responsibles(principal, post_id: int):
    session = db.session()
    post = catalogue.get_or_404(session, Post, post_id)
    items = [responsible_json(r, person)
             for r, person in organisation.responsibles_of(session, [post.id])]
    return jsonify({"items": items, "total": len(items)})


@endpoint(bp, "/responsibles/<int:responsible_id>", "DELETE",
          summary="A responsible person no longer", roles=COMMANDING_ROLES,
          response=ResponsibleAnswer)
def remove_responsible(principal, responsible_id: int):
    session = db.session()
    responsible, person = organisation.remove_responsible(session, principal.actor, clock.now(),
                                                          responsible_id)
    return jsonify(responsible_json(responsible, person))


def user_json(user) -> dict:
    return {"id": user.id, "username": user.username, "role": user.role,
            "unit_id": user.unit_id, "display_name": user.display_name,
            "created_at": iso(user.created_at), "active": user.active}


@endpoint(bp, "/users", "POST",
          summary="Create an account; with a unit it sees and acts on that subtree only",
          roles=("admin",), body=UserBody, response=UserAnswer, status=201)
def create_user(principal, body: UserBody):
    session = db.session()
    unit_id = organisation.unit_of_record(session, body.unit_id, given=body.unit_id is not None)
    try:
        user = accounts.create_user(session, body.username, body.role, body.password,
                                    at=clock.now(), actor=principal.actor,
                                    display_name=body.display_name, unit_id=unit_id)
    except accounts.UsernameTaken as error:
        raise conflict(str(error)) from None
    except accounts.AccountError as error:
        raise validation_error({"password": str(error)}) from None
    return jsonify(user_json(user)), 201


def _account_to_change(user_id: int) -> User:
    """An account the caller may change: inside its unit (for an account with a unit)."""
    session = db.session()
    user = session.get(User, user_id)
    if user is None or not scope.current(session).covers(user.unit_id):
        raise not_found(f"Account {user_id}")
    return user


@endpoint(bp, "/users/<int:user_id>/disable", "POST",
          summary="Disable an account for good: its tokens, sessions and live connections stop "
                  "working",
          roles=("admin",), response=UserAnswer)
def disable_user(principal, user_id: int):
    user = _account_to_change(user_id)
    try:
        accounts.disable_account(db.session(), principal, clock.now(), user)
    except accounts.OwnAccount as error:
        raise conflict(str(error)) from None
    return jsonify(user_json(user))

