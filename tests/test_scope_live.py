"""The live channel keeps to an account's unit (API.md "Organisation and scope"): a real
Socket.IO client of a town hears only its town within a county event, numbered without gaps
for it; it cannot subscribe to another town's event; the county and the whole organisation
hear everything."""

from __future__ import annotations

import pytest
from county_support import build_county, open_event
from field_support import make_duty
from live_server import serve
from live_support import MapClient


@pytest.fixture
def server(app):
    with serve(app) as url:
        yield url


@pytest.fixture
def county(admin, api_as):
    return build_county(admin, api_as)


def test_a_town_hears_only_its_own_posts_in_a_county_event(server, client, admin, api_as,
                                                           county):
    event = open_event(county.accounts["county"])
    town_a = make_duty(client, county.accounts["A-admin"], county.accounts["A"],
                       phone="13900000101", post_name="甲镇水库", event_id=event["id"])
    town_b = make_duty(client, api_as("admin", county.units["B"]), county.accounts["B"],
                       phone="13900000102", post_name="乙镇山塘", event_id=event["id"],
                       post_fields={"lat": 30.3, "lon": 119.4})
    watchers = {"A": county.accounts["A"], "B": county.accounts["B"],
                "county": county.accounts["county"], "everything": admin}
    maps = {key: MapClient(server, api.token).connect() for key, api in watchers.items()}
    try:
        acks = {key: live.subscribe(event["id"]) for key, live in maps.items()}
        assert all(ack["ok"] for ack in acks.values()), acks
        snapshot_a = watchers["A"].get(f"/api/v1/events/{event['id']}/snapshot").get_json()
        assert snapshot_a["seq"] == acks["A"]["seq"]
        assert [p["name"] for p in snapshot_a["posts"]] == ["甲镇水库"]

        assert town_a.checkin().status_code == 201
        assert town_b.checkin().status_code == 201
        assert town_a.checkin(kind="presence").status_code == 201  # changes no status

        heard_a = maps["A"].take(3)
        assert [(name, body.get("post_id") or body["checkin"]["post_id"]) for name, body
                in heard_a] == [("checkin", town_a.post["id"]), ("post_status", town_a.post["id"]),
                                ("checkin", town_a.post["id"])]
        assert [body["seq"] for _, body in heard_a] == [acks["A"]["seq"] + n for n in (1, 2, 3)]
        heard_b = maps["B"].take(2)
        assert [name for name, _ in heard_b] == ["checkin", "post_status"]
        assert {body["seq"] for _, body in heard_b} == {acks["B"]["seq"] + 1, acks["B"]["seq"] + 2}
        assert all(body["person"]["id"] == town_b.person_id
                   for name, body in heard_b if name == "checkin")
        for key in ("county", "everything"):
            heard = maps[key].take(5)
            assert [body["seq"] for _, body in heard] == [acks[key]["seq"] + n
                                                          for n in range(1, 6)], key
        after_a = watchers["A"].get(f"/api/v1/events/{event['id']}/snapshot").get_json()
        assert after_a["seq"] == acks["A"]["seq"] + 3
        assert after_a["posts"][0]["status"] == "full"
    finally:
        for live in maps.values():
            live.close()


def test_a_town_cannot_subscribe_to_another_towns_event(server, county):
    event = open_event(county.accounts["A"])
    live = MapClient(server, county.accounts["B"].token).connect()
    try:
        ack = live.subscribe(event["id"])
        assert ack["ok"] is False and ack["error"]["code"] == "forbidden"
    finally:
        live.close()
    above = MapClient(server, county.accounts["county"].token).connect()
    try:
        assert above.subscribe(event["id"])["ok"] is True
    finally:
        above.close()
