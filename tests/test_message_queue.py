"""Several server processes joined by Redis: a change made in one reaches maps on another."""

from __future__ import annotations

import os
import uuid

import pytest
from conftest import TEST_SECRET, skip_or_fail
from field_support import make_duty
from live_server import serve
from live_support import MapClient

from coordinator import create_app

REDIS_URL = os.environ.get("COORDINATOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError as error:
        skip_or_fail(f"Redis at {REDIS_URL} does not answer: {error}")
    return REDIS_URL


def process(database_url, clock, redis_url, channel):
    return create_app({"DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET, "CLOCK": clock,
                       "SOCKETIO_ASYNC_MODE": "threading", "MESSAGE_QUEUE_URL": redis_url,
                       "SOCKETIO_CHANNEL": channel})


def test_a_check_in_on_one_process_reaches_a_map_on_another(database_url, clock, redis_url,
                                                            client, admin, commander):
    duty = make_duty(client, admin, commander)
    channel = f"coordinator-test-{uuid.uuid4().hex}"
    first, second = (process(database_url, clock, redis_url, channel) for _ in range(2))
    try:
        with serve(second) as url:
            watcher = MapClient(url, commander.token).connect()
            try:
                ack = watcher.subscribe(duty.event_id)
                answer = first.test_client().post(
                    "/api/v1/checkins", headers={"Authorization": f"Bearer {duty.staff.token}"},
                    json={"client_id": str(uuid.uuid4()), "kind": "check_in",
                          "lat": duty.post["lat"], "lon": duty.post["lon"], "accuracy_m": 5,
                          "taken_at": "2026-07-21T08:00:00+08:00"})
                assert answer.status_code == 201
                (name, message), (name2, status) = watcher.take(2, timeout=10)
                assert (name, name2) == ("checkin", "post_status")
                assert message["checkin"]["id"] == answer.get_json()["id"]
                assert [message["seq"], status["seq"]] == [ack["seq"] + 1, ack["seq"] + 2]
            finally:
                watcher.close()
    finally:
        for app in (first, second):
            app.extensions["db"]["engine"].dispose()


def test_readiness_checks_the_message_queue(database_url, clock, redis_url):
    app = process(database_url, clock, redis_url, "coordinator-test-ready")
    assert app.test_client().get("/readyz").get_json()["checks"]["message_queue"] == "ok"
    app.extensions["db"]["engine"].dispose()


def test_a_message_another_process_sent_first_arrives_first(database_url, clock, redis_url,
                                                             client, admin, commander):
    """A process's own messages wait their turn on the channel: when its listener is still
    reading what other processes sent before, its own map clients get those first."""
    import json

    import redis

    duty = make_duty(client, admin, commander)
    channel = f"coordinator-test-{uuid.uuid4().hex}"
    app = process(database_url, clock, redis_url, channel)
    other_process = redis.Redis.from_url(redis_url)
    try:
        with serve(app) as url:
            watcher = MapClient(url, commander.token).connect()
            try:
                watcher.subscribe(duty.event_id)
                backlog = other_process.pipeline(transaction=False)
                for number in range(30_000):  # what other processes said to rooms nobody is in here
                    backlog.publish(channel, json.dumps({"method": "noop", "n": number}))
                backlog.publish(channel, json.dumps({
                    "method": "emit", "event": "alert", "data": [{"sent": "first"}],
                    "binary": False, "namespace": "/live", "room": f"event:{duty.event_id}",
                    "skip_sid": None, "callback": None, "host_id": "another-process"}))
                backlog.execute()
                answer = app.test_client().post(
                    "/api/v1/checkins", headers={"Authorization": f"Bearer {duty.staff.token}"},
                    json={"client_id": str(uuid.uuid4()), "kind": "check_in",
                          "lat": duty.post["lat"], "lon": duty.post["lon"], "accuracy_m": 5,
                          "taken_at": "2026-07-21T08:00:00+08:00"})
                assert answer.status_code == 201
                names = [name for name, _ in watcher.take(3, timeout=20)]
                assert names == ["alert", "checkin", "post_status"]
            finally:
                watcher.close()
    finally:
        other_process.close()
        app.extensions["db"]["engine"].dispose()
