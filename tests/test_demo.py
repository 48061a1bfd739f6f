"""The demo loader, as an operator runs it (`flask demo`) and as the API then shows it."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import datetime

import pytest
from conftest import START, Api, person_body, post_body

from coordinator.demo import DEMO_LOGINS, build_plan
from coordinator.demo_data import ROLE_SKILLS, WATER_WARDEN, WORKING_GROUPS
from coordinator.models import POST_KINDS

CHINESE_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
MOBILE = re.compile(r"^1[358]\d{9}$")
TOWNS = {"qingxi": "青溪镇", "longtan": "龙潭镇", "xikou": "溪口乡"}


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


def units_by_path(api) -> dict[str, dict]:
    return {"/".join(u["path"]): u for u in api.get("/api/v1/units").get_json()["items"]}


def responsibles(api) -> dict[int, list[dict]]:
    """Every post's responsible persons, by post id."""
    return {p["id"]: api.get(f"/api/v1/posts/{p['id']}/responsibles").get_json()["items"]
            for p in everything(api, "/api/v1/posts")}


def leaders(api) -> dict[int, list[dict]]:
    """Every unit's leaders, by unit id."""
    return {u["id"]: api.get(f"/api/v1/units/{u['id']}/leaders").get_json()["items"]
            for u in api.get("/api/v1/units").get_json()["items"]}


def totals(api) -> dict[str, int]:
    counts = {name: api.get(f"/api/v1/{name}?limit=1").get_json()["total"]
              for name in ("people", "posts", "events", "audit")}
    counts["units"] = api.get("/api/v1/units").get_json()["total"]
    counts["leaders"] = sum(map(len, leaders(api).values()))
    counts["responsibles"] = sum(map(len, responsibles(api).values()))
    for event in everything(api, "/api/v1/events"):
        counts["shifts"] = api.get(f"/api/v1/events/{event['id']}/shifts?limit=1").get_json()["total"]
        counts["assignments"] = api.get(
            f"/api/v1/events/{event['id']}/assignments?limit=1").get_json()["total"]
        counts["relocations"] = api.get(
            f"/api/v1/events/{event['id']}/relocations?limit=1").get_json()["total"]
    counts["households"] = api.get("/api/v1/households?limit=1").get_json()["total"]
    return counts


def sign_in(client, username: str) -> Api:
    password = next(login[2] for login in DEMO_LOGINS if login[0] == username)
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.get_json()
    return Api(client, response.get_json()["token"])


@pytest.fixture
def demo_event(runner, admin) -> dict:
    output = load(runner)
    assert "created 0 new records" not in output
    events = admin.get("/api/v1/events?status=active").get_json()["items"]
    assert len(events) == 1
    return events[0]


def test_units_form_a_county_of_three_towns(admin, demo_event):
    units = admin.get("/api/v1/units").get_json()["items"]
    assert Counter(u["kind"] for u in units) == {"county": 1, "town": 3, "village": 12}
    county = next(u for u in units if u["kind"] == "county")
    assert county["name"] == "云岭县" and county["parent_id"] is None
    towns = {u["id"]: u for u in units if u["kind"] == "town"}
    assert {t["name"] for t in towns.values()} == set(TOWNS.values())
    assert all(t["parent_id"] == county["id"] for t in towns.values())
    villages = Counter(u["parent_id"] for u in units if u["kind"] == "village")
    assert villages == {town_id: 4 for town_id in towns}
    assert demo_event["unit_id"] == county["id"]  # the county's response covers every town


def test_roster_is_a_plausible_county(admin, demo_event):
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
    assert all(p["unit"].startswith(("云岭县", "青溪", "龙潭", "溪口"))
               for p in people if p["kind"] == "cadre")
    assert all(28.0 < p["home_lat"] < 28.3 and 119.5 < p["home_lon"] < 119.9 for p in people)

    units = {u["id"]: u for u in admin.get("/api/v1/units").get_json()["items"]}
    assert all(p["unit_id"] in units for p in people)
    # Village officials belong to their village; cadres and town teams to their town (or the
    # county's own staff to the county).
    assert all(units[p["unit_id"]]["name"] == p["unit"] for p in officials)
    assert all(units[p["unit_id"]]["kind"] in ("town", "county")
               for p in people if p["kind"] == "cadre")
    by_town = Counter(units[p["unit_id"]]["path"][1] for p in people
                      if len(units[p["unit_id"]]["path"]) > 1)
    assert set(by_town) == set(TOWNS.values()) and min(by_town.values()) >= 70


