"""What an operator relies on: /metrics (off unless enabled, or asked from loopback) and its
figures moving, the request id in the answer and in the log, and `flask backup` taken while
check-ins arrive, with a restore drill on the copy."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from channel_servers import gateway  # noqa: F401
from conftest import PASSWORD, TEST_SECRET, Api
from field_support import make_duty
from live_server import serve
from live_support import MapClient
from prometheus_client.parser import text_string_to_metric_families
from shapes import assert_error

from coordinator import create_app, db, logs, migrate, unit_of_work
from coordinator.config import load_config
from coordinator.jobs import sender, sweeper
from coordinator.services import accounts

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE = "203.0.113.7"  # an address off this host (TEST-NET-3: nothing is sent to it)
GENERATED_ID = re.compile(r"[0-9a-f]{32}")


def figures(client, **kw) -> dict[tuple[str, tuple], float]:
    """/metrics parsed by Prometheus's own parser: {(sample name, labels): value}."""
    response = client.get("/metrics", **kw)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def own_app(url: str, clock, **config):
    return create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": TEST_SECRET,
                       "CLOCK": clock, "SOCKETIO_ASYNC_MODE": "threading", **config})


# --- /metrics: who may read it ------------------------------------------------------------------


def test_metrics_are_served_to_loopback_and_hidden_from_other_addresses(app, client):
    assert ("coordinator_live_clients", ()) in figures(client)  # the test client is 127.0.0.1
    assert ("coordinator_live_clients", ()) in figures(client, environ_base={"REMOTE_ADDR": "::1"})

    refused = client.get("/metrics", environ_base={"REMOTE_ADDR": OUTSIDE})

    assert_error(refused, 404, "not_found")
    assert "coordinator_" not in refused.get_data(as_text=True)


def test_coordinator_metrics_1_serves_every_address(app, client):
    assert load_config("/tmp", {})["METRICS"] is False
    assert load_config("/tmp", {"COORDINATOR_METRICS": "1"})["METRICS"] is True
    app.config["METRICS"] = True

    assert ("coordinator_live_clients", ()) in figures(client, environ_base={"REMOTE_ADDR": OUTSIDE})


def test_behind_nginx_the_forwarded_address_decides_not_nginx_s_own(database_url, clock):
    app = own_app(database_url, clock, PROXY_COUNT=1)
    client = app.test_client()
    try:
        # nginx on the same host forwards an outside caller: not loopback, though nginx is.
        through_nginx = client.get("/metrics", headers={"X-Forwarded-For": OUTSIDE})
        assert_error(through_nginx, 404, "not_found")
        # Prometheus scraping the process's own port on the host, past nginx.
        assert client.get("/metrics").status_code == 200
    finally:
        app.extensions["db"]["engine"].dispose()


# --- /metrics: the figures move -----------------------------------------------------------------


def test_the_figures_follow_checkins_alerts_the_outbox_the_sweeper_and_live_clients(
        app, client, admin, commander, clock, gateway):  # noqa: F811
    app.config["SMS_URL"] = gateway.url  # an assignment's SMS waits in the outbox for the sender
    before = figures(client)
    assert before.get(("coordinator_checkins_total", (("status", "201"),)), 0) == 0
    assert before[("coordinator_checkin_duration_seconds_count", ())] == 0
    assert before[("coordinator_open_alerts", (("kind", "hazard_report"),))] == 0
    assert before[("coordinator_outbox_backlog", (("channel", "sms"),))] == 0

    duty = make_duty(client, admin, commander)
    assert duty.checkin().status_code == 201
    assert duty.checkin(kind="presence").status_code == 201
    assert duty.checkin(lat=91).status_code == 422
    report = duty.staff.post("/api/v1/reports", json={
        "client_id": str(uuid.uuid4()), "lat": duty.post["lat"], "lon": duty.post["lon"],
        "category": "flooding", "description": "水库溢洪道水位上涨"})
    assert report.status_code == 201, report.get_json()

    after = figures(client)
    assert after[("coordinator_checkins_total", (("status", "201"),))] == 2
    assert after[("coordinator_checkins_total", (("status", "422"),))] == 1
    assert after[("coordinator_checkin_duration_seconds_count", ())] == 3
    assert after[("coordinator_checkin_duration_seconds_bucket", (("le", "+Inf"),))] == 3
    assert after[("coordinator_checkin_duration_seconds_sum", ())] > 0
    assert after[("coordinator_open_alerts", (("kind", "hazard_report"),))] == 1
    assert after[("coordinator_outbox_backlog", (("channel", "sms"),))] == 1  # the assignment's

    with app.app_context():
        assert sender.run_until_idle().sent
    gateway.wait_for(1)
    assert figures(client)[("coordinator_outbox_backlog", (("channel", "sms"),))] == 0

    clock.advance(seconds=90)
    assert figures(client)[("coordinator_sweeper_lag_seconds", ())] == 90
    with app.app_context():
        sweeper.run_once()
    assert figures(client)[("coordinator_sweeper_lag_seconds", ())] == 0

    with serve(app) as base:
        watcher = MapClient(base, commander.token).connect()
        try:
            assert figures(client)[("coordinator_live_clients", ())] == 1
        finally:
            watcher.sio.disconnect()
        deadline = time.monotonic() + 5  # the server hears the disconnect on its own thread
        while figures(client)[("coordinator_live_clients", ())] != 0:
            assert time.monotonic() < deadline, "the disconnected client is still counted"
            time.sleep(0.02)


