"""The one on-duty rule (docs/scoring.md, "On duty: the one rule"), as the map, the sweeper and the
duty records show it: a fix too rough to decide neither ends nor starts duty."""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime, timedelta

import pytest
from field_support import make_duty, minutes

from coordinator.jobs.sweeper import run_once
from coordinator.services import duty_rule

RADIUS_M = 100.0  # make_duty's post
PRESENCE_INTERVAL = timedelta(minutes=60)  # the sweeper's default


@pytest.fixture
def duty(client, admin, commander):
    return make_duty(client, admin, commander)


def send(duty, clock, at: datetime, *, kind: str = "presence", metres: float = 5.0,
         accuracy_m: float = 10.0) -> dict:
    """A fix taken at `at` and received at once."""
    clock.set(at)
    answer = duty.checkin(kind=kind, metres=metres, accuracy_m=accuracy_m, taken_at=at,
                          assignment_id=duty.assignment_id)
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def sweep(app):
    with app.app_context():
        return run_once()


def staff_entry(commander, duty) -> dict:
    snapshot = commander.get(f"/api/v1/events/{duty.event_id}/snapshot").get_json()
    [entry] = [s for s in snapshot["staff"] if s["assignment_id"] == duty.assignment_id]
    return entry


def open_alerts(commander, duty, kind: str) -> list[dict]:
    items = commander.get(f"/api/v1/events/{duty.event_id}/alerts?status=open").get_json()["items"]
    return [a for a in items if a["kind"] == kind]


def record(commander, duty) -> dict:
    items = commander.get(f"/api/v1/events/{duty.event_id}/performance").get_json()["items"]
    [item] = [i for i in items if i["person_id"] == duty.person_id]
    return item


def drawer_assignment(commander, duty) -> dict:
    drawer = commander.get(f"/api/v1/events/{duty.event_id}/posts/{duty.post['id']}").get_json()
    [entry] = [a for s in drawer["shifts"] for a in s["assignments"]
               if a["assignment_id"] == duty.assignment_id]
    return entry


def test_poor_fixes_at_the_post_do_not_end_duty(app, clock, admin, commander, duty):
    start = clock.now()
    assert send(duty, clock, start, kind="check_in")["fence_reading"] == "inside"
    # A storm: indoors at the post, the phone's fixes are rough. One with accuracy worse than
    # ACCURACY_LIMIT_M (100 m), one 170 m off with ±80 m (beyond 100 m + the 50 m tolerance,
    # yet its circle still reaches the fence): neither is inside, neither is decidedly outside.
    rough = [send(duty, clock, start + minutes(20), metres=30, accuracy_m=150),
             send(duty, clock, start + minutes(40), metres=170, accuracy_m=80)]
    for answer in rough:
        assert answer["within_fence"] is False and "outside_fence" in answer["flags"]
        assert answer["fence_reading"] == "unknown"
    assert "low_accuracy" in rough[0]["flags"]

    entry = staff_entry(commander, duty)
    assert entry["on_duty"] is True
    # "Last seen" follows the phone, so the map shows where it is.
    assert datetime.fromisoformat(entry["last_seen"]) == start + minutes(40)
    assert (entry["lat"], entry["lon"]) == pytest.approx(duty.point_at(170))
    assert drawer_assignment(commander, duty)["on_duty"] is True
    drawer = commander.get(f"/api/v1/events/{duty.event_id}/posts/{duty.post['id']}").get_json()
    assert [c["fence_reading"] for c in drawer["checkins"]] == ["unknown", "unknown", "inside"]
    staffing = drawer["status"]
    assert (staffing["present"], staffing["status"]) == (1, "full")

    clock.set(start + minutes(45))
    sweep(app)
    assert open_alerts(commander, duty, "left_post") == []
    summary = commander.get(f"/api/v1/events/{duty.event_id}/performance/summary").get_json()
    assert summary["on_duty_now"] == 1 and summary["open_absences"] == []

    # The rest of the day at the post: the rough fixes cut nothing from the hours.
    send(duty, clock, start + minutes(50))
    send(duty, clock, start + timedelta(hours=12), kind="check_out")
    item = record(commander, duty)
    assert item["on_duty_hours"] == 12
    assert (item["attended"], item["late"], item["left_early"]) == (1, 0, 0)
    # The exported check-ins say which fixes were too rough to tell.
    export = admin.get(f"/api/v1/events/{duty.event_id}/export.csv?table=checkins&lang=en")
    rows = list(csv.DictReader(io.StringIO(export.data.decode("utf-8-sig"))))
    assert [(r["Duty rule reading"], r["Counts as on duty"]) for r in rows] == [
        ("inside", "yes"), ("too rough to tell", "no"), ("too rough to tell", "no"),
        ("inside", "yes"), ("inside", "yes")]


