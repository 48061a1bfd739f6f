"""Check-in throughput and latency against the server as deployed, beside a bare route.

Starts gunicorn with deploy/gunicorn.conf.py (gevent worker) on 127.0.0.1 over a scratch SQLite
database holding many staff on shifts running now, then drives it with wrk (a real HTTP load
tool; Lua makes every check-in a new client_id from a different person):

    .venv/bin/python bench/checkins.py [--seconds 10] [--staff 1000] [--connections 32]

It prints requests/s and p50/p99 for GET /healthz (the bare route) and POST /api/v1/checkins at
full load, then both again at half of their own peak rate with Poisson arrivals (independent
phones). Figures are ratios to the bare route measured in the same run, because the machine is
shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BENCH_SECRET, deployed_server, run_wrk, scratch_database  # noqa: E402

LUA = r"""
local tokens = {%(tokens)s}
local posts = {%(posts)s}
local rate_delay = %(delay_ms)s
math.randomseed(os.time() + %(seed)s)
local function uuid()
  local t = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
  return (t:gsub("[xy]", function(c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%%x", v)
  end))
end
request = function()
  local i = math.random(1, #tokens)
  local p = posts[i]
  -- a fix within a metre of the post: inside the fence, never a spoof signal
  local lat = p[1] + (math.random() - 0.5) * 0.00001
  local lon = p[2] + (math.random() - 0.5) * 0.00001
  local body = string.format(
    '{"client_id":"%%s","kind":"presence","lat":%%.7f,"lon":%%.7f,"accuracy_m":8,' ..
    '"taken_at":"%%s"}', uuid(), lat, lon, os.date("!%%Y-%%m-%%dT%%H:%%M:%%SZ"))
  return wrk.format("POST", "/api/v1/checkins", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. tokens[i]}, body)
end
%(delay_fn)s
"""

BARE_LUA = """
local rate_delay = %(delay_ms)s
%(delay_fn)s
"""

# Independent phones: the wait before each request is drawn from an exponential distribution
# with the mean rate_delay (Poisson arrivals), not the same wait on every connection.
DELAY_FN = "function delay() return math.floor(-rate_delay * math.log(1 - math.random())) end"


def prepare(database_url: str, staff: int) -> list[tuple[str, float, float]]:
    """Migrate, then one event with `staff` people on shifts at staff/2 posts running now, and
    one sweep (the alerts of nobody having checked in yet)."""
    from coordinator import create_app, db, migrate, unit_of_work
    from coordinator.jobs.sweeper import run_once
    from coordinator.services import accounts, audit, events, people, posts

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": BENCH_SECRET})
    migrate.upgrade(app.extensions["db"]["engine"])
    rng = random.Random(7)
    now = datetime.now(UTC)
    actor = audit.Actor("bench", "system")
    rows = []
    with app.app_context():
        session = db.session()
        event = events.create_event(session, actor, now, {
            "name": "压测事件", "kind": "rainstorm", "level": 3, "starts_at": now})
        for index in range(staff // 2):
            lat, lon = 28.0 + rng.random() * 0.3, 119.5 + rng.random() * 0.4
            post = posts.create_post(session, actor, now, {
                "name": f"压测点位{index}", "kind": "reservoir", "lat": lat, "lon": lon,
                "radius_m": 100, "village": None, "risk": 2})
            shift = events.create_shift(session, actor, now, event, {
                "post_id": post.id, "starts_at": now - timedelta(hours=1),
                "ends_at": now + timedelta(hours=12), "required": 2, "skills": []})
            for seat in range(2):
                person = people.create_person(session, actor, now, {
                    "name": f"压测{index}-{seat}", "phone": f"139{index:05d}{seat:03d}",
                    "unit": "压测单位", "kind": "cadre", "skills": [],
                    "home_lat": lat, "home_lon": lon})
                events.create_assignment(session, actor, now, shift.id, person.id)
                token, _ = accounts.issue_token(BENCH_SECRET, accounts.principal_for_person(person),
                                                at=now, ttl=timedelta(hours=12))
                rows.append((token, lat, lon))
        unit_of_work.commit(session)
        # The shifts began an hour ago: the sweeper has long raised its missed check-ins, so the
        # runs below see its steady passes, not the first one that raises 1,500 alerts at once.
        run_once()
    app.extensions["db"]["engine"].dispose()
    return rows


def write_script(folder: Path, name: str, template: str, rows=None, delay_ms: float = 0,
                 seed: int = 0) -> Path:
    values = {"delay_ms": f"{delay_ms:.3f}", "delay_fn": DELAY_FN if delay_ms else "",
              "seed": seed}
    if rows is not None:
        values["tokens"] = ",".join(f'"{t}"' for t, _, _ in rows)
        values["posts"] = ",".join(f"{{{lat:.7f},{lon:.7f}}}" for _, lat, lon in rows)
    path = folder / name
    path.write_text(template % values)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--staff", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()

    database_url, folder = scratch_database()
    try:
        rows = prepare(database_url, args.staff)
        results = {}
        with deployed_server(database_url) as url:
            run_wrk(url + "/healthz", seconds=2, connections=args.connections)  # warm up
            bare = run_wrk(url + "/healthz", seconds=args.seconds, connections=args.connections)
            checkin_script = write_script(folder, "checkin.lua", LUA, rows)
            checkin = run_wrk(url, seconds=args.seconds, connections=args.connections,
                              script=checkin_script)
            results["bare_peak"], results["checkin_peak"] = bare, checkin
            # Half of each route's own peak: each connection waits connections / (rps / 2)
            # between its requests (wrk's delay() hook; the wait is not counted as latency), so
            # together they offer a little less than rps/2 (the requests' own time adds to it).
            for name, peak, template, data in (("bare_half", bare, BARE_LUA, None),
                                               ("checkin_half", checkin, LUA, rows)):
                delay = args.connections * 1000.0 / (peak["rps"] / 2)
                script = write_script(folder, f"{name}.lua", template, data, delay, seed=1)
                target = url + ("/healthz" if data is None else "")
                results[name] = {**run_wrk(target, seconds=args.seconds,
                                           connections=args.connections, script=script),
                                 "offered_rps": round(peak["rps"] / 2, 1)}
        ratio = results["checkin_peak"]["rps"] / results["bare_peak"]["rps"]
        print(f"{'run':<14}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}")
        for name, figures in results.items():
            print(f"{name:<14}{figures['rps']:>10.1f}{figures['p50_ms']:>10.2f}"
                  f"{figures['p99_ms']:>10.2f}{figures['non_2xx']:>10}")
        print(f"check-in peak / bare peak throughput: {ratio:.2f}x (target >= 0.35x)")
        print(f"check-in p99 at half its peak rate: {results['checkin_half']['p99_ms']:.1f} ms "
              "(target <= 50 ms)")
        print(json.dumps({"ratio": round(ratio, 3), **results}))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
