"""Call-and-answer (叫应) in Chromium: the phone's banner (at once, answered offline with the tap's
time, still there after a reload), the command center's live 叫应 panel, and the notifications
page where a failed SMS is sent again."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from channel_servers import CapturingGateway, free_port
from conftest import START, person_body
from county_support import created
from field_support import make_duty
from live_server import browser, browser_page, live_server, sign_in  # noqa: F401
from phone_support import staff_link
from playwright.sync_api import expect
from test_pages_command import open_command
from test_pages_phone import bound_phone, duty, phones  # noqa: F401

from coordinator.jobs import escalation, sender

pytestmark = pytest.mark.browser

MESSAGE = "暴雨红色预警，请立即到岗"


def call_for(commander, person_ids: list[int], event_id: int | None = None, **fields) -> dict:
    return created(commander.post("/api/v1/calls", json={
        "event_id": event_id, "message": MESSAGE, "targets": {"person_ids": person_ids},
        **fields}))


def expect_gone(banner) -> None:
    """The answered banner goes after a few seconds."""
    expect(banner).to_have_count(0, timeout=10_000)


def answer_of(commander, call_id: int, person_id: int) -> dict:
    detail = commander.get(f"/api/v1/calls/{call_id}").get_json()
    return next(p for p in detail["people"] if p["person_id"] == person_id)


# --- the phone ---------------------------------------------------------------------------------


def test_a_call_shows_at_once_and_an_offline_answer_arrives_with_the_taps_time(
        clock, phones, commander, duty):  # noqa: F811
    phone = bound_phone(phones, commander, duty)
    phone.wait_until_offline_ready()
    banner = phone.page.locator(".call-banner")
    expect(banner).to_have_count(0)

    call = call_for(commander, [duty.person_id], duty.event_id)

    # On the person's own channel: no reload.
    expect(banner).to_have_count(1)
    expect(banner.locator(".call-kind")).to_have_text("指挥部叫应")
    expect(banner.locator(".call-message")).to_have_text(MESSAGE)
    expect(banner.locator(".call-deadline")).to_contain_text("请于 08:05 前应答")
    expect(banner.locator(".call-overdue")).to_be_hidden()
    phone.screenshot("phone-call")

    # No network: the tap is kept on the phone, with the tap's time.
    phone.set_offline(True)
    phone.set_time(START + timedelta(minutes=2))
    phone.press("收到")
    expect(banner.locator(".call-state")).to_have_text("已记录，联网后上传")
    phone.expect_waiting(1)
    expect(phone.page.locator("#waiting-list li")).to_contain_text("叫应应答")

    # Still no network: the page the phone kept shows the banner and the waiting answer.
    phone.page.reload()
    expect(banner).to_have_count(1)
    expect(banner.locator(".call-state")).to_have_text("已记录，联网后上传")
    expect(phone.page.get_by_role("button", name="收到", exact=True)).to_have_count(0)
    assert answer_of(commander, call["id"], duty.person_id)["answered_at"] is None

    clock.advance(minutes=4)  # the network returns at 08:04
    phone.set_offline(False)

    expect(banner.locator(".call-state")).to_have_text("已应答 08:02")
    expect_gone(banner)
    phone.expect_waiting(0)
    answer = answer_of(commander, call["id"], duty.person_id)
    assert (answer["answered_at"], answer["late"]) == ("2026-07-21T08:02:00+08:00", False)
    phone.page.reload()
    expect(phone.page.locator(".duty-post")).to_have_text("石门水库")
    expect(banner).to_have_count(0)


def test_a_call_made_while_the_page_was_closed_shows_on_opening_and_turns_overdue(
        phones, commander, duty):  # noqa: F811
    call = call_for(commander, [duty.person_id])
    phone = phones(at=duty.point_at(0), now=START + timedelta(minutes=6))
    phone.open_link(staff_link(commander, duty.person_id))

    banner = phone.page.locator(".call-banner")
    expect(banner).to_have_count(1)
    expect(banner.locator(".call-deadline")).to_contain_text("请于 08:05 前应答")
    expect(banner.locator(".call-overdue")).to_have_text("已超时")
    expect(banner).to_have_class(re.compile(r"\boverdue\b"))
    # English on request.
    phone.page.goto("/m/?lang=en")
    expect(banner.locator(".call-deadline")).to_contain_text("Please answer by 08:05")
    expect(phone.page.get_by_role("button", name="Received", exact=True)).to_be_visible()
    assert answer_of(commander, call["id"], duty.person_id)["answered_at"] is None


def test_a_roll_call_is_answered_with_the_phones_position(phones, commander, duty):  # noqa: F811
    call = created(commander.post("/api/v1/calls", json={
        "event_id": duty.event_id, "kind": "roll_call", "message": "随机点名，请在岗应答",
        "targets": {"on_duty": True}}))
    phone = bound_phone(phones, commander, duty)
    banner = phone.page.locator(".call-banner")
    expect(banner.locator(".call-kind")).to_have_text("随机点名")
    expect(banner.locator(".call-hint")).to_be_visible()

    phone.press("在岗应答")

    expect(banner.locator(".call-state")).to_have_text("已应答 08:00")
    expect_gone(banner)
    answer = answer_of(commander, call["id"], duty.person_id)
    assert answer["within_fence"] is True and answer["distance_m"] < 1


# --- the command center ------------------------------------------------------------------------


def expect_figures(card, **expected: int) -> None:
    for name, value in expected.items():
        expect(card.locator(f'[data-figure="{name}"] b')).to_have_text(str(value))


def test_the_command_center_starts_a_call_and_follows_its_answers_live(
        app, browser, live_server, client, admin, commander, make_user, clock):  # noqa: F811
    first = make_duty(client, admin, commander)
    second = make_duty(client, admin, commander, phone="13800000002", post_name="二号水库",
                       event_id=first.event_id)
    page = open_command(browser, live_server, make_user("commander", "commander-1"),
                        first.event_id)
    page.locator("#tab-calls").click()
    expect(page.locator("#calls-empty")).to_have_text("本次响应尚无叫应。")

    # The form: everyone on duty, 5 minutes unless changed.
    page.locator(".call-new summary").click()
    form = page.locator("#call-form")
    expect(form.get_by_label("应答时限（分钟）")).to_have_value("5")
    form.get_by_role("button", name="发出叫应").click()
    expect(form.locator('[data-error-for="message"]')).to_have_text(
        "请填写叫应内容：需要对方知道或去做的事。")
    form.get_by_label("叫应内容").fill(MESSAGE)
    form.get_by_role("button", name="发出叫应").click()

    expect(page.locator("#notice")).to_have_text("叫应已发给 2 人。")
    card = page.locator(".call")
    expect(card).to_have_count(1)
    expect(card.locator(".call-message")).to_have_text(MESSAGE)
    expect(card.locator(".call-deadline")).to_have_text("08:05 前应答")
    expect_figures(card, answered=0, waiting=2, overdue=0)
    expect(page.locator("#calls-count")).to_have_text("1")
    waiting = card.locator(".call-people.waiting li")
    expect(waiting).to_have_count(2)
    expect(waiting.first.locator('a[href="tel:13800000001"]')).to_have_text("13800000001")
    [call] = commander.get(f"/api/v1/calls?event_id={first.event_id}").get_json()["items"]
    assert (call["targets"], call["deadline_at"]) == (2, "2026-07-21T08:05:00+08:00")

    # A staff member answers over HTTP: the counts and the lists follow, no reload.
    page.evaluate("window.stillTheSamePage = true")
    clock.advance(minutes=2)
    answered = first.staff.post(f"/api/v1/calls/{call['id']}/answer",
                                json={"client_id": str(uuid.uuid4())})
    assert answered.status_code == 201, answered.get_json()
    expect_figures(card, answered=1, waiting=1, overdue=0)
    expect(waiting).to_have_count(1)
    expect(waiting.locator("a.tel")).to_have_attribute("href", "tel:13800000002")
    card.locator(".call-people.answered summary").click()
    expect(card.locator(".call-people.answered li")).to_contain_text("08:02")
    expect(card.locator(".call-people.answered li")).to_contain_text("人员0001")

    # Past the deadline the escalation job closes the call: the silent one is overdue.
    clock.advance(minutes=4)
    with app.app_context():
        assert escalation.run_once().closed_calls == [call["id"]]
    expect_figures(card, answered=1, waiting=1, overdue=1)
    expect(card).to_have_class(re.compile(r"\bclosed\b"))
    expect(card.locator(".call-deadline")).to_have_text("08:06 已截止")
    expect(page.locator("#calls-count")).to_have_text("0")
    expect(card.locator(".call-people.answered li")).to_be_visible()  # left open as it was
    assert page.evaluate("window.stillTheSamePage") is True
    assert second.person_id in {p["person_id"] for p in commander.get(
        f"/api/v1/calls/{call['id']}").get_json()["people"] if p["escalated_at"]}

    # A reload shows the closed call too, with who never answered.
    page.reload()
    expect(page.locator("#page")).to_have_attribute("data-state", "ready")
    page.locator("#tab-calls").click()
    expect_figures(page.locator(".call"), answered=1, waiting=1, overdue=1)


def test_a_call_started_elsewhere_appears_and_an_inspector_only_watches(
        browser, live_server, client, admin, commander, make_user):  # noqa: F811
    watched = make_duty(client, admin, commander)
    page = open_command(browser, live_server, make_user("inspector"), watched.event_id)
    page.locator("#tab-calls").click()
    expect(page.locator("#call-form")).to_have_count(0)

    call_for(commander, [watched.person_id], watched.event_id, kind="roll_call")

    card = page.locator(".call")
    expect(card.locator(".call-kind")).to_have_text("随机点名")
    expect_figures(card, answered=0, waiting=1, overdue=0)
    expect(card.locator("a.tel")).to_have_attribute("href", "tel:13800000001")


def test_a_warning_in_force_calls_its_areas_responsible_persons_in_one_click(
        browser, live_server, client, admin, commander, make_user):  # noqa: F811
    watched = make_duty(client, admin, commander)
    created(commander.post(f"/api/v1/posts/{watched.post['id']}/responsibles", json={
        "person_id": watched.person_id, "role": "patrol"}))
    lat, lon = watched.post["lat"], watched.post["lon"]
    created(commander.post("/api/v1/warnings", json={
        "headline": "县气象台发布暴雨红色预警", "event": "暴雨", "severity": "red",
        "polygon": [[lat - 0.1, lon - 0.1], [lat - 0.1, lon + 0.1], [lat + 0.1, lon + 0.1],
                    [lat + 0.1, lon - 0.1]]}))
    page = open_command(browser, live_server, make_user("commander", "commander-w"),
                        watched.event_id)
    page.locator("#tab-calls").click()
    warning = page.locator(".warning")
    expect(warning.locator(".warning-colour")).to_have_text("红色")
    expect(warning.locator(".warning-level")).to_have_text("拟启动1级应急响应")
    expect(warning.locator(".warning-area")).to_have_text("涉及 0 个单位、1 个点位")
    warning.get_by_role("button", name="一键叫应区域责任人").click()
    expect(page.locator("#notice")).to_have_text("预警叫应已发给 1 人。")
    expect(page.locator(".call .call-message")).to_contain_text("县气象台发布暴雨红色预警")
    [call] = commander.get(f"/api/v1/calls?event_id={watched.event_id}").get_json()["items"]
    assert [p["person_id"] for p in call["people"]] == [watched.person_id]


# --- the notifications page --------------------------------------------------------------------


def test_a_failed_sms_is_listed_with_its_error_and_sent_again(app, browser_page, make_user,  # noqa: F811
                                                             admin, commander):
    app.config["SMS_URL"] = f"http://127.0.0.1:{free_port()}/send"  # nothing listens there
    app.config["NOTIFY_MAX_ATTEMPTS"] = 1
    person = created(admin.post("/api/v1/people", json=person_body()))
    call_for(commander, [person["id"]])
    with app.app_context():
        assert len(sender.run_until_idle().failed) == 1
    [failed] = commander.get("/api/v1/notifications?status=failed").get_json()["items"]
    assert failed["last_error"]

    page = browser_page
    sign_in(page, make_user("commander", "commander-2"))
    page.locator(".mainnav a", has_text="通知").click()
    expect(page.locator("h1")).to_have_text("通知")
    expect(page.locator('.mainnav a[aria-current="page"]')).to_have_text("通知")
    expect(page.get_by_role("tab", name=re.compile("发送失败"))).to_have_attribute(
        "aria-selected", "true")
    rows = page.locator("#table tbody tr")
    expect(rows).to_have_count(1)
    for text in ("短信", "张伟", "13800000001", "叫应", MESSAGE, failed["last_error"]):
        expect(rows.first).to_contain_text(text)
    expect(rows.first.locator('[data-label="尝试次数"]')).to_have_text("1")
    expect(page.locator('[data-count-of="failed"]')).to_have_text("1")

    with CapturingGateway() as gateway:
        app.config["SMS_URL"] = gateway.url
        rows.first.get_by_role("button", name="重新发送").click()
        expect(page.locator("#notice")).to_have_text("发给张伟的通知已重新排队发送。")
        expect(page.locator("#empty")).to_have_text("没有发送失败的通知。")
        expect(page.locator('[data-count-of="failed"]')).to_have_text("0")
        with app.app_context():
            assert len(sender.run_until_idle().sent) == 1
        [request] = gateway.wait_for(1)
    assert request.json["phone"] == "13800000001" and MESSAGE in request.json["text"]

    page.get_by_role("tab", name=re.compile("已发送")).click()
    sms = rows.filter(has_text="短信")
    expect(sms).to_have_count(1)
    expect(sms.locator('[data-label="发送 / 下次尝试"]')).to_contain_text("发出")
    expect(rows.filter(has_text="值守页面")).to_have_count(1)  # the phone page's own copy

    page.goto("/admin/notifications?lang=en")
    expect(page.locator("h1")).to_have_text("Notifications")
    expect(page.get_by_role("tab", name=re.compile("Failed"))).to_be_visible()


def test_only_commanders_and_admins_see_the_notifications(browser_page, make_user):  # noqa: F811
    page = browser_page
    sign_in(page, make_user("inspector"))
    expect(page.locator(".mainnav a", has_text="通知")).to_have_count(0)
    assert page.goto("/admin/notifications").status == 403
