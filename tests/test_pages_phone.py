"""The field worker's phone page in Chromium: staff link, GPS check-ins, offline queue, reports,
and the printable sheet of QR codes of the staff links."""

from __future__ import annotations

import re
import struct
import zlib
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from conftest import START, Api, person_body
from field_support import make_duty
from live_server import browser, browser_page, live_server, sign_in  # noqa: F401
from phone_support import Phone, staff_link
from playwright.sync_api import expect
from sqlalchemy import func, select

from coordinator import db
from coordinator.models import Assignment, CheckIn, FieldReport, StaffLink

pytestmark = pytest.mark.browser


@pytest.fixture
def duty(client, admin, commander):
    return make_duty(client, admin, commander)


@pytest.fixture
def phones(browser, live_server):  # noqa: F811
    """Make phones (own contexts) on the live server; all are closed after the test."""
    made = []

    def make(**options) -> Phone:
        phone = Phone(browser, live_server, **options)
        made.append(phone)
        return phone

    yield make
    for phone in made:
        phone.close()


def checkins_of(app, person_id: int) -> list[CheckIn]:
    with app.app_context():
        return list(db.session().scalars(select(CheckIn).where(CheckIn.person_id == person_id)
                                         .order_by(CheckIn.taken_at)))


def bound_phone(phones, commander, duty, **options) -> Phone:
    """A phone that opened the person's staff link and shows the duty page."""
    phone = phones(at=duty.point_at(0), **options)
    phone.open_link(staff_link(commander, duty.person_id))
    expect(phone.page.locator(".duty-post").first).to_have_text("石门水库")
    return phone


