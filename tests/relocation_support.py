"""A county with households to move, built over HTTP: 临安区, towns 太湖源镇 and 天目山镇 with
two villages each, a shelter in each town, a village official (staff) in the first village and
a shelter manager, and the households imported from a CSV file as a village would send it."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field

from conftest import Api, event_body, person_body, post_body
from county_support import created
from field_support import staff_api

VILLAGES = {"太湖源镇": ("白沙村", "太湖源村"), "天目山镇": ("月亮桥村", "告岭村")}
SHELTERS = {"太湖源镇": "太湖源镇中心小学安置点", "天目山镇": "天目山镇文化礼堂安置点"}


@dataclass
class Relocation:
    units: dict[str, int]
    shelters: dict[str, dict]
    official: dict
    official_api: Api
    manager: dict
    manager_api: Api
    event_id: int
    households: dict[str, dict] = field(default_factory=dict)  # phone → household


def household_rows(village_path: str, count: int, start: int, shelter: str,
                   vulnerable_every: int = 3) -> list[str]:
    rows = []
    for index in range(count):
        number = start + index
        vulnerable = 1 if index % vulnerable_every == 0 else 0
        rows.append(f"户主{number:03d},1390000{number:04d},{village_path},{3 + index % 2},"
                    f"{vulnerable},30.{300 + number % 50},119.{400 + number % 50},{shelter}")
    return rows


def csv_file(rows: list[str], header: str = "户主,电话,所属村,人数,重点人员,纬度,经度,安置点") -> dict:
    text = "\n".join([header, *rows]) + "\n"
    return {"file": (io.BytesIO(text.encode("utf-8")), "households.csv")}


def import_households(api: Api, rows: list[str], **kw):
    return api.post("/api/v1/households/import", data=csv_file(rows, **kw),
                    content_type="multipart/form-data")


def build_relocation(client, admin: Api, commander: Api, per_village: int = 5) -> Relocation:
    units = {"county": created(admin.post("/api/v1/units", json={
        "name": "临安区", "kind": "county"}))["id"]}
    shelters = {}
    for town, villages in VILLAGES.items():
        units[town] = created(admin.post("/api/v1/units", json={
            "name": town, "kind": "town", "parent_id": units["county"]}))["id"]
        for village in villages:
            units[village] = created(admin.post("/api/v1/units", json={
                "name": village, "kind": "village", "parent_id": units[town]}))["id"]
        shelters[town] = created(commander.post("/api/v1/posts", json=post_body(
            name=SHELTERS[town], kind="shelter", lat=30.31, lon=119.41, radius_m=80,
            unit_id=units[town], capacity=40)))
    official = created(admin.post("/api/v1/people", json=person_body(
        name="白沙村村委委员", phone="13700000001", unit="白沙村", kind="village_official",
        unit_id=units["白沙村"])))
    manager = created(admin.post("/api/v1/people", json=person_body(
        name="安置点管理员", phone="13700000002", unit="太湖源镇", unit_id=units["太湖源镇"])))
    created(commander.post(f"/api/v1/posts/{shelters['太湖源镇']['id']}/responsibles", json={
        "person_id": manager["id"], "role": "contact"}))
    rows, start = [], 0
    for town, villages in VILLAGES.items():
        for village in villages:
            rows += household_rows(f"临安区/{town}/{village}", per_village, start, SHELTERS[town])
            start += per_village
    answer = import_households(commander, rows)
    assert answer.status_code == 200 and not answer.get_json()["errors"], answer.get_json()
    event_id = created(commander.post("/api/v1/events", json=event_body(kind="typhoon")))["id"]
    found = Relocation(units, shelters, official, staff_api(client, commander, official["id"]),
                       manager, staff_api(client, commander, manager["id"]), event_id)
    listed = commander.get("/api/v1/households?limit=500").get_json()["items"]
    found.households = {h["phone"]: h for h in listed}
    return found


def report(api: Api, event_id: int, household_id: int, status: str = "moved", people: int = 3,
           taken_at: str = "2026-07-21T08:00:00+08:00", **extra):
    body = {"client_id": str(uuid.uuid4()), "household_id": household_id, "status": status,
            "people": people, "taken_at": taken_at, **extra}
    return api.post(f"/api/v1/events/{event_id}/relocations", json=body), body


def row_of(summary: dict, name: str) -> dict:
    return next(item for item in summary["items"] if item["name"] == name)
