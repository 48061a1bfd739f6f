"""Duty records and the score, hand-checked (docs/scoring.md): on time, late, absent, left early,
found absent by a spot check, a spoof rejected by a reviewer and one confirmed genuine."""

from __future__ import annotations

import pytest
from records_support import beijing, make_scene

UNIT_TOWN, UNIT_SHIMEN, UNIT_QINGXI = "城关镇应急办", "石门村", "青溪村"


@pytest.fixture
def scene(client, admin, commander, clock):
    scene = make_scene(client, admin, commander, clock)
    scene.add("on_time", "准时甲", UNIT_TOWN)
    scene.add("late", "迟到乙", UNIT_TOWN)
    scene.add("absent", "缺岗丙", UNIT_TOWN)
    scene.add("left_early", "早退丁", UNIT_SHIMEN)
    scene.add("spot_absent", "督查戊", UNIT_SHIMEN)
    scene.add("spoof_rejected", "虚假己", UNIT_QINGXI)
    scene.add("spoof_genuine", "误报庚", UNIT_QINGXI)
    return scene


def play_the_day(scene, inspector) -> dict:
    """The day of 21 July as it happened; returns the ids of the two spoof-flagged check-ins."""
    # 07:55: two phones report from 30 km away; five minutes later they are at their posts.
    scene.fix("spoof_rejected", "07:55", kind="presence", metres=30_000)
    scene.fix("spoof_genuine", "07:55", kind="presence", metres=30_000)
    scene.fix("on_time", "08:00")
    scene.fix("left_early", "08:00")
    scene.fix("spot_absent", "08:00")
    flagged = {key: scene.fix(key, "08:00") for key in ("spoof_rejected", "spoof_genuine")}
    for body in flagged.values():
        assert "suspected_spoof" in body["flags"] and body["within_fence"]
    assert "late" in scene.fix("late", "08:30")["flags"]
    scene.at("10:00")
    visit = inspector.post("/api/v1/spot-checks", json={
        "post_id": scene.duties["spot_absent"].post["id"], "event_id": scene.event_id,
        "visited_at": beijing("10:00").isoformat(), "present_person_ids": [],
        "note": "暗访未见值守人员", "unannounced": True})
    assert visit.status_code == 201, visit.get_json()
    scene.fix("on_time", "12:00", kind="presence")
    scene.fix("left_early", "12:00", kind="check_out")
    scene.fix("late", "14:30", kind="presence")
    scene.fix("spot_absent", "19:00", kind="presence")
    for key in ("on_time", "spot_absent", "spoof_genuine"):
        scene.fix(key, "20:00", kind="check_out")
    return {key: body["id"] for key, body in flagged.items()}


def records_by_key(scene, api) -> dict:
    answer = api.get(f"/api/v1/events/{scene.event_id}/performance?limit=500")
    assert answer.status_code == 200, answer.get_json()
    by_person = {item["person_id"]: item for item in answer.get_json()["items"]}
    return {key: by_person[duty.person_id] for key, duty in scene.duties.items()}


