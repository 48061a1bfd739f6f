"""The on-duty rule (docs/scoring.md, "On duty: the one rule"): one fix at a time, for everyone.

The live map, post staffing, the sweeper's `left_post`, a check-in's effects and the duty records
(hours, late, left early, exports) all read a person's duty from `fold` over their fixes, and
`step` is the rule itself: the state stored per assignment (services/duty_state) is brought up
to date with the same `step` on each new fix taken after the last one it has seen.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

LEFT_AFTER_OUTSIDE_FIXES = 2

INSIDE, OUTSIDE, UNKNOWN = "inside", "outside", "unknown"


def reading(within_fence: bool, distance_m: float, accuracy_m: float, radius_m: float) -> str:
    """What a fix says about being at the post. `inside`: API.md's fence rule (`within_fence`).
    `unknown`: not inside, yet the circle of its accuracy still reaches the fence
    (`distance_m - accuracy_m <= radius_m`): the phone may be at the post; too poor to decide.
    `outside`: the whole circle lies beyond the fence. A fix accurate to `FENCE_TOLERANCE_M` is
    never unknown, since then the fence rule already gives it its whole accuracy."""
    if within_fence:
        return INSIDE
    return UNKNOWN if distance_m - accuracy_m <= radius_m else OUTSIDE


class Fix(NamedTuple):
    """The columns of a check-in (and its post's radius) that the rule reads, with the
    assignment it belongs to."""

    assignment_id: int
    id: int
    kind: str
    taken_at: datetime
    within_fence: bool
    distance_m: float
    accuracy_m: float
    radius_m: float
    review_verdict: str | None
    lat: float
    lon: float


class Seen(NamedTuple):
    """What a state keeps of a fix: which one, when it was taken, and where (for the map)."""

    id: int
    taken_at: datetime
    lat: float
    lon: float


class DutyState(NamedTuple):
    """Where a person on a shift stands after some of their fixes, in (taken_at, id) order.

    `outside_run` counts decided-outside fixes in a row since the last fix inside; `spans` are
    the closed stretches on duty, `span_start` the start of the open one (while on duty), and
    `checked_out_at` the end of the last closed stretch when a check-out inside the fence ended
    it (an early departure is judged from it); `rejected` counts the fixes a reviewer rejected,
    which count for nothing else."""

    on_duty: bool = False
    ever_on_duty: bool = False
    outside_run: int = 0
    checked_out: bool = False
    last: Seen | None = None
    last_on_duty: Seen | None = None
    first_on_duty: datetime | None = None
    span_start: datetime | None = None
    spans: tuple[tuple[datetime, datetime], ...] = ()
    checked_out_at: datetime | None = None
    rejected: int = 0


START = DutyState()


def step(state: DutyState, fix: Fix) -> DutyState:
    """The state after one more fix, taken no earlier than the state's last.

    On duty from a check-in or presence inside the fence, until a check-out or
    `LEFT_AFTER_OUTSIDE_FIXES` decided-outside fixes in a row (one GPS jump does not take anyone
    off duty). A rejected fix does not count at all; an unknown one only moves "last seen"."""
    if fix.review_verdict == "rejected":
        return state._replace(rejected=state.rejected + 1)
    seen = reading(fix.within_fence, fix.distance_m, fix.accuracy_m, fix.radius_m)
    last = Seen(fix.id, fix.taken_at, fix.lat, fix.lon)
    if fix.kind == "check_out":
        if not state.on_duty:
            return state._replace(outside_run=0, checked_out=True, last=last)
        # Inside, duty ends at the check-out; elsewhere at the last fix inside.
        inside = seen == INSIDE
        end = fix.taken_at if inside else state.last_on_duty.taken_at
        return state._replace(
            on_duty=False, outside_run=0, checked_out=True, last=last, span_start=None,
            spans=(*state.spans, (state.span_start, max(state.span_start, end))),
            checked_out_at=fix.taken_at if inside else None)
    if seen == INSIDE:
        if state.on_duty:
            # The usual fix, a million times in an export: built directly, not by _replace.
            return DutyState(True, True, 0, False, last, last, state.first_on_duty,
                             state.span_start, state.spans, None, state.rejected)
        return state._replace(
            on_duty=True, ever_on_duty=True, outside_run=0, checked_out=False, last=last,
            last_on_duty=last, first_on_duty=state.first_on_duty or fix.taken_at,
            span_start=fix.taken_at, checked_out_at=None)
    if seen == UNKNOWN or not state.on_duty:
        return state._replace(last=last)
    run = state.outside_run + 1
    if run < LEFT_AFTER_OUTSIDE_FIXES:
        return state._replace(outside_run=run, last=last)
    return state._replace(
        on_duty=False, outside_run=run, last=last, span_start=None, checked_out_at=None,
        spans=(*state.spans, (state.span_start, state.last_on_duty.taken_at)))


def is_after(fix: Fix, state: DutyState) -> bool:
    """Whether `fix` comes after every fix the state has followed, so that one `step` brings
    the state up to date; else the assignment is folded again from its fixes."""
    last = state.last
    return last is None or (last.taken_at, last.id) < (fix.taken_at, fix.id)


def fold(fixes: Iterable[Fix], state: DutyState = START, *, in_order: bool = False) -> DutyState:
    """`step` over the fixes in (taken_at, id) order, from `state` (by default, no fix yet);
    `in_order`: the caller already gives them in that order (as read with ORDER BY)."""
    if not in_order:
        fixes = sorted(fixes, key=lambda f: (f.taken_at, f.id))
    for fix in fixes:
        state = step(state, fix)
    return state


def on_duty_spans(state: DutyState) -> list[tuple[datetime, datetime]]:
    """The stretches on duty; one still open runs to the last fix inside (what the records show
    of it so far: time on duty is never counted ahead of the fixes)."""
    if state.span_start is None:
        return list(state.spans)
    return [*state.spans, (state.span_start, state.last_on_duty.taken_at)]


def left_post(state: DutyState, at: datetime, presence_interval: timedelta) -> str | None:
    """Why someone who came on duty and has not checked out counts as gone from their post at
    `at`: "outside" (the rule took them off duty), "silent" (still on duty, but no fix inside
    the fence for longer than `presence_interval`; unknown fixes do not confirm presence), or
    None."""
    if not state.ever_on_duty or state.checked_out:
        return None
    if not state.on_duty:
        return "outside"
    if at - state.last_on_duty.taken_at > presence_interval:
        return "silent"
    return None
