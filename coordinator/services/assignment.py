"""The assignment engine (自动排班): exact min-cost flow per time window over a candidate graph.

The core (`solve_window`) works on plain NumPy arrays, so the benchmark measures the solver
without the database; the functions below it read the roster, the schedules and the shifts from
the database, apply the hard rules, and call the core one time window after another.
The rules and weights are documented in docs/assignment.md.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from ortools.graph.python import min_cost_flow
from scipy.spatial import cKDTree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import conflict, validation_error
from ..models import Assignment, CheckIn, Event, Person, Post, Shift
from . import audit, events
from .geo import EARTH_RADIUS_M

# Costs go to the solver as integers: decimetres keep rounding far below any distance that matters.
COST_SCALE = 10
# Below this many person-shift pairs in an eligibility group the graph holds every pair: exact.
FULL_GRAPH_PAIRS = 250_000
# Each shift is also linked to its nearest eligible people: this many per open place, at least.
REVERSE_PER_PLACE = 3
WIDEN_FACTOR = 4
# Once some pair outside the graph is found to lower the cost, pairs whose reduced cost is within
# this share of the shift's potential join as well (fewer rounds; the proof stays exact).
CERTIFY_SLACK = 0.3

UNFILLED_REASONS = ("shift_ended", "shift_exceeds_max_duty", "no_one_with_skills",
                    "everyone_busy_or_resting", "no_one_within_reach", "not_enough_people")


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


# --- the core: one time window as arrays ----------------------------------------------------


def unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Points on the unit sphere: chord length orders pairs exactly as great-circle distance."""
    phi, lam = np.radians(lat), np.radians(lon)
    cos_phi = np.cos(phi)
    return np.column_stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)))


