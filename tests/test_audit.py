"""The audit log: an entry for every change, in the same transaction, and a chain that shows tampering."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from conftest import PASSWORD, Api, event_body, person_body, post_body
from sqlalchemy import delete, select, text, update

from coordinator.models import AuditEntry
from coordinator.services.audit import entry_hash

ENTRIES = AuditEntry.__table__
CONTENT = ("at", "actor", "role", "action", "entity_type", "entity_id", "before", "after",
           "prev_hash", "hash")


def sign_in(client, make_user, role: str, username: str) -> Api:
    make_user(role, username)
    response = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    return Api(client, response.get_json()["token"])


@pytest.fixture
def chief(client, make_user) -> Api:
    return sign_in(client, make_user, "admin", "chief-admin")


@pytest.fixture
def engine(app):
    return app.extensions["db"]["engine"]


def entries_about(api: Api, entity_type: str, entity_id) -> list[dict]:
    response = api.get(f"/api/v1/audit?entity_type={entity_type}&entity_id={entity_id}")
    assert response.status_code == 200
    return list(reversed(response.get_json()["items"]))  # oldest first


def audit_total(api: Api) -> int:
    return api.get("/api/v1/audit").get_json()["total"]


def newest(api: Api) -> dict:
    return api.get("/api/v1/audit?limit=1").get_json()["items"][0]


def verify(api: Api) -> dict:
    response = api.get("/api/v1/audit/verify")
    assert response.status_code == 200
    return response.get_json()


# --- every change is written -----------------------------------------------------------------------


def test_creating_a_person_writes_who_did_what_to_which_record(chief):
    person = chief.post("/api/v1/people", json=person_body()).get_json()

    [entry] = entries_about(chief, "people", person["id"])

    assert entry["actor"] == "chief-admin"
    assert entry["role"] == "admin"
    assert entry["action"] == "create"
    assert entry["entity_id"] == str(person["id"])
    assert entry["before"] is None
    assert entry["after"]["name"] == person_body()["name"]
    assert entry["after"]["phone"] == person_body()["phone"]
    assert entry["at"].endswith("+08:00")


def test_an_edit_records_before_and_after_and_a_no_op_records_nothing(chief):
    person = chief.post("/api/v1/people", json=person_body()).get_json()

    chief.patch(f"/api/v1/people/{person['id']}", json={"unit": "应急管理局"})
    chief.patch(f"/api/v1/people/{person['id']}", json={"unit": "应急管理局"})  # nothing changes

    entries = entries_about(chief, "people", person["id"])
    assert [e["action"] for e in entries] == ["create", "update"]
    assert entries[1]["before"]["unit"] == person_body()["unit"]
    assert entries[1]["after"]["unit"] == "应急管理局"
    assert entries[1]["before"]["name"] == entries[1]["after"]["name"]


def test_every_state_change_adds_exactly_one_entry(app, client, make_user, chief):
    commander = sign_in(client, make_user, "commander", "flood-commander")
    count = audit_total(chief)
    ids: dict[str, int] = {}

    def changes(response, status, action, entity_type, actor="flood-commander", key=None):
        nonlocal count
        assert response.status_code == status, response.get_json()
        count += 1
        assert audit_total(chief) == count
        entry = newest(chief)
        assert (entry["action"], entry["entity_type"]) == (action, entity_type)
        assert entry["actor"] == actor
        if key:
            ids[key] = response.get_json()["id"]

    changes(chief.post("/api/v1/people", json=person_body()), 201, "create", "people",
            "chief-admin", "person")
    changes(chief.patch(f"/api/v1/people/{ids['person']}", json={"skills": ["抢险救援"]}), 200,
            "update", "people", "chief-admin")
    changes(commander.post("/api/v1/posts", json=post_body()), 201, "create", "posts", key="post")
    changes(commander.patch(f"/api/v1/posts/{ids['post']}", json={"risk": 1}), 200, "update", "posts")
    changes(commander.post("/api/v1/events", json=event_body()), 201, "create", "events", key="event")
    changes(commander.post(f"/api/v1/events/{ids['event']}/shifts", json={
        "post_id": ids["post"], "starts_at": "2026-07-21T08:00:00+08:00",
        "ends_at": "2026-07-21T20:00:00+08:00", "required": 1}), 201, "create", "shifts", key="shift")
    changes(commander.post("/api/v1/assignments", json={
        "shift_id": ids["shift"], "person_id": ids["person"]}), 201, "create", "assignments",
        key="assignment")
    changes(commander.delete(f"/api/v1/assignments/{ids['assignment']}"), 200, "remove", "assignments")
    link = commander.post("/api/v1/auth/staff-link", json={"person_id": ids["person"]})
    changes(link, 201, "create", "staff_links")
    assert app.test_client().get(link.get_json()["url"]).status_code == 302
    count += 1  # opening the link on a phone is a change too, made by the person
    assert audit_total(chief) == count
    assert newest(chief)["role"] == "staff"
    changes(commander.post(f"/api/v1/events/{ids['event']}/close"), 200, "close", "events")
    changes(commander.post(f"/api/v1/posts/{ids['post']}/deactivate"), 200, "deactivate", "posts")
    changes(chief.post(f"/api/v1/people/{ids['person']}/deactivate"), 200, "deactivate", "people",
            "chief-admin")
    assert verify(chief) == {"ok": True, "entries": count}


def test_refused_changes_write_no_entry(chief, commander):
    chief.post("/api/v1/people", json=person_body())
    count = audit_total(chief)

    assert chief.post("/api/v1/people", json=person_body()).status_code == 409  # same phone
    assert chief.post("/api/v1/people", json=person_body(kind="boss")).status_code == 422
    assert commander.post("/api/v1/people", json=person_body(phone="13800000002")).status_code == 403
    assert chief.post("/api/v1/events/99/close").status_code == 404

    assert audit_total(chief) == count


# --- the same transaction ------------------------------------------------------------------------


@contextmanager
def audit_log_refusing_writes(engine):
    """The database refuses new audit entries for a moment, as a failing disk or a bug would."""
    postgresql = engine.dialect.name == "postgresql"
    with engine.begin() as connection:
        if postgresql:
            connection.execute(text(
                "CREATE FUNCTION refuse_audit_entry() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'audit log unavailable'; END $$"))
            connection.execute(text(
                "CREATE TRIGGER refuse_audit_entry BEFORE INSERT ON audit_entries "
                "FOR EACH ROW EXECUTE FUNCTION refuse_audit_entry()"))
        else:
            connection.execute(text(
                "CREATE TRIGGER refuse_audit_entry BEFORE INSERT ON audit_entries "
                "BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END"))
    try:
        yield
    finally:
        with engine.begin() as connection:
            if postgresql:
                connection.execute(text("DROP TRIGGER IF EXISTS refuse_audit_entry ON audit_entries"))
                connection.execute(text("DROP FUNCTION IF EXISTS refuse_audit_entry()"))
            else:
                connection.execute(text("DROP TRIGGER IF EXISTS refuse_audit_entry"))


def test_a_change_whose_audit_entry_cannot_be_written_is_not_kept(chief, engine):
    person = chief.post("/api/v1/people", json=person_body()).get_json()
    count = audit_total(chief)

    with audit_log_refusing_writes(engine):
        created = chief.post("/api/v1/people", json=person_body(phone="13800000002"))
        edited = chief.patch(f"/api/v1/people/{person['id']}", json={"unit": "应急管理局"})

    assert created.status_code == 500 and edited.status_code == 500
    assert chief.get("/api/v1/people").get_json()["total"] == 1
    assert chief.get(f"/api/v1/people/{person['id']}").get_json()["unit"] == person_body()["unit"]
    assert audit_total(chief) == count
    assert verify(chief)["ok"] is True


# --- the hash chain --------------------------------------------------------------------------------


@pytest.fixture
def history(chief, commander) -> list[int]:
    """A few changes; the ids of all audit entries, oldest first."""
    chief.post("/api/v1/people", json=person_body())
    chief.post("/api/v1/people", json=person_body(name="李娜", phone="13800000002"))
    commander.post("/api/v1/posts", json=post_body())
    commander.post("/api/v1/events", json=event_body())
    ids = [item["id"] for item in chief.get("/api/v1/audit?limit=500").get_json()["items"]]
    assert len(ids) >= 6
    return sorted(ids)


def test_verify_reports_a_good_chain(chief, history):
    assert verify(chief) == {"ok": True, "entries": len(history)}


def test_a_modified_entry_is_named(chief, engine, history):
    target = history[3]
    with engine.begin() as connection:
        connection.execute(update(ENTRIES).where(ENTRIES.c.id == target)
                           .values(after={"name": "someone else", "phone": "13999999999"}))

    report = verify(chief)

    assert report["ok"] is False
    assert report["first_bad"] == target
    assert report["entries"] == len(history)


@pytest.mark.parametrize("column, value", [
    ("actor", "someone-else"), ("role", "system"), ("action", "delete"), ("entity_id", "999"),
])
def test_any_changed_column_breaks_the_chain(chief, engine, history, column, value):
    target = history[2]
    with engine.begin() as connection:
        connection.execute(update(ENTRIES).where(ENTRIES.c.id == target).values({column: value}))

    assert verify(chief)["first_bad"] == target


def test_a_modified_entry_with_a_recomputed_hash_is_caught_at_the_next(chief, engine, history):
    target = history[2]
    with engine.begin() as connection:
        row = connection.execute(select(ENTRIES).where(ENTRIES.c.id == target)).mappings().one()
        forged = AuditEntry(**{key: row[key] for key in CONTENT})
        forged.after = {"name": "someone else"}
        connection.execute(update(ENTRIES).where(ENTRIES.c.id == target)
                           .values(after=forged.after, hash=entry_hash(forged)))

    assert verify(chief)["first_bad"] == history[3]


def test_a_deleted_middle_entry_names_the_entry_after_the_gap(chief, engine, history):
    with engine.begin() as connection:
        connection.execute(delete(ENTRIES).where(ENTRIES.c.id == history[3]))

    report = verify(chief)

    assert report["ok"] is False
    assert report["first_bad"] == history[4]
    assert report["entries"] == len(history) - 1


def test_two_swapped_entries_are_detected(chief, engine, history):
    first, second = history[2], history[4]
    with engine.begin() as connection:
        rows = {row["id"]: dict(row) for row in connection.execute(
            select(ENTRIES).where(ENTRIES.c.id.in_([first, second]))).mappings()}
        connection.execute(update(ENTRIES).where(ENTRIES.c.id == second).values(hash="moving"))
        for target, source in ((first, second), (second, first)):
            connection.execute(update(ENTRIES).where(ENTRIES.c.id == target)
                               .values({key: rows[source][key] for key in CONTENT}))

    report = verify(chief)

    assert report["ok"] is False
    assert report["first_bad"] == first


# --- flask verify-audit ----------------------------------------------------------------------------


def test_verify_audit_command_exits_0_on_a_good_chain(runner, history):
    result = runner.invoke(args=["verify-audit"])

    assert result.exit_code == 0, result.output
    assert "ok" in result.output
    assert str(len(history)) in result.output


def test_verify_audit_command_exits_1_naming_the_bad_entry(runner, engine, history):
    target = history[3]
    with engine.begin() as connection:
        connection.execute(update(ENTRIES).where(ENTRIES.c.id == target).values(actor="intruder"))

    result = runner.invoke(args=["verify-audit"])

    assert result.exit_code == 1
    assert f"entry {target}" in result.output
