"""Relocation (人员转移, 应转尽转) through HTTP and a real Socket.IO client: households in from a
file with its bad rows reported, reports from the field idempotent and ordered by the phone's
own time, planned against moved per village and town, live, scoped, and in the export."""

from __future__ import annotations

import io
import uuid

from conftest import PASSWORD, Api
from county_support import created
from live_server import live_server  # noqa: F401 - a fixture
from live_support import MapClient
from openpyxl import Workbook, load_workbook
from relocation_support import (
    SHELTERS,
    build_relocation,
    import_households,
    report,
    row_of,
)
from shapes import assert_error

from coordinator.jobs import escalation


def summary(api: Api, event_id: int, by: str = "village") -> dict:
    response = api.get(f"/api/v1/events/{event_id}/relocation?by={by}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def signed_in(client, make_user, role: str, unit_id: int | None = None) -> Api:
    username = make_user(role, f"{role}-{uuid.uuid4().hex[:6]}", unit_id=unit_id)
    token = client.post("/api/v1/auth/login", json={"username": username,
                                                    "password": PASSWORD}).get_json()["token"]
    return Api(client, token)


# --- households in -----------------------------------------------------------------------------


def test_an_import_takes_the_good_rows_reports_the_bad_ones_and_a_second_run_changes_nothing(
        client, admin, commander):
    r = build_relocation(client, admin, commander, per_village=2)
    before = commander.get("/api/v1/households").get_json()["total"]
    rows = [
        "张大爷,13911110001,临安区/太湖源镇/白沙村,2,2,30.30,119.40," + SHELTERS["太湖源镇"],
        "李阿婆,13911110002,白沙村,1,1,,,",  # a village named alone, when its name is unique
        "王五,13911110003,临安区/太湖源镇/无此村,3,0,,,",  # no such village
        "赵六,13911110004,白沙村,2,3,,,",  # more vulnerable people than people
        "钱七,not-a-phone,白沙村,2,0,,,",
        "孙八,13911110006,白沙村,2,0,,,不存在的安置点",
        "周九,13911110001,临安区/太湖源镇/白沙村,2,2,,,",  # the first row's phone again
        "吴十,13911110008,月亮桥村,0,0,,,",  # nobody to move
    ]
    first = import_households(commander, rows)
    assert first.status_code == 200
    answer = first.get_json()
    assert (answer["created"], answer["updated"]) == (2, 0)
    assert [error["row"] for error in answer["errors"]] == [4, 5, 6, 7, 8, 9]
    messages = " ".join(error["message"] for error in answer["errors"])
    assert "无此村" in messages and "vulnerable" in messages and "不存在的安置点" in messages
    assert commander.get("/api/v1/households").get_json()["total"] == before + 2

    again = import_households(commander, rows).get_json()
    assert (again["created"], again["updated"]) == (0, 0)
    changed = import_households(commander, [
        "张大爷,13911110001,临安区/太湖源镇/白沙村,3,2,30.30,119.40," + SHELTERS["太湖源镇"]])
    assert (changed.get_json()["created"], changed.get_json()["updated"]) == (0, 1)
    found = commander.get("/api/v1/households?q=13911110001").get_json()["items"]
    assert [(h["head_name"], h["people"], h["vulnerable"], h["shelter_name"]) for h in found] == [
        ("张大爷", 3, 2, SHELTERS["太湖源镇"])]
    assert r.households  # the county's own list is untouched
    audit = admin.get("/api/v1/audit/verify").get_json()
    assert audit["ok"] is True


def test_an_xlsx_with_english_headers_imports_the_same(client, admin, commander):
    build_relocation(client, admin, commander, per_village=1)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["head_name", "phone", "unit_path", "people", "vulnerable", "lat", "lon",
                  "shelter"])
    sheet.append(["陈一", "13922220001", "临安区/天目山镇/告岭村", 4, 1, 30.2, 119.3,
                  SHELTERS["天目山镇"]])
    sheet.append(["陈二", "13922220002", "临安区/天目山镇/告岭村", "four", 0, None, None, None])
    data = io.BytesIO()
    workbook.save(data)
    data.seek(0)
    answer = commander.post("/api/v1/households/import",
                            data={"file": (data, "households.xlsx")},
                            content_type="multipart/form-data").get_json()
    assert answer["created"] == 1 and [e["row"] for e in answer["errors"]] == [3]


