"""Check-ins from phones (API.md "Check-ins"): fence, flags, validation, idempotency, review."""

from __future__ import annotations

import math
import uuid

import pytest
from conftest import START
from field_support import make_duty, minutes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from coordinator import db
from coordinator.models import AuditEntry, CheckIn
from coordinator.services.geo import within_fence


@pytest.fixture
def duty(client, admin, commander):
    return make_duty(client, admin, commander)


def stored_checkins(app) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(CheckIn))


def test_a_check_in_at_the_post_is_on_duty_and_audited(app, duty):
    answer = duty.checkin(metres=20)
    assert answer.status_code == 201
    body = answer.get_json()
    assert set(body) >= {"id", "assignment_id", "post_id", "kind", "distance_m", "within_fence",
                         "flags", "taken_at", "received_at"}
    assert body["assignment_id"] == duty.assignment_id
    assert body["post_id"] == duty.post["id"]
    assert body["within_fence"] is True
    assert body["flags"] == []
    assert body["distance_m"] == pytest.approx(20, abs=0.2)
    assert body["taken_at"] == "2026-07-21T08:00:00+08:00"
    with app.app_context():
        entry = db.session().scalar(select(AuditEntry).where(AuditEntry.entity_type == "checkins"))
        assert entry.entity_id == str(body["id"]) and entry.role == "staff"


@pytest.mark.parametrize("metres, accuracy, inside", [
    (99.5, 0, True), (100.5, 0, False),          # the radius itself, with a perfect fix
    (129.5, 30, True), (130.5, 30, False),       # the accuracy margin widens the fence ...
    (149.5, 80, True), (150.5, 80, False),       # ... but by at most FENCE_TOLERANCE_M (50)
    (10, 100, True), (10, 100.5, False),         # a fix worse than ACCURACY_LIMIT_M never counts
])
def test_fence_boundary(duty, metres, accuracy, inside):
    body = duty.checkin(metres=metres, accuracy_m=accuracy).get_json()
    assert body["within_fence"] is inside
    assert ("outside_fence" in body["flags"]) is (not inside)
    assert ("low_accuracy" in body["flags"]) is (accuracy > 100)


def test_outside_fence_is_stored_and_flagged_not_refused(app, duty):
    answer = duty.checkin(metres=2000)
    assert answer.status_code == 201
    assert answer.get_json()["flags"] == ["outside_fence"]
    assert stored_checkins(app) == 1


def test_limits_are_configurable(client, admin, commander, app):
    app.config.update(ACCURACY_LIMIT_M=20, FENCE_TOLERANCE_M=5)
    duty = make_duty(client, admin, commander)
    body = duty.checkin(metres=104, accuracy_m=10).get_json()
    assert body["within_fence"] is True  # 100 + min(10, 5)
    body = duty.checkin(metres=10, accuracy_m=25).get_json()
    assert body["within_fence"] is False and "low_accuracy" in body["flags"]


def test_late_after_grace_but_not_within_it(duty, clock):
    clock.advance(minutes=15)
    assert duty.checkin(taken_at=clock.now()).get_json()["flags"] == []
    clock.advance(minutes=1)
    assert duty.checkin(taken_at=clock.now()).get_json()["flags"] == ["late"]


def test_presence_and_check_out_are_never_late(duty, clock):
    clock.advance(hours=3)
    assert duty.checkin(kind="presence", taken_at=clock.now()).get_json()["flags"] == []
    out = duty.checkin(kind="check_out", taken_at=clock.now(), note="水位平稳，已移交夜班")
    assert out.status_code == 201 and out.get_json()["flags"] == []


def test_handover_note_is_kept(app, duty, clock):
    clock.advance(hours=11)
    duty.checkin(kind="check_out", taken_at=clock.now(), note="坝体无渗漏，已移交王强")
    with app.app_context():
        assert db.session().scalar(select(CheckIn.note)) == "坝体无渗漏，已移交王强"


def test_offline_when_taken_more_than_two_minutes_before_received(duty, clock):
    taken = clock.now()
    clock.advance(minutes=2)
    assert "offline" not in duty.checkin(taken_at=taken).get_json()["flags"]
    clock.advance(seconds=1)
    body = duty.checkin(taken_at=taken).get_json()
    assert "offline" in body["flags"]
    assert body["taken_at"] == "2026-07-21T08:00:00+08:00"  # the phone's time is kept


def test_clock_skew_when_the_phone_is_ahead(duty, clock):
    body = duty.checkin(taken_at=clock.now() + minutes(3)).get_json()
    assert "clock_skew" in body["flags"]


@pytest.mark.parametrize("taken_at, field", [
    (START + minutes(5.1), "taken_at"),          # more than 5 min in the future
    (START - minutes(24 * 60 + 1), "taken_at"),  # more than 24 h old
])
def test_out_of_window_times_are_refused(app, duty, taken_at, field):
    answer = duty.checkin(taken_at=taken_at)
    assert answer.status_code == 422
    assert field in answer.get_json()["error"]["fields"]
    assert stored_checkins(app) == 0


