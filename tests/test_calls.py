"""Call-and-answer (叫应): a call reaches its targets on the phone and through the SMS gateway, the
answers come back idempotent and live, and at the deadline the silent ones climb to their
leaders — each notification handed to the gateway once."""

from __future__ import annotations

import uuid

import pytest
from channel_servers import CapturingGateway, gateway, smtp_server  # noqa: F401 - fixtures
from conftest import PASSWORD, Api, event_body, person_body
from county_support import created
from field_support import make_duty, staff_api
from live_server import live_server  # noqa: F401 - a fixture
from live_support import MapClient

from coordinator.jobs import escalation, sender


def answer(staff: Api, call_id: int, **fields):
    body = {"client_id": str(uuid.uuid4()), **fields}
    return staff.post(f"/api/v1/calls/{call_id}/answer", json=body)


def drain(app) -> sender.SendResult:
    with app.app_context():
        return sender.run_until_idle()


def escalate(app) -> escalation.EscalationResult:
    with app.app_context():
        return escalation.run_once()


class Town:
    """A county with two towns of one village each, 25 people in each village, and a leader
    of every unit: the shape a call climbs through."""

    def __init__(self, admin: Api):
        self.units = {}
        self.units["county"] = created(admin.post("/api/v1/units", json={
            "name": "云岭县", "kind": "county"}))["id"]
        for town, village in (("青溪镇", "上坪村"), ("龙潭镇", "下湾村")):
            self.units[town] = created(admin.post("/api/v1/units", json={
                "name": town, "kind": "town", "parent_id": self.units["county"]}))["id"]
            self.units[village] = created(admin.post("/api/v1/units", json={
                "name": village, "kind": "village", "parent_id": self.units[town]}))["id"]
        self.people = {}
        for index in range(50):
            village = "上坪村" if index < 25 else "下湾村"
            self.people[index] = created(admin.post("/api/v1/people", json=person_body(
                name=f"值守{index:02d}", phone=f"1370000{index:04d}", unit=village,
                unit_id=self.units[village])))
        self.leaders = {}
        for number, unit in enumerate(self.units):
            leader = created(admin.post("/api/v1/people", json=person_body(
                name=f"{unit}带班领导", phone=f"1360000{number:04d}", unit=unit,
                unit_id=self.units[unit])))
            created(admin.post(f"/api/v1/units/{self.units[unit]}/leaders", json={
                "person_id": leader["id"], "role": "duty"}))
            self.leaders[unit] = leader


@pytest.fixture
def with_sms(app, gateway):  # noqa: F811
    app.config["SMS_URL"] = gateway.url
    app.config["SMS_TOKEN"] = "gateway-token"
    return gateway


