"""The OpenAPI document: complete for the contract, and in agreement with what the API validates."""

from __future__ import annotations

import re
import uuid

import pytest
from conftest import Api, event_body, person_body, post_body
from test_roles import World

# Paths of API.md implemented so far, with their methods (more paths may be documented).
CONTRACT = {
    "/api/v1/auth/login": {"post"},
    "/api/v1/auth/staff-link": {"post"},
    "/api/v1/people": {"get", "post"},
    "/api/v1/people/import": {"post"},
    "/api/v1/posts": {"get", "post"},
    "/api/v1/posts/import": {"post"},
    "/api/v1/events": {"get", "post"},
    "/api/v1/events/{event_id}/shifts": {"get", "post"},
    "/api/v1/events/{event_id}/close": {"post"},
    "/api/v1/assignments": {"post"},
    "/api/v1/assignments/{assignment_id}": {"delete"},
    "/api/v1/audit/verify": {"get"},
}
DATETIME = "2026-07-21T08:00:00+08:00"
PHONE_LIKE = ("13800000009", "+8613800000009")


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def resolve(schema: dict, document: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def variants(schema: dict, document: dict) -> list[dict]:
    """The non-null alternatives of a property's schema."""
    schema = resolve(schema, document)
    options = schema.get("anyOf") or schema.get("oneOf") or [schema]
    return [resolve(o, document) for o in options if o.get("type") != "null"]


def nullable(schema: dict) -> bool:
    return any(o.get("type") == "null" for o in schema.get("anyOf", []) + schema.get("oneOf", []))


def sample(schema: dict, document: dict):
    """A value the document says is valid, built from the schema alone."""
    schema = variants(schema, document)[0]
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "string":
        if schema.get("format") == "date-time":
            return DATETIME
        if schema.get("format") == "uuid":
            return str(uuid.uuid4())
        if "pattern" in schema:
            matching = [v for v in PHONE_LIKE if re.search(schema["pattern"], v)]
            assert matching, f"teach the test a value for the pattern {schema['pattern']}"
            return matching[0]
        return "测" * max(schema.get("minLength", 1), 1)
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        high = schema.get("maximum", low + 3)
        value = low + (high - low) / 3 if kind == "number" else low + 1
        return min(value, high)
    if kind == "boolean":
        return True
    if kind == "array":
        return [sample(schema["items"], document)] * schema.get("minItems", 0)
    if kind == "object":
        return {name: sample(prop, document) for name, prop in schema.get("properties", {}).items()
                if name in schema.get("required", [])}
    raise AssertionError(f"the test cannot build a value for {schema}")


def wrong_type(schema: dict, document: dict):
    """A JSON value of a type the document does not allow for the property."""
    types = {o.get("type") for o in variants(schema, document)}
    for candidate in ({"not": "an object"}, "text", 7.5, 7, ["a"], True):
        allowed = {dict: "object", str: "string", float: "number", int: "integer", list: "array",
                   bool: "boolean"}[type(candidate)]
        if allowed not in types and not (allowed == "integer" and "number" in types):
            return candidate
    raise AssertionError(f"every type is allowed for {schema}")


def json_operations(document: dict):
    """(method, path, operation, body schema) for every operation with a JSON body."""
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body = resolve(content["application/json"]["schema"], document)
                yield method, path, operation, body


def roles_of(operation: dict) -> list[str]:
    description = operation.get("description", "")
    return description.removeprefix("Roles: ").split(", ") if description.startswith("Roles:") \
        else []


@pytest.fixture
def world(app, client, make_user, clock) -> World:
    return World(app, client, make_user, clock)


@pytest.fixture
def caller(client, api_as, admin):
    """An Api with the first role an operation documents (or anonymous)."""
    signed_in: dict[str | None, Api] = {None: Api(client), "admin": admin}

    def for_operation(operation: dict) -> Api:
        role = (roles_of(operation) or [None])[0]
        if role not in signed_in:
            if role == "staff":
                person = admin.post("/api/v1/people", json=person_body(phone="13800000777")).get_json()
                link = admin.post("/api/v1/auth/staff-link", json={"person_id": person["id"]})
                signed_in[role] = Api(client, link.get_json()["token"])
            else:
                signed_in[role] = api_as(role)
        return signed_in[role]

    return for_operation


def send(api: Api, method: str, path: str, body: dict, ids: dict | None = None):
    url = re.sub(r"\{(\w+)\}", lambda m: str((ids or {}).get(m.group(1), 1)), path)
    headers = {"Authorization": f"Bearer {api.token}"} if api.token else {}
    return api.client.open(url, method=method.upper(), json=body, headers=headers)


def field_errors(response) -> dict:
    assert response.status_code == 422, (response.status_code, response.get_json())
    return response.get_json()["error"]["fields"]


def field_error(response, field: str) -> str | None:
    return (response.get_json().get("error", {}).get("fields") or {}).get(field)


def test_document_is_openapi_3_and_lists_every_contract_path(document):
    assert document["openapi"].startswith("3.")
    for path, methods in CONTRACT.items():
        assert path in document["paths"], path
        assert methods <= set(document["paths"][path]), path


def test_every_api_route_is_documented_and_nothing_else(app, document):
    routes = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
        and rule.rule != "/api/v1/openapi.json"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, methods in document["paths"].items() for method in methods}

    assert routes == documented


