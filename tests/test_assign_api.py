"""Automatic assignment over HTTP (API.md `POST /api/v1/events/{id}/assign`), proposals and their
confirmation, replacements for alerts, and the hard rules on random instances in the database."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from conftest import START, empty_tables, event_body, person_body, post_body
from field_support import staff_api
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from live_server import serve
from live_support import MapClient

from coordinator import db, unit_of_work
from coordinator.models import Assignment, Event, EventSequence, Person, Post, Shift
from coordinator.services import audit
from coordinator.services.assignment import writing
from coordinator.services.assignment.rules import Rules
from coordinator.services.sweeper import SweepRules, sweep

BASE = (28.10, 119.90)


def north(metres: float, lat: float = BASE[0]) -> float:
    return lat + math.degrees(metres / 6_371_008.8)


def at(hours: float) -> str:
    return (START + timedelta(hours=hours)).isoformat()


class Town:
    """A small response built through the API: people, posts, an event and its shifts."""

    def __init__(self, admin, commander):
        self.admin, self.commander = admin, commander
        self.event = commander.post("/api/v1/events", json=event_body()).get_json()
        self.phones = 0

    def person(self, metres_north: float, **fields) -> dict:
        self.phones += 1
        body = person_body(name=fields.pop("name", f"人员{self.phones}"),
                           phone=f"1390000{self.phones:04d}", home_lat=north(metres_north),
                           home_lon=BASE[1], skills=fields.pop("skills", []), **fields)
        answer = self.admin.post("/api/v1/people", json=body)
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()

    def post(self, name: str, metres_north: float = 0.0, **fields) -> dict:
        answer = self.commander.post("/api/v1/posts", json=post_body(
            name=name, lat=north(metres_north), lon=BASE[1], **fields))
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()

    def shift(self, post: dict, start_h: float = 0, length_h: float = 12, required: int = 1,
              event: dict | None = None, **fields) -> dict:
        event = event or self.event
        answer = self.commander.post(f"/api/v1/events/{event['id']}/shifts", json={
            "post_id": post["id"], "starts_at": at(start_h), "ends_at": at(start_h + length_h),
            "required": required, **fields})
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()

    def assign(self, body=None, event: dict | None = None, api=None):
        event = event or self.event
        return (api or self.commander).post(f"/api/v1/events/{event['id']}/assign",
                                            json={} if body is None else body)

    def assignments(self) -> list[dict]:
        return self.commander.get(
            f"/api/v1/events/{self.event['id']}/assignments?limit=500").get_json()["items"]


@pytest.fixture
def town(admin, commander) -> Town:
    return Town(admin, commander)


# --- the contract ---------------------------------------------------------------------------


def test_open_places_are_filled_by_the_nearest_people(town):
    near, middle, _ = town.person(200), town.person(900), town.person(5_000)
    shift = town.shift(town.post("石门水库"), required=2)
    answer = town.assign()
    assert answer.status_code == 200
    body = answer.get_json()
    assert set(body) == {"assignments", "unfilled", "total_distance_m"}
    assert body["unfilled"] == []
    assert {a["person_id"] for a in body["assignments"]} == {near["id"], middle["id"]}
    for item in body["assignments"]:
        assert {"id", "shift_id", "person_id", "distance_m"} <= set(item)
        assert item["shift_id"] == shift["id"]
    by_person = {a["person_id"]: a["distance_m"] for a in body["assignments"]}
    assert by_person[near["id"]] == pytest.approx(200, abs=1)
    assert by_person[middle["id"]] == pytest.approx(900, abs=1)
    assert body["total_distance_m"] == pytest.approx(sum(by_person.values()), abs=0.05)
    stored = town.assignments()
    assert {(a["id"], a["source"]) for a in stored} == {(a["id"], "auto") for a in body["assignments"]}
    assert {a["distance_m"] for a in stored} == set(by_person.values())


def test_only_new_assignments_are_listed_and_manual_ones_stay(town, commander):
    keeper, near, _ = town.person(3_000), town.person(100), town.person(300)
    shift = town.shift(town.post("石门水库"), required=2)
    manual = commander.post("/api/v1/assignments",
                            json={"shift_id": shift["id"], "person_id": keeper["id"]}).get_json()
    body = town.assign().get_json()
    assert [(a["person_id"], a["shift_id"]) for a in body["assignments"]] == [(near["id"], shift["id"])]
    assert manual["id"] not in {a["id"] for a in body["assignments"]}
    stored = {a["id"]: a for a in town.assignments()}
    assert stored[manual["id"]]["source"] == "manual"
    assert stored[manual["id"]]["removed_at"] is None and stored[manual["id"]]["person_id"] == keeper["id"]
    again = town.assign().get_json()  # nothing is open any more
    assert again == {"assignments": [], "unfilled": [], "total_distance_m": 0}


def test_named_shifts_only_and_no_body_means_all_open_shifts(town, commander):
    for metres in (100, 200, 300):
        town.person(metres)
    first = town.shift(town.post("石门水库"))
    second = town.shift(town.post("青溪桥", 500))
    body = town.assign({"shift_ids": [second["id"]]}).get_json()
    assert [a["shift_id"] for a in body["assignments"]] == [second["id"]]
    bare = commander.post(f"/api/v1/events/{town.event['id']}/assign")  # no body at all
    assert bare.status_code == 200
    assert [a["shift_id"] for a in bare.get_json()["assignments"]] == [first["id"]]


def test_unknown_event_and_bad_shift_ids(town, commander):
    assert commander.post("/api/v1/events/9999/assign", json={}).status_code == 404
    other = commander.post("/api/v1/events", json=event_body(name="另一场响应")).get_json()
    foreign = town.shift(town.post("石门水库"), event=other)
    for ids in ([foreign["id"]], [123456], ["abc"], "all"):
        answer = town.assign({"shift_ids": ids})
        assert answer.status_code == 422, ids
        assert answer.get_json()["error"]["code"] == "validation_error"
        assert "shift_ids" in "".join(answer.get_json()["error"]["fields"])
    assert commander.post(f"/api/v1/events/{town.event['id']}/assign", data="[1]",
                          content_type="application/json").status_code == 400
    assert town.assignments() == []


def test_only_admins_and_commanders_may_assign(town, api_as, anonymous, client, admin):
    town.person(100)
    town.shift(town.post("石门水库"))
    staff = staff_api(client, town.commander, town.person(200)["id"])
    assert town.assign(api=api_as("inspector")).status_code == 403
    assert town.assign(api=staff).status_code == 403
    assert town.assign(api=anonymous).status_code == 401
    assert town.assign(api=admin).status_code == 200


def test_a_closed_event_takes_no_assignment(town, commander):
    town.person(100)
    town.shift(town.post("石门水库"))
    commander.post(f"/api/v1/events/{town.event['id']}/close")
    answer = town.assign()
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "conflict"


def test_hard_rules_across_events_rest_and_skills(town, commander):
    other = commander.post("/api/v1/events", json=event_body(name="另一场响应")).get_json()
    busy = town.person(50, name="忙碌", skills=["水利工程巡查员"])
    tired = town.person(60, name="刚下班", skills=["水利工程巡查员"])
    unskilled = town.person(70, name="无技能")
    fresh = town.person(4_000, name="远一些", skills=["水利工程巡查员"])
    inactive = town.person(10, name="已停用", skills=["水利工程巡查员"])
    town.admin.patch(f"/api/v1/people/{inactive['id']}", json={"active": False})
    elsewhere = town.post("外镇点位", 300)
    commander.post("/api/v1/assignments", json={
        "shift_id": town.shift(elsewhere, 4, 4, event=other)["id"], "person_id": busy["id"]})
    commander.post("/api/v1/assignments", json={
        "shift_id": town.shift(elsewhere, -10, 8, event=other)["id"], "person_id": tired["id"]})
    shift = town.shift(town.post("石门水库"), 0, 8, required=2, skills=["水利工程巡查员"])
    body = town.assign({"shift_ids": [shift["id"]]}).get_json()
    assert [a["person_id"] for a in body["assignments"]] == [fresh["id"]]
    assert body["unfilled"] == [{"shift_id": shift["id"], "missing": 1,
                                 "reason": "not_enough_people"}]
    assert unskilled["id"] not in [a["person_id"] for a in body["assignments"]]
    body = town.assign({"shift_ids": [town.shift(town.post("青溪桥", 100), 2, 4,
                                                 skills=["水利工程巡查员"])["id"]]}).get_json()
    assert body["assignments"] == []  # busy overlaps, tired rests, fresh is on the first shift
    assert body["unfilled"][0]["reason"] == "everyone_busy_or_resting"


def test_every_assignment_is_audited_and_reaches_the_phone_live(app, town, commander, client):
    person = town.person(100)
    phone_api = staff_api(client, commander, person["id"])
    shift = town.shift(town.post("石门水库"))
    with serve(app) as url:
        phone = MapClient(url, phone_api.token).connect()
        watcher = MapClient(url, commander.token).connect()
        try:
            watcher.subscribe(town.event["id"])
            body = town.assign().get_json()
            [created] = body["assignments"]
            name, message = phone.next()
            assert name == "assignment" and message["action"] == "created"
            assert message["assignment"]["id"] == created["id"]
            assert message["assignment"]["source"] == "auto"
            name, message = watcher.next()
            assert name == "assignment" and message["assignment"]["person_id"] == person["id"]
            assert message["event_id"] == town.event["id"] and message["seq"] >= 1
        finally:
            phone.close()
            watcher.close()
    entries = town.admin.get(f"/api/v1/audit?entity_type=assignments&entity_id={created['id']}")
    [entry] = entries.get_json()["items"]
    assert entry["action"] == "create" and entry["after"]["shift_id"] == shift["id"]
    assert entry["after"]["source"] == "auto" and entry["role"] == "commander"
    assert town.admin.get("/api/v1/audit/verify").get_json()["ok"] is True


# --- proposals and their confirmation -----------------------------------------------------------


def test_a_proposal_saves_nothing_and_explains_itself(town):
    official = town.person(100, kind="village_official", unit="石门村", name="村干部")
    town.person(2_000)
    shift = town.shift(town.post("石门水库", village="石门村"), required=2, skills=[])
    lonely = town.shift(town.post("远山点位", 90_000), required=1)
    answer = town.commander.post(f"/api/v1/events/{town.event['id']}/assign/proposal", json={})
    assert answer.status_code == 200
    body = answer.get_json()
    assert town.assignments() == []
    first = next(a for a in body["assignments"] if a["person_id"] == official["id"])
    assert first["id"] is None and first["shift_id"] == shift["id"]
    assert first["person_name"] == "村干部" and first["post_name"] == "石门水库"
    assert set(first["why"]) >= {"nearest", "own_village"}
    assert "本村" in first["reason"]
    assert first["from_where"] == "home" and first["distance_m"] == pytest.approx(100, abs=1)
    assert body["unfilled"] == [{"shift_id": lonely["id"], "missing": 1,
                                 "reason": "no_one_within_reach", "post_name": "远山点位",
                                 "reason_text": body["unfilled"][0]["reason_text"]}]
    assert body["total_distance_m"] == pytest.approx(
        sum(a["distance_m"] for a in body["assignments"]), abs=0.05)


def test_confirming_an_adjusted_proposal(town, commander):
    a, b, c = town.person(100), town.person(200), town.person(300)
    shift = town.shift(town.post("石门水库"), required=3)
    url = f"/api/v1/events/{town.event['id']}/assign/confirm"
    answer = commander.post(url, json={"rows": [
        {"shift_id": shift["id"], "person_id": a["id"]},
        {"shift_id": shift["id"], "person_id": c["id"], "swapped": True}]})
    assert answer.status_code == 200, answer.get_json()
    assert len(answer.get_json()["assignments"]) == 2
    sources = {x["person_id"]: x["source"] for x in town.assignments()}
    assert sources == {a["id"]: "auto", c["id"]: "manual"}
    # a is on the shift already; two rows for one open place; and b is fine only alone.
    bad = commander.post(url, json={"rows": [{"shift_id": shift["id"], "person_id": a["id"]}]})
    assert bad.status_code == 422 and "rows.0.person_id" in bad.get_json()["error"]["fields"]
    full = commander.post(url, json={"rows": [{"shift_id": shift["id"], "person_id": b["id"]},
                                              {"shift_id": shift["id"], "person_id": b["id"]}]})
    assert full.status_code == 409
    assert commander.post(url, json={"rows": []}).status_code == 422
    assert len(town.assignments()) == 2


def test_a_confirmed_row_that_breaks_the_rest_rule_is_refused(town, commander):
    person = town.person(100)
    day = town.shift(town.post("石门水库"), 0, 12)
    night = town.shift(town.post("青溪桥", 200), 12, 12)
    answer = commander.post(f"/api/v1/events/{town.event['id']}/assign/confirm", json={"rows": [
        {"shift_id": day["id"], "person_id": person["id"]},
        {"shift_id": night["id"], "person_id": person["id"]}]})
    assert answer.status_code == 422
    assert answer.get_json()["error"]["fields"] == {
        "rows.1.person_id": "would not have the minimum rest between shifts"}
    assert town.assignments() == []


def test_open_shifts_can_be_filtered(town, commander):
    town.shift(town.post("石门水库", village="石门村", kind="reservoir"), 0, 12)
    town.shift(town.post("青溪桥", 100, village="青溪村", kind="bridge"), 12, 12)
    url = f"/api/v1/events/{town.event['id']}/assign/shifts"
    assert commander.get(url).get_json()["total"] == 2
    assert [s["post_name"] for s in commander.get(f"{url}?village=青溪村").get_json()["items"]] == ["青溪桥"]
    assert [s["post_kind"] for s in commander.get(f"{url}?kind=reservoir").get_json()["items"]] == \
        ["reservoir"]
    later = commander.get(url, query_string={"starts_from": at(6)}).get_json()["items"]
    assert [s["post_name"] for s in later] == ["青溪桥"]


# --- replacements for alerts ----------------------------------------------------------------------


def test_the_replacement_respects_rest_and_says_why(app, town, commander, clock):
    missing = town.person(0, name="缺岗")
    nearest_but_tired = town.person(50, name="刚下夜班")
    rested = town.person(800, name="休息好的")
    post = town.post("石门水库")
    night = town.shift(town.post("夜班点", 100), -12, 12)
    commander.post("/api/v1/assignments", json={"shift_id": night["id"],
                                                 "person_id": nearest_but_tired["id"]})
    shift = town.shift(post, 0, 12)
    commander.post("/api/v1/assignments", json={"shift_id": shift["id"], "person_id": missing["id"]})
    candidates = commander.get(f"/api/v1/shifts/{shift['id']}/candidates").get_json()["items"]
    assert [c["person_id"] for c in candidates] == [rested["id"]]
    assert candidates[0]["why"] == ["nearest"] and candidates[0]["reason"]
    clock.advance(minutes=20)
    with app.app_context():
        session = db.session()
        sweep(session, clock.now(), SweepRules())
        unit_of_work.commit(session)
    alerts = commander.get(f"/api/v1/events/{town.event['id']}/alerts").get_json()["items"]
    missed = next(a for a in alerts if a["kind"] == "missed_checkin")
    sent = commander.post(f"/api/v1/alerts/{missed['id']}/dispatch")
    assert sent.status_code == 201
    assert sent.get_json()["person_id"] == rested["id"] and sent.get_json()["source"] == "auto"
    assert sent.get_json()["distance_m"] == pytest.approx(800, abs=1)


# --- the property, through the database -------------------------------------------------------------


@st.composite
def db_instances(draw):
    people = [dict(home=draw(st.one_of(st.none(), st.tuples(st.floats(28.0, 28.2),
                                                             st.floats(119.8, 120.0)))),
                   skills=draw(st.lists(st.sampled_from(("甲", "乙")), unique=True)),
                   active=draw(st.booleans()) or draw(st.booleans()),
                   kind=draw(st.sampled_from(("cadre", "village_official"))))
              for _ in range(draw(st.integers(1, 8)))]
    posts = [dict(at=(draw(st.floats(28.0, 28.2)), draw(st.floats(119.8, 120.0))),
                  village=draw(st.sampled_from(("石门村", "青溪村", None))))
             for _ in range(draw(st.integers(1, 3)))]
    shifts = [dict(post=draw(st.integers(0, len(posts) - 1)), start=draw(st.integers(-4, 30)),
                   length=draw(st.sampled_from((4, 8, 12))), required=draw(st.integers(1, 3)),
                   skills=draw(st.lists(st.sampled_from(("甲", "乙")), max_size=1)),
                   other_event=draw(st.booleans()) and draw(st.booleans()))
              for _ in range(draw(st.integers(1, 5)))]
    manual = [(draw(st.integers(0, len(people) - 1)), draw(st.integers(0, len(shifts) - 1)))
              for _ in range(draw(st.integers(0, 4)))]
    return people, posts, shifts, manual


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(instance=db_instances())
def test_no_rule_is_broken_through_the_database(app, instance):
    people_spec, post_spec, shift_spec, manual = instance
    rules = Rules.from_config(app.config)
    actor = audit.Actor("test", "commander")
    empty_tables(app.extensions["db"]["engine"])
    with app.app_context():
        session = db.session()
        events = [Event(name=f"响应{i}", kind="rainstorm", level=3, starts_at=START,
                        created_at=START) for i in range(2)]
        session.add_all(events)
        session.flush()
        session.add_all([EventSequence(event_id=e.id, seq=0) for e in events])
        people = [Person(name=f"人{i}", phone=f"1370000{i:04d}",
                         unit="石门村" if p["kind"] == "village_official" else "镇政府",
                         kind=p["kind"], skills=p["skills"], active=p["active"],
                         home_lat=p["home"][0] if p["home"] else None,
                         home_lon=p["home"][1] if p["home"] else None,
                         created_at=START, updated_at=START) for i, p in enumerate(people_spec)]
        posts = [Post(name=f"点{i}", kind="pond", lat=p["at"][0], lon=p["at"][1], radius_m=100,
                      village=p["village"], created_at=START, updated_at=START)
                 for i, p in enumerate(post_spec)]
        session.add_all(people + posts)
        session.flush()
        shifts = [Shift(event_id=events[s["other_event"]].id, post_id=posts[s["post"]].id,
                        starts_at=START + timedelta(hours=s["start"]),
                        ends_at=START + timedelta(hours=s["start"] + s["length"]),
                        required=s["required"], skills=s["skills"], created_at=START)
                  for s in shift_spec]
        session.add_all(shifts)
        session.flush()
        kept = set()
        for p, s in manual:
            if people[p].active and (shifts[s].id, people[p].id) not in kept:
                session.add(Assignment(shift_id=shifts[s].id, person_id=people[p].id,
                                       source="manual", created_at=START))
                kept.add((shifts[s].id, people[p].id))
        unit_of_work.commit(session)
        before = {(a.id, a.shift_id, a.person_id) for a in session.query(Assignment)}
        created, plan = writing.assign_open_places(session, actor, START, events[0], rules)
        unit_of_work.commit(session)
        rows = session.query(Assignment).filter(Assignment.removed_at.is_(None)).all()
        assert before <= {(a.id, a.shift_id, a.person_id) for a in rows}, "manual ones kept"
        new_ids = {a.id for a in created}
        by_shift = {s.id: s for s in shifts}
        by_person = {p.id: p for p in people}
        for a in created:
            who, where = by_person[a.person_id], by_shift[a.shift_id]
            assert who.active and set(where.skills) <= set(who.skills)
            assert where.event_id == events[0].id and where.ends_at > START
            windows = [(by_shift[b.shift_id].starts_at, by_shift[b.shift_id].ends_at)
                       for b in rows if b.person_id == a.person_id and b.id != a.id]
            for start, end in windows:
                assert not (start < where.ends_at and end > where.starts_at), "overlap"
                gap = where.starts_at - end if end <= where.starts_at else start - where.ends_at
                assert gap >= rules.min_rest, "rest"
            everything = [*windows, (where.starts_at, where.ends_at)]
            begin = where.starts_at - timedelta(hours=24)
            while begin < where.ends_at:  # every 24-hour window touching it (whole hours)
                end = begin + timedelta(hours=24)
                minutes = set()  # overlapping manual shifts count once
                for s, e in everything:
                    first, last = max(s, begin), min(e, end)
                    minutes.update(range(int((first - START).total_seconds() // 60),
                                         int((last - START).total_seconds() // 60)))
                assert len(minutes) <= rules.max_duty_24h.total_seconds() / 60, "24-hour limit"
                begin += timedelta(hours=1)
        for s in shifts:
            count = sum(1 for a in rows if a.shift_id == s.id)
            if any(a.shift_id == s.id and a.id in new_ids for a in rows):
                assert count <= s.required
        assert len(plan.proposals) == len(created)
