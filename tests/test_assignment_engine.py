"""The assignment engine without the database: hard rules never broken, optimal per window,
the soft preferences, the reasons for places left open, and the candidate graph at scale."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from coordinator.models import Post, Shift
from coordinator.services.assignment import planning, solver
from coordinator.services.assignment.eligibility import Roster, VillageCodes
from coordinator.services.assignment.planning import plan_shifts, time_windows
from coordinator.services.assignment.rules import Rules, breaks_rule
from coordinator.services.assignment.solver import Window, solve_window

T0 = datetime(2026, 7, 21, 0, 0, tzinfo=UTC)
VILLAGES = ("石门村", "枫树岭村", "青溪村")
SKILLS = ("水利工程巡查员", "山洪预警员", "地灾群测群防员")
HOUR = timedelta(hours=1)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def person(pid, lat, lon, *, kind="cadre", unit="镇农业农村办", skills=()):
    return SimpleNamespace(id=pid, kind=kind, unit=unit, skills=list(skills), home_lat=lat,
                           home_lon=lon)


def post(pid, lat, lon, village=None) -> Post:
    return Post(id=pid, name=f"点位{pid}", kind="reservoir", lat=lat, lon=lon, radius_m=100,
                village=village)


def shift(sid, post_id, start_h, length_h, required=1, skills=()) -> Shift:
    return Shift(id=sid, event_id=1, post_id=post_id, starts_at=T0 + hours(start_h),
                 ends_at=T0 + hours(start_h + length_h), required=required, skills=list(skills))


DEFAULT_RULES = Rules()


def plan(people, posts, shifts, rules=DEFAULT_RULES, booked=None, served=None, fixes=None):
    villages = VillageCodes()
    roster = Roster(people, fixes or {}, booked or {}, served or {}, villages)
    chosen = [(s, s.required) for s in shifts]
    return plan_shifts(roster, chosen, {p.id: p for p in posts}, villages, rules), roster


def metres_north(lat: float, metres: float) -> float:
    return lat + math.degrees(metres / 6_371_008.8)


def great_circle_m(lat1, lon1, lat2, lon2) -> float:
    """An independent haversine, for checking the engine's costs."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


# --- the hard rules over time, one by one ------------------------------------------------------


def test_overlap_rest_and_24_hour_limit():
    rules = Rules(min_rest=hours(8), max_duty_24h=hours(12))
    day = (T0 + hours(8), T0 + hours(20))
    assert breaks_rule([], day, rules) is None
    assert breaks_rule([day], (T0 + hours(19), T0 + hours(23)), rules) == "overlap"
    assert breaks_rule([day], (T0 + hours(20), T0 + hours(32)), rules) == "rest"  # back to back
    assert breaks_rule([day], (T0 + hours(27), T0 + hours(30)), rules) == "rest"  # 7 h rest
    assert breaks_rule([day], (T0 + hours(28), T0 + hours(32)), rules) == "max_duty"  # 16 h in 24
    assert breaks_rule([day], (T0 + hours(32), T0 + hours(36)), rules) is None  # 12 + 4 in 28 h
    assert breaks_rule([], (T0, T0 + hours(13)), rules) == "max_duty"
    short = [(T0, T0 + hours(4))]
    assert breaks_rule(short, (T0 + hours(12), T0 + hours(18)), rules) is None  # 10 h in 24
    assert breaks_rule(short, (T0 + hours(12), T0 + hours(21)), rules) == "max_duty"  # 13 h


def test_time_windows_group_overlapping_shifts_in_order():
    shifts = [shift(1, 1, 20, 12), shift(2, 1, 8, 12), shift(3, 1, 10, 4), shift(4, 1, 19, 2)]
    assert [[s.id for s in group] for group in time_windows(shifts)] == [[2, 3, 4, 1]]
    shifts = [shift(1, 1, 20, 12), shift(2, 1, 8, 12), shift(3, 1, 33, 2)]
    assert [[s.id for s in group] for group in time_windows(shifts)] == [[2], [1], [3]]


# --- the property: whatever the instance, no rule is broken --------------------------------------

coordinates = st.tuples(st.floats(28.0, 28.2), st.floats(119.8, 120.0))


