"""Hour 12 against hour 1: what a map's snapshot, the duty records and a sweep pass cost as a
storm's fixes pile up, against the server as deployed.

For each round asked for (default 1 and 36), a scratch database gets one event with PEOPLE
staff on shifts at POSTS posts, running now. Every person then has ROUND presence fixes from
inside the fence, 20 minutes apart (36 rounds = a 12-hour storm at one fix per 20 minutes):
the earlier ROUND - 1 are written straight into the table (and each assignment's stored duty
state built from them, as `rebuild-duty-state` does), the last is sent over HTTP to gunicorn with
deploy/gunicorn.conf.py (gevent worker), timed per request. Then the reads are timed one at a
time, in turn (a snapshot, a performance read, 50 × GET /healthz as the bare route; READS times
over, so that the shared machine's changing speed touches all alike), with the server's own CPU
time per request; and sweep passes in-process (the median of five after a first that raises
what the fixes call for).

    .venv/bin/python bench/growth.py [--people 2000] [--posts 200] [--rounds 1 36]
                                     [--database postgresql+psycopg://postgres@127.0.0.1:5432/]

Without --database it runs on a scratch SQLite file; with a PostgreSQL server URL it makes (and
drops) a scratch database there. Figures are printed per round, with each round's ratio to the
first and the CPU per request as a ratio to /healthz in the same run (the machine is shared).
The fixes written straight into the table carry no audit entries (the reads here do not read the
audit chain), and the sweeper does not run in the server during the run.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BENCH_SECRET, cpu_seconds, deployed_process, scratch_database  # noqa: E402

ROUND = timedelta(minutes=20)
FIX_BATCH = 5000


@contextmanager
def scratch(server_url: str | None):
    """A scratch database: a SQLite file, or a new database on this PostgreSQL server."""
    if not server_url:
        url, folder = scratch_database()
        try:
            yield url
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"bench_growth_{uuid.uuid4().hex[:10]}"
    server = create_engine(make_url(server_url), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def app_for(database_url: str):
    from coordinator import create_app

    return create_app({"DATABASE_URL": database_url, "SECRET_KEY": BENCH_SECRET})


def prepare(database_url: str, people: int, posts: int, now: datetime) -> dict:
    """One event begun 13 hours ago; `people` staff spread over `posts` posts on shifts from 13
    hours ago to 11 hours ahead; a token for each and for a commander."""
    from coordinator import db, migrate, unit_of_work
    from coordinator.services import accounts, audit, events
    from coordinator.services import people as roster
    from coordinator.services import posts as catalogue

    app = app_for(database_url)
    migrate.upgrade(app.extensions["db"]["engine"])
    rng = random.Random(7)
    actor = audit.Actor("bench", "system")
    begun = now - timedelta(hours=13)
    staff = []
    with app.app_context():
        session = db.session()
        event = events.create_event(session, actor, now, {
            "name": "增长压测", "kind": "typhoon", "level": 2, "starts_at": begun})
        seats = [people // posts + (1 if index < people % posts else 0) for index in range(posts)]
        for index, count in enumerate(seats):
            lat, lon = 28.0 + rng.random() * 0.3, 119.5 + rng.random() * 0.4
            post = catalogue.create_post(session, actor, now, {
                "name": f"增长点位{index}", "kind": "reservoir", "lat": lat, "lon": lon,
                "radius_m": 100, "village": None, "risk": 2})
            shift = events.create_shift(session, actor, now, event, {
                "post_id": post.id, "starts_at": begun, "ends_at": now + timedelta(hours=11),
                "required": count, "skills": []})
            for seat in range(count):
                person = roster.create_person(session, actor, now, {
                    "name": f"增长{index}-{seat}", "phone": f"138{index:05d}{seat:03d}",
                    "unit": "压测单位", "kind": "cadre", "skills": [],
                    "home_lat": lat, "home_lon": lon})
                assignment = events.create_assignment(session, actor, now, shift.id, person.id)
                session.flush()
                token, _ = accounts.issue_token(BENCH_SECRET, accounts.principal_for_person(person),
                                                at=now, ttl=timedelta(hours=12))
                staff.append({"token": token, "person_id": person.id, "post_id": post.id,
                              "assignment_id": assignment.id, "lat": lat, "lon": lon})
        user = accounts.create_user(session, "growth-commander", "commander", "bench-password",
                                    at=now)
        unit_of_work.commit(session)
        commander, _ = accounts.issue_token(BENCH_SECRET, accounts.principal_for_user(user),
                                            at=now, ttl=timedelta(hours=12))
        event_id = event.id
    app.extensions["db"]["engine"].dispose()
    return {"event_id": event_id, "staff": staff, "commander": commander}


def write_history(database_url: str, staff: list[dict], rounds: int, now: datetime) -> None:
    """`rounds` earlier presence fixes per person, 20 minutes apart, ending 20 minutes before
    `now`; then each assignment's stored duty state folded from them (where the code has one)."""
    from sqlalchemy import insert

    from coordinator import db, unit_of_work
    from coordinator.models import CheckIn

    if rounds <= 0:
        return
    app = app_for(database_url)
    rng = random.Random(11)
    rows = []
    with app.app_context():
        session = db.session()
        for number in range(rounds, 0, -1):
            taken_at = now - number * ROUND
            for person in staff:
                rows.append({
                    "client_id": str(uuid.uuid4()), "request_hash": "0" * 64,
                    "person_id": person["person_id"], "assignment_id": person["assignment_id"],
                    "post_id": person["post_id"], "kind": "presence",
                    "lat": person["lat"] + (rng.random() - 0.5) * 1e-5,
                    "lon": person["lon"] + (rng.random() - 0.5) * 1e-5, "accuracy_m": 8.0,
                    "taken_at": taken_at, "received_at": taken_at + timedelta(seconds=2),
                    "distance_m": 0.5, "within_fence": True, "flags": [], "spoof_reasons": []})
        for start in range(0, len(rows), FIX_BATCH):
            session.execute(insert(CheckIn), rows[start:start + FIX_BATCH])
        try:
            from coordinator.services import duty_state
        except ImportError:  # code from before the stored state folds on every read instead
            duty_state = None
        if duty_state is not None:
            for batch in duty_state.batches(session):
                duty_state.recompute(session, batch, now)
        unit_of_work.commit(session)
    app.extensions["db"]["engine"].dispose()


