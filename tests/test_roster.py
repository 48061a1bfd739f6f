"""The duty roster (值班表) of a day: the XLSX read back with openpyxl, and the printable page."""

from __future__ import annotations

import io
from datetime import date

import pytest
from conftest import PASSWORD, event_body, person_body, post_body
from openpyxl import load_workbook

from coordinator import db
from coordinator.models import Event
from coordinator.services.roster import duty_roster, shift_label


@pytest.fixture
def duty_day(app, admin, commander):
    """Two posts on 21 July 2026: a full day shift, a night shift one short, a shift next day."""
    app.config["ORG_NAME"] = "青溪镇"
    event = commander.post("/api/v1/events", json=event_body(name="2026年第5号台风防御")).get_json()
    people = [admin.post("/api/v1/people", json=person_body(
        name=name, phone=phone, unit=unit)).get_json()
        for name, phone, unit in (("张伟", "13800000001", "镇农业农村办"),
                                  ("李娜", "13800000002", "石门村"),
                                  ("王强", "13800000003", "镇应急办"))]
    reservoir = commander.post("/api/v1/posts", json=post_body(name="石门水库")).get_json()
    bridge = commander.post("/api/v1/posts", json=post_body(name="青溪桥", kind="bridge",
                                                             village="青溪村")).get_json()

    def shift(post, start, end, required, who):
        made = commander.post(f"/api/v1/events/{event['id']}/shifts", json={
            "post_id": post["id"], "starts_at": start, "ends_at": end, "required": required})
        assert made.status_code == 201, made.get_json()
        for person in who:
            assert commander.post("/api/v1/assignments", json={
                "shift_id": made.get_json()["id"], "person_id": person["id"]}).status_code == 201

    shift(reservoir, "2026-07-21T08:00:00+08:00", "2026-07-21T20:00:00+08:00", 2, people[:2])
    shift(reservoir, "2026-07-21T20:00:00+08:00", "2026-07-22T08:00:00+08:00", 2, people[2:])
    shift(bridge, "2026-07-21T08:00:00+08:00", "2026-07-21T20:00:00+08:00", 1, people[2:])
    shift(bridge, "2026-07-22T09:00:00+08:00", "2026-07-22T17:00:00+08:00", 1, [])
    return event


def test_shift_labels_name_the_day_around():
    from datetime import UTC, datetime

    day = date(2026, 7, 21)
    night = shift_label(datetime(2026, 7, 21, 12, tzinfo=UTC), datetime(2026, 7, 22, 0, tzinfo=UTC), day)
    assert night == "20:00—次日08:00"
    before = shift_label(datetime(2026, 7, 20, 12, tzinfo=UTC), datetime(2026, 7, 21, 0, tzinfo=UTC), day)
    assert before == "前日20:00—08:00"


def test_the_roster_lists_the_days_shifts_post_by_post(app, duty_day):
    with app.app_context():
        event = db.session().get(Event, duty_day["id"])
        roster = duty_roster(db.session(), event, date(2026, 7, 21), "青溪镇")
    assert roster.title == "青溪镇防汛防台值班表"
    assert roster.day_text == "2026年7月21日（星期二）"
    assert [p.name for p in roster.posts] == ["石门水库", "青溪桥"]  # by village, then name
    reservoir = roster.posts[0]
    assert [s.label for s in reservoir.shifts] == ["08:00—20:00", "20:00—次日08:00"]
    assert [line.name for line in reservoir.shifts[0].lines] == ["张伟", "李娜"]
    assert [(line.name, line.missing) for line in reservoir.shifts[1].lines] == [("王强", 0), ("", 1)]
    assert reservoir.rows == 4


def test_the_roster_as_xlsx_reads_back(app, duty_day, api_as):
    inspector = api_as("inspector")
    answer = inspector.get(f"/api/v1/events/{duty_day['id']}/roster.xlsx", query_string={
        "date": "2026-07-21", "leader": "陈书记", "leader_phone": "13900000001"})
    assert answer.status_code == 200
    assert answer.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in answer.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(answer.data)).active
    assert sheet["A1"].value == "青溪镇防汛防台值班表"
    assert "A1:E1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A2"].value == "2026年第5号台风防御　　2026年7月21日（星期二）"
    assert sheet["A3"].value == "带班领导：陈书记　　联系电话：13900000001"
    assert [c.value for c in sheet[4]] == ["点位", "班次", "值班人员", "单位", "联系电话"]
    assert sheet.freeze_panes == "A5"
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=5, max_row=9)]
    assert rows == [
        ["石门水库", "08:00—20:00", "张伟", "镇农业农村办", "13800000001"],
        [None, None, "李娜", "石门村", "13800000002"],
        [None, "20:00—次日08:00", "王强", "镇应急办", "13800000003"],
        [None, None, "（缺1人）", None, None],
        ["青溪桥", "08:00—20:00", "王强", "镇应急办", "13800000003"],
    ]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A5:A8", "B5:B6", "B7:B8"} <= merged
    assert sheet["C5"].border.left.style == "thin" and sheet["E9"].border.bottom.style == "thin"
    assert sheet.column_dimensions["A"].width >= 12 and sheet.column_dimensions["E"].width >= 13
    assert int(sheet.page_setup.paperSize) == 9  # A4
    texts = [c.value for row in sheet.iter_rows(min_row=10) for c in row if c.value]
    assert any("制表人" in t and "盖章" in t for t in texts)


def test_the_roster_needs_a_date_and_a_reader(duty_day, commander, client, api_as):
    url = f"/api/v1/events/{duty_day['id']}/roster.xlsx"
    assert commander.get(url).status_code == 422
    assert commander.get(url, query_string={"date": "21/07/2026"}).status_code == 422
    assert commander.get("/api/v1/events/999/roster.xlsx?date=2026-07-21").status_code == 404
    assert client.get(f"{url}?date=2026-07-21").status_code == 401
    empty_day = commander.get(url, query_string={"date": "2026-08-01"})
    sheet = load_workbook(io.BytesIO(empty_day.data)).active
    assert any(c.value == "当日无值班安排" for row in sheet.iter_rows() for c in row)


def sign_in_page(client, make_user, role: str) -> None:
    username = make_user(role, f"page-{role}")
    page = client.get("/login")
    token = page.get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                         "csrf_token": token})
    assert answer.status_code == 302


def test_the_printable_page(client, make_user, duty_day):
    sign_in_page(client, make_user, "inspector")
    page = client.get(f"/events/{duty_day['id']}/roster?date=2026-07-21&leader=陈书记")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>青溪镇防汛防台值班表</h1>" in html
    assert "@media print" in html and "size: A4" in html
    assert "<th>点位</th><th>班次</th><th>值班人员</th><th>单位</th><th>联系电话</th>" in html
    assert '<td rowspan="4">石门水库</td>' in html and "（缺1人）" in html
    assert "陈书记" in html and "制表人" in html
    assert "roster.xlsx?date=2026-07-21&amp;leader=" in html
    assert client.get(f"/events/{duty_day['id']}/roster?date=nonsense").status_code == 400
    assert client.get("/events/999/roster").status_code == 404