def test_hand_checked_records_and_scores(scene, api_as, admin, commander):
    inspector = api_as("inspector")
    flagged = play_the_day(scene, inspector)

    # Before anyone reviews them, the spoof flags cost nothing: both check-ins count.
    scene.at("20:30")
    before = records_by_key(scene, admin)
    for key in ("spoof_rejected", "spoof_genuine"):
        assert before[key]["attended"] == 1 and before[key]["absent"] == 0
        assert before[key]["rejected_checkins"] == 0
    assert before["spoof_genuine"]["score"] == 106

    assert inspector.post(f"/api/v1/checkins/{flagged['spoof_rejected']}/review", json={
        "verdict": "rejected", "note": "调取监控核实本人不在现场"}).status_code == 200
    assert inspector.post(f"/api/v1/checkins/{flagged['spoof_genuine']}/review", json={
        "verdict": "confirmed", "note": "手机定位漂移，本人在岗"}).status_code == 200
    assert commander.post("/api/v1/commendations", json={
        "person_id": scene.duties["on_time"].person_id, "event_id": scene.event_id,
        "kind": "commend", "reason": "坚守岗位，及时转移群众"}).status_code == 201
    assert commander.post("/api/v1/commendations", json={
        "person_id": scene.duties["absent"].person_id, "event_id": scene.event_id,
        "kind": "criticize", "reason": "擅离职守"}).status_code == 201

    records = records_by_key(scene, admin)
    expected = {
        #                 shifts att late early abs hours spot rej  com cri score
        "on_time":        (1, 1, 0, 0, 0, 12.0, 0, 0, 1, 0, 111),   # 100 + 6 h pts + 5
        "late":           (1, 1, 1, 0, 0, 6.0, 0, 0, 0, 0, 100),    # 100 - 3 + 3
        "absent":         (1, 0, 0, 0, 1, 0.0, 0, 0, 0, 1, 85),     # 100 - 10 - 5
        "left_early":     (1, 1, 0, 1, 0, 4.0, 0, 0, 0, 0, 99),     # 100 - 3 + 2
        "spot_absent":    (1, 1, 0, 0, 0, 12.0, 1, 0, 0, 0, 101),   # 100 - 5 + 6
        "spoof_rejected": (1, 0, 0, 0, 1, 0.0, 0, 1, 0, 0, 80),     # 100 - 10 - 10
        "spoof_genuine":  (1, 1, 0, 0, 0, 12.0, 0, 0, 0, 0, 106),   # 100 + 6
    }
    fields = ("shifts", "attended", "late", "left_early", "absent", "on_duty_hours",
              "spot_check_absences", "rejected_checkins", "commendations", "criticisms", "score")
    for key, values in expected.items():
        got = tuple(records[key][f] for f in fields)
        assert got == values, (key, dict(zip(fields, got, strict=True)))
        parts = records[key]["score_parts"]
        assert sum(parts.values()) == pytest.approx(records[key]["score"]), key
    assert records["late"]["score_parts"] == {
        "base": 100, "absent": 0, "late": -3, "left_early": 0, "spot_check_absences": 0,
        "rejected_checkins": 0, "commendations": 0, "criticisms": 0, "calls_unanswered": 0, "calls_late": 0,
        "roll_calls_failed": 0, "on_duty_hours": 3}
    assert records["spoof_rejected"]["score_parts"]["rejected_checkins"] == -10


def test_contract_fields_and_the_weights_are_shown(scene, admin):
    scene.fix("on_time", "08:00")
    answer = admin.get(f"/api/v1/events/{scene.event_id}/performance").get_json()
    item = answer["items"][0]
    assert set(item) >= {"person_id", "name", "unit", "shifts", "attended", "late", "absent",
                         "on_duty_hours", "spot_check_absences", "commendations", "criticisms",
                         "score", "score_parts"}
    assert answer["total"] == 7
    assert answer["weights"]["absent"] == -10 and answer["weights"]["per_hour"] == 0.5
    assert answer["as_of"] == "2026-07-21T08:00:00+08:00"


def test_a_running_shift_is_pending_not_absent(scene, admin):
    scene.at("12:00")
    records = records_by_key(scene, admin)
    assert records["absent"]["absent"] == 0 and records["absent"]["pending"] == 1
    assert records["absent"]["score"] == 100


def test_weights_are_configurable(scene, app, admin):
    app.config.update(SCORE_ABSENT=-20, SCORE_PER_HOUR=0, SCORE_BASE=60)
    scene.at("21:00")
    records = records_by_key(scene, admin)
    assert records["absent"]["score"] == 40
    assert records["absent"]["score_parts"]["absent"] == -20


def test_hours_are_clipped_to_the_shift_and_capped_in_points(client, admin, commander, clock):
    scene = make_scene(client, admin, commander, clock)
    scene.add("long", "长班", UNIT_TOWN, starts="08:00", ends="23:00")
    scene.add("early_bird", "早到", UNIT_TOWN, starts="09:00", ends="10:00")
    scene.fix("early_bird", "08:10")          # before the shift: counts from 09:00
    scene.fix("long", "08:10")
    scene.fix("early_bird", "10:00", kind="presence")
    scene.fix("early_bird", "10:30", kind="check_out")
    scene.fix("long", "22:50", kind="presence")
    scene.at("23:30")
    records = records_by_key(scene, admin)
    assert records["early_bird"]["on_duty_hours"] == 1.0
    assert records["early_bird"]["left_early"] == 0
    assert records["long"]["on_duty_hours"] == pytest.approx(14.67)
    assert records["long"]["score_parts"]["on_duty_hours"] == 7.3
    admin.client.application.config.update(SCORE_HOURS_CAP=5)
    assert records_by_key(scene, admin)["long"]["score_parts"]["on_duty_hours"] == 5


