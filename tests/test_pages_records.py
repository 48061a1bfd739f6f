"""Duty-record pages in Chromium: the dashboard's charts, the inspector's spot check on a phone,
the review queue with its map, and a commendation from the records page."""

from __future__ import annotations

import re
import struct
import zlib

import pytest
from live_server import PHONE, browser, browser_page, live_server, sign_in  # noqa: F401
from playwright.sync_api import expect
from records_support import beijing, make_scene

pytestmark = pytest.mark.browser


@pytest.fixture
def scene(client, admin, commander, clock):
    scene = make_scene(client, admin, commander, clock)
    scene.add("zhang", "张伟", "城关镇应急办")
    scene.add("li", "李娜", "石门村")
    scene.add("wang", "王强", "石门村")
    scene.fix("zhang", "08:00")
    scene.fix("li", "08:40")
    scene.fix("zhang", "09:30", kind="presence")
    commander.post("/api/v1/commendations", json={
        "person_id": scene.duties["zhang"].person_id, "event_id": scene.event_id,
        "kind": "commend", "reason": "及时发现险情"})
    scene.at("10:00")
    return scene


def png(width: int, height: int) -> bytes:
    """A plain PNG photo of the given size."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b"".join(b"\x00" + bytes((40, 90, 160)) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_the_dashboard_draws_its_charts(browser_page, make_user, scene):  # noqa: F811
    page = browser_page
    sign_in(page, make_user("admin"))
    expect(page.locator(".mainnav a")).to_have_text(
        ["指挥大屏", "应急响应", "点位", "人员", "单位", "转移户", "通知", "值守考核", "数据看板"])
    page.get_by_role("link", name="数据看板").click()
    expect(page.locator("h1")).to_have_text(f"数据看板 · {'2026年7月强降雨防御'}")
    expect(page.locator("#page")).to_have_attribute("data-ready", "true")

    units = page.evaluate("""() => {
        const chart = Chart.getChart(document.getElementById('units-chart'));
        return {labels: chart.data.labels, sets: chart.data.datasets.map(d => [d.label, d.data])};
    }""")
    assert units["labels"] == ["城关镇应急办", "石门村"]
    assert units["sets"][0][0] == "出勤率" and units["sets"][1][0] == "准时率"
    # 石门村: 李娜 arrived late, 王强 has not arrived, but the shift runs on: nothing is absent yet.
    assert units["sets"][1][1] == [100, 0]
    timeline = page.evaluate("""() => Chart.getChart(document.getElementById('timeline-chart'))
        .data.datasets[0].data""")
    assert timeline[:9] == [1, 1, 1, 2, 2, 2, 2, 2, 2]  # 08:00, 08:15 … 10:00
    assert page.evaluate("""() => {
        const canvas = document.getElementById('units-chart');
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        return pixels.some((value, i) => i % 4 === 3 && value > 0);
    }""")  # something is drawn
    expect(page.locator('[data-kpi="people"]')).to_have_text("3")
    expect(page.locator('[data-kpi="on_duty"]')).to_have_text("2")
    expect(page.locator('[data-kpi="missing"]')).to_have_text("1")
    expect(page.locator("#top li")).to_have_text(["张伟 · 城关镇应急办 · 表扬 1 次"])
    absent = page.locator("#absences tbody tr")
    expect(absent).to_have_count(1)
    expect(absent).to_contain_text("王强")
    expect(absent).to_contain_text("未到岗")


def test_the_inspector_records_a_spot_check_on_a_phone(
        browser, live_server, make_user, scene, admin):  # noqa: F811
    li_post = scene.duties["li"].post
    context = browser.new_context(base_url=live_server, viewport=PHONE, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", geolocation={
                                      "latitude": li_post["lat"], "longitude": li_post["lon"]},
                                  permissions=["geolocation"], has_touch=True, is_mobile=True)
    context.clock.set_fixed_time(beijing("10:00"))  # the phone's clock agrees with the server's
    page = context.new_page()
    page.set_default_timeout(5000)
    try:
        sign_in(page, make_user("inspector"))
        page.get_by_role("link", name="现场督查").click()
        expect(page.locator("h1")).to_have_text("现场督查")
        posts = page.locator("#posts button")
        expect(posts.first).to_contain_text("李娜的点位")   # where the phone is: nearest first
        expect(posts.first).to_contain_text("相距 0 m")
        posts.first.click()
        people = page.locator("#people label")
        expect(people).to_have_text([re.compile("李娜.*定位：在岗")])
        assert page.evaluate("document.documentElement.scrollWidth") <= 360  # fits the phone

        # Nobody there: Li is recorded absent, in an unannounced visit with a photo.
        page.get_by_text("暗访", exact=True).click()
        page.get_by_label("情况说明").fill("值班室无人，值班记录停在8:40")
        page.set_input_files("#f-photo", files=[{"name": "现场.png", "mimeType": "image/png",
                                                  "buffer": png(2400, 1600)}])
        expect(page.locator("#photo-status")).to_contain_text("照片已压缩")
        page.get_by_role("button", name="保存督查记录").click()
        result = page.locator("#result")
        expect(result).to_contain_text("督查记录已保存：在岗 0 人，缺岗 1 人。")
        expect(result).to_contain_text("记为缺岗：李娜")
    finally:
        context.close()

    stored = admin.get(f"/api/v1/events/{scene.event_id}/spot-checks").get_json()["items"][0]
    assert stored["unannounced"] is True and stored["has_photo"] is True
    assert stored["absent_person_ids"] == [scene.duties["li"].person_id]
    assert stored["visited_at"] == "2026-07-21T10:00:00+08:00"
    photo = admin.get(stored["photo_url"])
    assert photo.mimetype == "image/jpeg" and len(photo.data) < 300_000


def test_the_inspector_reviews_a_suspected_spoof_on_a_map(
        browser_page, make_user, scene, admin):  # noqa: F811
    scene.fix("wang", "09:55", kind="presence", metres=40_000)
    flagged = scene.fix("wang", "10:00")
    assert "suspected_spoof" in flagged["flags"]
    page = browser_page
    sign_in(page, make_user("inspector"))
    page.get_by_role("link", name="签到审核").click()
    item = page.locator(".review-item")
    expect(item).to_have_count(1)
    expect(item.locator(".who")).to_have_text("王强 · 王强的点位")
    expect(item.locator(".flags")).to_contain_text("疑似虚假定位")
    expect(item.locator(".reasons li").first).to_contain_text("km/h")
    expect(item.locator(".leaflet-interactive")).not_to_have_count(0)   # fence, fixes, path
    item.get_by_label("情况说明").fill("电话核实，本人在家")
    item.get_by_role("button", name="驳回（虚假）").click()
    expect(page.locator("#notice")).to_have_text("已驳回“王强”的签到，该签到不再计为在岗。")
    expect(page.locator("#empty")).to_have_text("暂无待审核的签到。")
    page.get_by_role("button", name="已审核").click()
    expect(page.locator(".review-item .verdict")).to_have_text("已驳回：不计在岗 · 电话核实，本人在家")

    record = next(i for i in admin.get(f"/api/v1/events/{scene.event_id}/performance").get_json()[
        "items"] if i["person_id"] == scene.duties["wang"].person_id)
    assert record["rejected_checkins"] == 1 and record["attended"] == 0


def test_a_post_name_on_the_review_map_is_text_never_html(
        browser_page, make_user, scene, commander):  # noqa: F811
    payload = '<img src=x onerror="window.__xss=1">'
    commander.patch(f"/api/v1/posts/{scene.duties['wang'].post['id']}",
                    json={"name": "点位" + payload})
    scene.fix("wang", "09:55", kind="presence", metres=40_000)
    scene.fix("wang", "10:00")
    page = browser_page
    sign_in(page, make_user("inspector"))
    page.goto("/records/review")
    item = page.locator(".review-item")
    expect(item).to_have_count(1)

    # The fence is drawn first; at this zoom the fixes cover it, so it is pointed at directly.
    item.locator("path.leaflet-interactive").first.dispatch_event("mouseover")
    expect(page.locator(".leaflet-tooltip").last).to_contain_text(payload)
    assert page.locator(".leaflet-tooltip img").count() == 0
    assert page.evaluate("window.__xss") is None


def test_a_commander_commends_from_the_records_page(browser_page, make_user, scene):  # noqa: F811
    page = browser_page
    sign_in(page, make_user("commander"))
    page.get_by_role("link", name="值守考核").click()
    expect(page.locator("h1")).to_have_text("值守考核 · 2026年7月强降雨防御")
    zhang = page.locator("#people tbody tr", has_text="张伟")
    expect(zhang.locator("td.score strong")).to_have_text("105.8")   # 1.5 h on duty: +0.8
    expect(zhang.locator(".parts")).to_have_text("基础分 100 · 表扬 +5 · 在岗时长 +0.8")
    expect(page.locator("#units tbody tr")).to_have_count(2)
    expect(page.locator("#export-xlsx")).to_have_attribute(
        "href", f"/api/v1/events/{scene.event_id}/export.xlsx")

    form = page.locator("#commend-form")
    form.get_by_placeholder("按姓名、电话或单位搜索").fill("李")
    form.get_by_role("button", name=re.compile("李娜")).click()
    form.get_by_text("通报批评").click()
    form.get_by_label("事由").fill("迟到40分钟")
    form.get_by_role("button", name="记录").click()
    expect(page.locator("#notice")).to_have_text("已记录对“李娜”的通报批评。")
    expect(page.locator("#commendations li").first).to_contain_text("李娜")
    li = page.locator("#people tbody tr", has_text="李娜")
    expect(li.locator(".parts")).to_contain_text("通报批评 −5")
    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    assert download.value.suggested_filename.endswith("值守记录.xlsx")