@st.composite
def instances(draw):
    n_posts = draw(st.integers(1, 4))
    posts = [post(i + 1, *draw(coordinates), village=draw(st.sampled_from((*VILLAGES, None))))
             for i in range(n_posts)]
    people = []
    for pid in range(1, draw(st.integers(0, 12)) + 1):
        home = draw(st.one_of(st.none(), coordinates))
        kind = draw(st.sampled_from(("cadre", "village_official", "other")))
        unit = draw(st.sampled_from(VILLAGES)) if kind == "village_official" else "镇应急办"
        people.append(person(pid, *(home or (None, None)), kind=kind, unit=unit,
                             skills=draw(st.lists(st.sampled_from(SKILLS), max_size=2,
                                                  unique=True))))
    shifts = [shift(i + 1, draw(st.integers(1, n_posts)), draw(st.integers(0, 40)),
                    draw(st.sampled_from((2, 4, 6, 8, 12, 14))), draw(st.integers(1, 3)),
                    draw(st.lists(st.sampled_from(SKILLS), max_size=1)))
              for i in range(draw(st.integers(1, 6)))]
    booked = {}
    for p in people:
        windows = []
        for _ in range(draw(st.integers(0, 2))):  # manual assignments, rules or not
            start = draw(st.integers(-20, 50))
            windows.append((T0 + hours(start), T0 + hours(start + draw(st.integers(1, 12)))))
        if windows:
            booked[p.id] = windows
    rules = Rules(min_rest=hours(draw(st.sampled_from((0, 4, 8)))),
                  max_duty_24h=hours(draw(st.sampled_from((8, 12)))),
                  reach_m=draw(st.sampled_from((3_000.0, 50_000.0))),
                  burden_m_per_hour=draw(st.sampled_from((0.0, 100.0))))
    fixes = {p.id: draw(coordinates) for p in people if draw(st.booleans())}
    return people, posts, shifts, booked, rules, fixes


