"""Relocation (人员转移) in Chromium: the command center's planned-against-moved table, its rings
on the map and its shelters, kept live by the village official's reports; and the households
page, where a village's households are listed, corrected and imported."""

from __future__ import annotations

import re
import uuid

import pytest
from live_server import browser, browser_page, live_server, sign_in  # noqa: F401
from playwright.sync_api import expect
from relocation_support import SHELTERS, build_relocation, report
from test_pages_command import open_command

from coordinator.jobs import escalation

pytestmark = pytest.mark.browser

# Notes whether the import's progress bar was shown and what it said while the file went up
# (it is gone again by the time the result is shown).
WATCH_PROGRESS = """() => {
  const progress = document.querySelector("#import .progress");
  window.progressSeen = { shown: false, texts: [] };
  new MutationObserver(() => {
    if (progress.hidden) return;
    window.progressSeen.shown = true;
    window.progressSeen.texts.push(progress.querySelector(".progress-text").textContent);
  }).observe(progress, { attributes: true, childList: true, subtree: true, characterData: true });
}"""


def expect_figures(row, **expected) -> None:
    for name, value in expected.items():
        expect(row.locator(f'[data-figure="{name}"]')).to_have_text(str(value))


def households_of(relocation, village: str) -> list[dict]:
    """A village's households in the order the support file made them (by phone)."""
    unit_id = relocation.units[village]
    return sorted((h for h in relocation.households.values() if h["unit_id"] == unit_id),
                  key=lambda h: h["phone"])


