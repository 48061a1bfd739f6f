"""The write path on PostgreSQL: writers of every kind at once neither deadlock nor fail, and
live messages leave in `seq` order even when two server processes commit to the same event."""

from __future__ import annotations

import io
import threading
import uuid

from conftest import Api, event_body, post_body
from field_support import staff_api
from live_server import serve
from live_support import MapClient
from postgres_support import pg_app, postgres_app, postgres_url, signed_in  # noqa: F401
from test_message_queue import redis_url  # noqa: F401

from coordinator import db
from coordinator.jobs.sweeper import run_once
from coordinator.services import audit

PEOPLE = 40
POSTS = 8
ON_DUTY = 16  # assigned by hand, with phones that check in
# Each phone's fixes in the order test: on and off duty, so post statuses change too.
KINDS = ("check_in", "presence", "check_out") * 4
HEADERS = "name,phone,unit,kind,skills,home_lat,home_lon"


def people_csv(order: list[int], unit: str) -> bytes:
    rows = [HEADERS] + [f"人员{i:02d},139{i:08d},{unit},cadre,,28.1,119.9" for i in order]
    return ("\n".join(rows) + "\n").encode("utf-8")


def build_town(admin: Api, commander: Api):
    """People, posts, an event with a running shift per post (3 places), some people on duty."""
    admin.post("/api/v1/people/import", data={"file": (io.BytesIO(people_csv(
        list(range(PEOPLE)), "城关镇")), "people.csv")}, content_type="multipart/form-data")
    people = admin.get("/api/v1/people?limit=100").get_json()["items"]
    assert len(people) == PEOPLE
    event_id = commander.post("/api/v1/events", json=event_body()).get_json()["id"]
    posts, shifts = [], []
    for p in range(POSTS):
        post = commander.post("/api/v1/posts", json=post_body(
            name=f"岗位{p}", lat=28.1 + p * 0.01, lon=119.9, radius_m=200)).get_json()
        posts.append(post)
        shifts.append(commander.post(f"/api/v1/events/{event_id}/shifts", json={
            "post_id": post["id"], "starts_at": "2026-07-21T08:00:00+08:00",
            "ends_at": "2026-07-21T20:00:00+08:00", "required": 3}).get_json())
    duties = []
    for i in range(ON_DUTY):
        shift, post = shifts[i % POSTS], posts[i % POSTS]
        answer = commander.post("/api/v1/assignments", json={"shift_id": shift["id"],
                                                             "person_id": people[i]["id"]})
        assert answer.status_code == 201, answer.get_json()
        duties.append((people[i]["id"], post))
    return event_id, duties


def checkin_body(post: dict, kind: str = "check_in") -> dict:
    return {"client_id": str(uuid.uuid4()), "kind": kind, "lat": post["lat"],
            "lon": post["lon"], "accuracy_m": 5, "taken_at": "2026-07-21T08:05:00+08:00"}