def test_posts_have_kinds_radii_villages_and_units(admin, demo_event):
    posts = everything(admin, "/api/v1/posts")
    assert 75 <= len(posts) <= 85
    assert {p["kind"] for p in posts} <= set(POST_KINDS)
    assert {"reservoir", "pond", "landslide", "low_road", "dangerous_house", "shelter", "bridge",
            "embankment"} == {p["kind"] for p in posts}
    assert all(20 <= p["radius_m"] <= 300 and 1 <= p["risk"] <= 4 for p in posts)
    assert all(p["village"].endswith("村") for p in posts)
    assert all(28.0 < p["lat"] < 28.3 and 119.5 < p["lon"] < 119.9 for p in posts)
    reservoirs = [p for p in posts if p["kind"] == "reservoir"]
    assert all(p["radius_m"] >= 200 for p in reservoirs)

    units = {u["id"]: u for u in admin.get("/api/v1/units").get_json()["items"]}
    assert all(units[p["unit_id"]]["kind"] == "village"
               and units[p["unit_id"]]["name"] == p["village"] for p in posts)
    per_village = Counter(p["unit_id"] for p in posts)
    assert len(per_village) == 12 and min(per_village.values()) >= 5


def test_every_post_has_responsibles_from_its_village_and_town(admin, demo_event):
    people = {p["id"]: p for p in everything(admin, "/api/v1/people")}
    units = {u["id"]: u for u in admin.get("/api/v1/units").get_json()["items"]}
    named = responsibles(admin)
    for post in everything(admin, "/api/v1/posts"):
        roles = {r["role"]: people[r["person_id"]] for r in named[post["id"]]}
        if post["kind"] in ("reservoir", "pond"):  # 三个责任人, three different people
            assert set(roles) >= {"administrative", "technical", "patrol"}, post["name"]
            assert len({p["id"] for p in roles.values()}) == len(roles)
            assert roles["administrative"]["kind"] == roles["patrol"]["kind"] == "village_official"
            assert WATER_WARDEN in roles["technical"]["skills"]
        else:
            assert {"patrol", "contact"} & set(roles), post["name"]
        village = units[post["unit_id"]]
        assert all(p["unit_id"] in (village["id"], village["parent_id"]) for p in roles.values())
    # Every town has cadres trained as water wardens: they are the technical persons.
    technical = [people[r["person_id"]] for items in named.values() for r in items
                 if r["role"] == "technical"]
    assert all(p["kind"] == "cadre" for p in technical)


def test_county_and_towns_have_a_chief_a_deputy_and_a_leader_on_duty(admin, demo_event):
    people = {p["id"]: p for p in everything(admin, "/api/v1/people")}
    for unit in admin.get("/api/v1/units").get_json()["items"]:
        response = admin.get(f"/api/v1/units/{unit['id']}/leaders")
        assert response.status_code == 200
        items = response.get_json()["items"]
        if unit["kind"] == "village":
            continue
        assert sorted(r["role"] for r in items) == ["chief", "deputy", "duty"], unit["name"]
        assert all(people[r["person_id"]]["unit_id"] == unit["id"] for r in items)
        assert len({r["person_id"] for r in items}) == 3


def test_a_town_commander_sees_only_its_town(client, admin, demo_event):
    every_person = everything(admin, "/api/v1/people")
    every_post = everything(admin, "/api/v1/posts")
    units = units_by_path(admin)
    seen_people = set()
    for username, town in TOWNS.items():
        own = {u["id"] for path, u in units.items() if path.startswith(f"云岭县/{town}")}
        commander = sign_in(client, username)
        people = everything(commander, "/api/v1/people")
        posts = everything(commander, "/api/v1/posts")
        assert {p["id"] for p in people} == {p["id"] for p in every_person if p["unit_id"] in own}
        assert {p["id"] for p in posts} == {p["id"] for p in every_post if p["unit_id"] in own}
        assert len(posts) >= 20 and len(people) >= 70
        seen_people |= {p["id"] for p in people}
        # It takes part in the county's response, and sees its own units only.
        assert [e["id"] for e in everything(commander, "/api/v1/events")] == [demo_event["id"]]
        assert {u["id"] for u in commander.get("/api/v1/units").get_json()["items"]} == own
    county_staff = {p["id"] for p in every_person if p["unit_id"] == units["云岭县"]["id"]}
    assert seen_people | county_staff == {p["id"] for p in every_person}


def test_the_county_commander_sees_the_whole_county(client, admin, demo_event):
    county = sign_in(client, "county")
    for path in ("/api/v1/people", "/api/v1/posts", "/api/v1/events"):
        assert county.get(f"{path}?limit=1").get_json()["total"] == \
            admin.get(f"{path}?limit=1").get_json()["total"], path
    assert county.get("/api/v1/units").get_json()["total"] == 16
    shifts = f"/api/v1/events/{demo_event['id']}/shifts?limit=1"
    assert county.get(shifts).get_json()["total"] == admin.get(shifts).get_json()["total"]


