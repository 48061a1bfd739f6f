"""人员转移 on the phone page in Chromium: a village official's list of households (its village's
only, on a map), 30 reports made without a network that arrive once each with the phone's times,
and a shelter manager's arrivals counted against the shelter's places."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from conftest import START
from live_server import browser, live_server  # noqa: F401
from phone_support import Phone, staff_link
from playwright.sync_api import expect
from relocation_support import SHELTERS, build_relocation, row_of
from test_pages_phone import phones  # noqa: F401

from coordinator.presenters import iso

pytestmark = pytest.mark.browser

SHELTER = SHELTERS["太湖源镇"]


def open_phone(phones, commander, person_id: int) -> Phone:  # noqa: F811
    phone = phones()
    phone.open_link(staff_link(commander, person_id))
    expect(phone.page.locator("#relocation-count")).not_to_be_empty()
    return phone


def household_card(phone: Phone, name: str):
    return phone.page.locator(".household").filter(
        has=phone.page.locator(".household-name", has_text=re.compile(f"^{name}$")))


def names(count: int, start: int = 0) -> list[str]:
    return [f"户主{number:03d}" for number in range(start, start + count)]


def sheltered(commander, event_id: int, shelter_id: int) -> tuple[int, bool]:
    """The shelter's people arrived and whether they are more than its places, as the API says."""
    items = commander.get(f"/api/v1/events/{event_id}/shelters").get_json()["items"]
    row = next(item for item in items if item["post_id"] == shelter_id)
    return row["sheltered"], row["over_capacity"]


def test_thirty_households_reported_offline_arrive_once_with_the_phones_times(
        clock, phones, client, admin, commander):  # noqa: F811
    county = build_relocation(client, admin, commander, per_village=30)
    event_id = county.event_id
    phone = open_phone(phones, commander, county.official["id"])
    page = phone.page

    # The village's 30 households only (白沙村's are 户主000–户主029), the vulnerable ones first.
    cards = page.locator(".household")
    expect(cards).to_have_count(30)
    assert sorted(cards.locator(".household-name").all_inner_texts()) == names(30)
    expect(page.locator("#relocation-count")).to_have_text("待转移 30 户 · 重点人员 10 人")
    expect(cards.first.locator(".household-vulnerable")).to_have_text("重点人员 1 人")
    first = household_card(phone, "户主000")
    expect(first.locator(".household-phone")).to_have_attribute("href", "tel:13900000000")
    expect(first.locator(".household-people")).to_have_text("3 人")
    expect(first.locator(".household-shelter")).to_have_text(f"安置点：{SHELTER}")
    expect(first.locator(".household-state")).to_have_text("未转移")
    expect(first.get_by_label("转移人数")).to_have_value("3")
    expect(household_card(phone, "户主001").locator(".household-vulnerable")).to_be_hidden()
    expect(page.locator("#relocation-map .leaflet-interactive")).to_have_count(30)
    expect(page.locator("#shelters")).to_be_hidden()  # not a shelter manager
    phone.screenshot("phone-relocation")

    # No network: each tap is kept on the phone, shown at once, marked 待同步.
    phone.wait_until_offline_ready()
    phone.set_offline(True)
    taken = []
    for number, name in enumerate(names(15)):
        moment = START + timedelta(minutes=number)
        phone.set_time(moment)
        household_card(phone, name).get_by_role("button", name="已转移").click()
        phone.expect_waiting(number + 1)
        taken.append(moment)
    card = household_card(phone, "户主000")
    expect(card.locator(".household-state")).to_have_text("已转移")
    expect(card.locator(".household-pending")).to_have_text("待同步")
    expect(card.locator(".household-reported")).to_have_text("3 人，07-21 08:00 上报")
    expect(page.locator("#relocation-count")).to_have_text("待转移 15 户 · 重点人员 5 人")

    # Still without a network, the page the phone kept shows the list and what waits.
    page.reload()
    expect(cards).to_have_count(30)
    expect(page.locator("#relocation-stale")).to_contain_text("网络不通，以下是")
    expect(page.locator(".household-pending:visible")).to_have_count(15)
    expect(phone.waiting).to_have_text("15 条待上传")
    for number, name in enumerate(names(15, start=15), start=15):
        moment = START + timedelta(minutes=number)
        phone.set_time(moment)
        household_card(phone, name).get_by_role("button", name="已转移").click()
        phone.expect_waiting(number + 1)
        taken.append(moment)
    expect(page.locator("#relocation-count")).to_have_text("待转移 0 户 · 重点人员 0 人")
    expect(page.locator("#waiting-list li").first).to_contain_text("户主000：已转移 3 人")
    assert commander.get(f"/api/v1/events/{event_id}/relocations").get_json()["total"] == 0

    # The network returns an hour later; one answer is lost on the way and the report replayed.
    lost = []

    def lose_one_answer(route):
        if lost:
            route.continue_()
            return
        lost.append(route.fetch())  # the server stores the report ...
        route.abort("connectionreset")  # ... but the phone never hears back

    page.route("**/api/v1/events/*/relocations", lose_one_answer)
    clock.set(START + timedelta(hours=1))
    phone.set_offline(False)

    phone.expect_waiting(0)
    assert lost[0].status == 201
    expect(page.locator(".household-pending:visible")).to_have_count(0)
    expect(page.locator("#relocation-stale")).to_be_hidden()
    expect(page.locator("#relocation-count")).to_have_text("待转移 0 户 · 重点人员 0 人")
    expect(household_card(phone, "户主029").locator(".household-state")).to_have_text("已转移")

    def assert_arrived_once() -> None:
        reports = commander.get(f"/api/v1/events/{event_id}/relocations?limit=100").get_json()
        assert reports["total"] == 30
        items = sorted(reports["items"], key=lambda r: r["taken_at"])
        assert [r["taken_at"] for r in items] == [iso(moment) for moment in taken]
        assert {r["status"] for r in items} == {"moved"}
        assert {r["person_id"] for r in items} == {county.official["id"]}
        assert len({r["household_id"] for r in items}) == 30
        summary = commander.get(f"/api/v1/events/{event_id}/relocation?by=village").get_json()
        village = row_of(summary, "白沙村")
        assert (village["moved"], village["outstanding"]) == (30, 0)
        assert row_of(summary, "太湖源村")["moved"] == 0

    assert_arrived_once()

    # A second sync, and a reload online: nothing is sent twice.
    phone.set_offline(True)
    phone.set_offline(False)
    phone.expect_waiting(0)
    page.reload()
    expect(page.locator("#relocation-count")).to_have_text("待转移 0 户 · 重点人员 0 人")
    phone.expect_waiting(0)
    assert_arrived_once()

    # English on request.
    page.goto("/m/?lang=en")
    expect(page.locator("#relocation-count")).to_have_text(
        "0 households to move · 0 vulnerable people")
    expect(household_card(phone, "户主000").locator(".household-state")).to_have_text("Moved")