def test_a_town_imports_and_sees_only_its_own_villages(client, admin, commander, make_user):
    r = build_relocation(client, admin, commander, per_village=2)
    town_a = signed_in(client, make_user, "commander", r.units["太湖源镇"])
    answer = import_households(town_a, [
        "甲,13933330001,临安区/太湖源镇/太湖源村,2,0,,,",
        "乙,13933330002,临安区/天目山镇/告岭村,2,0,,,"]).get_json()
    assert answer["created"] == 1
    assert "outside your unit" in answer["errors"][0]["message"]
    listed = town_a.get("/api/v1/households?limit=500").get_json()
    assert {h["unit_path"].split("/")[1] for h in listed["items"]} == {"太湖源镇"}
    assert [row["name"] for row in summary(town_a, r.event_id)["items"]] == ["太湖源村", "白沙村"]
    outside = next(h for h in r.households.values() if "天目山镇" in h["unit_path"])
    assert_error(town_a.get(f"/api/v1/households/{outside['id']}"), 404, "not_found")
    assert_error(town_a.patch(f"/api/v1/households/{outside['id']}", json={"people": 9}),
                 404, "not_found")


def test_a_correction_follows_the_household_into_the_figures(client, admin, commander):
    r = build_relocation(client, admin, commander, per_village=3)
    household = r.households["13900000001"]  # 白沙村, no vulnerable people
    assert household["vulnerable"] == 0
    before = row_of(summary(commander, r.event_id), "白沙村")
    report(r.official_api, r.event_id, household["id"], status="refused", people=0)

    response = commander.patch(f"/api/v1/households/{household['id']}",
                               json={"vulnerable": 2, "note": "独居老人"})
    assert response.status_code == 200 and response.get_json()["note"] == "独居老人"
    after = row_of(summary(commander, r.event_id), "白沙村")
    assert after["vulnerable_outstanding"] == before["vulnerable_outstanding"] + 2
    assert after["refused"] == 1
    # A household struck off the list leaves the figures, its state with it.
    assert commander.patch(f"/api/v1/households/{household['id']}",
                           json={"active": False}).status_code == 200
    struck = row_of(summary(commander, r.event_id), "白沙村")
    assert (struck["households"], struck["refused"]) == (before["households"] - 1, 0)
    assert struck["vulnerable_outstanding"] == before["vulnerable_outstanding"]
    assert_error(commander.patch(f"/api/v1/households/{household['id']}",
                                 json={"vulnerable": 99}), 422, "validation_error", ["vulnerable"])
    assert_error(commander.patch(f"/api/v1/households/{household['id']}",
                                 json={"shelter_post_id": r.units["county"] + 10_000}),
                 422, "validation_error", ["shelter_post_id"])


# --- reports from the field ---------------------------------------------------------------------


def test_a_report_is_idempotent_like_a_check_in(client, admin, commander):
    r = build_relocation(client, admin, commander, per_village=2)
    household = r.households["13900000000"]
    first, body = report(r.official_api, r.event_id, household["id"], people=3)
    assert first.status_code == 201
    replay = r.official_api.post(f"/api/v1/events/{r.event_id}/relocations", json=body)
    assert replay.status_code == 200 and replay.get_json() == first.get_json()
    assert_error(r.official_api.post(f"/api/v1/events/{r.event_id}/relocations",
                                     json={**body, "people": 2}), 422, "client_id_reused",
                 ["client_id"])
    history = commander.get(f"/api/v1/events/{r.event_id}/relocations").get_json()
    assert history["total"] == 1


