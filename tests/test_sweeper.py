"""Time-driven alerts (API.md "Alerts"): raised once when the condition holds, resolved when it ends."""

from __future__ import annotations

import threading

import pytest
from conftest import TEST_SECRET, event_body, person_body, post_body
from field_support import Duty, make_duty, staff_api
from live_server import serve
from live_support import MapClient

from coordinator import create_app, db, unit_of_work
from coordinator.jobs.sweeper import run_once
from coordinator.jobs.sweeper import sweep_rules as run_sweep_rules
from coordinator.services import sweeper as sweeper_service


@pytest.fixture
def duty(client, admin, commander):
    return make_duty(client, admin, commander)


def sweep(app):
    with app.app_context():
        return run_once()


def open_alerts(commander, event_id):
    return commander.get(f"/api/v1/events/{event_id}/alerts?status=open").get_json()["items"]


def test_missed_check_in_is_raised_once_after_grace_and_resolved_by_checking_in(
        app, clock, commander, duty):
    clock.advance(minutes=14)
    sweep(app)
    assert open_alerts(commander, duty.event_id) == []
    clock.advance(minutes=2)
    first = sweep(app)
    kinds = sorted(a["kind"] for a in open_alerts(commander, duty.event_id))
    assert kinds == ["missed_checkin", "understaffed"]
    assert len(first.raised) == 2
    clock.advance(minutes=1)
    assert sweep(app).raised == []  # once, not every tick
    assert len(open_alerts(commander, duty.event_id)) == 2

    duty.checkin(taken_at=clock.now())
    # The check-in ends both at once, not at the sweeper's next pass.
    assert open_alerts(commander, duty.event_id) == []
    assert sweep(app).resolved == [] and sweep(app).raised == []
    history = commander.get(f"/api/v1/events/{duty.event_id}/alerts?status=resolved").get_json()
    assert history["total"] == 2 and all(a["resolved_at"] for a in history["items"])


def test_understaffed_ends_when_the_last_person_needed_arrives(
        app, clock, client, admin, commander):
    post = commander.post("/api/v1/posts", json=post_body()).get_json()
    event_id = commander.post("/api/v1/events", json=event_body()).get_json()["id"]
    shift = commander.post(f"/api/v1/events/{event_id}/shifts", json={
        "post_id": post["id"], "starts_at": "2026-07-21T08:00:00+08:00",
        "ends_at": "2026-07-21T20:00:00+08:00", "required": 2}).get_json()
    pair = []
    for phone in ("13800000008", "13800000009"):
        person_id = admin.post("/api/v1/people", json=person_body(phone=phone)).get_json()["id"]
        assignment = commander.post("/api/v1/assignments", json={
            "shift_id": shift["id"], "person_id": person_id}).get_json()
        pair.append(Duty(staff_api(client, commander, person_id), person_id, post, event_id,
                         shift["id"], assignment["id"]))
    clock.advance(minutes=16)
    sweep(app)
    assert sorted(a["kind"] for a in open_alerts(commander, event_id)) == [
        "missed_checkin", "missed_checkin", "understaffed"]
    pair[0].checkin(taken_at=clock.now())
    assert sorted(a["kind"] for a in open_alerts(commander, event_id)) == [
        "missed_checkin", "understaffed"]  # one of the two is not enough
    pair[1].checkin(metres=5, taken_at=clock.now())  # not the same fix: that would be a spoof sign
    assert open_alerts(commander, event_id) == []


def test_left_post_needs_two_consecutive_outside_fixes(app, clock, commander, duty):
    duty.checkin(taken_at=clock.now())
    clock.advance(minutes=20)
    duty.checkin(kind="presence", metres=500, taken_at=clock.now())  # one GPS jump
    sweep(app)
    assert [a["kind"] for a in open_alerts(commander, duty.event_id)] == []
    clock.advance(minutes=5)
    duty.checkin(kind="presence", metres=600, taken_at=clock.now())
    sweep(app)
    [alert] = open_alerts(commander, duty.event_id)[:1]
    kinds = {a["kind"] for a in open_alerts(commander, duty.event_id)}
    assert kinds == {"left_post", "understaffed"}
    assert alert["person_id"] in (duty.person_id, None)
    clock.advance(minutes=5)
    duty.checkin(kind="presence", metres=5, taken_at=clock.now())
    sweep(app)
    assert open_alerts(commander, duty.event_id) == []


