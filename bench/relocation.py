"""Relocation (人员转移) at a county's size: 50,000 households imported, the county's figures
read, and field reports reaching the command center's map.

A scratch database (SQLite, or a new database on a PostgreSQL server) gets a county of towns of
villages (100 households a village, 10 villages a town), a shelter per town, one county event,
a county commander and a village official per village (staff tokens, signed as a staff link's),
written straight into the tables. gunicorn runs as deployed (deploy/gunicorn.conf.py). Then:

1. `POST /api/v1/households/import` with the whole county's CSV (head_name, phone, unit_path,
   people, vulnerable, lat, lon, shelter): the wall time to its answer and the server's CPU
   for it (target <= 30 s);
2. 60 % of the households get a state in the event (a report each, written straight into the
   tables: the figures of a response well under way; on PostgreSQL then VACUUM ANALYZE, as
   autovacuum would soon after), then `GET /events/{id}/relocation?by=village` and `?by=town`, timed one
   after the other (target <= 100 ms);
3. reports (`POST /events/{id}/relocations`, each by its village's official) at 20/s for 60 s,
   Poisson arrivals, each village in turn so that no two reports of one village are in flight
   at once; a map client (python-socketio's asyncio client, in its own process) subscribed to
   the event keeps every `relocation_status` with its receipt time; for each report, the time
   from its send to the first message of its village that counts it (target p99 <= 100 ms).

GET /healthz is timed before and after (server CPU per request from /proc, `bench.common`),
the bare baseline of this run on this shared machine. `--profile` runs the import and the
summary in this process under cProfile instead (Flask's test client; no server).

    .venv/bin/python bench/relocation.py [--households 50000] [--rate 20] [--seconds 60]
                                         [--profile]
                                         [--database postgresql+psycopg://postgres@127.0.0.1:5432/]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import math
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from bench.common import BENCH_SECRET, cpu_seconds, deployed_process  # noqa: E402
from bench.growth import Timer, app_for, scratch  # noqa: E402

BATCH = 5000
PER_VILLAGE = 100
VILLAGES_PER_TOWN = 10
POSTERS = 8
SHARE_REPORTED = 0.6


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else math.nan


# --- the data -------------------------------------------------------------------------------

def prepare(database_url: str, households: int, now: datetime) -> dict:
    """The county, its villages with one official each, a shelter per town, the event and the
    commander; the CSV of every household (not yet imported)."""
    from sqlalchemy import insert, select

    from coordinator import db, migrate, unit_of_work
    from coordinator.models import Event, EventSequence, Person, Post, Unit
    from coordinator.services import accounts

    app = app_for(database_url)
    migrate.upgrade(app.extensions["db"]["engine"])
    villages = max(1, math.ceil(households / PER_VILLAGE))
    towns = max(1, math.ceil(villages / VILLAGES_PER_TOWN))
    with app.app_context():
        session = db.session()

        def rows(model, values):
            for start in range(0, len(values), BATCH):
                session.execute(insert(model), values[start:start + BATCH])

        county = Unit(name="转移县", kind="county", path="转移县", created_at=now)
        session.add(county)
        session.flush()
        rows(Unit, [{"name": f"镇{t:02d}", "kind": "town", "parent_id": county.id,
                     "path": f"转移县/镇{t:02d}", "created_at": now} for t in range(towns)])
        town_ids = dict(session.execute(select(Unit.path, Unit.id).where(Unit.kind == "town")).all())
        rows(Unit, [{"name": f"村{v:03d}", "kind": "village",
                     "parent_id": town_ids[f"转移县/镇{v // VILLAGES_PER_TOWN:02d}"],
                     "path": f"转移县/镇{v // VILLAGES_PER_TOWN:02d}/村{v:03d}",
                     "created_at": now} for v in range(villages)])
        village_ids = dict(session.execute(select(Unit.path, Unit.id)
                                           .where(Unit.kind == "village")).all())
        rows(Post, [{"name": f"镇{t:02d}安置点", "kind": "shelter", "lat": 30.0 + t / 100,
                     "lon": 119.0 + t / 100, "radius_m": 100, "unit_id": town_ids[
                         f"转移县/镇{t:02d}"], "capacity": PER_VILLAGE * VILLAGES_PER_TOWN * 4,
                     "active": True, "created_at": now, "updated_at": now}
                    for t in range(towns)])
        event = Event(name="转移压测", kind="typhoon", level=1, starts_at=now - timedelta(hours=1),
                      unit_id=county.id, created_at=now)
        session.add(event)
        session.flush()
        session.add(EventSequence(event_id=event.id, seq=0))
        paths = sorted(village_ids)
        rows(Person, [{"name": f"村干部{v:03d}", "phone": f"136{v:08d}", "unit": path,
                       "unit_id": village_ids[path], "kind": "village_official", "skills": [],
                       "active": True, "created_at": now, "updated_at": now}
                      for v, path in enumerate(paths)])
        user = accounts.create_user(session, "relocation-commander", "commander",
                                    "bench-password", at=now, unit_id=county.id)
        unit_of_work.commit(session)
        commander, _ = accounts.issue_token(BENCH_SECRET, accounts.principal_for_user(user),
                                            at=now, ttl=timedelta(hours=2))
        officials = {}
        for person_id, name, phone, unit_id in session.execute(
                select(Person.id, Person.name, Person.phone, Person.unit_id)):
            card = accounts.PersonCard(person_id, name, phone)
            officials[unit_id] = accounts.issue_token(
                BENCH_SECRET, accounts.principal_for_person(card), at=now,
                ttl=timedelta(hours=2))[0]
        event_id = event.id
    app.extensions["db"]["engine"].dispose()
    lines = ["户主,电话,所属村,人数,重点人员,纬度,经度,安置点"]
    rng = random.Random(1)
    for index in range(households):
        village = index // PER_VILLAGE
        town = village // VILLAGES_PER_TOWN
        lines.append(f"户主{index:05d},139{index:08d},{paths[village]},{rng.randint(1, 6)},"
                     f"{1 if rng.random() < 0.3 else 0},{30 + rng.random():.5f},"
                     f"{119 + rng.random():.5f},镇{town:02d}安置点")
    return {"event_id": event_id, "commander": commander, "officials": officials,
            "csv": ("\n".join(lines) + "\n").encode("utf-8"), "villages": villages,
            "towns": towns}


def give_states(database_url: str, event_id: int, share: float, now: datetime) -> int:
    """A report and a state for `share` of the households (in order), straight into the tables."""
    from sqlalchemy import insert, select

    from coordinator import db
    from coordinator.models import Household, HouseholdState, RelocationReport

    app = app_for(database_url)
    statuses = ("moved", "moved", "moved", "self_arranged", "refused", "not_home")
    with app.app_context():
        session = db.session()
        found = session.execute(select(Household.id, Household.unit_id, Household.people,
                                       Household.vulnerable).order_by(Household.id)).all()
        chosen = found[:int(len(found) * share)]
        reports = [{"event_id": event_id, "household_id": h.id, "unit_id": h.unit_id,
                    "client_id": str(uuid.uuid4()), "request_hash": "bench", "reporter": "bench",
                    "status": statuses[index % len(statuses)], "people": h.people,
                    "taken_at": now, "received_at": now} for index, h in enumerate(chosen)]
        for start in range(0, len(reports), BATCH):
            ids = session.execute(insert(RelocationReport).returning(
                RelocationReport.id, sort_by_parameter_order=True),
                reports[start:start + BATCH]).scalars().all()
            session.execute(insert(HouseholdState), [
                {"event_id": event_id, "household_id": chosen[start + i].id,
                 "unit_id": chosen[start + i].unit_id, "report_id": report_id,
                 "status": reports[start + i]["status"], "people": chosen[start + i].people,
                 "vulnerable": chosen[start + i].vulnerable, "taken_at": now}
                for i, report_id in enumerate(ids)])
        session.commit()
    engine = app.extensions["db"]["engine"]
    if engine.dialect.name == "postgresql":
        # What autovacuum does soon after a bulk load (PostgreSQL 13+ vacuums after inserts
        # too): without the statistics the planner takes the county's hundreds of units for
        # two (a nested loop per unit), and without the visibility map no scan is index-only.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    return len(chosen)


# --- the map client (a child process) -------------------------------------------------------

async def watch(url: str, token: str, event_id: int) -> None:
    """Child process: one map client; every `relocation_status` with its receipt time, printed
    as one JSON line when the parent closes stdin."""
    import socketio

    received = []
    client = socketio.AsyncClient(reconnection=False)

    @client.on("relocation_status", namespace="/live")
    def on_status(data):
        received.append((time.time(), data["unit_id"], data["moved"] + data["self_arranged"]
                         + data["refused"] + data["not_home"]))

    await client.connect(url, namespaces=["/live"], auth={"token": token},
                         transports=["websocket"], wait_timeout=10)
    ack = await client.call("subscribe", {"event_id": event_id}, namespace="/live", timeout=10)
    print(json.dumps({"ready": ack}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    print(json.dumps({"statuses": received}), flush=True)
    await client.disconnect()


class MapClient:
    def __init__(self, url: str, token: str, event_id: int):
        self.child = subprocess.Popen(
            [sys.executable, __file__, "--watch", url, token, str(event_id)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = json.loads(self.child.stdout.readline())["ready"]
        if not ready.get("ok"):
            raise RuntimeError(f"subscribe refused: {ready}")

    def statuses(self) -> list:
        self.child.stdin.close()
        seen = json.loads(self.child.stdout.readline())
        self.child.wait(timeout=30)
        return seen["statuses"]

    def kill(self) -> None:
        if self.child.poll() is None:
            self.child.kill()


# --- the phases -----------------------------------------------------------------------------

def import_file(url: str, pid: int, commander: str, content: bytes) -> dict:
    cpu = cpu_seconds(pid)
    started = time.time()
    response = requests.post(f"{url}/api/v1/households/import",
                             files={"file": ("households.csv", io.BytesIO(content), "text/csv")},
                             headers={"Authorization": f"Bearer {commander}"}, timeout=600)
    wall = time.time() - started
    if response.status_code != 200:
        raise RuntimeError(f"import: {response.status_code} {response.text[:300]}")
    answer = response.json()
    return {"wall_s": round(wall, 2), "server_cpu_s": round(cpu_seconds(pid) - cpu, 2),
            "created": answer["created"], "updated": answer["updated"],
            "errors": len(answer["errors"]), "bytes": len(content)}


def post_reports(url: str, world: dict, households: list[tuple[int, int]], rate: float,
                 seconds: float, seed: int) -> list[dict]:
    """Reports at `rate`/s for `seconds`, Poisson arrivals, the villages in turn."""
    rng = random.Random(seed)
    local = threading.local()
    results, lock = [], threading.Lock()
    count = int(rate * seconds)
    by_village: dict[int, list[int]] = {}
    for household_id, unit_id in households:
        by_village.setdefault(unit_id, []).append(household_id)
    order = sorted(by_village)
    picks = [(order[i % len(order)], by_village[order[i % len(order)]][i // len(order)])
             for i in range(count)]

    def send(unit_id: int, household_id: int, scheduled: float) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        body = {"client_id": str(uuid.uuid4()), "household_id": household_id, "status": "moved",
                "people": 3, "taken_at": datetime.now(UTC).isoformat()}
        sent = time.time()
        response = local.session.post(
            f"{url}/api/v1/events/{world['event_id']}/relocations", json=body,
            headers={"Authorization": f"Bearer {world['officials'][unit_id]}"}, timeout=30)
        done = time.time()
        if response.status_code != 201:
            raise RuntimeError(f"report: {response.status_code} {response.text[:200]}")
        with lock:
            results.append({"unit_id": unit_id, "scheduled": scheduled, "sent": sent,
                            "done": done})

    start = time.time() + 0.2
    moment = start
    with ThreadPoolExecutor(POSTERS) as pool:
        futures = []
        for unit_id, household_id in picks:
            moment += rng.expovariate(rate)
            pause = moment - time.time()
            if pause > 0:
                time.sleep(pause)
            futures.append(pool.submit(send, unit_id, household_id, moment))
        for future in futures:
            future.result()
    return results


def latencies(reports: list[dict], statuses: list, base: dict[int, int]) -> dict:
    """For each report, send → the first message of its village that counts one more report."""
    by_unit: dict[int, list[tuple[float, int]]] = {}
    for at, unit_id, reported in statuses:
        by_unit.setdefault(unit_id, []).append((at, reported))
    seen: dict[int, int] = dict(base)
    values, missing = [], 0
    for item in sorted(reports, key=lambda r: r["sent"]):
        seen[item["unit_id"]] = seen.get(item["unit_id"], 0) + 1
        wanted = seen[item["unit_id"]]
        match = next((at for at, reported in by_unit.get(item["unit_id"], [])
                      if reported >= wanted), None)
        if match is None:
            missing += 1
        else:
            values.append((match - item["sent"]) * 1000)
    own = [(r["done"] - r["sent"]) * 1000 for r in reports]
    return {"reports": len(reports), "statuses": len(statuses), "missing": missing,
            "p50_ms": round(percentile(values, 0.5), 1),
            "p99_ms": round(percentile(values, 0.99), 1),
            "max_ms": round(max(values), 1) if values else math.nan,
            "report_201_p50_ms": round(percentile(own, 0.5), 1),
            "report_201_p99_ms": round(percentile(own, 0.99), 1),
            "send_late_p99_ms": round(percentile([(r["sent"] - r["scheduled"]) * 1000
                                                  for r in reports], 0.99), 1)}


def timed(timer: Timer, path: str, token: str, count: int) -> dict:
    """GET `path` `count` times one after the other: p50 and p99 wall ms, server CPU ms each."""
    cpu = cpu_seconds(timer.server_pid)
    times = [timer._one("GET", path, token, None) for _ in range(count)]
    return {"p50_ms": round(percentile(times, 0.5), 1), "p99_ms": round(percentile(times, 0.99), 1),
            "cpu_ms": (cpu_seconds(timer.server_pid) - cpu) * 1000 / count, "count": count}


def profile(database_url: str, world: dict, top: int) -> None:
    import cProfile
    import pstats

    from coordinator import create_app

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": BENCH_SECRET})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {world['commander']}"}
    client.get("/healthz")
    steps = [("import", lambda: client.post(
                 "/api/v1/households/import", headers=headers, content_type="multipart/form-data",
                 data={"file": (io.BytesIO(world["csv"]), "households.csv")})),
             ("summary by village", lambda: client.get(
                 f"/api/v1/events/{world['event_id']}/relocation?by=village", headers=headers))]
    for name, step in steps:
        profiler = cProfile.Profile()
        wall, cpu = time.perf_counter(), time.process_time()
        profiler.enable()
        response = step()
        profiler.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert response.status_code == 200, response.get_json()
        print(f"\n=== in-process {name}: {wall:.3f} s wall, {cpu:.3f} s CPU (under cProfile)")
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(r"coordinator|sqlalchemy/orm/session", top)
        stats.sort_stats("tottime").print_stats(top)
    app.extensions["db"]["engine"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=50_000)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--summaries", type=int, default=30)
    parser.add_argument("--database", default=None,
                        help="a PostgreSQL server URL (a scratch database is made there)")
    parser.add_argument("--profile", action="store_true",
                        help="the import and the summary in-process under cProfile instead")
    parser.add_argument("--watch", nargs=3, metavar=("URL", "TOKEN", "EVENT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.watch:
        url, token, event_id = args.watch
        asyncio.run(watch(url, token, int(event_id)))
        return
    try:
        import aiohttp  # noqa: F401  (python-socketio's asyncio client needs it for websocket)
    except ImportError:
        sys.exit("aiohttp is missing: run `make bench-tools`, then run again")
    now = datetime.now(UTC)
    results: dict = {"load_before": [round(x, 2) for x in os.getloadavg()],
                     "cores": os.cpu_count()}
    with scratch(args.database) as database_url:
        world = prepare(database_url, args.households, now)
        print(f"prepared {world['villages']} villages of {world['towns']} towns; "
              f"{len(world['csv']) / 1e6:.1f} MB of CSV", file=sys.stderr)
        if args.profile:
            profile(database_url, world, top=30)
            return
        headers = {"Authorization": f"Bearer {world['commander']}"}
        with deployed_process(database_url) as (url, process):
            timer = Timer(url, process.pid)
            timer.run([("GET", "/healthz", None, None)] * 100)
            results["bare_before"] = timer.run([("GET", "/healthz", None, None)] * 300)
            results["import"] = import_file(url, process.pid, world["commander"], world["csv"])
            print(f"import: {results['import']}", file=sys.stderr)
            results["states_given"] = give_states(database_url, world["event_id"],
                                                  SHARE_REPORTED, now)
            for by in ("village", "town"):
                path = f"/api/v1/events/{world['event_id']}/relocation?by={by}"
                requests.get(url + path, headers=headers, timeout=30)  # warm
                results[f"summary_{by}"] = timed(timer, path, world["commander"],
                                                 args.summaries)
            listed = requests.get(f"{url}/api/v1/events/{world['event_id']}/households"
                                  "?status=none&limit=500", headers=headers, timeout=30).json()
            # Households without a state, many per village: read straight from the database.
            from sqlalchemy import create_engine, text
            engine = create_engine(database_url)
            with engine.connect() as connection:
                open_households = connection.execute(text(
                    "SELECT h.id, h.unit_id FROM households h LEFT JOIN household_states s "
                    "ON s.household_id = h.id AND s.event_id = :event WHERE s.household_id IS "
                    "NULL ORDER BY h.id"), {"event": world["event_id"]}).all()
                base = dict(connection.execute(text(
                    "SELECT unit_id, count(*) FROM household_states WHERE event_id = :event "
                    "GROUP BY unit_id"), {"event": world["event_id"]}).all())
            engine.dispose()
            results["outstanding_listed"] = listed["total"]
            watcher = MapClient(url, world["commander"], world["event_id"])
            try:
                cpu = cpu_seconds(process.pid)
                started = time.time()
                reports = post_reports(url, world, [tuple(row) for row in open_households],
                                       args.rate, args.seconds, seed=2)
                report_cpu = cpu_seconds(process.pid) - cpu
                elapsed = time.time() - started
                time.sleep(1.0)
                statuses = watcher.statuses()
            finally:
                watcher.kill()
            results["bare_after"] = timer.run([("GET", "/healthz", None, None)] * 300)
        live = latencies(reports, statuses, base)
        live["server_cpu_per_report_ms"] = round(report_cpu * 1000 / len(reports), 2)
        live["rate_per_s"] = round(len(reports) / elapsed, 1)
        results["reports"] = live
        results["load_after"] = [round(x, 2) for x in os.getloadavg()]
    show(args, results)


def show(args, results: dict) -> None:
    where = "PostgreSQL" if args.database else "SQLite"
    bare = statistics.median([results[k]["cpu_ms"] for k in ("bare_before", "bare_after")])
    print(f"{args.households} households on {where}; {results['cores']} cores, load average "
          f"{results['load_before']} before, {results['load_after']} after")
    print(f"bare GET /healthz: server CPU {bare:.3f} ms a request")
    imported = results["import"]
    print(f"import: {imported['created']} created, {imported['errors']} errors, "
          f"{imported['bytes'] / 1e6:.1f} MB, {imported['wall_s']} s wall (target <= 30 s), "
          f"server CPU {imported['server_cpu_s']} s")
    for by in ("village", "town"):
        run = results[f"summary_{by}"]
        print(f"summary by {by} ({results['states_given']} households with a state): p50 "
              f"{run['p50_ms']} ms, p99 {run['p99_ms']} ms (target <= 100 ms), server CPU "
              f"{run['cpu_ms']:.1f} ms ({run['cpu_ms'] / bare:.0f}x /healthz)")
    live = results["reports"]
    print(f"reports: {live['reports']} at {live['rate_per_s']}/s, {live['statuses']} "
          f"relocation_status received, {live['missing']} never seen")
    print(f"  send -> relocation_status that counts it: p50 {live['p50_ms']} ms, p99 "
          f"{live['p99_ms']} ms (target <= 100 ms), max {live['max_ms']} ms")
    print(f"  the report's own 201: p50 {live['report_201_p50_ms']} ms, p99 "
          f"{live['report_201_p99_ms']} ms; server CPU {live['server_cpu_per_report_ms']} ms a "
          f"report ({live['server_cpu_per_report_ms'] / bare:.0f}x /healthz)")
    print(json.dumps(results, default=str))


if __name__ == "__main__":
    main()
