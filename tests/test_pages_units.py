"""The units page in a real browser: the administrator draws the command chain county → towns →
villages by hand and from a file, the command center names and removes leaders, an account of a
town sees its town only; and the duty roster prints the leaders on duty named there."""

from __future__ import annotations

import pytest
from conftest import person_body, post_body
from county_support import build_county, created, open_event
from live_server import PHONE, browser, browser_page, live_server, sign_in  # noqa: F401
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

UNITS_CSV = ("名称,类型,上级,带班领导\n"
             "月亮桥村,村,天目山镇,\n"
             "天目山镇,镇,临安区,13900000001\n"
             "无名村,村,不存在镇,\n")
FITS_THE_SCREEN = "() => document.documentElement.scrollWidth <= window.innerWidth"


def unit(page, name: str):
    return page.locator("#tree .unit", has=page.locator(".unit-name", has_text=name))


def test_admin_draws_the_command_chain(browser_page, make_user, admin, tmp_path):  # noqa: F811
    created(admin.post("/api/v1/people", json=person_body(name="王建国", phone="13900000001")))
    page = browser_page
    sign_in(page, make_user("admin"))
    page.locator(".mainnav a", has_text="单位").click()
    expect(page.locator("h1")).to_have_text("单位")
    expect(page.locator('.mainnav a[aria-current="page"]')).to_have_text("单位")
    expect(page.locator("#empty")).to_have_text("暂无数据。")

    # The county first: it has no unit above.
    form = page.locator("#form")
    expect(form.get_by_label("类型").locator("option")).to_have_text([
        "县（区）", "镇（乡、街道）", "村（社区）"])
    form.get_by_label("名称").fill("临安区")
    form.get_by_label("类型").select_option(label="县（区）")
    expect(form.get_by_label("上级单位")).to_be_disabled()
    expect(form.get_by_label("上级单位")).to_have_text("无：县（区）没有上级单位")
    form.get_by_role("button", name="保存").click()
    expect(page.locator("#notice")).to_have_text("已新增“临安区”。")
    expect(unit(page, "临安区").locator(".unit-kind")).to_have_text("县（区）")

    # A town under it; a village without its town is explained at the field.
    form.get_by_label("名称").fill("太湖源镇")
    form.get_by_label("类型").select_option(label="镇（乡、街道）")
    form.get_by_label("上级单位").select_option(label="临安区")
    form.get_by_role("button", name="保存").click()
    expect(unit(page, "太湖源镇")).to_have_class("unit depth-1")
    form.get_by_label("名称").fill("白沙村")
    form.get_by_label("类型").select_option(label="村（社区）")
    expect(form.get_by_label("上级单位").locator("option")).to_have_text([
        "请选择上级单位", "临安区 / 太湖源镇"])
    form.get_by_role("button", name="保存").click()
    expect(page.locator("#f-parent_id-error")).to_contain_text("村的上级是镇")
    form.get_by_label("上级单位").select_option(label="临安区 / 太湖源镇")
    form.get_by_role("button", name="保存").click()
    expect(page.locator("#notice")).to_have_text("已新增“临安区 / 太湖源镇 / 白沙村”。")
    expect(unit(page, "白沙村")).to_have_class("unit depth-2")
    expect(page.locator("#f-parent_id-error")).to_be_hidden()

    # The same village twice under the same town is refused at the name.
    form.get_by_label("名称").fill("白沙村")
    form.get_by_label("类型").select_option(label="村（社区）")
    form.get_by_label("上级单位").select_option(label="临安区 / 太湖源镇")
    form.get_by_role("button", name="保存").click()
    expect(page.locator("#f-name-error")).to_have_text("同一上级单位下已有同名单位。")

    # A file in any row order, with a leader by phone; the row naming no town is reported.
    upload = tmp_path / "单位.csv"
    upload.write_text(UNITS_CSV, encoding="utf-8-sig")
    page.locator("#f-file").set_input_files(str(upload))
    page.get_by_role("button", name="上传并导入").click()
    expect(page.locator("#import-result .summary")).to_contain_text("新增 2 条")
    bad = page.locator("#import-result .bad-rows tbody tr")
    expect(bad).to_have_count(1)
    expect(bad.locator("td").first).to_have_text("4")
    expect(bad.locator("td").nth(1)).to_contain_text("上级单位")
    expect(page.locator("#tree .unit-name")).to_have_text([
        "临安区", "天目山镇", "月亮桥村", "太湖源镇", "白沙村"])
    expect(unit(page, "天目山镇").locator(".leaders")).to_contain_text("带班领导 王建国 13900000001")

    # Name a leader by searching the roster, then remove them again.
    town = unit(page, "太湖源镇")
    expect(town.locator(".leaders")).to_have_text("尚未指定。")
    town.get_by_role("button", name="添加领导").click()
    town.get_by_label("职责").select_option(label="指挥长")
    town.get_by_label("人员").fill("王建")
    town.locator(".candidates li", has_text="王建国").get_by_role("button", name="添加").click()
    expect(page.locator("#notice")).to_have_text("已指定王建国为太湖源镇指挥长。")
    expect(town.locator(".leaders li")).to_have_text(["指挥长 王建国 13900000001移出"])
    town.get_by_role("button", name="移出").click()
    expect(page.locator("#notice")).to_have_text("王建国已不再担任太湖源镇指挥长。")
    expect(town.locator(".leaders")).to_have_text("尚未指定。")

    # On a phone the tree and the forms fit the screen.
    page.set_viewport_size(PHONE)
    expect(page.locator("#tree")).to_be_visible()
    assert page.evaluate(FITS_THE_SCREEN)

    # In English.
    page.get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Units and leaders")
    expect(unit(page, "太湖源镇").locator(".unit-kind")).to_have_text("Town (township)")
    expect(unit(page, "天目山镇").locator(".leaders")).to_contain_text("Leader on duty 王建国")