def test_a_call_to_fifty_half_answering_climbs_to_exactly_the_silent_halfs_leaders(
        app, client, admin, commander, with_sms, clock, live_server):  # noqa: F811
    county = Town(admin)
    event = created(commander.post("/api/v1/events", json=event_body()))
    people = [county.people[i] for i in range(50)]
    phones = {p["id"]: staff_api(client, commander, p["id"]) for p in people}
    watcher = MapClient(live_server, commander.token).connect()
    listeners = {p["id"]: MapClient(live_server, phones[p["id"]].token).connect()
                 for p in people[:3]}
    try:
        assert watcher.subscribe(event["id"])["ok"]
        response = commander.post("/api/v1/calls", json={
            "event_id": event["id"], "message": "暴雨红色预警，请立即到岗",
            "targets": {"person_ids": [p["id"] for p in people]}})
        call = created(response)
        assert (call["targets"], call["answered"], call["kind"]) == (50, 0, "call")
        assert call["deadline_at"] == "2026-07-21T08:05:00+08:00"  # 5 minutes by default
        # Each phone hears the call on its own channel at once.
        for listener in listeners.values():
            name, body = listener.next()
            assert name == "call" and body["call"]["id"] == call["id"]
            assert body["call"]["message"] == "暴雨红色预警，请立即到岗"
        assert watcher.next() == ("call_status", {
            "call_id": call["id"], "targets": 50, "answered": 0, "late": 0, "overdue": 0,
            "event_id": event["id"], "seq": 1})

        # The outbox hands every target's SMS to the gateway, once.
        assert len(drain(app).sent) == 50
        sms = with_sms.wait_for(50)
        assert sorted(r.json["phone"] for r in sms) == sorted(p["phone"] for p in people)
        assert all(r.headers["Authorization"] == "Bearer gateway-token" for r in sms)
        assert "暴雨红色预警，请立即到岗" in sms[0].json["text"]

        # Half answer (every other person), one of them twice.
        clock.advance(minutes=2)
        answering = people[::2]
        for person in answering:
            first = answer(phones[person["id"]], call["id"])
            assert first.status_code == 201, first.get_json()
            assert first.get_json()["late"] is False
        again = answer(phones[answering[0]["id"]], call["id"])
        assert again.status_code == 200
        assert again.get_json()["answered_at"] == "2026-07-21T08:02:00+08:00"
        counts = [watcher.next()[1]["answered"] for _ in answering]
        assert counts == list(range(1, 26))

        by_village = commander.get(f"/api/v1/events/{event['id']}/summary?by=village").get_json()
        assert {row["name"]: row["calls_unanswered"] for row in by_village["items"]} == {
            "上坪村": 12, "下湾村": 13}  # people[::2] answered: 13 of the first 25, 12 after

        # Past the deadline: the other half raise alerts and climb to their leaders.
        clock.advance(minutes=4)
        assert escalate(app).closed_calls == [call["id"]]
        silent = {p["id"] for p in people[1::2]}
        alerts = commander.get(f"/api/v1/events/{event['id']}/alerts?status=open&limit=500")
        unanswered = [a for a in alerts.get_json()["items"] if a["kind"] == "call_unanswered"]
        assert {a["person_id"] for a in unanswered} == silent
        status = next(body for name, body in watcher.take(26) if name == "call_status")
        assert (status["answered"], status["overdue"]) == (25, 25)

        before = len(with_sms.requests)
        assert len(drain(app).sent) == 4
        told = {r.json["phone"]: r.json["text"] for r in with_sms.requests[before:]}
        expected = {county.leaders[unit]["phone"] for unit in ("上坪村", "下湾村", "青溪镇", "龙潭镇")}
        assert set(told) == expected  # the villages' and the towns', not the county's
        village_text = told[county.leaders["上坪村"]["phone"]]
        missing_here = [p for p in people[:25] if p["id"] in silent]
        assert all(p["name"] in village_text for p in missing_here)
        assert f"共{len(missing_here)}人" in village_text
        assert not any(p["name"] in village_text for p in people if p["id"] not in silent)

        # Nothing more is sent however often the jobs run again.
        assert escalate(app).closed_calls == []
        assert drain(app).sent == []
        assert len(with_sms.requests) == 54

        detail = commander.get(f"/api/v1/calls/{call['id']}").get_json()
        escalated = {p["person_id"] for p in detail["people"] if p["escalated_at"]}
        assert escalated == silent
        assert all(p["channels"] == [{"channel": "app", "status": "sent"},
                                     {"channel": "sms", "status": "sent"}]
                   for p in detail["people"])
        assert (detail["answered"], detail["overdue"]) == (25, 25)
    finally:
        watcher.close()
        for listener in listeners.values():
            listener.close()


