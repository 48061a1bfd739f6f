"""The county's overview of a response (`GET /events/{id}/summary?by=town|village`): one row per
town or village in the caller's scope, with its posts, the headcount required and present now,
and its open alerts, read from the stored post statuses (what the map shows), never from the
night's fixes. `calls_unanswered` counts the people who have not yet answered a call (叫应) of the
event that is still open; once its deadline is dealt with, each of them is an open alert
(`call_unanswered`) instead. `households_planned` and `households_moved` are relocation's
(`relocation_status.py`): the households to move, and those that have left (moved or
self-arranged)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import UNIT_KINDS, Alert, Call, CallTarget, Event, Person, Post, PostStatus, Unit
from . import relocation_status
from .organisation import PATH_SEPARATOR


def _level_of(path: str | None, depth: int) -> str | None:
    """The path of the unit at `depth` (1 = county) above or at this path, if it is that deep."""
    if path is None:
        return None
    parts = path.split(PATH_SEPARATOR)
    return PATH_SEPARATOR.join(parts[:depth]) if len(parts) >= depth else None


def summary(db: Session, event: Event, by: str) -> list[dict]:
    """A row per unit of kind `by` in scope (tree order), with what lies in its subtree."""
    depth = UNIT_KINDS.index(by) + 1
    units = db.execute(select(Unit.id, Unit.name, Unit.path).where(Unit.kind == by)).all()
    rows = {path: {"unit_id": unit_id, "name": name, "posts": 0, "required": 0, "present": 0,
                   "open_alerts": 0, "calls_unanswered": 0, "households_planned": 0,
                   "households_moved": 0}
            for unit_id, name, path in units}
    posts = db.execute(
        select(Post.id, Unit.path, PostStatus.required, PostStatus.present)
        .join(PostStatus, PostStatus.post_id == Post.id).join(Unit, Unit.id == Post.unit_id)
        .where(PostStatus.event_id == event.id)).all()
    for _post_id, path, required, present in posts:
        row = rows.get(_level_of(path, depth))
        if row is not None:
            row["posts"] += 1
            row["required"] += required
            row["present"] += present
    open_alerts: dict[str | None, int] = defaultdict(int)
    by_post = (select(Unit.path, func.count()).select_from(Alert)
               .join(Post, Post.id == Alert.post_id).join(Unit, Unit.id == Post.unit_id)
               .where(Alert.event_id == event.id, Alert.resolved_at.is_(None))
               .group_by(Unit.path))
    by_person = (select(Unit.path, func.count()).select_from(Alert)
                 .join(Person, Person.id == Alert.person_id).join(Unit, Unit.id == Person.unit_id)
                 .where(Alert.event_id == event.id, Alert.resolved_at.is_(None),
                        Alert.post_id.is_(None))
                 .group_by(Unit.path))
    by_unit = (select(Unit.path, func.count()).select_from(Alert)
               .join(Unit, Unit.id == Alert.unit_id)
               .where(Alert.event_id == event.id, Alert.resolved_at.is_(None),
                      Alert.post_id.is_(None), Alert.person_id.is_(None))
               .group_by(Unit.path))
    for query in (by_post, by_person, by_unit):
        for path, count in db.execute(query):
            open_alerts[_level_of(path, depth)] += count
    waiting: dict[str | None, int] = defaultdict(int)
    for path, count in db.execute(
            select(Unit.path, func.count()).select_from(CallTarget)
            .join(Call, Call.id == CallTarget.call_id)
            .join(Person, Person.id == CallTarget.person_id).join(Unit, Unit.id == Person.unit_id)
            .where(Call.event_id == event.id, Call.closed_at.is_(None),
                   CallTarget.answered_at.is_(None))
            .group_by(Unit.path)):
        waiting[_level_of(path, depth)] += count
    moving = {row["unit_id"]: row for row in relocation_status.figures(db, event, by)[0]}
    for path, row in rows.items():
        row["open_alerts"] = open_alerts.get(path, 0)
        row["calls_unanswered"] = waiting.get(path, 0)
        figures = moving.get(row["unit_id"])
        if figures is not None:
            row["households_planned"] = figures["households"]
            row["households_moved"] = figures["moved"] + figures["self_arranged"]
    return [rows[path] for path in sorted(rows, key=lambda p: p.split(PATH_SEPARATOR))]
