"""Live updates in batches (issue 16): a map that subscribes with `"batch": true` gets the same
messages, in `seq` order, a few `batch` messages at a time; other maps get one per change."""

from __future__ import annotations

import queue
import uuid

import pytest
from conftest import TEST_SECRET
from field_support import make_duty
from live_server import browser, browser_page, live_server, serve  # noqa: F401
from live_support import MapClient, run_live_feed
from test_message_queue import process, redis_url  # noqa: F401

from coordinator import create_app
from coordinator.api.schemas.live_events import LiveBatch


@pytest.fixture
def duty(client, admin, commander):
    return make_duty(client, admin, commander)


def check_in(app_client, duty, kind: str = "presence") -> int:
    answer = app_client.post(
        "/api/v1/checkins", headers={"Authorization": f"Bearer {duty.staff.token}"},
        json={"client_id": str(uuid.uuid4()), "kind": kind, "lat": duty.post["lat"],
              "lon": duty.post["lon"], "accuracy_m": 5, "taken_at": "2026-07-21T08:00:00+08:00"})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["id"]


def latest_seq(commander, event_id: int) -> int:
    return commander.get(f"/api/v1/events/{event_id}/snapshot").get_json()["seq"]


def batches_until(watcher: MapClient, last_seq: int, timeout: float = 10) -> list[dict]:
    """The batches a client receives until one ends at `last_seq` (waiting for each to arrive)."""
    batches = []
    while not batches or batches[-1]["seq_to"] < last_seq:
        name, batch = watcher.next(timeout)
        assert name == "batch", f"a batch client got a per-change {name!r}"
        batches.append(batch)
    return batches


def assert_well_formed(batches: list[dict], event_id: int, first_seq: int, last_seq: int) -> None:
    """Every batch names its first and last seq; together they hold every seq once, in order."""
    seqs = []
    for batch in batches:
        assert batch["event_id"] == event_id
        numbers = [item["data"]["seq"] for item in batch["messages"]]
        assert (batch["seq_from"], batch["seq_to"]) == (numbers[0], numbers[-1])
        seqs += numbers
    assert seqs == list(range(first_seq, last_seq + 1))


def flatten(batches: list[dict]) -> list[tuple[str, dict]]:
    return [(item["event"], item["data"]) for batch in batches for item in batch["messages"]]


def assert_nothing_more(watcher: MapClient) -> None:
    with pytest.raises(queue.Empty):
        watcher.next(timeout=0.3)


def test_batches_carry_the_same_messages_in_seq_order_and_others_still_get_one_per_change(
        app, client, commander, duty):
    with serve(app) as url:
        single, batched = (MapClient(url, commander.token).connect() for _ in range(2))
        try:
            ack = single.subscribe(duty.event_id)
            batch_ack = batched.subscribe(duty.event_id, batch=True)
            assert batch_ack["ok"] and batch_ack["batch"] is True and "batch" not in ack
            first = check_in(client, duty, "check_in")
            later = [check_in(client, duty) for _ in range(3)]
            last_seq = latest_seq(commander, duty.event_id)

            per_change = single.take(last_seq - ack["seq"])
            assert [m["seq"] for _, m in per_change] == list(range(ack["seq"] + 1, last_seq + 1))
            assert "batch" not in [name for name, _ in per_change]
            assert [m["checkin"]["id"] for name, m in per_change if name == "checkin"] \
                == [first, *later]

            batches = batches_until(batched, last_seq)
            assert_well_formed(batches, duty.event_id, ack["seq"] + 1, last_seq)
            assert flatten(batches) == per_change  # each message exactly as it came alone
            described = client.get("/api/v1/openapi.json").get_json()["x-socketio"]
            assert described["server_events"]["batch"]["payload"]["$ref"].endswith("/LiveBatch")
            for batch in batches:
                LiveBatch.model_validate(batch)  # the shape the API document gives
            assert_nothing_more(single)
            assert_nothing_more(batched)
        finally:
            single.close()
            batched.close()


@pytest.fixture
def hand_flushed(database_url, clock):
    """The app whose batches go only when the test flushes them (no timer)."""
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET, "CLOCK": clock,
                      "SOCKETIO_ASYNC_MODE": "threading", "LIVE_BATCH_MS": None})
    yield app
    app.extensions["db"]["engine"].dispose()