def test_the_command_center_names_leaders_and_a_town_sees_its_own(browser_page, admin, api_as,  # noqa: F811
                                                                  make_user):
    county = build_county(admin, api_as)
    page = browser_page
    sign_in(page, make_user("commander", unit_id=county.units["A"]))
    page.goto("/admin/units")
    expect(page.locator("#tree .unit-name")).to_have_text(["太湖源镇", "白沙村"])
    expect(page.locator("#form")).to_have_count(0)  # only the administrator draws units
    village = unit(page, "白沙村")
    village.get_by_role("button", name="添加领导").click()
    village.get_by_label("人员").fill("李秀英")  # of the other town: not found here
    expect(village.locator(".candidates")).to_have_text("没有符合条件的在用人员。")
    village.get_by_label("职责").select_option(label="带班领导")
    village.get_by_label("人员").fill("王建国")
    village.locator(".candidates li", has_text="王建国").get_by_role("button", name="添加").click()
    expect(village.locator(".leaders li")).to_have_text(["带班领导 王建国 13900000001移出"])
    leaders = county.accounts["county"].get(f"/api/v1/units/{county.units['A1']}/leaders")
    assert [(item["name"], item["role"]) for item in leaders.get_json()["items"]] == [
        ("王建国", "duty")]


def test_inspectors_read_the_chain(browser_page, admin, api_as, make_user):  # noqa: F811
    county = build_county(admin, api_as)
    created(admin.post(f"/api/v1/units/{county.units['B']}/leaders", json={
        "person_id": county.people["B"]["id"], "role": "deputy"}))
    page = browser_page
    sign_in(page, make_user("inspector"))
    page.goto("/admin/units")
    expect(unit(page, "天目山镇").locator(".leaders")).to_contain_text("副指挥长 李秀英")
    expect(page.get_by_role("button", name="添加领导")).to_have_count(0)
    expect(page.get_by_role("button", name="移出")).to_have_count(0)


def test_the_roster_prints_the_leaders_on_duty_and_the_responsible_persons(
        browser_page, admin, api_as, make_user):  # noqa: F811
    county = build_county(admin, api_as)
    for key in ("county", "A"):
        person = county.people["A"]["id"]
        created(admin.post(f"/api/v1/units/{county.units[key]}/leaders", json={
            "person_id": person, "role": "duty"}))
    created(admin.post(f"/api/v1/posts/{county.posts['A']['id']}/responsibles", json={
        "person_id": county.people["A"]["id"], "role": "patrol"}))
    extra = created(admin.post("/api/v1/posts", json=post_body(name="临安区防汛仓库", lat=30.1,
                                                               lon=119.6, unit_id=county.units["B1"])))
    event = open_event(county.accounts["county"], name="2026年第5号台风防御")
    for post in (county.posts["A"], extra):
        created(admin.post(f"/api/v1/events/{event['id']}/shifts", json={
            "post_id": post["id"], "starts_at": "2026-07-21T08:00:00+08:00",
            "ends_at": "2026-07-21T20:00:00+08:00", "required": 1}))
    page = browser_page
    sign_in(page, make_user("commander"))
    page.goto(f"/events/{event['id']}/roster?date=2026-07-21")
    expect(page.locator(".duty-sheet .leader")).to_have_text([
        "带班领导（临安区）：王建国　电话：13900000001",
        "带班领导（太湖源镇）：王建国　电话：13900000001",
    ])
    reservoir = page.locator("#roster tbody tr", has_text="白沙水库")
    expect(reservoir.locator("td.responsibles")).to_have_text("巡查责任人：王建国　13900000001")
    # A leader named by hand stands for the county's own.
    page.get_by_label("带班领导（选填）").fill("周书记")
    page.get_by_label("带班领导电话").fill("13700000001")
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".duty-sheet .leader")).to_have_text([
        "带班领导：周书记　电话：13700000001",
        "带班领导（太湖源镇）：王建国　电话：13900000001",
    ])
    expect(page.get_by_role("link", name="下载 Excel")).to_have_attribute(
        "href", f"/api/v1/events/{event['id']}/roster.xlsx?date=2026-07-21&leader=%E5%91%A8%E4%B9%A6%E8%AE%B0"
                "&leader_phone=13700000001")
