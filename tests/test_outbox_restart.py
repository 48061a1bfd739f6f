"""The outbox survives its server: a notification still pending when gunicorn is killed (-9) is
delivered by the next server, and one already delivered is never sent again; a sender that dies
between taking a row and writing its result leaves the row to the next sender."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import timedelta

import pytest
import requests
from channel_servers import CapturingGateway
from conftest import PASSWORD, TEST_SECRET, person_body
from county_support import created
from test_deployed_server import GUNICORN, ROOT, free_port

from coordinator import db, unit_of_work
from coordinator.models import Notification
from coordinator.services import outbox


def start_server(database_url: str, port: int, sms_url: str) -> subprocess.Popen:
    env = {**os.environ, "COORDINATOR_DATABASE_URL": database_url,
           "COORDINATOR_SECRET_KEY": TEST_SECRET, "GUNICORN_LOG_LEVEL": "warning",
           "COORDINATOR_SMS_URL": sms_url, "COORDINATOR_SEND_INTERVAL_SECONDS": "0.5"}
    server = subprocess.Popen([str(GUNICORN), "-c", "deploy/gunicorn.conf.py",
                               "-b", f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except requests.RequestException:  # not listening yet
            assert server.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.1)


def statuses(app) -> dict[str, int]:
    with app.app_context():
        rows = db.session().query(Notification.status).filter(Notification.channel == "sms")
        found: dict[str, int] = {}
        for (status,) in rows:
            found[status] = found.get(status, 0) + 1
        return found


def wait_until(app, wanted: dict[str, int]) -> None:
    """Until the server has written the sender's results (it settles after delivering)."""
    deadline = time.monotonic() + 30
    while statuses(app) != wanted:
        assert time.monotonic() < deadline, statuses(app)
        time.sleep(0.05)


def test_a_pending_sms_is_sent_after_a_kill_and_a_sent_one_never_again(app, admin, make_user,
                                                                       database_url):
    people = [created(admin.post("/api/v1/people", json=person_body(
        name=f"值守{i}", phone=f"1370000000{i}"))) for i in range(4)]
    make_user("commander", "restart-commander")
    port = free_port()
    with CapturingGateway() as gateway:
        server = start_server(database_url, port, gateway.url)
        try:
            base = f"http://127.0.0.1:{port}"
            token = requests.post(base + "/api/v1/auth/login", json={
                "username": "restart-commander", "password": PASSWORD}, timeout=10).json()["token"]
            headers = {"Authorization": f"Bearer {token}"}

            def call(message, person_ids):
                response = requests.post(base + "/api/v1/calls", headers=headers, timeout=10,
                                         json={"message": message,
                                               "targets": {"person_ids": person_ids}})
                assert response.status_code == 201, response.text

            call("第一次叫应", [people[0]["id"]])
            gateway.wait_for(1)  # delivered by the server's sender at once
            gateway.fail_next(3)
            call("第二次叫应", [p["id"] for p in people[1:]])
            gateway.wait_for(4)  # three refused: pending, waiting for their backoff
            wait_until(app, {"sent": 1, "pending": 3})
            server.send_signal(signal.SIGKILL)
            server.wait(timeout=30)

            server = start_server(database_url, port, gateway.url)
            got = gateway.wait_for(7, timeout=60)
            wait_until(app, {"sent": 4})
        finally:
            server.terminate()
            server.wait(timeout=30)
    texts = [(r.json["phone"], r.json["text"]) for r in got]
    first = [t for t in texts if "第一次叫应" in t[1]]
    assert first == [(people[0]["phone"], first[0][1])]  # once, never again
    second = sorted(phone for phone, text in texts[4:] if "第二次叫应" in text)
    assert second == sorted(p["phone"] for p in people[1:])


def test_a_row_taken_by_a_sender_that_died_is_taken_again_when_its_lease_ends(
        app, admin, commander, clock):
    person = created(admin.post("/api/v1/people", json=person_body()))
    app.config["SMS_URL"] = "http://127.0.0.1:9/send"
    created(commander.post("/api/v1/calls", json={"message": "请回复",
                                                    "targets": {"person_ids": [person["id"]]}}))
    with app.app_context():
        with unit_of_work.job() as session:
            taken = outbox.claim(session, clock.now(), 10)
        assert [row.channel for row in taken] == ["sms"]
        # ... and the sender died before writing what happened.
        with unit_of_work.job() as session:
            assert outbox.claim(session, clock.now() + timedelta(minutes=1), 10) == []
        with unit_of_work.job() as session:
            again = outbox.claim(session, clock.now() + outbox.LEASE, 10)
        assert [(row.id, row.attempts) for row in again] == [(taken[0].id, 2)]


@pytest.fixture(autouse=True)
def _no_leftover_channels(app):
    yield
    app.config["SMS_URL"] = ""
