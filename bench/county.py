"""A county's command chain at size: the overview, the snapshot of the county and of one town,
and what scope adds to a check-in.

A scratch database (SQLite, or a new database on a PostgreSQL server) gets a county of 40 towns
of 10 villages, 2,000 posts (5 a village) and 20,000 people (10 a post, of the post's village),
each on a shift running now in one county event, written straight into the tables (no audit
entries: this is about reading), with each post's stored status. Then gunicorn as deployed
(deploy/gunicorn.conf.py) is timed over HTTP, one request at a time, with the server's CPU per
request, in turn with GET /healthz (the bare route) so that the shared machine's drift touches
all alike:

- `GET /summary?by=town` and `?by=village` as the county's commander (target <= 100 ms);
- `GET /snapshot` as the county's commander (everything) and as one town's (target <= 150 ms);
- check-ins (`presence`, inside the fence) at posts of the towns, and at posts of a few more
  towns' worth that belong to no unit (as in a town without the chain), in turn from the same
  server and database: the difference is what the per-unit numbering of live messages costs a
  check-in (target <= 10 %).

    .venv/bin/python bench/county.py [--towns 40] [--villages 10] [--posts 5] [--people 10]
                                     [--reads 20] [--database postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BENCH_SECRET, deployed_process  # noqa: E402
from bench.growth import Timer, app_for, scratch  # noqa: E402

BATCH = 5000


def prepare(database_url: str, towns: int, villages: int, posts_each: int, people_each: int,
            now: datetime, flat_towns: int) -> dict:
    """The county; `flat_towns` more towns' worth of posts and people in no unit at all."""
    from sqlalchemy import insert, select

    from coordinator import db, migrate, unit_of_work
    from coordinator.models import Assignment, Event, EventSequence, Person, Post, PostStatus, Shift, Unit
    from coordinator.services import accounts, duty_state

    app = app_for(database_url)
    migrate.upgrade(app.extensions["db"]["engine"])
    rng = random.Random(13)
    begun = now - timedelta(hours=2)
    with app.app_context():
        session = db.session()

        def rows(model, values):
            for start in range(0, len(values), BATCH):
                session.execute(insert(model), values[start:start + BATCH])

        county = Unit(name="压测县", kind="county", path="压测县", created_at=now)
        session.add(county)
        session.flush()
        rows(Unit, [{"name": f"镇{t:02d}", "kind": "town", "parent_id": county.id,
                     "path": f"压测县/镇{t:02d}", "created_at": now} for t in range(towns)])
        town_ids = dict(session.execute(select(Unit.path, Unit.id).where(Unit.kind == "town")).all())
        rows(Unit, [{"name": f"村{v:02d}", "kind": "village",
                     "parent_id": town_ids[f"压测县/镇{t:02d}"],
                     "path": f"压测县/镇{t:02d}/村{v:02d}", "created_at": now}
                    for t in range(towns) for v in range(villages)])
        village_ids = dict(session.execute(select(Unit.path, Unit.id)
                                           .where(Unit.kind == "village")).all())
        event = Event(name="县级压测", kind="typhoon", level=2, starts_at=begun,
                      unit_id=county.id, created_at=now)
        session.add(event)
        session.flush()
        session.add(EventSequence(event_id=event.id, seq=0))
        places = []
        for t in range(towns + flat_towns):
            for v in range(villages):
                centre = (27.5 + rng.random() * 1.5, 119.0 + rng.random() * 1.5)
                for p in range(posts_each):
                    places.append((village_ids.get(f"压测县/镇{t:02d}/村{v:02d}"),
                                   centre[0] + rng.random() * 0.02, centre[1] + rng.random() * 0.02,
                                   f"镇{t:02d}村{v:02d}点{p}"))
        rows(Post, [{"name": name, "kind": "reservoir", "lat": lat, "lon": lon, "radius_m": 100,
                     "risk": 2, "active": True, "unit_id": unit_id, "created_at": now,
                     "updated_at": now} for unit_id, lat, lon, name in places])
        post_ids = dict(session.execute(select(Post.name, Post.id)).all())
        rows(Shift, [{"event_id": event.id, "post_id": post_ids[name], "starts_at": begun,
                      "ends_at": now + timedelta(hours=10), "required": people_each,
                      "skills": [], "created_at": now} for _u, _la, _lo, name in places])
        shift_ids = dict(session.execute(select(Shift.post_id, Shift.id)).all())
        people = []
        for index, (unit_id, lat, lon, name) in enumerate(places):
            for seat in range(people_each):
                people.append({"name": f"{name}-{seat}", "phone": f"13{index:06d}{seat:03d}",
                               "unit": name[:6], "unit_id": unit_id, "kind": "cadre",
                               "skills": [], "home_lat": lat, "home_lon": lon, "active": True,
                               "created_at": now, "updated_at": now, "_post": post_ids[name],
                               "_lat": lat, "_lon": lon, "_flat": unit_id is None})
        rows(Person, [{k: v for k, v in p.items() if not k.startswith("_")} for p in people])
        person_ids = dict(session.execute(select(Person.phone, Person.id)).all())
        rows(Assignment, [{"shift_id": shift_ids[p["_post"]], "person_id": person_ids[p["phone"]],
                           "source": "manual", "created_at": now} for p in people])
        assignment_ids = dict(session.execute(select(Assignment.person_id, Assignment.id)).all())
        for batch in duty_state.batches(session):
            duty_state.recompute(session, batch, now)
        rows(PostStatus, [{"event_id": event.id, "post_id": post_id, "required": people_each,
                           "present": 0, "status": "empty", "updated_at": now}
                          for post_id in post_ids.values()])
        users = {}
        for name, unit_id in (("county-chief", county.id),
                              ("town-chief", town_ids["压测县/镇00"])):
            users[name] = accounts.create_user(session, name, "commander", "bench-password",
                                               at=now, unit_id=unit_id)
        unit_of_work.commit(session)
        tokens = {name: accounts.issue_token(BENCH_SECRET, accounts.principal_for_user(user),
                                             at=now, ttl=timedelta(hours=12))[0]
                  for name, user in users.items()}
        staff = []
        for p in people:
            person = session.get(Person, person_ids[p["phone"]])
            token, _ = accounts.issue_token(BENCH_SECRET, accounts.principal_for_person(person),
                                            at=now, ttl=timedelta(hours=12))
            staff.append({"token": token, "lat": p["_lat"], "lon": p["_lon"],
                          "assignment_id": assignment_ids[person.id], "flat": p["_flat"]})
        event_id = event.id
    app.extensions["db"]["engine"].dispose()
    return {"event_id": event_id, "tokens": tokens, "staff": staff}


