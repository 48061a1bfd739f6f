"""Benchmark of the duty-record exports: an event with 20,000 people and 1,000,000 check-ins,
exported through the HTTP routes as XLSX and CSV; wall time and peak memory of each.

    .venv/bin/python bench/export.py                       # build a scratch database, run all
    .venv/bin/python bench/export.py --db /tmp/export.db   # keep (or reuse) the database file
    .venv/bin/python bench/export.py --people 2000 --checkins 100000   # a smaller run

The data go straight into a scratch SQLite file with bulk SQL inserts (not through the API).
Each export then runs in a fresh subprocess that builds the app, signs in as an administrator and
reads the route's whole answer through Flask's test client in chunks, as a download would; its
peak resident memory (getrusage maxrss) is that of the whole process, Python and the app included.
Targets (issue 6): at most 60 s and 300 MB each.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BENCH_SECRET, scratch_database  # noqa: E402

START = datetime(2026, 7, 21, 0, 0, tzinfo=UTC)  # 08:00 in Beijing
SHIFT_HOURS = 12
PEOPLE_PER_SHIFT = 5
UNITS = [f"{name}镇" for name in "城关 石门 青溪 白鹤 龙泉 凤凰 桃源 清风 云台 金竹".split()] + \
    [f"{name}村" for name in "上塘 下溪 东岙 西坑 南山 北岭 大岙 小溪 前村 后湾".split()]
TARGET_SECONDS, TARGET_MB = 60, 300
RUNS = (("xlsx", "export.xlsx", {}), ("csv people", "export.csv", {}),
        ("csv checkins", "export.csv", {"table": "checkins"}))


def stamp(moment: datetime) -> str:
    """A UTC moment as SQLAlchemy stores it in SQLite."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def build(path: Path, people: int, checkins: int) -> dict:
    """Migrate an empty file to the current schema and fill it with one large event."""
    from coordinator import create_app, migrate

    url = "sqlite:///" + str(path)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": BENCH_SECRET})
    migrate.upgrade(app.extensions["db"]["engine"])
    app.extensions["db"]["engine"].dispose()

    rng = random.Random(6)
    posts = max(1, people // 10)
    # Two 12-hour shifts a post (day, night), each person on one day and one night shift.
    shifts_per_post = 2
    assignments = people * 2
    per_assignment = max(2, checkins // assignments)
    now = stamp(START)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=OFF")
    with db:
        db.execute("INSERT INTO users (id, username, password_hash, role, active, created_at) "
                   "VALUES (1, 'bench-inspector', '-', 'inspector', 1, ?)", (now,))
        db.executemany(
            "INSERT INTO people (id, name, phone, unit, kind, skills, active, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, '[]', 1, ?, ?)",
            ((i, f"人员{i:05d}", f"138{i:08d}", UNITS[i % len(UNITS)],
              "cadre" if i % 3 else "village_official", now, now) for i in range(1, people + 1)))
        post_points = {}
        for i in range(1, posts + 1):
            post_points[i] = (28.0 + rng.random() * 0.5, 119.5 + rng.random() * 0.5)
        db.executemany(
            "INSERT INTO posts (id, name, kind, lat, lon, radius_m, village, risk, active, "
            "created_at, updated_at) VALUES (?, ?, 'reservoir', ?, ?, 150, ?, 2, 1, ?, ?)",
            ((i, f"点位{i:05d}", *post_points[i], UNITS[i % len(UNITS)], now, now)
             for i in post_points))
        db.execute("INSERT INTO events (id, name, kind, level, starts_at, created_at) "
                   "VALUES (1, '2026年第5号台风防御（基准测试）', 'typhoon', 2, ?, ?)", (now, now))
        shift_rows = []
        for post in range(1, posts + 1):
            for half in range(shifts_per_post):
                starts = START + timedelta(hours=SHIFT_HOURS * half)
                shift_rows.append((len(shift_rows) + 1, post, starts, starts + timedelta(
                    hours=SHIFT_HOURS)))
        db.executemany(
            "INSERT INTO shifts (id, event_id, post_id, starts_at, ends_at, required, skills, "
            "created_at) VALUES (?, 1, ?, ?, ?, ?, '[]', ?)",
            ((sid, post, stamp(s), stamp(e), PEOPLE_PER_SHIFT, now)
             for sid, post, s, e in shift_rows))
        # Person p works the day shift of one post and the night shift of another.
        assignment_rows = []
        for person in range(1, people + 1):
            for half in range(2):
                post = (person - 1 + half * 7) % posts + 1
                shift_id = (post - 1) * shifts_per_post + half + 1
                assignment_rows.append((len(assignment_rows) + 1, shift_id, person, post))
        db.executemany(
            "INSERT INTO assignments (id, shift_id, person_id, source, created_at) "
            "VALUES (?, ?, ?, 'auto', ?)", ((a, s, p, now) for a, s, p, _post in assignment_rows))

        def fixes():
            number = 0
            step = timedelta(hours=SHIFT_HOURS) / per_assignment
            for aid, shift_id, person, post in assignment_rows:
                starts = shift_rows[shift_id - 1][2]
                lat, lon = post_points[post]
                late = rng.random() < 0.1
                for k in range(per_assignment):
                    number += 1
                    kind = "check_in" if k == 0 else (
                        "check_out" if k == per_assignment - 1 else "presence")
                    taken = starts + step * k + (timedelta(minutes=25) if late and k == 0
                                                 else timedelta(seconds=rng.randint(0, 300)))
                    outside = rng.random() < 0.03
                    flags = (["late"] if late and k == 0 else []) + (
                        ["outside_fence"] if outside else [])
                    yield (number, f"{number:032x}", "0" * 64, person, aid, post, kind,
                           lat + rng.uniform(-5e-4, 5e-4), lon + rng.uniform(-5e-4, 5e-4),
                           round(rng.uniform(5, 40), 1), stamp(taken), stamp(taken),
                           round(rng.uniform(0, 300 if outside else 90), 1), 0 if outside else 1,
                           json.dumps(flags), "[]")

        db.executemany(
            "INSERT INTO checkins (id, client_id, request_hash, person_id, assignment_id, "
            "post_id, kind, lat, lon, accuracy_m, taken_at, received_at, distance_m, "
            "within_fence, flags, spoof_reasons) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", fixes())
        db.executemany(
            "INSERT INTO alerts (event_id, kind, condition_key, post_id, person_id, shift_id, "
            "message, raised_at) VALUES (1, 'missed_checkin', ?, ?, ?, ?, ?, ?)",
            ((f"missed:{a}", post, person, shift_id, f"人员{person:05d} 未按时签到",
              stamp(shift_rows[shift_id - 1][2] + timedelta(minutes=16)))
             for a, shift_id, person, post in assignment_rows[::20]))
        db.executemany(
            "INSERT INTO spot_checks (event_id, post_id, inspector_id, visited_at, unannounced, "
            "present_person_ids, absent_person_ids, note, created_at) "
            "VALUES (1, ?, 1, ?, 1, ?, ?, '暗访', ?)",
            ((post, stamp(START + timedelta(hours=3)), json.dumps([post]), json.dumps([post + 1]),
              now) for post in range(1, min(posts, people - 1) + 1, 5)))
        db.executemany(
            "INSERT INTO commendations (person_id, event_id, kind, reason, created_by, "
            "created_at) VALUES (?, 1, ?, '坚守岗位', 1, ?)",
            ((p, "commend" if p % 3 else "criticize", now) for p in range(1, people + 1, 40)))
    counts = {table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
              for table in ("people", "posts", "shifts", "assignments", "checkins", "alerts",
                            "spot_checks", "commendations")}
    db.close()
    return counts


def export_once(url: str, route: str, params: dict) -> dict:
    """In this process: build the app, sign in, read the whole export; time and peak memory."""
    from sqlalchemy import select

    from coordinator import create_app, db, unit_of_work
    from coordinator.clock import ManualClock
    from coordinator.models import User
    from coordinator.services import accounts

    clock = ManualClock(START + timedelta(days=1))
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": BENCH_SECRET, "CLOCK": clock})
    with app.app_context():
        session = db.session()
        if session.scalar(select(User.id).where(User.username == "bench-admin")) is None:
            accounts.create_user(session, "bench-admin", "admin", "bench-password-1",
                                 at=clock.now())
            unit_of_work.commit(session)
    client = app.test_client()
    token = client.post("/api/v1/auth/login", json={
        "username": "bench-admin", "password": "bench-password-1"}).get_json()["token"]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    before = usage.ru_maxrss / 1024
    cpu_before = usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    response = client.get(f"/api/v1/events/1/{route}", query_string=params, buffered=False,
                          headers={"Authorization": f"Bearer {token}"})
    size = 0
    for chunk in response.response:
        size += len(chunk)
    response.close()
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"status": response.status_code, "seconds": round(seconds, 1),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime - cpu_before, 1), "bytes": size,
            "rss_before_mb": round(before), "peak_rss_mb": round(usage.ru_maxrss / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--checkins", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="the SQLite file (built when missing)")
    parser.add_argument("--child", nargs=3, metavar=("URL", "ROUTE", "PARAMS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        url, route, params = args.child
        print(json.dumps(export_once(url, route, json.loads(params))))
        return

    if args.db is None:
        url, folder = scratch_database()
        path = folder / "bench.db"
    else:
        path, url = args.db, "sqlite:///" + str(args.db)
    if not path.exists():
        started = time.perf_counter()
        counts = build(path, args.people, args.checkins)
        print(f"built {path} in {time.perf_counter() - started:.0f} s: {counts}", flush=True)
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'export':<14}{'seconds':>9}{'CPU s':>7}{'peak MB':>9}{'MB out':>9}   targets: "
          f"{TARGET_SECONDS} s, {TARGET_MB} MB")
    for name, route, params in RUNS:
        done = subprocess.run([sys.executable, __file__, "--child", url, route, json.dumps(params)],
                              capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": "0"})
        result = json.loads(done.stdout.strip().splitlines()[-1])
        assert result["status"] == 200, result
        verdict = "ok" if result["seconds"] <= TARGET_SECONDS and \
            result["peak_rss_mb"] <= TARGET_MB else "MISSED"
        print(f"{name:<14}{result['seconds']:>9}{result['cpu_seconds']:>7}{result['peak_rss_mb']:>9}"
              f"{result['bytes'] / 1e6:>9.1f}   {verdict} (app loaded: {result['rss_before_mb']} MB, "
              f"load {os.getloadavg()[0]:.1f})", flush=True)


if __name__ == "__main__":
    main()