def test_the_latest_taken_report_is_the_state_and_every_report_is_kept(client, admin, commander,
                                                                       clock):
    r = build_relocation(client, admin, commander, per_village=2)
    other = created(admin.post("/api/v1/people", json={
        "name": "白沙村网格员", "phone": "13700000009", "unit": "白沙村", "kind": "village_official",
        "unit_id": r.units["白沙村"], "skills": []}))
    from field_support import staff_api
    second_official = staff_api(client, commander, other["id"])
    household = r.households["13900000000"]
    clock.advance(minutes=30)
    # The second official reports at 08:20; the first official's report, taken at 08:10 and
    # queued offline, arrives after it: it is history, not the state.
    newer, _ = report(second_official, r.event_id, household["id"], status="moved", people=3,
                      taken_at="2026-07-21T08:20:00+08:00")
    older, _ = report(r.official_api, r.event_id, household["id"], status="not_home", people=0,
                      taken_at="2026-07-21T08:10:00+08:00")
    assert newer.status_code == 201 and older.status_code == 201
    village = row_of(summary(commander, r.event_id), "白沙村")
    assert (village["moved"], village["not_home"]) == (1, 0)
    history = commander.get(f"/api/v1/events/{r.event_id}/relocations"
                            f"?household_id={household['id']}").get_json()["items"]
    assert [(item["status"], item["current"], item["reporter"].split(" ")[0])
            for item in history] == [("moved", True, "白沙村网格员"),
                                     ("not_home", False, "白沙村村委委员")]
    # A later report takes over again.
    latest, _ = report(r.official_api, r.event_id, household["id"], status="refused", people=0,
                       taken_at="2026-07-21T08:25:00+08:00")
    assert latest.status_code == 201
    village = row_of(summary(commander, r.event_id), "白沙村")
    assert (village["moved"], village["refused"], village["outstanding"]) == (0, 1, 2)


def test_bad_reports_are_refused_and_change_nothing(client, admin, commander):
    r = build_relocation(client, admin, commander, per_village=2)
    home = r.households["13900000000"]
    elsewhere = next(h for h in r.households.values() if h["unit_path"].endswith("月亮桥村"))
    url = f"/api/v1/events/{r.event_id}/relocations"
    assert_error(report(r.official_api, r.event_id, elsewhere["id"])[0], 403, "forbidden")
    assert_error(report(r.official_api, r.event_id, home["id"], people=0)[0], 422,
                 "validation_error", ["people"])
    assert_error(report(r.official_api, r.event_id, home["id"],
                        taken_at="2026-07-21T09:00:00+08:00")[0], 422, "validation_error",
                 ["taken_at"])
    assert_error(report(r.official_api, r.event_id, home["id"],
                        shelter_post_id=r.units["county"] + 10_000)[0], 422, "validation_error",
                 ["shelter_post_id"])
    assert_error(report(r.official_api, r.event_id, home["id"], status="gone")[0], 422,
                 "validation_error", ["status"])
    assert_error(report(r.official_api, r.event_id + 100, home["id"])[0], 404, "not_found")
    assert_error(r.official_api.post(url, json=[1, 2]), 400, "bad_request")
    assert commander.get(url).get_json()["total"] == 0
    assert commander.post(f"/api/v1/events/{r.event_id}/close").status_code == 200
    assert_error(report(r.official_api, r.event_id, home["id"])[0], 422, "validation_error",
                 ["event_id"])


def test_shelter_arrivals_count_against_capacity(client, admin, commander):
    r = build_relocation(client, admin, commander, per_village=2)
    shelter = r.shelters["太湖源镇"]
    household = r.households["13900000000"]
    url = f"/api/v1/events/{r.event_id}/shelter-arrivals"
    body = {"client_id": str(uuid.uuid4()), "shelter_post_id": shelter["id"],
            "household_id": household["id"], "people": 3, "taken_at": "2026-07-21T08:00:00+08:00"}
    first = r.manager_api.post(url, json=body)
    assert first.status_code == 201 and first.get_json()["unit_id"] == r.units["白沙村"]
    assert r.manager_api.post(url, json=body).status_code == 200
    crowd = r.manager_api.post(url, json={**body, "client_id": str(uuid.uuid4()),
                                          "household_id": None, "people": 40})
    assert crowd.status_code == 201
    assert_error(r.official_api.post(url, json={**body, "client_id": str(uuid.uuid4())}), 403,
                 "forbidden")
    other_shelter = r.shelters["天目山镇"]
    assert_error(r.manager_api.post(url, json={**body, "client_id": str(uuid.uuid4()),
                                               "shelter_post_id": other_shelter["id"]}),
                 403, "forbidden")
    shelters = {s["name"]: s for s in commander.get(
        f"/api/v1/events/{r.event_id}/shelters").get_json()["items"]}
    assert shelters[shelter["name"]]["sheltered"] == 43
    assert shelters[shelter["name"]]["over_capacity"] is True
    assert shelters[shelter["name"]]["planned"] == 14  # 白沙村 and 太湖源村: 3 + 4 people each
    assert row_of(summary(commander, r.event_id), "白沙村")["sheltered"] == 3
    mine = r.manager_api.get("/api/v1/me/relocation").get_json()
    assert [s["name"] for s in mine["shelters"]] == [shelter["name"]]
    assert len(mine["households"]) == 4  # those planned for the shelter


