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
def fresh_app(database_url, tmp_path):
    """An app on a new, empty database of the test database's kind."""
    with fresh_database(database_url, tmp_path) as url:
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": TEST_SECRET,
                          "SOCKETIO_ASYNC_MODE": "threading"})
        yield app
        app.extensions["db"]["engine"].dispose()


@pytest.fixture
def fresh_engine(fresh_app):
    return fresh_app.extensions["db"]["engine"]


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


def test_a_database_with_check_ins_gets_the_duty_state_they_fold_to(fresh_app, fresh_engine):
    """Revision 0007 builds each assignment's stored duty state from the fixes already there:
    the map of a response running during the upgrade shows the same people on duty after it."""
    from datetime import UTC, datetime, timedelta

    from coordinator import db, unit_of_work
    from coordinator.services import audit, checkins, duty_state, events, people, posts

    migrate.upgrade(fresh_engine)
    at = datetime(2026, 7, 21, 0, 0, tzinfo=UTC)
    actor = audit.Actor("admin", "admin")
    with fresh_app.app_context():
        session = db.session(writing=True)
        post = posts.create_post(session, actor, at, {
            "name": "石门水库", "kind": "reservoir", "lat": 28.123, "lon": 119.95, "radius_m": 100,
            "village": "石门村", "risk": 2})
        event = events.create_event(session, actor, at, {
            "name": "强降雨", "kind": "rainstorm", "level": 3, "starts_at": at})
        session.flush()
        shift = events.create_shift(session, actor, at, event, {
            "post_id": post.id, "starts_at": at, "ends_at": at + timedelta(hours=12),
            "required": 2, "skills": []})
        staff = []
        for n in range(3):
            person = people.create_person(session, actor, at, {
                "name": f"人员{n}", "phone": f"1380000000{n}", "unit": "城关镇", "kind": "cadre",
                "skills": []})
            session.flush()
            staff.append((person, events.create_assignment(session, actor, at, shift.id,
                                                           person.id)))
        session.flush()
        # 0: on duty; 1: checked in, then twice far away; 2: never came.
        for person, assignment, metres_east, minutes in [
                (staff[0][0], staff[0][1], 0.0, 1), (staff[1][0], staff[1][1], 0.0, 2),
                (staff[1][0], staff[1][1], 0.05, 20), (staff[1][0], staff[1][1], 0.05, 30)]:
            checkins.record_checkin(session, person, {
                "client_id": f"00000000-0000-4000-8000-{minutes:012d}", "kind": "presence",
                "lat": 28.123, "lon": 119.95 + metres_east, "accuracy_m": 8.0,
                "taken_at": at + timedelta(minutes=minutes), "assignment_id": assignment.id},
                received_at=at + timedelta(minutes=minutes), rules=checkins.FenceRules())
        unit_of_work.commit(session)
        before = duty_state.load(session, [a.id for _p, a in staff])

    command.downgrade(migrate.alembic_config(fresh_engine), "0006")
    assert "duty_states" not in inspect(fresh_engine).get_table_names()
    migrate.upgrade(fresh_engine)

    with fresh_app.app_context():
        session = db.session()
        after = duty_state.load(session, [a.id for _p, a in staff])
        assert after == before
        assert [after[a.id].on_duty for _p, a in staff] == [True, False, False]
        assert duty_state.differences(session, [a.id for _p, a in staff]) == []


def test_a_town_database_from_before_the_command_chain_keeps_working(fresh_app, fresh_engine):
    """Revisions 0006 and 0008 bring a one-town database forward: every row stays, people, posts
    and events keep no unit, the audit chain still verifies, and its accounts still see and do
    everything, now beside a county drawn afterwards."""
    from datetime import UTC, datetime

    from conftest import PASSWORD, Api, event_body, person_body, post_body

    from coordinator import db, unit_of_work
    from coordinator.services import accounts, audit

    migrate.upgrade(fresh_engine)
    at = datetime(2026, 7, 21, 0, 0, tzinfo=UTC)
    with fresh_app.app_context():
        session = db.session(writing=True)
        accounts.create_user(session, "town-admin", "admin", PASSWORD, at=at)
        unit_of_work.commit(session)
    client = fresh_app.test_client()
    admin = Api(client, client.post("/api/v1/auth/login", json={
        "username": "town-admin", "password": PASSWORD}).get_json()["token"])
    person = admin.post("/api/v1/people", json=person_body()).get_json()
    post = admin.post("/api/v1/posts", json=post_body()).get_json()
    event = admin.post("/api/v1/events", json=event_body()).get_json()
    entries = admin.get("/api/v1/audit").get_json()["total"]

    command.downgrade(migrate.alembic_config(fresh_engine), "0005")
    assert "units" not in inspect(fresh_engine).get_table_names()
    migrate.upgrade(fresh_engine)

    assert admin.get(f"/api/v1/people/{person['id']}").get_json()["unit_id"] is None
    assert admin.get(f"/api/v1/posts/{post['id']}").get_json()["name"] == post["name"]
    assert admin.get(f"/api/v1/events/{event['id']}").get_json()["unit_id"] is None
    assert admin.get("/api/v1/audit").get_json()["total"] == entries
    assert admin.get("/api/v1/audit/verify").get_json()["ok"] is True
    county = admin.post("/api/v1/units", json={"name": "临安区", "kind": "county"}).get_json()
    moved = admin.patch(f"/api/v1/people/{person['id']}", json={"unit_id": county["id"]})
    assert moved.get_json()["unit_id"] == county["id"]
    with fresh_app.app_context():
        assert audit.verify_chain(db.session()).ok
