"""Responses and their shifts in a real browser: a commander opens a response, adds a shift,
assigns a person and closes the response; an inspector only reads."""

from __future__ import annotations

import re

import pytest
from conftest import event_body, person_body, post_body
from live_server import PHONE, browser, browser_page, live_server, sign_in  # noqa: F401
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_commander_staffs_a_response(browser_page, make_user, admin):  # noqa: F811
    assert admin.post("/api/v1/posts", json=post_body()).status_code == 201
    person = admin.post("/api/v1/people", json=person_body()).get_json()
    page = browser_page
    sign_in(page, make_user("commander"))

    # The commander lands on the command center, goes to the responses and opens one.
    expect(page).to_have_url(re.compile(r"/command/$"))
    page.locator(".mainnav a", has_text="应急响应").click()
    expect(page).to_have_url(re.compile(r"/admin/events$"))
    expect(page.locator("h1")).to_have_text("应急响应")
    expect(page.locator('.mainnav a[aria-current="page"]')).to_have_text("应急响应")
    form = page.locator("#form")
    form.get_by_label("名称").fill("2026年第5号台风防御")
    form.get_by_label("类型").select_option(label="台风")
    form.get_by_label("响应级别").select_option(label="Ⅱ级")
    form.get_by_role("button", name="启动响应").click()
    opened = page.locator("#table tbody tr", has_text="2026年第5号台风防御")
    expect(opened).to_contain_text("Ⅱ级")
    expect(opened).to_contain_text("台风")
    expect(opened).to_contain_text("2026-07-21 08:00")  # the form's default: now, Beijing time
    expect(opened).to_contain_text("响应中")

    # Its page: no shifts yet; add one at the post. An end before the start is refused first.
    opened.get_by_role("link", name="2026年第5号台风防御").click()
    expect(page.locator("h1")).to_have_text("2026年第5号台风防御")
    expect(page.locator('.mainnav a[aria-current="page"]')).to_have_text("应急响应")
    expect(page.locator("#empty")).to_have_text("暂无班次。")
    form = page.locator("#form")
    form.get_by_label("点位").select_option(label="石门水库")
    form.get_by_label("结束时间").fill("2026-07-21T07:00")
    form.get_by_role("button", name="添加班次").click()
    expect(page.locator("#f-ends_at-error")).to_have_text("结束时间须晚于开始时间。")
    form.get_by_label("结束时间").fill("2026-07-21T20:00")
    form.get_by_label("需要人数").fill("2")
    form.get_by_role("button", name="添加班次").click()
    group = page.locator(".post-group", has_text="石门水库")
    shift = group.locator(".shift")
    expect(shift).to_have_count(1)
    expect(shift.locator(".shift-time")).to_have_text("2026-07-21 08:00 – 20:00")
    expect(shift.locator(".count")).to_have_text("已派 0 人 / 需 2 人 · 缺 2 人")
    expect(shift.locator(".nobody")).to_have_text("尚未派驻人员。")

    # Find a person by part of the name and assign them.
    shift.get_by_placeholder("按姓名、电话或单位搜索").fill("张")
    candidate = shift.locator(".candidates li", has_text="张伟")
    expect(candidate).to_contain_text("城关镇农业农村办")
    candidate.get_by_role("button", name="派驻").click()
    expect(shift.locator(".assigned li")).to_have_text(["张伟移出"])
    expect(shift.locator(".count")).to_have_text("已派 1 人 / 需 2 人 · 缺 1 人")
    expect(page.locator("#notice")).to_have_text("已派驻“张伟”。")
    answer = admin.get(f"/api/v1/events/{_event_id(page)}/assignments").get_json()
    assert [a["person_id"] for a in answer["items"]] == [person["id"]]

    # Someone already on the shift is not offered again.
    shift.get_by_placeholder("按姓名、电话或单位搜索").fill("张")
    expect(shift.locator(".candidates li")).to_have_text(["没有符合条件的在用人员。"])

    # Take them off again, then close the response from the list.
    shift.locator(".assigned li", has_text="张伟").get_by_role("button", name="移出").click()
    expect(shift.locator(".assigned li")).to_have_count(0)
    expect(shift.locator(".count")).to_have_text("已派 0 人 / 需 2 人 · 缺 2 人")
    page.get_by_role("link", name="应急响应").first.click()
    page.locator("#table tbody tr", has_text="2026年第5号台风防御").get_by_role(
        "button", name="结束响应").click()
    closed = page.locator("#table tbody tr", has_text="2026年第5号台风防御")
    expect(closed).to_contain_text("已结束")
    expect(closed.get_by_role("button", name="结束响应")).to_have_count(0)


