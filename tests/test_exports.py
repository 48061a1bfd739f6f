"""Exports: the XLSX read back cell by cell, CSV with a BOM, formula neutralisation, the audit."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from records_support import beijing, make_scene

from coordinator.services import xlsx
from coordinator.services.exports import neutralise

SHEETS = ["人员绩效", "单位汇总", "签到记录", "告警记录", "督查记录", "表扬批评", "叫应", "人员转移",
          "转移统计（按村）", "转移上报人员", "计分规则"]
HOSTILE_NAME = "=HYPERLINK(\"http://x\",\"点我\")"


@pytest.fixture
def scene(client, admin, commander, clock, api_as):
    scene = make_scene(client, admin, commander, clock)
    scene.add("zhang", "张伟", "城关镇应急办")
    scene.add("hostile", HOSTILE_NAME, "@SUM(A1:A9)", phone="+8613900000077")
    scene.fix("zhang", "08:00")
    scene.fix("zhang", "12:00", kind="presence")
    inspector = api_as("inspector")
    scene.at("10:00")
    assert inspector.post("/api/v1/spot-checks", json={
        "post_id": scene.duties["hostile"].post["id"], "event_id": scene.event_id,
        "visited_at": beijing("10:00").isoformat(), "present_person_ids": [],
        "note": "-2+3 未见人员", "unannounced": True}).status_code == 201
    assert commander.post("/api/v1/commendations", json={
        "person_id": scene.duties["zhang"].person_id, "event_id": scene.event_id,
        "kind": "commend", "reason": "+1 坚守岗位"}).status_code == 201
    scene.at("21:00")
    return scene


def workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return load_workbook(io.BytesIO(response.data))


def rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def by_header(sheet) -> list[dict]:
    table = rows(sheet)
    return [dict(zip(table[0], row, strict=True)) for row in table[1:]]


def test_xlsx_sheets_headers_frozen_pane_and_widths(scene, admin):
    response = admin.get(f"/api/v1/events/{scene.event_id}/export.xlsx")
    assert response.mimetype == \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    book = workbook(response)
    assert book.sheetnames == SHEETS
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref.startswith("A1:")
        assert all(cell.font.b for cell in sheet[1]), sheet.title
    people = book["人员绩效"]
    assert rows(people)[0][:7] == ("人员ID", "姓名", "单位", "电话", "类别", "班次数", "到岗")
    assert rows(people)[0][-1] == "总分"
    # Widths fit the contents: the ids are narrow, the long (hostile) name gets room.
    assert people.column_dimensions["A"].width <= 12
    assert people.column_dimensions["B"].width >= len(HOSTILE_NAME)


def test_xlsx_people_rows_match_the_performance_answer(scene, admin):
    book = workbook(admin.get(f"/api/v1/events/{scene.event_id}/export.xlsx"))
    answer = {i["person_id"]: i for i in admin.get(
        f"/api/v1/events/{scene.event_id}/performance").get_json()["items"]}
    people = {row["人员ID"]: row for row in by_header(book["人员绩效"])}
    assert set(people) == set(answer)
    zhang = people[scene.duties["zhang"].person_id]
    record = answer[scene.duties["zhang"].person_id]
    assert (zhang["姓名"], zhang["单位"], zhang["类别"]) == ("张伟", "城关镇应急办", "机关干部")
    assert (zhang["班次数"], zhang["到岗"], zhang["缺岗"], zhang["表扬"]) == (1, 1, 0, 1)
    assert zhang["在岗时长（小时）"] == record["on_duty_hours"] == 4
    assert zhang["在岗时长加分"] == 2 and zhang["表扬加分"] == 5 and zhang["基础分"] == 100
    assert zhang["总分"] == record["score"] == 107
    assert isinstance(zhang["总分"], int | float) and isinstance(zhang["人员ID"], int)
    hostile = people[scene.duties["hostile"].person_id]
    assert hostile["督查缺岗"] == 1 and hostile["缺岗"] == 1
    assert hostile["督查缺岗扣分"] == -5 and hostile["总分"] == 85   # numbers stay numbers


def test_xlsx_neutralises_formulas(scene, admin):
    book = workbook(admin.get(f"/api/v1/events/{scene.event_id}/export.xlsx"))
    sheet = book["人员绩效"]
    hostile = next(r for r in sheet.iter_rows(min_row=2) if r[0].value ==
                   scene.duties["hostile"].person_id)
    assert hostile[1].value == "'" + HOSTILE_NAME and hostile[1].data_type == "s"
    assert hostile[2].value == "'@SUM(A1:A9)"
    assert hostile[3].value == "'+8613900000077"
    spot = by_header(book["督查记录"])[0]
    assert spot["情况说明"] == "'-2+3 未见人员" and spot["方式"] == "暗访"
    assert spot["缺岗人员"] == "'" + HOSTILE_NAME
    assert by_header(book["表扬批评"])[0]["事由"] == "'+1 坚守岗位"
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


def test_xlsx_times_are_beijing_time(scene, admin):
    book = workbook(admin.get(f"/api/v1/events/{scene.event_id}/export.xlsx"))
    checkins = by_header(book["签到记录"])
    assert [(c["类型"], c["定位时间（北京时间）"]) for c in checkins] == [
        ("签到", datetime(2026, 7, 21, 8, 0)), ("在岗确认", datetime(2026, 7, 21, 12, 0))]
    first = checkins[0]
    assert first["接收时间（北京时间）"] == datetime(2026, 7, 21, 8, 0)
    assert first["在围栏内"] == "是" and first["计入在岗"] == "是" and first["点位"] == "张伟的点位"
    assert isinstance(first["纬度"], float) and isinstance(first["距点位（米）"], float)
    sheet = book["签到记录"]
    taken = next(c for c in sheet[2] if c.value == datetime(2026, 7, 21, 8, 0))
    assert taken.number_format == "yyyy-mm-dd hh:mm:ss"
    spot = by_header(book["督查记录"])[0]
    assert spot["督查时间（北京时间）"] == datetime(2026, 7, 21, 10, 0)
    rule = {row["项目"]: row for row in by_header(book["计分规则"])}
    assert rule["缺岗"]["分值"] == -10
    assert rule["统计截至"]["分值"] == datetime(2026, 7, 21, 21, 0)
    alerts = by_header(book["告警记录"])
    assert all(isinstance(a["发生时间（北京时间）"], datetime) for a in alerts)


def test_xlsx_units_sheet(scene, admin):
    units = {row["单位"]: row for row in by_header(
        workbook(admin.get(f"/api/v1/events/{scene.event_id}/export.xlsx"))["单位汇总"])}
    assert units["城关镇应急办"]["出勤率（%）"] == 100.0
    assert units["'@SUM(A1:A9)"]["出勤率（%）"] == 0.0
    assert units["城关镇应急办"]["准时率（%）"] == 100.0


def test_xlsx_in_english_on_request(scene, admin):
    book = workbook(admin.get(f"/api/v1/events/{scene.event_id}/export.xlsx?lang=en"))
    assert book.sheetnames[:3] == ["People", "Units", "Check-ins"]
    assert rows(book["People"])[0][:2] == ("Person ID", "Name")
    assert admin.get(f"/api/v1/events/{scene.event_id}/export.xlsx?lang=fr").status_code == 422


def test_csv_has_a_bom_and_neutralises_formulas(scene, admin):
    response = admin.get(f"/api/v1/events/{scene.event_id}/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert table[0][:3] == ["人员ID", "姓名", "单位"]
    by_id = {row[0]: dict(zip(table[0], row, strict=True)) for row in table[1:]}
    hostile = by_id[str(scene.duties["hostile"].person_id)]
    assert hostile["姓名"] == "'" + HOSTILE_NAME and hostile["单位"] == "'@SUM(A1:A9)"
    assert hostile["电话"] == "'+8613900000077"
    assert hostile["督查缺岗扣分"] == "-5" and hostile["总分"] == "85"  # numbers are not touched
    assert by_id[str(scene.duties["zhang"].person_id)]["总分"] == "107"


@pytest.mark.parametrize("table, first_header, rows_expected", [
    ("checkins", "签到ID", 2), ("alerts", "告警ID", None), ("spot_checks", "督查ID", 1),
    ("commendations", "记录ID", 1), ("units", "单位", 2),
])
def test_csv_tables(scene, admin, table, first_header, rows_expected):
    response = admin.get(f"/api/v1/events/{scene.event_id}/export.csv?table={table}")
    assert response.status_code == 200 and response.data.startswith(b"\xef\xbb\xbf")
    parsed = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert parsed[0][0] == first_header
    if rows_expected is not None:
        assert len(parsed) - 1 == rows_expected


def test_csv_times_carry_the_beijing_offset(scene, admin):
    data = admin.get(f"/api/v1/events/{scene.event_id}/export.csv?table=checkins").data
    parsed = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert parsed[0]["定位时间（北京时间）"] == "2026-07-21T08:00:00+08:00"
    english = admin.get(f"/api/v1/events/{scene.event_id}/export.csv?table=checkins&lang=en")
    assert english.data.decode("utf-8-sig").startswith("Check-in ID,Person ID,Name")


def test_exports_are_audited(scene, admin, commander):
    admin.get(f"/api/v1/events/{scene.event_id}/export.xlsx")
    commander.get(f"/api/v1/events/{scene.event_id}/export.csv?table=checkins").get_data()
    entries = admin.get("/api/v1/audit?entity_type=events").get_json()["items"]
    exported = [e for e in entries if e["action"] == "export"]
    assert len(exported) == 2
    csv_entry, xlsx_entry = exported
    assert csv_entry["role"] == "commander" and csv_entry["entity_id"] == str(scene.event_id)
    assert csv_entry["after"]["tables"] == ["checkins"] and csv_entry["after"]["format"] == "csv"
    assert xlsx_entry["role"] == "admin" and xlsx_entry["after"]["format"] == "xlsx"
    assert xlsx_entry["after"]["rows"]["checkins"] == 2
    assert len(xlsx_entry["after"]["sha256"]) == 64
    assert admin.get("/api/v1/audit/verify").get_json()["ok"] is True


def test_the_audit_names_the_file_it_sent(scene, admin):
    import hashlib

    response = admin.get(f"/api/v1/events/{scene.event_id}/export.xlsx")
    entry = next(e for e in admin.get("/api/v1/audit").get_json()["items"]
                 if e["action"] == "export")
    assert entry["after"]["sha256"] == hashlib.sha256(response.data).hexdigest()
    assert response.headers["X-Content-SHA256"] == entry["after"]["sha256"]


@pytest.mark.parametrize("role, status", [("admin", 200), ("commander", 200), ("inspector", 200),
                                          ("staff", 403)])
def test_who_may_export(scene, api_as, role, status):
    caller = scene.duties["zhang"].staff if role == "staff" else api_as(role)
    assert caller.get(f"/api/v1/events/{scene.event_id}/export.xlsx").status_code == status
    assert caller.get(f"/api/v1/events/{scene.event_id}/export.csv").status_code == status


def test_export_of_an_unknown_event_is_404(admin):
    assert admin.get("/api/v1/events/999/export.xlsx").status_code == 404
    assert admin.get("/api/v1/events/999/export.csv").status_code == 404
    assert admin.get("/api/v1/events/1/export.csv?table=secrets").status_code == 422


def test_season_export_across_events(scene, admin, commander):
    second = commander.post("/api/v1/events", json={
        "name": "第二次响应", "kind": "typhoon", "level": 2,
        "starts_at": beijing("08:00", day=23).isoformat()}).get_json()
    commander.post("/api/v1/commendations", json={
        "person_id": scene.duties["zhang"].person_id, "event_id": second["id"],
        "kind": "commend", "reason": "再次表扬"})
    book = workbook(admin.get(f"/api/v1/exports/season.xlsx?event_ids={scene.event_id},"
                              f"{second['id']}"))
    assert book.sheetnames == ["响应汇总", "人员汇总", "人员逐次明细", "单位汇总", "计分规则"]
    events = by_header(book["响应汇总"])
    assert [e["应急响应"] for e in events] == ["2026年7月强降雨防御", "第二次响应"]
    assert events[1]["响应级别"] == "Ⅱ级" and events[1]["类型"] == "台风"
    zhang = next(r for r in by_header(book["人员汇总"]) if r["姓名"] == "张伟")
    assert zhang["参与响应次数"] == 2 and zhang["表扬"] == 2
    assert zhang["各次得分合计"] == 107 + 105 and zhang["平均分"] == 106
    by_dates = workbook(admin.get("/api/v1/exports/season.xlsx?since=2026-07-22&until=2026-07-31"))
    assert [e["响应ID"] for e in by_header(by_dates["响应汇总"])] == [second["id"]]
    entry = next(e for e in admin.get("/api/v1/audit").get_json()["items"]
                 if e["action"] == "export")
    assert entry["after"]["event_ids"] == [second["id"]] and entry["entity_id"] is None


def test_season_export_needs_events(admin):
    assert admin.get("/api/v1/exports/season.xlsx").status_code == 422
    assert admin.get("/api/v1/exports/season.xlsx?event_ids=1,x").status_code == 422
    assert "event_ids" in admin.get("/api/v1/exports/season.xlsx?event_ids=98765"
                                    ).get_json()["error"]["fields"]


@pytest.mark.parametrize("text, expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("张三", "张三"), ("a=b", "a=b"), ("", ""),
])
def test_neutralise(text, expected):
    assert neutralise(text) == expected


def test_a_sheet_longer_than_excel_allows_goes_on_in_another(monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 4)
    spool = io.BytesIO()
    book = xlsx.Workbook(spool)
    assert book.add_sheet("签到记录", ["序号"], ([n] for n in range(7))) == 7
    book.close()
    loaded = load_workbook(io.BytesIO(spool.getvalue()))
    assert loaded.sheetnames == ["签到记录", "签到记录 (2)", "签到记录 (3)"]
    assert [rows(s)[1:] for s in loaded.worksheets] == [[(0,), (1,), (2,)], [(3,), (4,), (5,)],
                                                        [(6,)]]