# --- the request id and the log -----------------------------------------------------------------


def test_every_answer_carries_a_request_id_and_a_sane_one_is_kept(client):
    first = client.get("/healthz").headers["X-Request-Id"]
    second = client.get("/api/v1/events").headers["X-Request-Id"]  # a 401 carries one too
    assert GENERATED_ID.fullmatch(first) and GENERATED_ID.fullmatch(second) and first != second

    kept = client.get("/healthz", headers={"X-Request-Id": "nginx-7f3a9c:01"})
    assert kept.headers["X-Request-Id"] == "nginx-7f3a9c:01"
    for forged in ("two words", 'quote"d', "x" * 129, "ünïcode", "-leading-dash"):
        replaced = client.get("/healthz", headers={"X-Request-Id": forged}).headers["X-Request-Id"]
        assert GENERATED_ID.fullmatch(replaced), forged


def failing_route(app):
    """A view with a bug, added to the app as a test would find one: it logs, then raises."""

    def broken():
        app.logger.warning("about to read the gauge")
        logging.getLogger("coordinator.services.gauges").info("a module's own logger")
        raise RuntimeError("gauge 7 not answering")

    app.add_url_rule("/api/v1/broken", "broken", unit_of_work.outside(broken))


def test_json_log_lines_carry_the_request_id_and_an_unhandled_error(database_url, clock):
    app = own_app(database_url, clock, LOG_FORMAT="json")
    failing_route(app)
    written = io.StringIO()
    logs.handler(app).setStream(written)
    try:
        answer = app.test_client().get("/api/v1/broken", headers={"X-Request-Id": "drill-42"})
    finally:
        app.extensions["db"]["engine"].dispose()

    assert_error(answer, 500, "internal_error")
    assert answer.headers["X-Request-Id"] == "drill-42"
    lines = [json.loads(line) for line in written.getvalue().splitlines()]
    assert [(line["level"], line["message"]) for line in lines] == [
        ("WARNING", "about to read the gauge"), ("INFO", "a module's own logger"),
        ("ERROR", "unhandled error")]
    assert {line["request_id"] for line in lines} == {"drill-42"}
    assert {(line["method"], line["path"]) for line in lines} == {("GET", "/api/v1/broken")}
    assert "RuntimeError: gauge 7 not answering" in lines[-1]["exception"]
    assert lines[-1]["time"].endswith("+00:00")


def test_plain_text_in_development_json_in_production(app, client, clock):
    assert load_config("/tmp", {})["LOG_FORMAT"] == "text"
    assert load_config("/tmp", {"COORDINATOR_ENV": "production"})["LOG_FORMAT"] == "json"
    assert load_config("/tmp", {"COORDINATOR_LOG_FORMAT": "JSON"})["LOG_FORMAT"] == "json"
    with pytest.raises(ValueError, match="COORDINATOR_LOG_FORMAT"):
        load_config("/tmp", {"COORDINATOR_LOG_FORMAT": "xml"})

    failing_route(app)
    written = io.StringIO()
    logs.handler(app).setStream(written)
    answer = client.get("/api/v1/broken")

    request_id = answer.headers["X-Request-Id"]
    lines = written.getvalue().splitlines()
    assert f"WARNING [{request_id}] coordinator: about to read the gauge" in lines[0]
    assert f"ERROR [{request_id}] coordinator: unhandled error" in written.getvalue()
    assert "RuntimeError: gauge 7 not answering" in written.getvalue()


# --- backup and the restore drill ---------------------------------------------------------------