def test_an_answer_is_idempotent_kept_offline_with_its_time_and_late_after_the_deadline(
        client, admin, commander, clock):
    people = [created(admin.post("/api/v1/people", json=person_body(
        name=f"人员{i}", phone=f"1380000100{i}"))) for i in range(3)]
    phones = [staff_api(client, commander, p["id"]) for p in people]
    call = created(commander.post("/api/v1/calls", json={
        "message": "请回复", "deadline_minutes": 10,
        "targets": {"person_ids": [p["id"] for p in people[:2]]}}))
    assert call["deadline_at"] == "2026-07-21T08:10:00+08:00"

    # Not a target, an unknown call.
    assert answer(phones[2], call["id"]).status_code == 403
    assert answer(phones[0], 999_999).status_code == 404
    # The banner: the phone lists its open calls until it answers.
    mine = phones[0].get("/api/v1/me/calls").get_json()
    assert [c["id"] for c in mine["items"]] == [call["id"]]

    clock.advance(minutes=15)
    # Answered offline at 08:04, uploaded at 08:15: on time.
    client_id = str(uuid.uuid4())
    offline = phones[0].post(f"/api/v1/calls/{call['id']}/answer", json={
        "client_id": client_id, "taken_at": "2026-07-21T08:04:00+08:00"})
    assert offline.status_code == 201
    assert offline.get_json()["late"] is False
    assert offline.get_json()["answered_at"] == "2026-07-21T08:04:00+08:00"
    replay = phones[0].post(f"/api/v1/calls/{call['id']}/answer", json={
        "client_id": client_id, "taken_at": "2026-07-21T08:04:00+08:00"})
    assert (replay.status_code, replay.get_json()) == (200, offline.get_json())
    reused = phones[0].post(f"/api/v1/calls/{call['id']}/answer", json={
        "client_id": client_id, "taken_at": "2026-07-21T08:05:00+08:00"})
    assert reused.status_code == 422
    assert phones[0].get("/api/v1/me/calls").get_json()["items"] == []

    late = answer(phones[1], call["id"])
    assert late.status_code == 201 and late.get_json()["late"] is True
    detail = commander.get(f"/api/v1/calls/{call['id']}").get_json()
    assert (detail["answered"], detail["late"]) == (2, 1)


def test_bad_calls_are_refused_and_change_nothing(admin, commander, api_as):
    person = created(admin.post("/api/v1/people", json=person_body()))
    cases = [
        ({"message": "x", "targets": {}}, "targets"),
        ({"message": "x", "targets": {"person_ids": [999_999]}}, "targets.person_ids.0"),
        ({"message": "x", "targets": {"on_duty": True}}, "event_id"),
        ({"message": "x", "kind": "roll_call", "targets": {"person_ids": [person["id"]]}},
         "event_id"),
        ({"message": "x", "deadline_minutes": 0, "targets": {"person_ids": [person["id"]]}},
         "deadline_minutes"),
        ({"message": "", "targets": {"person_ids": [person["id"]]}}, "message"),
    ]
    for body, field in cases:
        response = commander.post("/api/v1/calls", json=body)
        assert response.status_code == 422, (body, response.get_json())
        assert field in response.get_json()["error"]["fields"], response.get_json()
    inspector = api_as("inspector")
    assert inspector.post("/api/v1/calls", json={
        "message": "x", "targets": {"person_ids": [person["id"]]}}).status_code == 403
    assert commander.get("/api/v1/calls").get_json()["total"] == 0


def test_a_roll_call_counts_only_answers_from_inside_the_fence(app, client, admin, commander,
                                                                clock):
    inside = make_duty(client, admin, commander, phone="13800000001")
    outside = make_duty(client, admin, commander, phone="13800000002", post_name="二号水库",
                        event_id=inside.event_id)
    silent = make_duty(client, admin, commander, phone="13800000003", post_name="三号水库",
                       event_id=inside.event_id)
    clock.advance(minutes=30)
    call = created(commander.post("/api/v1/calls", json={
        "event_id": inside.event_id, "kind": "roll_call", "message": "随机点名，请在岗应答",
        "targets": {"on_duty": True}}))
    assert call["targets"] == 3
    # A roll call needs the position.
    assert answer(inside.staff, call["id"]).status_code == 422
    lat, lon = inside.point_at(20)
    good = answer(inside.staff, call["id"], lat=lat, lon=lon, accuracy_m=10)
    assert good.status_code == 201 and good.get_json()["within_fence"] is True
    lat, lon = outside.point_at(2_000)
    away = answer(outside.staff, call["id"], lat=lat, lon=lon, accuracy_m=10)
    assert away.status_code == 201 and away.get_json()["within_fence"] is False
    assert away.get_json()["distance_m"] > 1_900

    clock.advance(minutes=6)
    escalate(app)
    alerts = commander.get(f"/api/v1/events/{inside.event_id}/alerts?status=open").get_json()
    failed = {a["person_id"]: a for a in alerts["items"] if a["kind"] == "roll_call_failed"}
    assert set(failed) == {outside.person_id, silent.person_id}
    assert failed[outside.person_id]["post_id"] == outside.post["id"]
    assert "不在岗位电子围栏内" in failed[outside.person_id]["message"]


