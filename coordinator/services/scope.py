"""Scope: what an account with a unit may see and change — that unit's subtree, nothing else.

The scope is set once on the session by the boundary (`install`), and every ORM query through
that session gets its criteria here (`do_orm_execute` + `with_loader_criteria`), so no route
has to remember it: people and posts of the subtree; events of the subtree or above it (a county
event covers its towns); shifts, assignments, check-ins, alerts, reports, spot checks and
commendations through their post, person or event; calls, their targets and notifications
through the people they reach; warnings as events; households, their reports and states by
their village, shelter arrivals by household or shelter. Writes check the records they name with
`require` (403). An account without a unit has no scope: it sees everything."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import event as sa_event
from sqlalchemy import or_, select, true
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from ..errors import forbidden
from ..models import (
    Alert,
    Assignment,
    AuditEntry,
    Call,
    CallTarget,
    CheckIn,
    Commendation,
    Escalation,
    Event,
    FieldReport,
    Household,
    HouseholdState,
    Notification,
    Person,
    Post,
    PostResponsible,
    RelocationReport,
    ShelterArrival,
    Shift,
    SpotCheck,
    Unit,
    UnitLeader,
    Warning,
)

SCOPE = "scope"
UNSCOPED = "unscoped"
# Execution options of a query that must see the whole organisation whoever asks: the rules
# that keep a person from being booked twice, a phone or a name that must be unique.
WHOLE_ORGANISATION = {UNSCOPED: True}


@dataclass(frozen=True)
class Scope:
    """The units an account covers (its subtree) and the units above it (whose events cover
    it). `unit_id` None means everything."""

    unit_id: int | None
    units: frozenset[int] = frozenset()
    above: frozenset[int] = frozenset()
    path: str | None = None  # the unit's path, which names its subtree in a query

    @property
    def everything(self) -> bool:
        return self.unit_id is None

    def covers(self, unit_id: int | None) -> bool:
        return self.everything or unit_id in self.units

    def covers_event(self, event_unit_id: int | None) -> bool:
        return self.everything or event_unit_id is None or event_unit_id in self.units \
            or event_unit_id in self.above


EVERYTHING = Scope(None)


def scope_for_unit(db: Session, unit_id: int | None) -> Scope:
    if unit_id is None:
        return EVERYTHING
    unit = db.execute(select(Unit.id, Unit.path).where(Unit.id == unit_id),
                      execution_options={UNSCOPED: True}).first()
    if unit is None:  # the account's unit is gone: it covers nothing
        return Scope(unit_id)
    rows = db.execute(select(Unit.id, Unit.path), execution_options={UNSCOPED: True}).all()
    prefix = unit.path + "/"
    below = frozenset(r.id for r in rows if r.id == unit.id or r.path.startswith(prefix))
    above = frozenset(r.id for r in rows if prefix.startswith(r.path + "/"))
    return Scope(unit_id, below, above, unit.path)


def install(db: Session, scope: Scope) -> None:
    """Every later query through `db` sees only `scope`."""
    db.info[SCOPE] = scope


def current(db: Session) -> Scope:
    return db.info.get(SCOPE, EVERYTHING)


def require(db: Session, *, unit_id: int | None = None, person: Person | None = None,
            post: Post | None = None, event: Event | None = None) -> None:
    """403 when a write names something outside the caller's scope."""
    scope = current(db)
    if scope.everything:
        return
    outside = ((unit_id is not None and not scope.covers(unit_id))
               or (person is not None and not scope.covers(person.unit_id))
               or (post is not None and not scope.covers(post.unit_id))
               or (event is not None and not scope.covers_event(event.unit_id)))
    if outside:
        raise forbidden("This is outside your unit.")


def require_own_event(db: Session, event: Event) -> None:
    """403 unless the event is the caller's unit's or below it (a county event covers a town,
    which takes part in it, but only the county may change or close it)."""
    scope = current(db)
    if not scope.everything and event.unit_id not in scope.units:
        raise forbidden("This event belongs to a unit above yours.")