@pytest.mark.parametrize("change, field", [
    ({"lat": 90.5}, "lat"), ({"lat": -91}, "lat"), ({"lon": 180.01}, "lon"),
    ({"lat": 0, "lon": 0}, "lat"), ({"accuracy_m": -1}, "accuracy_m"),
    ({"lat": "28.1"}, "lat"), ({"accuracy_m": True}, "accuracy_m"), ({"kind": "arrive"}, "kind"),
    ({"taken_at": "2026-07-21T08:00:00"}, "taken_at"), ({"taken_at": "yesterday"}, "taken_at"),
    ({"client_id": "not-a-uuid"}, "client_id"), ({"client_id": None}, "client_id"),
    ({"assignment_id": "1"}, "assignment_id"),
])
def test_invalid_fields_are_refused_and_nothing_is_stored(app, duty, change, field):
    audit_before = audit_count(app)
    answer = duty.checkin(**change) if "lat" not in change and "lon" not in change else \
        post_raw(duty, change)
    assert answer.status_code == 422, answer.get_json()
    error = answer.get_json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"]
    assert stored_checkins(app) == 0 and audit_count(app) == audit_before


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_refused(app, duty, number):
    raw = (f'{{"client_id": "{uuid.uuid4()}", "kind": "check_in", "lat": {number}, '
           '"lon": 119.95, "accuracy_m": 10, "taken_at": "2026-07-21T08:00:00+08:00"}')
    answer = duty.staff.client.post("/api/v1/checkins", data=raw, content_type="application/json",
                                    headers={"Authorization": f"Bearer {duty.staff.token}"})
    assert answer.status_code == 422 and "lat" in answer.get_json()["error"]["fields"]
    assert stored_checkins(app) == 0


@pytest.mark.parametrize("missing", ["client_id", "kind", "lat", "lon", "accuracy_m", "taken_at"])
def test_missing_fields_are_refused(app, duty, missing):
    body = base_body(duty)
    del body[missing]
    answer = duty.staff.post("/api/v1/checkins", json=body)
    assert answer.status_code == 422 and missing in answer.get_json()["error"]["fields"]
    assert stored_checkins(app) == 0


def test_unknown_fields_are_ignored(duty):
    answer = duty.staff.post("/api/v1/checkins", json={**base_body(duty), "battery": 0.4})
    assert answer.status_code == 201