def test_a_burst_is_coalesced_into_fewer_batches_than_messages(hand_flushed, commander, duty):
    with serve(hand_flushed) as url:
        watcher = MapClient(url, commander.token).connect()
        try:
            ack = watcher.subscribe(duty.event_id, batch=True)
            http = hand_flushed.test_client()
            for kind in ("check_in", *["presence"] * 9):
                check_in(http, duty, kind)
            last_seq = latest_seq(commander, duty.event_id)
            assert last_seq - ack["seq"] >= 11  # ten check-ins and the post now full
            assert_nothing_more(watcher)  # held until the flush

            assert hand_flushed.extensions["live_batches"].flush() == 1
            (name, batch), = watcher.take(1)
            assert name == "batch"
            assert_well_formed([batch], duty.event_id, ack["seq"] + 1, last_seq)
            assert [item["event"] for item in batch["messages"]].count("checkin") == 10
            assert hand_flushed.extensions["live_batches"].flush() == 0  # nothing waits
            assert_nothing_more(watcher)
        finally:
            watcher.close()


def test_batch_must_be_true_or_false(app, commander, duty):
    with serve(app) as url:
        watcher = MapClient(url, commander.token).connect()
        try:
            answer = watcher.subscribe(duty.event_id, batch="yes")
            assert answer["ok"] is False and answer["error"]["code"] == "validation_error"
            assert "batch" in answer["error"]["fields"]
        finally:
            watcher.close()


def test_asking_again_without_batches_goes_back_to_one_message_per_change(
        app, client, commander, duty):
    with serve(app) as url:
        watcher = MapClient(url, commander.token).connect()
        try:
            watcher.subscribe(duty.event_id, batch=True)
            ack = watcher.subscribe(duty.event_id, batch=False)
            check_in(client, duty, "check_in")
            last_seq = latest_seq(commander, duty.event_id)
            names = [name for name, _ in watcher.take(last_seq - ack["seq"])]
            assert "batch" not in names and names[0] == "checkin"
            assert_nothing_more(watcher)
        finally:
            watcher.close()


def test_across_two_processes_every_map_gets_every_change_in_seq_order(
        database_url, clock, redis_url, client, commander, duty):  # noqa: F811
    """Check-ins posted to one process and then the other reach per-change and batch clients on
    both processes, each in seq order, the batches never overlapping."""
    channel = f"coordinator-test-{uuid.uuid4().hex}"
    apps = [process(database_url, clock, redis_url, channel) for _ in range(2)]
    watchers = []
    try:
        with serve(apps[0]) as first_url, serve(apps[1]) as second_url:
            for url in (first_url, second_url):
                watchers += [MapClient(url, commander.token).connect() for _ in range(2)]
            acks = [watcher.subscribe(duty.event_id, batch=index % 2 == 1)
                    for index, watcher in enumerate(watchers)]
            assert len({ack["seq"] for ack in acks}) == 1
            start = acks[0]["seq"]
            http = [app.test_client() for app in apps]
            for number in range(8):
                check_in(http[number % 2], duty, "check_in" if number == 0 else "presence")
            last_seq = latest_seq(commander, duty.event_id)

            expected = None
            for index, watcher in enumerate(watchers):
                if index % 2 == 0:
                    received = watcher.take(last_seq - start, timeout=10)
                    assert [m["seq"] for _, m in received] == list(range(start + 1, last_seq + 1))
                else:
                    batches = batches_until(watcher, last_seq)
                    assert_well_formed(batches, duty.event_id, start + 1, last_seq)
                    received = flatten(batches)
                expected = expected or received
                assert received == expected  # the same messages on every process, either way
            for watcher in watchers:
                assert_nothing_more(watcher)
    finally:
        for watcher in watchers:
            watcher.close()
        for app in apps:
            app.extensions["db"]["engine"].dispose()


def test_the_command_page_feed_applies_batches_in_seq_order_and_reloads_on_a_gap(
        browser_page):  # noqa: F811
    result = run_live_feed(browser_page, """
        const item = (event, seq) => ({ event, data: { event_id: 7, seq } });
        const batch = (items) => handlers.batch({ event_id: 7, seq_from: items[0].data.seq,
            seq_to: items[items.length - 1].data.seq, messages: items });
        batch([item("checkin", 11), item("post_status", 12)]);
        batch([item("checkin", 12), item("alert", 13)]);  // 12 again: ignored
        handlers.batch({ event_id: 8, seq_from: 14, seq_to: 14, messages: [item("alert", 14)] });
        const inOrder = [...applied];
        batch([item("checkin", 15), item("post_status", 16)]);  // 14 never comes
        await wait(250);
        return { asked, inOrder, snapshots, applied, last: feed.last };
    """, ack={"ok": True, "seq": 10, "batch": True}, snapshots=[10, 20],
        applied="[name, message.seq]")
    assert result["asked"] == [{"event_id": 7, "batch": True}]
    assert result["inOrder"] == [["checkin", 11], ["post_status", 12], ["alert", 13]]
    assert result["snapshots"] == 2 and result["last"] == 20  # the gap reloaded the snapshot
    assert result["applied"] == result["inOrder"]