def test_the_relocation_table_rings_and_shelters_follow_the_field_live(
        browser, live_server, client, admin, commander, make_user):  # noqa: F811
    r = build_relocation(client, admin, commander, per_village=5)
    baisha_id, town_id = r.units["白沙村"], r.units["太湖源镇"]
    first, second, third, fourth = households_of(r, "白沙村")[:4]
    page = open_command(browser, live_server, make_user("commander", "commander-r"), r.event_id)

    # The tab counts the households not yet moved; the table shows each village's plan.
    tab = page.locator("#tab-relocation")
    expect(page.locator("#relocation-count")).to_have_text("20")
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    table = page.locator("#relocation-table")
    expect(table.locator("thead th").first).to_have_text("村")
    expect(table.locator("tbody tr")).to_have_count(4)
    village = table.locator(f'tbody tr[data-unit-id="{baisha_id}"]')
    expect(village.locator("th")).to_have_text("白沙村")
    expect_figures(village, households=5, people=17, moved=0, self_arranged=0, outstanding=5,
                   vulnerable_outstanding=2, sheltered=0, rate="0%")
    totals = table.locator("tfoot tr")
    expect_figures(totals, households=20, moved=0, outstanding=20, rate="0%")

    # On the map: a ring per village, red while vulnerable people are still there; the shelters.
    expect(page.locator(".relocation-ring .ring")).to_have_count(4)
    ring = page.locator(f'.ring[data-unit-id="{baisha_id}"]')
    expect(ring).to_have_attribute("data-percent", "0")
    expect(ring).to_have_class(re.compile(r"\bvulnerable\b"))
    shelter_id = r.shelters["太湖源镇"]["id"]
    shelter = page.locator(f'.shelter-occupancy[data-post-id="{shelter_id}"]')
    expect(shelter).to_have_text("⌂0/40")

    # The village official reports over HTTP while the page stays open: no reload, no snapshot.
    page.evaluate("window.stillTheSamePage = true")
    snapshots = page.evaluate("window.commandCenter.feed.stats.snapshots")
    answer, _ = report(r.official_api, r.event_id, first["id"], status="moved", people=3)
    assert answer.status_code == 201, answer.get_json()

    expect_figures(village, moved=1, outstanding=4, vulnerable_outstanding=1, rate="20%")
    expect(ring).to_have_attribute("data-percent", "20")
    expect(ring).to_have_class(re.compile(r"\bvulnerable\b"))
    expect_figures(totals, moved=1, outstanding=19, rate="5%")
    expect(page.locator("#relocation-count")).to_have_text("19")

    # The second vulnerable household stays with relatives: the ring is no longer red.
    answer, _ = report(r.official_api, r.event_id, fourth["id"], status="self_arranged",
                       people=fourth["people"])
    assert answer.status_code == 201, answer.get_json()
    expect_figures(village, moved=1, self_arranged=1, outstanding=3, vulnerable_outstanding=0,
                   rate="40%")
    expect(ring).to_have_attribute("data-percent", "40")
    expect(ring).not_to_have_class(re.compile(r"\bvulnerable\b"))
    expect_figures(totals, moved=1, self_arranged=1, outstanding=18, rate="10%")

    # A row opens its households not yet moved, each with a number to dial; it follows live.
    answer, _ = report(r.official_api, r.event_id, second["id"], status="refused", people=0)
    assert answer.status_code == 201, answer.get_json()
    expect_figures(village, refused=1, outstanding=3)
    village.locator("th button").click()
    listed = table.locator(f'.relocation-detail[data-unit-id="{baisha_id}"] li')
    expect(listed).to_have_count(3)
    expect(listed.filter(has_text=second["head_name"])).to_contain_text("拒绝转移")
    expect(listed.filter(has_text=third["head_name"]).locator("a.tel")).to_have_attribute(
        "href", f"tel:{third['phone']}")
    answer, _ = report(r.official_api, r.event_id, third["id"], status="moved", people=3)
    assert answer.status_code == 201, answer.get_json()
    expect(listed).to_have_count(2)
    expect_figures(village, moved=2, outstanding=2, rate="60%")

    # People counted at the shelter: its occupancy on the map, the village's sheltered figure.
    arrival = r.manager_api.post(f"/api/v1/events/{r.event_id}/shelter-arrivals", json={
        "client_id": str(uuid.uuid4()), "shelter_post_id": shelter_id,
        "household_id": first["id"], "people": 3, "taken_at": "2026-07-21T08:00:00+08:00"})
    assert arrival.status_code == 201, arrival.get_json()
    expect(shelter).to_have_attribute("data-sheltered", "3")
    expect(shelter).to_have_text("⌂3/40")
    expect_figures(village, sheltered=3)
    expect_figures(totals, sheltered=3)

    # By town: the town's row moved with its village, the other town's did not.
    page.locator('#panel-relocation [data-level="town"]').click()
    expect(table.locator("thead th").first).to_have_text("镇")
    town = table.locator(f'tbody tr[data-unit-id="{town_id}"]')
    expect_figures(town, households=10, moved=2, self_arranged=1, refused=1, outstanding=7,
                   sheltered=3, rate="30%")
    other = table.locator(f'tbody tr[data-unit-id="{r.units["天目山镇"]}"]')
    expect_figures(other, households=10, moved=0, outstanding=10, rate="0%")

    # Sorting by the share moved puts the town that moved first on top.
    table.locator('th[data-sort="rate"] button').click()
    expect(table.locator("tbody tr").first).to_have_attribute("data-unit-id", str(town_id))
    expect(table.locator('th[data-sort="rate"]')).to_have_attribute("aria-sort", "descending")

    assert page.evaluate("window.stillTheSamePage") is True
    assert page.evaluate("window.commandCenter.feed.stats.snapshots") == snapshots
    summary = commander.get(f"/api/v1/events/{r.event_id}/relocation?by=town").get_json()
    assert summary["totals"]["moved"] == 2 and summary["totals"]["outstanding"] == 17


def test_an_overdue_relocation_alert_opens_its_village(
        app, browser, live_server, client, admin, commander, make_user, clock):  # noqa: F811
    r = build_relocation(client, admin, commander, per_village=3)
    page = open_command(browser, live_server, make_user("commander", "commander-o"), r.event_id)

    # Two hours into the response, each village still has a vulnerable household to move.
    clock.advance(minutes=121)
    with app.app_context():
        assert len(escalation.run_once().relocation_raised) == 4

    alert = page.locator(".alert.kind-relocation_overdue", has_text="告岭村")
    expect(alert.locator(".alert-kind")).to_have_text("重点人员未转移")
    alert.locator(".unit-link").click()
    expect(page.locator("#tab-relocation")).to_have_attribute("aria-selected", "true")
    village_id = r.units["告岭村"]
    listed = page.locator(f'.relocation-detail[data-unit-id="{village_id}"] li')
    expect(listed).to_have_count(3)
    expect(listed.first).to_contain_text("重点人员 1 人")


CSV_WITH_ONE_BAD_ROW = (
    "户主,电话,所属村,人数,重点人员,纬度,经度,安置点\n"
    f"新户甲,13911110001,临安区/太湖源镇/白沙村,4,1,30.30,119.40,{SHELTERS['太湖源镇']}\n"
    "新户乙,12ab,临安区/太湖源镇/白沙村,2,0,,,\n"
    "新户丙,13911110003,临安区/太湖源镇/白沙村,3,0,,,\n"
)