def test_replay_answers_200_with_the_first_body_and_stores_nothing(app, duty, clock):
    body = base_body(duty)
    first = duty.staff.post("/api/v1/checkins", json=body)
    clock.advance(minutes=7)
    again = duty.staff.post("/api/v1/checkins", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert stored_checkins(app) == 1


def test_replay_after_a_review_still_answers_the_first_body(api_as, duty):
    """The phone's answer is the check-in as recorded; an inspector's later verdict is not."""
    body = base_body(duty)
    first = duty.staff.post("/api/v1/checkins", json=body)
    api_as("inspector").post(f"/api/v1/checkins/{first.get_json()['id']}/review",
                             json={"verdict": "rejected", "note": "现场核实本人不在岗"})

    again = duty.staff.post("/api/v1/checkins", json=body)

    assert again.status_code == 200 and again.get_json() == first.get_json()


def test_reused_client_id_with_another_body_is_refused(app, duty):
    body = base_body(duty)
    duty.staff.post("/api/v1/checkins", json=body)
    answer = duty.staff.post("/api/v1/checkins", json={**body, "accuracy_m": 11})
    assert answer.status_code == 422
    assert answer.get_json()["error"]["code"] == "client_id_reused"
    assert stored_checkins(app) == 1


def test_someone_elses_assignment_is_forbidden(app, client, admin, commander, duty):
    other = make_duty(client, admin, commander, phone="13900000002", post_name="青溪山塘",
                      event_id=duty.event_id)
    answer = duty.checkin(assignment_id=other.assignment_id)
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "forbidden"
    assert stored_checkins(app) == 0


def test_assignment_is_inferred_from_the_shift_window(client, admin, commander, duty, clock):
    later = commander.post(f"/api/v1/events/{duty.event_id}/shifts", json={
        "post_id": duty.post["id"], "starts_at": "2026-07-21T20:00:00+08:00",
        "ends_at": "2026-07-22T08:00:00+08:00", "required": 1}).get_json()
    night = commander.post("/api/v1/assignments", json={
        "shift_id": later["id"], "person_id": duty.person_id}).get_json()
    assert duty.checkin(taken_at=clock.now()).get_json()["assignment_id"] == duty.assignment_id
    clock.advance(hours=11, minutes=10)  # 19:10: the night shift's window opens at 19:00
    body = duty.checkin(taken_at=clock.now()).get_json()
    assert body["assignment_id"] == night["id"]


def test_no_shift_at_taken_at_is_refused(app, duty, clock):
    clock.advance(hours=13)  # 21:00, the shift ended at 20:00
    answer = duty.checkin(taken_at=clock.now())
    assert answer.status_code == 422 and "assignment_id" in answer.get_json()["error"]["fields"]
    assert stored_checkins(app) == 0


def test_only_staff_check_in(commander, duty):
    answer = commander.post("/api/v1/checkins", json=base_body(duty))
    assert answer.status_code == 403


def test_implied_speed_is_a_spoof_signal_with_its_reason(app, duty, clock):
    duty.checkin(taken_at=clock.now())
    clock.advance(minutes=1)
    body = duty.checkin(kind="presence", metres=10_000, taken_at=clock.now()).get_json()
    assert "suspected_spoof" in body["flags"]
    assert body["spoof_reasons"][0]["code"] == "implied_speed"
    assert "km/h" in body["spoof_reasons"][0]["detail"]


def test_walking_is_not_a_spoof_signal(duty, clock):
    duty.checkin(taken_at=clock.now())
    clock.advance(minutes=10)
    body = duty.checkin(kind="presence", metres=800, taken_at=clock.now()).get_json()
    assert "suspected_spoof" not in body["flags"]


def test_three_identical_fixes_are_a_spoof_signal(duty, clock):
    flags = []
    for _ in range(3):
        flags.append(duty.checkin(kind="presence", metres=5, accuracy_m=12.0,
                                  taken_at=clock.now()).get_json()["flags"])
        clock.advance(minutes=20)
    assert "suspected_spoof" not in flags[1]
    assert "suspected_spoof" in flags[2]


def test_another_persons_identical_fix_in_the_same_minute_is_a_spoof_signal(
        client, admin, commander, duty, clock):
    other = make_duty(client, admin, commander, phone="13900000002", post_name="青溪山塘",
                      event_id=duty.event_id)
    other_post_point = other.point_at(3)
    duty.checkin(taken_at=clock.now())
    first = other.staff.post("/api/v1/checkins", json={
        **base_body(other), "lat": other_post_point[0], "lon": other_post_point[1]})
    assert "suspected_spoof" not in first.get_json()["flags"]
    clock.advance(seconds=30)
    twin = duty.staff.post("/api/v1/checkins", json={
        **base_body(duty), "kind": "presence", "lat": other_post_point[0],
        "lon": other_post_point[1], "taken_at": clock.now().isoformat()}).get_json()
    assert "shared_fix" in [reason["code"] for reason in twin["spoof_reasons"]]


def test_spoof_raises_an_alert_for_the_command_center(commander, duty, clock):
    duty.checkin(taken_at=clock.now())
    clock.advance(minutes=1)
    duty.checkin(kind="presence", metres=50_000, taken_at=clock.now())
    with duty.staff.client.application.app_context():
        from coordinator.models import Alert
        alert = db.session().scalar(select(Alert))
        assert alert.kind == "suspected_spoof" and alert.person_id == duty.person_id


def test_inspector_reviews_a_check_in(api_as, duty):
    checkin_id = duty.checkin().get_json()["id"]
    inspector = api_as("inspector")
    answer = inspector.post(f"/api/v1/checkins/{checkin_id}/review",
                            json={"verdict": "rejected", "note": "现场核实本人不在岗"})
    assert answer.status_code == 200 and answer.get_json()["review_verdict"] == "rejected"
    assert inspector.post(f"/api/v1/checkins/{checkin_id}/review",
                          json={"verdict": "maybe"}).status_code == 422
    assert duty.staff.post(f"/api/v1/checkins/{checkin_id}/review",
                           json={"verdict": "confirmed"}).status_code == 403
    assert inspector.post("/api/v1/checkins/999/review",
                          json={"verdict": "confirmed"}).status_code == 404


@settings(deadline=None, max_examples=40,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(metres=st.floats(min_value=0, max_value=400), accuracy=st.floats(min_value=0, max_value=200),
       bearing=st.floats(min_value=0, max_value=359.9))
def test_fence_decision_equals_the_rule(duty, metres, accuracy, bearing):
    lat, lon = duty.point_at(metres, bearing)
    body = duty.staff.post("/api/v1/checkins", json={
        **base_body(duty), "lat": lat, "lon": lon, "accuracy_m": accuracy}).get_json()
    expected = accuracy <= 100 and body["distance_m"] <= 100 + min(accuracy, 50)
    # distance_m is rounded to 0.1 m in the answer; the decision uses the exact distance
    if not math.isclose(body["distance_m"], 100 + min(accuracy, 50), abs_tol=0.1):
        assert body["within_fence"] is expected
    assert within_fence(metres, 100, accuracy, accuracy_limit_m=100, tolerance_m=50) is (
        accuracy <= 100 and metres <= 100 + min(accuracy, 50))


def base_body(duty) -> dict:
    return {"client_id": str(uuid.uuid4()), "kind": "check_in", "lat": duty.post["lat"],
            "lon": duty.post["lon"], "accuracy_m": 10, "taken_at": "2026-07-21T08:00:00+08:00"}


def post_raw(duty, change: dict):
    return duty.staff.post("/api/v1/checkins", json={**base_body(duty), **change})


def audit_count(app) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(AuditEntry))
