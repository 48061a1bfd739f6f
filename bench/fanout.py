"""Fan-out of live messages: N map clients on one event while check-ins are posted over HTTP.

    .venv/bin/python bench/fanout.py [--rate 20] [--seconds 15] [--burst 1000] [--deflate]
    .venv/bin/python bench/fanout.py --batch [--sizes 200,500] [--idle 2000]

Starts gunicorn as deployed (deploy/gunicorn.conf.py) over a scratch SQLite database, then for
N = 50 and N = 200 starts the map clients (python-socketio's asyncio client over websocket, which
needs aiohttp; 100 clients per process, in processes apart from the poster), subscribes them to
the event, posts check-ins over HTTP at a steady rate, then a burst. Latency is measured from the
check-in's `received_at` (the server's clock when the request arrived, so it includes the
request's own processing up to the commit: an upper bound on commit-to-receipt) to receipt by
each client. The burst figure is the time from the first burst request until every client has
received every burst check-in. `--deflate` offers permessage-deflate as browsers do, so the
server compresses every frame for every client.

`--batch` runs each size twice in one server, first with clients that take one message per
change (the baseline), then with clients that subscribe with `"batch": true`, and prints the
batch figures as ratios to the baseline. `--idle N` then connects N batch clients that receive
nothing and reads the server's CPU over `--idle-seconds` (against the same window with no
client).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
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

from bench.checkins import prepare  # noqa: E402
from bench.common import BENCH_SECRET, cpu_seconds, deployed_process, scratch_database  # noqa: E402

CLIENTS_PER_PROCESS = 100
CONNECTING_AT_ONCE = 20


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


async def subscribed_client(url: str, token: str, event_id: int, received: list, deflate: bool,
                            batch: bool = False):
    """One map client subscribed to the event; each check-in's receipt time goes to `received`
    (with `batch`, the client asks for batches and takes the check-ins out of each)."""
    import socketio

    client = socketio.AsyncClient(
        reconnection=False, websocket_extra_options={"compress": 15} if deflate else {})

    @client.on("checkin", namespace="/live")
    def on_checkin(data):
        received.append((time.time(), data["checkin"]["received_at"]))

    @client.on("batch", namespace="/live")
    def on_batch(data):
        at = time.time()
        received.extend((at, item["data"]["checkin"]["received_at"])
                        for item in data["messages"] if item["event"] == "checkin")

    await client.connect(url, namespaces=["/live"], auth={"token": token},
                         transports=["websocket"], wait_timeout=10)
    ack = await client.call("subscribe", {"event_id": event_id, "batch": batch},
                            namespace="/live", timeout=10)
    assert ack["ok"], ack
    return client


async def watch(url: str, token: str, event_id: int, count: int, expected: list[int],
                deflate: bool, batch: bool) -> None:
    """Child process: `count` clients; for each phase, wait until every client has its check-ins,
    then print that phase's latencies (ms) and last receipt as one JSON line. With no phase
    (idle clients), stay connected until a line comes on stdin."""
    received: list[list[tuple[float, str]]] = [[] for _ in range(count)]
    gate = asyncio.Semaphore(CONNECTING_AT_ONCE)

    async def start(index: int):
        async with gate:
            return await subscribed_client(url, token, event_id, received[index], deflate,
                                           batch)

    clients = await asyncio.gather(*(start(index) for index in range(count)))
    print("ready", flush=True)
    if not expected:
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    done = 0
    for phase, number in enumerate(expected):
        done += number
        deadline = time.time() + 120
        while time.time() < deadline and any(len(r) < done for r in received):
            await asyncio.sleep(0.01)
        rows = [r[done - number:done] for r in received]
        latencies = [(at - datetime.fromisoformat(sent).timestamp()) * 1000
                     for client_rows in rows for at, sent in client_rows]
        last = max((client_rows[-1][0] for client_rows in rows if client_rows), default=0)
        complete = all(len(client_rows) == number for client_rows in rows)
        print(json.dumps({"phase": phase, "latencies": [round(x, 2) for x in latencies],
                          "last_receipt": last, "complete": complete}), flush=True)
    await asyncio.gather(*(client.disconnect() for client in clients))


class Poster:
    """Posts check-ins over HTTP from the prepared staff, each a new client_id, one keep-alive
    connection per thread."""

    def __init__(self, url: str, rows):
        self.url, self.rows, self.next = url, rows, 0
        self.lock = threading.Lock()
        self.local = threading.local()

    def post(self) -> None:
        with self.lock:
            token, lat, lon = self.rows[self.next % len(self.rows)]
            self.next += 1
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        response = self.local.session.post(f"{self.url}/api/v1/checkins", timeout=30, json={
            "client_id": str(uuid.uuid4()), "kind": "presence", "lat": lat + self.next * 1e-9,
            "lon": lon, "accuracy_m": 8, "taken_at": datetime.now(UTC).isoformat()},
            headers={"Authorization": f"Bearer {token}"})
        response.raise_for_status()

    def steady(self, rate: float, seconds: float) -> int:
        count = int(rate * seconds)
        start = time.time()
        with ThreadPoolExecutor(4) as pool:
            posts = []
            for index in range(count):
                pause = start + index / rate - time.time()
                if pause > 0:
                    time.sleep(pause)
                posts.append(pool.submit(self.post))
            for post in posts:
                post.result()  # a failed check-in fails the run instead of hiding in the pool
        return count

    def burst(self, count: int) -> tuple[float, float]:
        """Post `count` check-ins from eight threads; when it started and when the last answered."""
        start = time.time()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _: self.post(), range(count)))
        return start, time.time()


def commander_token(database_url: str) -> tuple[str, int]:
    """A commander's token, and the id of the one event `prepare` made."""
    from sqlalchemy import select

    from coordinator import create_app, db, unit_of_work
    from coordinator.models import Event
    from coordinator.services import accounts

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": BENCH_SECRET})
    with app.app_context():
        session = db.session()
        now = datetime.now(UTC)
        user = accounts.create_user(session, "bench-commander", "commander", "bench-password",
                                    at=now)
        unit_of_work.commit(session)
        token, _ = accounts.issue_token(BENCH_SECRET, accounts.principal_for_user(user), at=now,
                                        ttl=timedelta(hours=2))
        event_id = session.scalar(select(Event.id))
    app.extensions["db"]["engine"].dispose()
    return token, event_id


