"""Migrations: an empty database reaches the newest revision, and the models match the migrations."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from conftest import TEST_SECRET
from databases import fresh_database
from sqlalchemy import inspect, text

from coordinator import create_app, migrate
from coordinator.models import Base


@pytest.fixture
def fresh_engine(database_url, tmp_path):
    """The engine of an app on a new, empty database of the test database's kind."""
    with fresh_database(database_url, tmp_path) as url:
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": TEST_SECRET})
        engine = app.extensions["db"]["engine"]
        yield engine
        engine.dispose()


def head_revision(engine) -> str:
    return ScriptDirectory.from_config(migrate.alembic_config(engine)).get_current_head()


def test_an_empty_database_migrates_to_head_with_every_table(fresh_engine):
    assert migrate.current_revision(fresh_engine) is None

    migrate.upgrade(fresh_engine)

    assert migrate.current_revision(fresh_engine) == head_revision(fresh_engine)
    tables = set(inspect(fresh_engine).get_table_names())
    assert tables == set(Base.metadata.tables) | {"alembic_version"}


def test_the_models_match_the_migrations(fresh_engine):
    migrate.upgrade(fresh_engine)

    with fresh_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)

    assert differences == [], "the models differ from the migrations; write a migration (db-revision)"


def test_upgrading_again_is_harmless_and_downgrade_undoes_everything(fresh_engine):
    migrate.upgrade(fresh_engine)
    migrate.upgrade(fresh_engine)
    assert migrate.current_revision(fresh_engine) == head_revision(fresh_engine)

    with fresh_engine.begin() as connection:
        config = migrate.alembic_config(fresh_engine)
        config.attributes["connection"] = connection
        command.downgrade(config, "base")

    assert set(inspect(fresh_engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(fresh_engine)
    assert migrate.current_revision(fresh_engine) == head_revision(fresh_engine)


def test_every_revision_applies_one_by_one(fresh_engine):
    script = ScriptDirectory.from_config(migrate.alembic_config(fresh_engine))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]

    for revision in revisions:
        migrate.upgrade(fresh_engine, revision)
        assert migrate.current_revision(fresh_engine) == revision


def test_an_older_database_keeps_its_rows(fresh_engine):
    migrate.upgrade(fresh_engine, "0001")
    with fresh_engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO people (name, phone, unit, kind, skills, active, created_at, updated_at) "
            "VALUES ('张伟', '13800000001', '城关镇', 'cadre', '[]', :yes, :at, :at)"),
            {"yes": True, "at": "2026-07-21 00:00:00+00:00"})

    migrate.upgrade(fresh_engine)

    with fresh_engine.connect() as connection:
        rows = connection.execute(text("SELECT name, phone FROM people")).all()
    assert [tuple(row) for row in rows] == [("张伟", "13800000001")]
