"""The server as deployed (gunicorn with deploy/gunicorn.conf.py: one gevent worker), for what
only shows when one worker switches between many phones on slow networks."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests
from channel_servers import free_port
from cluster_support import GUNICORN, ROOT, ServerProcess, field_token, server_env
from field_support import make_duty


@pytest.fixture
def deployed(database_url) -> Iterator[str]:
    """gunicorn as in production, on this test run's database."""
    server = ServerProcess(server_env(database_url)).start()
    try:
        yield server.url
    finally:
        server.stop()


def checkin_body(duty) -> dict:
    return {"client_id": str(uuid.uuid4()), "kind": "check_in", "lat": duty.post["lat"],
            "lon": duty.post["lon"], "accuracy_m": 10, "assignment_id": duty.assignment_id,
            "taken_at": datetime.now(UTC).isoformat()}


def test_a_phone_slow_to_send_its_body_does_not_hold_up_other_check_ins(
        app, client, admin, commander, deployed):
    slow_duty = make_duty(client, admin, commander)
    other_duty = make_duty(client, admin, commander, phone="13800000002", post_name="东坑滑坡点",
                           event_id=slow_duty.event_id)
    host, port = deployed.removeprefix("http://").split(":")
    body = json.dumps(checkin_body(slow_duty)).encode()
    with socket.create_connection((host, int(port)), timeout=20) as slow:
        # A phone on a weak network: the headers arrive, the body is still on its way.
        slow.sendall((f"POST /api/v1/checkins HTTP/1.1\r\nHost: {host}\r\n"
                      f"Authorization: Bearer {field_token(app, slow_duty.person_id)}\r\n"
                      f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                      "Connection: close\r\n\r\n").encode())
        time.sleep(0.3)  # the worker has taken the request up and waits for its body
        other = requests.post(deployed + "/api/v1/checkins", json=checkin_body(other_duty),
                              headers={"Authorization":
                                       f"Bearer {field_token(app, other_duty.person_id)}"},
                              timeout=10)
        assert other.status_code == 201, other.text
        slow.sendall(body)
        answer = b""
        while chunk := slow.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 201"), answer[:200]
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["within_fence"] is True


def test_gunicorn_refuses_an_unsafe_production_setup_in_one_plain_line(tmp_path):
    """An operator who forgot the secret key sees why the server stopped, not a traceback."""
    env = {**os.environ, "COORDINATOR_ENV": "production", "GUNICORN_LOG_LEVEL": "warning",
           "COORDINATOR_DATABASE_URL": "sqlite:///" + str(tmp_path / "prod.db")}
    env.pop("COORDINATOR_SECRET_KEY", None)

    server = subprocess.run([str(GUNICORN), "-c", "deploy/gunicorn.conf.py",
                             "-b", f"127.0.0.1:{free_port()}", "wsgi:app"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    assert server.returncode != 0
    assert "refusing to start in production" in server.stderr
    assert "COORDINATOR_SECRET_KEY" in server.stderr
    assert "Traceback" not in server.stderr