def start_clients(url: str, token: str, event_id: int, clients: int, expect: str,
                  deflate: bool, batch: bool) -> list[subprocess.Popen]:
    """The map clients, spread over processes of 100 so that parsing their websocket streams
    stays well below one core per process."""
    children = []
    for first in range(0, clients, CLIENTS_PER_PROCESS):
        count = min(CLIENTS_PER_PROCESS, clients - first)
        children.append(subprocess.Popen(
            [sys.executable, __file__, "--clients", str(count), "--url", url, "--token", token,
             "--event", str(event_id), "--expect", expect]
            + ["--deflate"] * deflate + ["--batch"] * batch,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
    return children


def run(url: str, server_pid: int, rows, token: str, event_id: int, clients: int, rate: float,
        seconds: float, burst: int, deflate: bool, batch: bool = False) -> dict:
    """One measurement: steady check-ins, then a burst; with the server's CPU in each."""
    steady_count = int(rate * seconds)
    children = start_clients(url, token, event_id, clients, f"{steady_count},{burst}", deflate,
                             batch)
    try:
        for child in children:
            assert child.stdout.readline().strip() == "ready"
        poster = Poster(url, rows)
        cpu_start, wall_start = cpu_seconds(server_pid), time.time()
        poster.steady(rate, seconds)
        steady = [json.loads(child.stdout.readline()) for child in children]
        cpu_steady, wall_steady = cpu_seconds(server_pid), time.time()
        burst_start, burst_posted = poster.burst(burst)
        burst_results = [json.loads(child.stdout.readline()) for child in children]
        cpu_burst = cpu_seconds(server_pid)
        for child in children:
            child.wait(timeout=60)
    finally:
        for child in children:
            child.kill()
    latencies = [x for part in steady for x in part["latencies"]]
    burst_s = max(part["last_receipt"] for part in burst_results) - burst_start
    return {"clients": clients, "batch": batch,
            "steady_p50_ms": round(percentile(latencies, 0.5), 1),
            "steady_p99_ms": round(percentile(latencies, 0.99), 1),
            "steady_complete": all(part["complete"] for part in steady),
            "steady_server_cores": round((cpu_steady - cpu_start) / (wall_steady - wall_start), 2),
            "burst_s": round(burst_s, 2),
            # taking the check-ins in, against delivering them (last receipt after last answer)
            "burst_posted_s": round(burst_posted - burst_start, 2),
            "burst_complete": all(part["complete"] for part in burst_results),
            "burst_server_cores": round((cpu_burst - cpu_steady) / burst_s, 2),
            "load_1m": round(os.getloadavg()[0], 2)}


def idle(url: str, server_pid: int, token: str, event_id: int, clients: int,
         seconds: float) -> dict:
    """The server's CPU (in cores) over `seconds` with no client, then with `clients` batch
    clients connected and subscribed and nothing happening."""
    def cores() -> float:
        before = cpu_seconds(server_pid)
        time.sleep(seconds)
        return (cpu_seconds(server_pid) - before) / seconds

    alone = cores()
    children = start_clients(url, token, event_id, clients, "", False, True)
    try:
        for child in children:
            assert child.stdout.readline().strip() == "ready"
        time.sleep(5)  # let the last connections settle
        connected = cores()
        for child in children:
            child.stdin.write("done\n")
            child.stdin.flush()
        for child in children:
            child.wait(timeout=60)
    finally:
        for child in children:
            child.kill()
    return {"idle_clients": clients, "seconds": seconds, "no_client_cores": round(alone, 4),
            "idle_cores": round(connected, 4), "load_1m": round(os.getloadavg()[0], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--deflate", action="store_true")
    parser.add_argument("--sizes", default=None,
                        help="client counts, comma-separated (50,200; with --batch 200,500)")
    parser.add_argument("--batch", action="store_true",
                        help="each size per change (baseline), then in batches")
    parser.add_argument("--idle", type=int, default=0, help="then this many idle batch clients")
    parser.add_argument("--idle-seconds", type=float, default=30)
    parser.add_argument("--clients", type=int)
    parser.add_argument("--url")
    parser.add_argument("--token")
    parser.add_argument("--event", type=int)
    parser.add_argument("--expect")
    args = parser.parse_args()
    if args.url:  # a child process holding map clients
        asyncio.run(watch(args.url, args.token, args.event, args.clients,
                          [int(n) for n in args.expect.split(",") if n], args.deflate,
                          args.batch))
        return
    try:
        import aiohttp  # noqa: F401  (python-socketio's asyncio client needs it for websocket)
    except ImportError:
        sys.exit("aiohttp is missing: run `make bench-tools`, then run again")
    sizes = [int(n) for n in (args.sizes or ("200,500" if args.batch else "50,200")).split(",")]
    modes = (False, True) if args.batch else (False,)
    database_url, folder = scratch_database()
    try:
        rows = prepare(database_url, 400)
        token, event_id = commander_token(database_url)
        results, idle_result = [], None
        with deployed_process(database_url) as (url, server):
            for clients in sizes:
                for batch in modes:
                    results.append(run(url, server.pid, rows, token, event_id, clients,
                                       args.rate, args.seconds, args.burst, args.deflate, batch))
            if args.idle:
                idle_result = idle(url, server.pid, token, event_id, args.idle,
                                   args.idle_seconds)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report(args, results, idle_result)


def report(args, results: list[dict], idle_result: dict | None) -> None:
    print(f"{'clients':>8}{'mode':>11}{'p50 ms':>9}{'p99 ms':>9}{'burst s':>9}{'cores':>13}"
          f"{'load':>7}  (steady {args.rate}/s; burst of {args.burst}"
          f"{'; permessage-deflate' if args.deflate else ''}; {os.cpu_count()} cores)")
    baseline = {}
    for r in results:
        print(f"{r['clients']:>8}{'batch' if r['batch'] else 'per change':>11}"
              f"{r['steady_p50_ms']:>9}{r['steady_p99_ms']:>9}{r['burst_s']:>9}"
              f"{r['steady_server_cores']:>6}/{r['burst_server_cores']:<6}{r['load_1m']:>7}  "
              f"complete={r['steady_complete'] and r['burst_complete']}")
        if not r["batch"]:
            baseline[r["clients"]] = r
        elif r["clients"] in baseline:
            base = baseline[r["clients"]]
            print(f"{'':>8}{'ratio':>11}{r['steady_p50_ms'] / base['steady_p50_ms']:>8.2f}x"
                  f"{r['steady_p99_ms'] / base['steady_p99_ms']:>8.2f}x"
                  f"{r['burst_s'] / base['burst_s']:>8.2f}x  (batch / per change, same run)")
        print(f"{'':>8}{'':>11}  burst: all answered after {r['burst_posted_s']} s, the last "
              f"receipt {r['burst_s'] - r['burst_posted_s']:.2f} s later")
    print("cores: the server's CPU while steady / during the burst")
    if idle_result:
        print(f"{idle_result['idle_clients']} idle batch clients: server "
              f"{idle_result['idle_cores'] * 100:.1f} % of a core over {idle_result['seconds']} s "
              f"(no client: {idle_result['no_client_cores'] * 100:.1f} %)")
    print("targets (issue 16): burst of 1,000 to 200 maps <= 3 s; 20/s at 500 maps p99 <= 100 ms;"
          " 2,000 idle maps < 20 % of a core")
    print(json.dumps({"runs": results, "idle": idle_result}))


if __name__ == "__main__":
    main()
