"""An administrator disables an account: its tokens and sessions stop at once on HTTP, and its open
live connections are closed within 5 s, on this server process or another one."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import socketio
from conftest import PASSWORD, TEST_SECRET, Api, person_body
from live_server import serve
from live_support import MapClient
from shapes import assert_error
from sqlalchemy import select
from test_auth import form_token
from test_message_queue import redis_url  # noqa: F401 (a fixture)

from coordinator import create_app, db
from coordinator.models import AuditEntry, User

CUT_WITHIN_SECONDS = 5


def account(app, client, make_user, role: str = "commander") -> tuple[int, str]:
    """A new account's id and a bearer token for it."""
    username = make_user(role, f"{role}-{uuid.uuid4().hex[:6]}")
    token = client.post("/api/v1/auth/login",
                        json={"username": username, "password": PASSWORD}).get_json()["token"]
    return user_id_of(app, username), token


def user_id_of(app, username: str) -> int:
    with app.app_context():
        return db.session().scalar(select(User.id).where(User.username == username))


def watching(url: str, token: str, event_id: int | None = None):
    """A map connected with `token` (subscribed to `event_id`), and an Event set when the server
    closes it."""
    watcher = MapClient(url, token).connect()
    closed = threading.Event()
    watcher.sio.on("disconnect", lambda *_: closed.set(), namespace="/live")
    if event_id is not None:
        assert watcher.subscribe(event_id)["ok"]
    return watcher, closed


def an_event(commander: Api) -> int:
    answer = commander.post("/api/v1/events", json={
        "name": "2026年第5号台风防御", "kind": "typhoon", "level": 2,
        "starts_at": "2026-07-21T08:00:00+08:00"})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["id"]


def test_a_disabled_accounts_token_and_session_stop_at_once(app, client, admin, make_user):
    user_id, token = account(app, client, make_user)
    browser = app.test_client()
    page = browser.get("/login")
    browser.post("/login", data={"username": make_user("commander", "desk-2"), "password": PASSWORD,
                                 "csrf_token": form_token(page.get_data(as_text=True))})
    assert browser.get("/command/").status_code == 200
    desk_id = user_id_of(app, "desk-2")
    assert Api(client, token).get("/api/v1/events").status_code == 200

    answer = admin.post(f"/api/v1/users/{user_id}/disable")
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["active"] is False
    assert admin.post(f"/api/v1/users/{desk_id}/disable").status_code == 200

    assert_error(Api(client, token).get("/api/v1/events"), 401, "unauthorized")
    assert browser.get("/command/").status_code == 302
    assert_error(browser.get("/api/v1/events"), 401, "unauthorized")
    assert_error(client.post("/api/v1/auth/login",
                             json={"username": "desk-2", "password": PASSWORD}), 401)


def test_disabling_is_audited_and_cannot_lock_out_oneself(app, client, admin, make_user):
    user_id, _ = account(app, client, make_user)
    assert admin.post(f"/api/v1/users/{user_id}/disable").status_code == 200
    again = admin.post(f"/api/v1/users/{user_id}/disable")  # already: nothing new to record
    assert again.status_code == 200 and again.get_json()["active"] is False

    with app.app_context():
        entries = db.session().scalars(select(AuditEntry).where(
            AuditEntry.entity_type == "users", AuditEntry.entity_id == str(user_id),
            AuditEntry.action == "disable")).all()
    assert len(entries) == 1
    assert (entries[0].before, entries[0].after) == ({"active": True}, {"active": False})
    assert "password_hash" not in str(entries[0].after)
    assert admin.get("/api/v1/audit/verify").get_json()["ok"] is True

    assert_error(admin.post("/api/v1/users/999999/disable"), 404, "not_found")


def test_an_admin_cannot_disable_the_account_it_uses(app, client, make_user):
    user_id, token = account(app, client, make_user, "admin")
    assert_error(Api(client, token).post(f"/api/v1/users/{user_id}/disable"), 409, "conflict")
    assert Api(client, token).get("/api/v1/events").status_code == 200


def test_a_town_admin_cannot_disable_an_account_outside_its_town(app, client, admin, make_user):
    county = admin.post("/api/v1/units", json={"name": "云岭县", "kind": "county"}).get_json()
    towns = [admin.post("/api/v1/units", json={"name": name, "kind": "town",
                                               "parent_id": county["id"]}).get_json()
             for name in ("青溪镇", "龙潭镇")]
    town_admin = Api(client, client.post("/api/v1/auth/login", json={
        "username": make_user("admin", "qingxi-admin", unit_id=towns[0]["id"]),
        "password": PASSWORD}).get_json()["token"])
    make_user("commander", "longtan-desk", unit_id=towns[1]["id"])
    other = user_id_of(app, "longtan-desk")

    assert_error(town_admin.post(f"/api/v1/users/{other}/disable"), 404, "not_found")


def test_a_disabled_accounts_map_is_closed_and_cannot_reconnect(app, client, admin, commander,
                                                               make_user):
    event_id = an_event(commander)
    user_id, token = account(app, client, make_user)
    with serve(app) as url:
        watcher, closed = watching(url, token, event_id)
        bystander, bystander_closed = watching(url, commander.token, event_id)
        try:
            started = time.monotonic()
            assert admin.post(f"/api/v1/users/{user_id}/disable").status_code == 200

            assert closed.wait(CUT_WITHIN_SECONDS), "the disabled account's map stayed open"
            assert time.monotonic() - started <= CUT_WITHIN_SECONDS
            assert not watcher.sio.connected
            with pytest.raises(socketio.exceptions.ConnectionError):
                MapClient(url, token).connect()
            assert not bystander_closed.is_set() and bystander.sio.connected
        finally:
            watcher.close()
            bystander.close()


def test_a_deactivated_persons_phone_socket_is_closed(app, client, admin, commander):
    person = admin.post("/api/v1/people", json=person_body()).get_json()
    token = commander.post("/api/v1/auth/staff-link",
                           json={"person_id": person["id"]}).get_json()["token"]
    with serve(app) as url:
        phone, closed = watching(url, token)
        try:
            assert admin.post(f"/api/v1/people/{person['id']}/deactivate").status_code == 200

            assert closed.wait(CUT_WITHIN_SECONDS), "the deactivated person's phone stayed connected"
            with pytest.raises(socketio.exceptions.ConnectionError):
                MapClient(url, token).connect()
        finally:
            phone.close()


def test_a_map_on_another_process_is_closed_too(database_url, clock, redis_url, client,  # noqa: F811
                                                 admin, commander, make_user, app):
    event_id = an_event(commander)
    user_id, token = account(app, client, make_user)
    channel = f"coordinator-test-{uuid.uuid4().hex}"
    first, second = (create_app({"DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET,
                                 "CLOCK": clock, "SOCKETIO_ASYNC_MODE": "threading",
                                 "MESSAGE_QUEUE_URL": redis_url, "SOCKETIO_CHANNEL": channel})
                     for _ in range(2))
    try:
        with serve(second) as url:
            watcher, closed = watching(url, token, event_id)
            try:
                other_admin = first.test_client()
                answer = other_admin.post(f"/api/v1/users/{user_id}/disable",
                                          headers={"Authorization": f"Bearer {admin.token}"})
                assert answer.status_code == 200, answer.get_json()

                assert closed.wait(CUT_WITHIN_SECONDS), "the map on the other process stayed open"
                with pytest.raises(socketio.exceptions.ConnectionError):
                    MapClient(url, token).connect()
            finally:
                watcher.close()
    finally:
        for process in (first, second):
            process.extensions["db"]["engine"].dispose()