def test_presence_overdue_is_left_post(app, clock, commander, duty):
    duty.checkin(taken_at=clock.now())
    clock.advance(minutes=60)
    sweep(app)
    assert open_alerts(commander, duty.event_id) == []
    clock.advance(minutes=1)
    sweep(app)
    [alert] = open_alerts(commander, duty.event_id)
    assert alert["kind"] == "left_post" and "在岗确认" in alert["message"]
    duty.checkin(kind="presence", taken_at=clock.now())
    sweep(app)
    assert open_alerts(commander, duty.event_id) == []


def test_a_fresh_fix_on_post_ends_left_post_at_once_and_the_map_hears_it(
        app, clock, commander, duty):
    duty.checkin(taken_at=clock.now())
    clock.advance(minutes=61)
    sweep(app)
    [alert] = open_alerts(commander, duty.event_id)
    assert alert["kind"] == "left_post"
    with serve(app) as url:
        watcher = MapClient(url, commander.token).connect()
        try:
            ack = watcher.subscribe(duty.event_id)
            assert duty.checkin(kind="presence", taken_at=clock.now()).status_code == 201
            (first, checkin), (second, ended) = watcher.take(2)
        finally:
            watcher.close()
    assert (first, second) == ("checkin", "alert")
    assert [checkin["seq"], ended["seq"]] == [ack["seq"] + 1, ack["seq"] + 2]
    assert ended["alert"]["id"] == alert["id"] and ended["alert"]["resolved_at"]
    assert open_alerts(commander, duty.event_id) == []
    assert sweep(app).raised == []  # the condition has really ended: not raised again


def test_checked_out_person_is_not_left_post(app, clock, commander, duty):
    duty.checkin(taken_at=clock.now())
    clock.advance(minutes=90)
    duty.checkin(kind="check_out", taken_at=clock.now(), note="交班")
    sweep(app)
    assert {a["kind"] for a in open_alerts(commander, duty.event_id)} == {"understaffed"}


def test_alerts_end_when_the_shift_ends(app, clock, commander, duty):
    clock.advance(minutes=30)
    sweep(app)
    assert len(open_alerts(commander, duty.event_id)) == 2
    clock.advance(hours=12)
    sweep(app)
    assert open_alerts(commander, duty.event_id) == []
    snapshot = commander.get(f"/api/v1/events/{duty.event_id}/snapshot").get_json()
    assert snapshot["posts"][0]["status"] == "idle"


def test_alerts_and_status_changes_reach_the_map(app, clock, commander, duty):
    with serve(app) as url:
        watcher = MapClient(url, commander.token).connect()
        try:
            ack = watcher.subscribe(duty.event_id)
            clock.advance(minutes=16)
            sweep(app)
            messages = watcher.take(2)
            assert [name for name, _ in messages] == ["alert", "alert"]
            assert [m["seq"] for _, m in messages] == [ack["seq"] + 1, ack["seq"] + 2]
            assert {m["alert"]["kind"] for _, m in messages} == {"missed_checkin",
                                                                 "understaffed"}
            alert = messages[0][1]["alert"]
            assert set(alert) >= {"id", "kind", "post_id", "person_id", "message", "raised_at"}
            acked = commander.post(f"/api/v1/alerts/{alert['id']}/ack")
            assert acked.status_code == 200 and acked.get_json()["acked_at"]
            name, message = watcher.next()
            assert name == "alert" and message["alert"]["acked_at"]
        finally:
            watcher.close()