def test_event_has_running_shifts_staffed_by_the_rules(admin, demo_event):
    assert demo_event["kind"] == "rainstorm" and demo_event["level"] == 3
    assert datetime.fromisoformat(demo_event["starts_at"]) < START
    event_id = demo_event["id"]
    shifts = {s["id"]: s for s in everything(admin, f"/api/v1/events/{event_id}/shifts")}
    assignments = everything(admin, f"/api/v1/events/{event_id}/assignments")
    assert 120 <= len(shifts) <= 160
    assert len(assignments) >= 100
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
    assert len(running) >= 55
    statuses = Counter("full" if s["assigned"] >= s["required"] else "under" if s["assigned"]
                       else "empty" for s in running)
    assert set(statuses) == {"full", "under", "empty"}
    assert statuses["full"] > len(running) / 2
    posts = everything(admin, "/api/v1/posts")
    assert len({s["post_id"] for s in running}) < len(posts)  # some posts are idle now
    towns = {u["id"]: u["parent_id"] for u in admin.get("/api/v1/units").get_json()["items"]}
    assert len({towns[p["unit_id"]] for p in posts if p["id"] in {s["post_id"] for s in running}}) == 3

    local_posts = {p["id"]: p["village"] for p in posts}
    from_village = sum(people[a["person_id"]]["unit"] == local_posts[a["post_id"]] for a in assignments)
    assert from_village > len(assignments) / 2
    # The leaders stay at their command posts.
    leading = {r["person_id"] for items in leaders(admin).values() for r in items}
    assert not leading & {a["person_id"] for a in assignments}


def test_every_change_is_audited(admin, demo_event):
    counts = totals(admin)
    # One entry per record: units, people, posts, leaders, responsible persons, the event,
    # shifts, assignments, households and their reports, the fixture's account and the demo
    # accounts.
    records = (counts["units"] + counts["people"] + counts["posts"] + counts["leaders"]
               + counts["responsibles"] + counts["events"] + counts["shifts"]
               + counts["assignments"] + counts["households"] + counts["relocations"]
               + 1 + len(DEMO_LOGINS))
    assert counts["audit"] == records
    assert admin.get("/api/v1/audit/verify").get_json() == {"ok": True, "entries": records}
    entry = admin.get("/api/v1/audit?limit=1&entity_type=people").get_json()["items"][0]
    assert entry["actor"] == "demo" and entry["role"] == "system"


def test_loading_again_creates_nothing(admin, runner, clock, demo_event):
    before = totals(admin)
    assert before["units"] == 16 and before["leaders"] == 12 and before["responsibles"] >= 160
    assert "created 0 new records" in load(runner)
    clock.advance(hours=5)  # later the same day: the shifts follow the event, not the clock
    assert "created 0 new records" in load(runner)
    assert totals(admin) == before
    assert admin.get("/api/v1/audit/verify").get_json()["ok"]


def test_an_older_one_town_demo_is_placed_in_the_county(admin, runner):
    """A database holding the one-town demo (no units): loading keeps its records and puts the
    demo's posts and people into their units."""
    plan = build_plan()
    official = next(p for p in plan.people if p.kind == "village_official")
    person = admin.post("/api/v1/people", json=person_body(
        name=official.name, phone=official.phone, unit=official.unit)).get_json()
    post = admin.post("/api/v1/posts", json=post_body(name="石门水库")).get_json()
    assert person["unit_id"] is None and post["unit_id"] is None
    assert "placed 2 earlier ones in their units" in load(runner)
    units = units_by_path(admin)
    assert admin.get(f"/api/v1/posts/{post['id']}").get_json()["unit_id"] == \
        units["云岭县/龙潭镇/石门村"]["id"]
    assert admin.get(f"/api/v1/people/{person['id']}").get_json()["unit_id"] == \
        units[official.unit_path]["id"]
    assert admin.get("/api/v1/people?limit=1").get_json()["total"] == len(plan.people)
    assert "created 0 new records)" in load(runner)


def test_demo_logins_sign_in(client, runner, demo_event):
    output = load(runner)
    for username, role, password, unit_path in DEMO_LOGINS:
        response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["role"] == role
        assert re.search(rf"{username} / {password} +{unit_path or 'everything'}\n", output)
    assert [login[3] for login in DEMO_LOGINS].count(None) == 3  # admin, commander, inspector


def test_if_empty_leaves_a_roster_alone(admin, runner):
    assert admin.post("/api/v1/people", json=person_body()).status_code == 201
    output = load(runner, "--if-empty")
    assert "demo 云岭县" not in output and "admin-demo-2026" in output
    assert admin.get("/api/v1/people?limit=1").get_json()["total"] == 1
    assert admin.get("/api/v1/events?limit=1").get_json()["total"] == 0


def test_if_empty_loads_an_empty_roster(admin, runner):
    assert "demo 云岭县: 3 towns, 12 villages, 300 people, 80 posts" in load(runner, "--if-empty")
    assert admin.get("/api/v1/people?limit=1").get_json()["total"] == 300


def test_plan_is_the_same_on_every_run():
    plan = build_plan()
    build_plan.cache_clear()
    assert build_plan() == plan
    assert len({p.phone for p in plan.people}) == len({p.name for p in plan.people}) == 300