def fixes(staff: list[dict], count: int, now: datetime, rng: random.Random) -> list[tuple]:
    chosen = rng.sample(staff, count)
    return [("POST", "/api/v1/checkins", person["token"], {
        "client_id": str(uuid.uuid4()), "kind": "presence",
        "lat": person["lat"] + (rng.random() - 0.5) * 1e-5,
        "lon": person["lon"] + (rng.random() - 0.5) * 1e-5, "accuracy_m": 8.0,
        "taken_at": now.isoformat()}) for person in chosen]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--towns", type=int, default=40)
    parser.add_argument("--villages", type=int, default=10, help="per town")
    parser.add_argument("--posts", type=int, default=5, help="per village")
    parser.add_argument("--people", type=int, default=10, help="per post")
    parser.add_argument("--reads", type=int, default=20)
    parser.add_argument("--checkins", type=int, default=300, help="per block, six blocks")
    parser.add_argument("--flat-towns", type=int, default=4,
                        help="towns' worth of posts and people in no unit, for the comparison")
    parser.add_argument("--database", default=None)
    args = parser.parse_args()
    now = datetime.now(UTC)
    rng = random.Random(5)
    with scratch(args.database) as url:
        world = prepare(url, args.towns, args.villages, args.posts, args.people, now,
                        args.flat_towns)
        in_units = [p for p in world["staff"] if not p["flat"]]
        flat = [p for p in world["staff"] if p["flat"]]
        event, tokens = world["event_id"], world["tokens"]
        print(f"county: {args.towns} towns, {args.towns * args.villages} villages, "
              f"{len(in_units) // args.people} posts, {len(in_units)} people; in no unit: "
              f"{len(flat) // args.people} posts, {len(flat)} people", file=sys.stderr)
        results = {}
        with deployed_process(url) as (server, process):
            timer = Timer(server, process.pid)
            timer.run([("GET", "/healthz", None, None)] * 50)
            reads = {
                "summary_town": [("GET", f"/api/v1/events/{event}/summary?by=town",
                                  tokens["county-chief"], None)],
                "summary_village": [("GET", f"/api/v1/events/{event}/summary?by=village",
                                     tokens["county-chief"], None)],
                "snapshot_county": [("GET", f"/api/v1/events/{event}/snapshot",
                                     tokens["county-chief"], None)],
                "snapshot_town": [("GET", f"/api/v1/events/{event}/snapshot",
                                   tokens["town-chief"], None)],
                "bare": [("GET", "/healthz", None, None)] * 50,
            }
            results |= timer.interleaved(reads, args.reads)
            blocks = {"checkin_units": [], "checkin_flat": [], "bare_checkins": []}
            for _ in range(3):
                for name, group in (("checkin_units", in_units), ("checkin_flat", flat)):
                    blocks[name].append(timer.run(fixes(group, args.checkins, now, rng),
                                                  threads=4))
                    blocks["bare_checkins"].append(
                        timer.run([("GET", "/healthz", None, None)] * args.checkins, threads=4))
            for name, runs in blocks.items():
                results[name] = {"p50_ms": statistics.median(r["p50_ms"] for r in runs),
                                 "cpu_ms": statistics.median(r["cpu_ms"] for r in runs),
                                 "runs": runs}
    where = "PostgreSQL" if args.database else "SQLite"
    print(f"{len(in_units)} people / {len(in_units) // args.people} posts / {args.towns} towns "
          f"(+ {len(flat)} people in no unit) on {where}")
    bare = results["bare"]["cpu_ms"] or float("nan")
    for name in ("summary_town", "summary_village", "snapshot_county", "snapshot_town"):
        figures = results[name]
        print(f"{name:>16}: p50 {figures['p50_ms']:7.1f} ms, server CPU {figures['cpu_ms']:7.1f} ms"
              f" ({figures['cpu_ms'] / bare:6.1f}x /healthz)")
    units, plain = results["checkin_units"], results["checkin_flat"]
    print(f"check-in in a unit: p50 {units['p50_ms']:.1f} ms, CPU {units['cpu_ms']:.2f} ms; "
          f"in none: p50 {plain['p50_ms']:.1f} ms, CPU {plain['cpu_ms']:.2f} ms; "
          f"per block (unit / none): "
          + ", ".join(f"{u['cpu_ms']:.2f}/{f['cpu_ms']:.2f}"
                      for u, f in zip(units["runs"], plain["runs"], strict=True))
          + f"; the chain adds {units['cpu_ms'] / plain['cpu_ms'] - 1:+.1%} CPU")
    print(json.dumps(results, default=str))


if __name__ == "__main__":
    main()
