"""No overfill: two writers racing for the last open place of a shift leave it with exactly
`required` assignments, and the loser gets a clear 409 (or fills nothing), never a 500.

Each writer is its own HTTP test client on the same app, started together by a barrier. To make
the race certain rather than lucky, the bulk writer (`events.create_assignments`) waits a moment
before writing: a writer that counted the open places before taking the shift's lock would then
always count the same place as its rival. On PostgreSQL this is a real race between two
transactions; on SQLite writers are serialised by BEGIN IMMEDIATE, so the loser only ever sees
the winner's commit, but it takes the same path (lock, then count) and must answer the same."""

from __future__ import annotations

import math
import threading
import time
from datetime import timedelta

import pytest
from conftest import START, Api, event_body, person_body, post_body

from coordinator.services import events

BASE = (28.10, 119.90)
WRITE_DELAY_S = 0.5


def north(metres: float) -> float:
    return BASE[0] + math.degrees(metres / 6_371_008.8)


def at(hours: float) -> str:
    return (START + timedelta(hours=hours)).isoformat()


@pytest.fixture
def slow_writer(monkeypatch):
    """Hold every bulk write for a moment inside its transaction (see the module's docstring)."""
    write = events.create_assignments

    def slowly(*args, **kwargs):
        time.sleep(WRITE_DELAY_S)
        return write(*args, **kwargs)

    monkeypatch.setattr(events, "create_assignments", slowly)


@pytest.fixture
def last_place(admin, commander):
    """A shift of 2 places with one held by hand, and two more people who could take the last."""
    people = []
    for i, metres in enumerate((100, 200, 300)):
        answer = admin.post("/api/v1/people", json=person_body(
            name=f"人员{i}", phone=f"1390000{i:04d}", home_lat=north(metres), home_lon=BASE[1],
            skills=[]))
        assert answer.status_code == 201, answer.get_json()
        people.append(answer.get_json())
    event = commander.post("/api/v1/events", json=event_body()).get_json()
    post = commander.post("/api/v1/posts", json=post_body(lat=BASE[0], lon=BASE[1])).get_json()
    shift = commander.post(f"/api/v1/events/{event['id']}/shifts", json={
        "post_id": post["id"], "starts_at": at(0), "ends_at": at(12), "required": 2}).get_json()
    held = commander.post("/api/v1/assignments", json={"shift_id": shift["id"],
                                                       "person_id": people[2]["id"]})
    assert held.status_code == 201, held.get_json()
    return event, shift, people


def race(app, token: str, *requests):
    """Send the (path, body) requests at once, each from its own client; their answers."""
    start = threading.Barrier(len(requests))
    answers: list = [None] * len(requests)
    failures: list[BaseException] = []

    def send(i, path, body):
        try:
            api = Api(app.test_client(), token)
            start.wait(timeout=30)
            answer = api.post(path, json=body)
            answers[i] = (answer.status_code, answer.get_json())
        except BaseException as error:  # noqa: BLE001 - reported below
            failures.append(error)

    threads = [threading.Thread(target=send, args=(i, path, body))
               for i, (path, body) in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    assert all(a is not None for a in answers), "a request did not finish"
    return answers


def standing(commander, event, shift) -> list[dict]:
    items = commander.get(f"/api/v1/events/{event['id']}/assignments?limit=100").get_json()["items"]
    return [a for a in items if a["shift_id"] == shift["id"] and a["removed_at"] is None]


def test_two_confirms_for_the_last_place_fill_it_once(app, commander, last_place, slow_writer):
    event, shift, people = last_place
    confirm = f"/api/v1/events/{event['id']}/assign/confirm"
    answers = race(app, commander.token,
                   (confirm, {"rows": [{"shift_id": shift["id"], "person_id": people[0]["id"]}]}),
                   (confirm, {"rows": [{"shift_id": shift["id"], "person_id": people[1]["id"]}]}))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200, 409], answers
    loser = next(body for status, body in answers if status == 409)
    assert loser["error"]["code"] == "conflict"
    assert "open place" in loser["error"]["message"]
    assert len(standing(commander, event, shift)) == shift["required"]


def test_a_confirm_and_an_automatic_assignment_fill_the_last_place_once(
        app, commander, last_place, slow_writer):
    event, shift, people = last_place
    # The engine would take the nearest free person (people[0]); the commander confirms another.
    answers = race(app, commander.token,
                   (f"/api/v1/events/{event['id']}/assign", {}),
                   (f"/api/v1/events/{event['id']}/assign/confirm",
                    {"rows": [{"shift_id": shift["id"], "person_id": people[1]["id"]}]}))
    assert all(status < 500 for status, _ in answers), answers
    (auto_status, auto), (confirm_status, confirmed) = answers
    assert auto_status == 200, auto
    assert confirm_status in (200, 409), confirmed
    created = len(auto["assignments"]) + (len(confirmed["assignments"])
                                          if confirm_status == 200 else 0)
    assert created == 1, answers  # whoever came second found no place open and took none
    assert len(standing(commander, event, shift)) == shift["required"]


def test_two_automatic_assignments_fill_the_last_place_once(app, commander, last_place,
                                                           slow_writer):
    event, shift, _ = last_place
    path = f"/api/v1/events/{event['id']}/assign"
    answers = race(app, commander.token, (path, {}), (path, {"shift_ids": [shift["id"]]}))
    assert all(status in (200, 409) for status, _ in answers), answers
    created = sum(len(body["assignments"]) for status, body in answers if status == 200)
    assert created == 1, answers
    assert len(standing(commander, event, shift)) == shift["required"]