def test_two_processes_sweeping_at_once_raise_each_alert_once(app, database_url, clock,
                                                               commander, duty):
    other = create_app({"DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET, "CLOCK": clock,
                        "SOCKETIO_ASYNC_MODE": "threading"})
    clock.advance(minutes=16)
    results = []
    threads = [threading.Thread(target=lambda a=a: results.append(sweep(a)))
               for a in (app, other, app, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other.extensions["db"]["engine"].dispose()
    assert sum(len(r.raised) for r in results) == 2
    assert len(open_alerts(commander, duty.event_id)) == 2


def test_a_long_pass_goes_post_by_post_and_lets_check_ins_in_between(
        app, clock, commander, client, admin, monkeypatch):
    """A pass over a big event is many short steps: a phone checking in while the pass is under
    way is not kept waiting, and the steps after it see the check-in."""
    monkeypatch.setattr(sweeper_service, "POSTS_PER_STEP", 1)
    first = make_duty(client, admin, commander)
    duties = [first] + [make_duty(client, admin, commander, phone=f"1380000{i:04d}",
                                  post_name=f"塘{i}", event_id=first.event_id)
                        for i in range(2, 4)]
    clock.advance(minutes=16)
    answers = []

    with app.app_context():
        session = db.session()

        def between_steps():
            unit_of_work.commit(session)
            if not answers:  # after the first post's step, the last post's person arrives
                answers.append(duties[-1].checkin(taken_at=clock.now()).status_code)

        result = sweeper_service.sweep(session, clock.now(), run_sweep_rules(),
                                       between_steps)
        unit_of_work.commit(session)
    assert answers == [201]
    alerts = open_alerts(commander, first.event_id)
    assert len(result.raised) == len(alerts) == 4
    assert {a["post_id"] for a in alerts} == {d.post["id"] for d in duties[:2]}
    assert sweep(app).raised == []  # each alert once, also across steps


def test_ack_needs_a_commander(api_as, app, clock, duty, commander):
    clock.advance(minutes=16)
    sweep(app)
    alert_id = open_alerts(commander, duty.event_id)[0]["id"]
    assert api_as("inspector").post(f"/api/v1/alerts/{alert_id}/ack").status_code == 403
    assert duty.staff.post(f"/api/v1/alerts/{alert_id}/ack").status_code == 403
    assert commander.post("/api/v1/alerts/999/ack").status_code == 404


def test_sweep_cli(runner, clock, duty):
    clock.advance(minutes=16)
    result = runner.invoke(args=["sweep"])
    assert result.exit_code == 0 and "raised 2 alerts" in result.output



def test_sweeping_while_people_check_in_neither_blocks_nor_loses_a_message(
        app, clock, commander, client, admin):
    from live_support import MapClient

    duties = [make_duty(client, admin, commander, phone=f"1370000{i:04d}", post_name=f"塘{i}")
              for i in range(3)]
    event_ids = sorted({d.event_id for d in duties})
    clock.advance(minutes=16)
    with serve(app) as url:
        watcher = MapClient(url, commander.token).connect()
        try:
            for event_id in event_ids:
                watcher.subscribe(event_id)
            errors = []

            def check_ins(duty):
                try:
                    for _ in range(4):
                        assert duty.checkin(kind="presence", taken_at=clock.now()).status_code \
                            == 201
                except AssertionError as error:  # reported below, not lost in the thread
                    errors.append(error)

            def sweeps():
                for _ in range(4):
                    sweep(app)

            threads = [threading.Thread(target=check_ins, args=(d,)) for d in duties]
            threads.append(threading.Thread(target=sweeps))
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert not any(thread.is_alive() for thread in threads), "a writer is stuck"
            assert errors == []
            seqs = {}
            while True:
                try:
                    _, message = watcher.next(timeout=1)
                except Exception:  # queue.Empty: everything has arrived
                    break
                seqs.setdefault(message["event_id"], []).append(message["seq"])
            for numbers in seqs.values():
                assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), numbers
        finally:
            watcher.close()