def _event_id(page) -> int:
    return int(page.locator("#page").get_attribute("data-event-id"))


def test_inspector_sees_everything_but_can_change_nothing(browser_page, make_user,  # noqa: F811
                                                        admin):
    post = admin.post("/api/v1/posts", json=post_body()).get_json()
    person = admin.post("/api/v1/people", json=person_body()).get_json()
    event = admin.post("/api/v1/events", json=event_body()).get_json()
    shift = admin.post(f"/api/v1/events/{event['id']}/shifts", json={
        "post_id": post["id"], "starts_at": "2026-07-21T08:00:00+08:00",
        "ends_at": "2026-07-21T20:00:00+08:00", "required": 1}).get_json()
    assert admin.post("/api/v1/assignments", json={
        "shift_id": shift["id"], "person_id": person["id"]}).status_code == 201
    page = browser_page
    sign_in(page, make_user("inspector"))

    expect(page).to_have_url(re.compile(r"/command/$"))
    page.goto("/admin/events")
    expect(page.locator(".topbar .who")).to_contain_text("督查办")
    row = page.locator("#table tbody tr", has_text=event["name"])
    expect(row).to_contain_text("Ⅲ级")
    expect(row.get_by_role("link", name="排班")).to_be_visible()
    expect(row.get_by_role("button")).to_have_count(0)
    expect(page.locator("#form")).to_have_count(0)

    row.get_by_role("link", name="排班").click()
    shift_card = page.locator(".shift")
    expect(shift_card.locator(".assigned li")).to_have_text(["张伟"])
    expect(shift_card.locator(".count")).to_have_text("已派 1 人 / 需 1 人 · 已满员")
    expect(page.locator("#form")).to_have_count(0)
    expect(page.locator(".assign-form")).to_have_count(0)
    expect(page.get_by_role("button", name="移出")).to_have_count(0)

    for path, name in (("/admin/people", "张伟"), ("/admin/posts", post["name"])):
        page.goto(path)
        expect(page.locator("#table tbody tr", has_text=name)).to_be_visible()
        expect(page.locator("#table tbody button")).to_have_count(0)
        expect(page.locator("#form")).to_have_count(0)
        expect(page.locator("#import-form")).to_have_count(0)


def test_commander_reads_the_roster_but_edits_posts(browser_page, make_user, admin):  # noqa: F811
    admin.post("/api/v1/people", json=person_body())
    admin.post("/api/v1/posts", json=post_body())
    page = browser_page
    sign_in(page, make_user("commander"))
    page.goto("/admin/people")
    expect(page.locator("#table tbody tr", has_text="张伟")).to_be_visible()
    expect(page.locator("#table tbody button")).to_have_count(0)
    expect(page.locator("#form")).to_have_count(0)
    page.goto("/admin/posts")
    expect(page.locator("#table tbody tr", has_text="石门水库").get_by_role(
        "button", name="编辑")).to_be_visible()
    expect(page.locator("#form")).to_be_visible()


def test_missing_response_is_a_page_not_json(browser_page, make_user):  # noqa: F811
    page = browser_page
    sign_in(page, make_user("commander"))
    response = page.goto("/admin/events/999")
    assert response.status == 404
    expect(page.locator("main")).to_contain_text("页面不存在")


def test_every_page_fits_a_phone_screen(browser_page, make_user, admin):  # noqa: F811
    post = admin.post("/api/v1/posts", json=post_body()).get_json()
    admin.post("/api/v1/people", json=person_body())
    event = admin.post("/api/v1/events", json=event_body()).get_json()
    admin.post(f"/api/v1/events/{event['id']}/shifts", json={
        "post_id": post["id"], "starts_at": "2026-07-21T08:00:00+08:00",
        "ends_at": "2026-07-22T08:00:00+08:00", "required": 2, "skills": ["水利工程巡查员"]})
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in(page, make_user("admin"))
    admin.post("/api/v1/units", json={"name": "临安区", "kind": "county"})
    for path, ready in (("/admin/people", "#table tbody tr"), ("/admin/posts", "#table tbody tr"),
                        ("/admin/events", "#table tbody tr"), ("/admin/units", "#tree .unit"),
                        (f"/admin/events/{event['id']}", ".shift")):
        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} scrolls sideways at 360 px ({width} px wide)"
    expect(page.locator(".shift-time")).to_have_text("2026-07-21 08:00 – 07-22 08:00")


@pytest.mark.parametrize("path", ["/admin/people", "/admin/posts", "/admin/events",
                                  "/admin/events/1", "/admin/units"])
def test_admin_pages_send_strangers_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.location.startswith("/login")