def test_an_alert_nobody_acknowledges_climbs_one_level_at_a_time(app, client, admin, commander,
                                                                  with_sms, clock):
    county = created(admin.post("/api/v1/units", json={"name": "云岭县", "kind": "county"}))
    town = created(admin.post("/api/v1/units", json={"name": "青溪镇", "kind": "town",
                                                      "parent_id": county["id"]}))
    leaders = {}
    for number, unit in enumerate((county, town)):
        leaders[unit["kind"]] = created(admin.post("/api/v1/people", json=person_body(
            name=f"{unit['name']}指挥长", phone=f"1350000000{number}")))
        created(admin.post(f"/api/v1/units/{unit['id']}/leaders", json={
            "person_id": leaders[unit["kind"]]["id"], "role": "chief"}))
    duty = make_duty(client, admin, commander, post_fields={"unit_id": town["id"]})
    drain(app)
    assert [r.json["phone"] for r in with_sms.requests] == ["13800000001"]  # the assignment
    told = len(with_sms.requests)
    clock.advance(minutes=16)  # nobody checked in: missed_checkin (sweeper)
    with app.app_context():
        from coordinator.jobs import sweeper
        raised = sweeper.run_once().raised
    assert len(raised) == 2  # missed check-in and understaffed: the second is seen to at once
    assert commander.post(f"/api/v1/alerts/{raised[1]}/ack", json={}).status_code == 200
    clock.advance(minutes=14)
    assert escalate(app).escalated_alerts == []
    clock.advance(minutes=2)  # 16 minutes unacknowledged
    assert {level for _, level in escalate(app).escalated_alerts} == {1}
    drain(app)
    assert [r.json["phone"] for r in with_sms.requests[told:]] == [leaders["town"]["phone"]]
    assert "已16分钟无人确认" in with_sms.requests[told].json["text"]
    assert escalate(app).escalated_alerts == []  # once per level
    clock.advance(minutes=15)
    assert {level for _, level in escalate(app).escalated_alerts} == {2}
    drain(app)
    assert [r.json["phone"] for r in with_sms.requests[told:]] == [leaders["town"]["phone"],
                                                                    leaders["county"]["phone"]]
    # An acknowledged alert stops climbing.
    alert_id = raised[0]
    assert commander.post(f"/api/v1/alerts/{alert_id}/ack", json={}).status_code == 200
    clock.advance(minutes=60)
    assert escalate(app).escalated_alerts == []
    assert duty.person_id