def duty_hours_in(windows, begin, end) -> float:
    """Hours on duty between `begin` and `end`, counting overlapping manual shifts once."""
    minutes = set()
    for s, e in windows:
        s, e = max(s, begin), min(e, end)
        minutes.update(range(int((s - T0).total_seconds() // 60), int((e - T0).total_seconds() // 60)))
    return len(minutes) / 60


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_no_hard_rule_is_ever_broken(instance):
    people, posts, shifts, booked, rules, fixes = instance
    result, _ = plan(people, posts, shifts, rules, booked=booked, fixes=fixes)
    by_id = {p.id: p for p in people}
    shifts_by_id = {s.id: s for s in shifts}
    posts_by_id = {p.id: p for p in posts}
    new: dict[int, list[tuple]] = {}
    per_shift: dict[int, list[int]] = {}
    for row in result.proposals:
        who, where = by_id[row.person_id], shifts_by_id[row.shift_id]
        assert set(where.skills) <= set(who.skills), "required skills"
        lat, lon = fixes.get(who.id, (who.home_lat, who.home_lon))
        assert lat is not None, "a person without any known position is never sent"
        place = posts_by_id[where.post_id]
        assert row.distance_m == pytest.approx(great_circle_m(lat, lon, place.lat, place.lon),
                                               abs=0.2)
        assert row.distance_m <= rules.reach_m + 0.1
        new.setdefault(who.id, []).append((where.starts_at, where.ends_at))
        per_shift.setdefault(where.id, []).append(who.id)
    for shift_id, assigned in per_shift.items():
        assert len(assigned) == len(set(assigned)), "nobody twice on one shift"
        assert len(assigned) <= shifts_by_id[shift_id].required
    for pid, windows in new.items():
        everything = booked.get(pid, []) + windows
        for i, (s, e) in enumerate(windows):
            others = booked.get(pid, []) + windows[:i] + windows[i + 1:]
            for os_, oe in others:
                assert not (os_ < e and oe > s), "two overlapping shifts"
                gap = s - oe if oe <= s else os_ - e
                assert gap >= rules.min_rest, "minimum rest"
            # Every 24-hour window touching the new shift (times are whole hours).
            begin = s - hours(24)
            while begin < e:
                assert duty_hours_in(everything, begin, begin + hours(24)) <= \
                    rules.max_duty_24h.total_seconds() / 3600 + 1e-9, "24-hour limit"
                begin += HOUR
    missing = {u.shift_id: u for u in result.unfilled}
    for s in shifts:
        filled = len(per_shift.get(s.id, []))
        assert filled + (missing[s.id].missing if s.id in missing else 0) == s.required
        if s.id in missing:
            assert missing[s.id].reason in planning.UNFILLED_REASONS


# --- optimality: equal to an exact dense solver on single-window instances -----------------------


def exact_cost(people, posts, shifts, rules, served=None):
    """Fill the most places at the least cost with SciPy's dense linear_sum_assignment."""
    served = served or {}
    big = 1e9
    villages = {p.id: p.village for p in posts}
    columns = [s for s in shifts for _ in range(s.required)]
    cost = np.full((len(people), len(columns)), big)
    for i, who in enumerate(people):
        for j, where in enumerate(columns):
            place = next(p for p in posts if p.id == where.post_id)
            if who.home_lat is None or not set(where.skills) <= set(who.skills):
                continue
            d = great_circle_m(who.home_lat, who.home_lon, place.lat, place.lon)
            if d > rules.reach_m:
                continue
            c = d + rules.burden_m_per_hour * served.get(who.id, 0.0)
            if who.kind == "village_official" and who.unit != villages[place.id]:
                c += rules.village_penalty_m + rules.village_factor * d
            cost[i, j] = c
    rows, cols = linear_sum_assignment(cost)
    real = cost[rows, cols] < big
    return int(real.sum()), float(cost[rows, cols][real].sum())


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_one_window_is_solved_exactly(data):
    n_posts = data.draw(st.integers(1, 5))
    posts = [post(i + 1, *data.draw(coordinates), village=data.draw(st.sampled_from(VILLAGES)))
             for i in range(n_posts)]
    people = []
    for pid in range(1, data.draw(st.integers(1, 14)) + 1):
        kind = data.draw(st.sampled_from(("cadre", "village_official")))
        people.append(person(pid, *data.draw(coordinates), kind=kind,
                             unit=data.draw(st.sampled_from(VILLAGES)),
                             skills=data.draw(st.lists(st.sampled_from(SKILLS[:2]), unique=True))))
    shifts = [shift(i + 1, i % n_posts + 1, 8, 12, data.draw(st.integers(1, 3)),
                    data.draw(st.lists(st.sampled_from(SKILLS[:2]), max_size=1)))
              for i in range(data.draw(st.integers(1, 5)))]
    served = {p.id: data.draw(st.sampled_from((0.0, 4.0, 12.0))) for p in people}
    rules = Rules(reach_m=data.draw(st.sampled_from((4_000.0, 50_000.0))))
    result, _ = plan(people, posts, shifts, rules, served=served)
    filled, best = exact_cost(people, posts, shifts, rules, served)
    assert len(result.proposals) == filled
    # The solver works in whole decimetres: a twentieth of a metre per place at most.
    assert sum(p.cost_m for p in result.proposals) == pytest.approx(best, abs=0.06 * filled + 1e-6)


@pytest.mark.parametrize("clustered", [False, True], ids=["uniform", "clustered"])
def test_the_candidate_graph_reaches_the_exact_optimum(monkeypatch, clustered):
    monkeypatch.setattr(solver, "FULL_GRAPH_PAIRS", 0)  # force the nearest-neighbour graph
    rng = np.random.default_rng(7)
    n, m, places = 1200, 100, 5
    if clustered:  # villages: people and posts crowd around a few centres, unevenly
        centres = rng.uniform((28.0, 119.8), (28.3, 120.1), (12, 2))
        people_at = centres[rng.integers(0, 12, n)] + rng.normal(0, 0.01, (n, 2))
        posts_at = centres[rng.integers(0, 4, m)] + rng.normal(0, 0.01, (m, 2))
    else:
        people_at = rng.uniform((28.0, 119.8), (28.3, 120.1), (n, 2))
        posts_at = rng.uniform((28.0, 119.8), (28.3, 120.1), (m, 2))
    window = Window(people_at[:, 0], people_at[:, 1], posts_at[:, 0], posts_at[:, 1],
                    np.full(m, places))
    result = solve_window(window, Rules())
    assert result.filled.sum() == m * places
    assert result.edges < n * m / 4  # a sparse graph, not the full one
    dense = solver.haversine_m(people_at[:, None, 0], people_at[:, None, 1],
                                   posts_at[None, :, 0], posts_at[None, :, 1])
    rows, cols = linear_sum_assignment(np.repeat(dense, places, axis=1))
    optimum = dense.repeat(places, axis=1)[rows, cols].sum()
    # Equal up to the solver's whole decimetres (a twentieth of a metre per place at most).
    assert result.total_cost_m == pytest.approx(optimum, abs=0.05 * m * places)
    if clustered:
        assert result.rounds > 1  # the potentials found pairs that the first graph lacked


def test_shortage_widens_until_no_place_can_be_filled(monkeypatch):
    monkeypatch.setattr(solver, "FULL_GRAPH_PAIRS", 0)
    rng = np.random.default_rng(3)
    people_at = rng.uniform((28.0, 119.8), (28.3, 120.1), (300, 2))
    posts_at = rng.uniform((28.0, 119.8), (28.3, 120.1), (80, 2))
    window = Window(people_at[:, 0], people_at[:, 1], posts_at[:, 0], posts_at[:, 1],
                    np.full(80, 5))
    result = solve_window(window, Rules())
    assert result.filled.sum() == 300  # everybody is placed when places outnumber people


# --- soft preferences on crafted cases ------------------------------------------------------------


def test_a_village_official_stays_in_the_own_village():
    base = (28.1, 119.9)
    own = post(1, metres_north(base[0], 1_500), base[1], village="石门村")
    foreign = post(2, metres_north(base[0], -1_000), base[1], village="青溪村")
    official = person(1, *base, kind="village_official", unit="石门村")
    cadre = person(2, metres_north(base[0], 1_400), base[1])  # lives beside the official's post
    shifts = [shift(1, 1, 8, 12), shift(2, 2, 8, 12)]
    result, _ = plan([official, cadre], [own, foreign], shifts)
    chosen = {p.person_id: p for p in result.proposals}
    assert chosen[1].shift_id == 1 and "own_village" in chosen[1].why
    # Without the preference the nearest-only answer sends the official to the other village.
    flat = Rules(village_penalty_m=0, village_factor=0)
    result, _ = plan([official, cadre], [own, foreign], shifts, flat)
    assert {p.person_id: p.shift_id for p in result.proposals}[1] == 2


def test_the_burden_is_spread():
    base = (28.1, 119.9)
    place = post(1, *base)
    tired = person(1, metres_north(base[0], 500), base[1])
    fresh = person(2, metres_north(base[0], 900), base[1])
    served = {1: 12.0}
    result, _ = plan([tired, fresh], [place], [shift(1, 1, 40, 8)], served=served)
    assert [p.person_id for p in result.proposals] == [2]
    assert result.proposals[0].hours_before == 0
    result, _ = plan([tired, fresh], [place], [shift(1, 1, 40, 8)],
                     Rules(burden_m_per_hour=0), served=served)
    assert [p.person_id for p in result.proposals] == [1]


def test_several_windows_book_each_person_for_the_next():
    base = (28.1, 119.9)
    posts = [post(1, *base)]
    only = person(1, *base)
    shifts = [shift(1, 1, 8, 12), shift(2, 1, 20, 12), shift(3, 1, 40, 8)]
    result, roster = plan([only], posts, shifts)
    assert [p.shift_id for p in result.proposals] == [1, 3]  # 20:00 has no rest; 16:00 next day does
    assert {u.shift_id: u.reason for u in result.unfilled} == {2: "everyone_busy_or_resting"}
    assert roster.schedules[1] == [(shifts[0].starts_at, shifts[0].ends_at),
                                   (shifts[2].starts_at, shifts[2].ends_at)]


def test_last_known_position_counts_over_home():
    base = (28.1, 119.9)
    place = post(1, *base)
    far_home = person(1, metres_north(base[0], 20_000), base[1])
    near_home = person(2, metres_north(base[0], 3_000), base[1])
    fixes = {1: (metres_north(base[0], 200), base[1])}
    result, _ = plan([far_home, near_home], [place], [shift(1, 1, 8, 4)], fixes=fixes)
    assert [(p.person_id, p.from_where) for p in result.proposals] == [(1, "last_fix")]
    assert result.proposals[0].distance_m == pytest.approx(200, abs=1)


# --- reasons for places left open ------------------------------------------------------------------


def test_each_reason_for_an_open_place():
    base = (28.1, 119.9)
    near = post(1, *base)
    far = post(2, metres_north(base[0], 80_000), base[1])
    skilled = person(1, metres_north(base[0], 100), base[1], skills=[SKILLS[0]])
    plain = person(2, metres_north(base[0], 200), base[1])
    booked = {1: [(T0 + hours(100), T0 + hours(104))]}
    shifts = [
        shift(1, 1, 8, 4, skills=[SKILLS[1]]),  # nobody holds the skill
        shift(2, 2, 8, 4, required=1),  # everybody too far away
        shift(3, 1, 30, 14),  # longer than 12 h in 24 h
        shift(4, 1, 101, 2, skills=[SKILLS[0]]),  # the only skilled person is busy then
        shift(5, 1, 50, 4, required=3),  # two people for three places
    ]
    result, _ = plan([skilled, plain], [near, far], shifts, booked=booked)
    reasons = {u.shift_id: (u.reason, u.missing) for u in result.unfilled}
    assert reasons == {
        1: ("no_one_with_skills", 1),
        2: ("no_one_within_reach", 1),
        3: ("shift_exceeds_max_duty", 1),
        4: ("everyone_busy_or_resting", 1),
        5: ("not_enough_people", 1),
    }


def test_nobody_at_all():
    result, _ = plan([], [post(1, 28.1, 119.9)], [shift(1, 1, 8, 4, required=2)])
    assert result.proposals == []
    assert [(u.shift_id, u.missing, u.reason) for u in result.unfilled] == \
        [(1, 2, "no_one_with_skills")]