class Timer:
    """Requests over keep-alive connections, each timed, with the server's CPU time they cost."""

    def __init__(self, url: str, server_pid: int):
        self.url, self.server_pid = url, server_pid
        self.local = threading.local()

    def _session(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        return self.local.session

    def _one(self, method: str, path: str, token: str | None, body: dict | None) -> float:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        started = time.perf_counter()
        response = self._session().request(method, self.url + path, json=body, headers=headers,
                                           timeout=120)
        elapsed = time.perf_counter() - started
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:200]}")
        return elapsed * 1000

    def run(self, calls: list[tuple], threads: int = 1) -> dict:
        """Each call is (method, path, token, body); p50 and mean wall ms, server CPU ms each."""
        cpu_before = cpu_seconds(self.server_pid)
        if threads == 1:
            times = [self._one(*call) for call in calls]
        else:
            with ThreadPoolExecutor(threads) as pool:
                times = list(pool.map(lambda call: self._one(*call), calls))
        cpu = (cpu_seconds(self.server_pid) - cpu_before) * 1000 / len(calls)
        return {"p50_ms": statistics.median(times), "mean_ms": statistics.fmean(times),
                "cpu_ms": cpu, "count": len(calls)}

    def interleaved(self, blocks: dict[str, list[tuple]], repeats: int) -> dict:
        """Each named block of calls in turn, `repeats` times over, so that a change in the
        machine's speed during the run touches every route alike; figures as `run`."""
        times = {name: [] for name in blocks}
        cpu = dict.fromkeys(blocks, 0.0)
        for _ in range(repeats):
            for name, calls in blocks.items():
                before = cpu_seconds(self.server_pid)
                times[name] += [self._one(*call) for call in calls]
                cpu[name] += cpu_seconds(self.server_pid) - before
        return {name: {"p50_ms": statistics.median(times[name]),
                       "mean_ms": statistics.fmean(times[name]),
                       "cpu_ms": cpu[name] * 1000 / len(times[name]),
                       "count": len(times[name])} for name in blocks}


def sweep_pass(database_url: str, passes: int = 5) -> dict:
    """Sweep passes in this process at the real time: the first raises what the fixes call for,
    the median of the next `passes` is reported (wall and CPU), with the CPU of the bare route
    answered in this same process just before (Flask's test client) as its baseline."""
    from coordinator.jobs.sweeper import run_once

    app = app_for(database_url)
    client = app.test_client()
    walls, cpus, bare = [], [], []
    with app.app_context():
        run_once()
        for _ in range(passes):
            cpu = time.process_time()
            for _ in range(200):
                client.get("/healthz")
            bare.append((time.process_time() - cpu) * 1000 / 200)
            wall, cpu = time.perf_counter(), time.process_time()
            run_once()
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
    app.extensions["db"]["engine"].dispose()
    return {"wall_ms": statistics.median(walls), "cpu_ms": statistics.median(cpus),
            "bare_cpu_ms": statistics.median(bare)}


