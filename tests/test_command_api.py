"""The command-center pages over HTTP (who may open them, what they are told: tiles, roles, URLs)
and the fields the map relies on: a check-in message's position, a listed report's reporter."""

from __future__ import annotations

import re
import uuid
from html import unescape

import pytest
from conftest import PASSWORD, event_body
from field_support import make_duty
from live_server import serve
from live_support import MapClient

from coordinator.config import load_config

PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


@pytest.fixture
def browser_as(client, make_user):
    """The test client signed in through the login form with a fresh account of `role`."""

    def signed_in(role: str):
        username = make_user(role, f"{role}-page")
        form = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                             "csrf_token": token})
        assert answer.status_code == 302, answer.get_data(as_text=True)
        return client

    return signed_in


def page_data(html: str) -> dict[str, str]:
    """The data-* attributes of the page's #page element."""
    tag = re.search(r'<div class="cc" id="page"([^>]*)>', html).group(1)
    return {name: unescape(value) for name, value in re.findall(r'data-([\w-]+)="([^"]*)"', tag)}


def test_the_list_shows_open_responses_first_and_links_their_maps(browser_as, commander):
    closed = commander.post("/api/v1/events", json=event_body(name="6月山洪防御")).get_json()
    assert commander.post(f"/api/v1/events/{closed['id']}/close").status_code == 200
    active = commander.post("/api/v1/events", json=event_body(name="7月强降雨防御")).get_json()

    html = browser_as("inspector").get("/command/").get_data(as_text=True)

    assert "<h1>指挥大屏</h1>" in html
    assert html.index("7月强降雨防御") < html.index("6月山洪防御")
    assert f'href="/command/events/{active["id"]}"' in html
    assert "打开实时地图" in html and "复盘回放" in html


@pytest.mark.parametrize(("role", "can_dispatch"), [("commander", "true"), ("admin", "true"),
                                                    ("inspector", "false")])
def test_the_map_page_tells_the_script_what_the_role_may_do(browser_as, commander, role,
                                                            can_dispatch):
    event = commander.post("/api/v1/events", json=event_body()).get_json()

    answer = browser_as(role).get(f"/command/events/{event['id']}")

    assert answer.status_code == 200
    data = page_data(answer.get_data(as_text=True))
    assert data["can-dispatch"] == can_dispatch
    assert data["event-id"] == str(event["id"])
    assert data["snapshot-api"] == f"/api/v1/events/{event['id']}/snapshot"
    assert data["ack-api"] == "/api/v1/alerts/0/ack"
    assert data["starts-at"] == "2026-07-21T08:00:00+08:00"
    assert data["server-now"] == "2026-07-21T08:00:00+08:00"  # the test clock
    assert data["tile-url"] == "" and data["tile-coordinates"] == "wgs84"


def test_a_closed_response_opens_read_only_for_its_replay(browser_as, commander):
    event = commander.post("/api/v1/events", json=event_body()).get_json()
    commander.post(f"/api/v1/events/{event['id']}/close")

    data = page_data(browser_as("commander").get(f"/command/events/{event['id']}")
                     .get_data(as_text=True))

    assert data["can-dispatch"] == "false"
    assert data["closed-at"] == "2026-07-21T08:00:00+08:00"


def test_who_may_open_the_pages(client, browser_as, commander):
    event = commander.post("/api/v1/events", json=event_body()).get_json()

    assert client.get(f"/command/events/{event['id']}").status_code == 302  # to sign in
    assert "/login" in client.get("/command/").headers["Location"]
    signed_in = browser_as("staff")
    assert signed_in.get("/command/").status_code == 403
    assert signed_in.get(f"/command/events/{event['id']}").status_code == 403


def test_an_unknown_response_is_404(browser_as):
    assert browser_as("commander").get("/command/events/999").status_code == 404


def test_the_page_loads_nothing_from_the_internet(browser_as, commander):
    event = commander.post("/api/v1/events", json=event_body()).get_json()
    html = browser_as("commander").get(f"/command/events/{event['id']}").get_data(as_text=True)

    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/static/vendor/leaflet/leaflet.js" in sources
    assert "/static/vendor/markercluster/leaflet.markercluster.js" in sources
    assert "/static/vendor/socket.io/socket.io.min.js" in sources
    assert not [s for s in sources if s.startswith(("http:", "https:", "//"))]


def test_tiles_come_from_the_environment(tmp_path, app, browser_as, commander):
    config = load_config(str(tmp_path), environ={
        "COORDINATOR_TILE_URL": "https://webrd01.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}",
        "COORDINATOR_TILE_ATTRIBUTION": "© 高德地图",
        "COORDINATOR_TILE_COORDINATES": "GCJ-02"})
    assert config["TILE_COORDINATES"] == "gcj02"
    assert load_config(str(tmp_path), environ={})["TILE_COORDINATES"] == "wgs84"
    with pytest.raises(ValueError, match="COORDINATOR_TILE_COORDINATES"):
        load_config(str(tmp_path), environ={"COORDINATOR_TILE_COORDINATES": "bd09"})

    app.config.update({key: config[key] for key in
                       ("TILE_URL", "TILE_ATTRIBUTION", "TILE_COORDINATES")})
    event = commander.post("/api/v1/events", json=event_body()).get_json()
    data = page_data(browser_as("commander").get(f"/command/events/{event['id']}")
                     .get_data(as_text=True))
    assert data["tile-url"] == "https://webrd01.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}"
    assert data["tile-attribution"] == "© 高德地图"
    assert data["tile-coordinates"] == "gcj02"


def test_the_english_page_on_request(browser_as, commander):
    event = commander.post("/api/v1/events", json=event_body()).get_json()
    html = browser_as("commander").get(f"/command/events/{event['id']}?lang=en").get_data(
        as_text=True)

    assert '<html lang="en"' in html
    assert "Open alerts" in html and "Back to live" in html
    assert '"dispatch": "Send the nearest free person"' in html


def test_listed_reports_name_their_reporter(client, admin, commander):
    duty = make_duty(client, admin, commander)
    sent = duty.staff.post("/api/v1/reports", json={
        "client_id": str(uuid.uuid4()), "lat": 28.124, "lon": 119.951, "category": "flooding",
        "description": "路面积水 40 厘米", "photo": PNG})
    assert sent.status_code == 201, sent.get_json()

    listed = commander.get(f"/api/v1/events/{duty.event_id}/reports").get_json()

    assert listed["total"] == 1
    [report] = listed["items"]
    assert report["person_name"] == "人员0001"
    assert report["photo_url"] == f"/api/v1/reports/{report['id']}/photo"
    assert commander.get(report["photo_url"]).status_code == 200


def test_a_checkin_message_carries_the_fix_for_the_map(app, client, admin, commander):
    duty = make_duty(client, admin, commander)
    with serve(app) as url:
        watcher = MapClient(url, commander.token).connect()
        try:
            watcher.subscribe(duty.event_id)
            answer = duty.checkin(metres=30)
            assert answer.status_code == 201
            name, message = watcher.next()
        finally:
            watcher.close()
    assert name == "checkin"
    lat, lon = duty.point_at(30)
    assert (message["checkin"]["lat"], message["checkin"]["lon"]) == (pytest.approx(lat),
                                                                      pytest.approx(lon))
