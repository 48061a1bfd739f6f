"""Supervision (督查): spot checks, commendations and criticisms, and the check-in review list."""

from __future__ import annotations

import base64

import pytest
from records_support import beijing, make_scene
from sqlalchemy import func, select

from coordinator import db
from coordinator.models import AuditEntry, Commendation, SpotCheck

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture
def scene(client, admin, commander, clock):
    scene = make_scene(client, admin, commander, clock)
    scene.add("zhang", "张伟", "城关镇应急办")
    second = scene.add("li", "李娜", "石门村", starts="08:00", ends="12:00")
    # Li also guards Zhang's post: a second shift there, overlapping Zhang's in the afternoon.
    shift = commander.post(f"/api/v1/events/{scene.event_id}/shifts", json={
        "post_id": scene.duties["zhang"].post["id"], "starts_at": beijing("14:00").isoformat(),
        "ends_at": beijing("22:00").isoformat(), "required": 1}).get_json()
    assert commander.post("/api/v1/assignments", json={
        "shift_id": shift["id"], "person_id": second.person_id}).status_code == 201
    return scene


@pytest.fixture
def inspector(api_as):
    return api_as("inspector")


def count(app, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


def visit(scene, post_key: str, hhmm: str, present: list[str], **extra) -> dict:
    body = {"post_id": scene.duties[post_key].post["id"], "event_id": scene.event_id,
            "visited_at": beijing(hhmm).isoformat(),
            "present_person_ids": [scene.duties[k].person_id for k in present],
            "note": "现场检查"}
    body.update(extra)
    return body


def test_spot_check_records_who_was_absent_and_is_audited(app, scene, inspector):
    scene.at("15:00")
    answer = inspector.post("/api/v1/spot-checks", json=visit(scene, "zhang", "15:00", ["zhang"]))
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    li = scene.duties["li"].person_id
    assert body["present_person_ids"] == [scene.duties["zhang"].person_id]
    assert body["absent_person_ids"] == [li]
    assert body["absent"] == [{"person_id": li, "name": "李娜", "unit": "石门村"}]
    assert body["visited_at"] == "2026-07-21T15:00:00+08:00"
    assert body["unannounced"] is False and body["has_photo"] is False
    with app.app_context():
        entry = db.session().scalar(select(AuditEntry).where(
            AuditEntry.entity_type == "spot_checks"))
        assert entry.action == "create" and entry.role == "inspector"
        assert entry.after["absent_person_ids"] == [li]


def test_only_the_shifts_running_at_the_visit_count(scene, inspector):
    scene.at("12:00")
    morning = inspector.post("/api/v1/spot-checks", json=visit(scene, "zhang", "10:00", []))
    assert morning.get_json()["absent_person_ids"] == [scene.duties["zhang"].person_id]


def test_someone_present_who_was_not_assigned_is_kept(scene, inspector):
    scene.at("10:00")
    body = inspector.post("/api/v1/spot-checks",
                          json=visit(scene, "zhang", "10:00", ["zhang", "li", "zhang"])).get_json()
    assert body["present_person_ids"] == [scene.duties["zhang"].person_id,
                                          scene.duties["li"].person_id]
    assert body["absent_person_ids"] == []


def test_unannounced_visit_with_a_photo(scene, inspector):
    scene.at("10:00")
    answer = inspector.post("/api/v1/spot-checks", json=visit(
        scene, "zhang", "10:00", [], unannounced=True,
        photo="data:image/jpeg;base64," + base64.b64encode(JPEG).decode()))
    body = answer.get_json()
    assert answer.status_code == 201 and body["unannounced"] is True and body["has_photo"]
    photo = inspector.get(body["photo_url"])
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg" and photo.data == JPEG


@pytest.mark.parametrize("change, field", [
    ({"post_id": 99999}, "post_id"),
    ({"event_id": 99999}, "event_id"),
    ({"present_person_ids": [99999]}, "present_person_ids"),
    ({"present_person_ids": "1,2"}, "present_person_ids"),
    ({"present_person_ids": [0]}, "present_person_ids.0"),
    ({"visited_at": "2026-07-21T10:30:00+08:00"}, "visited_at"),   # 30 min in the future
    ({"visited_at": "2026-07-21T10:00:00"}, "visited_at"),         # no offset
    ({"unannounced": "yes"}, "unannounced"),
    ({"photo": "bm90IGEgcGhvdG8="}, "photo"),                      # base64, but not an image
    ({"photo": "***"}, "photo"),
    ({"note": "长" * 2001}, "note"),
])
def test_invalid_spot_checks_are_422_and_nothing_is_stored(app, scene, inspector, change, field):
    scene.at("10:00")
    audited = count(app, AuditEntry)
    answer = inspector.post("/api/v1/spot-checks", json={**visit(scene, "zhang", "10:00", []),
                                                         **change})
    assert answer.status_code == 422, answer.get_json()
    assert field in answer.get_json()["error"]["fields"]
    assert count(app, SpotCheck) == 0 and count(app, AuditEntry) == audited


def test_a_post_without_a_shift_in_the_event_is_refused(scene, inspector, commander):
    other = commander.post("/api/v1/posts", json={
        "name": "无班次点位", "kind": "pond", "lat": 28.5, "lon": 119.9, "radius_m": 80}).get_json()
    answer = inspector.post("/api/v1/spot-checks", json={
        **visit(scene, "zhang", "08:00", []), "post_id": other["id"]})
    assert answer.status_code == 422
    assert "no shift" in answer.get_json()["error"]["fields"]["post_id"]


@pytest.mark.parametrize("role", ["admin", "commander", "staff"])
def test_only_inspectors_record_spot_checks(app, scene, api_as, role):
    caller = scene.duties["zhang"].staff if role == "staff" else api_as(role)
    answer = caller.post("/api/v1/spot-checks", json=visit(scene, "zhang", "08:00", []))
    assert answer.status_code == 403
    assert count(app, SpotCheck) == 0


def test_spot_checks_are_listed_per_event(scene, inspector, commander):
    scene.at("16:00")
    inspector.post("/api/v1/spot-checks", json=visit(scene, "zhang", "09:00", ["zhang"]))
    inspector.post("/api/v1/spot-checks", json=visit(scene, "li", "11:00", []))
    listed = commander.get(f"/api/v1/events/{scene.event_id}/spot-checks").get_json()
    assert listed["total"] == 2
    assert [i["visited_at"][11:16] for i in listed["items"]] == ["11:00", "09:00"]
    only = commander.get(f"/api/v1/events/{scene.event_id}/spot-checks"
                         f"?post_id={scene.duties['li'].post['id']}").get_json()
    assert only["total"] == 1 and only["items"][0]["post_name"] == "李娜的点位"


def test_the_spot_check_page_gets_posts_nearest_first_and_who_is_on_shift(scene, inspector):
    scene.fix("zhang", "08:00")
    scene.at("15:00")
    li_post = scene.duties["li"].post
    posts = inspector.get(f"/api/v1/events/{scene.event_id}/duty-posts"
                          f"?lat={li_post['lat']}&lon={li_post['lon']}").get_json()
    assert [p["id"] for p in posts["items"]] == [li_post["id"], scene.duties["zhang"].post["id"]]
    assert posts["items"][0]["distance_m"] == 0
    roster = inspector.get(f"/api/v1/events/{scene.event_id}/posts/"
                           f"{scene.duties['zhang'].post['id']}/on-shift").get_json()
    assert [(p["name"], p["on_duty"]) for p in roster["items"]] == [("张伟", True), ("李娜", False)]
    morning = inspector.get(f"/api/v1/events/{scene.event_id}/posts/"
                            f"{scene.duties['zhang'].post['id']}/on-shift"
                            "?at=2026-07-21T09:00:00%2B08:00").get_json()
    assert [p["name"] for p in morning["items"]] == ["张伟"]


# --- commendations --------------------------------------------------------------------------------


def praise(scene, key="zhang", kind="commend", reason="连续值守36小时，及时转移群众12人"):
    return {"person_id": scene.duties[key].person_id, "event_id": scene.event_id, "kind": kind,
            "reason": reason}


def test_commander_commends_and_criticises_and_it_is_audited(app, scene, commander, admin):
    answer = commander.post("/api/v1/commendations", json=praise(scene))
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert (body["kind"], body["person_name"], body["unit"]) == ("commend", "张伟", "城关镇应急办")
    assert commander.post("/api/v1/commendations",
                          json=praise(scene, "li", "criticize", "脱岗2小时")).status_code == 201
    listed = admin.get(f"/api/v1/events/{scene.event_id}/commendations").get_json()
    assert [i["kind"] for i in listed["items"]] == ["criticize", "commend"]
    assert admin.get(f"/api/v1/events/{scene.event_id}/commendations?kind=commend"
                     ).get_json()["total"] == 1
    with app.app_context():
        entries = db.session().scalars(select(AuditEntry).where(
            AuditEntry.entity_type == "commendations")).all()
        assert [e.after["kind"] for e in entries] == ["commend", "criticize"]


@pytest.mark.parametrize("change, field", [
    ({"person_id": 99999}, "person_id"),
    ({"event_id": 99999}, "event_id"),
    ({"kind": "praise"}, "kind"),
    ({"reason": "   "}, "reason"),
    ({"reason": None}, "reason"),
    ({"person_id": "1"}, "person_id"),
])
def test_invalid_commendations_are_422_and_nothing_is_stored(app, scene, commander, change,
                                                             field):
    answer = commander.post("/api/v1/commendations", json={**praise(scene), **change})
    assert answer.status_code == 422
    assert field in answer.get_json()["error"]["fields"]
    assert count(app, Commendation) == 0


@pytest.mark.parametrize("role", ["admin", "inspector", "staff"])
def test_only_commanders_commend(app, scene, api_as, role):
    caller = scene.duties["zhang"].staff if role == "staff" else api_as(role)
    assert caller.post("/api/v1/commendations", json=praise(scene)).status_code == 403
    assert count(app, Commendation) == 0


# --- the review list ---------------------------------------------------------------------------------


def test_suspected_spoofs_waiting_for_review_with_reasons_and_fixes(scene, inspector):
    scene.fix("zhang", "07:55", kind="presence", metres=30_000)
    flagged = scene.fix("zhang", "08:00")
    scene.fix("li", "08:00")
    path = f"/api/v1/events/{scene.event_id}/checkins?flag=suspected_spoof&reviewed=false"
    queue = inspector.get(path).get_json()
    assert [i["id"] for i in queue["items"]] == [flagged["id"]]
    item = queue["items"][0]
    assert item["spoof_reasons"][0]["code"] == "implied_speed"
    assert item["person"]["name"] == "张伟" and item["post"]["radius_m"] == 100
    assert [f["kind"] for f in item["fixes"]] == ["presence", "check_in"]
    assert item["fixes"][-1]["id"] == flagged["id"]

    inspector.post(f"/api/v1/checkins/{flagged['id']}/review",
                   json={"verdict": "rejected", "note": "经核实为虚拟定位"})
    assert inspector.get(path).get_json()["total"] == 0
    reviewed = inspector.get(path.replace("false", "true")).get_json()["items"][0]
    assert reviewed["review_verdict"] == "rejected" and reviewed["review_note"] == "经核实为虚拟定位"
    everything = inspector.get(f"/api/v1/events/{scene.event_id}/checkins").get_json()
    assert everything["total"] == 3
    late_only = inspector.get(f"/api/v1/events/{scene.event_id}/checkins?flag=late").get_json()
    assert late_only["total"] == 0