def test_poor_fixes_do_not_confirm_presence_either(app, clock, commander, duty):
    """Unknown fixes keep a person on duty, but only a fix inside says they are still there:
    with nothing else for longer than the presence interval, the sweeper asks."""
    start = clock.now()
    send(duty, clock, start, kind="check_in")
    for n in (20, 40, 60):
        send(duty, clock, start + minutes(n), metres=30, accuracy_m=150)
    clock.set(start + minutes(61))
    sweep(app)
    [alert] = open_alerts(commander, duty, "left_post")
    assert "在岗确认" in alert["message"]  # overdue presence, not "outside the fence"
    assert staff_entry(commander, duty)["on_duty"] is True
    # Another rough fix ends nothing; a fix inside ends the alert at once.
    send(duty, clock, start + minutes(62), metres=30, accuracy_m=150)
    assert len(open_alerts(commander, duty, "left_post")) == 1
    send(duty, clock, start + minutes(63))
    assert open_alerts(commander, duty, "left_post") == []


def test_two_decidedly_outside_fixes_still_end_duty(app, clock, commander, duty):
    start = clock.now()
    send(duty, clock, start, kind="check_in")
    send(duty, clock, start + minutes(60))
    # 500 m off at ±10 m, then 3 km off even at ±200 m: the whole circle is beyond the fence.
    first = send(duty, clock, start + minutes(70), metres=500)
    assert first["fence_reading"] == "outside"
    assert staff_entry(commander, duty)["on_duty"] is True  # one GPS jump is not leaving
    second = send(duty, clock, start + minutes(80), metres=3000, accuracy_m=200)
    assert second["fence_reading"] == "outside"
    assert staff_entry(commander, duty)["on_duty"] is False
    assert drawer_assignment(commander, duty)["on_duty"] is False

    clock.set(start + minutes(85))
    sweep(app)
    [alert] = open_alerts(commander, duty, "left_post")
    assert "围栏外" in alert["message"]
    # Time on duty ended at the last fix inside.
    assert record(commander, duty)["on_duty_hours"] == 1


READINGS = {
    # reading: (metres from the post, accuracy) choices, well clear of every boundary
    "inside": [(5, 10), (60, 20), (120, 40)],
    "unknown": [(30, 150), (170, 80), (400, 350)],
    "outside": [(500, 10), (900, 30), (3000, 200)],
}


@pytest.mark.parametrize("seed", range(6))
def test_the_map_the_sweeper_and_the_records_read_one_fold(app, clock, commander, duty, seed):
    """Random days of fixes, some sent late from an offline queue: the map's `on_duty` and
    `last_seen`, the drawer, post staffing, the sweeper's `left_post` and the records' hours
    and `on_duty_now` all agree with one `duty_rule.fold` over the stored fixes."""
    rng = random.Random(seed)
    start = clock.now()
    taken = [start + minutes(10 * n + rng.randint(0, 5)) for n in range(10)]
    kinds = ["check_in"] + rng.choices(["presence", "presence", "check_in", "check_out"], k=9)
    plan = []
    for at, kind in zip(taken, kinds, strict=True):
        reading = rng.choice(list(READINGS))
        metres, accuracy = rng.choice(READINGS[reading])
        plan.append((at, kind, reading, metres + rng.random(), accuracy))
    order = list(range(len(plan)))
    for _ in range(2):  # a couple of fixes arrive after later ones (queued offline)
        i = rng.randrange(len(order) - 1)
        order[i], order[i + 1] = order[i + 1], order[i]
    latest = start
    fixes = []
    for index in order:
        at, kind, reading, metres, accuracy = plan[index]
        latest = max(latest, at)
        clock.set(latest)
        answer = duty.checkin(kind=kind, metres=metres, accuracy_m=accuracy, taken_at=at,
                              assignment_id=duty.assignment_id)
        assert answer.status_code == 201, answer.get_json()
        body = answer.get_json()
        assert body["fence_reading"] == reading, (metres, accuracy, body)
        lat, lon = duty.point_at(metres)
        fixes.append(duty_rule.Fix(duty.assignment_id, body["id"], kind,
                                   datetime.fromisoformat(body["taken_at"]), body["within_fence"],
                                   body["distance_m"], accuracy, RADIUS_M, None, lat, lon))
    now = latest + minutes(rng.choice([1, 30, 70]))
    clock.set(now)
    state = duty_rule.fold(fixes)

    entry = staff_entry(commander, duty)
    assert entry["on_duty"] is state.on_duty
    assert datetime.fromisoformat(entry["last_seen"]) == state.last.taken_at
    assert drawer_assignment(commander, duty)["on_duty"] is state.on_duty
    drawer = commander.get(f"/api/v1/events/{duty.event_id}/posts/{duty.post['id']}").get_json()
    assert drawer["status"]["present"] == int(state.on_duty)

    sweep(app)
    left = duty_rule.left_post(state, now, PRESENCE_INTERVAL)
    alerts = open_alerts(commander, duty, "left_post")
    assert len(alerts) == (left is not None)
    if left == "outside":
        assert "围栏外" in alerts[0]["message"]

    summary = commander.get(f"/api/v1/events/{duty.event_id}/performance/summary").get_json()
    assert summary["on_duty_now"] == int(state.on_duty)
    seconds = sum((end - begin).total_seconds() for begin, end in duty_rule.on_duty_spans(state))
    item = record(commander, duty)
    assert item["on_duty_hours"] == round(seconds / 3600, 2)
    assert item["attended"] == int(state.ever_on_duty)
