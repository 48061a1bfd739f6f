"""Relocation on PostgreSQL: reports of one town sent at once each reach the map with figures
that count every report before them — none counted without another in flight."""

from __future__ import annotations

import threading

from conftest import Api
from live_server import serve
from live_support import MapClient
from postgres_support import pg_app, postgres_app, postgres_url, signed_in  # noqa: F401
from relocation_support import build_relocation, report

PHONES = 4
EACH = 5


def test_reports_of_one_town_at_once_are_each_counted_after_the_one_before(pg_app):  # noqa: F811
    admin, commander = signed_in(pg_app, "admin"), signed_in(pg_app, "commander")
    r = build_relocation(pg_app.test_client(), admin, commander, per_village=10)
    town_a = sorted(h["id"] for h in r.households.values() if "/太湖源镇/" in h["unit_path"])
    assert len(town_a) == PHONES * EACH
    failures: list[BaseException] = []
    statuses: list[int] = []
    start = threading.Barrier(PHONES)

    def phone(household_ids):
        def run():
            api = Api(pg_app.test_client(), commander.token)
            try:
                start.wait(timeout=30)
                for household_id in household_ids:
                    statuses.append(report(api, r.event_id, household_id)[0].status_code)
            except BaseException as error:  # noqa: BLE001 - reported below
                failures.append(error)
        return threading.Thread(target=run)

    with serve(pg_app) as url:
        watcher = MapClient(url, commander.token).connect()
        try:
            assert watcher.subscribe(r.event_id)["ok"] is True
            threads = [phone(town_a[i::PHONES]) for i in range(PHONES)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert not failures, failures
            assert statuses == [201] * (PHONES * EACH)
            messages = [watcher.next() for _ in range(PHONES * EACH)]
        finally:
            watcher.sio.disconnect()
    assert [name for name, _ in messages] == ["relocation_status"] * (PHONES * EACH)
    ordered = [body for _, body in sorted(messages, key=lambda m: m[1]["seq"])]
    assert [body["town"]["moved"] for body in ordered] == list(range(1, PHONES * EACH + 1))