def test_request_schemas_are_shown(document):
    paths = document["paths"]
    person = resolve(paths["/api/v1/people"]["post"]["requestBody"]["content"]["application/json"]
                     ["schema"], document)
    assert set(person["properties"]) == {"name", "phone", "unit", "kind", "skills", "home_lat",
                                         "home_lon", "unit_id", "email"}
    assert set(person["required"]) == {"name", "phone", "unit", "kind"}
    assert person["properties"]["kind"]["enum"] == ["cadre", "village_official", "other"]
    for path in ("/api/v1/people/import", "/api/v1/posts/import"):
        form = paths[path]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
        assert form["required"] == ["file"]
        assert form["properties"]["file"]["format"] == "binary"
    shown = {(m, p) for m, p, _, body in json_operations(document) if body.get("properties")}
    assert {("post", p) for p in ("/api/v1/auth/login", "/api/v1/auth/staff-link", "/api/v1/people",
                                  "/api/v1/posts", "/api/v1/events", "/api/v1/assignments",
                                  "/api/v1/events/{event_id}/shifts")} <= shown


def test_person_schema_of_the_document_is_the_one_that_validates(document, admin):
    schema = resolve(document["paths"]["/api/v1/people"]["post"]["requestBody"]["content"]
                     ["application/json"]["schema"], document)

    for field in schema["required"]:
        body = person_body()
        del body[field]
        assert field in field_errors(admin.post("/api/v1/people", json=body))
    for index, field in enumerate(sorted(set(schema["properties"]) - set(schema["required"]))):
        body = person_body(phone=f"1380000{index:04d}")
        body.pop(field, None)
        assert admin.post("/api/v1/people", json=body).status_code == 201, field

    for index, kind in enumerate(schema["properties"]["kind"]["enum"]):
        answer = admin.post("/api/v1/people", json=person_body(kind=kind, phone=f"1390000{index:04d}"))
        assert answer.status_code == 201, kind
    assert "kind" in field_errors(admin.post("/api/v1/people", json=person_body(kind="volunteer")))

    answer_schema = resolve(document["paths"]["/api/v1/people"]["post"]["responses"]["201"]
                            ["content"]["application/json"]["schema"], document)
    created = admin.post("/api/v1/people", json=person_body(phone="13700000000")).get_json()
    assert set(created) == set(answer_schema["properties"])


def test_omitting_each_required_field_is_422_naming_it(document, caller):
    checked = 0
    for method, path, operation, body in json_operations(document):
        api = caller(operation)
        complete = sample(body, document)
        for field in body.get("required", []):
            partial = {k: v for k, v in complete.items() if k != field}
            assert field in field_errors(send(api, method, path, partial)), (method, path, field)
            checked += 1
    assert checked >= 15


def test_values_outside_the_documented_enums_and_bounds_are_422(document, caller):
    checked = 0
    for method, path, operation, body in json_operations(document):
        api = caller(operation)
        base = sample(body, document)
        for field, prop in body.get("properties", {}).items():
            for option in variants(prop, document):
                bad_values = []
                if "enum" in option:
                    bad_values.append("not-" + str(option["enum"][0]))
                if "maximum" in option:
                    bad_values.append(option["maximum"] + 1)
                if "minimum" in option:
                    bad_values.append(option["minimum"] - 1)
                if "exclusiveMinimum" in option:
                    bad_values.append(option["exclusiveMinimum"])
                if "maxLength" in option:
                    bad_values.append("长" * (option["maxLength"] + 1))
                if "pattern" in option:
                    bad_values.append(next(v for v in ("not a match!", "张\x00伟")
                                           if not re.search(option["pattern"], v)))
                for value in bad_values:
                    response = send(api, method, path, {**base, field: value})
                    assert field in field_errors(response), (method, path, field, value)
                    checked += 1
    assert checked >= 20


def test_known_fields_of_a_wrong_type_are_422(document, caller):
    for method, path, operation, body in json_operations(document):
        api = caller(operation)
        base = sample(body, document)
        for field, prop in body.get("properties", {}).items():
            value = wrong_type(prop, document)
            response = send(api, method, path, {**base, field: value})
            assert field in field_errors(response), (method, path, field, value)


