"""The figures of relocation (应转尽转): planned against moved per village and town, live.

Three grouped reads make every figure: the active households per unit (planned households,
people, vulnerable), their states in the event per unit and status, and the people counted at
shelters per unit. Each is one pass over an index (`ix_households_unit_tally`,
`ix_household_states_tally`, `ix_shelter_arrivals_event_unit`); towns and the totals add up
the units below them.

What each figure means (households unless said): `households`, `people` — planned; `moved` (集中
安置), `self_arranged` (投亲靠友), `refused`, `not_home` — households by their latest report;
`outstanding` — households that have not left (no report, refused or not home: 应转尽转 still
asks for them); `vulnerable_outstanding` — vulnerable *people* in those households;
`sheltered` — people counted arriving at shelters, by the household's village when an arrival
names one, else by the shelter's; `people_moved`, `people_self_arranged` — people as reported."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from ..models import (
    LEFT_STATUSES,
    RELOCATION_STATUSES,
    UNIT_KINDS,
    Alert,
    Event,
    Household,
    HouseholdState,
    Post,
    ShelterArrival,
    Unit,
)
from . import alerts, effects, scope
from .organisation import PATH_SEPARATOR

FIGURES = ("households", "people", "moved", "self_arranged", "refused", "not_home",
           "outstanding", "vulnerable_outstanding", "sheltered", "people_moved",
           "people_self_arranged", "vulnerable_households_outstanding")
_RAW = ("households", "people", "vulnerable", "vulnerable_households", "sheltered",
        "left_vulnerable", "left_vulnerable_households", "lat_sum", "lon_sum", "placed",
        *RELOCATION_STATUSES, "people_moved", "people_self_arranged")


def _options(whole: bool) -> dict:
    return scope.WHOLE_ORGANISATION if whole else {}


def _raw(db: Session, event_id: int, unit_ids=None, *, whole: bool = False) -> dict[int, dict]:
    """Per unit (the unit a household belongs to), the sums the figures are made of."""
    raw: dict[int, dict] = defaultdict(lambda: dict.fromkeys(_RAW, 0))
    options = _options(whole)
    planned = (select(Household.unit_id, func.count(), func.sum(Household.people),
                      func.sum(Household.vulnerable),
                      func.sum(case((Household.vulnerable > 0, 1), else_=0)),
                      func.sum(Household.lat), func.sum(Household.lon), func.count(Household.lat))
               .where(Household.active.is_(True)).group_by(Household.unit_id))
    states = (select(HouseholdState.unit_id, HouseholdState.status, func.count(),
                     func.sum(HouseholdState.people), func.sum(HouseholdState.vulnerable),
                     func.sum(case((HouseholdState.vulnerable > 0, 1), else_=0)))
              .where(HouseholdState.event_id == event_id, HouseholdState.active.is_(True))
              .group_by(HouseholdState.unit_id, HouseholdState.status))
    arrivals = (select(ShelterArrival.unit_id, func.sum(ShelterArrival.people))
                .where(ShelterArrival.event_id == event_id, ShelterArrival.unit_id.is_not(None))
                .group_by(ShelterArrival.unit_id))
    if unit_ids is not None:
        planned = planned.where(Household.unit_id.in_(unit_ids))
        states = states.where(HouseholdState.unit_id.in_(unit_ids))
        arrivals = arrivals.where(ShelterArrival.unit_id.in_(unit_ids))
    for unit_id, count, people, vulnerable, vulnerable_households, lat, lon, placed in \
            db.execute(planned, execution_options=options):
        raw[unit_id].update(households=count, people=people or 0, vulnerable=vulnerable or 0,
                            vulnerable_households=vulnerable_households or 0,
                            lat_sum=lat or 0, lon_sum=lon or 0, placed=placed)
    for unit_id, status, count, people, vulnerable, vulnerable_households in \
            db.execute(states, execution_options=options):
        row = raw[unit_id]
        row[status] = count
        if status in LEFT_STATUSES:
            row["left_vulnerable"] += vulnerable or 0
            row["left_vulnerable_households"] += vulnerable_households or 0
            row[f"people_{status}"] = people or 0
    for unit_id, people in db.execute(arrivals, execution_options=options):
        raw[unit_id]["sheltered"] = people or 0
    return raw


def _sum(parts) -> dict:
    total = dict.fromkeys(_RAW, 0)
    for part in parts:
        for key in _RAW:
            total[key] += part[key]
    return total


def _figures(raw: dict) -> dict:
    left = raw["moved"] + raw["self_arranged"]
    figures = {key: raw[key] for key in ("households", "people", *RELOCATION_STATUSES,
                                          "sheltered", "people_moved", "people_self_arranged")}
    figures["outstanding"] = max(raw["households"] - left, 0)
    figures["vulnerable_outstanding"] = max(raw["vulnerable"] - raw["left_vulnerable"], 0)
    figures["vulnerable_households_outstanding"] = max(
        raw["vulnerable_households"] - raw["left_vulnerable_households"], 0)
    return figures


def _position(raw: dict) -> dict:
    if not raw["placed"]:
        return {"lat": None, "lon": None}
    return {"lat": round(raw["lat_sum"] / raw["placed"], 6),
            "lon": round(raw["lon_sum"] / raw["placed"], 6)}


def _units(db: Session, event: Event, *, whole: bool = False) -> list:
    """The units in the event's area (its unit's subtree; every unit when it has none)."""
    query = select(Unit.id, Unit.name, Unit.kind, Unit.path, Unit.parent_id)
    if event.unit_id is not None:
        area = db.scalar(select(Unit.path).where(Unit.id == event.unit_id)
                         .execution_options(**scope.WHOLE_ORGANISATION))
        if area is None:
            return []
        query = query.where(or_(Unit.path == area,
                                Unit.path.startswith(area + PATH_SEPARATOR, autoescape=True)))
    return db.execute(query, execution_options=_options(whole)).all()


def _level_path(path: str, depth: int) -> str | None:
    parts = path.split(PATH_SEPARATOR)
    return PATH_SEPARATOR.join(parts[:depth]) if len(parts) >= depth else None


def _row(unit, raw: dict) -> dict:
    return {"unit_id": unit.id, "name": unit.name, "kind": unit.kind, "parent_id": unit.parent_id,
            **_figures(raw), **_position(raw)}


def figures(db: Session, event: Event, by: str) -> tuple[list[dict], dict]:
    """The rows of each unit of kind `by` (tree order) in the event's area and the caller's
    scope, and the totals over everything in it."""
    units = _units(db, event)
    raw = _raw(db, event.id)
    in_area = {unit.id: unit for unit in units}
    depth = UNIT_KINDS.index(by) + 1
    rolled: dict[str, list[dict]] = defaultdict(list)
    for unit_id, part in raw.items():
        unit = in_area.get(unit_id)
        if unit is not None:
            rolled[_level_path(unit.path, depth)].append(part)
    rows = [_row(unit, _sum(rolled.get(unit.path, [])))
            for unit in sorted(units, key=lambda u: u.path.split(PATH_SEPARATOR))
            if unit.kind == by]
    totals = _figures(_sum(part for unit_id, part in raw.items() if unit_id in in_area))
    return rows, totals


UNIT_ROW = select(Unit.id, Unit.name, Unit.kind, Unit.path, Unit.parent_id)


def _subtree_ids(path: str):
    return select(Unit.id).where(or_(Unit.path == path, Unit.path.startswith(
        path + PATH_SEPARATOR, autoescape=True)))


def announce(db: Session, event: Event, unit_id: int) -> None:
    """Tell the event's maps the new figures of a household's village, and of its town: both
    rows from one read of the town's subtree (a village has no units below it), whoever
    reported (the county's map is told)."""
    parent = select(Unit.parent_id).where(Unit.id == unit_id).scalar_subquery()
    found = {row.id: row for row in db.execute(
        UNIT_ROW.where(or_(Unit.id == unit_id, Unit.id == parent)),
        execution_options=scope.WHOLE_ORGANISATION)}
    unit = found.get(unit_id)
    if unit is None:
        return
    town = found.get(unit.parent_id) if unit.kind == "village" else None
    # The town's row locked until the commit: two reports in one town (on PostgreSQL, at once)
    # are counted one after the other, each message counting every report before it.
    db.execute(select(Unit.id).where(Unit.id == (town or unit).id).with_for_update(),
               execution_options=scope.WHOLE_ORGANISATION)
    raw = _raw(db, event.id, _subtree_ids((town or unit).path), whole=True)
    own = raw.get(unit.id, dict.fromkeys(_RAW, 0)) if town is not None else _sum(raw.values())
    payload = {"by": unit.kind, **_row(unit, own),
               "town": _row(town, _sum(raw.values())) if town is not None else None}
    effects.live(db, event.id, "relocation_status", payload, unit_id=unit_id)


# --- shelters ------------------------------------------------------------------------------------


def shelters(db: Session, event: Event, post_ids=None, *, whole: bool = False) -> list[dict]:
    """Each shelter in scope: its places, the people planned for it and those arrived."""
    options = _options(whole)
    query = select(Post.id, Post.name, Post.unit_id, Post.lat, Post.lon, Post.capacity) \
        .where(Post.kind == "shelter", Post.active.is_(True))
    if post_ids is not None:
        query = query.where(Post.id.in_(post_ids))
    found = db.execute(query.order_by(Post.name), execution_options=options).all()
    ids = [row.id for row in found]
    if not ids:
        return []
    planned = dict(db.execute(
        select(Household.shelter_post_id, func.sum(Household.people))
        .where(Household.shelter_post_id.in_(ids), Household.active.is_(True))
        .group_by(Household.shelter_post_id), execution_options=scope.WHOLE_ORGANISATION).all())
    arrived = dict(db.execute(
        select(ShelterArrival.shelter_post_id, func.sum(ShelterArrival.people))
        .where(ShelterArrival.event_id == event.id, ShelterArrival.shelter_post_id.in_(ids))
        .group_by(ShelterArrival.shelter_post_id),
        execution_options=scope.WHOLE_ORGANISATION).all())
    return [{"post_id": row.id, "name": row.name, "unit_id": row.unit_id, "lat": row.lat,
             "lon": row.lon, "capacity": row.capacity, "planned": int(planned.get(row.id) or 0),
             "sheltered": int(arrived.get(row.id) or 0),
             "over_capacity": row.capacity is not None
             and int(arrived.get(row.id) or 0) > row.capacity}
            for row in found]


def announce_shelter(db: Session, event: Event, shelter: Post) -> None:
    """Tell the maps a shelter's occupancy (its row locked until the commit, so that arrivals
    at once are counted one after the other)."""
    db.execute(select(Post.id).where(Post.id == shelter.id).with_for_update(),
               execution_options=scope.WHOLE_ORGANISATION)
    row = shelters(db, event, [shelter.id], whole=True)[0]
    effects.live(db, event.id, "shelter_status", row, post_id=shelter.id)


# --- the alert for vulnerable people still to be moved -------------------------------------------


def raise_overdue(db: Session, at: datetime, after: timedelta) -> tuple[list[int], list[int]]:
    """In each open event started at least `after` ago, a village whose households with
    vulnerable people have not all left raises `relocation_overdue` (one alert per village,
    resolved once they have): (raised ids, resolved ids)."""
    raised, resolved = [], []
    whole = scope.WHOLE_ORGANISATION
    events = db.scalars(select(Event).where(Event.closed_at.is_(None), Event.starts_at <= at - after)
                        .execution_options(**whole)).all()
    for event in events:
        units = {unit.id: unit for unit in _units(db, event, whole=True)}
        wanted = {}
        for unit_id, raw in _raw(db, event.id, whole=True).items():
            figures_now = _figures(raw)
            if unit_id in units and figures_now["vulnerable_households_outstanding"] > 0:
                wanted[f"relocation_overdue:{event.id}:{unit_id}"] = (unit_id, figures_now)
        open_alerts = db.scalars(select(Alert).where(
            Alert.event_id == event.id, Alert.kind == "relocation_overdue",
            Alert.resolved_at.is_(None)).execution_options(**whole)).all()
        for alert in open_alerts:
            if alert.condition_key not in wanted:
                alerts.resolve_alert(db, at, alert)
                resolved.append(alert.id)
        minutes = int(after.total_seconds() // 60)
        for key, (unit_id, found) in sorted(wanted.items()):
            message = (f"{units[unit_id].name} 尚有 {found['vulnerable_households_outstanding']} "
                       f"户重点人员未转移（重点人员 {found['vulnerable_outstanding']} 人），"
                       f"响应启动已超过 {minutes} 分钟")
            alert = alerts.raise_alert(db, at, event_id=event.id, kind="relocation_overdue",
                                       condition_key=key, message=message, unit_id=unit_id)
            if alert is not None:
                raised.append(alert.id)
    return raised, resolved