def test_two_fixes_outside_the_fence_end_the_time_on_duty(client, admin, commander, clock):
    scene = make_scene(client, admin, commander, clock)
    scene.add("walker", "离岗", UNIT_TOWN)
    scene.fix("walker", "08:00")
    scene.fix("walker", "09:00", kind="presence")
    scene.fix("walker", "09:30", kind="presence", metres=3000)
    scene.fix("walker", "10:00", kind="presence", metres=3000)
    scene.at("21:00")
    walker = records_by_key(scene, admin)["walker"]
    assert walker["on_duty_hours"] == 1.0 and walker["attended"] == 1
    assert walker["left_early"] == 0  # no check-out: only the hours show it


def test_per_unit_and_per_event_totals(scene, api_as, admin):
    play_the_day(scene, api_as("inspector"))
    scene.at("20:30")
    units = admin.get(f"/api/v1/events/{scene.event_id}/performance/units").get_json()
    town = next(u for u in units["items"] if u["unit"] == UNIT_TOWN)
    assert (town["people"], town["shifts"], town["attended"], town["late"], town["absent"]) == \
        (3, 3, 2, 1, 1)
    assert town["attendance_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert town["punctuality_rate"] == 0.5
    assert [u["unit"] for u in units["items"]] == sorted([UNIT_TOWN, UNIT_SHIMEN, UNIT_QINGXI])

    summary = admin.get(f"/api/v1/events/{scene.event_id}/performance/summary").get_json()
    assert summary["totals"]["people"] == 7 and summary["totals"]["absent"] == 1
    assert summary["totals"]["spot_check_absences"] == 1
    on_duty = {point["at"]: point["on_duty"] for point in summary["timeline"]}
    assert summary["timeline"][0] == {"at": "2026-07-21T08:00:00+08:00", "on_duty": 5}
    # All but the absent one; the spoof-flagged ones count while nobody has reviewed them.
    assert on_duty["2026-07-21T10:00:00+08:00"] == 6
    assert on_duty["2026-07-21T13:00:00+08:00"] == 5
    assert on_duty["2026-07-21T20:00:00+08:00"] == 0


def test_open_absences_and_the_most_commended(scene, commander, admin):
    scene.fix("on_time", "08:00")
    scene.fix("left_early", "08:05")
    scene.fix("left_early", "09:00", kind="check_out")
    commander.post("/api/v1/commendations", json={
        "person_id": scene.duties["on_time"].person_id, "event_id": scene.event_id,
        "kind": "commend", "reason": "及时发现管涌险情"})
    scene.at("09:30")
    summary = admin.get(f"/api/v1/events/{scene.event_id}/performance/summary").get_json()
    missing = {item["person_id"]: item["reason"] for item in summary["open_absences"]}
    assert missing[scene.duties["left_early"].person_id] == "left"
    assert missing[scene.duties["absent"].person_id] == "not_arrived"
    assert scene.duties["on_time"].person_id not in missing
    assert [p["name"] for p in summary["top_commended"]] == ["准时甲"]


def test_a_persons_history_across_events(client, admin, commander, clock):
    first = make_scene(client, admin, commander, clock)
    duty = first.add("me", "两次", UNIT_TOWN, phone="13912345678")
    first.fix("me", "08:00")
    second = commander.post("/api/v1/events", json={
        "name": "第二次响应", "kind": "typhoon", "level": 2,
        "starts_at": beijing("08:00", day=22).isoformat()}).get_json()
    commander.post("/api/v1/commendations", json={
        "person_id": duty.person_id, "event_id": second["id"], "kind": "commend",
        "reason": "转移群众"})
    first.at("21:00")
    history = admin.get(f"/api/v1/people/{duty.person_id}/performance").get_json()
    assert [item["event_id"] for item in history["items"]] == [second["id"], first.event_id]
    assert history["items"][0]["commendations"] == 1 and history["items"][0]["shifts"] == 0
    assert history["items"][1]["attended"] == 1
    assert admin.get("/api/v1/people/99999/performance").status_code == 404


def test_staff_cannot_read_records(scene):
    staff = scene.duties["on_time"].staff
    assert staff.get(f"/api/v1/events/{scene.event_id}/performance").status_code == 403


def test_a_removed_assignment_no_longer_counts(scene, commander, admin):
    commander.delete(f"/api/v1/assignments/{scene.duties['absent'].assignment_id}")
    scene.at("21:00")
    answer = admin.get(f"/api/v1/events/{scene.event_id}/performance?limit=500").get_json()
    assert scene.duties["absent"].person_id not in {i["person_id"] for i in answer["items"]}