def test_null_is_refused_exactly_where_the_document_says_so(document, caller):
    for method, path, operation, body in json_operations(document):
        api = caller(operation)
        for field, prop in body.get("properties", {}).items():
            base = sample(body, document)
            with_null = send(api, method, path, {**base, field: None})
            if not nullable(prop):
                assert field in field_errors(with_null), (method, path, field)
                continue
            # A documented null must mean what leaving the field out means, whatever that leads to.
            base = sample(body, document)
            left_out = send(api, method, path, {k: v for k, v in base.items() if k != field})
            assert field_error(with_null, field) == field_error(left_out, field), (method, path, field)


def test_a_body_built_from_the_document_alone_is_accepted(document, caller, admin, commander):
    person = admin.post("/api/v1/people", json=person_body()).get_json()
    post = commander.post("/api/v1/posts", json=post_body()).get_json()
    event = commander.post("/api/v1/events", json=event_body()).get_json()
    shift = commander.post(f"/api/v1/events/{event['id']}/shifts", json={
        "post_id": post["id"], "starts_at": DATETIME, "ends_at": "2026-07-21T20:00:00+08:00",
        "required": 1}).get_json()
    ids = {"person_id": person["id"], "post_id": post["id"], "event_id": event["id"],
           "shift_id": shift["id"]}
    statuses = {}
    for method, path, operation, body in json_operations(document):
        if path not in CONTRACT and not re.fullmatch(r"/api/v1/(people|posts)/\{\w+\}", path):
            continue
        built = sample(body, document)
        built.update({k: v for k, v in ids.items() if k in built})
        if "ends_at" in built:
            built["ends_at"] = "2026-07-21T20:00:00+08:00"
        response = send(caller(operation), method, path, built, ids)
        statuses[(method, path)] = response.status_code
        assert response.status_code not in (400, 422), (method, path, built, response.get_json())
    assert statuses[("post", "/api/v1/people")] == 201
    assert statuses[("post", "/api/v1/assignments")] == 201
    assert statuses[("post", "/api/v1/events/{event_id}/shifts")] == 201


def test_documented_query_limits_are_enforced(document, caller):
    checked = 0
    for path, methods in document["paths"].items():
        operation = methods.get("get")
        if operation is None or "{" in path:
            continue
        api = caller(operation)
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query":
                continue
            for option in variants(parameter["schema"], document):
                bad = []
                if "maximum" in option:
                    bad.append(option["maximum"] + 1)
                if "minimum" in option:
                    bad.append(option["minimum"] - 1)
                if "enum" in option:
                    bad.append("not-" + option["enum"][0])
                for value in bad:
                    response = api.get(path, query_string={parameter["name"]: value})
                    assert parameter["name"] in field_errors(response), (path, parameter, value)
                    checked += 1
    assert checked >= 10


# --- where the document and the server disagreed (Schemathesis, issue 16) -------------------------


def test_a_whole_number_written_with_a_fraction_is_an_integer(admin, commander):
    """JSON Schema counts 3.0 as an integer, so the document allows it for an integer field."""
    post = commander.post("/api/v1/posts", json=post_body(risk=2.0))
    event = commander.post("/api/v1/events", json=event_body(level=1.0))
    person = admin.post("/api/v1/people", json=person_body())

    assert post.status_code == 201 and post.get_json()["risk"] == 2, post.get_json()
    assert event.status_code == 201 and event.get_json()["level"] == 1, event.get_json()
    patched = commander.patch(f"/api/v1/posts/{post.get_json()['id']}", json={"capacity": 30.0})
    assert patched.status_code == 200 and patched.get_json()["capacity"] == 30, patched.get_json()
    shift = commander.post(f"/api/v1/events/{event.get_json()['id']}/shifts", json={
        "post_id": post.get_json()["id"], "starts_at": DATETIME,
        "ends_at": "2026-07-21T20:00:00+08:00", "required": 2.0})
    assert shift.status_code == 201, shift.get_json()
    link = commander.post("/api/v1/auth/staff-link", json={"person_id": float(person.get_json()["id"])})
    assert link.status_code == 201, link.get_json()
    assert "risk" in field_errors(commander.post("/api/v1/posts", json=post_body(risk=2.5)))


