"""Signing in: password login and its throttle, bearer tokens, staff links, cookies and CSRF."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from conftest import PASSWORD, START, TEST_SECRET, Api, person_body
from itsdangerous import URLSafeSerializer
from shapes import assert_error
from sqlalchemy import update

from coordinator import db
from coordinator.models import User
from coordinator.services.accounts import TOKEN_SALT

LOGIN = "/api/v1/auth/login"


def login(client, username: str, password: str = PASSWORD, address: str = "127.0.0.1"):
    return client.post(LOGIN, json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def csrf_from(page_html: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page_html)
    assert match, "the page carries no csrf-token meta tag"
    return match.group(1)


def form_token(page_html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page_html)
    assert match, "the form carries no csrf_token field"
    return match.group(1)


def add_person(admin, **overrides) -> dict:
    response = admin.post("/api/v1/people", json=person_body(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def staff_link(api, person_id: int):
    return api.post("/api/v1/auth/staff-link", json={"person_id": person_id})


# --- password login ---------------------------------------------------------------------------


def test_login_answers_a_token_with_role_and_expiry_with_offset(client, make_user, clock):
    username = make_user("commander", "duty-chief")

    response = login(client, username)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["role"] == "commander"
    assert isinstance(body["token"], str) and len(body["token"]) > 20
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert expires_at.utcoffset() is not None, "expires_at must carry an offset"
    assert expires_at == clock.now() + timedelta(hours=24)
    assert client.get("/api/v1/events", headers=bearer(body["token"])).status_code == 200


def test_wrong_password_and_unknown_user_both_answer_401_alike(client, make_user):
    username = make_user("admin", "roster-keeper")

    wrong = login(client, username, "not-the-password")
    unknown = login(client, "nobody-here", PASSWORD)

    wrong_error = assert_error(wrong, 401, "unauthorized")
    unknown_error = assert_error(unknown, 401, "unauthorized")
    # The answer must not tell a guesser which usernames exist.
    assert wrong_error["message"] == unknown_error["message"]
    assert "token" not in (wrong.get_json() or {})


def test_five_failures_throttle_the_account_there_even_with_the_right_password(client, make_user,
                                                                              clock):
    username = make_user("commander", "flood-chief")
    for n in range(5):
        assert_error(login(client, username, f"guess-{n}", address="10.0.0.1"), 401)

    throttled = login(client, username, address="10.0.0.1")
    assert_error(throttled, 429, "rate_limited")
    assert throttled.headers["Retry-After"] == str(15 * 60)  # the window: when to try again

    clock.advance(minutes=14)
    assert_error(login(client, username, address="10.0.0.1"), 429, "rate_limited")

    clock.advance(minutes=1, seconds=1)  # the first failures are now older than 15 minutes
    response = login(client, username, address="10.0.0.1")
    assert response.status_code == 200, response.get_json()


def test_someone_elses_guesses_do_not_lock_the_owner_out(client, make_user):
    username = make_user("commander", "town-chief")
    # Someone who knows the username guesses from five addresses, four times from each...
    for n in range(5):
        for guess in range(4):
            assert_error(login(client, username, f"guess-{guess}", address=f"10.0.0.{n + 1}"), 401)

    # ...and the owner, from their own office, still signs in with the right password.
    response = login(client, username, address="10.0.9.9")
    assert response.status_code == 200, response.get_json()


def test_four_failures_do_not_throttle(client, make_user):
    username = make_user("inspector", "spot-checker")
    for n in range(4):
        assert_error(login(client, username, f"guess-{n}"), 401)

    assert login(client, username).status_code == 200


def test_five_failures_from_one_address_throttle_that_address(client, make_user, clock):
    username = make_user("admin", "county-admin")
    for n in range(5):
        assert_error(login(client, f"guessed-name-{n}", "whatever1", address="203.0.113.7"), 401)

    assert_error(login(client, username, address="203.0.113.7"), 429, "rate_limited")
    # The account itself is not throttled: the same login from another address works.
    assert login(client, username, address="198.51.100.20").status_code == 200

    clock.advance(minutes=15, seconds=1)
    assert login(client, username, address="203.0.113.7").status_code == 200


def test_behind_a_proxy_the_throttle_counts_the_forwarded_address(database_url, clock):
    from coordinator import create_app

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET, "CLOCK": clock,
                      "PROXY_COUNT": 1})
    client = app.test_client()
    for n in range(5):
        assert_error(client.post("/api/v1/auth/login", json={
            "username": f"nobody-{n}", "password": "whatever1"},
            headers={"X-Forwarded-For": "203.0.113.7"}), 401)
    blocked = client.post("/api/v1/auth/login", json={"username": "x", "password": "whatever1"},
                          headers={"X-Forwarded-For": "203.0.113.7"})
    other = client.post("/api/v1/auth/login", json={"username": "x", "password": "whatever1"},
                        headers={"X-Forwarded-For": "198.51.100.20"})
    assert (blocked.status_code, other.status_code) == (429, 401)
    app.extensions["db"]["engine"].dispose()


# --- bearer tokens ----------------------------------------------------------------------------


def test_token_works_until_its_ttl_then_answers_401(client, make_user, clock, app):
    token = login(client, make_user("inspector", "checker")).get_json()["token"]
    ttl = timedelta(hours=app.config["TOKEN_TTL_HOURS"])

    clock.advance(seconds=ttl.total_seconds() - 60)
    assert client.get("/api/v1/events", headers=bearer(token)).status_code == 200

    clock.advance(seconds=60)
    response = client.get("/api/v1/events", headers=bearer(token))
    assert_error(response, 401, "unauthorized")
    assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")


def test_forged_tampered_and_garbage_tokens_answer_401(client, make_user, app):
    make_user("admin", "real-admin")
    token = login(client, "real-admin").get_json()["token"]
    with app.app_context():
        user_id = db.session().query(User.id).filter_by(username="real-admin").scalar()
    far = int((START + timedelta(days=365)).timestamp())
    forged = URLSafeSerializer("some-other-secret-key-0123456789abcdef", salt=TOKEN_SALT).dumps(
        {"u": user_id, "exp": far})
    payload, _, signature = token.rpartition(".")
    tampered = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    wrong_salt = URLSafeSerializer(TEST_SECRET, salt="something-else").dumps({"u": user_id, "exp": far})

    for bad in (forged, tampered, wrong_salt, "not-a-token", payload):
        assert_error(client.get("/api/v1/audit/verify", headers=bearer(bad)), 401, "unauthorized")
    assert client.get("/api/v1/audit/verify", headers=bearer(token)).status_code == 200


def test_deactivated_account_cannot_sign_in_and_its_token_stops(client, make_user, app):
    username = make_user("commander", "retired-chief")
    token = login(client, username).get_json()["token"]
    with app.app_context():
        session = db.session()
        session.execute(update(User).where(User.username == username).values(active=False))
        session.commit()

    assert_error(client.get("/api/v1/events", headers=bearer(token)), 401, "unauthorized")
    assert_error(login(client, username), 401, "unauthorized")


def test_requests_without_credentials_answer_401(anonymous):
    assert_error(anonymous.get("/api/v1/people"), 401, "unauthorized")
    assert_error(anonymous.get("/api/v1/people", headers={"Authorization": "Basic YTpi"}), 401)
    assert_error(anonymous.get("/api/v1/people", headers={"Authorization": "Bearer "}), 401)


# --- staff links ------------------------------------------------------------------------------


@pytest.mark.parametrize("maker", ["admin", "commander"])
def test_staff_link_answers_url_token_and_expiry(request, admin, maker, clock, app):
    person = add_person(admin)
    api = request.getfixturevalue(maker)

    response = staff_link(api, person["id"])

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) >= {"url", "token", "expires_at"}
    assert urlsplit(body["url"]).path.startswith("/m/")
    assert urlsplit(body["url"]).scheme in {"http", "https"}
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert expires_at.utcoffset() is not None
    assert expires_at == clock.now() + timedelta(hours=app.config["STAFF_LINK_TTL_HOURS"])


def test_staff_link_for_unknown_person_is_404(commander):
    assert_error(staff_link(commander, 987654), 404, "not_found")


def test_staff_link_token_acts_as_staff_for_that_person(admin, commander, client):
    mine = add_person(admin, name="王芳", phone="13800000011")
    other = add_person(admin, name="李强", phone="13800000012")
    token = staff_link(commander, mine["id"]).get_json()["token"]
    other_token = staff_link(commander, other["id"]).get_json()["token"]

    # The phone page, opened with the token, is that person's page.
    page = client.get("/m/", headers=bearer(token))
    assert page.status_code == 200
    assert "王芳" in page.get_data(as_text=True)
    assert "李强" not in page.get_data(as_text=True)

    # Staff may not use the command center's or the administrator's endpoints.
    staff = Api(client, token)
    for call in (lambda: staff.get("/api/v1/people"),
                 lambda: staff.post("/api/v1/people", json=person_body(phone="13800000013")),
                 lambda: staff.get("/api/v1/audit/verify"),
                 lambda: staff.post("/api/v1/auth/staff-link", json={"person_id": other["id"]})):
        assert_error(call(), 403, "forbidden")

    # The token is bound to the person: deactivating them ends it, and only it.
    assert admin.post(f"/api/v1/people/{mine['id']}/deactivate").status_code == 200
    assert_error(staff.get("/api/v1/people"), 401, "unauthorized")
    assert_error(Api(client, other_token).get("/api/v1/people"), 403, "forbidden")


def test_opening_the_link_signs_the_phone_in(app, admin, commander):
    person = add_person(admin, name="赵敏", phone="13800000021", unit="石门村村委")
    url = staff_link(commander, person["id"]).get_json()["url"]
    phone = app.test_client()

    opened = phone.get(url)

    assert opened.status_code == 302
    for cookie in opened.headers.getlist("Set-Cookie"):
        assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower(), cookie
    page = phone.get(opened.headers["Location"])
    assert page.status_code == 200
    assert "赵敏" in page.get_data(as_text=True)
    home = phone.get("/m/")
    assert home.status_code == 200
    assert "赵敏" in home.get_data(as_text=True)


def test_unknown_link_code_shows_a_404_page(app):
    response = app.test_client().get("/m/link/not-a-real-code")

    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_expired_link_and_token_stop_working(app, admin, commander, clock, client):
    person = add_person(admin)
    body = staff_link(commander, person["id"]).get_json()
    staff = Api(client, body["token"])
    assert_error(staff.get("/api/v1/people"), 403, "forbidden")  # known, just not allowed

    clock.advance(hours=app.config["STAFF_LINK_TTL_HOURS"], seconds=1)

    assert app.test_client().get(body["url"]).status_code == 404
    assert_error(staff.get("/api/v1/people"), 401, "unauthorized")


def test_deactivated_person_gets_no_link_and_old_links_stop(app, admin, commander):
    person = add_person(admin)
    url = staff_link(commander, person["id"]).get_json()["url"]
    assert admin.post(f"/api/v1/people/{person['id']}/deactivate").status_code == 200

    assert_error(staff_link(commander, person["id"]), 409, "conflict")
    assert app.test_client().get(url).status_code == 404


# --- browser sessions: cookies and CSRF ---------------------------------------------------------


def sign_in_with_form(browser, username: str, password: str = PASSWORD):
    page = browser.get("/login?lang=en")
    assert page.status_code == 200
    return browser.post("/login", data={"username": username, "password": password,
                                        "csrf_token": form_token(page.get_data(as_text=True))})


def session_cookie_header(response) -> str:
    cookies = [value for value in response.headers.getlist("Set-Cookie")
               if value.startswith("session=")]
    assert cookies, response.headers
    return cookies[-1]


def test_login_form_signs_in_with_an_httponly_samesite_cookie(app, make_user):
    username = make_user("admin", "form-admin")
    browser = app.test_client()

    response = sign_in_with_form(browser, username)

    assert response.status_code == 302
    cookie = session_cookie_header(response).lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie or "samesite=strict" in cookie
    assert browser.get(response.headers["Location"]).status_code == 200
    # The cookie alone now authenticates reads of the API.
    assert browser.get("/api/v1/people").status_code == 200


def test_login_form_with_a_wrong_password_shows_an_error(app, make_user):
    username = make_user("admin", "form-admin")
    browser = app.test_client()

    response = sign_in_with_form(browser, username, "wrong-password")

    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert 'role="alert"' in page
    assert "The username or password is wrong." in page
    assert_error(browser.get("/api/v1/people"), 401, "unauthorized")


def test_login_form_without_its_csrf_token_is_refused(app, make_user):
    username = make_user("admin", "form-admin")
    browser = app.test_client()
    browser.get("/login")

    response = browser.post("/login", data={"username": username, "password": PASSWORD})

    assert response.status_code == 400
    assert_error(browser.get("/api/v1/people"), 401, "unauthorized")


def test_cookie_posts_to_the_api_need_the_csrf_header(app, make_user):
    username = make_user("admin", "form-admin")
    browser = app.test_client()
    assert sign_in_with_form(browser, username).status_code == 302
    token = csrf_from(browser.get("/", follow_redirects=True).get_data(as_text=True))

    without = browser.post("/api/v1/people", json=person_body())
    assert_error(without, 403, "forbidden")
    assert browser.get("/api/v1/people").get_json()["total"] == 0

    wrong = browser.post("/api/v1/people", json=person_body(), headers={"X-CSRFToken": "forged"})
    assert_error(wrong, 403, "forbidden")

    with_token = browser.post("/api/v1/people", json=person_body(), headers={"X-CSRFToken": token})
    assert with_token.status_code == 201, with_token.get_json()
    assert browser.get("/api/v1/people").get_json()["total"] == 1


def test_signing_in_returns_to_the_page_asked_for_but_never_to_another_site(client, make_user):
    username = make_user("commander", "night-commander")
    asked = client.get("/admin/posts")
    assert asked.status_code == 302 and "next=" in asked.headers["Location"]
    page = client.get("/login?next=/admin/posts").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    back = client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": token, "next": "/admin/posts"})
    assert back.headers["Location"].endswith("/admin/posts")
    client.post("/logout", data={"csrf_token": token})
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    away = client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": token, "next": "//evil.example/x"})
    assert "evil.example" not in away.headers["Location"]
