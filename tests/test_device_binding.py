"""One person, one phone: a staff link binds to the first phone that opens it (no 代签到)."""

from __future__ import annotations

from conftest import person_body


def make_link(admin, commander, phone="13800000001"):
    person_id = admin.post("/api/v1/people", json=person_body(phone=phone)).get_json()["id"]
    link = commander.post("/api/v1/auth/staff-link", json={"person_id": person_id}).get_json()
    return person_id, link["url"].split("://", 1)[1].split("/", 1)[1]


def test_first_phone_binds_and_can_come_back(app, admin, commander):
    _, path = make_link(admin, commander)
    phone = app.test_client()
    opened = phone.get("/" + path)
    assert opened.status_code == 302 and opened.headers["Location"].endswith("/m/")
    assert "张伟" in phone.get("/m/").get_data(as_text=True)
    assert phone.get("/" + path).status_code == 302  # the same phone opens it again


def test_second_phone_is_refused_and_the_attempt_is_shown(app, admin, commander):
    _, path = make_link(admin, commander)
    app.test_client().get("/" + path)
    other_phone = app.test_client()
    refused = other_phone.get("/" + path, headers={"User-Agent": "Other phone"})
    assert refused.status_code == 403
    assert "另一部手机" in refused.get_data(as_text=True)
    assert other_phone.get("/m/").status_code == 302  # not signed in: back to login
    attempts = commander.get("/api/v1/auth/link-refusals").get_json()
    assert attempts["total"] == 1
    assert attempts["items"][0]["person_name"] == "张伟"
    assert attempts["items"][0]["user_agent"] == "Other phone"


def test_one_phone_cannot_sign_in_two_people(app, admin, commander):
    _, first = make_link(admin, commander)
    _, second = make_link(admin, commander, phone="13900000002")
    phone = app.test_client()
    assert phone.get("/" + first).status_code == 302
    assert phone.get("/" + second).status_code == 403


def test_admin_releases_the_binding_and_a_new_phone_can_bind(app, admin, commander):
    person_id, path = make_link(admin, commander)
    old_phone = app.test_client()
    old_phone.get("/" + path)
    assert commander.post("/api/v1/auth/release-device",
                          json={"person_id": person_id}).status_code == 403
    released = admin.post("/api/v1/auth/release-device", json={"person_id": person_id})
    assert released.get_json() == {"person_id": person_id, "released": 1}
    assert old_phone.get("/m/").status_code == 302  # the old phone's session ends
    new_phone = app.test_client()
    assert new_phone.get("/" + path).status_code == 302
    assert new_phone.get("/m/").status_code == 200
    actions = [e["action"] for e in admin.get("/api/v1/audit?entity_type=staff_links")
               .get_json()["items"]]
    assert "release_device" in actions and actions.count("bind_device") == 2
