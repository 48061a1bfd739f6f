"""The demo loader, as an operator runs it (`flask demo`) and as the API then shows it."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime

import pytest
from conftest import START, person_body

from coordinator.demo import DEMO_LOGINS, build_plan
from coordinator.demo_data import ROLE_SKILLS, WORKING_GROUPS
from coordinator.models import POST_KINDS

CHINESE_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
MOBILE = re.compile(r"^1[358]\d{9}$")


def load(runner, *args: str) -> str:
    result = runner.invoke(args=["demo", *args])
    assert result.exit_code == 0, result.output
    return result.output


def everything(api, path: str) -> list[dict]:
    """All items of a list endpoint, page by page."""
    items, offset = [], 0
    while True:
        page = api.get(f"{path}{'&' if '?' in path else '?'}limit=500&offset={offset}").get_json()
        items += page["items"]
        offset += 500
        if offset >= page["total"]:
            return items


def totals(api) -> dict[str, int]:
    counts = {name: api.get(f"/api/v1/{name}?limit=1").get_json()["total"]
              for name in ("people", "posts", "events", "audit")}
    for event in everything(api, "/api/v1/events"):
        counts["shifts"] = api.get(f"/api/v1/events/{event['id']}/shifts?limit=1").get_json()["total"]
        counts["assignments"] = api.get(
            f"/api/v1/events/{event['id']}/assignments?limit=1").get_json()["total"]
    return counts


@pytest.fixture
def demo_event(runner, admin) -> dict:
    output = load(runner)
    assert "created 0 new records" not in output
    events = admin.get("/api/v1/events?status=active").get_json()["items"]
    assert len(events) == 1
    return events[0]


def test_roster_is_a_plausible_town(admin, demo_event):
    people = everything(admin, "/api/v1/people")
    assert 280 <= len(people) <= 320
    assert len({p["phone"] for p in people}) == len(people)
    assert all(MOBILE.match(p["phone"]) for p in people)
    assert all(CHINESE_NAME.match(p["name"]) for p in people)
    assert {p["kind"] for p in people} == {"cadre", "village_official", "other"}
    known_skills = set(ROLE_SKILLS) | set(WORKING_GROUPS)
    assert all(set(p["skills"]) <= known_skills and len(p["skills"]) <= 3 for p in people)
    assert set(ROLE_SKILLS) <= {s for p in people for s in p["skills"]}
    officials = [p for p in people if p["kind"] == "village_official"]
    assert len({p["unit"] for p in officials}) == 12
    assert all(p["unit"].endswith("村") for p in officials)
    assert all(p["unit"].startswith("青溪") for p in people if p["kind"] == "cadre")
    assert all(28.0 < p["home_lat"] < 28.3 and 119.5 < p["home_lon"] < 119.9 for p in people)


def test_posts_have_kinds_radii_and_villages(admin, demo_event):
    posts = everything(admin, "/api/v1/posts")
    assert 35 <= len(posts) <= 45
    assert {p["kind"] for p in posts} <= set(POST_KINDS)
    assert {"reservoir", "pond", "landslide", "low_road", "dangerous_house", "shelter"} <= {
        p["kind"] for p in posts}
    assert all(20 <= p["radius_m"] <= 300 and 1 <= p["risk"] <= 4 for p in posts)
    assert all(p["village"].endswith("村") for p in posts)
    assert all(28.0 < p["lat"] < 28.3 and 119.5 < p["lon"] < 119.9 for p in posts)
    reservoirs = [p for p in posts if p["kind"] == "reservoir"]
    assert all(p["radius_m"] >= 200 for p in reservoirs)


def test_event_has_running_shifts_staffed_by_the_rules(admin, demo_event):
    assert demo_event["kind"] == "rainstorm" and demo_event["level"] == 3
    assert datetime.fromisoformat(demo_event["starts_at"]) < START
    event_id = demo_event["id"]
    shifts = {s["id"]: s for s in everything(admin, f"/api/v1/events/{event_id}/shifts")}
    assignments = everything(admin, f"/api/v1/events/{event_id}/assignments")
    assert 60 <= len(shifts) <= 90
    assert len(assignments) >= 50
    places = sum(s["required"] for s in shifts.values())
    assert 0.4 <= len(assignments) / places <= 0.8
    assert all(1 <= s["required"] <= 3 for s in shifts.values())
    assert any(s["skills"] for s in shifts.values())

    people = {p["id"]: p for p in everything(admin, "/api/v1/people")}
    windows = defaultdict(list)
    for a in assignments:
        shift = shifts[a["shift_id"]]
        assert set(shift["skills"]) <= set(people[a["person_id"]]["skills"])
        windows[a["person_id"]].append((datetime.fromisoformat(shift["starts_at"]),
                                        datetime.fromisoformat(shift["ends_at"])))
    for spans in windows.values():
        spans.sort()
        assert all(earlier[1] <= later[0] for earlier, later in zip(spans, spans[1:], strict=False))

    running = [s for s in shifts.values()
               if datetime.fromisoformat(s["starts_at"]) <= START < datetime.fromisoformat(s["ends_at"])]
    assert len(running) >= 30
    statuses = {"full" if s["assigned"] >= s["required"] else "under" if s["assigned"] else "empty"
                for s in running}
    assert statuses == {"full", "under", "empty"}
    posts = admin.get("/api/v1/posts?limit=1").get_json()["total"]
    assert len({s["post_id"] for s in running}) < posts  # some posts are idle now

    local_posts = {p["id"]: p["village"] for p in everything(admin, "/api/v1/posts")}
    from_village = sum(people[a["person_id"]]["unit"] == local_posts[a["post_id"]] for a in assignments)
    assert from_village > len(assignments) / 2


def test_every_change_is_audited(admin, demo_event):
    counts = totals(admin)
    # One entry per record: people, posts, the event, shifts, assignments, the fixture's account
    # and the three demo accounts.
    records = (counts["people"] + counts["posts"] + counts["events"] + counts["shifts"]
               + counts["assignments"] + 1 + len(DEMO_LOGINS))
    assert counts["audit"] == records
    assert admin.get("/api/v1/audit/verify").get_json() == {"ok": True, "entries": records}
    entry = admin.get("/api/v1/audit?limit=1&entity_type=people").get_json()["items"][0]
    assert entry["actor"] == "demo" and entry["role"] == "system"


def test_loading_again_creates_nothing(admin, runner, clock, demo_event):
    before = totals(admin)
    assert "created 0 new records" in load(runner)
    clock.advance(hours=5)  # later the same day: the shifts follow the event, not the clock
    assert "created 0 new records" in load(runner)
    assert totals(admin) == before
    assert admin.get("/api/v1/audit/verify").get_json()["ok"]


def test_demo_logins_sign_in(client, demo_event):
    for username, role, password in DEMO_LOGINS:
        response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["role"] == role


def test_if_empty_leaves_a_roster_alone(admin, runner):
    assert admin.post("/api/v1/people", json=person_body()).status_code == 201
    output = load(runner, "--if-empty")
    assert "demo 青溪镇" not in output and "admin-demo-2026" in output
    assert admin.get("/api/v1/people?limit=1").get_json()["total"] == 1
    assert admin.get("/api/v1/events?limit=1").get_json()["total"] == 0


def test_if_empty_loads_an_empty_roster(admin, runner):
    assert "demo 青溪镇: 12 villages, 300 people" in load(runner, "--if-empty")
    assert admin.get("/api/v1/people?limit=1").get_json()["total"] == 300


def test_plan_is_the_same_on_every_run():
    plan = build_plan()
    build_plan.cache_clear()
    assert build_plan() == plan
    assert len({p.phone for p in plan.people}) == len({p.name for p in plan.people}) == 300
