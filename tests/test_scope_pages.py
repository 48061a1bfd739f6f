"""Every page, opened by town B's accounts with the ids of town A's records (those of the role
table's world, made by town A: tests/test_scope_matrix.py): a page about one of them is a 404,
and no page shows any of them. A new page route is walked here at once."""

from __future__ import annotations

import re

from conftest import PASSWORD
from test_scope_matrix import TownWorld, town_world  # noqa: F401

# Query strings the pages take, with town A's ids.
QUERIES = {"duty_records.dashboard": "", "dispatch.roster_page": "?date=2026-07-21"}
SKIPPED = {"phone.open_link"}
# Marks that the pages also print as words of their own: the example of a phone number in the
# people page's help, the spot-check form's 暗访.
PAGE_WORDS = {"13800000001", "暗访"}  # a staff link's code, not a record's id


def page_routes(app) -> list:
    return sorted((rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.rule.startswith(("/api/", "/static"))
                   and rule.endpoint not in SKIPPED), key=lambda rule: rule.rule)


def signed_in(app, username: str):
    """A browser's session: the login form, its CSRF token, the cookie."""
    client = app.test_client()
    form = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = client.post("/login", data={"username": username, "password": PASSWORD,
                                         "csrf_token": token})
    assert answer.status_code in (302, 303), answer.get_data(as_text=True)[:300]
    return client


def test_town_b_opens_no_page_of_town_a(app, town_world):  # noqa: F811
    world: TownWorld = town_world
    world.populate()
    ids = {"event_id": world.event_id, "person_id": world.person_id}
    world.town_b  # noqa: B018 (its accounts exist)
    for role in ("admin", "commander", "inspector"):
        client = signed_in(app, f"B-{role}")
        for rule in page_routes(app):
            path = rule.rule
            for name in rule.arguments:
                path = path.replace(f"<int:{name}>", str(ids[name]))
            answer = client.get(path + QUERIES.get(rule.endpoint, ""))
            shown = answer.get_data(as_text=True)
            if rule.arguments and world.event_by == "A" or "person_id" in rule.arguments:
                assert answer.status_code in (403, 404), (role, path, answer.status_code)
            leaked = [mark for mark in world.marks if mark in shown and mark not in PAGE_WORDS]
            assert not leaked, (role, path, answer.status_code, leaked)
