"""The core of the assignment engine: one time window as arrays, solved exactly.

A min-cost flow over a candidate graph (each person to the nearest shifts, each shift to the
nearest people), widened around places left short, then proved optimal on the full graph of
eligible pairs by node potentials (docs/assignment.md, "Method"). It works on plain NumPy arrays
and never touches the database, so the benchmark measures the solver alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow
from scipy.spatial import cKDTree

from ..geo import EARTH_RADIUS_M
from .rules import Rules

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
