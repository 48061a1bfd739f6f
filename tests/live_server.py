"""Browser-test fixtures: the test `app` served from a thread, and Debian's Chromium driving it.

Import the fixtures into a test module: `from live_server import browser, browser_page, live_server`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from conftest import PASSWORD, skip_or_fail
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = "/usr/bin/chromium"
# Never let Playwright fetch anything: Debian's browser, no background traffic, no sandbox in CI.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


class QuietRequestHandler(WSGIRequestHandler):
    """Serves requests without logging a line for each one."""

    def log_request(self, code="-", size="-") -> None:
        pass


@contextmanager
def serve(app) -> Iterator[str]:
    """Serve `app` on a free local port in a background thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True,
                         request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@contextmanager
def chromium() -> Iterator:
    """A headless Chromium from /usr/bin (skipped, or failed in CI, when it is missing)."""
    if not os.access(CHROMIUM, os.X_OK):
        skip_or_fail(f"{CHROMIUM} is missing: run `make browser`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The base URL of the test app, served for the length of one test."""
    with serve(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """One browser per test module: starting Chromium is the slow part."""
    with chromium() as instance:
        yield instance


@pytest.fixture
def browser_page(browser, live_server):
    """A fresh browser tab (own cookies) at desktop size, whose relative URLs go to the app.

    Confirmation dialogs are accepted, as the person at the screen would.
    """
    context = browser.new_context(base_url=live_server, viewport=DESKTOP, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.set_default_timeout(5000)
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form, as a person would, and wait for the start page."""
    page.goto("/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    with page.expect_navigation():
        page.click('form[action="/login"] button[type="submit"]')
    assert "/login" not in page.url, page.inner_text("main")
