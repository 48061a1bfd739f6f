"""The duty state stored per assignment: the on-duty rule's fold, kept up to date fix by fix.

Each check-in steps its assignment's stored state with `duty_rule.step` in the check-in's own
transaction; a fix taken before the last one followed (an offline phone's queue), a review, or
a change of the post's fence folds that one assignment again from its fixes. So the stored state
is always `duty_rule.fold` of the assignment's fixes, and reads (the map, the sweeper, staffing,
the records) cost what the people and posts cost, not the hours of the storm. Replay (`as_of`)
still folds from history.

Lock order (docs/architecture.md): a state row is locked after the shift and person rows and
before the post's status, in ascending assignment id where there are several.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from ..models import Assignment, CheckIn, Post, Shift, StoredDutyState
from . import duty_rule
from .duty_rule import START, DutyState, Fix, Seen

STATES = StoredDutyState.__table__
ID_CHUNK = 5_000
REBUILD_BATCH = 500

# What the duty rule reads of each check-in, with its post's radius.
FIX_COLUMNS = (CheckIn.assignment_id, CheckIn.id, CheckIn.kind, CheckIn.taken_at, CheckIn.within_fence,
               CheckIn.distance_m, CheckIn.accuracy_m, Post.radius_m, CheckIn.review_verdict,
               CheckIn.lat, CheckIn.lon)
FIXES_OF = select(*FIX_COLUMNS).join(Post, Post.id == CheckIn.post_id) \
    .where(CheckIn.assignment_id.in_(bindparam("assignment_ids", expanding=True))) \
    .order_by(CheckIn.assignment_id, CheckIn.taken_at, CheckIn.id)
STATE_OF = select(STATES).where(STATES.c.assignment_id == bindparam("assignment_id"))
LOCKED_STATE_OF = STATE_OF.with_for_update()
STATES_OF = select(STATES).where(
    STATES.c.assignment_id.in_(bindparam("assignment_ids", expanding=True)))
# The columns of a glance (below): what a map shows of a state, read without its spans and times.
GLANCE_COLUMNS = (STATES.c.assignment_id, STATES.c.on_duty, STATES.c.last_checkin_id,
                  STATES.c.last_taken_at, STATES.c.last_lat, STATES.c.last_lon)
GLANCES_OF = select(*GLANCE_COLUMNS).where(
    STATES.c.assignment_id.in_(bindparam("assignment_ids", expanding=True)))


class Glance(NamedTuple):
    """What the map and the posts' staffing read of a duty state: on duty, and the last fix."""

    on_duty: bool
    last: Seen | None


NOTHING_YET = Glance(False, None)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def values_of(state: DutyState) -> dict:
    """The columns a state is stored in."""
    last, on_duty = state.last, state.last_on_duty
    return {
        "on_duty": state.on_duty, "ever_on_duty": state.ever_on_duty,
        "outside_run": state.outside_run, "checked_out": state.checked_out,
        "last_checkin_id": last.id if last else None,
        "last_taken_at": last.taken_at if last else None,
        "last_lat": last.lat if last else None, "last_lon": last.lon if last else None,
        "last_on_duty_checkin_id": on_duty.id if on_duty else None,
        "last_on_duty_at": on_duty.taken_at if on_duty else None,
        "last_on_duty_lat": on_duty.lat if on_duty else None,
        "last_on_duty_lon": on_duty.lon if on_duty else None,
        "first_on_duty_at": state.first_on_duty, "span_start": state.span_start,
        "spans": [[_iso(start), _iso(end)] for start, end in state.spans],
        "checked_out_at": state.checked_out_at, "rejected": state.rejected,
    }


def state_of(row) -> DutyState:
    """The state a stored row holds."""
    last = None if row.last_checkin_id is None else Seen(
        row.last_checkin_id, row.last_taken_at, row.last_lat, row.last_lon)
    on_duty = None if row.last_on_duty_checkin_id is None else Seen(
        row.last_on_duty_checkin_id, row.last_on_duty_at, row.last_on_duty_lat,
        row.last_on_duty_lon)
    return DutyState(
        row.on_duty, row.ever_on_duty, row.outside_run, row.checked_out, last, on_duty,
        row.first_on_duty_at, row.span_start,
        tuple((_moment(start), _moment(end)) for start, end in row.spans or ()),
        row.checked_out_at, row.rejected)


def load(db: Session, assignment_ids: Iterable[int]) -> dict[int, DutyState]:
    """The stored state of each assignment (no fix yet: the rule's start)."""
    ids = sorted(set(assignment_ids))
    states = dict.fromkeys(ids, START)
    connection = db.connection()
    for index in range(0, len(ids), ID_CHUNK):
        for row in connection.execute(STATES_OF, {"assignment_ids": ids[index:index + ID_CHUNK]}):
            states[row.assignment_id] = state_of(row)
    return states


