"""The dispatch page in a real browser: a commander proposes an assignment, drops one row, swaps
another from the candidates, confirms; the people's phones get their posts. And the roster page."""

from __future__ import annotations

import math

import pytest
from conftest import START, event_body, person_body, post_body
from field_support import staff_api
from live_server import browser, browser_page, live_server, sign_in  # noqa: F401
from live_support import MapClient
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

BASE = (28.10, 119.90)


def north(metres: float) -> float:
    return BASE[0] + math.degrees(metres / 6_371_008.8)


@pytest.fixture
def response(admin, commander):
    """Five people near two posts with a shift each (two and one places) starting now."""
    event = commander.post("/api/v1/events", json=event_body()).get_json()
    people = [admin.post("/api/v1/people", json=person_body(
        name=name, phone=f"1380000000{i}", home_lat=north(metres), home_lon=BASE[1],
        skills=[])).get_json()
        for i, (name, metres) in enumerate((("张近", 100), ("李中", 300), ("王远", 900),
                                            ("赵备", 1_500), ("钱外", 6_000)))]
    posts = [commander.post("/api/v1/posts", json=post_body(
        name=name, lat=north(metres), lon=BASE[1])).get_json()
        for name, metres in (("石门水库", 0), ("青溪桥", 1_000))]
    shifts = [commander.post(f"/api/v1/events/{event['id']}/shifts", json={
        "post_id": post["id"], "starts_at": START.isoformat(),
        "ends_at": START.replace(hour=12).isoformat(), "required": required}).get_json()
        for post, required in zip(posts, (2, 1), strict=True)]
    return event, people, posts, shifts


def test_commander_proposes_adjusts_and_confirms(browser_page, make_user, commander, client,  # noqa: F811
                                                 live_server, response):  # noqa: F811
    event, people, _, shifts = response
    phone = MapClient(live_server, staff_api(client, commander, people[0]["id"]).token).connect()
    page = browser_page
    try:
        sign_in(page, make_user("commander"))
        page.goto(f"/events/{event['id']}/dispatch")
        expect(page.locator("h1")).to_have_text("智能排班")
        expect(page.locator("#shifts tbody tr")).to_have_count(2)
        expect(page.locator("#shifts tbody")).to_contain_text("需 2 人，空缺 2 人")

        page.get_by_role("button", name="生成派驻方案").click()
        rows = page.locator("#proposal tbody tr")
        expect(rows).to_have_count(3)
        expect(page.locator("#summary")).to_contain_text("建议派驻 3 人")
        expect(rows.filter(has_text="张近")).to_contain_text("石门水库")
        expect(rows.filter(has_text="王远")).to_contain_text("青溪桥")
        expect(rows.filter(has_text="张近")).to_contain_text("空闲人员中距离最近")
        expect(page.locator("#map path.proposal-line")).to_have_count(3)  # person → post
        expect(page.locator("#map path.proposal-post")).to_have_count(2)

        # Drop 李中: that place stays open. Swap 王远 for someone from the candidates.
        rows.filter(has_text="李中").get_by_role("button", name="移除").click()
        expect(rows).to_have_count(2)
        expect(page.locator("#unfilled")).to_contain_text("石门水库: 1")
        rows.filter(has_text="王远").get_by_role("button", name="换人").click()
        choice = page.locator("#swap-list li", has_text="赵备")
        expect(page.locator("#swap-list")).not_to_contain_text("张近")  # already in the proposal
        choice.get_by_role("button", name="选择").click()
        expect(rows.filter(has_text="赵备")).to_contain_text("人工选定")
        expect(page.locator("#map path.proposal-line")).to_have_count(2)

        page.get_by_role("button", name="确认并通知").click()
        expect(page.locator("#notice")).to_contain_text("已保存 2 条派驻")
        expect(page.locator("#shifts tbody tr")).to_have_count(1)  # 石门水库 still has a place

        saved = commander.get(f"/api/v1/events/{event['id']}/assignments").get_json()["items"]
        assert {(a["person_name"], a["shift_id"], a["source"]) for a in saved} == {
            ("张近", shifts[0]["id"], "auto"), ("赵备", shifts[1]["id"], "manual")}
        name, message = phone.next()
        assert name == "assignment" and message["assignment"]["shift_id"] == shifts[0]["id"]
    finally:
        phone.close()


PAYLOAD = '<img src=x onerror="window.__xss=1">'


def test_names_in_the_map_tooltips_are_text_never_html(browser_page, make_user, admin,  # noqa: F811
                                                       commander):
    """A name is whatever people typed; on the proposal map it must show as written, not run."""
    event = commander.post("/api/v1/events", json=event_body()).get_json()
    admin.post("/api/v1/people", json=person_body(
        name="张" + PAYLOAD, home_lat=north(200), home_lon=BASE[1], skills=[]))
    post = commander.post("/api/v1/posts", json=post_body(
        name="水库" + PAYLOAD, lat=BASE[0], lon=BASE[1])).get_json()
    commander.post(f"/api/v1/events/{event['id']}/shifts", json={
        "post_id": post["id"], "starts_at": START.isoformat(),
        "ends_at": START.replace(hour=12).isoformat(), "required": 1})
    page = browser_page
    sign_in(page, make_user("commander"))
    page.goto(f"/events/{event['id']}/dispatch")
    page.get_by_role("button", name="生成派驻方案").click()
    expect(page.locator("#proposal tbody tr")).to_have_count(1)

    for shape in ("path.proposal-person", "path.proposal-post", "path.proposal-line"):
        page.locator(f"#map {shape}").first.hover(force=True)
        expect(page.locator(".leaflet-tooltip").last).to_contain_text(PAYLOAD)
    assert page.locator(".leaflet-tooltip img").count() == 0
    assert page.evaluate("window.__xss") is None


def test_the_page_speaks_english_on_request(browser_page, make_user, response):  # noqa: F811
    event = response[0]
    page = browser_page
    sign_in(page, make_user("commander"))
    page.goto(f"/events/{event['id']}/dispatch?lang=en")
    expect(page.locator("h1")).to_have_text("Automatic assignment")
    page.get_by_role("button", name="Propose an assignment").click()
    expect(page.locator("#proposal tbody tr")).to_have_count(3)
    expect(page.locator("#proposal tbody")).to_contain_text("nearest of those free")


def test_inspectors_may_not_dispatch_but_read_the_roster(browser_page, make_user, response):  # noqa: F811
    event = response[0]
    page = browser_page
    sign_in(page, make_user("inspector"))
    assert page.goto(f"/events/{event['id']}/dispatch").status == 403
    page.goto(f"/events/{event['id']}/roster?date=2026-07-21")
    expect(page.locator(".duty-sheet h1")).to_have_text("防汛防台值班表")
    expect(page.locator("#roster tbody tr")).to_have_count(2)
    page.emulate_media(media="print")
    expect(page.locator(".roster-tools")).to_be_hidden()
    expect(page.locator(".topbar")).to_be_hidden()