def test_import_assign_checkins_and_sweep_at_once_neither_deadlock_nor_fail(pg_app):  # noqa: F811
    admin, commander = signed_in(pg_app, "admin"), signed_in(pg_app, "commander")
    event_id, duties = build_town(admin, commander)
    phones = [(staff_api(pg_app.test_client(), commander, person_id), post)
              for person_id, post in duties]
    statuses: list[tuple[str, int]] = []
    failures: list[BaseException] = []
    start = threading.Barrier(5)

    def worker(name, steps):
        def run():
            try:
                start.wait(timeout=30)
                for step in steps:
                    statuses.append((name, step()))
            except BaseException as error:  # noqa: BLE001 - reported below
                failures.append(error)
        return threading.Thread(target=run, name=name)

    def import_people(order, unit):
        api = Api(pg_app.test_client(), admin.token)
        return lambda: api.post("/api/v1/people/import", data={"file": (io.BytesIO(
            people_csv(order, unit)), "people.csv")},
            content_type="multipart/form-data").status_code

    def auto_assign():
        api = Api(pg_app.test_client(), commander.token)
        return api.post(f"/api/v1/events/{event_id}/assign", json={}).status_code

    def check_in(phone, post, kind):
        return lambda: Api(pg_app.test_client(), phone.token).post(
            "/api/v1/checkins", json=checkin_body(post, kind)).status_code

    def sweep():
        with pg_app.app_context():
            run_once()
        return 200

    # The import walks the people in the file's order (the second one backwards), while the
    # auto-assign locks the same people's rows and check-ins lock the posts' status rows.
    threads = [
        worker("import", [import_people(list(range(PEOPLE)), "城关镇应急办"),
                          import_people(list(reversed(range(PEOPLE))), "城关镇水利站")]),
        worker("assign", [auto_assign, auto_assign]),
        worker("checkins-a", [check_in(p, post, k) for p, post in phones[:8]
                              for k in ("check_in", "presence")]),
        worker("checkins-b", [check_in(p, post, k) for p, post in phones[8:]
                              for k in ("check_in", "presence")]),
        worker("sweep", [sweep, sweep, sweep]),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures
    assert len(statuses) == 2 + 2 + 32 + 3
    assert all(status < 500 for _, status in statuses), statuses
    assert [s for name, s in statuses if name.startswith("checkins")] == [201] * 32

    snapshot = commander.get(f"/api/v1/events/{event_id}/snapshot").get_json()
    assert {p["name"]: p["required"] for p in snapshot["posts"]} == {
        f"岗位{p}": 3 for p in range(POSTS)}
    assert all(p["present"] == 2 for p in snapshot["posts"])  # the two who checked in at each
    people = admin.get("/api/v1/people?limit=100").get_json()["items"]
    assert {p["unit"] for p in people} == {"城关镇水利站"}  # the last import won, whole
    with pg_app.app_context():
        report = audit.verify_chain(db.session())
    assert report.ok, report


def test_two_processes_publish_one_event_in_seq_order(postgres_url, clock, redis_url):  # noqa: F811
    channel = f"coordinator-test-{uuid.uuid4().hex}"
    first = postgres_app(postgres_url, clock, MESSAGE_QUEUE_URL=redis_url,
                         SOCKETIO_CHANNEL=channel)
    from coordinator import migrate

    migrate.upgrade(first.extensions["db"]["engine"])
    second = postgres_app(postgres_url, clock, MESSAGE_QUEUE_URL=redis_url,
                          SOCKETIO_CHANNEL=channel)
    admin, commander = signed_in(first, "admin"), signed_in(first, "commander")
    event_id, duties = build_town(admin, commander)
    phones = [(staff_api(first.test_client(), commander, person_id), post)
              for person_id, post in duties]
    try:
        with serve(second) as url:
            watcher = MapClient(url, commander.token).connect()
            try:
                ack = watcher.subscribe(event_id)
                start = threading.Barrier(len(phones))
                answers: list[int] = []

                def send(index, phone, post):
                    app = (first, second)[index % 2]  # every other phone writes to the other one
                    start.wait(timeout=30)
                    for kind in KINDS:
                        answers.append(Api(app.test_client(), phone.token).post(
                            "/api/v1/checkins", json=checkin_body(post, kind)).status_code)

                threads = [threading.Thread(target=send, args=(i, phone, post))
                           for i, (phone, post) in enumerate(phones)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout=60)
                assert answers == [201] * (len(KINDS) * len(phones))
                with first.app_context():
                    from coordinator.services import effects

                    last = effects.current_seq(db.session(), event_id)
                received = watcher.take(last - ack["seq"], timeout=20)
                seqs = [message["seq"] for _, message in received]
                assert seqs == list(range(ack["seq"] + 1, last + 1))
                assert sum(name == "checkin" for name, _ in received) == len(KINDS) * len(phones)
            finally:
                watcher.close()
    finally:
        for app in (first, second):
            app.extensions["db"]["engine"].dispose()


def test_messages_a_process_committed_but_never_sent_go_out_first_from_the_next(
        postgres_url, clock, redis_url):  # noqa: F811
    """A process that dies between its commit and its emit (here: its sending is cut off) loses
    nothing: the next change to the event, on another process, sends those first, in order."""
    channel = f"coordinator-test-{uuid.uuid4().hex}"
    dying = postgres_app(postgres_url, clock, MESSAGE_QUEUE_URL=redis_url,
                         SOCKETIO_CHANNEL=channel)
    from coordinator import migrate

    migrate.upgrade(dying.extensions["db"]["engine"])
    other = postgres_app(postgres_url, clock, MESSAGE_QUEUE_URL=redis_url,
                         SOCKETIO_CHANNEL=channel)
    admin, commander = signed_in(other, "admin"), signed_in(other, "commander")
    event_id, duties = build_town(admin, commander)
    (first_phone, first_post), (second_phone, second_post) = [
        (staff_api(other.test_client(), commander, person_id), post)
        for person_id, post in duties[:2]]
    dying.extensions["publisher"].socketio = None  # it commits, then can send nothing
    try:
        with serve(other) as url:
            watcher = MapClient(url, commander.token).connect()
            try:
                ack = watcher.subscribe(event_id)
                lost = Api(dying.test_client(), first_phone.token).post(
                    "/api/v1/checkins", json=checkin_body(first_post))
                assert lost.status_code == 201  # committed: the phone is told it is stored
                later = Api(other.test_client(), second_phone.token).post(
                    "/api/v1/checkins", json=checkin_body(second_post))
                assert later.status_code == 201
                received = watcher.take(4, timeout=10)
                assert [m["seq"] for _, m in received] == [ack["seq"] + n for n in range(1, 5)]
                assert [(name, m.get("checkin", {}).get("id")) for name, m in received] == [
                    ("checkin", lost.get_json()["id"]), ("post_status", None),
                    ("checkin", later.get_json()["id"]), ("post_status", None)]
            finally:
                watcher.close()
    finally:
        for app in (dying, other):
            app.extensions["db"]["engine"].dispose()