def test_the_phone_lists_its_village_outstanding_and_vulnerable_first(client, admin, commander):
    r = build_relocation(client, admin, commander, per_village=6)
    mine = r.official_api.get("/api/v1/me/relocation").get_json()
    assert mine["event_id"] == r.event_id
    households = mine["households"]
    assert {h["unit_path"] for h in households} == {"临安区/太湖源镇/白沙村"}
    assert [h["vulnerable"] for h in households] == sorted(
        (h["vulnerable"] for h in households), reverse=True)
    first = households[0]
    report(r.official_api, r.event_id, first["id"], people=first["people"])
    again = r.official_api.get("/api/v1/me/relocation").get_json()["households"]
    assert again[-1]["id"] == first["id"] and again[-1]["state"]["status"] == "moved"


# --- the figures, live ---------------------------------------------------------------------------


def test_planned_against_moved_per_village_and_town(client, admin, commander):
    r = build_relocation(client, admin, commander, per_village=4)
    village_ids = [h["id"] for phone, h in sorted(r.households.items())
                   if h["unit_path"].endswith("白沙村")]
    report(r.official_api, r.event_id, village_ids[0], status="moved", people=3)
    report(r.official_api, r.event_id, village_ids[1], status="self_arranged", people=4)
    report(r.official_api, r.event_id, village_ids[2], status="refused", people=0)
    village = row_of(summary(commander, r.event_id), "白沙村")
    assert {k: village[k] for k in ("households", "people", "moved", "self_arranged", "refused",
                                    "not_home", "outstanding", "people_moved",
                                    "people_self_arranged")} == {
        "households": 4, "people": 14, "moved": 1, "self_arranged": 1, "refused": 1,
        "not_home": 0, "outstanding": 2, "people_moved": 3, "people_self_arranged": 4}
    # rows 0 and 3 are vulnerable (one person each); row 0 has left
    assert village["vulnerable_outstanding"] == 1
    towns = summary(commander, r.event_id, "town")
    town = row_of(towns, "太湖源镇")
    assert (town["households"], town["moved"], town["outstanding"]) == (8, 1, 6)
    assert towns["totals"]["households"] == 16 and towns["totals"]["outstanding"] == 14
    overview = commander.get(f"/api/v1/events/{r.event_id}/summary?by=village").get_json()
    baisha = next(item for item in overview["items"] if item["name"] == "白沙村")
    assert (baisha["households_planned"], baisha["households_moved"]) == (4, 2)


def test_a_report_reaches_the_map_live_with_its_village_and_town(app, client, admin, commander,
                                                                  make_user, live_server):  # noqa: F811
    r = build_relocation(client, admin, commander, per_village=3)
    town_b = signed_in(client, make_user, "commander", r.units["天目山镇"])
    county_map = MapClient(live_server, commander.token).connect()
    town_b_map = MapClient(live_server, town_b.token).connect()
    try:
        ack = county_map.subscribe(r.event_id)
        assert ack["ok"] is True
        assert town_b_map.subscribe(r.event_id)["ok"] is True
        household = r.households["13900000000"]
        response, _ = report(r.official_api, r.event_id, household["id"], people=3)
        assert response.status_code == 201
        name, message = county_map.next()
        assert name == "relocation_status" and message["seq"] == ack["seq"] + 1
        assert (message["by"], message["name"], message["moved"], message["outstanding"]) == (
            "village", "白沙村", 1, 2)
        assert (message["town"]["name"], message["town"]["moved"],
                message["town"]["households"]) == ("太湖源镇", 1, 6)
        # Town B's map is told nothing of town A's village.
        other = next(h for h in r.households.values() if h["unit_path"].endswith("告岭村"))
        report(commander, r.event_id, other["id"], status="not_home", people=0)
        name, message = town_b_map.next()
        assert (name, message["name"], message["not_home"]) == ("relocation_status", "告岭村", 1)
        assert town_b_map.messages.empty()
    finally:
        county_map.sio.disconnect()
        town_b_map.sio.disconnect()


