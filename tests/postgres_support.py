"""A fresh, migrated PostgreSQL database for tests whose point is PostgreSQL's concurrency.

They run in both CI passes: against the server of COORDINATOR_DATABASE_URL when that is
PostgreSQL, else against COORDINATOR_TEST_POSTGRES_URL (default: this machine's server)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from conftest import PASSWORD, START, TEST_SECRET, Api, skip_or_fail
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from coordinator import create_app, db, migrate, unit_of_work

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def server_url() -> str:
    configured = os.environ.get("COORDINATOR_DATABASE_URL", "")
    if configured.startswith("postgresql"):
        return configured
    return os.environ.get("COORDINATOR_TEST_POSTGRES_URL", DEFAULT_SERVER)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    url = make_url(server_url())
    name = f"coordinator_pg_{uuid.uuid4().hex[:12]}"
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        server.dispose()
        skip_or_fail(f"PostgreSQL at {url.render_as_string()} does not answer: {error}")
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def postgres_app(url: str, clock, **config):
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": TEST_SECRET,
                      "CLOCK": clock, "SOCKETIO_ASYNC_MODE": "threading", **config})
    return app


@pytest.fixture
def pg_app(postgres_url, clock):
    app = postgres_app(postgres_url, clock)
    migrate.upgrade(app.extensions["db"]["engine"])
    yield app
    app.extensions["db"]["engine"].dispose()


def signed_in(app, role: str, username: str | None = None) -> Api:
    """An Api on `app` with a new account of `role`, signed in by the login endpoint."""
    from coordinator.services import accounts

    username = username or f"{role}-{uuid.uuid4().hex[:6]}"
    with app.app_context():
        session = db.session()
        accounts.create_user(session, username, role, PASSWORD, at=START)
        unit_of_work.commit(session)
    client = app.test_client()
    response = client.post("/api/v1/auth/login", json={"username": username,
                                                        "password": PASSWORD})
    assert response.status_code == 200, response.get_json()
    return Api(client, response.get_json()["token"])
