"""The SMS that tells a person of a new assignment, with a staff link to sign in on the phone:
written at the boundary, in the assignment's own transaction, because the link's address comes
from the request (`urls.staff_link_url`)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, has_request_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Assignment, Person, Post, Shift
from .presenters import DISPLAY_ZONE
from .services import accounts, outbox, scope
from .urls import staff_link_url

SYSTEM = accounts.Principal(role="system", user_id=None, person_id=None, label="system")


def _issuer() -> accounts.Principal:
    if has_request_context():
        from .security import current_principal

        return current_principal() or SYSTEM
    return SYSTEM


def write(db: Session, at) -> None:
    """One SMS per new assignment of this transaction (nothing when no outside channel is on)."""
    assignment_ids = outbox.take_assigned(db)
    if not assignment_ids:
        return
    rows = db.execute(select(Assignment, Shift, Post.name, Person)
                      .join(Shift, Shift.id == Assignment.shift_id)
                      .join(Post, Post.id == Shift.post_id)
                      .join(Person, Person.id == Assignment.person_id)
                      .where(Assignment.id.in_(assignment_ids))
                      .execution_options(**scope.WHOLE_ORGANISATION)).all()
    ttl = timedelta(hours=current_app.config["STAFF_LINK_TTL_HOURS"])
    issuer = _issuer()
    for assignment, shift, post_name, person in rows:
        _link, code = accounts.create_staff_link(db, person, actor=issuer, at=at, ttl=ttl)
        starts = shift.starts_at.astimezone(DISPLAY_ZONE).strftime("%m-%d %H:%M")
        ends = shift.ends_at.astimezone(DISPLAY_ZONE).strftime("%m-%d %H:%M")
        text = (f"【值班通知】{person.name}：您被安排到{post_name}值守（{starts}至{ends}）。"
                f"到岗后请打开链接签到：{staff_link_url(code)}")
        outbox.notify(db, [outbox.addressee(person)], text, cause="assignment", at=at,
                      event_id=shift.event_id, assignment_id=assignment.id)
