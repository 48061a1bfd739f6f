"""The operator's commands: create-user and init-db."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from conftest import TEST_SECRET
from databases import fresh_database

from coordinator import create_app, migrate


def login(client, username: str, password: str):
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


@pytest.mark.parametrize("role", ["admin", "commander", "inspector", "staff"])
def test_create_user_makes_an_account_that_can_sign_in(runner, client, role):
    result = runner.invoke(args=["create-user", "zhang.wei", "--role", role,
                                 "--password", "Flood-duty-2026"])

    assert result.exit_code == 0, result.output
    assert "zhang.wei" in result.output
    response = login(client, "zhang.wei", "Flood-duty-2026")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["role"] == role


def test_create_user_refuses_an_existing_name(runner, client):
    first = runner.invoke(args=["create-user", "li.na", "--role", "admin", "--password", "First-pass-1"])
    assert first.exit_code == 0, first.output

    again = runner.invoke(args=["create-user", "li.na", "--role", "inspector",
                                "--password", "Second-pass-2"])

    assert again.exit_code != 0
    assert "already exists" in again.output
    # The first account is untouched: same role, same password.
    assert login(client, "li.na", "Second-pass-2").status_code == 401
    assert login(client, "li.na", "First-pass-1").get_json()["role"] == "admin"


@pytest.mark.parametrize("role", ["boss", "Admin", ""])
def test_create_user_refuses_an_unknown_role(runner, client, role):
    result = runner.invoke(args=["create-user", "wang.fang", "--role", role,
                                 "--password", "Flood-duty-2026"])

    assert result.exit_code != 0
    assert "role" in result.output
    assert "admin, commander, inspector" in result.output  # says what would be accepted
    assert login(client, "wang.fang", "Flood-duty-2026").status_code == 401


def test_create_user_refuses_a_short_password(runner, client):
    result = runner.invoke(args=["create-user", "zhao.min", "--role", "admin", "--password", "short"])

    assert result.exit_code != 0
    assert "password" in result.output
    assert login(client, "zhao.min", "short").status_code == 401


def test_create_user_never_asks_anything(runner):
    result = runner.invoke(args=["create-user", "chen.gang", "--role", "admin"], input="")

    assert result.exit_code != 0
    assert "--password" in result.output


# --- init-db -----------------------------------------------------------------------------------------


@pytest.fixture
def fresh_app(database_url, tmp_path):
    """An app on a new, empty database of the test database's kind."""
    with fresh_database(database_url, tmp_path) as url:
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": TEST_SECRET})
        yield app
        app.extensions["db"]["engine"].dispose()


def test_init_db_brings_an_empty_database_to_head(fresh_app):
    engine = fresh_app.extensions["db"]["engine"]
    head = ScriptDirectory.from_config(migrate.alembic_config(engine)).get_current_head()

    result = fresh_app.test_cli_runner().invoke(args=["init-db"])

    assert result.exit_code == 0, result.output
    assert head in result.output
    assert migrate.current_revision(engine) == head


def test_init_db_twice_is_harmless(fresh_app):
    runner = fresh_app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    created = runner.invoke(args=["create-user", "duty-admin", "--role", "admin",
                                  "--password", "Flood-duty-2026"])
    assert created.exit_code == 0, created.output

    again = runner.invoke(args=["init-db"])

    assert again.exit_code == 0, again.output
    response = login(fresh_app.test_client(), "duty-admin", "Flood-duty-2026")
    assert response.status_code == 200, response.get_json()
    verified = fresh_app.test_cli_runner().invoke(args=["verify-audit"])
    assert verified.exit_code == 0, verified.output
