"""Relocation in a response (人员转移): the field's reports of each household and the arrivals at
shelters, both idempotent like check-ins (a phone queues them offline and sends them later with
the times they were taken).

Every report is kept; a household's state in the event is its latest report by `taken_at`
(`HouseholdState`), so a report queued offline that arrives after a newer one is history, not
the state. The household's row is locked while its state is decided: two officials reporting
the same household at once are decided one after the other. Each change tells the event's maps
the village's new figures (`relocation_status`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from ..errors import forbidden, validation_error
from ..models import (
    LEFT_STATUSES,
    Assignment,
    Event,
    Household,
    HouseholdState,
    Person,
    Post,
    PostResponsible,
    RelocationReport,
    ShelterArrival,
    Shift,
    Unit,
)
from ..presenters import iso
from . import audit, catalogue, relocation_status, scope
from .checkins import check_fix
from .households import households_json, subtree_query
from .idempotency import claim_client_id, replay, request_fingerprint
from .organisation import PATH_SEPARATOR
from .paging import page


def report_json(report: RelocationReport) -> dict:
    return {"id": report.id, "event_id": report.event_id, "household_id": report.household_id,
            "unit_id": report.unit_id, "status": report.status, "people": report.people,
            "shelter_post_id": report.shelter_post_id, "lat": report.lat, "lon": report.lon,
            "note": report.note, "person_id": report.person_id, "reporter": report.reporter,
            "taken_at": iso(report.taken_at), "received_at": iso(report.received_at)}


def arrival_json(arrival: ShelterArrival) -> dict:
    return {"id": arrival.id, "event_id": arrival.event_id,
            "shelter_post_id": arrival.shelter_post_id, "household_id": arrival.household_id,
            "unit_id": arrival.unit_id, "people": arrival.people, "person_id": arrival.person_id,
            "reporter": arrival.reporter, "taken_at": iso(arrival.taken_at),
            "received_at": iso(arrival.received_at)}


def _open_event(db: Session, event_id: int) -> Event:
    """The response a record is for; a closed one is 422 (not 409, which a phone's queue
    retries: a record for a closed response will never be taken)."""
    event = catalogue.get_or_404(db, Event, event_id)
    if event.closed_at is not None:
        raise validation_error({"event_id": "this response is closed; its relocation records "
                                            "can no longer change"})
    return event


def _paths(db: Session, *unit_ids: int | None) -> dict[int, str]:
    """The paths of these units (those that are not None), in one read."""
    wanted = {unit_id for unit_id in unit_ids if unit_id is not None}
    if not wanted:
        return {}
    return dict(db.execute(select(Unit.id, Unit.path).where(Unit.id.in_(wanted))
                           .execution_options(**scope.WHOLE_ORGANISATION)).all())


def _within(path: str | None, area: str | None) -> bool:
    """Whether the unit at `path` is the unit at `area` or lies below it."""
    return path is not None and area is not None and (
        path == area or path.startswith(area + PATH_SEPARATOR))


def managed_shelters(db: Session, person_id: int, event_id: int | None) -> set[int]:
    """The shelters a person manages: those they are responsible for, and those of their
    shifts in the event."""
    found = set(db.scalars(select(PostResponsible.post_id).join(Post, Post.id == PostResponsible.post_id)
                           .where(PostResponsible.person_id == person_id, Post.kind == "shelter")
                           .execution_options(**scope.WHOLE_ORGANISATION)))
    if event_id is not None:
        found |= set(db.scalars(
            select(Shift.post_id).join(Assignment, Assignment.shift_id == Shift.id)
            .join(Post, Post.id == Shift.post_id)
            .where(Assignment.person_id == person_id, Assignment.removed_at.is_(None),
                   Shift.event_id == event_id, Post.kind == "shelter")
            .execution_options(**scope.WHOLE_ORGANISATION)))
    return found


def person_may_report(db: Session, person: Person, household: Household, event_id: int,
                      paths: dict[int, str]) -> bool:
    """A field worker reports the households of their own unit's subtree, and a shelter's
    manager those planned for their shelter (`paths`: the units' paths, as `_paths` reads)."""
    if person.unit_id is not None and _within(paths.get(household.unit_id),
                                              paths.get(person.unit_id)):
        return True
    return household.shelter_post_id is not None and \
        household.shelter_post_id in managed_shelters(db, person.id, event_id)


class Reporter:
    """Who sends a relocation record: a field worker (their person) or the command center."""

    def __init__(self, actor: audit.Actor, person: Person | None, user_id: int | None):
        self.actor, self.person, self.user_id = actor, person, user_id

    @property
    def person_id(self) -> int | None:
        return self.person.id if self.person is not None else None

    @property
    def label(self) -> str:
        return self.actor.label


def _shelter(db: Session, shelter_post_id: int | None, field: str) -> Post | None:
    if shelter_post_id is None:
        return None
    post = db.get(Post, shelter_post_id, execution_options=scope.WHOLE_ORGANISATION)
    if post is None or post.kind != "shelter":
        raise validation_error({field: "must name a post of kind shelter (转移安置点)"})
    return post


def _household(db: Session, household_id: int, field: str = "household_id") -> Household:
    """The household a record names, its row locked until the commit (its reports are decided
    one after the other)."""
    household = catalogue.named(db, Household, household_id)
    if household is None:
        raise validation_error({field: f"no household has id {household_id}"})
    db.scalar(select(Household.id).where(Household.id == household_id).with_for_update())
    return household


def _times(fields: dict, received_at: datetime) -> datetime:
    lat, lon = fields.get("lat"), fields.get("lon")
    if (lat is None) != (lon is None):
        raise validation_error({"lat" if lat is None else "lon": "send both lat and lon"})
    check_fix(lat if lat is not None else 1.0, lon if lon is not None else 1.0,
              fields["taken_at"], received_at)
    return min(fields["taken_at"], received_at)


def record_report(db: Session, reporter: Reporter, event_id: int, fields: dict, *,
                  received_at: datetime) -> tuple[RelocationReport, bool]:
    """Store a report of a household (moved, self-arranged, refused, not home) and make it the
    household's state unless a later-taken one is already there: (report, created)."""
    fingerprint = request_fingerprint({**fields, "event_id": event_id})
    claim_client_id(db, fields["client_id"])
    existing = replay(db, RelocationReport, fields["client_id"], fingerprint, reporter.person_id)
    if existing is not None:
        return existing, False
    event = _open_event(db, event_id)
    household = _household(db, fields["household_id"])
    paths = _paths(db, event.unit_id, household.unit_id,
                   reporter.person.unit_id if reporter.person is not None else None)
    if event.unit_id is not None and not _within(paths.get(household.unit_id),
                                                 paths.get(event.unit_id)):
        raise validation_error({"household_id": "this household lies outside the response's area"})
    if reporter.person is not None and not person_may_report(db, reporter.person, household,
                                                              event.id, paths):
        raise forbidden("This household is neither in your village nor planned for your shelter.")
    if fields["status"] == "moved" and fields["people"] < 1:
        raise validation_error({"people": "a household moved moves at least one person"})
    _shelter(db, fields.get("shelter_post_id"), "shelter_post_id")
    taken_at = _times(fields, received_at)
    report = RelocationReport(
        event_id=event.id, household_id=household.id, unit_id=household.unit_id,
        client_id=fields["client_id"], request_hash=fingerprint, person_id=reporter.person_id,
        user_id=reporter.user_id, reporter=reporter.label, status=fields["status"],
        people=fields["people"], shelter_post_id=fields.get("shelter_post_id"),
        lat=fields.get("lat"), lon=fields.get("lon"), note=fields.get("note"),
        taken_at=taken_at, received_at=received_at)
    db.add(report)
    audit.record(db, reporter.actor, "report", report, at=received_at)
    _take_state(db, event, household, report)
    return report, True


def _take_state(db: Session, event: Event, household: Household, report: RelocationReport) -> None:
    """The report becomes the household's state unless a report taken later already is."""
    db.flush()
    state = db.get(HouseholdState, (event.id, household.id),
                   execution_options=scope.WHOLE_ORGANISATION, populate_existing=True)
    if state is not None and state.taken_at > report.taken_at:
        return  # a queued report older than the state: kept in the history only
    values = {"unit_id": household.unit_id, "report_id": report.id, "status": report.status,
              "people": report.people, "vulnerable": household.vulnerable,
              "active": household.active,
              "shelter_post_id": report.shelter_post_id, "taken_at": report.taken_at}
    if state is None:
        db.add(HouseholdState(event_id=event.id, household_id=household.id, **values))
    else:
        for key, value in values.items():
            setattr(state, key, value)
    db.flush()
    relocation_status.announce(db, event, household.unit_id)


def record_arrival(db: Session, reporter: Reporter, event_id: int, fields: dict, *,
                   received_at: datetime) -> tuple[ShelterArrival, bool]:
    """Count people arriving at a shelter, matched to a household when one is named."""
    fingerprint = request_fingerprint({**fields, "event_id": event_id})
    claim_client_id(db, fields["client_id"])
    existing = replay(db, ShelterArrival, fields["client_id"], fingerprint, reporter.person_id)
    if existing is not None:
        return existing, False
    event = _open_event(db, event_id)
    shelter = _shelter(db, fields["shelter_post_id"], "shelter_post_id")
    if reporter.person is not None:
        if shelter.id not in managed_shelters(db, reporter.person.id, event.id):
            raise forbidden("You do not manage this shelter (no shift there and not "
                            "responsible for it).")
    else:
        scope.require(db, post=shelter)
    household = None
    if fields.get("household_id") is not None:
        household = db.get(Household, fields["household_id"],
                           execution_options=scope.WHOLE_ORGANISATION)
        if household is None:
            raise validation_error({"household_id": f"no household has id "
                                                    f"{fields['household_id']}"})
        db.scalar(select(Household.id).where(Household.id == household.id).with_for_update()
                  .execution_options(**scope.WHOLE_ORGANISATION))
    if fields["people"] < 1:
        raise validation_error({"people": "an arrival counts at least one person"})
    taken_at = _times(fields, received_at)
    unit_id = household.unit_id if household is not None else shelter.unit_id
    arrival = ShelterArrival(
        event_id=event.id, shelter_post_id=shelter.id,
        household_id=household.id if household else None, unit_id=unit_id,
        client_id=fields["client_id"], request_hash=fingerprint, person_id=reporter.person_id,
        user_id=reporter.user_id, reporter=reporter.label, people=fields["people"],
        taken_at=taken_at, received_at=received_at)
    db.add(arrival)
    audit.record(db, reporter.actor, "arrive", arrival, at=received_at, unit_id=unit_id)
    db.flush()
    if unit_id is not None:
        relocation_status.announce(db, event, unit_id)
    relocation_status.announce_shelter(db, event, shelter)
    return arrival, True


def list_reports(db: Session, event_id: int, *, household_id: int | None, unit_id: int | None,
                 limit: int, offset: int):
    """An event's reports, newest taken first, each marked when it is its household's state."""
    catalogue.get_or_404(db, Event, event_id)
    query = select(RelocationReport).where(RelocationReport.event_id == event_id)
    if household_id is not None:
        query = query.where(RelocationReport.household_id == household_id)
    if unit_id is not None:
        query = query.where(RelocationReport.unit_id == unit_id)
    items, total = page(db, query, (RelocationReport.taken_at.desc(), RelocationReport.id.desc()),
                        limit, offset)
    current = set(db.scalars(select(HouseholdState.report_id).where(
        HouseholdState.event_id == event_id,
        HouseholdState.report_id.in_([r.id for r in items])))) if items else set()
    return [{**report_json(r), "current": r.id in current} for r in items], total


def households_in_event(db: Session, event: Event, *, unit_id: int | None = None,
                        person: Person | None = None, status: str | None = None,
                        limit: int = 500, offset: int = 0) -> tuple[list[dict], int]:
    """The event's households with their state, those still to move first and the most
    vulnerable first: of a unit's subtree, or those a field worker reports (their village's
    and their shelters')."""
    state_of = and_(HouseholdState.household_id == Household.id,
                    HouseholdState.event_id == event.id)
    query = (select(Household, HouseholdState).outerjoin(HouseholdState, state_of)
             .where(Household.active.is_(True)))
    if unit_id is not None:
        unit = catalogue.get_or_404(db, Unit, unit_id)
        query = query.where(Household.unit_id.in_(subtree_query(unit)))
    if person is not None:
        mine = [Household.shelter_post_id.in_(managed_shelters(db, person.id, event.id))]
        if person.unit_id is not None:
            home = db.get(Unit, person.unit_id, execution_options=scope.WHOLE_ORGANISATION)
            if home is not None:
                mine.append(Household.unit_id.in_(subtree_query(home)))
        query = query.where(or_(*mine))
    if status == "outstanding":
        query = query.where(or_(HouseholdState.status.is_(None),
                                HouseholdState.status.not_in(LEFT_STATUSES)))
    elif status == "none":
        query = query.where(HouseholdState.status.is_(None))
    elif status is not None:
        query = query.where(HouseholdState.status == status)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    left_first = case((HouseholdState.status.in_(LEFT_STATUSES), 1), else_=0)
    rows = db.execute(query.order_by(left_first, Household.vulnerable.desc(), Household.id)
                      .limit(limit).offset(offset)).all()
    found = households_json(db, [household for household, _ in rows])
    return [{**item, "state": state_json(state)} for item, (_, state) in zip(found, rows,
                                                                             strict=True)], total


def state_json(state: HouseholdState | None) -> dict | None:
    if state is None:
        return None
    return {"status": state.status, "people": state.people, "report_id": state.report_id,
            "shelter_post_id": state.shelter_post_id, "taken_at": iso(state.taken_at)}
