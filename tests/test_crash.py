"""kill -9 of the server in the middle of a burst of check-ins, five times: once it is back,
every check-in that was answered 2xx is stored, the database and the audit chain are sound, and
sending everything again creates nothing twice."""

from __future__ import annotations

import sqlite3
import threading
import time

from cluster_support import ServerProcess, server_env
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from storm_support import StormResult, build_phones, storm

from coordinator import db
from coordinator.models import CheckIn

PHONES = 150
PER_PHONE = 20  # 3,000 check-ins in the burst
KILLS = 5


def kill_while_answering(server: ServerProcess, result, stop: threading.Event) -> list[int]:
    """Kill the server each time another sixth of the burst has been answered, then start it
    again on the same port; the phones' queues retry meanwhile."""
    answered_at_kill = []
    step = PHONES * PER_PHONE // (KILLS + 1)
    while len(answered_at_kill) < KILLS and not stop.is_set():
        if sum(result.statuses.values()) >= step * (len(answered_at_kill) + 1):
            server.kill()
            answered_at_kill.append(sum(result.statuses.values()))
            server.start()
        time.sleep(0.01)
    return answered_at_kill


def test_killing_the_server_during_a_burst_loses_no_answered_check_in(
        app, admin, commander, database_url, runner):
    phones = build_phones(app, admin, commander, PHONES)
    server = ServerProcess(server_env(database_url)).start()
    stop = threading.Event()
    kills: list[int] = []
    try:
        result = StormResult()
        killer = threading.Thread(target=lambda: kills.extend(
            kill_while_answering(server, result, stop)))
        killer.start()
        try:
            _, queues = storm(server.url, phones, PER_PHONE, copies=1, drop_share=0.0,
                              result=result)
        finally:
            stop.set()
            killer.join()
        assert len(kills) == KILLS, kills
        answered = {client_id: answers[0].body["id"] for client_id, answers
                    in result.answers.items()
                    if answers and answers[0].status in (200, 201)}
        sent = [body["client_id"] for queue in queues for body in queue]
        assert set(answered) == set(sent)

        with app.app_context():
            stored = dict(db.session().execute(select(CheckIn.client_id, CheckIn.id)).all())
        assert {c: stored.get(c) for c in answered} == answered  # every 2xx is there

        again, _ = storm(server.url, phones, PER_PHONE, copies=1, drop_share=0.0,
                         queues=queues)
        assert dict(again.statuses) == {200: len(sent)}  # replays, nothing new
    finally:
        server.stop()

    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(CheckIn)) == len(sent)
    verified = runner.invoke(args=["verify-audit"])
    assert verified.exit_code == 0, verified.output
    if database_url.startswith("sqlite"):
        with sqlite3.connect(make_url(database_url).database) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
