"""Overload is answered 503 with Retry-After in the error shape, never 500, and changes nothing:
a phone's queue then sends the check-in again."""

from __future__ import annotations

from field_support import make_duty
from postgres_support import postgres_app, postgres_url, signed_in  # noqa: F401
from sqlalchemy import func, select

from coordinator import db, migrate
from coordinator.models import CheckIn


def test_no_free_database_connection_is_503_with_retry_after_and_nothing_stored(
        postgres_url, clock):  # noqa: F811
    app = postgres_app(postgres_url, clock, DB_POOL_SIZE=2, DB_POOL_TIMEOUT_SECONDS=0.2)
    engine = app.extensions["db"]["engine"]
    migrate.upgrade(engine)
    client = app.test_client()
    duty = make_duty(client, signed_in(app, "admin"), signed_in(app, "commander"))

    held = [engine.connect() for _ in range(2)]  # every pooled connection in use elsewhere
    try:
        answer = duty.checkin()
    finally:
        for connection in held:
            connection.close()

    assert answer.status_code == 503
    assert answer.headers["Retry-After"].isdigit()
    assert answer.get_json()["error"]["code"] == "unavailable"
    assert duty.checkin().status_code == 201  # once a connection is free again
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(CheckIn)) == 1
    engine.dispose()