def measure_round(server_url: str | None, people: int, posts: int, number: int,
                  reads: int) -> dict:
    now = datetime.now(UTC)
    with scratch(server_url) as database_url:
        town = prepare(database_url, people, posts, now)
        write_history(database_url, town["staff"], number - 1, datetime.now(UTC))
        event = town["event_id"]
        commander = town["commander"]
        env = {"COORDINATOR_SWEEP_INTERVAL_SECONDS": "86400"}  # the sweep is timed on its own
        with deployed_process(database_url, **env) as (url, process):
            timer = Timer(url, process.pid)
            snapshot_call = ("GET", f"/api/v1/events/{event}/snapshot", commander, None)
            timer.run([snapshot_call] * 3 + [("GET", "/healthz", None, None)] * 50)  # warm up
            fixes = [("POST", "/api/v1/checkins", person["token"], {
                "client_id": str(uuid.uuid4()), "kind": "presence",
                "lat": person["lat"] + 2e-6, "lon": person["lon"], "accuracy_m": 8,
                "taken_at": datetime.now(UTC).isoformat()}) for person in town["staff"]]
            figures = {
                "checkin": timer.run(fixes, threads=4),
                "bare_round": timer.run([("GET", "/healthz", None, None)] * len(fixes),
                                        threads=4),
            }
            figures |= timer.interleaved({
                "snapshot": [snapshot_call],
                "performance": [("GET", f"/api/v1/events/{event}/performance", commander, None)],
                "bare": [("GET", "/healthz", None, None)] * 50,
            }, reads)
        figures["sweep"] = sweep_pass(database_url)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--rounds", type=int, nargs="+", default=[1, 36])
    parser.add_argument("--reads", type=int, default=20, help="timed requests per read route")
    parser.add_argument("--database", default=None,
                        help="a PostgreSQL server URL (scratch database made there); "
                             "default: a scratch SQLite file")
    args = parser.parse_args()

    results = []  # a round may be asked for twice (1 36 1 36) to see the machine's drift
    for number in args.rounds:
        results.append((number, measure_round(args.database, args.people, args.posts, number,
                                                      args.reads)))
        print(f"round {number} done", file=sys.stderr)
    first = results[0][1]
    where = "PostgreSQL" if args.database else "SQLite"
    print(f"{args.people} people / {args.posts} posts on {where}")
    print(f"{'round':>5} {'check-in p50':>13} {'cpu/bare':>9} {'snapshot':>10} {'cpu/bare':>9}"
          f" {'performance':>12} {'cpu/bare':>9} {'sweep':>9}")
    for number, figures in results:
        bare_cpu = figures["bare"]["cpu_ms"] or float("nan")
        round_cpu = figures["bare_round"]["cpu_ms"] or float("nan")
        print(f"{number:>5} {figures['checkin']['p50_ms']:>10.1f} ms "
              f"{figures['checkin']['cpu_ms'] / round_cpu:>8.1f}x "
              f"{figures['snapshot']['p50_ms']:>7.1f} ms "
              f"{figures['snapshot']['cpu_ms'] / bare_cpu:>8.1f}x "
              f"{figures['performance']['p50_ms']:>9.1f} ms "
              f"{figures['performance']['cpu_ms'] / bare_cpu:>8.1f}x "
              f"{figures['sweep']['wall_ms']:>6.1f} ms")
    for number, figures in results[1:]:
        ratios = {name: figures[name][key] / first[name][key] for name, key in (
            ("checkin", "p50_ms"), ("snapshot", "p50_ms"), ("performance", "p50_ms"),
            ("sweep", "wall_ms"))}
        print(f"round {number} / round {args.rounds[0]}: " + ", ".join(
            f"{name} {ratio:.2f}x" for name, ratio in ratios.items()))
        relative = {name: (figures[name]["cpu_ms"] / figures[base]["cpu_ms"])
                    / (first[name]["cpu_ms"] / first[base]["cpu_ms"])
                    for name, base in (("checkin", "bare_round"), ("snapshot", "bare"),
                                       ("performance", "bare"))}
        relative["sweep"] = ((figures["sweep"]["cpu_ms"] / figures["sweep"]["bare_cpu_ms"])
                             / (first["sweep"]["cpu_ms"] / first["sweep"]["bare_cpu_ms"]))
        print("  CPU against /healthz in the same round: " +
              ", ".join(f"{name} {ratio:.2f}x" for name, ratio in relative.items()))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
