"""A small county built over HTTP by an account without a unit: 临安区 with towns 太湖源镇 (A)
and 天目山镇 (B), a village in each, a person and a post in each village, and accounts of the
county and of each town."""

from __future__ import annotations

from dataclasses import dataclass, field

from conftest import Api, event_body, person_body, post_body


@dataclass
class County:
    units: dict[str, int]
    people: dict[str, dict]
    posts: dict[str, dict]
    accounts: dict[str, Api] = field(default_factory=dict)


def created(response) -> dict:
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def build_county(admin: Api, api_as) -> County:
    units = {}
    units["county"] = created(admin.post("/api/v1/units", json={"name": "临安区",
                                                                 "kind": "county"}))["id"]
    for key, town, village in (("A", "太湖源镇", "白沙村"), ("B", "天目山镇", "月亮桥村")):
        units[key] = created(admin.post("/api/v1/units", json={
            "name": town, "kind": "town", "parent_id": units["county"]}))["id"]
        units[key + "1"] = created(admin.post("/api/v1/units", json={
            "name": village, "kind": "village", "parent_id": units[key]}))["id"]
    people = {
        "A": created(admin.post("/api/v1/people", json=person_body(
            name="王建国", phone="13900000001", unit="太湖源镇", unit_id=units["A1"]))),
        "B": created(admin.post("/api/v1/people", json=person_body(
            name="李秀英", phone="13900000002", unit="天目山镇", unit_id=units["B1"]))),
    }
    posts = {
        "A": created(admin.post("/api/v1/posts", json=post_body(
            name="白沙水库", unit_id=units["A1"]))),
        "B": created(admin.post("/api/v1/posts", json=post_body(
            name="月亮桥山塘", kind="pond", lat=30.3, lon=119.4, unit_id=units["B1"]))),
    }
    county = County(units, people, posts)
    county.accounts = {"county": api_as("commander", units["county"]),
                       "A": api_as("commander", units["A"]),
                       "B": api_as("commander", units["B"]),
                       "A-admin": api_as("admin", units["A"]),
                       "admin": admin}
    return county


def open_event(api: Api, **extra) -> dict:
    return created(api.post("/api/v1/events", json=event_body(**extra)))
