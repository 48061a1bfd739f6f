"""A field worker's phone for browser tests: its own browser context, GPS, clock and network."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from conftest import START, Api
from live_server import PHONE
from playwright.sync_api import expect

# Set to a folder to keep screenshots of the phone page (to look at the layout by eye).
SCREENSHOTS = os.environ.get("COORDINATOR_SCREENSHOTS")


class Phone:
    """One phone: a fresh context (own cookies, storage and service worker) at 360 x 740."""

    def __init__(self, browser, base_url: str, *, at: tuple[float, float] | None = None,
                 accuracy: float = 10.0, allow_location: bool = True, now: datetime = START):
        options = {}
        if at is not None:
            options["geolocation"] = {"latitude": at[0], "longitude": at[1], "accuracy": accuracy}
        self.context = browser.new_context(
            base_url=base_url, viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai",
            permissions=["geolocation"] if allow_location else [], is_mobile=True,
            has_touch=True, service_workers="allow", **options)
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.set_time(now)

    def set_time(self, moment: datetime) -> None:
        """The phone's own clock (what `new Date()` says); timers keep running."""
        self.page.clock.set_fixed_time(moment)

    def move_to(self, position: tuple[float, float], accuracy: float = 10.0) -> None:
        self.context.set_geolocation({"latitude": position[0], "longitude": position[1],
                                      "accuracy": accuracy})

    def set_offline(self, offline: bool) -> None:
        self.context.set_offline(offline)

    def open_link(self, url: str) -> None:
        """Open a staff link as the person would, from the message or QR code."""
        parts = urlsplit(url)
        self.page.goto(parts.path)

    def press(self, name: str) -> None:
        self.page.get_by_role("button", name=name, exact=True).click()

    def check_out(self, note: str = "") -> None:
        self.press("签退")
        self.page.get_by_label("交接班情况（可不填）").fill(note)
        self.press("确认签退")

    @property
    def result(self):
        return self.page.locator("#result")

    @property
    def waiting(self):
        return self.page.locator("#queue-count")

    def expect_waiting(self, count: int) -> None:
        expect(self.waiting).to_have_attribute("data-count", str(count), timeout=15_000)

    def wait_until_offline_ready(self) -> None:
        """The service worker is active, with the page shell in its cache."""
        expect(self.page.locator("body")).to_have_attribute("data-offline-ready", "true")

    def screenshot(self, name: str) -> None:
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


def staff_link(commander: Api, person_id: int) -> str:
    answer = commander.post("/api/v1/auth/staff-link", json={"person_id": person_id})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["url"]
