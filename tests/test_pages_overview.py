"""The county's overview on the command center, in Chromium: at low zoom a badge per town with
its posts staffed against required, drilling down on click; the same figures as a table that
sorts; both live over Socket.IO; a town's commander sees only the town."""

from __future__ import annotations

import pytest
from conftest import PASSWORD, Api
from county_support import build_county, created, open_event
from field_support import staff_api
from live_server import browser, live_server, sign_in  # noqa: F401
from playwright.sync_api import expect
from test_pages_command import new_tab

pytestmark = pytest.mark.browser
MORNING = {"starts_at": "2026-07-21T08:00:00+08:00", "ends_at": "2026-07-21T20:00:00+08:00"}


@pytest.fixture
def county(admin, api_as, client, make_user):
    county = build_county(admin, api_as)
    county.event = open_event(county.accounts["county"])
    for key, required in (("A", 2), ("B", 1)):
        shift = created(admin.post(f"/api/v1/events/{county.event['id']}/shifts", json={
            "post_id": county.posts[key]["id"], "required": required, **MORNING}))
        created(admin.post("/api/v1/assignments", json={
            "shift_id": shift["id"], "person_id": county.people[key]["id"]}))
    make_user("commander", "county-chief", unit_id=county.units["county"])
    make_user("commander", "town-a-chief", unit_id=county.units["A"])
    county.phones = {key: staff_api(client, admin, county.people[key]["id"]) for key in "AB"}
    return county


def check_in(phone: Api, post: dict, n: int) -> None:
    assert phone.post("/api/v1/checkins", json={
        "client_id": f"0a1b2c3d-0000-4000-8000-{n:012d}", "kind": "check_in",
        "lat": post["lat"], "lon": post["lon"], "accuracy_m": 8.0,
        "taken_at": "2026-07-21T08:00:00+08:00"}).status_code == 201


def open_command(browser, base_url, username, event_id):  # noqa: F811
    page = new_tab(browser, base_url)
    sign_in(page, username, PASSWORD)
    page.goto(f"/command/events/{event_id}")
    expect(page.locator("#page")).to_have_attribute("data-state", "ready")
    expect(page.locator("#conn")).to_have_attribute("data-state", "online")
    return page


def test_the_county_sees_a_badge_per_town_that_drills_down_and_stays_live(
        browser, live_server, county):  # noqa: F811
    page = open_command(browser, live_server, "county-chief", county.event["id"])
    badges = page.locator(".unit-badge")
    # The two towns lie far apart: the whole county fits only at a low zoom, one badge each.
    expect(badges).to_have_count(2)
    town_a = page.locator(f'.unit-badge[data-unit-id="{county.units["A"]}"]')
    expect(town_a).to_contain_text("太湖源镇")
    expect(town_a).to_contain_text("0/2")
    expect(page.locator(".post-pin").first).to_be_hidden()

    check_in(county.phones["A"], county.posts["A"], 1)
    expect(town_a).to_contain_text("1/2")

    page.click("#tab-overview")
    rows = page.locator("#overview-table tbody tr")
    expect(rows).to_have_count(2)
    names = page.locator("#overview-table tbody th")
    expect(names).to_have_text(["太湖源镇", "天目山镇"])  # by name first, in pinyin order
    required = page.locator('#overview-table th[data-sort="required"]')
    required.locator("button").click()
    expect(required).to_have_attribute("aria-sort", "descending")
    expect(names).to_have_text(["太湖源镇", "天目山镇"])
    required.locator("button").click()
    expect(required).to_have_attribute("aria-sort", "ascending")
    expect(names).to_have_text(["天目山镇", "太湖源镇"])
    expect(rows.nth(1).locator("td").nth(2)).to_have_text("1")  # 太湖源镇: 1 of 2 on duty
    check_in(county.phones["B"], county.posts["B"], 2)
    expect(rows.first.locator("td").nth(2)).to_have_text("1")  # 天目山镇: 1 of 1, live
    expect(rows.first.locator("td").nth(3)).to_have_text("100%")
    page.click('#panel-overview [data-level="village"]')
    expect(names).to_have_text(["月亮桥村", "白沙村"])  # still by required, ascending

    town_a.click()
    expect(page.locator(f'.post-pin[title="{county.posts["A"]["name"]}"]')).to_be_visible()
    expect(badges).to_have_count(0)


def test_a_towns_commander_sees_only_the_town(browser, live_server, county):  # noqa: F811
    page = open_command(browser, live_server, "town-a-chief", county.event["id"])
    page.click("#tab-overview")
    expect(page.locator("#overview-table tbody th")).to_have_text(["太湖源镇"])
    expect(page.locator(".post-pin")).to_have_count(1)
    expect(page.get_by_text("月亮桥山塘")).to_have_count(0)