def test_opening_the_link_binds_the_phone_and_shows_my_duty_in_chinese(app, phones, commander,
                                                                        duty):
    phone = phones(at=duty.point_at(300, bearing=180))
    phone.open_link(staff_link(commander, duty.person_id))

    page = phone.page
    expect(page).to_have_url(re.compile(r"/m/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    card = page.locator(".duty").first
    expect(card.locator(".duty-status")).to_have_text("当前班次")
    expect(card.locator(".duty-post")).to_have_text("石门水库")
    expect(card.locator(".duty-event")).to_have_text("2026年7月强降雨防御")
    expect(card.locator(".duty-time")).to_have_text("2026-07-21 08:00 – 20:00")
    expect(card.locator(".duty-map .leaflet-interactive").first).to_be_attached()
    # 300 m south of the post: the post lies to the north (the phone's estimate is spherical).
    expect(page.locator("#position")).to_contain_text(re.compile(r"点位在您的北方向，相距 30\d 米。"))
    for name in ("签到", "在岗确认", "签退"):
        expect(page.get_by_role("button", name=name, exact=True)).to_be_visible()
    phone.screenshot("phone-normal")

    # 接收确认: the button goes once the command center knows.
    page.get_by_role("button", name="接收确认（收到，马上出发）").click()
    expect(card.locator(".duty-ack-state")).to_have_text("已于 07-21 08:00 确认接收")
    expect(page.get_by_role("button", name="接收确认（收到，马上出发）")).to_have_count(0)
    with app.app_context():
        assert db.session().get(Assignment, duty.assignment_id).acknowledged_at == START
    page.reload()
    expect(page.locator(".duty-ack-state").first).to_have_text("已于 07-21 08:00 确认接收")
    expect(page.get_by_role("button", name="接收确认（收到，马上出发）")).to_have_count(0)

    # English on request.
    page.goto("/m/?lang=en")
    expect(page.locator(".duty-status").first).to_have_text("On duty now")
    expect(page.get_by_role("button", name="Check in", exact=True)).to_be_visible()


def test_check_in_at_the_post_is_accepted_and_shown_inside(app, phones, commander, duty):
    phone = bound_phone(phones, commander, duty)

    phone.press("签到")

    expect(phone.result).to_contain_text("签到成功：在电子围栏内，距点位 0 米。")
    expect(phone.result).to_have_class(re.compile(r"\bok\b"))
    expect(phone.page.locator(".duty-status .badge")).to_have_text("已签到")
    phone.expect_waiting(0)
    phone.screenshot("phone-checked-in")
    [stored] = checkins_of(app, duty.person_id)
    assert (stored.kind, stored.within_fence, stored.flags) == ("check_in", True, [])
    assert stored.assignment_id == duty.assignment_id and stored.taken_at == START


def test_check_in_two_km_away_is_stored_and_shown_outside(app, phones, commander, duty):
    phone = bound_phone(phones, commander, duty)
    phone.move_to(duty.point_at(2000, bearing=90))

    phone.press("签到")

    expect(phone.result).to_contain_text("签到已记录，但不在电子围栏内：距点位 2.0 公里（围栏半径 100 米）")
    expect(phone.result).to_contain_text("不在电子围栏内：所在位置不在点位的电子围栏内，不计为在岗。")
    expect(phone.result).to_have_class(re.compile(r"\bwarn\b"))
    expect(phone.page.locator("#position")).to_contain_text("点位在您的西方向，相距 2.0 公里。")
    [stored] = checkins_of(app, duty.person_id)
    assert stored.within_fence is False and "outside_fence" in stored.flags
    assert stored.distance_m == pytest.approx(2000, abs=1)


def test_poor_accuracy_is_explained_and_still_recorded(app, phones, commander, duty):
    phone = bound_phone(phones, commander, duty)
    phone.move_to(duty.point_at(0), accuracy=350)

    phone.press("在岗确认")

    expect(phone.result).to_contain_text("定位精度不足（误差约 ±350 米，要求在 100 米以内）")
    expect(phone.result).to_contain_text("定位精度不足：定位误差过大，无法确认您是否在点位。")
    [stored] = checkins_of(app, duty.person_id)
    assert stored.kind == "presence" and "low_accuracy" in stored.flags


def test_denied_location_shows_the_plain_message_and_sends_nothing(app, phones, commander, duty):
    phone = phones(allow_location=False)
    phone.open_link(staff_link(commander, duty.person_id))
    expect(phone.page.locator("#position")).to_contain_text("请在手机设置中允许定位")

    phone.press("签到")

    expect(phone.result).to_contain_text("无法定位：未允许使用位置信息。请在手机设置中允许定位")
    expect(phone.result).to_contain_text("本次未提交任何记录。")
    phone.expect_waiting(0)
    assert checkins_of(app, duty.person_id) == []


def test_a_second_phone_opening_the_same_link_is_refused(phones, commander, duty):
    url = staff_link(commander, duty.person_id)
    first = phones(at=duty.point_at(0))
    first.open_link(url)
    expect(first.page.locator(".duty-post")).to_have_text("石门水库")

    second = phones(at=duty.point_at(0))
    second.open_link(url)

    expect(second.page.locator("h1")).to_have_text("此链接不能在本机使用")
    expect(second.page.locator("main")).to_contain_text("另一部手机")
    expect(second.page.get_by_role("button", name="签到", exact=True)).to_have_count(0)
    assert commander.get("/api/v1/auth/link-refusals").get_json()["total"] == 1


def press_offline(phone: Phone, duty, presses: list[str], first: int = 0) -> list:
    """Press each button with the phone's clock 10 minutes on each time; the fix times."""
    times = []
    for number, name in enumerate(presses, start=first):
        moment = START + timedelta(minutes=10 * number)
        phone.set_time(moment)
        phone.move_to(duty.point_at(3 * number))  # people move a little: no identical fixes
        if name == "签退":
            phone.check_out("水位平稳，闸门已关闭")
        else:
            phone.press(name)
        expect(phone.result).to_contain_text("网络不通")
        phone.expect_waiting(number + 1)
        times.append(moment)
    return times


def assert_arrived_once(app, duty, times, kinds) -> None:
    stored = checkins_of(app, duty.person_id)
    assert [c.taken_at for c in stored] == times
    assert [c.kind for c in stored] == kinds
    assert len({c.client_id for c in stored}) == len(times)
    assert all("offline" in c.flags for c in stored)
    assert stored[-1].note == "水位平稳，闸门已关闭"


KINDS = ["check_in", "presence", "presence", "presence", "check_out"]
PRESSES = ["签到", "在岗确认", "在岗确认", "在岗确认", "签退"]


def test_check_ins_made_offline_arrive_once_with_their_times(app, clock, phones, commander, duty):
    phone = bound_phone(phones, commander, duty)
    phone.set_offline(True)

    times = press_offline(phone, duty, PRESSES)

    expect(phone.waiting).to_have_text("5 条待上传")
    expect(phone.page.locator("#net")).to_be_visible()
    expect(phone.page.locator("#waiting-list li")).to_have_count(5)
    phone.screenshot("phone-offline-queue")
    assert checkins_of(app, duty.person_id) == []

    clock.set(START + timedelta(hours=1))
    phone.set_offline(False)

    phone.expect_waiting(0)
    expect(phone.waiting).to_have_text("已全部上传")
    assert_arrived_once(app, duty, times, KINDS)
    # The last one pressed shows its real answer once it arrived.
    expect(phone.result).to_contain_text("签退成功：在电子围栏内")
    expect(phone.result).to_contain_text("离线补传")
    phone.page.reload()
    phone.expect_waiting(0)
    expect(phone.page.locator("#history-list li")).to_have_count(5)
    assert len(checkins_of(app, duty.person_id)) == 5


def test_offline_queue_survives_a_reload_without_network(app, clock, phones, commander, duty):
    phone = bound_phone(phones, commander, duty)
    phone.wait_until_offline_ready()
    phone.set_offline(True)
    before = press_offline(phone, duty, PRESSES[:3])

    phone.page.reload()  # no network: the service worker serves the page it kept

    expect(phone.page.locator(".duty-post")).to_have_text("石门水库")
    expect(phone.page.locator(".stale")).to_contain_text("网络不通，以下是")
    expect(phone.waiting).to_have_text("3 条待上传")
    after = press_offline(phone, duty, PRESSES[3:], first=3)
    expect(phone.waiting).to_have_text("5 条待上传")

    clock.set(START + timedelta(hours=1))
    phone.set_offline(False)

    phone.expect_waiting(0)
    assert_arrived_once(app, duty, before + after, KINDS)


def test_the_phone_shows_what_i_am_responsible_for_also_offline(phones, admin, commander, duty):
    phone = bound_phone(phones, commander, duty)
    panel = phone.page.locator("#responsibilities")
    expect(panel).to_be_hidden()  # nothing to answer for yet

    county = admin.post("/api/v1/units", json={"name": "临安区", "kind": "county"}).get_json()
    town = admin.post("/api/v1/units", json={"name": "太湖源镇", "kind": "town",
                                              "parent_id": county["id"]}).get_json()
    assert admin.post(f"/api/v1/units/{town['id']}/leaders", json={
        "person_id": duty.person_id, "role": "duty"}).status_code == 201
    assert admin.post(f"/api/v1/posts/{duty.post['id']}/responsibles", json={
        "person_id": duty.person_id, "role": "patrol"}).status_code == 201
    phone.page.reload()
    expect(panel.locator("h2")).to_have_text("我的防汛责任")
    expect(panel.locator("li")).to_have_text(["石门水库 · 巡查责任人", "太湖源镇 · 带班领导"])
    phone.page.goto("/m/?lang=en")
    expect(panel.locator("li")).to_have_text(["石门水库 · Patrol responsible",
                                              "太湖源镇 · Leader on duty"])

    # Without a network the page, kept by the phone, still says it.
    phone.page.goto("/m/?lang=zh_CN")
    expect(panel.locator("li")).to_have_count(2)
    phone.wait_until_offline_ready()
    phone.set_offline(True)
    phone.page.reload()
    expect(phone.page.locator(".stale")).to_contain_text("网络不通，以下是")
    expect(panel.locator("li")).to_have_text(["石门水库 · 巡查责任人", "太湖源镇 · 带班领导"])


def test_a_record_the_server_refuses_is_shown_and_not_retried(app, phones, commander, duty):
    phone = bound_phone(phones, commander, duty)
    phone.set_offline(True)
    phone.press("签到")
    phone.expect_waiting(1)
    # Meanwhile the command center takes the person off the shift.
    assert commander.delete(f"/api/v1/assignments/{duty.assignment_id}").status_code in (200, 204)

    phone.set_offline(False)

    phone.expect_waiting(0)
    expect(phone.result).to_contain_text("签到未被接收：记录内容有误。")
    failed = phone.page.locator("#failed-list li")
    expect(failed).to_have_count(1)
    expect(failed).to_contain_text("you were taken off this shift")
    assert checkins_of(app, duty.person_id) == []
    failed.get_by_role("button", name="知道了").click()
    expect(phone.page.locator("#failed")).to_be_hidden()


def test_an_answer_lost_on_the_way_is_replayed_not_stored_twice(app, phones, commander, duty):
    phone = bound_phone(phones, commander, duty)
    answers = []

    def lose_the_first_answer(route):
        if answers:
            route.continue_()
            return
        answers.append(route.fetch())  # the server stores the check-in ...
        route.abort("connectionreset")  # ... but the phone never hears back

    phone.page.route("**/api/v1/checkins", lose_the_first_answer)
    phone.press("签到")

    expect(phone.result).to_contain_text("签到成功：在电子围栏内", timeout=15_000)
    expect(phone.result).to_contain_text("该记录此前已上传，未重复保存。")
    assert answers[0].status == 201
    assert len(checkins_of(app, duty.person_id)) == 1


def test_a_server_error_is_retried_until_it_is_stored(app, phones, commander, duty):
    phone = bound_phone(phones, commander, duty)
    failures = []

    def fail_once(route):
        if failures:
            route.continue_()
            return
        failures.append(route.request.post_data_json["client_id"])
        route.fulfill(status=503, json={"error": {"code": "unavailable", "message": "busy"}})

    phone.page.route("**/api/v1/checkins", fail_once)
    phone.press("在岗确认")

    expect(phone.result).to_contain_text("服务器暂时无法接收：在岗确认记录已保存在手机上")
    expect(phone.result).to_contain_text("在岗确认成功：在电子围栏内", timeout=15_000)
    [stored] = checkins_of(app, duty.person_id)
    assert stored.client_id == failures[0]


def test_a_page_with_a_stale_csrf_token_renews_it(app, phones, commander, duty):
    phone = bound_phone(phones, commander, duty)
    phone.wait_until_offline_ready()  # nothing of the first tab's still on its way
    # The same phone opens its link again in another tab: a new session, a new CSRF token.
    other_tab = phone.context.new_page()
    other_tab.goto(urlsplit(staff_link(commander, duty.person_id)).path)
    expect(other_tab.locator(".duty-post")).to_have_text("石门水库")
    statuses = []
    phone.page.on("response", lambda response: statuses.append(
        (urlsplit(response.url).path, response.status)))

    phone.press("签到")

    expect(phone.result).to_contain_text("签到成功：在电子围栏内")
    assert statuses[:3] == [("/api/v1/checkins", 403), ("/m/csrf", 200), ("/api/v1/checkins", 201)]
    assert len(checkins_of(app, duty.person_id)) == 1


def png(width: int, height: int) -> bytes:
    """A plain PNG photo of the given size."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    rows = b"".join(b"\x00" + bytes((40, 90, 160)) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a JPEG's start-of-frame marker."""
    at = 2
    while at < len(data):
        marker, length = data[at + 1], struct.unpack(">H", data[at + 2:at + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return width, height
        at += 2 + length
    raise AssertionError("no frame in the JPEG")


def test_hazard_report_with_a_photo_shrunk_on_the_phone(app, phones, commander, duty, tmp_path):
    phone = bound_phone(phones, commander, duty)
    photo = tmp_path / "photo.png"
    photo.write_bytes(png(3200, 2400))
    form = phone.page.locator("#report-form")

    form.get_by_label("险情类型").select_option(label="道路中断")
    form.get_by_label("险情描述").fill("石门村口道路塌方，车辆无法通行")
    form.locator('input[type="file"]').set_input_files(str(photo))
    expect(form.locator(".photo-size")).to_contain_text("已添加照片")
    form.get_by_role("button", name="上报险情").click()

    expect(phone.page.locator("#report-result")).to_have_text("险情已上报指挥部。")
    expect(form.get_by_label("险情描述")).to_have_value("")
    with app.app_context():
        [report] = db.session().scalars(select(FieldReport)).all()
        assert (report.category, report.description) == ("road_blocked", "石门村口道路塌方，车辆无法通行")
        assert report.person_id == duty.person_id and report.event_id == duty.event_id
        assert report.photo_type == "image/jpeg" and jpeg_size(report.photo) == (1600, 1200)
    [item] = commander.get(f"/api/v1/events/{duty.event_id}/reports").get_json()["items"]
    assert item["has_photo"] is True


def test_report_needs_a_description(phones, commander, duty):
    phone = bound_phone(phones, commander, duty)
    phone.page.get_by_role("button", name="上报险情").click()
    expect(phone.page.locator("#report-description-error")).to_have_text("请简要描述险情。")
    phone.expect_waiting(0)


def test_qr_sheet_has_one_card_per_chosen_person(app, browser_page, make_user, admin,  # noqa: F811
                                                  phones):
    people = [admin.post("/api/v1/people", json=person_body(
        name=f"石门村{n}号", phone=f"1390000000{n}", unit="石门村村委")).get_json() for n in range(1, 10)]
    admin.post("/api/v1/people", json=person_body(name="城关镇干部", phone="13700000001"))
    page = browser_page
    sign_in(page, make_user("commander"))
    page.goto("/admin/people")
    page.get_by_role("link", name="打印派驻二维码").click()
    page.get_by_label("按单位（全部人员）").select_option("石门村村委")
    page.get_by_role("button", name="列出人员").click()
    boxes = page.locator('input[name="person_id"]')
    expect(boxes).to_have_count(9)
    boxes.nth(8).uncheck()

    page.get_by_role("button", name="生成链接并显示打印页").click()

    cards = page.locator(".qr-card")
    expect(cards).to_have_count(8)
    expect(page.locator(".sheet-tools")).to_contain_text("已生成 8 个派驻链接。")
    first = cards.first
    expect(first.locator(".qr-name")).to_have_text("石门村1号")
    expect(first.locator(".qr-unit")).to_have_text("石门村村委")
    expect(first.locator(".qr-expiry")).to_have_text("有效期至 2026-07-24 08:00")
    expect(first.locator(".qr-code svg path")).to_have_count(1)
    expect(cards.filter(has_text="石门村9号")).to_have_count(0)
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(StaffLink)) == 8
    # Eight cards fit on one A4 page.
    pages = re.findall(rb"/Type\s*/Page[^s]", page.pdf(format="A4", prefer_css_page_size=True))
    assert len(pages) == 1

    # The printed link opens the person's duty page on their phone.
    phone = phones(at=(28.123, 119.95))
    phone.open_link(first.locator(".qr-url").inner_text())
    expect(phone.page.locator(".me-name strong")).to_have_text(people[0]["name"])


def test_the_offline_shell_is_served_under_m(client):
    worker = client.get("/m/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    script = worker.get_data(as_text=True)
    assert "__VERSION__" not in script and "__SHELL__" not in script
    for path in ('"/m/"', '"/static/js/phone.js"', '"/static/js/phone-queue.js"',
                 '"/static/css/phone.css"'):
        assert path in script
    manifest = client.get("/m/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    body = manifest.get_json(force=True)
    assert (body["start_url"], body["scope"], body["display"]) == ("/m/", "/m/", "standalone")
    assert body["name"] == "应急值守调度系统"
    for icon in body["icons"]:
        assert client.get(icon["src"]).mimetype == "image/png"
    assert client.get("/m/csrf").status_code == 401


def test_the_sheet_skips_ids_that_name_nobody_instead_of_failing(app, commander, admin):
    """Superscript digits, ids beyond any stored one: not people, and not a server error."""
    person = admin.post("/api/v1/people", json=person_body()).get_json()
    assert commander.get("/admin/staff-links/?event_id=99999999999").status_code == 200
    form = commander.get("/admin/staff-links/?unit=城关镇农业农村办").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)

    sheet = commander.post("/admin/staff-links/sheet", data={
        "csrf_token": token, "person_id": ["²", "①", "99999999999", "9" * 5000, str(person["id"])]})

    assert sheet.status_code == 200
    assert sheet.get_data(as_text=True).count('class="qr"') == 1
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(StaffLink)) == 1


def test_only_commanders_and_admins_print_links_and_only_by_a_form_post(app, api_as, admin):
    person = admin.post("/api/v1/people", json=person_body()).get_json()
    inspector = api_as("inspector")
    assert inspector.get("/admin/staff-links/").status_code == 403
    commander: Api = api_as("commander")
    assert "张伟" in commander.get("/admin/staff-links/?unit=城关镇农业农村办").get_data(as_text=True)
    assert commander.get("/admin/staff-links/sheet").status_code == 405
    refused = commander.post("/admin/staff-links/sheet", data={"person_id": str(person["id"])})
    assert refused.status_code == 400
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(StaffLink)) == 0