def test_a_refusal_and_a_missing_head_count_are_shown_on_the_household(
        phones, client, admin, commander):  # noqa: F811
    county = build_relocation(client, admin, commander, per_village=3)
    phone = open_phone(phones, commander, county.official["id"])
    card = household_card(phone, "户主001")

    card.get_by_label("转移人数").fill("0")
    card.get_by_role("button", name="已转移").click()
    expect(card.locator(".household-error")).to_contain_text("已转移的户至少转移 1 人")
    phone.expect_waiting(0)

    card.get_by_role("button", name="拒绝").click()
    expect(card.locator(".household-state")).to_have_text("拒绝转移")
    expect(card.locator(".household-error")).to_be_hidden()
    expect(card.get_by_role("button", name="拒绝")).to_have_attribute("aria-pressed", "true")
    phone.expect_waiting(0)
    [stored] = commander.get(
        f"/api/v1/events/{county.event_id}/relocations").get_json()["items"]
    assert (stored["status"], stored["people"]) == ("refused", 0)
    expect(phone.page.locator("#relocation-count")).to_have_text("待转移 3 户 · 重点人员 1 人")


def test_a_shelter_manager_records_arrivals_and_the_shelters_count_follows(
        phones, client, admin, commander):  # noqa: F811
    county = build_relocation(client, admin, commander, per_village=2)
    event_id = county.event_id
    shelter_id = county.shelters["太湖源镇"]["id"]
    phone = open_phone(phones, commander, county.manager["id"])
    page = phone.page

    shelter = page.locator(".shelter")
    expect(shelter).to_have_count(1)
    expect(shelter.locator(".shelter-name")).to_have_text(SHELTER)
    expect(shelter.locator(".shelter-figure")).to_have_text("已安置 0 / 容纳 40")
    expect(shelter.locator(".shelter-planned")).to_have_text("计划安置 14 人")
    expect(shelter.locator(".shelter-over")).to_be_hidden()

    # A household planned for the shelter arrives: its people are filled in.
    shelter.get_by_label("户主（可不选）").select_option(label="户主001 · 4 人")
    expect(shelter.get_by_label("到达人数")).to_have_value("4")
    shelter.get_by_role("button", name="登记到达").click()

    expect(shelter.locator(".arrival-result")).to_have_text("已登记到达 4 人。")
    expect(shelter.locator(".shelter-figure")).to_have_text("已安置 4 / 容纳 40")
    expect(shelter.get_by_label("户主（可不选）")).to_have_value("")
    assert sheltered(commander, event_id, shelter_id) == (4, False)

    # Without a network: 37 more, not on the list, shown at once; the shelter is over capacity.
    phone.wait_until_offline_ready()
    phone.set_offline(True)
    shelter.get_by_label("到达人数").fill("37")
    shelter.get_by_role("button", name="登记到达").click()
    expect(shelter.locator(".arrival-result")).to_have_text("已记录，联网后上传")
    expect(shelter.locator(".shelter-figure")).to_have_text("已安置 41 / 容纳 40")
    expect(shelter.locator(".shelter-pending")).to_have_text("其中 37 人待同步")
    expect(shelter.locator(".shelter-over")).to_have_text("超出容量")
    expect(shelter).to_have_class(re.compile(r"\bover\b"))
    phone.expect_waiting(1)

    phone.set_offline(False)

    phone.expect_waiting(0)
    expect(shelter.locator(".arrival-result")).to_have_text("已登记到达 37 人。")
    expect(shelter.locator(".shelter-pending")).to_be_hidden()
    expect(shelter.locator(".shelter-figure")).to_have_text("已安置 41 / 容纳 40")
    assert sheltered(commander, event_id, shelter_id) == (41, True)
    page.reload()
    expect(shelter.locator(".shelter-figure")).to_have_text("已安置 41 / 容纳 40")
    expect(shelter).to_have_class(re.compile(r"\bover\b"))

    page.goto("/m/?lang=en")
    expect(shelter.locator(".shelter-figure")).to_have_text("Sheltered 41 / places 40")
    expect(shelter.get_by_role("button", name="Record the arrival")).to_be_visible()
