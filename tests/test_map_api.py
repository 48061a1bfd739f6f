"""Map endpoints beside the contract: replay (复盘), the post drawer, reports, dispatch."""

from __future__ import annotations

import base64
import uuid

import pytest
from conftest import person_body
from field_support import make_duty

from coordinator.jobs.sweeper import run_once

PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082")).decode()


@pytest.fixture
def duty(client, admin, commander):
    return make_duty(client, admin, commander)


def test_replay_shows_the_state_as_it_was(commander, duty, clock):
    before = clock.now()
    clock.advance(minutes=5)
    duty.checkin(taken_at=clock.now())
    url = f"/api/v1/events/{duty.event_id}/replay"
    then = commander.get(url, query_string={"at": before.isoformat()}).get_json()
    now = commander.get(url, query_string={"at": clock.now().isoformat()}).get_json()
    assert then["posts"][0]["status"] == "empty" and then["staff"][0]["on_duty"] is False
    assert now["posts"][0]["status"] == "full" and now["staff"][0]["on_duty"] is True
    assert commander.get(url).status_code == 422  # `at` is required
    assert commander.get(url, query_string={"at": "noon"}).status_code == 422


def test_replay_shows_alerts_open_at_that_moment(app, commander, duty, clock):
    clock.advance(minutes=16)
    with app.app_context():
        run_once()
    raised = clock.now()
    clock.advance(minutes=1)
    duty.checkin(taken_at=clock.now())
    with app.app_context():
        run_once()
    url = f"/api/v1/events/{duty.event_id}/replay"
    assert len(commander.get(url, query_string={"at": raised.isoformat()})
               .get_json()["alerts"]) == 2
    assert commander.get(url, query_string={"at": clock.now().isoformat()}).get_json()[
        "alerts"] == []


def test_post_drawer_lists_shifts_people_and_handover_notes(commander, duty, clock):
    duty.staff.post(f"/api/v1/assignments/{duty.assignment_id}/ack")
    duty.checkin(taken_at=clock.now())
    clock.advance(hours=11)
    duty.checkin(kind="check_out", taken_at=clock.now(), note="水位正常，已交接")
    drawer = commander.get(f"/api/v1/events/{duty.event_id}/posts/{duty.post['id']}").get_json()
    assert drawer["post"]["name"] == "石门水库"
    [shift] = drawer["shifts"]
    [person] = shift["assignments"]
    assert person["acknowledged_at"] and person["on_duty"] is False
    assert [c["kind"] for c in drawer["checkins"]] == ["check_out", "check_in"]
    assert drawer["checkins"][0]["note"] == "水位正常，已交接"
    assert commander.get(f"/api/v1/events/{duty.event_id}/posts/999").status_code == 404


def test_reports_are_listed_with_their_photo(commander, duty):
    sent = duty.staff.post("/api/v1/reports", json={
        "client_id": str(uuid.uuid4()), "lat": 28.12, "lon": 119.95, "category": "landslide",
        "description": "后山有落石", "photo": PNG})
    assert sent.status_code == 201 and sent.get_json()["has_photo"] is True
    listed = commander.get(f"/api/v1/events/{duty.event_id}/reports").get_json()
    assert listed["total"] == 1
    photo = commander.get(listed["items"][0]["photo_url"])
    assert photo.status_code == 200 and photo.mimetype == "image/png"


def test_nearest_free_person_is_sent_for_a_missed_check_in(app, admin, commander, duty, clock):
    near = admin.post("/api/v1/people", json=person_body(
        name="李近", phone="13700000001", home_lat=duty.post["lat"] + 0.001,
        home_lon=duty.post["lon"])).get_json()
    admin.post("/api/v1/people", json=person_body(
        name="王远", phone="13700000002", home_lat=duty.post["lat"] + 0.1,
        home_lon=duty.post["lon"]))
    candidates = commander.get(f"/api/v1/shifts/{duty.shift_id}/candidates").get_json()
    assert candidates["items"][0]["name"] == "李近"
    assert duty.person_id not in [c["person_id"] for c in candidates["items"]]  # already on it
    clock.advance(minutes=16)
    with app.app_context():
        run_once()
    alerts = commander.get(f"/api/v1/events/{duty.event_id}/alerts").get_json()["items"]
    missed = next(a for a in alerts if a["kind"] == "missed_checkin")
    sent = commander.post(f"/api/v1/alerts/{missed['id']}/dispatch")
    assert sent.status_code == 201
    assert sent.get_json()["person_id"] == near["id"]
    assert sent.get_json()["shift_id"] == duty.shift_id
    assert sent.get_json()["distance_m"] == pytest.approx(111, abs=2)


def test_dispatch_needs_a_commander(api_as, app, commander, duty, clock):
    clock.advance(minutes=16)
    with app.app_context():
        run_once()
    alert_id = commander.get(f"/api/v1/events/{duty.event_id}/alerts").get_json()["items"][0]["id"]
    assert api_as("inspector").post(f"/api/v1/alerts/{alert_id}/dispatch").status_code == 403
