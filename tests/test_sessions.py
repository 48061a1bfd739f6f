"""Browser sessions end: an account's after 30 minutes unused (an open live map is use) and 12
hours after signing in; a phone's when its staff link would; bearer tokens at `expires_at`, on
HTTP and on the live socket alike."""

from __future__ import annotations

import threading
import time

import pytest
import socketio
from conftest import PASSWORD, Api, person_body
from live_server import serve
from live_support import MapClient
from shapes import assert_error
from test_auth import form_token

from coordinator.config import load_config
from coordinator.realtime import access

TIMED_OUT = "登录已超时，请重新登录。"


def signed_in_browser(app, make_user, role: str = "commander"):
    username = make_user(role, f"{role}-desk")
    browser = app.test_client()
    page = browser.get("/login")
    answer = browser.post("/login", data={"username": username, "password": PASSWORD,
                                          "csrf_token": form_token(page.get_data(as_text=True))})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return browser


def assert_sent_to_sign_in_again(browser, path: str = "/command/") -> None:
    page = browser.get(path)
    assert page.status_code == 302
    assert page.headers["Location"].startswith("/login?")
    assert "expired=1" in page.headers["Location"]
    assert f"next={path}" in page.headers["Location"]
    login = browser.get(page.headers["Location"])
    assert TIMED_OUT in login.get_data(as_text=True)


def until(condition, timeout: float = 5.0) -> None:
    """Wait for something the server does on its own thread (a socket's goodbye)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the server did not get there in time"
        time.sleep(0.02)


def test_defaults_and_environment_variables():
    defaults = load_config("/tmp")
    assert (defaults["SESSION_IDLE_MINUTES"], defaults["SESSION_MAX_HOURS"]) == (30, 12)
    assert defaults["ACCESS_CHECK_SECONDS"] <= 5
    custom = load_config("/tmp", {"COORDINATOR_SESSION_IDLE_MINUTES": "15",
                                  "COORDINATOR_SESSION_MAX_HOURS": "8"})
    assert (custom["SESSION_IDLE_MINUTES"], custom["SESSION_MAX_HOURS"]) == (15, 8)


def test_an_unused_desk_session_ends_after_30_minutes_and_says_so(app, make_user, clock):
    browser = signed_in_browser(app, make_user)
    for _ in range(4):  # used every 29 minutes: two hours and still signed in
        clock.advance(minutes=29)
        assert browser.get("/command/").status_code == 200

    clock.advance(minutes=30)

    assert_sent_to_sign_in_again(browser)
    assert browser.get("/command/").status_code == 302  # the session is gone, not just refused


def test_the_api_answers_401_in_its_error_shape_after_the_timeout(app, make_user, clock):
    browser = signed_in_browser(app, make_user)
    assert browser.get("/api/v1/events").status_code == 200

    clock.advance(minutes=31)

    error = assert_error(browser.get("/api/v1/events"), 401, "unauthorized")
    assert "timed out" in error["message"]


def test_a_used_session_still_ends_12_hours_after_signing_in(app, make_user, clock):
    browser = signed_in_browser(app, make_user)
    for _ in range(23):  # every 29 minutes: 11 h 07 min
        clock.advance(minutes=29)
        assert browser.get("/command/").status_code == 200
    clock.advance(minutes=29)
    assert browser.get("/command/").status_code == 200  # 11 h 36 min
    clock.advance(minutes=24)  # 12 h

    assert_sent_to_sign_in_again(browser)


def test_signing_in_again_after_a_timeout_starts_a_fresh_session(app, make_user, clock):
    browser = signed_in_browser(app, make_user)
    clock.advance(hours=3)
    assert browser.get("/command/").status_code == 302
    page = browser.get("/login")
    browser.post("/login", data={"username": "commander-desk", "password": PASSWORD,
                                 "csrf_token": form_token(page.get_data(as_text=True))})
    assert browser.get("/command/").status_code == 200


def test_an_open_live_map_keeps_its_session_in_use(app, make_user, clock):
    browser = signed_in_browser(app, make_user)
    cookie = f"session={browser.get_cookie('session').value}"
    with serve(app) as url:
        watcher = MapClient(url, headers={"Cookie": cookie}).connect()
        try:
            clock.advance(hours=2)  # a quiet night in front of the map: no request at all
            assert browser.get("/command/").status_code == 200
            clock.advance(hours=1)
        finally:
            watcher.close()
        until(lambda: not app.extensions.get("live_clients"))

    clock.advance(minutes=29)  # unused since the map closed, not since the last request
    assert browser.get("/command/").status_code == 200
    clock.advance(minutes=31)
    assert_sent_to_sign_in_again(browser)


def test_a_timed_out_session_cannot_open_the_live_socket(app, make_user, clock):
    browser = signed_in_browser(app, make_user)
    cookie = f"session={browser.get_cookie('session').value}"
    clock.advance(minutes=31)
    with serve(app) as url:
        with pytest.raises(socketio.exceptions.ConnectionError):
            MapClient(url, headers={"Cookie": cookie}).connect()


def test_a_phone_in_a_pocket_stays_signed_in_until_its_link_would_end(app, admin, commander,
                                                                     clock):
    person = admin.post("/api/v1/people", json=person_body()).get_json()
    url = commander.post("/api/v1/auth/staff-link", json={"person_id": person["id"]}).get_json()["url"]
    phone = app.test_client()
    assert phone.get(url).status_code == 302

    clock.advance(hours=10)  # no request for a whole shift, then the offline queue goes out
    assert phone.get("/api/v1/me/assignments").status_code == 200

    clock.advance(hours=app.config["STAFF_LINK_TTL_HOURS"] - 10)
    assert_error(phone.get("/api/v1/me/assignments"), 401, "unauthorized")


def test_an_open_socket_is_cut_when_its_bearer_token_expires(app, make_user, client, clock):
    app.config["ACCESS_CHECK_SECONDS"] = 0.1
    username = make_user("commander", "night-desk")
    answer = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    token = answer.get_json()["token"]
    with serve(app) as url:
        watcher = MapClient(url, token).connect()
        gone = threading.Event()
        watcher.sio.on("disconnect", lambda *_: gone.set(), namespace="/live")
        try:
            clock.advance(hours=app.config["TOKEN_TTL_HOURS"], minutes=-1)
            assert access.cut_ended(app) == 0  # a minute left: still valid
            clock.advance(minutes=1)

            assert gone.wait(5), "the socket stayed open after its token expired"
            assert_error(Api(client, token).get("/api/v1/events"), 401, "unauthorized")
            with pytest.raises(socketio.exceptions.ConnectionError):
                MapClient(url, token).connect()
        finally:
            watcher.close()


def test_time_without_requests_does_not_end_a_bearer_token(app, make_user, client, clock):
    username = make_user("commander", "script")
    token = client.post("/api/v1/auth/login",
                        json={"username": username, "password": PASSWORD}).get_json()["token"]
    clock.advance(hours=app.config["TOKEN_TTL_HOURS"], seconds=-1)
    assert Api(client, token).get("/api/v1/events").status_code == 200