def test_moments_and_days_are_what_the_documented_pattern_says(document, commander):
    moment = document["components"]["schemas"]["EventBody"]["properties"]["starts_at"]
    pattern = re.compile(moment["pattern"])
    event = commander.post("/api/v1/events", json=event_body()).get_json()

    for written in ("1900-01-01T00:00:00+08:00", "8999-12-31T23:00:00-08:00"):
        assert pattern.search(written)
        answer = commander.post("/api/v1/events", json=event_body(starts_at=written))
        assert answer.status_code == 201, (written, answer.get_json())
    for written in ("1899-12-31T23:00:00Z", "9000-01-01T00:00:00Z", "0483-01-11T21:09:35Z"):
        assert not pattern.search(written)
        assert "starts_at" in field_errors(commander.post("/api/v1/events",
                                                          json=event_body(starts_at=written)))
    # A lenient query parser took a number for seconds since 1970; the document says ISO 8601.
    for path, name in ((f"/api/v1/events/{event['id']}/replay", "at"),
                       (f"/api/v1/events/{event['id']}/roster.xlsx", "date"),
                       ("/api/v1/exports/season.xlsx", "until")):
        assert name in field_errors(commander.get(path, query_string={name: "0.5"})), path


def test_nul_is_refused_in_known_fields_only_and_the_document_says_so(document, admin, world):
    person = document["components"]["schemas"]["PersonBody"]["properties"]
    assert not re.search(person["name"]["pattern"], "张\x00伟")
    query = {p["name"]: p["schema"] for p in document["paths"]["/api/v1/people"]["get"]["parameters"]}
    assert not re.search(variants(query["q"], document)[0]["pattern"], "张\x00")

    assert "name" in field_errors(admin.post("/api/v1/people", json=person_body(name="张\x00伟")))
    # Unknown fields are ignored (API.md), whatever they hold.
    released = admin.post("/api/v1/auth/release-device", json={
        "person_id": world.staff_person_id, "remark": "旧手机\x00"})
    assert released.status_code == 200, released.get_json()
    listed = admin.get("/api/v1/people", query_string={"q": "张", "note": "\x00"})
    assert listed.status_code == 200, listed.get_json()


def test_a_phone_may_come_with_white_space_around_as_documented(document, admin):
    pattern = re.compile(document["components"]["schemas"]["PersonBody"]["properties"]["phone"]
                         ["pattern"])
    for index, phone in enumerate((" 13800000001", "13800000002\u3000", "\t+86 138-0000-0003\n")):
        assert pattern.search(phone), phone
        answer = admin.post("/api/v1/people", json=person_body(phone=phone, name=f"张{index}"))
        assert answer.status_code == 201, (phone, answer.get_json())
    for phone in ("1    ", "\x1c13800000004", "138 "):
        assert not pattern.search(phone), phone
        assert "phone" in field_errors(admin.post("/api/v1/people", json=person_body(phone=phone)))


def test_a_body_the_view_may_go_without_is_documented_as_optional(document, commander):
    event = commander.post("/api/v1/events", json=event_body()).get_json()
    for path in ("/api/v1/events/{event_id}/assign", "/api/v1/events/{event_id}/assign/proposal"):
        assert document["paths"][path]["post"]["requestBody"]["required"] is False, path
        answer = commander.post(path.replace("{event_id}", str(event["id"])))
        assert answer.status_code == 200, answer.get_json()
    assert document["paths"]["/api/v1/events"]["post"]["requestBody"]["required"] is True


def test_refusals_an_operation_answers_are_documented(document, client, world):
    login = document["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert {"401", "429"} <= set(login)
    wrong = client.post("/api/v1/auth/login", json={"username": "nobody", "password": "x"})
    assert str(wrong.status_code) in login
    dispatch = document["paths"]["/api/v1/alerts/{alert_id}/dispatch"]["post"]["responses"]
    answer = world.commander.post(f"/api/v1/alerts/{world.alert_id}/dispatch")  # a hazard report
    assert answer.status_code == 422 and "422" in dispatch, answer.get_json()


def test_each_response_is_described_by_its_own_schema(app, document):
    from coordinator.api.endpoint import OPERATIONS

    for op in OPERATIONS:
        if op.response is None or op.produces != "application/json":
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", op.rule)
        ref = (document["paths"][path][op.method]["responses"][str(op.status)]["content"]
               ["application/json"]["schema"]["$ref"])
        shown = resolve({"$ref": ref}, document)
        assert set(shown.get("properties", {})) == set(op.response.model_fields), (op.method, path)


def test_ids_in_query_strings_are_bounded_as_documented(document, admin, world):
    parameters = document["paths"]["/api/v1/events/{event_id}/relocations"]["get"]["parameters"]
    unit_id = variants(next(p for p in parameters if p["name"] == "unit_id")["schema"], document)[0]
    assert unit_id["maximum"] == 2 ** 31 - 1
    answer = admin.get(f"/api/v1/events/{world.event_id}/relocations",
                       query_string={"unit_id": str(10 ** 23)})
    assert "unit_id" in field_errors(answer)
