"""Live state over Socket.IO (API.md "Live state"): auth, origin, subscribe, ordered messages."""

from __future__ import annotations

import queue
import threading
import uuid

import pytest
import requests
import socketio
from field_support import make_duty
from live_server import serve
from live_support import MapClient


@pytest.fixture
def server(app):
    with serve(app) as url:
        yield url


@pytest.fixture
def duty(client, admin, commander):
    return make_duty(client, admin, commander)


@pytest.fixture
def map_client(server, commander):
    client = MapClient(server, commander.token).connect()
    yield client
    client.close()


def test_connection_without_auth_is_refused(server):
    with pytest.raises(socketio.exceptions.ConnectionError):
        MapClient(server).connect(transports=("polling",))


def test_connection_with_a_bad_token_is_refused(server):
    with pytest.raises(socketio.exceptions.ConnectionError):
        MapClient(server, "forged-token").connect(transports=("polling",))


def handshake(url: str, origin: str | None) -> int:
    """The status of Engine.IO's opening request from a page at `origin`."""
    headers = {"Origin": origin} if origin else {}
    return requests.get(f"{url}/socket.io/?EIO=4&transport=polling", headers=headers,
                        timeout=5).status_code


def test_a_foreign_origin_is_refused(server):
    assert handshake(server, "http://evil.example") == 400
    assert handshake(server, server) == 200


def test_same_origin_connection_is_accepted(server, commander):
    # websocket-client sends the server's own origin, as a page served by the server would
    client = MapClient(server, commander.token).connect()
    assert client.sio.connected
    client.close()


def test_configured_origins_are_accepted_and_others_refused(database_url, clock):
    from conftest import TEST_SECRET

    from coordinator import create_app

    other = create_app({"DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET, "CLOCK": clock,
                        "SOCKETIO_ASYNC_MODE": "threading",
                        "CORS_ALLOWED_ORIGINS": ["https://map.example.gov.cn"]})
    with serve(other) as url:
        assert handshake(url, "https://map.example.gov.cn") == 200
        assert handshake(url, "https://evil.example") == 400
    other.extensions["db"]["engine"].dispose()


def test_staff_cannot_subscribe_to_an_event(server, duty):
    phone = MapClient(server, duty.staff.token).connect()
    try:
        ack = phone.subscribe(duty.event_id)
        assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
    finally:
        phone.close()


def test_subscribe_to_an_unknown_event_is_refused(map_client):
    assert map_client.subscribe(999)["error"]["code"] == "not_found"
    assert map_client.subscribe("1")["error"]["code"] == "validation_error"
    for beyond in (0, 2**31, 2**63, 10**30):
        assert map_client.subscribe(beyond)["error"]["code"] == "validation_error"
    ack = map_client.sio.call("subscribe", ("a", "b"), namespace="/live", timeout=5)
    assert ack["error"]["code"] == "validation_error"


def test_a_token_that_is_not_even_ascii_is_refused_like_a_bad_one(server):
    client = MapClient(server, "\ud800")
    reasons = []
    client.sio.on("connect_error", reasons.append, namespace="/live")
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(transports=("polling",))
    assert reasons and "unauthorized" in str(reasons[0]), reasons  # not a server error


def test_a_check_in_arrives_as_checkin_then_post_status_with_consecutive_seq(map_client, duty,
                                                                           commander):
    ack = map_client.subscribe(duty.event_id)
    assert ack["ok"] is True
    snapshot = commander.get(f"/api/v1/events/{duty.event_id}/snapshot").get_json()
    assert ack["seq"] == snapshot["seq"]
    [post] = snapshot["posts"]
    assert (post["status"], post["required"], post["present"]) == ("empty", 1, 0)

    answer = duty.checkin(metres=10).get_json()
    (first, checkin), (second, status) = map_client.take(2)
    assert (first, second) == ("checkin", "post_status")
    assert checkin["seq"] == ack["seq"] + 1 and status["seq"] == ack["seq"] + 2
    assert checkin["event_id"] == status["event_id"] == duty.event_id
    assert checkin["checkin"]["id"] == answer["id"]
    assert checkin["person"] == {"id": duty.person_id, "name": "人员0001"}
    assert status == {"event_id": duty.event_id, "seq": ack["seq"] + 2,
                      "post_id": duty.post["id"], "required": 1, "present": 1, "status": "full"}
    after = commander.get(f"/api/v1/events/{duty.event_id}/snapshot").get_json()
    assert after["seq"] == ack["seq"] + 2
    assert after["posts"][0]["status"] == "full"
    assert after["staff"][0]["on_duty"] is True


def test_a_second_check_in_that_changes_nothing_sends_no_post_status(map_client, duty):
    map_client.subscribe(duty.event_id)
    duty.checkin()
    map_client.take(2)
    duty.checkin(kind="presence")
    name, message = map_client.next()
    assert name == "checkin"
    with pytest.raises(queue.Empty):  # no post_status follows
        map_client.next(timeout=0.5)


def test_assignment_reaches_the_map_and_the_persons_phone(server, map_client, duty, commander,
                                                          admin):
    phone = MapClient(server, duty.staff.token).connect()
    try:
        map_client.subscribe(duty.event_id)
        removed = commander.delete(f"/api/v1/assignments/{duty.assignment_id}")
        assert removed.status_code == 200
        name, message = map_client.next()
        assert name == "assignment" and message["action"] == "removed"
        on_phone = phone.next()
        assert on_phone[0] == "assignment"
        assert on_phone[1]["assignment"]["id"] == duty.assignment_id
    finally:
        phone.close()


def test_concurrent_check_ins_keep_seq_gap_free(server, map_client, client, admin, commander):
    duties = [make_duty(client, admin, commander, phone=f"1380000{i:04d}",
                        post_name=f"点位{i}") for i in range(6)]
    event_ids = {d.event_id for d in duties}
    for event_id in event_ids:
        map_client.subscribe(event_id)

    def check_in(duty):
        for kind in ("check_in", "presence", "presence"):
            response = requests.post(f"{server}/api/v1/checkins", timeout=10, json={
                "client_id": str(uuid.uuid4()), "kind": kind, "lat": duty.post["lat"],
                "lon": duty.post["lon"], "accuracy_m": 5 + len(kind),
                "taken_at": "2026-07-21T08:00:00+08:00"},
                headers={"Authorization": f"Bearer {duty.staff.token}"})
            assert response.status_code == 201, response.text

    threads = [threading.Thread(target=check_in, args=(d,)) for d in duties]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Each duty: 3 checkin messages and one post_status (empty -> full).
    messages = map_client.take(len(duties) * 4)
    by_event = {}
    for _, message in messages:
        by_event.setdefault(message["event_id"], []).append(message["seq"])
    for seqs in by_event.values():
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), seqs
