"""Warnings in (预警) over HTTP: a bureau's CAP alert becomes a proposed level and an area of
units and posts, its Update and Cancel follow it, and one call wakes the area's responsible
persons; documents that are not CAP 1.2 are refused and leave nothing behind."""

from __future__ import annotations

import io

from conftest import Api, person_body, post_body
from county_support import created
from test_cap import BILLION_LAUGHS, CANCEL, EXTERNAL_ENTITY, ORANGE_RAINSTORM, UPGRADE_TO_RED

CAP = {"Content-Type": "application/cap+xml"}


def send_cap(api: Api, document: str | bytes):
    data = document.encode() if isinstance(document, str) else document
    return api.post("/api/v1/warnings", data=data, headers=CAP)


class Dongguan:
    """Two of the towns the alert names, a village below one, posts in and out of its area."""

    def __init__(self, admin: Api, commander: Api):
        self.city = created(admin.post("/api/v1/units", json={"name": "东莞市", "kind": "county"}))
        self.humen = created(admin.post("/api/v1/units", json={
            "name": "虎门镇", "kind": "town", "parent_id": self.city["id"]}))
        self.changan = created(admin.post("/api/v1/units", json={
            "name": "长安镇", "kind": "town", "parent_id": self.city["id"]}))
        self.village = created(admin.post("/api/v1/units", json={
            "name": "龙眼村", "kind": "village", "parent_id": self.humen["id"]}))
        self.elsewhere = created(admin.post("/api/v1/units", json={
            "name": "石龙镇", "kind": "town", "parent_id": self.city["id"]}))
        # A reservoir in the named town's village (far outside the polygon), a pond inside the
        # polygon in no unit, and a road neither named nor inside.
        self.reservoir = created(commander.post("/api/v1/posts", json=post_body(
            name="龙眼水库", lat=23.2, lon=113.9, unit_id=self.village["id"])))
        self.pond = created(commander.post("/api/v1/posts", json=post_body(
            name="沙角山塘", kind="pond", lat=22.85, lon=113.67)))
        self.road = created(commander.post("/api/v1/posts", json=post_body(
            name="石龙低洼路段", kind="low_road", lat=23.1, lon=113.85,
            unit_id=self.elsewhere["id"])))
        self.people = {}
        for number, (name, post, role) in enumerate((
                ("陈水库", self.reservoir, "administrative"), ("林巡查", self.reservoir, "patrol"),
                ("黄山塘", self.pond, "patrol"), ("石路长", self.road, "patrol"))):
            person = created(admin.post("/api/v1/people", json=person_body(
                name=name, phone=f"1330000000{number}")))
            created(commander.post(f"/api/v1/posts/{post['id']}/responsibles", json={
                "person_id": person["id"], "role": role}))
            self.people[name] = person
        self.leader = created(admin.post("/api/v1/people", json=person_body(
            name="虎门镇带班领导", phone="13300000009", unit_id=self.humen["id"])))
        created(admin.post(f"/api/v1/units/{self.humen['id']}/leaders", json={
            "person_id": self.leader["id"], "role": "duty"}))


def test_a_cap_alert_proposes_a_level_covers_its_area_and_calls_its_responsibles(admin,
                                                                                commander):
    town = Dongguan(admin, commander)
    response = send_cap(commander, ORANGE_RAINSTORM)
    assert response.status_code == 201, response.get_json()
    warning = response.get_json()
    assert (warning["severity"], warning["proposed_level"]) == ("orange", 2)
    assert warning["headline"] == "东莞市气象台发布暴雨橙色预警信号"
    assert warning["expires"] == "2026-07-21T20:00:00+08:00"
    assert sorted(warning["unit_ids"]) == sorted([town.humen["id"], town.changan["id"]])
    assert sorted(warning["post_ids"]) == sorted([town.reservoir["id"], town.pond["id"]])
    # The same document again (a retrying relay): the warning already taken.
    again = send_cap(commander, ORANGE_RAINSTORM)
    assert (again.status_code, again.get_json()["id"]) == (200, warning["id"])

    call = commander.post(f"/api/v1/warnings/{warning['id']}/call", json={})
    assert call.status_code == 201, call.get_json()
    body = call.get_json()
    called = {p["name"] for p in commander.get(f"/api/v1/calls/{body['id']}").get_json()["people"]}
    assert called == {"陈水库", "林巡查", "黄山塘", "虎门镇带班领导"}
    assert body["deadline_at"] == "2026-07-21T08:05:00+08:00"
    assert "拟启动2级应急响应" in body["message"]
    assert commander.get(f"/api/v1/calls/{body['id']}").get_json()["warning_id"] == warning["id"]