def test_a_gateway_that_fails_then_recovers_delivers_each_sms_once(app, admin, commander,
                                                                    with_sms, clock):
    person = created(admin.post("/api/v1/people", json=person_body()))
    created(commander.post("/api/v1/calls", json={
        "message": "请回复", "targets": {"person_ids": [person["id"]]}}))
    with_sms.fail_next(2, status=503)
    first = drain(app)
    assert (first.sent, len(first.retry)) == ([], 1)
    pending = commander.get("/api/v1/notifications?status=pending").get_json()["items"]
    assert len(pending) == 1 and pending[0]["attempts"] == 1
    assert "503" in pending[0]["last_error"]
    assert drain(app).retry == []  # not due before its backoff
    clock.advance(seconds=5)
    assert len(drain(app).retry) == 1
    clock.advance(seconds=10)
    assert len(drain(app).sent) == 1
    sent = commander.get("/api/v1/notifications?status=sent").get_json()["items"]
    sms = [n for n in sent if n["channel"] == "sms"]
    assert len(sms) == 1 and sms[0]["attempts"] == 3 and sms[0]["last_error"] is None
    assert len(with_sms.requests) == 3  # two refused, one delivered
    clock.advance(hours=1)
    assert drain(app).sent == []
    assert len(with_sms.requests) == 3


def test_a_notification_given_up_is_shown_and_can_be_resent(app, admin, commander, with_sms,
                                                            clock):  # noqa: F811
    app.config["NOTIFY_MAX_ATTEMPTS"] = 2
    person = created(admin.post("/api/v1/people", json=person_body()))
    created(commander.post("/api/v1/calls", json={
        "message": "请回复", "targets": {"person_ids": [person["id"]]}}))
    with_sms.fail_next(2, status=500)
    drain(app)
    clock.advance(minutes=1)
    assert len(drain(app).failed) == 1
    failed = commander.get("/api/v1/notifications?status=failed").get_json()
    assert failed["total"] == 1
    notification = failed["items"][0]
    assert (notification["channel"], notification["attempts"]) == ("sms", 2)
    resent = commander.post(f"/api/v1/notifications/{notification['id']}/resend")
    assert resent.status_code == 200 and resent.get_json()["status"] == "pending"
    assert len(drain(app).sent) == 1
    again = commander.post(f"/api/v1/notifications/{notification['id']}/resend")
    assert again.status_code == 409
    assert commander.post("/api/v1/notifications/999999/resend").status_code == 404
    audit = admin.get("/api/v1/audit?entity_type=notifications&limit=500").get_json()
    assert any(e["action"] == "resend" for e in audit["items"]), audit


def test_a_town_commander_neither_sees_nor_calls_another_towns_people(admin, api_as):
    county = created(admin.post("/api/v1/units", json={"name": "云岭县", "kind": "county"}))
    towns = {name: created(admin.post("/api/v1/units", json={
        "name": name, "kind": "town", "parent_id": county["id"]})) for name in ("青溪镇", "龙潭镇")}
    people = {name: created(admin.post("/api/v1/people", json=person_body(
        name=f"{name}干部", phone=f"1390000000{i}", unit=name, unit_id=towns[name]["id"])))
        for i, name in enumerate(towns)}
    a, b = api_as("commander", towns["青溪镇"]["id"]), api_as("commander", towns["龙潭镇"]["id"])
    refused = b.post("/api/v1/calls", json={"message": "x", "targets": {
        "person_ids": [people["青溪镇"]["id"]]}})
    assert refused.status_code == 403
    call = created(a.post("/api/v1/calls", json={"message": "青溪镇叫应", "targets": {
        "unit_ids": [towns["青溪镇"]["id"]]}}))
    assert call["targets"] == 1
    assert b.get(f"/api/v1/calls/{call['id']}").status_code == 404
    assert b.get("/api/v1/calls").get_json()["total"] == 0
    assert b.get("/api/v1/notifications").get_json()["total"] == 0
    assert a.get("/api/v1/notifications").get_json()["total"] == 1
    # The county's call to everyone: each town sees it with its own people only.
    everyone = created(admin.post("/api/v1/calls", json={"message": "全县叫应", "targets": {
        "unit_ids": [county["id"]]}}))
    assert everyone["targets"] == 2
    seen_by_b = b.get(f"/api/v1/calls/{everyone['id']}").get_json()
    assert [p["person_id"] for p in seen_by_b["people"]] == [people["龙潭镇"]["id"]]
    assert PASSWORD