def test_vulnerable_people_not_moved_in_time_raise_an_alert_that_ends_when_they_leave(
        app, client, admin, commander, clock):
    r = build_relocation(client, admin, commander, per_village=2)
    with app.app_context():
        assert escalation.run_once().relocation_raised == []  # the response has only begun
    clock.advance(minutes=app.config["RELOCATION_ALERT_MINUTES"])
    with app.app_context():
        raised = escalation.run_once().relocation_raised
    alerts = commander.get(f"/api/v1/events/{r.event_id}/alerts?status=open").get_json()["items"]
    overdue = {a["unit_id"]: a for a in alerts if a["kind"] == "relocation_overdue"}
    assert len(raised) == 4 and set(overdue) == {
        r.units[v] for v in ("白沙村", "太湖源村", "月亮桥村", "告岭村")}
    assert "白沙村 尚有 1 户重点人员未转移" in overdue[r.units["白沙村"]]["message"]
    with app.app_context():
        assert escalation.run_once().relocation_raised == []  # once per village
    vulnerable = next(h for h in r.households.values()
                      if h["unit_path"].endswith("白沙村") and h["vulnerable"])
    report(r.official_api, r.event_id, vulnerable["id"], people=3,
           taken_at=clock.now().isoformat())
    with app.app_context():
        resolved = escalation.run_once().relocation_resolved
    assert resolved == [overdue[r.units["白沙村"]]["id"]]
    town_b = summary(commander, r.event_id, "town")
    assert row_of(town_b, "天目山镇")["vulnerable_households_outstanding"] == 2


# --- in the record ------------------------------------------------------------------------------


def test_the_export_has_the_relocation_sheets_and_csv_tables(client, admin, commander):
    r = build_relocation(client, admin, commander, per_village=2)
    household = r.households["13900000000"]
    report(r.official_api, r.event_id, household["id"], status="not_home", people=0,
           taken_at="2026-07-21T07:58:00+08:00")
    report(r.official_api, r.event_id, household["id"], status="moved", people=3,
           shelter_post_id=r.shelters["太湖源镇"]["id"], note="=HYPERLINK(\"x\")")
    response = commander.get(f"/api/v1/events/{r.event_id}/export.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    sheet = list(workbook["人员转移"].iter_rows(values_only=True))
    assert sheet[0][:8] == ("上报ID", "户ID", "户主", "电话", "所属村", "重点人员", "状态", "人数")
    assert [(row[6], row[7], row[8], row[12]) for row in sheet[1:]] == [
        ("不在家", 0, None, "否"), ("已转移", 3, SHELTERS["太湖源镇"], "是")]
    assert sheet[2][13].startswith("'=")  # a formula from the field is text
    villages = list(workbook["转移统计（按村）"].iter_rows(values_only=True))
    baisha = next(row for row in villages if row[1] == "临安区/太湖源镇/白沙村")
    assert (baisha[2], baisha[4], baisha[8], baisha[13]) == (2, 1, 1, 50.0)
    assert villages[-1][1] == "合计" and villages[-1][2] == 8
    officials = list(workbook["转移上报人员"].iter_rows(values_only=True))
    assert officials[1][1:9] == ("白沙村村委委员 (13700000001)", 2, 1, 1, 0, 0, 1, 3)
    csv = commander.get(f"/api/v1/events/{r.event_id}/export.csv?table=relocations&lang=en")
    assert csv.status_code == 200
    text = csv.get_data().decode("utf-8-sig").splitlines()
    assert text[0].startswith("Report ID,Household ID,Head of household")
    assert len(text) == 3 and ",moved," in text[2]
