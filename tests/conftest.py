"""Fixtures: a migrated database per run, a fresh app and clock per test, clients and accounts."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from coordinator import create_app, migrate, unit_of_work
from coordinator.clock import ManualClock
from coordinator.models import Base

# .ci/run sets this: a test that would skip for a missing browser or database fails instead.
STRICT = os.environ.get("COORDINATOR_TEST_STRICT") == "1"
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"
START = datetime(2026, 7, 21, 0, 0, tzinfo=UTC)  # 08:00 in Asia/Shanghai
PASSWORD = "correct-horse-9"


def skip_or_fail(reason: str):
    """Skip on a developer's machine; fail in CI, where nothing may be missing."""
    if STRICT:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def reset_schema(url: str) -> None:
    """Start from an empty database: drop everything, then migrate to the newest revision."""
    engine = create_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("COORDINATOR_DATABASE_URL")
    if not url:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")
    reset_schema(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": TEST_SECRET})
    migrate.upgrade(app.extensions["db"]["engine"])
    app.extensions["db"]["engine"].dispose()
    return url


def empty_tables(engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """scrypt costs ~0.1 s a hash by design; tests that are not about hashing use a cheap KDF."""
    from coordinator.services import accounts

    monkeypatch.setattr(accounts, "PASSWORD_METHOD", "pbkdf2:sha256:1000")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def app(database_url, clock):
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": TEST_SECRET,
        "CLOCK": clock,
        "SOCKETIO_ASYNC_MODE": "threading",
    })
    yield app
    engine = app.extensions["db"]["engine"]
    empty_tables(engine)
    engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Api:
    """A test client that sends a bearer token and JSON, as an integration script would."""

    def __init__(self, client, token: str | None = None):
        self.client = client
        self.token = token

    def _headers(self, headers):
        merged = dict(headers or {})
        if self.token:
            merged.setdefault("Authorization", f"Bearer {self.token}")
        return merged

    def get(self, path, **kw):
        return self.client.get(path, headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, path, json=None, **kw):
        return self.client.post(path, json=json, headers=self._headers(kw.pop("headers", None)),
                                **kw)

    def patch(self, path, json=None, **kw):
        return self.client.patch(path, json=json, headers=self._headers(kw.pop("headers", None)),
                                 **kw)

    def delete(self, path, **kw):
        return self.client.delete(path, headers=self._headers(kw.pop("headers", None)), **kw)


@pytest.fixture
def make_user(app):
    """Create an account of a role and return its username."""

    def make(role: str, username: str | None = None, person_id: int | None = None,
             unit_id: int | None = None) -> str:
        from coordinator import db
        from coordinator.services import accounts

        username = username or f"{role}-user"
        with app.app_context():
            session = db.session()
            accounts.create_user(session, username, role, PASSWORD, at=START, person_id=person_id,
                                 unit_id=unit_id)
            unit_of_work.commit(session)
        return username

    return make


@pytest.fixture
def api_as(client, make_user):
    """An Api signed in with a fresh account of `role` (token from the login endpoint)."""

    def signed_in(role: str, unit_id: int | None = None) -> Api:
        username = make_user(role, f"{role}-{os.urandom(3).hex()}", unit_id=unit_id)
        response = client.post("/api/v1/auth/login",
                               json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.get_json()
        return Api(client, response.get_json()["token"])

    return signed_in


@pytest.fixture
def admin(api_as) -> Api:
    return api_as("admin")


@pytest.fixture
def commander(api_as) -> Api:
    return api_as("commander")


@pytest.fixture
def anonymous(client) -> Api:
    return Api(client)


def person_body(**overrides) -> dict:
    body = {"name": "张伟", "phone": "13800000001", "unit": "城关镇农业农村办",
            "kind": "cadre", "skills": ["水利工程巡查员"], "home_lat": 28.1, "home_lon": 119.9}
    body.update(overrides)
    return body


def post_body(**overrides) -> dict:
    body = {"name": "石门水库", "kind": "reservoir", "lat": 28.123, "lon": 119.95,
            "radius_m": 150, "village": "石门村", "risk": 2}
    body.update(overrides)
    return body


def event_body(**overrides) -> dict:
    body = {"name": "2026年7月强降雨防御", "kind": "rainstorm", "level": 3,
            "starts_at": "2026-07-21T08:00:00+08:00"}
    body.update(overrides)
    return body