def glance_from(assignment_id, on_duty, last_checkin_id, last_taken_at, last_lat,
                last_lon) -> Glance:
    """The glance that the values of `GLANCE_COLUMNS` hold (all None where no state is stored
    yet: the rule's start). Positional: unpacking a row is several times quicker than reading
    its columns by name, and a snapshot reads thousands."""
    if assignment_id is None:
        return NOTHING_YET
    last = None if last_checkin_id is None else Seen(last_checkin_id, last_taken_at, last_lat,
                                                     last_lon)
    return Glance(on_duty, last)


def stored_state_of(row) -> DutyState:
    """The state a row with all of `STATES`' columns holds (all None where no state is stored
    yet: the rule's start)."""
    return START if row.assignment_id is None else state_of(row)


def glance(db: Session, assignment_ids: Iterable[int]) -> dict[int, Glance]:
    """Of each assignment's stored state only what a map shows: read without its spans and
    times, so that a snapshot of thousands of people stays quick."""
    ids = sorted(set(assignment_ids))
    glances = dict.fromkeys(ids, NOTHING_YET)
    connection = db.connection()
    for index in range(0, len(ids), ID_CHUNK):
        for row in connection.execute(GLANCES_OF, {"assignment_ids": ids[index:index + ID_CHUNK]}):
            glances[row[0]] = glance_from(*row)
    return glances


def folded(db: Session, assignment_ids: Iterable[int]) -> dict[int, DutyState]:
    """Each assignment's state folded from all its fixes: what the stored state must equal."""
    ids = sorted(set(assignment_ids))
    fixes = defaultdict(list)
    connection = db.connection()
    for index in range(0, len(ids), ID_CHUNK):
        for row in connection.execute(FIXES_OF, {"assignment_ids": ids[index:index + ID_CHUNK]}):
            fixes[row.assignment_id].append(Fix(*row))
    return {a: duty_rule.fold(fixes[a], in_order=True) for a in ids}


def _store(db: Session, assignment_id: int, state: DutyState, at: datetime, *, exists: bool) -> None:
    values = {**values_of(state), "updated_at": at}
    if exists:
        db.execute(update(STATES).where(STATES.c.assignment_id == assignment_id).values(**values))
    else:
        db.execute(insert(STATES).values(assignment_id=assignment_id, **values))


def _locked(db: Session, assignment_id: int):
    """The assignment's state row, locked for this transaction; created first if missing (the
    assignment's row is locked meanwhile, so that two first fixes cannot both create it)."""
    connection = db.connection()
    row = connection.execute(LOCKED_STATE_OF, {"assignment_id": assignment_id}).first()
    if row is None:
        connection.execute(select(Assignment.id).where(Assignment.id == assignment_id)
                           .with_for_update())
        row = connection.execute(LOCKED_STATE_OF, {"assignment_id": assignment_id}).first()
    return row


def follow(db: Session, fix: Fix, at: datetime) -> tuple[DutyState, DutyState]:
    """Bring the assignment's stored state past a fix just recorded (in this transaction):
    one `step` when it is the newest, else the assignment folded again. (before, after)."""
    row = _locked(db, fix.assignment_id)
    before = START if row is None else state_of(row)
    if duty_rule.is_after(fix, before):
        after = duty_rule.step(before, fix)
    else:
        after = folded(db, [fix.assignment_id])[fix.assignment_id]
    _store(db, fix.assignment_id, after, at, exists=row is not None)
    return before, after


def recompute(db: Session, assignment_ids: Iterable[int], at: datetime) -> dict[int, DutyState]:
    """Fold these assignments again from their fixes and store it (after a review, a change of
    the post's fence, or a rebuild); rows are locked in ascending id."""
    ids = sorted(set(assignment_ids))
    if not ids:
        return {}
    stored = {}
    for assignment_id in ids:
        stored[assignment_id] = _locked(db, assignment_id) is not None
    states = folded(db, ids)
    for assignment_id in ids:
        _store(db, assignment_id, states[assignment_id], at, exists=stored[assignment_id])
    return states


def assignments_at_post(db: Session, post_id: int) -> list[int]:
    """Every assignment of a shift at the post, in any event (their fixes read its fence)."""
    return list(db.scalars(select(Assignment.id).join(Shift, Shift.id == Assignment.shift_id)
                           .where(Shift.post_id == post_id).order_by(Assignment.id)))


def batches(db: Session) -> list[list[int]]:
    """Every assignment's id, in batches of `REBUILD_BATCH` (for a rebuild or a check that
    commits or reports as it goes)."""
    ids = list(db.scalars(select(Assignment.id).order_by(Assignment.id)))
    return [ids[index:index + REBUILD_BATCH] for index in range(0, len(ids), REBUILD_BATCH)]


def differences(db: Session, assignment_ids: Iterable[int]) -> list[int]:
    """Those of these assignments whose stored state is not the fold of their fixes (there
    should be none)."""
    ids = sorted(set(assignment_ids))
    stored, history = load(db, ids), folded(db, ids)
    return [a for a in ids if stored[a] != history[a]]

