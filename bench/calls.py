"""Call-and-answer (叫应) at size: a call to 10,000 people, their SMS handed to the gateway, and
the command center's live counters while 2,000 answers come in within a minute.

A scratch database (SQLite, or a new database on a PostgreSQL server) gets a county of towns of
villages (50 people a village, 10 villages a town), one county event and a county commander,
written straight into the tables. gunicorn runs as deployed (deploy/gunicorn.conf.py: one gevent
worker, whose post_worker_init starts the notification sender) with COORDINATOR_SMS_URL set to
a small threaded HTTP SMS gateway in this process that counts the POSTs it receives. A map
client (python-socketio's asyncio client, in a process of its own so that the gateway and the
posters do not share its interpreter) signs in as the commander and subscribes to the event on
`/live`. Then, one after the other:

1. `POST /api/v1/calls` to everyone by `unit_ids` (the county): the wall time to its 201 and the
   server's CPU for it (target <= 1 s); then the time from that 201 until the gateway has the
   last of the PEOPLE SMS, sent by the server's own background sender (target <= 30 s);
2. 2,000 answers (`POST /api/v1/calls/{id}/answer`, staff tokens, 2,000 different people) to
   that call at about 33/s for 60 s, Poisson arrivals; for each, the time from its send to the
   map's receipt of the first `call_status` whose `answered` count includes it (target p99
   <= 200 ms). Which count includes an answer: the answers sorted by the server's own arrival
   time (`answered_at`, taken inside the transaction); on SQLite the write transactions run one
   at a time, so that order is the commit order and each answer's transaction announces one
   more. A pessimistic bound is printed beside it (counting every answer sent before this
   one's 201 came back as ahead of it);
3. the same call by `person_ids` (all PEOPLE ids in the body), timed as in 1, with a new map
   client watching whether its connection survives the request.

The staff tokens are signed bearer tokens (`accounts.issue_token`), what opening a staff link
gives a phone, made here without the link's rows as bench/county.py does. `--profile PEOPLE`
runs the two calls in this process under cProfile instead (Flask's test client; no server).

GET /healthz is timed before and after (CPU per request from /proc, `bench.common`), the
bare baseline of this run on this shared machine.

    .venv/bin/python bench/calls.py [--people 10000] [--answers 2000] [--seconds 60]
                                    [--gateway-ms 0] [--profile PEOPLE]
                                    [--database postgresql+psycopg://postgres@127.0.0.1:5432/]

`--gateway-ms` makes the gateway answer each SMS that much later, as a gateway across the
network would (the time counted is still each request's arrival).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from bench.common import BENCH_SECRET, cpu_seconds, deployed_process  # noqa: E402
from bench.growth import Timer, app_for, scratch  # noqa: E402

BATCH = 5000
PER_VILLAGE = 50
VILLAGES_PER_TOWN = 10
POSTERS = 8  # threads posting answers, each with its own keep-alive connection


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else math.nan


# --- the data -------------------------------------------------------------------------------

def prepare(database_url: str, people: int, now: datetime) -> dict:
    """The county, its people (in villages), one county event and the county's commander; a
    bearer token for the commander and for each person (signed, no row: as a staff link's)."""
    from sqlalchemy import insert, select

    from coordinator import db, migrate, unit_of_work
    from coordinator.models import Event, EventSequence, Person, Unit
    from coordinator.services import accounts

    app = app_for(database_url)
    migrate.upgrade(app.extensions["db"]["engine"])
    villages = max(1, math.ceil(people / PER_VILLAGE))
    towns = max(1, math.ceil(villages / VILLAGES_PER_TOWN))
    with app.app_context():
        session = db.session()

        def rows(model, values):
            for start in range(0, len(values), BATCH):
                session.execute(insert(model), values[start:start + BATCH])

        county = Unit(name="叫应县", kind="county", path="叫应县", created_at=now)
        session.add(county)
        session.flush()
        rows(Unit, [{"name": f"镇{t:02d}", "kind": "town", "parent_id": county.id,
                     "path": f"叫应县/镇{t:02d}", "created_at": now} for t in range(towns)])
        town_ids = dict(session.execute(select(Unit.path, Unit.id)
                                        .where(Unit.kind == "town")).all())
        rows(Unit, [{"name": f"村{v:02d}", "kind": "village",
                     "parent_id": town_ids[f"叫应县/镇{v // VILLAGES_PER_TOWN:02d}"],
                     "path": f"叫应县/镇{v // VILLAGES_PER_TOWN:02d}/村{v:02d}", "created_at": now}
                    for v in range(villages)])
        village_ids = [unit_id for _path, unit_id in sorted(session.execute(
            select(Unit.path, Unit.id).where(Unit.kind == "village")).all())]
        event = Event(name="叫应压测", kind="typhoon", level=2, starts_at=now - timedelta(hours=1),
                      unit_id=county.id, created_at=now)
        session.add(event)
        session.flush()
        session.add(EventSequence(event_id=event.id, seq=0))
        rows(Person, [{"name": f"值守{index:05d}", "phone": f"137{index:08d}", "unit": "叫应县",
                       "unit_id": village_ids[index // PER_VILLAGE], "kind": "cadre",
                       "skills": [], "home_lat": 28.0, "home_lon": 119.5, "active": True,
                       "created_at": now, "updated_at": now} for index in range(people)])
        user = accounts.create_user(session, "call-commander", "commander", "bench-password",
                                    at=now, unit_id=county.id)
        unit_of_work.commit(session)
        commander, _ = accounts.issue_token(BENCH_SECRET, accounts.principal_for_user(user),
                                            at=now, ttl=timedelta(hours=2))
        staff = {}
        for person_id, name, phone in session.execute(
                select(Person.id, Person.name, Person.phone).order_by(Person.id)):
            card = accounts.PersonCard(person_id, name, phone)
            staff[person_id] = accounts.issue_token(
                BENCH_SECRET, accounts.principal_for_person(card), at=now,
                ttl=timedelta(hours=2))[0]
        event_id, county_id = event.id, county.id
    app.extensions["db"]["engine"].dispose()
    return {"event_id": event_id, "county_id": county_id, "commander": commander,
            "staff": staff, "towns": towns, "villages": villages}


# --- the SMS gateway ------------------------------------------------------------------------

class Gateway:
    """A local HTTP SMS gateway: counts the POSTs, keeps each phone and the time of each."""

    def __init__(self, delay_s: float = 0.0):
        self.lock = threading.Lock()
        self.times: list[float] = []
        self.phones: list[str] = []
        self.waiting: tuple[int, threading.Event] | None = None
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                at = time.time()
                if delay_s:  # a gateway far away: its answer takes this long
                    time.sleep(delay_s)
                try:
                    phone = json.loads(body).get("phone", "")
                except ValueError:
                    phone = ""
                with gateway.lock:
                    gateway.times.append(at)
                    gateway.phones.append(phone)
                    if gateway.waiting and len(gateway.times) >= gateway.waiting[0]:
                        gateway.waiting[1].set()
                answer = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256  # the default 5 drops connections under 8 in flight

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self) -> int:
        with self.lock:
            return len(self.times)

    def wait_for(self, total: int, timeout: float) -> bool:
        done = threading.Event()
        with self.lock:
            self.waiting = (total, done)
            if len(self.times) >= total:
                done.set()
        return done.wait(timeout)

    def since(self, start: int) -> tuple[list[float], list[str]]:
        with self.lock:
            return self.times[start:], self.phones[start:]

    def close(self) -> None:
        self.server.shutdown()


# --- the map client (a child process) -------------------------------------------------------

async def watch(url: str, token: str, event_id: int) -> None:
    """Child process: one map client subscribed to the event; every `call_status` with its
    receipt time (and when the connection dropped, if it did), printed as one JSON line when
    the parent closes stdin."""
    import socketio

    received, dropped = [], []
    client = socketio.AsyncClient(reconnection=False)

    @client.on("call_status", namespace="/live")
    def on_status(data):
        received.append((time.time(), data))

    @client.on("disconnect", namespace="/live")
    def on_disconnect(*_reason):
        dropped.append(time.time())

    await client.connect(url, namespaces=["/live"], auth={"token": token},
                         transports=["websocket"], wait_timeout=10)
    ack = await client.call("subscribe", {"event_id": event_id}, namespace="/live", timeout=10)
    print(json.dumps({"ready": ack}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    print(json.dumps({"statuses": received, "dropped_at": dropped[0] if dropped else None}),
          flush=True)
    if not dropped:
        await client.disconnect()


class MapClient:
    def __init__(self, url: str, token: str, event_id: int):
        self.child = subprocess.Popen(
            [sys.executable, __file__, "--watch", url, token, str(event_id)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = json.loads(self.child.stdout.readline())["ready"]
        if not ready.get("ok"):
            raise RuntimeError(f"subscribe refused: {ready}")

    def statuses(self) -> tuple[list[tuple[float, dict]], float | None]:
        """Stop the client; every call_status it received, in order of receipt, and when its
        connection dropped (None: it did not)."""
        self.child.stdin.close()
        seen = json.loads(self.child.stdout.readline())
        self.child.wait(timeout=30)
        return [(at, body) for at, body in seen["statuses"]], seen["dropped_at"]

    def kill(self) -> None:
        if self.child.poll() is None:
            self.child.kill()


# --- the phases -----------------------------------------------------------------------------

def make_call(url: str, pid: int, commander: str, event_id: int, targets: dict,
              gateway: Gateway, people: int, sms_timeout: float) -> dict:
    """One call, timed to its 201 (wall and server CPU), then until the gateway has `people`
    more SMS."""
    before = gateway.count()
    body = {"event_id": event_id, "message": "台风红色预警，请立即回复“收到”",
            "deadline_minutes": 60, "targets": targets}
    process_cpu = time.process_time()
    cpu = cpu_seconds(pid)
    started = time.time()
    response = requests.post(f"{url}/api/v1/calls", json=body, timeout=120,
                             headers={"Authorization": f"Bearer {commander}"})
    answered = time.time()
    request_cpu = cpu_seconds(pid) - cpu
    if response.status_code != 201:
        raise RuntimeError(f"POST /calls: {response.status_code} {response.text[:300]}")
    call = response.json()
    complete = gateway.wait_for(before + people, sms_timeout)
    times, phones = gateway.since(before)
    sms_cpu = cpu_seconds(pid) - cpu - request_cpu
    last = max(times) if times else math.nan
    return {
        "call_id": call["id"], "targets": call["targets"],
        "answer_bytes": len(response.content), "status_201_s": round(answered - started, 3),
        "server_cpu_201_s": round(request_cpu, 3),
        "sms_received": len(times), "sms_distinct_phones": len(set(phones)),
        "sms_complete": complete,
        "first_sms_after_201_s": round(min(times) - answered, 3) if times else None,
        "last_sms_after_201_s": round(last - answered, 3),
        "server_cpu_per_sms_ms": round(sms_cpu * 1000 / max(1, len(times)), 3),
        "bench_process_cpu_s": round(time.process_time() - process_cpu, 2),
        "started": started, "answered": answered,
    }


def post_answers(url: str, staff: list[str], call_id: int, seconds: float,
                 seed: int) -> list[dict]:
    """One answer from each of these people, Poisson arrivals at len(staff)/seconds a second;
    each answer's send time, 201 time and the server's `answered_at`."""
    rng = random.Random(seed)
    rate = len(staff) / seconds
    local = threading.local()
    results: list[dict] = []
    lock = threading.Lock()

    def send(token: str, scheduled: float) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        body = {"client_id": str(uuid.uuid4())}
        sent = time.time()
        response = local.session.post(f"{url}/api/v1/calls/{call_id}/answer", json=body,
                                      headers={"Authorization": f"Bearer {token}"}, timeout=30)
        done = time.time()
        if response.status_code != 201:
            raise RuntimeError(f"answer: {response.status_code} {response.text[:200]}")
        at = datetime.fromisoformat(response.json()["answered_at"]).timestamp()
        with lock:
            results.append({"scheduled": scheduled, "sent": sent, "done": done,
                            "answered_at": at})

    start = time.time() + 0.2
    moment = start
    with ThreadPoolExecutor(POSTERS) as pool:
        futures = []
        for token in staff:
            moment += rng.expovariate(rate)
            pause = moment - time.time()
            if pause > 0:
                time.sleep(pause)
            futures.append(pool.submit(send, token, moment))
        for future in futures:
            future.result()
    return results


def answer_latencies(answers: list[dict], statuses: list[tuple[float, dict]], call_id: int,
                     already: int) -> dict:
    """For each answer, send → receipt of the first call_status whose `answered` includes it."""
    mine = [(at, body["answered"]) for at, body in statuses if body["call_id"] == call_id]
    counts = [answered for _at, answered in mine]
    highest = list(itertools.accumulate(counts, max))  # the most counted by each receipt

    def first_at_least(count: int) -> float | None:
        index = bisect.bisect_left(highest, count)
        return mine[index][0] if index < len(mine) else None

    by_server = sorted(answers, key=lambda a: a["answered_at"])
    latencies, missing = [], 0
    for position, answer in enumerate(by_server, start=already + 1):
        at = first_at_least(position)
        if at is None:
            missing += 1
        else:
            latencies.append((at - answer["sent"]) * 1000)
    sends = sorted(a["sent"] for a in answers)
    pessimistic = []
    for answer in answers:  # every answer sent before this one's 201 counted as ahead of it
        ahead = bisect.bisect_left(sends, answer["done"])
        at = first_at_least(already + ahead)
        if at is not None:
            pessimistic.append((at - answer["sent"]) * 1000)
    steps = [b - a for a, b in zip(counts, counts[1:], strict=False)]
    return {
        "answers": len(answers), "statuses": len(mine), "missing": missing,
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1) if latencies else math.nan,
        "pessimistic_p50_ms": round(percentile(pessimistic, 0.5), 1),
        "pessimistic_p99_ms": round(percentile(pessimistic, 0.99), 1),
        "answer_201_p50_ms": round(percentile([(a["done"] - a["sent"]) * 1000
                                               for a in answers], 0.5), 1),
        "answer_201_p99_ms": round(percentile([(a["done"] - a["sent"]) * 1000
                                               for a in answers], 0.99), 1),
        "send_late_p99_ms": round(percentile([(a["sent"] - a["scheduled"]) * 1000
                                              for a in answers], 0.99), 1),
        "counts_not_one_up": sum(1 for step in steps if step != 1),
        "counts_repeated": sum(1 for step in steps if step == 0),
        "counts_went_down": sum(1 for step in steps if step < 0),
        "counts_skipped": sum(1 for step in steps if step > 1),
        "last_count": counts[-1] if counts else None,
        "span_s": round(max(a["sent"] for a in answers) - min(a["sent"] for a in answers), 1),
    }


def profile(database_url: str, world: dict, gateway_url: str, people: int, top: int) -> None:
    """In this process (Flask's test client, no server, no sender): each call once under
    cProfile, with its wall and CPU time, then the functions that took the time."""
    import cProfile
    import pstats

    from coordinator import create_app

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": BENCH_SECRET,
                      "SMS_URL": gateway_url})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {world['commander']}"}
    client.get("/healthz")
    calls = [("unit_ids", {"unit_ids": [world["county_id"]]})]
    if people:
        calls.append(("person_ids", {"person_ids": sorted(world["staff"])[:people]}))
    for name, targets in calls:
        body = {"event_id": world["event_id"], "message": "台风红色预警，请立即回复“收到”",
                "deadline_minutes": 60, "targets": targets}
        profiler = cProfile.Profile()
        wall, cpu = time.perf_counter(), time.process_time()
        profiler.enable()
        response = client.post("/api/v1/calls", json=body, headers=headers)
        profiler.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        assert response.status_code == 201, response.get_json()
        print(f"\n=== in-process POST /calls by {name}, {response.get_json()['targets']} "
              f"targets: {wall:.3f} s wall, {cpu:.3f} s CPU (under cProfile)")
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(r"coordinator|sqlalchemy/orm/(session|query)"
                                                   r"|flask/json|socketio", top)
        stats.sort_stats("tottime").print_stats(top)
    app.extensions["db"]["engine"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--answers", type=int, default=2_000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--gateway-ms", type=float, default=0,
                        help="the gateway answers each SMS after this many ms (a remote one)")
    parser.add_argument("--sms-timeout", type=float, default=180,
                        help="how long to wait for a call's SMS before going on")
    parser.add_argument("--database", default=None,
                        help="a PostgreSQL server URL (a scratch database is made there); "
                             "default: a scratch SQLite file")
    parser.add_argument("--profile", type=int, metavar="PEOPLE", default=None,
                        help="instead of the server run: each call in-process under cProfile "
                             "(the person_ids call to the first PEOPLE people; 0: not that one)")
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
    load = [round(x, 2) for x in os.getloadavg()]
    now = datetime.now(UTC)
    gateway = Gateway(args.gateway_ms / 1000)
    results: dict = {"load_before": load, "cores": os.cpu_count(), "gateway_ms": args.gateway_ms}
    with scratch(args.database) as database_url:
        prepared = time.time()
        world = prepare(database_url, args.people, now)
        results["prepare_s"] = round(time.time() - prepared, 1)
        print(f"prepared {args.people} people in {world['villages']} villages of "
              f"{world['towns']} towns in {results['prepare_s']} s", file=sys.stderr)
        if args.profile is not None:
            profile(database_url, world, gateway.url, args.profile, top=30)
            gateway.close()
            return
        event_id, commander = world["event_id"], world["commander"]
        env = {"COORDINATOR_SMS_URL": gateway.url}
        with deployed_process(database_url, **env) as (url, process):
            timer = Timer(url, process.pid)
            timer.run([("GET", "/healthz", None, None)] * 100)  # warm up
            results["bare_before"] = timer.run([("GET", "/healthz", None, None)] * 300)
            watcher = MapClient(url, commander, event_id)
            try:
                by_unit = make_call(url, process.pid, commander, event_id,
                                    {"unit_ids": [world["county_id"]]}, gateway, args.people,
                                    args.sms_timeout)
                print(f"call by unit_ids: 201 in {by_unit['status_201_s']} s, last SMS "
                      f"{by_unit['last_sms_after_201_s']} s after", file=sys.stderr)
                results["bare_between"] = timer.run([("GET", "/healthz", None, None)] * 300)
                answering = random.Random(3).sample(sorted(world["staff"]),
                                                    min(args.answers, args.people))
                cpu = cpu_seconds(process.pid)
                started = time.time()
                answers = post_answers(url, [world["staff"][p] for p in answering],
                                       by_unit["call_id"], args.seconds, seed=4)
                answer_cpu = cpu_seconds(process.pid) - cpu
                elapsed = time.time() - started
                time.sleep(1.0)  # the last status on its way
                statuses, dropped = watcher.statuses()
            finally:
                watcher.kill()
            print(f"{len(answers)} answers in {elapsed:.1f} s", file=sys.stderr)
            # The call by person_ids last, with a map client of its own: whether it stays
            # connected while the call is made is part of the answer.
            watcher = MapClient(url, commander, event_id)
            try:
                by_person = make_call(url, process.pid, commander, event_id,
                                      {"person_ids": sorted(world["staff"])}, gateway,
                                      args.people, args.sms_timeout)
                print(f"call by person_ids: 201 in {by_person['status_201_s']} s, last SMS "
                      f"{by_person['last_sms_after_201_s']} s after", file=sys.stderr)
                time.sleep(1.0)
                later, later_dropped = watcher.statuses()
            finally:
                watcher.kill()
            by_person["map_client_dropped_after_start_s"] = (
                round(later_dropped - by_person["started"], 1) if later_dropped else None)
            by_person["map_client_heard_it"] = any(
                body["call_id"] == by_person["call_id"] for _at, body in later)
            results["bare_after"] = timer.run([("GET", "/healthz", None, None)] * 300)
        live = answer_latencies(answers, statuses, by_unit["call_id"], already=0)
        live["server_cpu_per_answer_ms"] = round(answer_cpu * 1000 / len(answers), 2)
        live["rate_per_s"] = round(len(answers) / elapsed, 1)
        live["map_client_dropped"] = dropped is not None
        created = [at for at, body in statuses
                   if body["call_id"] == by_unit["call_id"] and body["answered"] == 0]
        by_unit["status_0_after_201_s"] = round(created[0] - by_unit["answered"], 3) \
            if created else None
        results |= {"by_unit_ids": by_unit, "by_person_ids": by_person, "answers": live,
                    "load_after": [round(x, 2) for x in os.getloadavg()]}
    gateway.close()
    report(args, results)


def report(args, results: dict) -> None:
    where = "PostgreSQL" if args.database else "SQLite"
    bare = statistics.median(results[k]["cpu_ms"] for k in ("bare_before", "bare_between",
                                                            "bare_after"))
    print(f"{args.people} people on {where}; gateway answering after {args.gateway_ms:g} ms; "
          f"{results['cores']} cores, load average "
          f"{results['load_before']} before, {results['load_after']} after")
    print(f"bare GET /healthz: server CPU {bare:.3f} ms a request (median of before / between / "
          f"after: " + " / ".join(f"{results[k]['cpu_ms']:.3f}" for k in (
              "bare_before", "bare_between", "bare_after")) + ")")
    for name in ("by_unit_ids", "by_person_ids"):
        call = results[name]
        print(f"call {name}: {call['targets']} targets, 201 in {call['status_201_s']:.3f} s "
              f"(target <= 1 s), server CPU {call['server_cpu_201_s']:.3f} s "
              f"({call['server_cpu_201_s'] * 1000 / bare:.0f}x /healthz), answer "
              f"{call['answer_bytes'] / 1e6:.1f} MB")
        print(f"  SMS: {call['sms_received']} received ({call['sms_distinct_phones']} phones), "
              f"first {call['first_sms_after_201_s']} s and last "
              f"{call['last_sms_after_201_s']:.1f} s after the 201 (target <= 30 s); server CPU "
              f"{call['server_cpu_per_sms_ms']:.2f} ms an SMS; this process (the gateway) "
              f"{call['bench_process_cpu_s']} s CPU")
        if "map_client_heard_it" in call:
            dropped = call["map_client_dropped_after_start_s"]
            print(f"  the map client {'heard' if call['map_client_heard_it'] else 'missed'} "
                  f"this call's call_status; its connection "
                  + (f"dropped {dropped} s after the POST began" if dropped else "held"))
    live = results["answers"]
    print(f"answers: {live['answers']} over {live['span_s']} s ({live['rate_per_s']}/s), "
          f"{live['statuses']} call_status received, {live['missing']} never counted, "
          f"{live['counts_not_one_up']} steps not +1 ({live['counts_repeated']} repeated, "
          f"{live['counts_went_down']} down, {live['counts_skipped']} skipping), last count "
          f"{live['last_count']}"
          + ("; THE MAP CLIENT'S CONNECTION DROPPED" if live["map_client_dropped"] else ""))
    print(f"  send -> call_status that counts it: p50 {live['p50_ms']} ms, p99 {live['p99_ms']} "
          f"ms (target <= 200 ms), max {live['max_ms']} ms; pessimistic bound p50 "
          f"{live['pessimistic_p50_ms']}, p99 {live['pessimistic_p99_ms']} ms")
    print(f"  answer's own 201: p50 {live['answer_201_p50_ms']} ms, p99 "
          f"{live['answer_201_p99_ms']} ms; server CPU {live['server_cpu_per_answer_ms']} ms an "
          f"answer ({live['server_cpu_per_answer_ms'] / bare:.0f}x /healthz)")
    print(json.dumps(results, default=str))


if __name__ == "__main__":
    main()
