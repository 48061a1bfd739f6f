"""Benchmark of the assignment engine's core (`solve_window`) on random instances, without the
database: time, peak memory and cost against an exact solver where one fits in memory.

    .venv/bin/python bench/assign.py            # every instance, each in its own process
    .venv/bin/python bench/assign.py --only 20k-uniform --exact

Each instance runs in a fresh subprocess so that its peak memory (getrusage maxrss, minus the
resident size once the instance is built) is its own. The exact reference is SciPy's dense
`linear_sum_assignment` on the small instances and the full-graph min-cost flow (every person
linked to every post: the engine with the candidate graph turned off) where that fits; the largest
instance has no exact reference (10^9 pairs), and is compared with a candidate graph four times
as wide instead.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coordinator.services.assignment import solver  # noqa: E402
from coordinator.services.assignment.rules import Rules  # noqa: E402
from coordinator.services.assignment.solver import Window, solve_window  # noqa: E402

PLACES = 5
# A county of about 50 km x 50 km around 28.1°N 119.9°E (Zhejiang hills).
SOUTH_WEST = np.array([27.875, 119.645])
SPAN_DEG = np.array([0.45, 0.51])
INSTANCES = {
    f"{label}-{geo}": (people, posts, geo)
    for label, people, posts in (("2k", 2_000, 200), ("20k", 20_000, 2_000),
                                 ("100k", 100_000, 10_000))
    for geo in ("uniform", "clustered")
}


def instance(people: int, posts: int, geography: str, seed: int = 2026) -> Window:
    """People and posts (with PLACES places each) in one time window."""
    rng = np.random.default_rng(seed)
    if geography == "uniform":
        who = SOUTH_WEST + rng.random((people, 2)) * SPAN_DEG
        where = SOUTH_WEST + rng.random((posts, 2)) * SPAN_DEG
    else:
        # Villages of about 100 people; officials live within ~800 m of the centre and posts
        # (reservoirs, landslide spots) lie ~1.5 km around it; villages differ in size.
        villages = max(1, people // 100)
        centres = SOUTH_WEST + rng.random((villages, 2)) * SPAN_DEG
        size = rng.gamma(2.0, 1.0, villages)
        home = rng.choice(villages, people, p=size / size.sum())
        post_at = rng.choice(villages, posts)
        metre = 1 / 111_000
        who = centres[home] + rng.normal(0, 800 * metre, (people, 2))
        where = centres[post_at] + rng.normal(0, 1_500 * metre, (posts, 2))
    return Window(who[:, 0], who[:, 1], where[:, 0], where[:, 1], np.full(posts, PLACES))


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measure(name: str, mode: str) -> dict:
    """Solve one instance in this process: mode "engine", "wide" (4x the neighbours), "full"
    (every pair: the exact min-cost flow) or "dense" (SciPy linear_sum_assignment)."""
    people, posts, geography = INSTANCES[name]
    window = instance(people, posts, geography)
    rules = Rules()
    if mode == "full":
        solver.FULL_GRAPH_PAIRS = people * posts
    if mode == "wide":
        rules = Rules(neighbours=rules.neighbours * 4)
    baseline = rss_bytes()
    started, cpu = time.perf_counter(), time.process_time()
    if mode == "dense":
        from scipy.optimize import linear_sum_assignment

        cost = solver.haversine_m(window.person_lat[:, None], window.person_lon[:, None],
                                  window.shift_lat[None, :], window.shift_lon[None, :])
        cost = np.repeat(cost, PLACES, axis=1)
        rows, cols = linear_sum_assignment(cost)
        total, filled, edges, rounds = float(cost[rows, cols].sum()), len(rows), cost.size, 1
    else:
        result = solve_window(window, rules)
        total, filled = result.total_cost_m, int(result.filled.sum())
        edges, rounds = result.edges, result.rounds
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"instance": name, "mode": mode, "seconds": seconds, "cpu": cpu, "filled": filled,
            "cost_m": total, "edges": edges, "rounds": rounds,
            "peak_mb": max(0, peak - baseline) / 2**20}


def run(name: str, mode: str) -> dict | None:
    """`measure` in a fresh interpreter; None when it fails (for example out of memory)."""
    done = subprocess.run([sys.executable, __file__, "--measure", name, mode],
                          capture_output=True, text=True)
    if done.returncode != 0:
        print(f"  {name} {mode}: failed ({done.stderr.strip().splitlines()[-1:]})")
        return None
    return json.loads(done.stdout)


def reference_mode(name: str) -> str:
    people, posts, _ = INSTANCES[name]
    if people * posts * PLACES <= 20_000_000:
        return "dense"
    if people * posts <= 50_000_000:
        return "full"
    return "wide"


def database_path(scratch: str, people: int, posts: int) -> None:
    """The HTTP path on a scratch SQLite file: the demo town's response, then a county-sized one
    (`people` people, `posts` posts x PLACES places in one window), each proposed then assigned
    through the API (audit entry and live message per assignment included)."""
    from datetime import timedelta

    from sqlalchemy import select

    from coordinator import clock, create_app, db, unit_of_work
    from coordinator.models import Event, EventSequence, Person, Post, Shift

    for path in Path(scratch).parent.glob(Path(scratch).name + "*"):
        path.unlink()
    app = create_app({"DATABASE_URL": f"sqlite:///{scratch}"})
    runner = app.test_cli_runner()
    runner.invoke(args=["init-db"])
    print(runner.invoke(args=["demo"]).output.splitlines()[0])
    client = app.test_client()
    token = client.post("/api/v1/auth/login", json={
        "username": "commander", "password": "command-demo-2026"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    with app.app_context():
        session = db.session()
        now = clock.now()
        county = Event(name="县级压力测试", kind="typhoon", level=2, starts_at=now, created_at=now)
        session.add(county)
        session.flush()
        session.add(EventSequence(event_id=county.id, seq=0))
        window = instance(people, posts, "clustered", seed=7)
        session.add_all(Person(name=f"测试{i}", phone=f"199{i:08d}", unit="县应急局", kind="cadre",
                               skills=[], home_lat=float(window.person_lat[i]),
                               home_lon=float(window.person_lon[i]), created_at=now,
                               updated_at=now) for i in range(people))
        spots = [Post(name=f"测试点位{j}", kind="pond", lat=float(window.shift_lat[j]),
                      lon=float(window.shift_lon[j]), radius_m=100, created_at=now,
                      updated_at=now) for j in range(posts)]
        session.add_all(spots)
        session.flush()
        session.add_all(Shift(event_id=county.id, post_id=spot.id, starts_at=now + timedelta(days=3),
                              ends_at=now + timedelta(days=3, hours=8), required=PLACES,
                              created_at=now) for spot in spots)
        demo_event = session.scalar(select(Event.id).where(Event.id != county.id)
                                    .order_by(Event.id).limit(1))
        unit_of_work.commit(session)
        ids = (demo_event, county.id)
    for label, event_id in zip(("demo town", f"county {people}/{posts}x{PLACES}"), ids, strict=True):
        for step in ("assign/proposal", "assign"):
            started = time.perf_counter()
            answer = client.post(f"/api/v1/events/{event_id}/{step}", json={}, headers=headers)
            seconds = time.perf_counter() - started
            body = answer.get_json()
            print(f"{label:<22} POST {step:<16} {answer.status_code} {seconds:7.2f} s  "
                  f"{len(body['assignments']):>5} assignments, "
                  f"{sum(u['missing'] for u in body['unfilled']):>4} places open")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=sorted(INSTANCES))
    parser.add_argument("--no-reference", action="store_true", help="skip the exact solver")
    parser.add_argument("--measure", nargs=2, metavar=("INSTANCE", "MODE"), help=argparse.SUPPRESS)
    parser.add_argument("--database", metavar="SQLITE_FILE",
                        help="measure the HTTP + database path on a scratch SQLite file instead")
    args = parser.parse_args()
    if args.database:
        database_path(args.database, 2_000, 200)
        return
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return
    print(f"{'instance':<16} {'places':>7} {'time s':>8} {'cpu s':>7} {'peak MB':>8} "
          f"{'edges':>10} {'rounds':>6} {'cost / ref':>11}  reference", flush=True)
    for name in args.only or INSTANCES:
        engine = run(name, "engine")
        if engine is None:
            continue
        line = (f"{name:<16} {engine['filled']:>7} {engine['seconds']:>8.3f} {engine['cpu']:>7.3f} "
                f"{engine['peak_mb']:>8.0f} {engine['edges']:>10} {engine['rounds']:>6}")
        if args.no_reference:
            print(line, flush=True)
            continue
        mode = reference_mode(name)
        ref = run(name, mode)
        if ref is None:
            print(f"{line} {'—':>11}  {mode}: did not fit", flush=True)
            continue
        label = {"dense": "exact: dense linear_sum_assignment",
                 "full": "exact: full-graph min-cost flow",
                 "wide": "not exact: 4x wider candidate graph"}[mode]
        ratio = engine["cost_m"] / ref["cost_m"] if ref["filled"] == engine["filled"] else float("nan")
        print(f"{line} {ratio:>11.6f}  {label} ({ref['seconds']:.1f} s, {ref['peak_mb']:.0f} MB)",
              flush=True)


if __name__ == "__main__":
    main()
