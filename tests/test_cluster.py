"""Two gunicorn processes on PostgreSQL, joined by Redis, behind Debian's nginx (ip_hash), as
deploy/ puts them: they act as one — check-ins posted to either reach maps on both in `seq`
order, and killing a process loses nothing: nginx sends on to the other, and a map that was on
the dead one reconnects there and resyncs from the snapshot."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import requests
from cluster_support import cluster, field_token
from conftest import PASSWORD, START
from field_support import make_duty
from live_support import MapClient
from postgres_support import pg_app, postgres_url, signed_in  # noqa: F401
from sqlalchemy import func, select
from test_message_queue import redis_url  # noqa: F401

from coordinator import db, unit_of_work
from coordinator.models import CheckIn
from coordinator.services import accounts


def account(app, role: str) -> str:
    username = f"{role}-{uuid.uuid4().hex[:6]}"
    with app.app_context():
        session = db.session()
        accounts.create_user(session, username, role, PASSWORD, at=START)
        unit_of_work.commit(session)
    return username


def wall_clock_token(url: str, username: str) -> str:
    """Signed in at the server, which runs on the system clock."""
    answer = requests.post(url + "/api/v1/auth/login",
                           json={"username": username, "password": PASSWORD}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def check_in(url: str, token: str, duty, kind: str = "presence") -> dict:
    answer = requests.post(url + "/api/v1/checkins", headers={"Authorization": f"Bearer {token}"},
                           json={"client_id": str(uuid.uuid4()), "kind": kind,
                                 "lat": duty.post["lat"], "lon": duty.post["lon"],
                                 "accuracy_m": 10, "taken_at": datetime.now(UTC).isoformat()},
                           timeout=20)
    assert answer.status_code == 201, answer.text
    return answer.json()


def seqs_until(watcher: MapClient, checkin_ids: set[int]) -> list[int]:
    """The seq of every message until the map has seen all these check-ins."""
    seqs, missing = [], set(checkin_ids)
    while missing:
        name, message = watcher.next(timeout=15)
        seqs.append(message["seq"])
        if name == "checkin":
            missing.discard(message["checkin"]["id"])
    return seqs


def test_two_processes_behind_nginx_are_one_service_and_survive_a_kill(
        pg_app, postgres_url, redis_url, tmp_path):  # noqa: F811
    client = pg_app.test_client()
    now = datetime.now(UTC)
    admin, commander = signed_in(pg_app, "admin"), signed_in(pg_app, "commander")
    duty = make_duty(client, admin, commander, starts_at=(now - timedelta(hours=1)).isoformat(),
                     ends_at=(now + timedelta(hours=8)).isoformat())
    staff = field_token(pg_app, duty.person_id)
    watcher_name = account(pg_app, "commander")

    with cluster(postgres_url, tmp_path, processes=2, redis_url=redis_url,
                 COORDINATOR_SOCKETIO_CHANNEL=f"coordinator-test-{uuid.uuid4().hex}") as site:
        first, second = site.servers
        token = wall_clock_token(site.url, watcher_name)
        maps = [MapClient(server.url, token).connect() for server in site.servers]
        try:
            acks = [m.subscribe(duty.event_id)["seq"] for m in maps]
            posted = {check_in(server.url, staff, duty, kind)["id"]
                      for server, kind in ((first, "check_in"), (second, "presence"),
                                           (first, "presence"), (second, "presence"))}
            posted.add(check_in(site.url, staff, duty)["id"])
            seen = [seqs_until(m, posted) for m in maps]
            for ack, seqs in zip(acks, seen, strict=True):
                assert seqs == list(range(ack + 1, ack + 1 + len(seqs)))  # every one, in order
            assert seen[0] == seen[1]

            # kill -9 the process nginx sends this address to; nginx goes on to the other
            chosen = requests.get(site.url + "/healthz", timeout=5).headers["X-Upstream"]
            victim = first if chosen.endswith(f":{first.port}") else second
            survivor = second if victim is first else first
            victim.kill()
            after_kill = check_in(site.url, staff, duty)["id"]

            orphan = maps[site.servers.index(victim)]
            orphan.close()
            resynced = MapClient(site.url, token).connect()
            maps.append(resynced)
            resumed_at = resynced.subscribe(duty.event_id)["seq"]
            snapshot = requests.get(f"{site.url}/api/v1/events/{duty.event_id}/snapshot",
                                    headers={"Authorization": f"Bearer {token}"}, timeout=10)
            assert snapshot.status_code == 200
            assert snapshot.headers["X-Upstream"].endswith(f":{survivor.port}")
            assert resumed_at >= max(seen[0]) + 2  # the check-in after the kill and its status
            later = check_in(site.url, staff, duty)["id"]
            assert seqs_until(resynced, {later})[0] == resumed_at + 1
        finally:
            for m in maps:
                m.close()

    with pg_app.app_context():
        stored = set(db.session().scalars(select(CheckIn.id)))
        assert db.session().scalar(select(func.count()).select_from(CheckIn)) == len(stored)
    assert posted | {after_kill, later} <= stored
