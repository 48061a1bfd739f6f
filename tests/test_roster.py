"""The duty roster (值班表) of a day: the XLSX read back with openpyxl, and the printable page;
its heading names the leaders on duty (带班领导) of the units, each post its responsible persons."""

from __future__ import annotations

import io
from datetime import date

import pytest
from conftest import PASSWORD, event_body, person_body, post_body
from county_support import build_county, created, open_event
from openpyxl import load_workbook

from coordinator import db
from coordinator.models import Event
from coordinator.services import scope
from coordinator.services.roster import DutyRoster, duty_roster, shift_label


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
    assert "A1:F1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A2"].value == "2026年第5号台风防御　　2026年7月21日（星期二）"
    assert sheet["A3"].value == "带班领导：陈书记　　联系电话：13900000001"
    assert [c.value for c in sheet[4]] == ["点位", "责任人", "班次", "值班人员", "单位", "联系电话"]
    assert sheet.freeze_panes == "A5"
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=5, max_row=9)]
    assert rows == [
        ["石门水库", None, "08:00—20:00", "张伟", "镇农业农村办", "13800000001"],
        [None, None, None, "李娜", "石门村", "13800000002"],
        [None, None, "20:00—次日08:00", "王强", "镇应急办", "13800000003"],
        [None, None, None, "（缺1人）", None, None],
        ["青溪桥", None, "08:00—20:00", "王强", "镇应急办", "13800000003"],
    ]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A5:A8", "B5:B8", "C5:C6", "C7:C8"} <= merged
    assert sheet["D5"].border.left.style == "thin" and sheet["F9"].border.bottom.style == "thin"
    assert sheet.column_dimensions["A"].width >= 12 and sheet.column_dimensions["F"].width >= 13
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
    assert "<th>点位</th><th>责任人</th><th>班次</th><th>值班人员</th><th>单位</th><th>联系电话</th>" in html
    assert '<td rowspan="4">石门水库</td>' in html and "（缺1人）" in html
    assert "陈书记" in html and "制表人" in html
    assert "roster.xlsx?date=2026-07-21&amp;leader=" in html
    assert client.get(f"/events/{duty_day['id']}/roster?date=nonsense").status_code == 400
    assert client.get("/events/999/roster").status_code == 404


# --- the command chain: leaders on duty in the heading, each post's responsible persons -----------


@pytest.fixture
def county_day(app, admin, api_as):
    """临安区 (towns 天目山镇 and 太湖源镇) with a leader on duty in each, the county's event on
    21 July 2026 with a shift at a post of each town; 白沙水库 has two responsible persons."""
    app.config["ORG_NAME"] = "临安区"
    county = build_county(admin, api_as)
    units, people = county.units, county.people
    chen = created(admin.post("/api/v1/people", json=person_body(
        name="陈县长", phone="13900000009", unit="临安区防指", unit_id=units["county"])))
    zhao = created(admin.post("/api/v1/people", json=person_body(
        name="赵敏", phone="13900000021", unit="白沙村", unit_id=units["A1"])))
    for unit, person, role in ((units["county"], chen, "duty"), (units["A"], people["A"], "duty"),
                               (units["A"], chen, "chief"), (units["B"], people["B"], "duty")):
        created(admin.post(f"/api/v1/units/{unit}/leaders", json={
            "person_id": person["id"], "role": role}))
    reservoir = county.posts["A"]["id"]
    for person, role in ((zhao, "patrol"), (people["A"], "administrative")):
        created(admin.post(f"/api/v1/posts/{reservoir}/responsibles", json={
            "person_id": person["id"], "role": role}))
    event = open_event(county.accounts["county"], name="2026年第5号台风防御")
    for key in ("A", "B"):
        shift = created(admin.post(f"/api/v1/events/{event['id']}/shifts", json={
            "post_id": county.posts[key]["id"], "starts_at": "2026-07-21T08:00:00+08:00",
            "ends_at": "2026-07-21T20:00:00+08:00", "required": 1}))
        created(admin.post("/api/v1/assignments", json={
            "shift_id": shift["id"], "person_id": people[key]["id"]}))
    return county, event