def haversine_m(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Vectorised great-circle distance in metres (under a metre off at a town's scale)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (np.sin((p2 - p1) / 2) ** 2
         + np.cos(p1) * np.cos(p2) * np.sin(np.radians(np.asarray(lon2) - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def chord(metres):
    """The straight-line distance between unit vectors that lie `metres` apart on the Earth."""
    return 2 * np.sin(np.minimum(metres, np.pi * EARTH_RADIUS_M) / (2 * EARTH_RADIUS_M))


@dataclass
class Window:
    """One time window's problem: who may go (per eligibility group), the places, the weights.

    `eligible[g, p]` says whether person p may take the shifts of group g (skills and schedule
    already checked); `shift_group[s]` is the group of shift s. Village codes are -1 for none.
    """

    person_lat: np.ndarray
    person_lon: np.ndarray
    shift_lat: np.ndarray
    shift_lon: np.ndarray
    shift_places: np.ndarray
    person_extra_m: np.ndarray | None = None  # burden: weight x hours already served
    person_village: np.ndarray | None = None  # own village of a village official, else -1
    shift_village: np.ndarray | None = None
    eligible: np.ndarray | None = None
    shift_group: np.ndarray | None = None

    def __post_init__(self):
        n, m = len(self.person_lat), len(self.shift_lat)
        self.shift_places = np.asarray(self.shift_places, dtype=np.int64)
        if self.person_extra_m is None:
            self.person_extra_m = np.zeros(n)
        if self.person_village is None:
            self.person_village = np.full(n, -1)
        if self.shift_village is None:
            self.shift_village = np.full(m, -1)
        if self.eligible is None:
            self.eligible = np.ones((1, n), dtype=bool)
        if self.shift_group is None:
            self.shift_group = np.zeros(m, dtype=np.int64)


@dataclass
class Matching:
    """The solver's answer: chosen pairs, and per shift what the reasons and "why" need."""

    person: np.ndarray
    shift: np.ndarray
    distance_m: np.ndarray
    cost_m: np.ndarray
    filled: np.ndarray  # per shift
    in_reach: np.ndarray  # per shift: eligible people within reach (counted for unfilled ones)
    nearest_m: np.ndarray  # per shift: distance of its places-th nearest eligible person
    rounds: int = 1
    edges: int = 0

    @property
    def total_cost_m(self) -> float:
        return float(self.cost_m.sum())


def pair_costs(w: Window, rules: Rules, person: np.ndarray, shift: np.ndarray):
    """(distance, cost) of person-shift pairs: travel plus the soft preferences."""
    distance = haversine_m(w.person_lat[person], w.person_lon[person], w.shift_lat[shift],
                           w.shift_lon[shift])
    own = w.person_village[person]
    foreign = (own >= 0) & (own != w.shift_village[shift])
    cost = (distance + w.person_extra_m[person]
            + foreign * (rules.village_penalty_m + rules.village_factor * distance))
    return distance, cost


class _Group:
    """The people and shifts of one eligibility group, with their spatial indexes."""

    def __init__(self, w: Window, g: int):
        self.people = np.flatnonzero(w.eligible[g])
        self.shifts = np.flatnonzero(w.shift_group == g)
        self.full = len(self.people) * len(self.shifts) <= FULL_GRAPH_PAIRS
        self.person_xyz = unit_vectors(w.person_lat[self.people], w.person_lon[self.people])
        self.shift_xyz = unit_vectors(w.shift_lat[self.shifts], w.shift_lon[self.shifts])
        self._person_tree = self._shift_tree = None

    @property
    def person_tree(self) -> cKDTree:
        if self._person_tree is None:
            self._person_tree = cKDTree(self.person_xyz)
        return self._person_tree

    @property
    def shift_tree(self) -> cKDTree:
        if self._shift_tree is None:
            self._shift_tree = cKDTree(self.shift_xyz)
        return self._shift_tree


def _knn(tree: cKDTree, points: np.ndarray, k: int, bound: float, size: int):
    """Each point's k nearest within `bound` (chord): row, neighbour, and how many were found."""
    k = min(k, size)
    if k <= 0 or len(points) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.zeros(len(points), np.int64)
    _, idx = tree.query(points, k=k, distance_upper_bound=bound)
    idx = idx.reshape(len(points), k)
    found = idx < size  # missing neighbours come back as `size`
    rows = np.repeat(np.arange(len(points)), k)
    keep = found.ravel()
    return rows[keep], idx.ravel()[keep], found.sum(axis=1)


def _group_edges(w: Window, grp: _Group, bound: float, k_reverse: np.ndarray,
                 reverse_done: np.ndarray, k_forward: int):
    """Candidate pairs of a group: each person to its nearest shifts, each shift to its nearest
    people; every pair when the group is small. Returns global (person, shift) indices and marks
    the shifts whose every eligible person within reach is linked."""
    if len(grp.people) == 0 or len(grp.shifts) == 0:
        reverse_done[grp.shifts] = True
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if grp.full:
        reverse_done[grp.shifts] = True
        return np.repeat(grp.people, len(grp.shifts)), np.tile(grp.shifts, len(grp.people))
    rows, cols, _ = _knn(grp.shift_tree, grp.person_xyz, k_forward, bound, len(grp.shifts))
    parts_p, parts_s = [grp.people[rows]], [grp.shifts[cols]]
    for k in np.unique(k_reverse[grp.shifts]):
        local = np.flatnonzero(k_reverse[grp.shifts] == k)
        rows, cols, found = _knn(grp.person_tree, grp.shift_xyz[local], int(k), bound,
                                 len(grp.people))
        parts_s.append(grp.shifts[local[rows]])
        parts_p.append(grp.people[cols])
        reverse_done[grp.shifts[local]] = (found < k) | (k >= len(grp.people))
    return np.concatenate(parts_p), np.concatenate(parts_s)
def _min_cost_max_flow(n: int, m: int, places: np.ndarray, person: np.ndarray,
                       shift: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Fill as many places as possible at the least total cost (integer `units`); the flow on
    each pair (0/1)."""
    solver = min_cost_flow.SimpleMinCostFlow()
    source, sink = n + m, n + m + 1
    used = np.unique(person)
    solver.add_arcs_with_capacity_and_unit_cost(
        np.full(len(used), source), used, np.ones(len(used), np.int64), np.zeros(len(used), np.int64))
    first = solver.add_arcs_with_capacity_and_unit_cost(
        person, n + shift, np.ones(len(person), np.int64), units)
    solver.add_arcs_with_capacity_and_unit_cost(
        n + np.arange(m), np.full(m, sink), places, np.zeros(m, np.int64))
    total = int(places.sum())
    solver.set_nodes_supplies(np.array([source, sink]), np.array([total, -total]))
    status = solver.solve_max_flow_with_min_cost()
    if status != solver.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    arcs = np.arange(len(person)) + (first if np.ndim(first) == 0 else first[0])
    return solver.flows(arcs)


def solve_window(w: Window, rules: Rules) -> Matching:
    """Fill the most places, then at the least total cost, within one time window.

    Exact: the min-cost flow is solved on a candidate graph (each person to the nearest shifts,
    each shift to the nearest people), which widens around places left unfilled; then node
    potentials of the optimal flow prove that no pair outside the graph could lower the cost, or
    name the pairs that could, which join the graph for another round."""
    n, m = len(w.person_lat), len(w.shift_lat)
    places = w.shift_places
    bound = chord(rules.reach_m) * (1 + 1e-9)
    groups = [_Group(w, g) for g in range(w.eligible.shape[0])]
    k_reverse = np.maximum(REVERSE_PER_PLACE * places, rules.neighbours).astype(np.int64)
    reverse_done = np.zeros(m, dtype=bool)
    extra_person, extra_shift = [np.empty(0, np.int64)], [np.empty(0, np.int64)]
    rounds = 0
    while True:
        rounds += 1
        pairs = [_group_edges(w, grp, bound, k_reverse, reverse_done, max(1, rules.neighbours))
                 for grp in groups]
        person = np.concatenate([p for p, _ in pairs] + extra_person).astype(np.int64)
        shift = np.concatenate([s for _, s in pairs] + extra_shift).astype(np.int64)
        if len(person):
            unique = np.unique(person * max(m, 1) + shift, return_index=True)[1]
            person, shift = person[unique], shift[unique]
        distance, cost = pair_costs(w, rules, person, shift)
        within = distance <= rules.reach_m
        person, shift, distance, cost = person[within], shift[within], distance[within], cost[within]
        units = np.rint(cost * COST_SCALE).astype(np.int64)
        flow = (_min_cost_max_flow(n, m, places, person, shift, units) if len(person)
                else np.zeros(0, np.int64))
        chosen = flow > 0
        filled = np.bincount(shift[chosen], minlength=m)
        found = _widen(w, groups, bound, places, filled, person, shift, chosen, k_reverse,
                       reverse_done)
        if found is None:  # no place can be filled any more: is the cost least?
            found = _pairs_that_would_lower_the_cost(w, rules, groups, bound, places, filled,
                                                     person, shift, units, chosen)
            if found is None:
                break
        extra_person.append(found[0])
        extra_shift.append(found[1])
    in_reach = np.full(m, -1, np.int64)
    nearest = np.full(m, np.inf)
    for grp in groups:
        if len(grp.shifts) == 0 or len(grp.people) == 0:
            in_reach[grp.shifts] = 0
            continue
        short = grp.shifts[filled[grp.shifts] < places[grp.shifts]]
        if len(short):
            local = np.searchsorted(grp.shifts, short)
            in_reach[short] = grp.person_tree.query_ball_point(
                grp.shift_xyz[local], bound, return_length=True)
        k = int(min(places[grp.shifts].max(), len(grp.people)))
        gap, _ = grp.person_tree.query(grp.shift_xyz, k=k)
        gap = np.asarray(gap).reshape(len(grp.shifts), k)
        column = np.minimum(places[grp.shifts], k) - 1
        nearest[grp.shifts] = 2 * EARTH_RADIUS_M * np.arcsin(
            np.minimum(gap[np.arange(len(grp.shifts)), column] / 2, 1.0))
    return Matching(person[chosen], shift[chosen], distance[chosen], cost[chosen], filled,
                    in_reach, nearest, rounds, len(person))


def _potentials(n: int, m: int, places, filled, person, shift, units, chosen):
    """Shortest distances D from every node to a virtual sink in the residual graph of the flow
    (Bellman-Ford, vectorised): -D is a feasible potential, so every residual arc has a
    non-negative reduced cost. Returns D of the people and of the shifts."""
    d_person, d_shift = np.zeros(n, np.int64), np.zeros(m, np.int64)
    d_source = d_sink = 0
    free = ~chosen
    fp, fs, fc = person[free], shift[free], units[free]
    order = np.argsort(fp, kind="stable")
    fp, fs, fc = fp[order], fs[order], fc[order]
    f_starts = np.flatnonzero(np.r_[True, fp[1:] != fp[:-1]]) if len(fp) else np.empty(0, int)
    ap, as_, ac = person[chosen], shift[chosen], units[chosen]
    order = np.argsort(as_, kind="stable")
    ap, as_, ac = ap[order], as_[order], ac[order]
    a_starts = np.flatnonzero(np.r_[True, as_[1:] != as_[:-1]]) if len(as_) else np.empty(0, int)
    assigned = np.zeros(n, dtype=bool)
    assigned[ap] = True
    in_network = np.zeros(n, dtype=bool)
    in_network[person] = True
    waiting = in_network & ~assigned  # arcs source -> person
    room, holding = filled < places, filled > 0
    for _ in range(n + m + 2):
        new_person = np.zeros(n, np.int64)
        if len(fp):  # person -> shift on a pair without flow, at its cost
            new_person[fp[f_starts]] = np.minimum.reduceat(fc + d_shift[fs], f_starts)
        new_person = np.minimum(new_person, 0)
        new_person[assigned] = np.minimum(new_person[assigned], d_source)  # back to the source
        new_shift = np.zeros(m, np.int64)
        if len(ap):  # shift -> the person on it, at minus the cost
            new_shift[as_[a_starts]] = np.minimum.reduceat(d_person[ap] - ac, a_starts)
        new_shift = np.minimum(new_shift, 0)
        new_shift[room] = np.minimum(new_shift[room], d_sink)
        new_source = min(0, int(new_person[waiting].min())) if waiting.any() else 0
        new_sink = min(0, int(new_shift[holding].min())) if holding.any() else 0
        if (new_source == d_source and new_sink == d_sink and np.array_equal(new_person, d_person)
                and np.array_equal(new_shift, d_shift)):
            break
        d_person, d_shift, d_source, d_sink = new_person, new_shift, new_source, new_sink
    return d_person, d_shift


def _pairs_that_would_lower_the_cost(w: Window, rules: Rules, groups, bound, places, filled,
                                     person, shift, units, chosen):
    """Eligible pairs outside the graph whose reduced cost is negative under the potentials of
    the optimal flow, or None when there is none: then the flow is optimal on the full graph.
    Such a pair (p, s) costs less than D(p) - D(s) <= -D(s), so only people within -D(s) of
    shift s need a look: a ball around each shift."""
    n, m = len(w.person_lat), len(w.shift_lat)
    if all(grp.full for grp in groups):
        return None
    d_person, d_shift = _potentials(n, m, places, filled, person, shift, units, chosen)
    found_p, found_s = [], []
    for grp in groups:
        if grp.full or len(grp.people) == 0:
            continue
        local = np.flatnonzero(d_shift[grp.shifts] < 0)
        if len(local) == 0:
            continue
        radius = np.minimum(-d_shift[grp.shifts[local]] / COST_SCALE, rules.reach_m)
        near = grp.person_tree.query_ball_point(grp.shift_xyz[local], chord(radius) * (1 + 1e-9))
        counts = np.fromiter((len(x) for x in near), np.int64, len(near))
        if counts.sum() == 0:
            continue
        p = grp.people[np.concatenate([np.asarray(x, np.int64) for x in near])]
        s = np.repeat(grp.shifts[local], counts)
        p, s = _new_pairs(person, shift, p, s, m)
        distance, cost = pair_costs(w, rules, p, s)
        reduced = np.rint(cost * COST_SCALE).astype(np.int64) - d_person[p] + d_shift[s]
        lower = (reduced < 0) & (distance <= rules.reach_m)
        if lower.any():
            # Pairs nearly as good join too: the next optimum tends to need them.
            near_by = (reduced < -CERTIFY_SLACK * d_shift[s]) & (distance <= rules.reach_m)
            found_p.append(p[near_by])
            found_s.append(s[near_by])
    if not found_p:
        return None
    return np.concatenate(found_p), np.concatenate(found_s)


def _new_pairs(person, shift, p, s, m: int):
    """The pairs (p, s) not among the graph's (person, shift)."""
    known = np.sort(person * max(m, 1) + shift)
    key = p * max(m, 1) + s
    at = np.searchsorted(known, key)
    new = (at >= len(known)) | (known[np.minimum(at, max(len(known) - 1, 0))] != key) \
        if len(known) else np.ones(len(key), dtype=bool)
    return p[new], s[new]


def _widen(w: Window, groups, bound, places, filled, person, shift, chosen, k_reverse,
           reverse_done):
    """More pairs for the shifts left short, or None when none can help: first the nearest
    people still free; once those are all linked, more of the nearest people (who may move over
    and be replaced), and then more people for the shifts holding those. A group whose eligible
    people are all placed cannot fill more, so its short shifts stay as they are."""
    m = len(places)
    short = filled < places
    busy = np.zeros(len(w.person_lat), dtype=bool)
    busy[person[chosen]] = True
    found_p, found_s = [], []
    for grp in groups:
        free = grp.people[~busy[grp.people]]
        if len(free) == 0:
            short[grp.shifts] = False
            continue
        lacking = grp.shifts[short[grp.shifts]]
        if len(lacking) == 0 or grp.full:
            continue
        tree = cKDTree(unit_vectors(w.person_lat[free], w.person_lon[free]))
        k = int(min(REVERSE_PER_PLACE * (places[lacking] - filled[lacking]).max() + 8, len(free)))
        local = np.searchsorted(grp.shifts, lacking)
        rows, cols, _ = _knn(tree, grp.shift_xyz[local], k, bound, len(free))
        found_p.append(free[cols])
        found_s.append(lacking[rows])
    if found_p:
        p, s = _new_pairs(person, shift, np.concatenate(found_p), np.concatenate(found_s), m)
        if len(p):
            return p, s
    if not short.any():
        return None
    grow = short & ~reverse_done
    if not grow.any():
        linked = np.unique(person[short[shift]])
        holding = np.zeros(m, dtype=bool)
        holding[shift[chosen & np.isin(person, linked)]] = True
        grow = holding & ~reverse_done
    if not grow.any():
        return None
    k_reverse[grow] *= WIDEN_FACTOR
    return np.empty(0, np.int64), np.empty(0, np.int64)


# --- the hard rules over time -----------------------------------------------------------------

Interval = tuple[datetime, datetime]
DAY = timedelta(hours=24)


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


def schedules(db: Session, start: datetime, end: datetime,
              person_ids: list[int] | None = None) -> dict[int, list[Interval]]:
    """Each person's duty windows between `start` and `end`, from their active assignments in any
    event; a closed event's shifts count only until it was closed."""
    query = (select(Assignment.person_id, Shift.starts_at, Shift.ends_at, Event.closed_at)
             .join(Shift, Shift.id == Assignment.shift_id)
             .join(Event, Event.id == Shift.event_id)
             .where(Assignment.removed_at.is_(None), Shift.ends_at > start, Shift.starts_at < end))
    if person_ids is not None:
        query = query.where(Assignment.person_id.in_(person_ids))
    found: dict[int, list[Interval]] = defaultdict(list)
    for person_id, s, e, closed_at in db.execute(query):
        if closed_at is not None:
            e = min(e, closed_at)
        if e > s:
            found[person_id].append((s, e))
    return found


def hours_in_event(db: Session, event_id: int) -> dict[int, float]:
    """Hours each person is assigned in this event (the burden that spreading weighs)."""
    rows = db.execute(select(Assignment.person_id, Shift.starts_at, Shift.ends_at)
                      .join(Shift, Shift.id == Assignment.shift_id)
                      .where(Shift.event_id == event_id, Assignment.removed_at.is_(None)))
    hours: dict[int, float] = defaultdict(float)
    for person_id, s, e in rows:
        hours[person_id] += (e - s).total_seconds() / 3600
    return hours


def last_fixes(db: Session, event_id: int) -> dict[int, tuple[float, float]]:
    """Each person's latest check-in position during this event."""
    latest = (select(CheckIn.person_id, func.max(CheckIn.taken_at).label("taken_at"))
              .join(Assignment, Assignment.id == CheckIn.assignment_id)
              .join(Shift, Shift.id == Assignment.shift_id)
              .where(Shift.event_id == event_id).group_by(CheckIn.person_id).subquery())
    rows = db.execute(select(CheckIn.person_id, CheckIn.lat, CheckIn.lon).join(
        latest, (latest.c.person_id == CheckIn.person_id) & (latest.c.taken_at == CheckIn.taken_at)))
    return {person_id: (lat, lon) for person_id, lat, lon in rows}


# --- the roster as arrays, and the plan -------------------------------------------------------


class VillageCodes(dict):
    """Small integer codes for village names (-1 for none)."""

    def code(self, name: str | None) -> int:
        if not name:
            return -1
        return self.setdefault(name, len(self))


class Roster:
    """The active people as arrays: positions, skills, schedules and hours in this event.

    `people` are rows with id, kind, unit, skills, home_lat and home_lon (Person or alike);
    `fixes` the last known positions during the event, by person id.
    """

    def __init__(self, people, fixes: dict[int, tuple[float, float]],
                 booked: dict[int, list[Interval]], hours: dict[int, float],
                 villages: VillageCodes):
        self.ids = np.array([r.id for r in people], dtype=np.int64)
        self.index = {pid: i for i, pid in enumerate(self.ids.tolist())}
        self.skills = [frozenset(r.skills or ()) for r in people]
        self.kind = [r.kind for r in people]
        self.unit = [r.unit for r in people]
        self.village = np.array([villages.code(r.unit) if r.kind == "village_official" else -1
                                 for r in people], dtype=np.int64)
        self.from_where = []
        lat, lon = np.zeros(len(people)), np.zeros(len(people))
        self.has_position = np.zeros(len(people), dtype=bool)
        for i, r in enumerate(people):
            if r.id in fixes:
                (lat[i], lon[i]), where = fixes[r.id], "last_fix"
            elif r.home_lat is not None and r.home_lon is not None:
                lat[i], lon[i], where = r.home_lat, r.home_lon, "home"
            else:
                where = None
            self.from_where.append(where)
            self.has_position[i] = where is not None
        self.lat, self.lon = lat, lon
        self.schedules = {pid: list(windows) for pid, windows in booked.items()}
        self.hours = dict(hours)
        self._skill_masks: dict[str, np.ndarray] = {}

    @classmethod
    def load(cls, db: Session, event: Event, span: Interval, villages: VillageCodes) -> Roster:
        """The active roster with what the rules need between the times of `span`."""
        people = db.execute(select(Person.id, Person.kind, Person.unit, Person.skills,
                                   Person.home_lat, Person.home_lon)
                            .where(Person.active.is_(True)).order_by(Person.id)).all()
        return cls(people, last_fixes(db, event.id), schedules(db, *span),
                   hours_in_event(db, event.id), villages)

    def __len__(self) -> int:
        return len(self.ids)

    def skill_mask(self, needed) -> np.ndarray:
        """Who holds every one of the `needed` skills."""
        mask = np.ones(len(self), dtype=bool)
        for skill in needed:
            if skill not in self._skill_masks:
                self._skill_masks[skill] = np.fromiter((skill in s for s in self.skills), bool,
                                                       len(self))
            mask &= self._skill_masks[skill]
        return mask

    def free_mask(self, window: Interval, rules: Rules) -> np.ndarray:
        """Who can take a shift of this window without breaking a rule over time."""
        fits_alone = breaks_rule([], window, rules) is None
        mask = np.full(len(self), fits_alone)
        for person_id, schedule in self.schedules.items():
            i = self.index.get(person_id)
            if i is not None and schedule:
                mask[i] = fits_alone and breaks_rule(schedule, window, rules) is None
        return mask

    def burden_m(self, rules: Rules) -> np.ndarray:
        hours = np.array([self.hours.get(pid, 0.0) for pid in self.ids.tolist()])
        return rules.burden_m_per_hour * hours

    def take(self, i: int, window: Interval) -> None:
        person_id = int(self.ids[i])
        self.schedules.setdefault(person_id, []).append(window)
        self.hours[person_id] = self.hours.get(person_id, 0.0) + \
            (window[1] - window[0]).total_seconds() / 3600


@dataclass
class Proposal:
    """One place the engine would fill, and why this person."""

    shift_id: int
    person_id: int
    distance_m: float
    cost_m: float
    from_where: str
    from_lat: float
    from_lon: float
    hours_before: float
    why: list[str]


@dataclass
class Shortfall:
    shift_id: int
    missing: int
    reason: str


@dataclass
class Plan:
    proposals: list[Proposal] = field(default_factory=list)
    unfilled: list[Shortfall] = field(default_factory=list)

    @property
    def total_distance_m(self) -> float:
        return round(sum(round(p.distance_m, 1) for p in self.proposals), 1)


def time_windows(shifts: list[Shift]) -> list[list[Shift]]:
    """Shifts in groups of overlapping time windows, in chronological order."""
    groups: list[list[Shift]] = []
    end = None
    for shift in sorted(shifts, key=lambda s: (s.starts_at, s.ends_at, s.id)):
        if end is None or shift.starts_at >= end:
            groups.append([])
            end = shift.ends_at
        groups[-1].append(shift)
        end = max(end, shift.ends_at)
    return groups


def _span(shifts: list[Shift], rules: Rules) -> Interval:
    """The stretch of time whose assignments can matter to the rules for these shifts."""
    margin = DAY + rules.min_rest + rules.max_duty_24h
    return (min(s.starts_at for s in shifts) - margin, max(s.ends_at for s in shifts) + margin)


def open_shifts(db: Session, event: Event, at: datetime,
                shift_ids: list[int] | None) -> tuple[list[tuple[Shift, int]], list[Shortfall]]:
    """The chosen shifts (all of the event's when none are named) with their open places; named
    shifts that have ended come back as shortfalls. Unknown or foreign ids are a 422."""
    if event.closed_at is not None:
        raise conflict(f"Event {event.id} is closed.")
    query = select(Shift).where(Shift.event_id == event.id)
    if shift_ids is not None:
        wanted = list(dict.fromkeys(shift_ids))
        query = query.where(Shift.id.in_(wanted))
    shifts = db.scalars(query.order_by(Shift.starts_at, Shift.id)).all()
    if shift_ids is not None:
        missing = sorted(set(wanted) - {s.id for s in shifts})
        if missing:
            raise validation_error({"shift_ids": f"not shifts of event {event.id}: "
                                    + ", ".join(map(str, missing))})
    counts = events.assigned_counts(db, [s.id for s in shifts])
    chosen, ended = [], []
    for shift in shifts:
        places = shift.required - counts.get(shift.id, 0)
        if places <= 0:
            continue
        if shift.ends_at <= at:
            if shift_ids is not None:
                ended.append(Shortfall(shift.id, places, "shift_ended"))
            continue
        chosen.append((shift, places))
    return chosen, ended


def plan_open_places(db: Session, event: Event, at: datetime, rules: Rules,
                     shift_ids: list[int] | None = None) -> Plan:
    """The engine's proposal for the open places of the chosen shifts; nothing is written."""
    chosen, ended = open_shifts(db, event, at, shift_ids)
    plan = Plan(unfilled=ended)
    if not chosen:
        return plan
    posts = {p.id: p for p in db.scalars(select(Post).where(
        Post.id.in_({shift.post_id for shift, _ in chosen})))}
    villages = VillageCodes()
    roster = Roster.load(db, event, _span([s for s, _ in chosen], rules), villages)
    return plan_shifts(roster, chosen, posts, villages, rules, plan)


def plan_shifts(roster: Roster, chosen: list[tuple[Shift, int]], posts: dict[int, Post],
                villages: VillageCodes, rules: Rules, plan: Plan | None = None) -> Plan:
    """Fill (shift, open places) pairs from the roster, one time window after another in
    chronological order, each window solved exactly; the roster's schedules are updated."""
    plan = plan or Plan()
    places = {shift.id: n for shift, n in chosen}
    for window in time_windows([shift for shift, _ in chosen]):
        _plan_window(roster, window, places, posts, villages, rules, plan)
    plan.unfilled.sort(key=lambda u: u.shift_id)
    return plan


def _plan_window(roster: Roster, shifts: list[Shift], places: dict[int, int],
                 posts: dict[int, Post], villages: VillageCodes, rules: Rules, plan: Plan) -> None:
    """Solve one group of overlapping shifts exactly and book the chosen people."""
    groups: dict[tuple, int] = {}
    for shift in shifts:
        groups.setdefault((frozenset(shift.skills or ()), shift.starts_at, shift.ends_at),
                          len(groups))
    skilled = np.zeros((len(groups), len(roster)), dtype=bool)
    free = np.zeros_like(skilled)
    for (skills, start, end), g in groups.items():
        skilled[g] = roster.skill_mask(skills)
        free[g] = roster.free_mask((start, end), rules)
    eligible = skilled & free & roster.has_position
    shift_group = np.array([groups[(frozenset(s.skills or ()), s.starts_at, s.ends_at)]
                            for s in shifts])
    window = Window(
        roster.lat, roster.lon,
        np.array([posts[s.post_id].lat for s in shifts]),
        np.array([posts[s.post_id].lon for s in shifts]),
        np.array([places[s.id] for s in shifts]),
        person_extra_m=roster.burden_m(rules), person_village=roster.village,
        shift_village=np.array([villages.code(posts[s.post_id].village) for s in shifts]),
        eligible=eligible, shift_group=shift_group)
    result = solve_window(window, rules)
    for p, s, distance, cost in zip(result.person.tolist(), result.shift.tolist(),
                                    result.distance_m.tolist(), result.cost_m.tolist(),
                                    strict=True):
        shift = shifts[s]
        person_id = int(roster.ids[p])
        why = ["nearest" if distance <= result.nearest_m[s] + 0.5 else "least_total"]
        if roster.kind[p] == "village_official" and roster.unit[p] == posts[shift.post_id].village:
            why.append("own_village")
        if shift.skills:
            why.append("skills")
        plan.proposals.append(Proposal(
            shift.id, person_id, round(distance, 1), round(cost, 1), roster.from_where[p],
            float(roster.lat[p]), float(roster.lon[p]), round(roster.hours.get(person_id, 0.0), 2),
            why))
        roster.take(p, (shift.starts_at, shift.ends_at))
    for s, shift in enumerate(shifts):
        missing = int(window.shift_places[s] - result.filled[s])
        if missing > 0:
            g = shift_group[s]
            plan.unfilled.append(Shortfall(shift.id, missing, _reason(
                shift, skilled[g], free[g], eligible[g], int(result.in_reach[s]), rules)))


def _reason(shift: Shift, skilled, free, eligible, in_reach: int, rules: Rules) -> str:
    if shift.ends_at - shift.starts_at > rules.max_duty_24h:
        return "shift_exceeds_max_duty"
    if not skilled.any():
        return "no_one_with_skills"
    if not (skilled & free).any():
        return "everyone_busy_or_resting"
    if not eligible.any() or in_reach <= 0:
        return "no_one_within_reach"
    return "not_enough_people"


# --- writing: the engine's plan, a commander's adjusted plan, and the check after locking ------


def assign_open_places(db: Session, actor: audit.Actor, at: datetime, event: Event, rules: Rules,
                       shift_ids: list[int] | None = None) -> tuple[list[Assignment], Plan]:
    """Fill the open places as planned, in the caller's transaction (source "auto")."""
    plan = plan_open_places(db, event, at, rules, shift_ids)
    created = events.create_assignments(db, actor, at, [
        (p.shift_id, p.person_id, "auto", p.distance_m) for p in plan.proposals])
    check_rules_held(db, created, rules)
    return created, plan


def check_rules_held(db: Session, created: list[Assignment], rules: Rules) -> None:
    """After the people are locked, make sure no new assignment breaks a rule over time (another
    request may have booked someone between planning and writing): 409 if one does."""
    if not created:
        return
    shifts = {s.id: s for s in db.scalars(select(Shift).where(
        Shift.id.in_({a.shift_id for a in created})))}
    span = _span(list(shifts.values()), rules)
    booked = schedules(db, *span, person_ids=list({a.person_id for a in created}))
    for assignment in created:
        shift = shifts[assignment.shift_id]
        window = (shift.starts_at, shift.ends_at)
        others = list(booked.get(assignment.person_id, []))
        others.remove(window)
        broken = breaks_rule(others, window, rules)
        if broken is not None:
            raise conflict(f"Person {assignment.person_id} can no longer take shift {shift.id} "
                           f"({broken}): the roster changed meanwhile. Plan again.")


def confirm_rows(db: Session, actor: audit.Actor, at: datetime, event: Event, rules: Rules,
                 rows: list[tuple[int, int, bool]]) -> list[Assignment]:
    """Write a proposal as the commander adjusted it: rows of (shift_id, person_id, swapped).
    Every row must keep the hard rules (422 naming the row otherwise); rows the engine chose are
    "auto", people swapped in by the commander "manual"."""
    chosen, _ = open_shifts(db, event, at, [r[0] for r in rows])
    places = {shift.id: n for shift, n in chosen}
    shifts = {shift.id: shift for shift, _ in chosen}
    wanted: dict[int, int] = defaultdict(int)
    for shift_id, _, _ in rows:
        wanted[shift_id] += 1
    for shift_id, count in wanted.items():
        if shift_id not in places:
            raise conflict(f"Shift {shift_id} has ended or has no open place any more.")
        if count > places[shift_id]:
            raise conflict(f"Shift {shift_id} has only {places[shift_id]} open places now.")
    roster = Roster.load(db, event, _span(list(shifts.values()), rules), VillageCodes())
    posts = {p.id: p for p in db.scalars(select(Post).where(
        Post.id.in_({s.post_id for s in shifts.values()})))}
    problems, plan = {}, []
    order = sorted(range(len(rows)), key=lambda i: (shifts[rows[i][0]].starts_at, i))
    for i in order:
        shift_id, person_id, swapped = rows[i]
        shift, p = shifts[shift_id], roster.index.get(person_id)
        window = (shift.starts_at, shift.ends_at)
        if p is None:
            problems[f"rows.{i}.person_id"] = "no active person has this id"
        elif not set(shift.skills or ()) <= roster.skills[p]:
            problems[f"rows.{i}.person_id"] = "lacks the skills of the shift"
        elif (broken := breaks_rule(roster.schedules.get(person_id, []), window, rules)):
            problems[f"rows.{i}.person_id"] = {
                "overlap": "already on a shift at the same time",
                "rest": "would not have the minimum rest between shifts",
                "max_duty": "would be on duty too long within 24 hours"}[broken]
        else:
            distance = None
            if roster.has_position[p]:
                post = posts[shift.post_id]
                distance = round(float(haversine_m(roster.lat[p], roster.lon[p], post.lat,
                                                   post.lon)), 1)
            roster.take(p, window)
            plan.append((shift_id, person_id, "manual" if swapped else "auto", distance))
    if problems:
        raise validation_error(problems, "Some rows break an assignment rule.")
    created = events.create_assignments(db, actor, at, plan)
    check_rules_held(db, created, rules)
    return created


# --- one place now: replacements for the map's alerts ---------------------------------------


@dataclass
class Ranked:
    """A person who may take one place now, by engine cost."""

    person_id: int
    distance_m: float
    cost_m: float
    from_where: str
    lat: float
    lon: float
    why: list[str]


def rank_for_shift(db: Session, shift: Shift, rules: Rules, limit: int = 5) -> list[Ranked]:
    """The people who may take one more place on `shift` under the same hard rules, cheapest
    first by the engine's cost (the first is what the engine would choose for one place)."""
    event = db.get(Event, shift.event_id)
    post = db.get(Post, shift.post_id)
    villages = VillageCodes()
    roster = Roster.load(db, event, _span([shift], rules), villages)
    window_time = (shift.starts_at, shift.ends_at)
    eligible = (roster.skill_mask(shift.skills or ()) & roster.free_mask(window_time, rules)
                & roster.has_position)
    window = Window(roster.lat, roster.lon, np.array([post.lat]), np.array([post.lon]),
                    np.array([1]), person_extra_m=roster.burden_m(rules),
                    person_village=roster.village,
                    shift_village=np.array([villages.code(post.village)]),
                    eligible=eligible[None, :])
    people = np.flatnonzero(eligible)
    distance, cost = pair_costs(window, rules, people, np.zeros(len(people), np.int64))
    within = distance <= rules.reach_m
    people, distance, cost = people[within], distance[within], cost[within]
    # With one place, the min-cost flow picks the cheapest eligible pair: ranking by the same
    # cost gives the engine's choice first and the next best after it.
    order = np.lexsort((roster.ids[people], cost))[:limit]
    nearest = distance.min() if len(distance) else np.inf
    ranked = []
    for j in order.tolist():
        p = int(people[j])
        why = ["nearest" if distance[j] <= nearest + 0.5 else "least_total"]
        if roster.kind[p] == "village_official" and roster.unit[p] == post.village:
            why.append("own_village")
        if shift.skills:
            why.append("skills")
        ranked.append(Ranked(int(roster.ids[p]), round(float(distance[j]), 1),
                             round(float(cost[j]), 1), roster.from_where[p],
                             float(roster.lat[p]), float(roster.lon[p]), why))
    return ranked
