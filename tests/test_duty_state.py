"""The stored duty state is the on-duty rule: whatever order fixes, reviews, reassignments and
fence changes come in, each assignment's stored state equals the fold of its fixes, the map reads
it, `check-duty-state` finds any that differ and `rebuild-duty-state` mends them."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

import pytest
from field_support import make_duty
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from coordinator import db, unit_of_work
from coordinator.services import duty_state

FIX = st.fixed_dictionaries({
    "op": st.just("fix"),
    "kind": st.sampled_from(["check_in", "presence", "presence", "check_out"]),
    # at the post, at the fence's edge, just beyond it, well outside, far away (radius 100 m)
    "metres": st.sampled_from([5.0, 95.0, 130.0, 180.0, 400.0, 3000.0]),
    # good, tolerable, beyond the limit (low_accuracy), very rough
    "accuracy_m": st.sampled_from([8.0, 40.0, 120.0, 300.0]),
    # taken now, or queued offline on the phone and sent later (out of order)
    "taken_minutes_ago": st.sampled_from([0, 0, 0, 3, 20, 90]),
})
REVIEW = st.fixed_dictionaries({
    "op": st.just("review"), "which": st.integers(0, 50),
    "verdict": st.sampled_from(["confirmed", "rejected"])})
REASSIGN = st.fixed_dictionaries({"op": st.just("reassign")})
FENCE = st.fixed_dictionaries({"op": st.just("fence"),
                               "radius_m": st.sampled_from([50.0, 100.0, 250.0])})
OPERATIONS = st.lists(
    st.tuples(st.one_of(FIX, FIX, FIX, REVIEW, REASSIGN, FENCE), st.integers(0, 25)),
    min_size=1, max_size=14)


@pytest.fixture
def inspector(api_as):
    return api_as("inspector")


def stored_and_folded(app) -> tuple[dict, dict]:
    with app.app_context():
        session = db.session()
        [ids] = duty_state.batches(session) or [[]]
        return duty_state.load(session, ids), duty_state.folded(session, ids)


def map_entry(commander, event_id: int, assignment_id: int) -> dict | None:
    snapshot = commander.get(f"/api/v1/events/{event_id}/snapshot").get_json()
    return next((s for s in snapshot["staff"] if s["assignment_id"] == assignment_id), None)


def test_the_stored_state_is_the_fold_of_the_fixes_whatever_their_order(
        app, client, clock, admin, commander, inspector, runner):
    phones = (f"139{n:08d}" for n in itertools.count(1))
    start = clock.now()

    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(OPERATIONS)
    # On duty, then a rough fix just beyond the fence (unknown), then a narrower fence that
    # reads it as outside: the run of outside fixes changes with the fence.
    @example([({"op": "fix", "kind": "check_in", "metres": 5.0, "accuracy_m": 8.0,
                "taken_minutes_ago": 0}, 0),
              ({"op": "fix", "kind": "presence", "metres": 180.0, "accuracy_m": 120.0,
                "taken_minutes_ago": 0}, 5),
              ({"op": "fence", "radius_m": 50.0}, 5)])
    def check(operations):
        clock.set(start)
        phone = next(phones)
        duty = make_duty(client, admin, commander, phone=phone, post_name=f"点位{phone}")
        assignment_id, checkin_ids = duty.assignment_id, []
        for operation, minutes_later in operations:
            clock.set(clock.now() + timedelta(minutes=minutes_later))
            if operation["op"] == "fix":
                taken_at = clock.now() - timedelta(minutes=operation["taken_minutes_ago"])
                answer = duty.checkin(kind=operation["kind"], metres=operation["metres"],
                                      accuracy_m=operation["accuracy_m"], taken_at=taken_at,
                                      assignment_id=assignment_id)
                assert answer.status_code == 201, answer.get_json()
                checkin_ids.append(answer.get_json()["id"])
            elif operation["op"] == "review" and checkin_ids:
                checkin_id = checkin_ids[operation["which"] % len(checkin_ids)]
                answer = inspector.post(f"/api/v1/checkins/{checkin_id}/review",
                                        json={"verdict": operation["verdict"]})
                assert answer.status_code == 200, answer.get_json()
            elif operation["op"] == "reassign":
                assert commander.delete(f"/api/v1/assignments/{assignment_id}").status_code == 200
                answer = commander.post("/api/v1/assignments", json={
                    "shift_id": duty.shift_id, "person_id": duty.person_id})
                assert answer.status_code == 201, answer.get_json()
                assignment_id = answer.get_json()["id"]
            elif operation["op"] == "fence":
                answer = commander.patch(f"/api/v1/posts/{duty.post['id']}",
                                         json={"radius_m": operation["radius_m"]})
                assert answer.status_code == 200, answer.get_json()

        stored, history = stored_and_folded(app)
        assert stored == history
        # The map shows what the rule says of the person's standing assignment.
        entry = map_entry(commander, duty.event_id, assignment_id)
        state = history[assignment_id]
        assert entry["on_duty"] == state.on_duty
        assert (entry["lat"], entry["lon"]) == ((state.last.lat, state.last.lon) if state.last
                                                else (None, None))

    check()
    answer = runner.invoke(args=["check-duty-state"])
    assert answer.exit_code == 0, answer.output
    assert "match their fixes" in answer.output


def test_a_state_that_drifted_is_named_by_the_check_and_mended_by_the_rebuild(
        app, client, clock, admin, commander, runner):
    duty = make_duty(client, admin, commander)
    answer = duty.checkin(kind="check_in", metres=5, taken_at=clock.now(),
                          assignment_id=duty.assignment_id)
    assert answer.status_code == 201
    assert map_entry(commander, duty.event_id, duty.assignment_id)["on_duty"] is True
    with app.app_context():
        session = db.session()
        session.execute(text("UPDATE duty_states SET on_duty = :no"), {"no": False})
        unit_of_work.commit(session)
    assert map_entry(commander, duty.event_id, duty.assignment_id)["on_duty"] is False

    check = runner.invoke(args=["check-duty-state"])
    assert check.exit_code == 1
    assert f"1 of 1 assignments: {duty.assignment_id}" in check.output

    rebuild = runner.invoke(args=["rebuild-duty-state"])
    assert rebuild.exit_code == 0, rebuild.output
    assert "rebuilt for 1 assignments" in rebuild.output
    assert map_entry(commander, duty.event_id, duty.assignment_id)["on_duty"] is True
    assert runner.invoke(args=["check-duty-state"]).exit_code == 0


def test_an_offline_queue_out_of_order_refolds_only_its_own_assignment(
        app, client, clock, admin, commander):
    here = make_duty(client, admin, commander, phone="13800000001", post_name="石门水库")
    there = make_duty(client, admin, commander, phone="13800000002", post_name="青龙桥",
                      event_id=here.event_id)
    for duty in (here, there):
        assert duty.checkin(kind="check_in", metres=5, taken_at=clock.now(),
                            assignment_id=duty.assignment_id).status_code == 201
    with app.app_context():
        session = db.session()
        before = {row.assignment_id: row.updated_at for row in session.execute(
            text("SELECT assignment_id, updated_at FROM duty_states"))}
    clock.set(clock.now() + timedelta(minutes=30))
    # Two fixes far away, taken 10 and 20 minutes ago on an offline phone, arrive now, the
    # newer first: the older is folded back into its place.
    for ago in (10, 20):
        answer = here.checkin(kind="presence", metres=3000, taken_at=clock.now() - timedelta(
            minutes=ago), client_id=str(uuid.uuid4()), assignment_id=here.assignment_id)
        assert answer.status_code == 201
    assert map_entry(commander, here.event_id, here.assignment_id)["on_duty"] is False
    assert map_entry(commander, there.event_id, there.assignment_id)["on_duty"] is True
    with app.app_context():
        session = db.session()
        after = {row.assignment_id: row.updated_at for row in session.execute(
            text("SELECT assignment_id, updated_at FROM duty_states"))}
    assert after[there.assignment_id] == before[there.assignment_id]
    assert after[here.assignment_id] != before[here.assignment_id]
