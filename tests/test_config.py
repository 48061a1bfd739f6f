"""Settings: production refuses unsafe ones, apps are independent, and the health probes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from conftest import PASSWORD, START, TEST_SECRET

from coordinator import create_app, db, migrate, unit_of_work
from coordinator.clock import ManualClock
from coordinator.config import DEV_SECRET_KEY, UnsafeConfiguration, load_config
from coordinator.services import accounts

STRONG_KEY = "f3a9c1e7-5b2d-4e8f-9a6c-0d1b2c3e4f5a-county"
NOWHERE = "postgresql+psycopg://nobody@127.0.0.1:1/nowhere"  # nothing listens on port 1


@pytest.fixture
def production_env(tmp_path) -> dict:
    """The environment of a safe production server (SQLite in a temporary directory)."""
    return {
        "COORDINATOR_ENV": "production",
        "COORDINATOR_SECRET_KEY": STRONG_KEY,
        "COORDINATOR_DATABASE_URL": "sqlite:///" + str(tmp_path / "prod.db"),
        "COORDINATOR_CORS_ORIGINS": "https://duty.county.gov.cn",
    }


def build(tmp_path, environ: dict):
    return create_app(load_config(str(tmp_path), environ=environ))


def test_a_safe_production_config_starts_with_secure_cookies(tmp_path, production_env):
    app = build(tmp_path, production_env)

    assert app.config["ENV_NAME"] == "production"
    assert not app.debug
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    login_page = client.get("/login")
    cookie = next(c for c in login_page.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "secure" in cookie.lower() and "httponly" in cookie.lower()


@pytest.mark.parametrize("overrides, named, not_named", [
    ({"COORDINATOR_DEBUG": "1"}, "debug", "SECRET_KEY"),
    ({"FLASK_DEBUG": "1"}, "debug", "SECRET_KEY"),
    ({"COORDINATOR_SECRET_KEY": DEV_SECRET_KEY}, "COORDINATOR_SECRET_KEY", "debug"),
    ({"COORDINATOR_SECRET_KEY": None}, "COORDINATOR_SECRET_KEY", "CORS"),
    ({"COORDINATOR_SECRET_KEY": "short-but-not-the-default"}, "COORDINATOR_SECRET_KEY", "debug"),
    ({"COORDINATOR_CORS_ORIGINS": "*"}, "COORDINATOR_CORS_ORIGINS", "SECRET_KEY"),
    ({"COORDINATOR_CORS_ORIGINS": " * "}, "COORDINATOR_CORS_ORIGINS", "SECRET_KEY"),
    ({"COORDINATOR_MESSAGE_QUEUE_URL": "redis://10.20.0.5:6379/0"},
     "COORDINATOR_MESSAGE_QUEUE_URL", "SECRET_KEY"),
    ({"COORDINATOR_MESSAGE_QUEUE_URL": "redis://coordinator@redis.county.internal:6379/0"},
     "COORDINATOR_MESSAGE_QUEUE_URL", "CORS"),
], ids=["debug", "flask-debug", "default-key", "no-key", "short-key", "cors-star", "cors-star-spaces",
        "queue-open", "queue-user-without-password"])
def test_production_refuses_an_unsafe_setting_and_names_it(tmp_path, production_env, overrides,
                                                          named, not_named):
    environ = {**production_env, **overrides}
    environ = {key: value for key, value in environ.items() if value is not None}

    with pytest.raises(UnsafeConfiguration) as refused:
        build(tmp_path, environ)

    message = str(refused.value)
    assert named.lower() in message.lower()
    assert not_named.lower() not in message.lower(), "only the unsafe setting should be named"


def test_production_names_every_problem_at_once(tmp_path):
    environ = {"COORDINATOR_ENV": "production", "COORDINATOR_DEBUG": "true",
               "COORDINATOR_CORS_ORIGINS": "*"}

    with pytest.raises(UnsafeConfiguration) as refused:
        build(tmp_path, environ)

    message = str(refused.value)
    for named in ("debug", "COORDINATOR_SECRET_KEY", "COORDINATOR_CORS_ORIGINS"):
        assert named.lower() in message.lower()


def test_production_refuses_from_the_process_environment(tmp_path, monkeypatch):
    """What wsgi.py does: create_app() with nothing but environment variables."""
    monkeypatch.setenv("COORDINATOR_ENV", "production")
    monkeypatch.setenv("COORDINATOR_DATABASE_URL", "sqlite:///" + str(tmp_path / "prod.db"))
    monkeypatch.delenv("COORDINATOR_SECRET_KEY", raising=False)

    with pytest.raises(UnsafeConfiguration, match="COORDINATOR_SECRET_KEY"):
        create_app()

    monkeypatch.setenv("COORDINATOR_SECRET_KEY", STRONG_KEY)
    assert create_app().config["SECRET_KEY"] == STRONG_KEY


@pytest.mark.parametrize("queue", [
    "redis://:s3cret-pass@10.20.0.5:6379/0",
    "redis://coordinator:s3cret-pass@redis.county.internal:6379/0",
    "redis://127.0.0.1:6379/0",
    "redis://localhost:6379/0",
])
def test_production_accepts_a_queue_with_credentials_or_on_loopback(tmp_path, production_env, queue):
    app = build(tmp_path, {**production_env, "COORDINATOR_MESSAGE_QUEUE_URL": queue})

    assert app.config["MESSAGE_QUEUE_URL"] == queue


def test_development_starts_with_the_default_key(tmp_path):
    app = build(tmp_path, {"COORDINATOR_DATABASE_URL": "sqlite:///" + str(tmp_path / "dev.db")})

    assert app.config["SECRET_KEY"] == DEV_SECRET_KEY
    assert app.test_client().get("/healthz").status_code == 200


# --- two apps in one process -----------------------------------------------------------------------


@pytest.fixture
def second_app(tmp_path):
    """Another app in this process: its own database, clock, key and token lifetime."""
    url = "sqlite:///" + str(tmp_path / "second.db")
    other = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "x" * 40 + "-second",
                        "CLOCK": ManualClock(START + timedelta(days=30)), "TOKEN_TTL_HOURS": 2})
    migrate.upgrade(other.extensions["db"]["engine"])
    yield other
    other.extensions["db"]["engine"].dispose()


def add_account(app, username: str, role: str) -> None:
    with app.app_context():
        session = db.session()
        accounts.create_user(session, username, role, PASSWORD, at=START)
        unit_of_work.commit(session)


def test_two_apps_in_one_process_share_nothing(app, second_app, clock):
    add_account(app, "duty-officer", "admin")
    add_account(second_app, "duty-officer", "inspector")
    first, second = app.test_client(), second_app.test_client()
    credentials = {"username": "duty-officer", "password": PASSWORD}

    first_login = first.post("/api/v1/auth/login", json=credentials).get_json()
    second_login = second.post("/api/v1/auth/login", json=credentials).get_json()

    # Each app answers from its own database, clock and token lifetime.
    assert first_login["role"] == "admin"
    assert second_login["role"] == "inspector"
    assert datetime.fromisoformat(first_login["expires_at"]) == START + timedelta(hours=24)
    assert (datetime.fromisoformat(second_login["expires_at"])
            == START + timedelta(days=30, hours=2))
    # A token of one app means nothing to the other (different key and users).
    for client, token in ((first, second_login["token"]), (second, first_login["token"])):
        response = client.get("/api/v1/events", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
    # Moving one clock past its token lifetime expires only that app's tokens.
    clock.advance(hours=25)
    assert first.get("/api/v1/events", headers={
        "Authorization": f"Bearer {first_login['token']}"}).status_code == 401
    assert second.get("/api/v1/events", headers={
        "Authorization": f"Bearer {second_login['token']}"}).status_code == 200
    assert app.config["SECRET_KEY"] == TEST_SECRET


# --- health probes ---------------------------------------------------------------------------------


def test_healthz_answers_without_touching_the_database(tmp_path):
    app = create_app({"DATABASE_URL": NOWHERE, "SECRET_KEY": TEST_SECRET})

    response = app.test_client().get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_200_when_the_database_answers(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_readyz_is_503_in_the_error_shape_when_the_database_does_not_answer():
    app = create_app({"DATABASE_URL": NOWHERE, "SECRET_KEY": TEST_SECRET})

    response = app.test_client().get("/readyz")

    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["error"]["code"] == "unavailable"
    assert "database" in body["error"]["message"]


def test_readyz_is_503_when_a_configured_message_queue_does_not_answer(database_url):
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET,
                      "MESSAGE_QUEUE_URL": "redis://127.0.0.1:1/0"})
    try:
        response = app.test_client().get("/readyz")
    finally:
        app.extensions["db"]["engine"].dispose()

    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "ok"
    assert "message_queue" in response.get_json()["error"]["message"]
