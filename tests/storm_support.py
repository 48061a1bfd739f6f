"""Phones in a retry storm: many phones flush their check-ins at once, every send goes out
several times with random delays, some answers are lost on the way back and are sent again with
backoff until an answer arrives — what a county's phones on a failing mobile network do."""

from __future__ import annotations

import asyncio
import io
import json
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from cluster_support import field_token
from conftest import Api, event_body

POSTS = 20


@dataclass
class Phone:
    token: str
    assignment_id: int
    lat: float
    lon: float


@dataclass
class Answer:
    status: int
    body: dict | None


# Sent again after a pause, as the phone's queue does: still being processed (409), too many
# (429), overloaded (503); a 5xx fails the test.
RETRIED = {409, 429, 503}


@dataclass
class StormResult:
    answers: dict[str, list[Answer]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    dropped: int = 0
    sent: int = 0


def build_phones(app, admin: Api, commander: Api, count: int) -> list[Phone]:
    """`count` people on duty now by the wall clock (the deployed server has no test clock):
    one event, POSTS posts, a running shift per post, each person assigned with a phone token."""
    rows = ["name,phone,unit,kind,skills,home_lat,home_lon"] + [
        f"值守{i:03d},137{i:08d},城关镇,cadre,,28.1,119.9" for i in range(count)]
    imported = admin.post("/api/v1/people/import", data={"file": (io.BytesIO(
        ("\n".join(rows) + "\n").encode()), "people.csv")}, content_type="multipart/form-data")
    assert imported.status_code == 200, imported.get_json()
    people = admin.get(f"/api/v1/people?limit={count}").get_json()["items"]
    assert len(people) == count
    event_id = commander.post("/api/v1/events", json=event_body()).get_json()["id"]
    now = datetime.now(UTC)
    shifts, posts = [], []
    for index in range(POSTS):
        post = commander.post("/api/v1/posts", json={
            "name": f"风暴点位{index:02d}", "kind": "reservoir", "lat": 28.0 + index * 0.01,
            "lon": 119.9, "radius_m": 200}).get_json()
        shift = commander.post(f"/api/v1/events/{event_id}/shifts", json={
            "post_id": post["id"], "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(hours=11)).isoformat(),
            "required": -(-count // POSTS)})
        assert shift.status_code == 201, shift.get_json()
        posts.append(post)
        shifts.append(shift.get_json()["id"])
    phones = []
    for index, person in enumerate(people):
        post = posts[index % POSTS]
        assignment = commander.post("/api/v1/assignments", json={
            "shift_id": shifts[index % POSTS], "person_id": person["id"]})
        assert assignment.status_code == 201, assignment.get_json()
        phones.append(Phone(field_token(app, person["id"]), assignment.get_json()["id"],
                            post["lat"], post["lon"]))
    return phones


def checkin_bodies(phone: Phone, count: int) -> list[dict]:
    """A phone's queue: it checks in, then reports its presence."""
    start = datetime.now(UTC) - timedelta(minutes=count)
    return [{"client_id": str(uuid.uuid4()), "kind": "check_in" if i == 0 else "presence",
             "lat": phone.lat, "lon": phone.lon, "accuracy_m": 10,
             "assignment_id": phone.assignment_id,
             "taken_at": (start + timedelta(minutes=i)).isoformat()} for i in range(count)]


async def _exchange(host: str, port: int, path: str, token: str, body: bytes,
                    drop: bool) -> Answer | None:
    """One HTTP/1.1 request on its own connection; None when the answer is dropped (the phone
    closes the connection once the request is out, as a lost mobile link does)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write((f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                      f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                      f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body)
        await writer.drain()
        if drop:
            return None
        raw = await reader.read()
    finally:
        writer.close()
    head, _, payload = raw.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 "):
        return None  # the connection died before an answer (the server was killed)
    status = int(head.split(b" ", 2)[1])
    try:
        return Answer(status, json.loads(payload))
    except ValueError:
        return Answer(status, None)


async def _phone(url: str, phone: Phone, bodies: list[dict], result: StormResult,
                 rng: random.Random, copies: int, drop_share: float) -> None:
    parts = urlsplit(url)

    async def copy(body: dict) -> None:
        await asyncio.sleep(rng.uniform(0, 0.2))
        raw = json.dumps(body).encode()
        backoff = 0.05
        while True:
            drop = rng.random() < drop_share
            result.sent += 1
            try:
                answer = await _exchange(parts.hostname, parts.port, "/api/v1/checkins",
                                         phone.token, raw, drop)
            except (ConnectionError, OSError):
                answer = None
            if answer is None:
                result.dropped += 1
            else:
                result.statuses[answer.status] += 1
                if answer.status not in RETRIED:
                    result.answers[body["client_id"]].append(answer)
                    return
            await asyncio.sleep(backoff * rng.uniform(0.5, 1.5))
            backoff = min(backoff * 2, 2.0)

    for body in bodies:  # a phone's queue sends in order; each entry's copies race
        await asyncio.gather(*(copy(body) for _ in range(copies)))


def storm(url: str, phones: list[Phone], per_phone: int, *, copies: int = 3,
          drop_share: float = 0.2, seed: int = 16, result: StormResult | None = None,
          queues: list[list[dict]] | None = None) -> tuple[StormResult, list[list[dict]]]:
    """Every phone's queue (new ones unless given) sent at once; the bodies each phone sent."""
    rng = random.Random(seed)
    result = StormResult() if result is None else result
    queues = queues or [checkin_bodies(phone, per_phone) for phone in phones]

    async def everyone():
        await asyncio.gather(*(_phone(url, phone, queue, result, rng, copies, drop_share)
                               for phone, queue in zip(phones, queues, strict=True)))

    asyncio.run(everyone())
    return result, queues
