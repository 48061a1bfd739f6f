"""A field worker's own duty: current and upcoming assignments, and acknowledging them (接收确认)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import forbidden, not_found
from ..models import Assignment, CheckIn, Event, Post, Shift
from . import audit


def my_assignments(db: Session, person_id: int, at: datetime) -> list[dict]:
    """The person's assignments whose shift has not ended, in an open event, soonest first."""
    rows = db.execute(
        select(Assignment, Shift, Post, Event)
        .join(Shift, Shift.id == Assignment.shift_id)
        .join(Post, Post.id == Shift.post_id)
        .join(Event, Event.id == Shift.event_id)
        .where(Assignment.person_id == person_id, Assignment.removed_at.is_(None),
               Event.closed_at.is_(None), Shift.ends_at > at)
        .order_by(Shift.starts_at)
    ).all()
    checked_in = set(db.scalars(select(CheckIn.assignment_id).where(
        CheckIn.person_id == person_id, CheckIn.kind == "check_in",
        CheckIn.assignment_id.in_([r.Assignment.id for r in rows]))))
    return [{
        "assignment": row.Assignment, "shift": row.Shift, "post": row.Post, "event": row.Event,
        "status": "current" if row.Shift.starts_at <= at else "upcoming",
        "checked_in": row.Assignment.id in checked_in,
    } for row in rows]


def acknowledge(db: Session, actor: audit.Actor, person_id: int, assignment_id: int,
                at: datetime) -> Assignment:
    """Mark "received, on my way"; acknowledging again keeps the first time."""
    assignment = db.get(Assignment, assignment_id)
    if assignment is None or assignment.removed_at is not None:
        raise not_found(f"Assignment {assignment_id}")
    if assignment.person_id != person_id:
        raise forbidden("This assignment belongs to someone else.")
    if assignment.acknowledged_at is None:
        audit.apply_changes(db, actor, at, assignment, {"acknowledged_at": at},
                            action="acknowledge")
    return assignment
