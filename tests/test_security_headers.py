"""Every answer carries the security headers a county's network office checks: a CSP that runs
only the app's own scripts, no framing, no MIME sniffing, no referrer off the site."""

from __future__ import annotations

import pytest
from test_scope_pages import signed_in

from coordinator import create_app
from coordinator.web.headers import policy


@pytest.mark.parametrize("path", ["/login", "/healthz", "/api/v1/events", "/static/js/common.js",
                                  "/no-such-page"])
def test_every_answer_has_the_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_signed_in_pages_have_them_too(app, make_user):
    client = signed_in(app, make_user("commander", "chief-of-headers"))
    for path in ("/command/", "/admin/households", "/admin/people"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert "onclick=" not in response.get_data(as_text=True)


def test_map_tiles_may_come_from_the_configured_tile_server_only():
    assert "img-src 'self' data: blob: http://*.tianditu.gov.cn" in policy(
        {"TILE_URL": "http://t{s}.tianditu.gov.cn/vec_w/wmts?tk=KEY"})
    assert "img-src 'self' data: blob:;" in policy({"TILE_URL": ""})


def test_production_answers_carry_them(database_url):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url,
                      "SECRET_KEY": "x" * 64})
    response = app.test_client().get("/healthz")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
