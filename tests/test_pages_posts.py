"""The post catalogue page in a real browser: a commander adds, corrects and imports posts."""

from __future__ import annotations

import json

import pytest
from live_server import browser, browser_page, live_server, sign_in  # noqa: F401
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
