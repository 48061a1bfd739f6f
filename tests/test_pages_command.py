"""The command-center page in Chromium: live updates from a phone's check-in and the sweeper,
acknowledging and dispatching from the map, the replay, the inspector's read-only view, hazard
reports and refused links, the GCJ-02 shift, the seq rules, and 2,000 posts / 10,000 people."""

from __future__ import annotations

import base64
import random
import re
import struct
import uuid
import zlib
from urllib.parse import urlsplit

import pytest
from conftest import event_body, person_body, post_body
from field_support import Duty, make_duty, staff_api
from live_server import PHONE, browser, browser_page, live_server, sign_in  # noqa: F401
from live_support import run_live_feed
from playwright.sync_api import expect

from coordinator.jobs.sweeper import run_once

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1280, "height": 800}
POND = {"name": "龙潭山塘", "kind": "pond", "lat": 28.14, "lon": 119.97, "radius_m": 80,
        "village": "龙潭村", "risk": 3}


def new_tab(browser, base_url: str, viewport=LAPTOP, **options):  # noqa: F811
    context = browser.new_context(base_url=base_url, viewport=viewport, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", **options)
    page = context.new_page()
    page.set_default_timeout(5000)
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def open_command(browser, base_url: str, username: str, event_id: int, query: str = ""):  # noqa: F811
    """A signed-in tab on the event's command page, once its snapshot is shown and it is live."""
    page = new_tab(browser, base_url)
    sign_in(page, username)
    page.goto(f"/command/events/{event_id}{query}")
    expect(page.locator("#page")).to_have_attribute("data-state", "ready")
    expect(page.locator("#conn")).to_have_attribute("data-state", "online")
    return page


def count(page, name: str):
    return page.locator(f'[data-count="{name}"] b')


def expect_counts(page, **expected: int) -> None:
    for name, value in expected.items():
        expect(count(page, name)).to_have_text(str(value))


def pin(page, post_name: str):
    return page.locator(f'.post-pin[title="{post_name}"]')


def a_png(width: int = 48, height: int = 32) -> str:
    """A small PNG (a dark band under a light sky), base64 as the report API takes it."""
    rows = b"".join(b"\x00" + bytes((60, 90, 60) if y > height // 2 else (150, 180, 210)) * width
                    for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
    return base64.b64encode(png).decode()


class Town:
    """Two posts on one running shift each: 石门水库 (person 1) and 龙潭山塘 (person 2), and a
    free person 3 living near the pond."""

    def __init__(self, client, admin, commander):
        self.duty = make_duty(client, admin, commander)
        self.event_id = self.duty.event_id
        self.pond = commander.post("/api/v1/posts", json=post_body(**POND)).get_json()
        shift = commander.post(f"/api/v1/events/{self.event_id}/shifts", json={
            "post_id": self.pond["id"], "starts_at": "2026-07-21T08:00:00+08:00",
            "ends_at": "2026-07-21T20:00:00+08:00", "required": 1}).get_json()
        self.pond_shift_id = shift["id"]
        self.second = admin.post("/api/v1/people", json=person_body(
            name="李强", phone="13800000002", home_lat=28.2, home_lon=120.1)).get_json()
        assert commander.post("/api/v1/assignments", json={
            "shift_id": shift["id"], "person_id": self.second["id"]}).status_code == 201
        self.free = admin.post("/api/v1/people", json=person_body(
            name="王芳", phone="13800000003", home_lat=28.141, home_lon=119.972)).get_json()


@pytest.fixture
def town(client, admin, commander) -> Town:
    return Town(client, admin, commander)


def check_in_from_the_phone(browser, base_url, commander, duty, clock):  # noqa: F811
    """The person opens their staff link on a phone at the post and checks in there."""
    link = commander.post("/api/v1/auth/staff-link", json={"person_id": duty.person_id})
    phone = new_tab(browser, base_url, viewport=PHONE, permissions=["geolocation"],
                    geolocation={"latitude": duty.post["lat"], "longitude": duty.post["lon"],
                                 "accuracy": 8})
    phone.clock.set_fixed_time(clock.now())  # the phone's clock agrees with the server's
    phone.goto(urlsplit(link.get_json()["url"]).path)
    expect(phone).to_have_url(re.compile(r"/m/$"))
    button = phone.locator('#actions [data-kind="check_in"]')
    try:
        button.wait_for(state="visible", timeout=5000)
    except Exception:  # no check-in button on the phone page (yet): send what it would send
        status = phone.evaluate("""async (fix) => {
            const csrf = document.querySelector('meta[name="csrf-token"]').content;
            const answer = await fetch('/api/v1/checkins', {method: 'POST', credentials: 'same-origin',
              headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf},
              body: JSON.stringify(fix)});
            return answer.status;
        }""", {"client_id": str(uuid.uuid4()), "kind": "check_in", "lat": duty.post["lat"],
               "lon": duty.post["lon"], "accuracy_m": 8, "taken_at": clock.now().isoformat()})
        assert status == 201
    else:
        button.click()
    return phone


def test_the_map_follows_the_field_and_the_commander_acts_from_it(browser, live_server, town,  # noqa: F811
                                                                  commander, make_user, clock,
                                                                  app, client):
    clock.advance(minutes=20)  # 08:20: both shifts have run for 20 minutes
    page = open_command(browser, live_server, make_user("commander", "commander-1"), town.event_id)
    expect_counts(page, full=0, under=0, empty=2, idle=0, on_duty=0, assigned=2, acknowledged=0,
                  alerts=0)
    expect(pin(page, "石门水库")).to_have_class(re.compile(r"\bstatus-empty\b"))
    page.evaluate("window.stillTheSamePage = true")

    # A phone checks in at the reservoir: its dot turns green and the counts follow, no reload.
    check_in_from_the_phone(browser, live_server, commander, town.duty, clock)
    expect(pin(page, "石门水库")).to_have_class(re.compile(r"\bstatus-full\b"))
    expect_counts(page, full=1, empty=1, on_duty=1, assigned=2)
    expect(page.locator("#page")).to_have_attribute("data-seq", re.compile(r"^[1-9]\d*$"))
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.evaluate("commandCenter.map.people.getLayers().length") == 1

    # The reservoir's drawer: who is on duty, and the check-in, late (after 08:15).
    pin(page, "石门水库").click()
    drawer = page.locator("#drawer")
    expect(drawer.locator("#drawer-title")).to_have_text("石门水库")
    person = drawer.locator(".shift-block.running .people li", has_text="人员0001")
    expect(person).to_contain_text("在岗")
    expect(person).to_contain_text("未确认")
    expect(drawer.locator(".checkins li")).to_have_count(1)
    expect(drawer.locator(".checkins li").first).to_contain_text("签到")
    expect(drawer.locator(".checkins li").first).to_contain_text("迟到")
    drawer.get_by_role("button", name="关闭").click()
    expect(drawer).to_be_hidden()

    # The sound is off until someone at the screen turns it on.
    page.get_by_role("button", name="提示音：关").click()
    expect(page.locator("#sound")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#sound")).to_have_text(re.compile("提示音：开"))

    # The sweeper finds the pond's person missing: two alerts arrive, newest first, flashing.
    with app.app_context():
        assert len(run_once().raised) == 2
    alerts = page.locator("#alerts li.alert")
    expect(alerts).to_have_count(2)
    expect_counts(page, alerts=2)
    expect(page.locator("#alerts-count")).to_have_text("2")
    missed = page.locator("#alerts li.kind-missed_checkin")
    expect(missed).to_contain_text("未按时签到")
    expect(missed).to_contain_text("李强")
    expect(missed).to_have_class(re.compile(r"\bfresh\b"))
    assert page.evaluate("commandCenter.beeper.beeps") == 1  # one beep for the two alerts

    # Acknowledge it: the button gives way to the time it was acknowledged.
    missed.get_by_role("button", name="确认").click()
    expect(missed.locator(".acked-note")).to_have_text("08:20 已确认")
    expect(missed.get_by_role("button", name="确认")).to_have_count(0)
    listed = commander.get(f"/api/v1/events/{town.event_id}/alerts").get_json()["items"]
    assert [a["acked_at"] is not None for a in listed if a["kind"] == "missed_checkin"] == [True]

    # Send the nearest free person for the short pond: 王芳 lives about 200 m away.
    short = page.locator("#alerts li.kind-understaffed")
    short.get_by_role("button", name="派最近的空闲人员").click()
    expect(short.locator(".dispatch-result")).to_have_text(
        re.compile(r"^已派王芳前往龙潭山塘，距离 \d+ 米。$"))
    expect(drawer.locator("#drawer-title")).to_have_text("龙潭山塘")
    expect(drawer.locator(".shift-block.running .people li strong")).to_have_text(["李强", "王芳"])
    expect_counts(page, assigned=3)

    # Remove her again from the drawer, then put her back from the nearest free people.
    running = drawer.locator(".shift-block.running")
    running.locator(".people li", has_text="王芳").get_by_role("button", name="移出").click()
    expect(running.locator(".people li strong")).to_have_text(["李强"])
    expect_counts(page, assigned=2)
    running.get_by_role("button", name="最近的空闲人员").click()
    nearest = running.locator(".nearest li")
    expect(nearest).to_have_count(1)
    expect(nearest).to_contain_text(re.compile(r"王芳.*\d+ 米 · 住址"))
    nearest.get_by_role("button", name="派驻").click()
    expect(running.locator(".people li strong")).to_have_text(["李强", "王芳"])
    expect(page.locator("#notice")).to_have_text("已派驻“王芳”。")

    # The person search finds her too, but she cannot be on the shift twice.
    running.get_by_placeholder("按姓名、电话或单位搜索").fill("王")
    found = running.locator(".found:not(.nearest) li", has_text="王芳")
    found.get_by_role("button", name="派驻").click()
    expect(running.locator(".field-error")).to_have_text(
        "该人员已在本班次或同一时段的其他班次值守，或该应急响应已结束。")
    running.locator(".people li", has_text="王芳").get_by_role("button", name="移出").click()
    expect(running.locator(".people li strong")).to_have_text(["李强"])
    expect_counts(page, assigned=2)

    # The replay at the start of the response: nobody had checked in, no alert yet.
    page.get_by_role("button", name="复盘回放").click()
    expect(page.locator("#replay")).to_be_visible()
    expect(page.locator("#page")).to_have_attribute("data-replay-at", re.compile(r"T08:2"))
    page.locator("#replay-slider").press("Home")
    expect(page.locator("#page")).to_have_attribute("data-replay-at",
                                                     "2026-07-21T08:00:00+08:00")
    expect(page.locator("#replay-time")).to_have_text("截至 2026-07-21 08:00")
    expect_counts(page, full=0, empty=2, on_duty=0, alerts=0)
    expect(pin(page, "石门水库")).to_have_class(re.compile(r"\bstatus-empty\b"))
    expect(page.locator("#alerts li.alert")).to_have_count(0)
    page.get_by_role("button", name="播放").click()  # steps through time from the start
    expect(page.locator("#page")).not_to_have_attribute("data-replay-at",
                                                         "2026-07-21T08:00:00+08:00")
    page.get_by_role("button", name="暂停").click()
    expect(page.get_by_role("button", name="播放")).to_be_visible()

    # Back to live: the present again, and still following the field.
    page.get_by_role("button", name="返回实时").click()
    expect(page.locator("#replay")).to_be_hidden()
    expect_counts(page, full=1, empty=1, on_duty=1, alerts=2)
    expect(pin(page, "石门水库")).to_have_class(re.compile(r"\bstatus-full\b"))
    assert page.evaluate("window.stillTheSamePage") is True

    # The connection drops; the person checks out meanwhile with a handover note. On reconnecting
    # the page reloads the snapshot, so nothing said while it was away is missed.
    snapshots = page.evaluate("commandCenter.feed.stats.snapshots")
    page.evaluate("commandCenter.feed.socket.io.engine.close()")
    expect(page.locator("#conn")).to_have_attribute("data-state", "reconnecting")
    expect(page.locator("#conn")).to_have_text("正在重新连接…")
    assert town.duty.checkin(kind="check_out", taken_at=clock.now(),
                             note="水位正常，溢洪道畅通").status_code == 201
    expect(page.locator("#conn")).to_have_attribute("data-state", "online")
    expect_counts(page, full=0, empty=2, on_duty=0)
    assert page.evaluate("commandCenter.feed.stats.snapshots") > snapshots
    page.get_by_role("button", name="全部点位").click()
    pin(page, "石门水库").click()
    expect(drawer.locator(".checkins li").first).to_contain_text("签退")
    expect(drawer.locator(".checkins .note")).to_have_text("交接班记录：水位正常，溢洪道畅通")
    assert page.evaluate("window.stillTheSamePage") is True

    # 李强 reaches the pond at last and checks in: his missed check-in and the pond's shortage
    # end with it, and leave the panel at once.
    li_qiang = Duty(staff_api(client, commander, town.second["id"]), town.second["id"],
                    town.pond, town.event_id, town.pond_shift_id, 0)
    assert li_qiang.checkin(taken_at=clock.now()).status_code == 201
    expect(page.locator("#alerts li.alert")).to_have_count(0)
    expect_counts(page, alerts=0)
    expect(pin(page, "龙潭山塘")).to_have_class(re.compile(r"\bstatus-full\b"))
    assert page.evaluate("window.stillTheSamePage") is True


def test_an_inspector_watches_but_cannot_dispatch_or_acknowledge(browser, live_server, town,  # noqa: F811
                                                                 make_user, clock, app):
    clock.advance(minutes=20)
    with app.app_context():
        run_once()
    page = open_command(browser, live_server, make_user("inspector"), town.event_id)
    # Nobody checked in: each person missed it, and each post is short.
    expect(page.locator("#alerts li.alert")).to_have_count(4)
    expect(page.locator("#alerts .ack, #alerts .dispatch")).to_have_count(0)
    expect(page.locator("#tab-refusals")).to_have_count(0)

    page.locator("#alerts li.kind-understaffed .post-link", has_text="龙潭山塘").click()
    expect(page.locator("#drawer-title")).to_have_text("龙潭山塘")
    expect(page.locator("#drawer .people li strong")).to_have_text(["李强"])
    expect(page.locator("#drawer .dispatch-tools")).to_have_count(0)
    expect(page.locator("#drawer button", has_text="移出")).to_have_count(0)

    pin(page, "龙潭山塘").hover()
    expect(page.locator(".leaflet-tooltip")).to_have_text("龙潭山塘 · 无人在岗 · 在岗 0/1")

    # Filters: one village, then one kind of post; the counts follow the filter.
    expect_counts(page, empty=2, assigned=2)
    page.locator("#f-village").select_option("龙潭村")
    expect_counts(page, empty=1, assigned=1)
    expect(pin(page, "石门水库")).to_have_count(0)
    expect(pin(page, "龙潭山塘")).to_have_count(1)
    page.locator("#f-village").select_option("")
    page.locator("#f-kind").select_option(label="水库")
    expect_counts(page, empty=1, assigned=1)
    expect(pin(page, "龙潭山塘")).to_have_count(0)

    # The same page in English on request.
    page.goto(f"/command/events/{town.event_id}?lang=en")
    expect(page.locator("#page")).to_have_attribute("data-state", "ready")
    expect(page.locator('[data-count="alerts"]')).to_have_text("4Open alerts")
    expect(page.get_by_role("tab", name=re.compile("^Alerts"))).to_be_visible()
    expect(page.locator("#conn")).to_have_text("Live")


def test_hazard_reports_arrive_with_photos_and_refused_links_are_listed(browser, live_server,  # noqa: F811
                                                                       client, town, commander,
                                                                       make_user):
    # The reservoir person's link opened on a second phone is refused (代签到 attempt).
    url = urlsplit(commander.post("/api/v1/auth/staff-link",
                                  json={"person_id": town.duty.person_id}).get_json()["url"]).path
    first, second = new_tab(browser, live_server), new_tab(browser, live_server)
    first.goto(url)
    expect(first).to_have_url(re.compile(r"/m/$"))
    assert second.goto(url).status == 403

    page = open_command(browser, live_server, make_user("commander"), town.event_id)
    expect(page.locator("#refusals-count")).to_have_text("1")
    page.get_by_role("tab", name=re.compile("代签到")).click()
    expect(page.locator("#refusals li")).to_have_count(1)
    expect(page.locator("#refusals li")).to_contain_text("人员0001的值守链接在另一部手机上被打开")

    # A hazard report with a photo arrives live.
    staff = staff_api(client, commander, town.second["id"])
    answer = staff.post("/api/v1/reports", json={
        "client_id": str(uuid.uuid4()), "lat": 28.1405, "lon": 119.9705, "category": "dam_risk",
        "description": "坝脚渗水，水色浑浊", "photo": a_png()})
    assert answer.status_code == 201, answer.get_json()
    expect(page.locator("#reports-count")).to_have_text("1")
    page.get_by_role("tab", name=re.compile("险情上报")).click()
    report = page.locator("#reports li.report")
    expect(report).to_contain_text("堤坝险情")
    expect(report).to_contain_text("坝脚渗水，水色浑浊")
    expect(report).to_contain_text("上报人：李强")
    thumbnail = report.locator("button.thumb img")
    expect(thumbnail).to_be_visible()
    # (a promise in the page, not wait_for_function: the page's CSP forbids eval)
    assert thumbnail.evaluate("img => img.decode().then(() => img.naturalWidth)") == 48
    report.locator("button.thumb").click()
    expect(page.locator("#photo-dialog")).to_be_visible()
    expect(page.locator("#photo-full")).to_have_attribute("src", answer.get_json()["photo_url"])
    page.locator("#photo-dialog").get_by_role("button", name="关闭").click()
    expect(page.locator("#photo-dialog")).to_be_hidden()
    report.get_by_role("button", name="在地图上查看").click()
    expect(page.locator(".leaflet-popup")).to_contain_text("坝脚渗水")


def test_gcj02_tiles_shift_the_points_onto_their_streets(browser, live_server, town,  # noqa: F811
                                                        make_user, app):
    page = new_tab(browser, live_server)
    page.goto("/login")
    shifted = page.evaluate("""async () => {
        const gcj = await import('/static/js/command-gcj02.js');
        return [gcj.wgs84ToGcj02(39.9087, 116.3975), gcj.wgs84ToGcj02(31.1774276, 121.5272106),
                gcj.wgs84ToGcj02(51.5, -0.12)];
    }""")
    assert shifted[0] == pytest.approx([39.9101, 116.4037], abs=1e-4)  # Tiananmen
    assert shifted[1] == pytest.approx([31.1753040, 121.5315419], abs=1e-6)
    assert shifted[2] == [51.5, -0.12]  # outside China nothing moves

    app.config["TILE_COORDINATES"] = "gcj02"
    page = open_command(browser, live_server, make_user("commander"), town.event_id)
    lat, lon = page.evaluate(
        f"(() => {{ const p = commandCenter.map.posts.get({town.pond['id']}).dot.getLatLng();"
        " return [p.lat, p.lng]; })()")
    assert (lat, lon) != (POND["lat"], POND["lon"])
    assert abs(lat - POND["lat"]) < 0.01 and abs(lon - POND["lon"]) < 0.01


def test_messages_apply_in_seq_order_and_a_gap_or_reconnect_reloads_the_snapshot(
        browser_page):  # noqa: F811
    result = run_live_feed(browser_page, """
        const send = (seq, eventId = 7) => handlers.post_status({ event_id: eventId, seq });
        send(11); send(13); send(12); send(12); send(9); send(14, 8);
        const inOrder = [...applied];
        send(15); await wait(20); send(14);  // a gap filled in time
        const filled = [...applied];
        const before = snapshots;
        send(17);  // 16 never comes: after the wait, the snapshot (seq 20) is reloaded
        await wait(250);
        const afterGap = snapshots;
        send(20); send(21);
        handlers.disconnect();
        handlers.connect();  // a reconnect reloads too (seq 30)
        await wait(50);
        send(31);
        return { inOrder, filled, before, afterGap, snapshots, applied, last: feed.last };
    """, ack={"ok": True, "seq": 10}, snapshots=[10, 20, 30], applied="message.seq")
    assert result["inOrder"] == [11, 12, 13]
    assert result["filled"] == [11, 12, 13, 14, 15]
    assert (result["before"], result["afterGap"], result["snapshots"]) == (1, 2, 3)
    assert result["applied"] == [11, 12, 13, 14, 15, 21, 31]
    assert result["last"] == 31


def synthetic_snapshot(event: dict, posts: int, people: int, seed: int = 4) -> dict:
    """A county-sized response: posts over about 60 x 60 km, people near their posts."""
    rng = random.Random(seed)
    statuses = ("empty", "under", "full", "idle")
    kinds = ("reservoir", "pond", "landslide", "low_road", "dangerous_house", "shelter")
    post_list = [{"id": i + 1, "name": f"点位{i + 1}", "kind": kinds[i % len(kinds)],
                  "village": f"村{i % 40}", "lat": 27.8 + rng.random() * 0.55,
                  "lon": 119.6 + rng.random() * 0.6, "radius_m": rng.choice((80, 150, 300)),
                  "required": 5, "present": 0, "status": rng.choice(statuses)}
                 for i in range(posts)]
    staff = []
    for i in range(people):
        post = post_list[i % posts]
        staff.append({"person_id": i + 1, "name": f"人员{i + 1}", "post_id": post["id"],
                      "assignment_id": i + 1,
                      "lat": post["lat"] + rng.uniform(-0.002, 0.002),
                      "lon": post["lon"] + rng.uniform(-0.002, 0.002),
                      "on_duty": rng.random() < 0.7, "acknowledged": rng.random() < 0.8,
                      "last_seen": "2026-07-21T08:00:00+08:00"})
    return {"event": event, "seq": 0, "posts": post_list, "staff": staff, "alerts": []}


def test_two_thousand_posts_and_ten_thousand_people_stay_smooth(browser, live_server, commander,  # noqa: F811
                                                               make_user, app):
    """Loads a synthetic snapshot and applies 200 messages; prints the times (not asserted)."""
    event = commander.post("/api/v1/events", json=event_body()).get_json()
    snapshot = synthetic_snapshot(event, posts=2000, people=10000)
    page = new_tab(browser, live_server, viewport={"width": 1920, "height": 1080})
    sign_in(page, make_user("commander"))
    page.route(f"**/api/v1/events/{event['id']}/snapshot",
               lambda route: route.fulfill(json=snapshot))
    page.goto(f"/command/events/{event['id']}")
    expect(page.locator("#page")).to_have_attribute("data-state", "ready", timeout=60000)
    expect(page.locator("#conn")).to_have_attribute("data-state", "online")
    load_ms = page.evaluate("commandCenter.loadMs - performance.timing.responseEnd"
                            " + performance.timing.navigationStart")
    total_ms = page.evaluate("commandCenter.loadMs")
    assert page.evaluate("commandCenter.map.posts.size") == 2000
    assert page.evaluate("commandCenter.map.people.getLayers().length") == 10000
    expect(count(page, "assigned")).to_have_text("10000")

    page.evaluate("""() => {
        const feed = commandCenter.feed;
        const bench = window.bench = { first: null, done: null, applying: 0 };
        const receive = feed.receive.bind(feed);
        const apply = feed.apply;
        feed.apply = (name, message) => {
            const start = performance.now();
            apply(name, message);
            bench.applying += performance.now() - start;
        };
        feed.receive = (name, message) => {
            if (bench.first === null) bench.first = performance.now();
            receive(name, message);
            if (feed.last === 200 && bench.done === null) {
                requestAnimationFrame(() => { bench.done = performance.now(); });
            }
        };
    }""")
    rng = random.Random(7)
    socketio = app.extensions["socketio"]
    room = f"event:{event['id']}"
    for seq in range(1, 201):
        if seq % 2:
            post = rng.choice(snapshot["posts"])
            name, message = "post_status", {"post_id": post["id"], "required": 5,
                                            "present": rng.randint(0, 5),
                                            "status": rng.choice(("empty", "under", "full"))}
        else:
            person = rng.choice(snapshot["staff"])
            name, message = "checkin", {
                "checkin": {"id": seq, "assignment_id": person["assignment_id"],
                            "post_id": person["post_id"], "kind": "presence",
                            "within_fence": rng.random() < 0.5, "flags": [],
                            "taken_at": "2026-07-21T08:30:00+08:00", "review_verdict": None,
                            "lat": person["lat"] + 0.0005, "lon": person["lon"]},
                "person": {"id": person["person_id"], "name": person["name"]}}
        socketio.emit(name, {**message, "event_id": event["id"], "seq": seq}, to=room,
                      namespace="/live")
    # (a promise in the page, not wait_for_function: the page's CSP forbids eval)
    page.evaluate("() => new Promise(done => { const check = () => window.bench.done !== null"
                  " ? done() : requestAnimationFrame(check); check(); })")
    figures = page.evaluate("({ wall: bench.done - bench.first, applying: bench.applying,"
                            " snapshots: commandCenter.feed.stats.snapshots,"
                            " applied: commandCenter.feed.stats.applied })")
    assert figures["applied"] == 200 and figures["snapshots"] == 1  # in order, no reload
    print(f"\n2,000 posts / 10,000 people: page ready {total_ms:.0f} ms after navigation start "
          f"({load_ms:.0f} ms after the HTML arrived); 200 messages applied in "
          f"{figures['wall']:.0f} ms from the first one's arrival ({figures['applying']:.1f} ms in "
          f"the handlers)")