def test_update_raises_the_level_and_cancel_ends_the_warning(admin, commander):
    Dongguan(admin, commander)
    warning = send_cap(commander, ORANGE_RAINSTORM).get_json()
    updated = send_cap(commander, UPGRADE_TO_RED)
    assert updated.status_code == 200, updated.get_json()
    assert updated.get_json()["id"] == warning["id"]
    assert (updated.get_json()["severity"], updated.get_json()["proposed_level"]) == ("red", 1)
    assert updated.get_json()["msg_type"] == "Update"
    assert send_cap(commander, UPGRADE_TO_RED).get_json()["severity"] == "red"  # once

    cancelled = send_cap(commander, CANCEL)
    assert cancelled.status_code == 200
    assert cancelled.get_json()["status"] == "cancelled"
    listed = commander.get("/api/v1/warnings").get_json()
    assert [(w["id"], w["status"]) for w in listed["items"]] == [(warning["id"], "cancelled")]
    refused = commander.post(f"/api/v1/warnings/{warning['id']}/call", json={})
    assert refused.status_code == 422
    assert commander.get("/api/v1/calls").get_json()["total"] == 0


def test_an_update_of_a_warning_never_received_is_refused(commander):
    response = send_cap(commander, UPGRADE_TO_RED)
    assert response.status_code == 422
    assert "references" in response.get_json()["error"]["fields"]


def test_documents_that_are_not_cap_are_refused_and_store_nothing(commander):
    cases = {
        "not xml": b"this is not a warning",
        "cap 1.1": ORANGE_RAINSTORM.replace("cap:1.2", "cap:1.1").encode(),
        "billion laughs": BILLION_LAUGHS.encode() if isinstance(BILLION_LAUGHS, str)
        else BILLION_LAUGHS,
        "external entity": EXTERNAL_ENTITY.encode() if isinstance(EXTERNAL_ENTITY, str)
        else EXTERNAL_ENTITY,
        "no identifier": ORANGE_RAINSTORM.replace(
            "<identifier>44190041600000_20260721080000</identifier>", "").encode(),
    }
    for name, document in cases.items():
        response = send_cap(commander, document)
        assert response.status_code == 422, (name, response.get_json())
        error = response.get_json()["error"]
        assert error["code"] == "validation_error" and error["fields"], (name, error)
    assert "root:" not in str(send_cap(commander, cases["external entity"]).get_json())
    assert commander.get("/api/v1/warnings").get_json()["total"] == 0


def test_a_cap_file_upload_and_a_json_warning_with_a_polygon(admin, commander):
    town = Dongguan(admin, commander)
    uploaded = commander.post("/api/v1/warnings", data={
        "file": (io.BytesIO(ORANGE_RAINSTORM.encode()), "warning.xml")},
        content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.get_json()
    polygon = [[23.0, 113.8], [23.0, 113.9], [23.2, 113.9], [23.2, 113.8], [23.0, 113.8]]
    response = commander.post("/api/v1/warnings", json={
        "headline": "石龙镇地质灾害黄色预警", "event": "地质灾害", "severity": "yellow",
        "polygon": polygon, "unit_ids": [town.changan["id"]]})
    assert response.status_code == 201, response.get_json()
    warning = response.get_json()
    assert warning["proposed_level"] == 3
    assert warning["unit_ids"] == [town.changan["id"]]
    assert warning["post_ids"] == [town.road["id"]]
    bad = commander.post("/api/v1/warnings", json={"headline": "x", "event": "x",
                                                    "severity": "purple"})
    assert bad.status_code == 422 and "severity" in bad.get_json()["error"]["fields"]
