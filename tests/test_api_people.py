"""The roster over HTTP: add, search, page, edit (audited) and deactivate people."""

from __future__ import annotations

from conftest import event_body, person_body, post_body


def add_person(api, **overrides) -> dict:
    response = api.post("/api/v1/people", json=person_body(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def audit_entries(admin, person_id: int) -> list[dict]:
    response = admin.get("/api/v1/audit", query_string={"entity_type": "people",
                                                        "entity_id": str(person_id)})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def test_create_answers_201_with_id_and_every_field(admin):
    response = admin.post("/api/v1/people", json=person_body())

    assert response.status_code == 201
    person = response.get_json()
    assert isinstance(person["id"], int)
    assert {k: person[k] for k in person_body()} == person_body()
    assert person["active"] is True
    assert person["created_at"] == "2026-07-21T08:00:00+08:00"
    assert admin.get(f"/api/v1/people/{person['id']}").get_json() == person


def test_home_position_and_skills_are_optional(admin):
    body = person_body()
    for key in ("skills", "home_lat", "home_lon"):
        del body[key]

    response = admin.post("/api/v1/people", json=body)

    assert response.status_code == 201, response.get_json()
    person = response.get_json()
    assert (person["skills"], person["home_lat"], person["home_lon"]) == ([], None, None)


def test_duplicate_phone_is_a_conflict_and_adds_nobody(admin):
    add_person(admin)

    response = admin.post("/api/v1/people", json=person_body(name="李娜"))

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert admin.get("/api/v1/people").get_json()["total"] == 1


def test_missing_and_invalid_fields_are_named(admin):
    body = person_body(kind="boss", home_lat=91, phone="call me")
    del body["name"]

    response = admin.post("/api/v1/people", json=body)

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"name", "kind", "home_lat", "phone"}
    assert admin.get("/api/v1/people").get_json()["total"] == 0


def test_only_admins_edit_the_roster(api_as, anonymous):
    assert anonymous.post("/api/v1/people", json=person_body()).status_code == 401
    assert api_as("commander").post("/api/v1/people", json=person_body()).status_code == 403
    assert api_as("inspector").get("/api/v1/people").status_code == 200


def test_search_matches_name_phone_and_unit(admin):
    zhang = add_person(admin, name="张伟", phone="13800000001", unit="城关镇农业农村办")
    li = add_person(admin, name="李娜", phone="13912345678", unit="石门村")
    wang = add_person(admin, name="王强", phone="13700000003", unit="城关镇应急办",
                      kind="village_official")

    def found(q):
        answer = admin.get("/api/v1/people", query_string={"q": q}).get_json()
        assert answer["total"] == len(answer["items"])
        return {p["id"] for p in answer["items"]}

    assert found("李") == {li["id"]}
    assert found("1234") == {li["id"]}
    assert found("城关镇") == {zhang["id"], wang["id"]}
    assert found("nobody") == set()


def test_kind_filter(admin):
    add_person(admin, phone="13800000001", kind="cadre")
    official = add_person(admin, phone="13800000002", kind="village_official")

    answer = admin.get("/api/v1/people?kind=village_official").get_json()

    assert answer == {"items": [official], "total": 1}
    assert admin.get("/api/v1/people?kind=mayor").status_code == 422


def test_list_pages_with_limit_and_offset(admin):
    ids = [add_person(admin, name=f"人员{i}", phone=f"1380000{i:04d}")["id"] for i in range(7)]

    first = admin.get("/api/v1/people?limit=3").get_json()
    last = admin.get("/api/v1/people?limit=3&offset=6").get_json()
    beyond = admin.get("/api/v1/people?offset=50").get_json()

    assert [p["id"] for p in first["items"]] == ids[:3]
    assert first["total"] == 7
    assert [p["id"] for p in last["items"]] == ids[6:]
    assert beyond == {"items": [], "total": 7}


def test_limit_defaults_to_50_and_stops_at_500(admin, app):
    from coordinator import clock, db, unit_of_work
    from coordinator.services import audit, people

    with app.app_context():
        session = db.session()
        for i in range(60):
            people.create_person(session, audit.SYSTEM, clock.now(),
                                 person_body(name=f"人员{i}", phone=f"1390000{i:04d}"))
        unit_of_work.commit(session)

    answer = admin.get("/api/v1/people").get_json()
    assert (len(answer["items"]), answer["total"]) == (50, 60)
    assert len(admin.get("/api/v1/people?limit=500").get_json()["items"]) == 60

    too_many = admin.get("/api/v1/people?limit=501")
    assert too_many.status_code == 422
    assert "limit" in too_many.get_json()["error"]["fields"]
    assert "offset" in admin.get("/api/v1/people?offset=-1").get_json()["error"]["fields"]


def test_get_unknown_person_is_404(admin):
    response = admin.get("/api/v1/people/999")

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_patch_changes_only_the_given_fields_and_is_audited(admin):
    person = add_person(admin)

    response = admin.patch(f"/api/v1/people/{person['id']}",
                           json={"unit": "城关镇应急管理办", "skills": ["山洪预警员"]})

    assert response.status_code == 200, response.get_json()
    changed = response.get_json()
    assert changed["unit"] == "城关镇应急管理办"
    assert changed["skills"] == ["山洪预警员"]
    untouched = {k: v for k, v in person.items() if k not in {"unit", "skills", "updated_at"}}
    assert {k: changed[k] for k in untouched} == untouched
    assert admin.get(f"/api/v1/people/{person['id']}").get_json() == changed

    update = audit_entries(admin, person["id"])[0]
    assert update["action"] == "update"
    assert update["before"]["unit"] == "城关镇农业农村办"
    assert update["after"]["unit"] == "城关镇应急管理办"
    assert update["before"]["skills"] == ["水利工程巡查员"]
    assert update["after"]["skills"] == ["山洪预警员"]


def test_patch_that_changes_nothing_writes_no_audit_entry(admin):
    person = add_person(admin)

    response = admin.patch(f"/api/v1/people/{person['id']}", json={"name": person["name"]})

    assert response.status_code == 200
    assert [e["action"] for e in audit_entries(admin, person["id"])] == ["create"]


def test_patch_may_clear_an_optional_field(admin):
    person = add_person(admin)

    response = admin.patch(f"/api/v1/people/{person['id']}", json={"home_lat": None,
                                                                    "home_lon": None})

    assert response.status_code == 200
    assert (response.get_json()["home_lat"], response.get_json()["home_lon"]) == (None, None)


def test_patch_with_null_for_a_required_field_is_refused(admin):
    person = add_person(admin)

    for field in ("name", "phone", "unit", "kind"):
        response = admin.patch(f"/api/v1/people/{person['id']}", json={field: None})
        assert response.status_code == 422, field
        assert field in response.get_json()["error"]["fields"]

    assert admin.get(f"/api/v1/people/{person['id']}").get_json() == person


def test_patch_to_another_persons_phone_is_a_conflict(admin):
    add_person(admin, phone="13800000001")
    other = add_person(admin, name="李娜", phone="13800000002")

    response = admin.patch(f"/api/v1/people/{other['id']}", json={"phone": "13800000001"})

    assert response.status_code == 409
    assert admin.get(f"/api/v1/people/{other['id']}").get_json()["phone"] == "13800000002"


def test_patch_unknown_person_is_404(admin):
    assert admin.patch("/api/v1/people/999", json={"unit": "x"}).status_code == 404


def test_deactivated_person_stays_listed_but_cannot_be_assigned(admin, commander):
    person = add_person(admin)
    post = commander.post("/api/v1/posts", json=post_body()).get_json()
    event = commander.post("/api/v1/events", json=event_body()).get_json()
    shift = commander.post(f"/api/v1/events/{event['id']}/shifts", json={
        "post_id": post["id"], "starts_at": "2026-07-21T08:00:00+08:00",
        "ends_at": "2026-07-21T20:00:00+08:00", "required": 1}).get_json()

    response = admin.post(f"/api/v1/people/{person['id']}/deactivate")

    assert response.status_code == 200
    assert response.get_json()["active"] is False
    listed = admin.get("/api/v1/people").get_json()
    assert [(p["id"], p["active"]) for p in listed["items"]] == [(person["id"], False)]
    assert admin.get("/api/v1/people?active=false").get_json()["total"] == 1
    assert admin.get("/api/v1/people?active=true").get_json()["total"] == 0
    assert audit_entries(admin, person["id"])[0]["action"] == "deactivate"

    refused = commander.post("/api/v1/assignments",
                             json={"shift_id": shift["id"], "person_id": person["id"]})
    assert refused.status_code == 422
    assert "person_id" in refused.get_json()["error"]["fields"]


def test_text_longer_than_its_column_is_a_422_not_a_database_error(admin, commander):
    long_name = admin.post("/api/v1/people", json=person_body(name="张" * 81))
    assert long_name.status_code == 422 and "name" in long_name.get_json()["error"]["fields"]
    long_village = commander.post("/api/v1/posts", json=post_body(village="村" * 81))
    assert long_village.status_code == 422
    assert "village" in long_village.get_json()["error"]["fields"]
