"""Sign-in endpoints: password login for accounts, and staff links for field workers' phones."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, jsonify
from sqlalchemy import func, select

from .. import clock, db
from ..errors import ApiError
from ..models import LinkRefusal, Person
from ..presenters import iso
from ..security import check_password, token_ttl
from ..services import accounts, people
from ..urls import staff_link_url
from .endpoint import endpoint
from .schemas.auth import (
    LinkRefusalList,
    LoginBody,
    ReleaseDeviceAnswer,
    StaffLinkAnswer,
    StaffLinkBody,
    TokenAnswer,
)
from .schemas.common import Page

bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth")


@endpoint(bp, "/login", "POST", summary="Sign in with a password and get a bearer token",
          roles=None, body=LoginBody, response=TokenAnswer,
          errors={401: "The username or password is wrong",
                  429: "Too many failed sign-ins from this address or for this account"})
def login(body: LoginBody):
    user = check_password(body.username, body.password)
    principal = accounts.principal_for_user(user)
    token, expires_at = accounts.issue_token(current_app.config["SECRET_KEY"], principal,
                                             at=clock.now(), ttl=token_ttl())
    return jsonify({"token": token, "role": user.role, "expires_at": iso(expires_at)})


@endpoint(bp, "/staff-link", "POST", summary="Make a sign-in link for a field worker's phone",
          roles=("admin", "commander"), body=StaffLinkBody, response=StaffLinkAnswer, status=201)
def staff_link(principal, body: StaffLinkBody):
    session = db.session()
    person = people.named_person(session, body.person_id)
    if not person.active:
        raise ApiError(409, "conflict", f"{person.name} is deactivated.")
    now = clock.now()
    ttl = timedelta(hours=current_app.config["STAFF_LINK_TTL_HOURS"])
    link, code = accounts.create_staff_link(session, person, actor=principal, at=now, ttl=ttl)
    token, _ = accounts.issue_token(current_app.config["SECRET_KEY"],
                                    accounts.principal_for_person(person), at=now, ttl=ttl)
    answer = {"url": staff_link_url(code), "token": token, "expires_at": iso(link.expires_at)}
    return jsonify(answer), 201


@endpoint(bp, "/release-device", "POST",
          summary="Release a person's phone binding so that a new phone can open their link",
          roles=("admin",), body=StaffLinkBody, response=ReleaseDeviceAnswer)
def release_device(principal, body: StaffLinkBody):
    session = db.session()
    person = people.named_person(session, body.person_id)
    released = accounts.release_device(session, principal.actor, clock.now(), person)
    return jsonify({"person_id": person.id, "released": released})


@endpoint(bp, "/link-refusals", "GET",
          summary="Staff links opened on a second phone (possible check-in for someone else)",
          roles=("admin", "commander", "inspector"), query=Page, response=LinkRefusalList)
def link_refusals(principal, query: Page):
    statement = select(LinkRefusal, Person.name).join(Person, Person.id == LinkRefusal.person_id)
    session = db.session()
    total = session.scalar(select(func.count()).select_from(LinkRefusal))
    rows = session.execute(statement.order_by(LinkRefusal.id.desc())
                           .limit(query.limit).offset(query.offset)).all()
    items = [{"id": r.LinkRefusal.id, "person_id": r.LinkRefusal.person_id, "person_name": r.name,
              "at": iso(r.LinkRefusal.at), "address": r.LinkRefusal.address,
              "user_agent": r.LinkRefusal.user_agent} for r in rows]
    return jsonify({"items": items, "total": total})