def signed_in(client, role: str) -> Api:
    app = client.application
    with app.app_context():
        session = db.session()
        accounts.create_user(session, f"{role}-drill", role, PASSWORD,
                             at=app.extensions["clock"].now())
        unit_of_work.commit(session)
    response = client.post("/api/v1/auth/login", json={"username": f"{role}-drill",
                                                       "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return Api(client, response.get_json()["token"])


def run_flask(database_url: str, *args: str) -> subprocess.CompletedProcess:
    """A command as the operator runs it: another process beside the running server."""
    env = {**os.environ, "COORDINATOR_DATABASE_URL": database_url,
           "COORDINATOR_SECRET_KEY": TEST_SECRET}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "coordinator", *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_backup_while_checkins_arrive_then_restore_the_copy(tmp_path, clock):
    live_url = "sqlite:///" + str(tmp_path / "live.db")
    copy = tmp_path / "backup" / "coordinator-2026-07-21.db"
    copy.parent.mkdir()
    # One phone sends far more than a person would: the per-person check-in limit stands aside.
    app = own_app(live_url, clock, CHECKIN_RATE_BURST=1_000_000)
    migrate.upgrade(app.extensions["db"]["engine"])
    client = app.test_client()
    duty = make_duty(client, signed_in(client, "admin"), signed_in(client, "commander"))
    answered: list[tuple[dict, dict]] = []
    failures: list[str] = []
    enough, stop = threading.Event(), threading.Event()

    def phone(base: str) -> None:
        """Check-ins one after another over HTTP, as a phone sends its queue."""
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {duty.staff.token}"
            for number in range(5000):
                if stop.is_set():
                    return
                lat, lon = duty.point_at(number % 60, bearing=number % 360)
                body = {"client_id": str(uuid.uuid4()), "kind": "presence", "lat": lat,
                        "lon": lon, "accuracy_m": 5 + number % 20,
                        "taken_at": "2026-07-21T08:00:00+08:00"}
                response = http.post(f"{base}/api/v1/checkins", json=body, timeout=30)
                if response.status_code != 201:
                    failures.append(f"{response.status_code} {response.text[:200]}")
                    return
                answered.append((body, response.json()))
                if len(answered) >= 25:
                    enough.set()
        enough.set()

    try:
        with serve(app) as base:
            writer = threading.Thread(target=phone, args=(base,), daemon=True)
            writer.start()
            try:
                assert enough.wait(60) and not failures, failures
                before = list(answered)
                backed_up = run_flask(live_url, "backup", str(copy))
                during = len(answered)
            finally:
                stop.set()
                writer.join(30)
        assert not failures, failures
        assert backed_up.returncode == 0, backed_up.stderr
        assert "the copy's check is ok" in backed_up.stdout
        assert during > len(before)  # check-ins were answered while the backup ran
        assert not list(copy.parent.glob(".*partial"))
    finally:
        app.extensions["db"]["engine"].dispose()

    # The restore drill: the copy alone (no -wal beside it) is a whole, sound database ...
    assert sorted(path.name for path in copy.parent.iterdir()) == [copy.name]
    with sqlite3.connect(copy) as checked:
        assert checked.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    restored = own_app("sqlite:///" + str(copy), clock)
    try:
        commands = restored.test_cli_runner()
        assert commands.invoke(args=["init-db"]).exit_code == 0  # at the newest revision already
        verified = commands.invoke(args=["verify-audit"])
        assert verified.exit_code == 0 and "audit chain ok" in verified.output, verified.output
        # ... and the app started on it knows every check-in answered before the backup began:
        # the phone resending one gets the first answer back (200), not a new check-in.
        phone_again = Api(restored.test_client(), duty.staff.token)
        for body, first_answer in before:
            replay = phone_again.post("/api/v1/checkins", json=body)
            assert (replay.status_code, replay.get_json()) == (200, first_answer)
    finally:
        restored.extensions["db"]["engine"].dispose()


def test_backup_on_postgresql_says_to_use_pg_dump(tmp_path):
    target = tmp_path / "coordinator.db"

    # No PostgreSQL server is asked anything: the command knows from the URL.
    result = run_flask("postgresql+psycopg://coordinator@127.0.0.1:9/coordinator",
                       "backup", str(target))

    assert result.returncode != 0
    assert "pg_dump" in result.stderr
    assert not target.exists()


def test_backup_refuses_to_write_over_the_live_database(tmp_path, clock):
    live = tmp_path / "live.db"
    app = own_app(f"sqlite:///{live}", clock)
    try:
        migrate.upgrade(app.extensions["db"]["engine"])
        result = app.test_cli_runner().invoke(args=["backup", str(live)])
    finally:
        app.extensions["db"]["engine"].dispose()

    assert result.exit_code != 0
    assert "live database" in result.output
    with sqlite3.connect(live) as checked:
        assert checked.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