# The units of a subtree, found by path in the query itself: a county's account covers hundreds
# of units, and a list of their ids in every clause made each query thousands of parameters
# to render and parse. A table alias, not the model, so that the scope's criteria for units do
# not apply to their own subquery.
SCOPE_UNITS = Unit.__table__.alias("scope_units")


def _subtree(path: str):
    return select(SCOPE_UNITS.c.id).where(or_(
        SCOPE_UNITS.c.path == path,
        SCOPE_UNITS.c.path.startswith(path + "/", autoescape=True)))


def _clauses(scope: Scope) -> dict[type, object]:
    """For each scoped model, what its rows must satisfy to lie in `scope`."""
    units = _subtree(scope.path) if scope.path is not None else list(scope.units)
    above = list(scope.above)
    posts = select(Post.id).where(Post.unit_id.in_(units))
    people = select(Person.id).where(Person.unit_id.in_(units))
    shifts = select(Shift.id).where(Shift.post_id.in_(posts))
    return {
        Person: Person.unit_id.in_(units),
        Post: Post.unit_id.in_(units),
        Event: or_(Event.unit_id.is_(None), Event.unit_id.in_(units),
                   Event.unit_id.in_(above)),
        Unit: Unit.id.in_(units),
        UnitLeader: UnitLeader.unit_id.in_(units),
        PostResponsible: PostResponsible.post_id.in_(posts),
        Shift: Shift.post_id.in_(posts),
        Assignment: Assignment.shift_id.in_(shifts),
        CheckIn: CheckIn.post_id.in_(posts),
        Alert: or_(Alert.post_id.in_(posts), Alert.person_id.in_(people),
                   Alert.unit_id.in_(units)),
        FieldReport: FieldReport.person_id.in_(people),
        SpotCheck: SpotCheck.post_id.in_(posts),
        Commendation: Commendation.person_id.in_(people),
        AuditEntry: AuditEntry.unit_id.in_(units),
        # A call made in the subtree, or one from above that reaches someone in it (of which
        # only the subtree's targets show); the outbox's rows of the subtree's people.
        CallTarget: CallTarget.person_id.in_(people),
        Call: or_(Call.unit_id.in_(units),
                  Call.id.in_(select(CallTarget.call_id).where(CallTarget.person_id.in_(people)))),
        Escalation: Escalation.unit_id.in_(units),
        Notification: Notification.person_id.in_(people),
        Warning: or_(Warning.unit_id.is_(None), Warning.unit_id.in_(units),
                     Warning.unit_id.in_(above)),
        # Relocation: the subtree's households, their reports and states; the arrivals of its
        # households and at its shelters.
        Household: Household.unit_id.in_(units),
        HouseholdState: HouseholdState.unit_id.in_(units),
        RelocationReport: RelocationReport.unit_id.in_(units),
        ShelterArrival: or_(ShelterArrival.unit_id.in_(units),
                            ShelterArrival.shelter_post_id.in_(posts)),
    }


def where_in_scope(db: Session, model: type):
    """The condition for `model`'s rows in the caller's scope, for a Core query that does not go
    through the ORM (a large export read as plain rows): `true()` when it sees everything."""
    scope = current(db)
    return true() if scope.everything else _clauses(scope)[model]


@functools.lru_cache(maxsize=256)
def _criteria(scope: Scope) -> tuple:
    """The loader criteria of a scope, built once: a county's account names hundreds of units,
    and building their IN lists for every query cost a large read a third of its time."""
    return tuple(with_loader_criteria(model, clause, include_aliases=True)
                 for model, clause in _clauses(scope).items())


def _scope_queries(state: ORMExecuteState) -> None:
    scope = state.session.info.get(SCOPE)
    if scope is None or scope.everything or not state.is_select \
            or state.execution_options.get(UNSCOPED):
        return
    state.statement = state.statement.options(*_criteria(scope))


def init_app(_app=None) -> None:
    if not sa_event.contains(Session, "do_orm_execute", _scope_queries):
        sa_event.listen(Session, "do_orm_execute", _scope_queries)