def roster_of(app, event_id: int, unit_id: int | None = None, **hand) -> DutyRoster:
    """The roster of 21 July 2026, read as an account of `unit_id` would (None: everything)."""
    with app.app_context():
        session = db.session()
        if unit_id is not None:
            scope.install(session, scope.scope_for_unit(session, unit_id))
        return duty_roster(session, session.get(Event, event_id), date(2026, 7, 21), "临安区",
                           **hand)


def test_a_county_roster_heads_with_the_leaders_on_duty_of_the_county_and_its_towns(app,
                                                                                   county_day):
    county, event = county_day
    roster = roster_of(app, event["id"])
    assert [line.text for line in roster.leaders] == [
        "带班领导（临安区）：陈县长　　联系电话：13900000009",
        "带班领导（天目山镇）：李秀英　　联系电话：13900000002",
        "带班领导（太湖源镇）：王建国　　联系电话：13900000001",
    ]
    reservoir = next(p for p in roster.posts if p.name == "白沙水库")
    assert [r.text for r in reservoir.responsibles] == [
        "行政责任人：王建国　13900000001", "巡查责任人：赵敏　13900000021"]
    assert next(p for p in roster.posts if p.name == "月亮桥山塘").responsibles == []

    # A leader named by hand stands for the county's own; the towns' stay.
    named = roster_of(app, event["id"], leader="周书记", leader_phone="13700000001")
    assert [line.text for line in named.leaders] == [
        "带班领导：周书记　　联系电话：13700000001",
        "带班领导（天目山镇）：李秀英　　联系电话：13900000002",
        "带班领导（太湖源镇）：王建国　　联系电话：13900000001",
    ]
    # A town's account reads the county's event for its own town only.
    town = roster_of(app, event["id"], county.units["A"])
    assert [p.name for p in town.posts] == ["白沙水库"]
    assert [line.text for line in town.leaders] == ["带班领导（太湖源镇）：王建国　　联系电话：13900000001"]


def test_a_towns_roster_heads_with_the_towns_leader_only(app, county_day):
    county, _ = county_day
    event = open_event(county.accounts["A"], name="太湖源镇强降雨防御")
    created(county.accounts["A"].post(f"/api/v1/events/{event['id']}/shifts", json={
        "post_id": county.posts["A"]["id"], "starts_at": "2026-07-21T08:00:00+08:00",
        "ends_at": "2026-07-21T20:00:00+08:00", "required": 1}))
    roster = roster_of(app, event["id"])
    assert [line.text for line in roster.leaders] == [
        "带班领导（太湖源镇）：王建国　　联系电话：13900000001"]


def test_the_county_roster_as_xlsx_prints_leaders_and_responsibles(county_day, api_as):
    county, event = county_day
    answer = api_as("inspector").get(f"/api/v1/events/{event['id']}/roster.xlsx",
                                     query_string={"date": "2026-07-21"})
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.data)).active
    assert [sheet[f"A{row}"].value for row in (3, 4, 5)] == [
        "带班领导（临安区）：陈县长　　联系电话：13900000009",
        "带班领导（天目山镇）：李秀英　　联系电话：13900000002",
        "带班领导（太湖源镇）：王建国　　联系电话：13900000001",
    ]
    assert "A3:F3" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A6"].value == "点位" and sheet["B6"].value == "责任人"
    rows = {row[0]: row for row in sheet.iter_rows(min_row=7, max_row=8, values_only=True)}
    assert rows["白沙水库"][1] == "行政责任人：王建国　13900000001\n巡查责任人：赵敏　13900000021"
    assert rows["白沙水库"][3:] == ("王建国", "太湖源镇", "13900000001")
    assert rows["月亮桥山塘"][1] is None
    reservoir_row = next(r for r in (7, 8) if sheet[f"A{r}"].value == "白沙水库")
    assert sheet[f"B{reservoir_row}"].alignment.wrap_text
    assert sheet.row_dimensions[reservoir_row].height >= 30  # room for both lines
    assert sheet.column_dimensions["B"].width >= 30
