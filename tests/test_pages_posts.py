"""The post catalogue page in a real browser: a commander adds, corrects and imports posts, places
them in the units of the command chain and names their responsible persons."""

from __future__ import annotations

import json

import pytest
from conftest import person_body
from county_support import build_county, created
from live_server import DESKTOP, browser, browser_page, live_server, sign_in  # noqa: F401
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def point(name: str, lon, lat, **properties) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"name": name, **properties}}


def test_commander_keeps_the_post_catalogue(browser_page, make_user, tmp_path):  # noqa: F811
    page = browser_page
    sign_in(page, make_user("commander"))
    page.goto("/admin/posts")
    expect(page.locator("h1")).to_have_text("点位")

    # Every kind is offered by its Chinese name.
    form = page.locator("#form")
    expect(form.get_by_label("类型").locator("option")).to_have_text([
        "水库", "山塘", "地质灾害点", "低洼易涝点", "危旧房", "转移安置点", "桥梁/涵洞", "河道堤防", "其他"])

    form.get_by_label("名称").fill("溪口山塘")
    form.get_by_label("类型").select_option(label="山塘")
    form.get_by_label("纬度").fill("28.1234")
    form.get_by_label("经度").fill("119.9501")
    form.get_by_label("所在村").fill("溪口村")
    form.get_by_label("风险等级").select_option("2")

    # A radius of zero is explained at the field, in plain words.
    form.get_by_label("签到范围半径（米）").fill("0")
    form.get_by_role("button", name="保存").click()
    expect(page.locator("#f-radius_m-error")).to_have_text("半径应为大于 0、不超过 10000 的米数。")
    form.get_by_label("签到范围半径（米）").fill("150")
    form.get_by_role("button", name="保存").click()
    added = page.locator("#table tbody tr", has_text="溪口山塘")
    expect(added).to_contain_text("山塘")
    expect(added).to_contain_text("溪口村")
    expect(added).to_contain_text("150 m")
    expect(page.locator("#f-radius_m-error")).to_be_hidden()

    # GeoJSON points with Chinese kinds; the third feature has a latitude out of range.
    upload = tmp_path / "点位.geojson"
    upload.write_text(json.dumps({"type": "FeatureCollection", "features": [
        point("石门水库", 119.95, 28.123, kind="水库", radius_m=200, village="石门村", risk=1),
        point("后山滑坡点", 119.96, 28.13, kind="地质灾害点", radius_m=80),
        point("坏点位", 119.96, 128.13, kind="危旧房", radius_m=50),
    ]}, ensure_ascii=False), encoding="utf-8")
    page.locator("#f-file").set_input_files(str(upload))
    page.get_by_role("button", name="上传并导入").click()
    expect(page.locator("#import-result .summary")).to_contain_text("新增 2 条")
    bad = page.locator("#import-result .bad-rows tbody tr")
    expect(bad).to_have_count(1)
    expect(bad.locator("td").first).to_have_text("3")
    expect(bad.locator("td").nth(1)).to_contain_text("纬度")
    expect(page.locator("#table tbody tr", has_text="后山滑坡点")).to_contain_text("地质灾害点")
    expect(page.locator("#table tbody tr")).to_have_count(3)

    # In English the kinds are named in English.
    page.get_by_role("link", name="English").click()
    expect(page.locator("#table tbody tr", has_text="溪口山塘")).to_contain_text("Pond")
    expect(page.locator("#table tbody tr", has_text="石门水库")).to_contain_text("Reservoir")


def row(page, name: str):
    return page.locator("#table tbody tr", has_text=name)


def test_posts_lie_in_units_and_have_responsible_persons(browser, browser_page, live_server,  # noqa: F811
                                                          make_user, admin, api_as):
    county = build_county(admin, api_as)
    created(admin.post("/api/v1/people", json=person_body(
        name="赵敏", phone="13900000021", unit="白沙村", unit_id=county.units["A1"])))
    page = browser_page
    sign_in(page, make_user("commander"))
    page.goto("/admin/posts")
    reservoir = row(page, "白沙水库")
    expect(reservoir.locator('td[data-label="所属单位"]')).to_have_text("临安区 / 太湖源镇 / 白沙村")
    expect(reservoir.locator('td[data-label="责任人"]')).to_have_text("—")

    # A new post in a village of the chain.
    form = page.locator("#form")
    form.get_by_label("名称").fill("白沙山塘")
    form.get_by_label("类型").select_option(label="山塘")
    form.get_by_label("纬度").fill("30.21")
    form.get_by_label("经度").fill("119.51")
    form.get_by_label("所属单位").select_option(label="临安区 / 太湖源镇 / 白沙村")
    form.get_by_role("button", name="保存").click()
    expect(row(page, "白沙山塘").locator('td[data-label="所属单位"]')).to_have_text(
        "临安区 / 太湖源镇 / 白沙村")

    # The reservoir's three responsible persons: named from the roster, in the rules' order.
    reservoir.get_by_role("button", name="责任人").click()
    card = page.locator("#responsibles")
    expect(card.locator("h2")).to_have_text("责任人 · 白沙水库")
    expect(card.locator("#responsible-list")).to_have_text("尚未指定。")
    card.get_by_label("职责").select_option(label="巡查责任人")
    card.get_by_label("人员").fill("赵")
    card.locator(".candidates li", has_text="赵敏").get_by_role("button", name="添加").click()
    expect(page.locator("#notice")).to_have_text("已指定赵敏为白沙水库巡查责任人。")
    card.get_by_label("职责").select_option(label="行政责任人")
    card.get_by_label("人员").fill("13900000001")
    card.locator(".candidates li", has_text="王建国").get_by_role("button", name="添加").click()
    expect(card.locator("#responsible-list li")).to_have_text([
        "行政责任人 王建国 13900000001移出", "巡查责任人 赵敏 13900000021移出"])
    expect(reservoir.locator('td[data-label="责任人"] li')).to_have_text([
        "行政责任人 王建国", "巡查责任人 赵敏"])

    # Removing one leaves the other.
    card.locator("#responsible-list li", has_text="赵敏").get_by_role("button", name="移出").click()
    expect(page.locator("#notice")).to_have_text("赵敏已不再担任白沙水库巡查责任人。")
    expect(reservoir.locator('td[data-label="责任人"]')).to_have_text("行政责任人 王建国")
    card.get_by_role("button", name="完成").click()
    expect(card).to_be_hidden()
    listed = admin.get(f"/api/v1/posts/{county.posts['A']['id']}/responsibles").get_json()
    assert [(r["name"], r["role"]) for r in listed["items"]] == [("王建国", "administrative")]

    page.get_by_role("link", name="English").click()
    expect(row(page, "白沙水库").locator('td[data-label="Responsible persons"]')).to_have_text(
        "Administrative responsible 王建国")

    # A commander of town B sees its posts, chooses among its units and its people only.
    context = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="zh-CN")
    town_page = context.new_page()
    try:
        sign_in(town_page, make_user("commander", "town-b-commander", unit_id=county.units["B"]))
        town_page.goto("/admin/posts")
        expect(town_page.locator("#table tbody tr")).to_have_count(1)
        units = town_page.locator("#form").get_by_label("所属单位")
        expect(units.locator("option")).to_have_text(["临安区 / 天目山镇", "临安区 / 天目山镇 / 月亮桥村"])
        row(town_page, "月亮桥山塘").get_by_role("button", name="责任人").click()
        town_card = town_page.locator("#responsibles")
        town_card.get_by_label("人员").fill("王建国")
        expect(town_card.locator(".candidates")).to_have_text("没有符合条件的在用人员。")
    finally:
        context.close()
