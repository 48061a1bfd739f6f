"""Events, their shifts and manual assignments over HTTP: nobody is ever double-booked."""

from __future__ import annotations

import pytest
from conftest import event_body, person_body, post_body

MORNING = ("2026-07-21T08:00:00+08:00", "2026-07-21T20:00:00+08:00")
NIGHT = ("2026-07-21T20:00:00+08:00", "2026-07-22T08:00:00+08:00")
AFTERNOON = ("2026-07-21T14:00:00+08:00", "2026-07-21T22:00:00+08:00")


@pytest.fixture
def world(admin, commander):
    """Two posts, two people and an open event."""
    posts = [commander.post("/api/v1/posts", json=post_body()).get_json(),
             commander.post("/api/v1/posts", json=post_body(name="后山山塘", kind="pond")).get_json()]
    people = [admin.post("/api/v1/people", json=person_body()).get_json(),
              admin.post("/api/v1/people", json=person_body(name="李娜", phone="13900000002")
                         ).get_json()]
    event = commander.post("/api/v1/events", json=event_body()).get_json()
    return {"posts": posts, "people": people, "event": event}


def add_shift(api, event_id: int, post_id: int, window=MORNING, **extra) -> dict:
    body = {"post_id": post_id, "starts_at": window[0], "ends_at": window[1], "required": 2, **extra}
    response = api.post(f"/api/v1/events/{event_id}/shifts", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def assign(api, shift_id: int, person_id: int):
    return api.post("/api/v1/assignments", json={"shift_id": shift_id, "person_id": person_id})


# --- events -------------------------------------------------------------------------------------


def test_create_event_answers_201_with_offset_times(commander):
    response = commander.post("/api/v1/events", json=event_body(starts_at="2026-07-21T00:30:00Z"))

    assert response.status_code == 201
    event = response.get_json()
    assert isinstance(event["id"], int)
    assert (event["name"], event["kind"], event["level"]) == ("2026年7月强降雨防御", "rainstorm", 3)
    assert event["starts_at"] == "2026-07-21T08:30:00+08:00"
    assert (event["status"], event["closed_at"]) == ("active", None)
    assert commander.get(f"/api/v1/events/{event['id']}").get_json() == event


@pytest.mark.parametrize("field, value", [
    ("level", 0),
    ("level", 5),
    ("level", "3"),
    ("kind", "earthquake"),
    ("starts_at", "2026-07-21T08:00:00"),
    ("starts_at", "tomorrow"),
    ("name", "  "),
])
def test_invalid_event_is_422_naming_the_field(commander, field, value):
    response = commander.post("/api/v1/events", json=event_body(**{field: value}))

    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert commander.get("/api/v1/events").get_json()["total"] == 0


def test_every_level_and_kind_is_accepted(commander):
    for level in (1, 2, 3, 4):
        assert commander.post("/api/v1/events", json=event_body(level=level)).status_code == 201
    for kind in ("rainstorm", "typhoon", "flood", "landslide", "other"):
        assert commander.post("/api/v1/events", json=event_body(kind=kind)).status_code == 201


def test_inspectors_read_events_but_do_not_open_them(api_as):
    inspector = api_as("inspector")

    assert inspector.post("/api/v1/events", json=event_body()).status_code == 403
    assert inspector.get("/api/v1/events").status_code == 200


def test_list_is_newest_first_and_filters_by_status(commander):
    ids = [commander.post("/api/v1/events", json=event_body(name=f"第{i}号台风防御")).get_json()["id"]
           for i in range(3)]
    assert commander.post(f"/api/v1/events/{ids[0]}/close").status_code == 200

    every = commander.get("/api/v1/events").get_json()
    active = commander.get("/api/v1/events?status=active").get_json()
    closed = commander.get("/api/v1/events?status=closed").get_json()

    assert [e["id"] for e in every["items"]] == ids[::-1]
    assert every["total"] == 3
    assert [e["id"] for e in active["items"]] == [ids[2], ids[1]]
    assert [(e["id"], e["status"]) for e in closed["items"]] == [(ids[0], "closed")]
    assert commander.get("/api/v1/events?status=open").status_code == 422
    assert [e["id"] for e in commander.get("/api/v1/events?limit=1&offset=1").get_json()["items"]] \
        == [ids[1]]


def test_unknown_event_is_404(commander):
    assert commander.get("/api/v1/events/999").status_code == 404
    assert commander.post("/api/v1/events/999/close").status_code == 404


def test_close_sets_closed_at_and_closing_twice_is_a_conflict(commander, clock):
    event = commander.post("/api/v1/events", json=event_body()).get_json()
    clock.advance(hours=6)

    response = commander.post(f"/api/v1/events/{event['id']}/close")

    assert response.status_code == 200
    closed = response.get_json()
    assert closed["closed_at"] == "2026-07-21T14:00:00+08:00"
    assert closed["status"] == "closed"
    assert commander.get(f"/api/v1/events/{event['id']}").get_json() == closed
    again = commander.post(f"/api/v1/events/{event['id']}/close")
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "conflict"


def test_closed_event_refuses_new_shifts_and_assignments(commander, world):
    event, post, person = world["event"], world["posts"][0], world["people"][0]
    shift = add_shift(commander, event["id"], post["id"])
    commander.post(f"/api/v1/events/{event['id']}/close")

    new_shift = commander.post(f"/api/v1/events/{event['id']}/shifts", json={
        "post_id": post["id"], "starts_at": NIGHT[0], "ends_at": NIGHT[1], "required": 1})
    new_assignment = assign(commander, shift["id"], person["id"])

    assert new_shift.status_code == 409
    assert new_assignment.status_code == 409
    assert new_assignment.get_json()["error"]["code"] == "conflict"
    assert commander.get(f"/api/v1/events/{event['id']}/shifts").get_json()["total"] == 1
    assert commander.get(f"/api/v1/events/{event['id']}/assignments").get_json()["total"] == 0


# --- shifts -------------------------------------------------------------------------------------


def test_create_shift_answers_201_with_post_name_and_no_one_assigned(commander, world):
    event, post = world["event"], world["posts"][0]

    response = commander.post(f"/api/v1/events/{event['id']}/shifts", json={
        "post_id": post["id"], "starts_at": "2026-07-21T00:00:00Z",
        "ends_at": "2026-07-21T12:00:00Z", "required": 2, "skills": ["水利工程巡查员"]})

    assert response.status_code == 201, response.get_json()
    shift = response.get_json()
    assert shift["event_id"] == event["id"]
    assert (shift["post_id"], shift["post_name"]) == (post["id"], "石门水库")
    assert (shift["required"], shift["assigned"], shift["skills"]) == (2, 0, ["水利工程巡查员"])
    assert (shift["starts_at"], shift["ends_at"]) == MORNING


@pytest.mark.parametrize("window", [(MORNING[0], MORNING[0]), (MORNING[1], MORNING[0])])
def test_shift_must_end_after_it_starts(commander, world, window):
    response = commander.post(f"/api/v1/events/{world['event']['id']}/shifts", json={
        "post_id": world["posts"][0]["id"], "starts_at": window[0], "ends_at": window[1],
        "required": 1})

    assert response.status_code == 422
    assert "ends_at" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("field, value", [("required", 0), ("starts_at", "2026-07-21T08:00:00"),
                                          ("post_id", "1")])
def test_invalid_shift_field_is_422_naming_it(commander, world, field, value):
    body = {"post_id": world["posts"][0]["id"], "starts_at": MORNING[0], "ends_at": MORNING[1],
            "required": 1, field: value}

    response = commander.post(f"/api/v1/events/{world['event']['id']}/shifts", json=body)

    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_shift_at_unknown_post_is_422_and_at_unknown_event_404(commander, world):
    unknown_post = commander.post(f"/api/v1/events/{world['event']['id']}/shifts", json={
        "post_id": 999, "starts_at": MORNING[0], "ends_at": MORNING[1], "required": 1})
    unknown_event = commander.post("/api/v1/events/999/shifts", json={
        "post_id": world["posts"][0]["id"], "starts_at": MORNING[0], "ends_at": MORNING[1],
        "required": 1})

    assert unknown_post.status_code == 422
    assert "post_id" in unknown_post.get_json()["error"]["fields"]
    assert unknown_event.status_code == 404
    assert commander.get("/api/v1/events/999/shifts").status_code == 404


def test_shifts_are_listed_by_start_with_their_headcount(commander, world):
    event, posts, people = world["event"], world["posts"], world["people"]
    night = add_shift(commander, event["id"], posts[0]["id"], NIGHT)
    morning = add_shift(commander, event["id"], posts[1]["id"], MORNING)
    assign(commander, morning["id"], people[0]["id"])
    assign(commander, morning["id"], people[1]["id"])

    answer = commander.get(f"/api/v1/events/{event['id']}/shifts").get_json()

    assert answer["total"] == 2
    assert [(s["id"], s["post_name"], s["assigned"]) for s in answer["items"]] == [
        (morning["id"], "后山山塘", 2), (night["id"], "石门水库", 0)]
    only_pond = commander.get(f"/api/v1/events/{event['id']}/shifts",
                              query_string={"post_id": posts[1]["id"]}).get_json()
    assert [s["id"] for s in only_pond["items"]] == [morning["id"]]


def test_shifts_of_another_event_are_not_listed(commander, world):
    add_shift(commander, world["event"]["id"], world["posts"][0]["id"])
    other = commander.post("/api/v1/events", json=event_body(name="第6号台风防御")).get_json()

    assert commander.get(f"/api/v1/events/{other['id']}/shifts").get_json() == {"items": [],
                                                                               "total": 0}


# --- assignments --------------------------------------------------------------------------------


def test_assign_answers_201_and_is_listed_for_the_event(commander, world):
    event, post, person = world["event"], world["posts"][0], world["people"][0]
    shift = add_shift(commander, event["id"], post["id"])

    response = assign(commander, shift["id"], person["id"])

    assert response.status_code == 201, response.get_json()
    assignment = response.get_json()
    assert (assignment["shift_id"], assignment["person_id"]) == (shift["id"], person["id"])
    assert (assignment["post_id"], assignment["event_id"]) == (post["id"], event["id"])
    assert (assignment["person_name"], assignment["source"]) == ("张伟", "manual")
    assert assignment["created_at"] == "2026-07-21T08:00:00+08:00"
    assert assignment["removed_at"] is None
    listed = commander.get(f"/api/v1/events/{event['id']}/assignments").get_json()
    assert listed == {"items": [assignment], "total": 1}


def test_same_person_twice_on_one_shift_is_a_conflict(commander, world):
    shift = add_shift(commander, world["event"]["id"], world["posts"][0]["id"])
    person_id = world["people"][0]["id"]
    assert assign(commander, shift["id"], person_id).status_code == 201

    again = assign(commander, shift["id"], person_id)

    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "conflict"
    assert commander.get(f"/api/v1/events/{world['event']['id']}/assignments"
                         ).get_json()["total"] == 1


def test_overlapping_shift_at_another_post_is_a_conflict(commander, world):
    event, posts, person_id = world["event"], world["posts"], world["people"][0]["id"]
    morning = add_shift(commander, event["id"], posts[0]["id"], MORNING)
    afternoon = add_shift(commander, event["id"], posts[1]["id"], AFTERNOON)
    assert assign(commander, morning["id"], person_id).status_code == 201

    clash = assign(commander, afternoon["id"], person_id)

    assert clash.status_code == 409
    assert clash.get_json()["error"]["code"] == "conflict"
    shifts = commander.get(f"/api/v1/events/{event['id']}/shifts").get_json()["items"]
    assert {s["id"]: s["assigned"] for s in shifts} == {morning["id"]: 1, afternoon["id"]: 0}


def test_overlapping_shift_of_another_event_is_a_conflict_too(commander, world):
    posts, person_id = world["posts"], world["people"][0]["id"]
    morning = add_shift(commander, world["event"]["id"], posts[0]["id"], MORNING)
    other_event = commander.post("/api/v1/events", json=event_body(name="山洪防御")).get_json()
    afternoon = add_shift(commander, other_event["id"], posts[1]["id"], AFTERNOON)
    assert assign(commander, morning["id"], person_id).status_code == 201

    assert assign(commander, afternoon["id"], person_id).status_code == 409


def test_back_to_back_shifts_do_not_overlap(commander, world):
    event, posts, person_id = world["event"], world["posts"], world["people"][0]["id"]
    morning = add_shift(commander, event["id"], posts[0]["id"], MORNING)
    night = add_shift(commander, event["id"], posts[1]["id"], NIGHT)

    assert assign(commander, morning["id"], person_id).status_code == 201
    assert assign(commander, night["id"], person_id).status_code == 201
    assert commander.get(f"/api/v1/events/{event['id']}/assignments",
                         query_string={"person_id": person_id}).get_json()["total"] == 2


def test_unknown_shift_or_person_is_422_naming_it(commander, world):
    shift = add_shift(commander, world["event"]["id"], world["posts"][0]["id"])

    no_shift = assign(commander, 999, world["people"][0]["id"])
    no_person = assign(commander, shift["id"], 999)

    assert no_shift.status_code == 422
    assert "shift_id" in no_shift.get_json()["error"]["fields"]
    assert no_person.status_code == 422
    assert "person_id" in no_person.get_json()["error"]["fields"]


def test_inspectors_cannot_assign(api_as, commander, world):
    shift = add_shift(commander, world["event"]["id"], world["posts"][0]["id"])

    assert assign(api_as("inspector"), shift["id"], world["people"][0]["id"]).status_code == 403


def test_removed_person_can_be_assigned_again(commander, world, clock):
    event, posts, person_id = world["event"], world["posts"], world["people"][0]["id"]
    morning = add_shift(commander, event["id"], posts[0]["id"], MORNING)
    afternoon = add_shift(commander, event["id"], posts[1]["id"], AFTERNOON)
    first = assign(commander, morning["id"], person_id).get_json()
    clock.advance(minutes=10)

    removed = commander.delete(f"/api/v1/assignments/{first['id']}")

    assert removed.status_code == 200
    assert removed.get_json()["id"] == first["id"]
    assert removed.get_json()["removed_at"] == "2026-07-21T08:10:00+08:00"
    assert commander.get(f"/api/v1/events/{event['id']}/assignments").get_json()["total"] == 0
    assert assign(commander, afternoon["id"], person_id).status_code == 201
    assert commander.delete(f"/api/v1/assignments/{first['id']}").status_code == 404
    assert assign(commander, morning["id"], person_id).status_code == 409


def test_same_shift_again_after_removal(commander, world):
    shift = add_shift(commander, world["event"]["id"], world["posts"][0]["id"])
    person_id = world["people"][0]["id"]
    first = assign(commander, shift["id"], person_id).get_json()
    commander.delete(f"/api/v1/assignments/{first['id']}")

    again = assign(commander, shift["id"], person_id)

    assert again.status_code == 201
    assert again.get_json()["id"] != first["id"]
    listed = commander.get(f"/api/v1/events/{world['event']['id']}/assignments").get_json()
    assert [a["id"] for a in listed["items"]] == [again.get_json()["id"]]


def test_delete_unknown_assignment_is_404(commander):
    response = commander.delete("/api/v1/assignments/999")

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_assignments_of_unknown_event_is_404(commander):
    assert commander.get("/api/v1/events/999/assignments").status_code == 404


def test_paging_through_shifts_that_start_together_shows_each_once(commander, world):
    event_id = world["event"]["id"]
    ids = {add_shift(commander, event_id, post["id"], MORNING if i % 3 else NIGHT)["id"]
           for i in range(12) for post in world["posts"]}

    seen = []
    for offset in range(0, 24, 5):
        page = commander.get(f"/api/v1/events/{event_id}/shifts",
                             query_string={"limit": 5, "offset": offset}).get_json()
        seen += [s["id"] for s in page["items"]]

    assert sorted(seen) == sorted(ids)


def test_closing_an_event_frees_its_people_for_the_next_one(commander, world):
    posts, person_id = world["posts"], world["people"][0]["id"]
    typhoon = add_shift(commander, world["event"]["id"], posts[0]["id"], MORNING)
    assert assign(commander, typhoon["id"], person_id).status_code == 201
    assert commander.post(f"/api/v1/events/{world['event']['id']}/close").status_code == 200
    rainstorm = commander.post("/api/v1/events", json=event_body(name="暴雨防御")).get_json()
    afternoon = add_shift(commander, rainstorm["id"], posts[1]["id"], AFTERNOON)

    assert assign(commander, afternoon["id"], person_id).status_code == 201
