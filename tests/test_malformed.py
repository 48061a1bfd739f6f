"""A named corpus of malformed requests, sent over real HTTP: each answers a 4xx with the error
shape of API.md, and none stores anything (the audit log, where every change is written, and the
roster keep their counts)."""

from __future__ import annotations

import io
import json
import os
import uuid
import zipfile
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from conftest import person_body
from live_server import serve
from test_roles import World

MAX_BODY = 1024 * 1024  # the test app's upload limit, so that "too large" is cheap to send
JSON = {"Content-Type": "application/json"}
CAP_TYPE = {"Content-Type": "application/cap+xml"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PEOPLE_CSV = "name,phone,unit,kind\n陈刚,13900000001,城关镇,cadre\n".encode()


def raw_json(text: str) -> dict:
    return {"data": text.encode(), "headers": JSON}


def person_with(**overrides) -> dict:
    return raw_json(json.dumps(person_body(**overrides)))


def zip_bomb() -> bytes:
    """A .xlsx-looking zip whose one sheet unpacks to 150 MB of spaces (about 150 kB packed)."""
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b" " * 2 ** 20
            for _ in range(150):
                sheet.write(chunk)
    return packed.getvalue()


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol4;</identifier></alert>"""
EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&secret;</identifier></alert>"""


def upload(*parts: tuple[str, str | None, bytes]) -> dict:
    """A multipart/form-data body of these (field, file name or None for a plain field, bytes)."""
    return {"files": [(field_name, (name, content)) for field_name, name, content in parts]}


@dataclass
class Case:
    """One malformed request: who sends it where, and the refusal it must get."""

    role: str
    method: str
    path: str
    request: Any  # World -> keyword arguments for requests
    status: int
    code: str
    fields: tuple[str, ...] = ()
    counts: tuple[str, ...] = field(default=("/api/v1/people",))


def people(request, status=400, code="bad_request", fields=()) -> Case:
    return Case("admin", "POST", "/api/v1/people", request, status, code, fields)


def invalid_person(fields: tuple[str, ...], **overrides) -> Case:
    return people(lambda w: person_with(**overrides), 422, "validation_error", fields)


def checkin(text: str, fields: tuple[str, ...]) -> Case:
    """A check-in whose body is `text` with {assignment_id} and {client_id} filled in."""
    return Case("staff", "POST", "/api/v1/checkins", lambda w: raw_json(text.replace(
        "{assignment_id}", str(w.staff_assignment_id)).replace("{client_id}", str(uuid.uuid4()))),
        422, "validation_error", fields, counts=())


def people_import(request, status=422, code="validation_error", fields=("file",)) -> Case:
    return Case("admin", "POST", "/api/v1/people/import", request, status, code, fields)


def cap(request, fields=()) -> Case:
    return Case("commander", "POST", "/api/v1/warnings", request, 422, "validation_error", fields,
                counts=("/api/v1/warnings",))


def listing(query: dict, field_name: str, path: str = "/api/v1/people") -> Case:
    return Case("admin", "GET", path, lambda w: {"params": query}, 422, "validation_error",
                (field_name,), counts=())


CHECKIN = ('{"client_id": "{client_id}", "kind": "check_in", "lat": LAT, "lon": 119.95, '
           '"accuracy_m": ACC, "taken_at": "2026-07-21T08:05:00+08:00", '
           '"assignment_id": {assignment_id}}')

CASES = {
    # --- the size and the shape of a JSON body ---
    "oversized body": Case("admin", "POST", "/api/v1/people", lambda w: raw_json(
        json.dumps(person_body(unit="城" * MAX_BODY))), 413, "payload_too_large"),
    "oversized import file": Case("admin", "POST", "/api/v1/people/import", lambda w: upload(
        ("file", "people.csv", PEOPLE_CSV + b"x" * (MAX_BODY + 1))), 413, "payload_too_large"),
    "deeply nested JSON": people(lambda w: raw_json('{"name": ' + "[" * 100_000 + "]" * 100_000
                                                    + "}")),
    "deeply nested unknown field": people(lambda w: raw_json(
        json.dumps(person_body())[:-1] + ', "extra": ' + "{\"a\": " * 50_000 + "1" + "}" * 50_000
        + "}")),
    "JSON array instead of object": people(lambda w: raw_json(json.dumps([person_body()]))),
    "JSON string instead of object": people(lambda w: raw_json('"张伟"')),
    "JSON null": people(lambda w: raw_json("null")),
    "empty body": people(lambda w: {"data": b"", "headers": JSON}),
    "whitespace body": people(lambda w: raw_json(" \n\t ")),
    "truncated JSON": people(lambda w: raw_json('{"name": "张')),
    "bad UTF-8": people(lambda w: {"data": b'{"name": "\xff\xfe", "phone": "13800000001"}',
                                   "headers": JSON}),
    "UTF-16 body": people(lambda w: {"data": json.dumps(person_body()).encode("utf-16"),
                                     "headers": JSON}),
    "lone surrogate escape": people(lambda w: raw_json(
        json.dumps(person_body())[:-1] + ', "name": "\\ud800"}')),
    "raw control character in a string": people(lambda w: raw_json(
        json.dumps(person_body(), ensure_ascii=False).replace("张伟", "张\x01伟"))),
    "form-encoded body": people(lambda w: {"data": {"name": "张伟", "phone": "13800000001"}}),
    "multipart body on a JSON route": people(lambda w: upload(("file", "p.json", b"{}"))),
    # --- known fields of the wrong type or value ---
    "NUL character in a field": invalid_person(("name",), name="张\x00伟"),
    "number as a string": invalid_person(("home_lat",), home_lat="28.1"),
    "boolean for an enum": invalid_person(("kind",), kind=True),
    "list for a string": invalid_person(("name",), name=["张伟"]),
    "object for a list": invalid_person(("skills",), skills={"水利": 1}),
    "duplicate keys, the last invalid": people(lambda w: raw_json(
        json.dumps(person_body())[:-1] + ', "kind": "volunteer"}'), 422, "validation_error",
        ("kind",)),
    "NaN": checkin(CHECKIN.replace("LAT", "NaN").replace("ACC", "8"), ("lat",)),
    "Infinity": checkin(CHECKIN.replace("LAT", "28.123").replace("ACC", "Infinity"),
                        ("accuracy_m",)),
    "number beyond a double": checkin(CHECKIN.replace("LAT", "1e400").replace("ACC", "8"),
                                      ("lat",)),
    "huge integer id in the body": Case("admin", "POST", "/api/v1/auth/staff-link",
                                        lambda w: raw_json('{"person_id": ' + "9" * 40 + "}"),
                                        422, "validation_error", ("person_id",)),
    "fractional id": Case("admin", "POST", "/api/v1/auth/staff-link",
                          lambda w: raw_json('{"person_id": 1.5}'), 422, "validation_error",
                          ("person_id",)),
    "huge integer id in the path": Case("admin", "PATCH", "/api/v1/people/" + "9" * 40,
                                        lambda w: person_with(), 404, "not_found"),
    "negative id in the path": Case("admin", "PATCH", "/api/v1/people/-1",
                                    lambda w: person_with(), 404, "not_found"),
    # --- multipart tricks on the imports ---
    "import without a file part": people_import(lambda w: upload(("name", None, b"people.csv"))),
    "import under another field name": people_import(lambda w: upload(
        ("upload", "people.csv", PEOPLE_CSV))),
    "import of two files": people_import(lambda w: upload(("file", "a.csv", PEOPLE_CSV),
                                                          ("file", "b.csv", PEOPLE_CSV))),
    "import with a huge file name": people_import(lambda w: upload(
        ("file", "名" * 5000 + ".csv", PEOPLE_CSV))),
    "import with an empty file name": people_import(lambda w: upload(("file", "", PEOPLE_CSV))),
    "import of a program": people_import(lambda w: upload(("file", "people.exe", b"MZ\x90\x00"))),
    "import of noise named .xlsx": people_import(lambda w: upload(
        ("file", "people.xlsx", os.urandom(4096)))),
    "import of a zip bomb named .xlsx": people_import(lambda w: upload(
        ("file", "people.xlsx", zip_bomb()))),
    "import as JSON": people_import(lambda w: raw_json('{"file": "people.csv"}'), 400,
                                   "bad_request", ()),
    # --- CAP documents for the warning import ---
    "CAP billion laughs": cap(lambda w: {"data": BILLION_LAUGHS.encode(), "headers": CAP_TYPE},
                              ("document",)),
    "CAP external entity": cap(lambda w: {"data": EXTERNAL_ENTITY.encode(), "headers": CAP_TYPE},
                               ("document",)),
    "CAP billion laughs as a file": cap(lambda w: upload(("file", "alert.xml",
                                                          BILLION_LAUGHS.encode())), ("document",)),
    "CAP that is not XML": cap(lambda w: {"data": b"\x00\xff not xml", "headers": CAP_TYPE},
                               ("document",)),
    # --- headers ---
    "bearer token of garbage": Case("admin", "GET", "/api/v1/people", lambda w: {
        "headers": {"Authorization": "Bearer not-a-token"}}, 401, "unauthorized", counts=()),
    "basic credentials": Case("admin", "GET", "/api/v1/people", lambda w: {
        "headers": {"Authorization": "Basic YWRtaW46cGFzcw=="}}, 401, "unauthorized", counts=()),
    "oversized bearer token": Case("admin", "GET", "/api/v1/people", lambda w: {
        "headers": {"Authorization": "Bearer " + "a" * 8000}}, 401, "unauthorized", counts=()),
    "non-ASCII bearer token": Case("admin", "GET", "/api/v1/people", lambda w: {
        "headers": {"Authorization": "Bearer \xe9\xff".encode("latin-1")}}, 401, "unauthorized",
        counts=()),
    # --- query strings ---
    "limit=-1": listing({"limit": "-1"}, "limit"),
    "limit=10**30": listing({"limit": str(10 ** 30)}, "limit"),
    "limit=1.5": listing({"limit": "1.5"}, "limit"),
    "offset=abc": listing({"offset": "abc"}, "offset"),
    "NUL in a query parameter": listing({"q": "张\x00"}, "q"),
    "huge id in a query parameter": listing({"unit_id": str(10 ** 30)}, "unit_id",
                                            "/api/v1/households"),
    "moment as a number of seconds": Case("admin", "GET", "/api/v1/events/{event_id}/replay",
                                          lambda w: {"params": {"at": "0.5"}}, 422,
                                          "validation_error", ("at",), counts=()),
}


@pytest.fixture
def world(app, client, make_user, clock) -> World:
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    return World(app, client, make_user, clock)


def counts(world: World, paths: tuple[str, ...]) -> dict[str, int]:
    """The audit log's length, and the totals of the lists the request could add to."""
    totals = {path: world.admin.get(path).get_json()["total"] for path in paths}
    return {**totals, "audit": world.admin.get("/api/v1/audit").get_json()["total"]}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_malformed_request_is_refused_and_stores_nothing(app, world, case: Case):
    token = world.caller(case.role).token
    world.staff_assignment_id  # noqa: B018 (a check-in has a shift to belong to)
    path = case.path.replace("{event_id}", str(world.event_id))
    kwargs = case.request(world)
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    before = counts(world, case.counts)

    with serve(app) as base_url:
        response = requests.request(case.method, base_url + path, headers=headers, timeout=60,
                                    **kwargs)

    assert response.status_code == case.status, response.text[:500]
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == case.code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"], body
    assert set(case.fields) <= set(body["error"].get("fields") or {}), body
    assert counts(world, case.counts) == before


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 25