def test_answers_count_in_the_record_and_the_export(app, client, admin, commander, clock):
    import csv
    import io

    from openpyxl import load_workbook

    on_time = make_duty(client, admin, commander, phone="13800000001")
    late = make_duty(client, admin, commander, phone="13800000002", post_name="二号水库",
                     event_id=on_time.event_id)
    silent = make_duty(client, admin, commander, phone="13800000003", post_name="三号水库",
                       event_id=on_time.event_id)
    call = created(commander.post("/api/v1/calls", json={
        "event_id": on_time.event_id, "message": "请确认在岗", "targets": {"on_duty": True}}))
    assert answer(on_time.staff, call["id"]).status_code == 201
    clock.advance(minutes=6)
    assert answer(late.staff, call["id"]).get_json()["late"] is True
    escalate(app)
    roll = created(commander.post("/api/v1/calls", json={
        "event_id": on_time.event_id, "kind": "roll_call", "message": "随机点名",
        "targets": {"person_ids": [silent.person_id]}}))
    clock.advance(minutes=6)
    escalate(app)

    performance = commander.get(f"/api/v1/events/{on_time.event_id}/performance").get_json()
    by_person = {item["person_id"]: item for item in performance["items"]}
    fields = ("calls", "calls_answered", "calls_late", "calls_unanswered", "roll_calls_failed")
    assert tuple(by_person[on_time.person_id][f] for f in fields) == (1, 1, 0, 0, 0)
    assert tuple(by_person[late.person_id][f] for f in fields) == (1, 1, 1, 0, 0)
    assert tuple(by_person[silent.person_id][f] for f in fields) == (2, 0, 0, 1, 1)
    weights = performance["weights"]
    assert by_person[late.person_id]["score_parts"]["calls_late"] == weights["call_late"]
    assert by_person[silent.person_id]["score_parts"]["calls_unanswered"] == \
        weights["call_unanswered"]
    assert by_person[silent.person_id]["score_parts"]["roll_calls_failed"] == \
        weights["roll_call_failed"]

    book = load_workbook(io.BytesIO(commander.get(
        f"/api/v1/events/{on_time.event_id}/export.xlsx").data), read_only=True)
    rows = list(book["叫应"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:3] == ("叫应ID", "类型", "内容")
    assert len(body) == 4
    kinds = {(row[0], row[6]): row for row in body}
    assert kinds[(roll["id"], "人员0003")][1] == "随机点名"
    assert kinds[(call["id"], "人员0002")][header.index("超时应答")] == "是"
    assert kinds[(call["id"], "人员0003")][header.index("应答时间（北京时间）")] is None
    rule = {row[0]: row for row in book["计分规则"].iter_rows(values_only=True)}
    assert rule["叫应未应答"][1] == weights["call_unanswered"]

    table = commander.get(f"/api/v1/events/{on_time.event_id}/export.csv?table=calls")
    assert table.status_code == 200
    lines = list(csv.reader(io.StringIO(table.data.decode("utf-8-sig"))))
    assert len(lines) == 5 and lines[0][0] == "叫应ID"


def test_an_assignment_sends_the_person_an_sms_with_a_staff_link_that_signs_in(
        app, client, admin, commander, with_sms):
    duty = make_duty(client, admin, commander)
    assert len(drain(app).sent) == 1
    [sms] = with_sms.requests
    assert sms.json["phone"] == "13800000001"
    assert "石门水库" in sms.json["text"] and "07-21 08:00至07-21 20:00" in sms.json["text"]
    link = sms.json["text"].rsplit("：", 1)[1]
    assert link.startswith("http://localhost/m/link/"), link
    phone = app.test_client()
    opened = phone.get(link.removeprefix("http://localhost"), follow_redirects=True)
    assert opened.status_code == 200
    assert "人员0001" in opened.get_data(as_text=True)  # signed in as the person
    outbox = commander.get("/api/v1/notifications?status=sent").get_json()["items"]
    assert {n["assignment_id"] for n in outbox if n["cause"] == "assignment"} == {
        duty.assignment_id}


def test_every_channel_gets_the_call_once_and_the_robots_one_message_naming_everyone(
        app, admin, commander, smtp_server):  # noqa: F811
    import base64
    import hashlib
    import hmac

    people = [created(admin.post("/api/v1/people", json=person_body(
        name=f"值守{i}", phone=f"1370000000{i}", email=f"duty{i}@example.cn"))) for i in range(3)]
    with CapturingGateway() as sms, CapturingGateway("/wecom") as wecom, \
            CapturingGateway("/dingtalk") as dingtalk:
        wecom.answer_json({"errcode": 0, "errmsg": "ok"})
        dingtalk.answer_json({"errcode": 0, "errmsg": "ok"})
        app.config.update(SMS_URL=sms.url, WECOM_WEBHOOK=wecom.url + "?key=robot-key",
                          DINGTALK_WEBHOOK=dingtalk.url + "?access_token=robot-token",
                          DINGTALK_SECRET="SEC-robot-secret", SMTP_URL=smtp_server.url)
        call = created(commander.post("/api/v1/calls", json={
            "message": "台风橙色预警，请回复", "targets": {"person_ids": [p["id"] for p in people]}}))
        result = drain(app)
        assert len(result.sent) == 3 + 3 + 3 + 3  # sms, wecom, dingtalk, mail per person
        phones = sorted(p["phone"] for p in people)
        assert sorted(r.json["phone"] for r in sms.requests) == phones
        [robot] = wecom.requests
        assert robot.json["msgtype"] == "text"
        assert sorted(robot.json["text"]["mentioned_mobile_list"]) == phones
        assert "台风橙色预警" in robot.json["text"]["content"]
        [signed] = dingtalk.requests
        assert sorted(signed.json["at"]["atMobiles"]) == phones
        expected = base64.b64encode(hmac.new(b"SEC-robot-secret",
                                             f"{signed.query['timestamp']}\nSEC-robot-secret".encode(),
                                             hashlib.sha256).digest()).decode()
        assert signed.query["sign"] == expected
        mails = smtp_server.wait_for(3)
        assert sorted(m["To"].addresses[0].addr_spec for m in mails) == sorted(
            p["email"] for p in people)
        assert "台风橙色预警" in mails[0].get_content()
        assert drain(app).sent == []  # nothing twice
    detail = commander.get(f"/api/v1/calls/{call['id']}").get_json()
    assert {c["channel"] for c in detail["people"][0]["channels"]} == {
        "app", "sms", "wecom", "dingtalk", "mail"}


def test_answers_arriving_together_are_counted_one_by_one_on_the_map(
        client, admin, commander, live_server):  # noqa: F811
    from concurrent.futures import ThreadPoolExecutor

    import requests

    event = created(commander.post("/api/v1/events", json=event_body()))
    people = [created(admin.post("/api/v1/people", json=person_body(
        name=f"值守{i}", phone=f"1371000{i:04d}"))) for i in range(24)]
    tokens = [staff_api(client, commander, p["id"]).token for p in people]
    call = created(commander.post("/api/v1/calls", json={
        "event_id": event["id"], "message": "请回复",
        "targets": {"person_ids": [p["id"] for p in people]}}))
    watcher = MapClient(live_server, commander.token).connect()
    try:
        assert watcher.subscribe(event["id"])["ok"]

        def answer_over_http(token):
            return requests.post(f"{live_server}/api/v1/calls/{call['id']}/answer",
                                 json={"client_id": str(uuid.uuid4())},
                                 headers={"Authorization": f"Bearer {token}"}, timeout=30)

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = [r.status_code for r in pool.map(answer_over_http, tokens)]
        assert statuses == [201] * 24
        messages = sorted((body for _, body in watcher.take(24)), key=lambda b: b["seq"])
        assert [m["answered"] for m in messages] == list(range(1, 25))
    finally:
        watcher.close()