def test_the_households_page_lists_a_village_corrects_a_household_and_imports(
        browser_page, client, admin, commander, make_user, tmp_path):  # noqa: F811
    r = build_relocation(client, admin, commander, per_village=3)
    first = households_of(r, "白沙村")[0]
    page = browser_page
    sign_in(page, make_user("commander", "commander-h"))
    page.locator(".mainnav a", has_text="转移户").click()
    expect(page.locator("h1")).to_have_text("转移户")
    expect(page.locator('.mainnav a[aria-current="page"]')).to_have_text("转移户")
    rows = page.locator("#table tbody tr")
    expect(rows).to_have_count(12)

    # One village's households.
    page.locator("#f-unit-filter").select_option(label="临安区 / 太湖源镇 / 白沙村")
    expect(rows).to_have_count(3)
    line = rows.filter(has_text=first["head_name"])
    expect(line.locator("a[href^='tel:']")).to_have_text(first["phone"])
    expect(line).to_contain_text("太湖源镇中心小学安置点")

    # Corrected in its row: a mistake is explained at its field, then it saves.
    line.get_by_role("button", name="编辑").click()
    editor = page.locator(".household-editor")
    expect(editor.get_by_label("户主")).to_have_value(first["head_name"])
    people = editor.get_by_role("textbox", name="人数", exact=True)
    vulnerable = editor.get_by_role("textbox", name="重点人员", exact=True)
    people.fill("2")
    vulnerable.fill("3")
    editor.get_by_role("button", name="保存").click()
    expect(editor.locator("#f-vulnerable-error")).to_contain_text("重点人员数须为 0 至该户人数之间的整数")
    expect(vulnerable).to_have_attribute("aria-invalid", "true")
    people.fill("6")
    vulnerable.fill("2")
    editor.get_by_label("备注").fill("独居老人，需背运")
    editor.get_by_role("button", name="保存").click()
    expect(page.locator("#notice")).to_have_text(f"已保存“{first['head_name']}”。")
    expect(editor).to_have_count(0)
    expect(line).to_contain_text("独居老人，需背运")
    saved = commander.get(f"/api/v1/households/{first['id']}").get_json()
    assert (saved["people"], saved["vulnerable"], saved["note"]) == (6, 2, "独居老人，需背运")

    # The import: the rows that are right come in, the wrong one is named with its reason.
    upload = tmp_path / "转移户名单.csv"
    upload.write_text(CSV_WITH_ONE_BAD_ROW, encoding="utf-8-sig")
    page.locator("#f-file").set_input_files(str(upload))
    page.evaluate(WATCH_PROGRESS)
    page.get_by_role("button", name="上传并导入").click()
    summary = page.locator("#import-result .summary")
    expect(summary).to_contain_text("新增 2 条")
    expect(summary).to_contain_text("跳过 1 行")
    bad = page.locator("#import-result .bad-rows tbody tr")
    expect(bad).to_have_count(1)
    expect(bad.locator("td").first).to_have_text("3")
    expect(bad.locator("td").nth(1)).to_contain_text("电话")
    expect(page.locator("#import .progress")).to_be_hidden()
    seen = page.evaluate("window.progressSeen")
    assert seen["shown"] and any(text.startswith("正在导入") for text in seen["texts"]), seen
    expect(rows).to_have_count(5)
    expect(rows.filter(has_text="新户甲")).to_contain_text("重点人员 1 人")

    # Deactivated, it stays listed but no longer counts.
    rows.filter(has_text="新户丙").get_by_role("button", name="停用").click()
    expect(rows.filter(has_text="新户丙")).to_contain_text("已停用")
    listed = commander.get(f"/api/v1/households?unit_id={r.units['白沙村']}&active=true").get_json()
    assert listed["total"] == 4


def test_an_inspector_reads_the_households_without_editing(
        browser_page, client, admin, commander, make_user):  # noqa: F811
    build_relocation(client, admin, commander, per_village=2)
    page = browser_page
    sign_in(page, make_user("inspector", "inspector-h"))
    page.goto("/admin/households?unit_id=&lang=en")
    expect(page.locator("h1")).to_have_text("Households to move")
    expect(page.locator("#table tbody tr")).to_have_count(8)
    expect(page.get_by_role("button", name="Edit")).to_have_count(0)
    expect(page.locator("#import")).to_have_count(0)
