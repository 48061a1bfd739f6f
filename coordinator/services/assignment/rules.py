"""The hard rules over time, and the limits and weights of the assignment engine.

Nobody on two overlapping shifts, a minimum rest between shifts, at most so long on duty in any
24 hours (docs/assignment.md, "Hard rules"): checked on plain intervals, so the planner, the
writers and the replacements for alerts all judge a schedule the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

Interval = tuple[datetime, datetime]
DAY = timedelta(hours=24)


@dataclass(frozen=True)
class Rules:
    """Hard limits and soft weights (config keys ASSIGN_*; see docs/assignment.md)."""

    min_rest: timedelta = timedelta(hours=8)
    max_duty_24h: timedelta = timedelta(hours=12)
    reach_m: float = 50_000.0
    village_penalty_m: float = 3_000.0
    village_factor: float = 0.5
    burden_m_per_hour: float = 100.0
    neighbours: int = 4

    @classmethod
    def from_config(cls, config) -> Rules:
        return cls(
            min_rest=timedelta(hours=float(config.get("ASSIGN_MIN_REST_HOURS", 8))),
            max_duty_24h=timedelta(hours=float(config.get("ASSIGN_MAX_DUTY_HOURS_24H", 12))),
            reach_m=float(config.get("ASSIGN_MAX_DISTANCE_M", 50_000)),
            village_penalty_m=float(config.get("ASSIGN_VILLAGE_PENALTY_M", 3_000)),
            village_factor=float(config.get("ASSIGN_VILLAGE_FACTOR", 0.5)),
            burden_m_per_hour=float(config.get("ASSIGN_BURDEN_M_PER_HOUR", 100)),
            neighbours=int(config.get("ASSIGN_NEIGHBOURS", 4)),
        )

def merged(intervals: list[Interval]) -> list[Interval]:
    """The same time as non-overlapping intervals (two overlapping shifts are one stretch of duty)."""
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def duty_in_24h(intervals: list[Interval], around: Interval) -> timedelta:
    """The most on-duty time inside any 24-hour window that touches `around` (the maximum lies
    at a window starting when some duty starts or ending when some duty ends)."""
    intervals = merged(intervals)
    starts = [s for s, _ in intervals] + [e - DAY for _, e in intervals]
    worst = timedelta(0)
    for begin in starts:
        end = begin + DAY
        if begin >= around[1] or end <= around[0]:
            continue
        total = sum((min(e, end) - max(s, begin) for s, e in intervals if s < end and e > begin),
                    timedelta(0))
        worst = max(worst, total)
    return worst


def breaks_rule(schedule: list[Interval], new: Interval, rules: Rules) -> str | None:
    """Which hard rule `new` would break beside the person's other shifts: "overlap", "rest",
    "max_duty", or None when it fits."""
    start, end = new
    for s, e in schedule:
        if s < end and e > start:
            return "overlap"
        if (start - e if e <= start else s - end) < rules.min_rest:
            return "rest"
    if end - start > rules.max_duty_24h or duty_in_24h([*schedule, new], new) > rules.max_duty_24h:
        return "max_duty"
    return None


def relevant_span(shifts, rules: Rules) -> Interval:
    """The stretch of time whose assignments can matter to the rules for these shifts."""
    margin = DAY + rules.min_rest + rules.max_duty_24h
    return (min(s.starts_at for s in shifts) - margin, max(s.ends_at for s in shifts) + margin)
