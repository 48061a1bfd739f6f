"""The post catalogue over HTTP: add, check, search, page, edit (audited) and deactivate posts."""

from __future__ import annotations

import pytest
from conftest import event_body, post_body

POST_KINDS = ("reservoir", "pond", "landslide", "low_road", "dangerous_house", "shelter", "bridge",
              "embankment", "other")


def add_post(api, **overrides) -> dict:
    response = api.post("/api/v1/posts", json=post_body(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_create_answers_201_with_id_and_every_field(commander):
    response = commander.post("/api/v1/posts", json=post_body())

    assert response.status_code == 201
    post = response.get_json()
    assert isinstance(post["id"], int)
    assert {k: post[k] for k in post_body()} == post_body()
    assert post["active"] is True
    assert post["created_at"] == "2026-07-21T08:00:00+08:00"
    assert commander.get(f"/api/v1/posts/{post['id']}").get_json() == post


def test_village_and_risk_are_optional(commander):
    body = post_body()
    del body["village"], body["risk"]

    response = commander.post("/api/v1/posts", json=body)

    assert response.status_code == 201, response.get_json()
    assert (response.get_json()["village"], response.get_json()["risk"]) == (None, None)


def test_every_kind_of_the_contract_is_accepted(commander):
    for kind in POST_KINDS:
        add_post(commander, name=f"点位-{kind}", kind=kind)

    assert commander.get("/api/v1/posts").get_json()["total"] == len(POST_KINDS)


@pytest.mark.parametrize("field, value", [
    ("kind", "fish_pond"),
    ("kind", "水库"),
    ("radius_m", 0),
    ("radius_m", -5),
    ("risk", 0),
    ("risk", 5),
    ("risk", 2.5),
    ("lat", 90.0001),
    ("lat", -91),
    ("lon", 180.5),
    ("lon", -181),
    ("lat", "28.1"),
    ("name", ""),
])
def test_invalid_field_is_422_naming_it(commander, field, value):
    response = commander.post("/api/v1/posts", json=post_body(**{field: value}))

    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_error"
    assert field in response.get_json()["error"]["fields"]
    assert commander.get("/api/v1/posts").get_json()["total"] == 0


def test_not_a_number_coordinate_is_422(commander):
    raw = '{"name": "石门水库", "kind": "reservoir", "lat": NaN, "lon": 119.95, "radius_m": 150}'

    response = commander.post("/api/v1/posts", data=raw,
                              headers={"Content-Type": "application/json"})

    assert response.status_code == 422
    assert commander.get("/api/v1/posts").get_json()["total"] == 0


def test_coordinate_and_risk_bounds_are_inclusive(commander):
    add_post(commander, name="北", lat=90, lon=180, risk=1)
    add_post(commander, name="南", lat=-90, lon=-180, risk=4)


@pytest.mark.parametrize("field", ["name", "kind", "lat", "lon", "radius_m"])
def test_missing_required_field_is_422_naming_it(commander, field):
    body = post_body()
    del body[field]

    response = commander.post("/api/v1/posts", json=body)

    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_duplicate_name_is_a_conflict(commander):
    add_post(commander)

    response = commander.post("/api/v1/posts", json=post_body(lat=28.2))

    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"
    assert commander.get("/api/v1/posts").get_json()["total"] == 1


def test_inspectors_read_but_do_not_edit_posts(api_as, anonymous):
    inspector = api_as("inspector")

    assert inspector.post("/api/v1/posts", json=post_body()).status_code == 403
    assert inspector.get("/api/v1/posts").status_code == 200
    assert anonymous.get("/api/v1/posts").status_code == 401


def test_search_matches_name_and_village(commander):
    shimen = add_post(commander, name="石门水库", village="石门村")
    pond = add_post(commander, name="后山山塘", kind="pond", village="石门村")
    road = add_post(commander, name="城东下穿隧道", kind="low_road", village=None)

    def found(**query):
        answer = commander.get("/api/v1/posts", query_string=query).get_json()
        assert answer["total"] == len(answer["items"])
        return {p["id"] for p in answer["items"]}

    assert found(q="石门") == {shimen["id"], pond["id"]}
    assert found(q="隧道") == {road["id"]}
    assert found(kind="pond") == {pond["id"]}
    assert found(village="石门村") == {shimen["id"], pond["id"]}
    assert commander.get("/api/v1/posts?kind=fish_pond").status_code == 422


def test_list_pages_with_limit_and_offset(commander):
    ids = [add_post(commander, name=f"点位{i}")["id"] for i in range(5)]

    answer = commander.get("/api/v1/posts?limit=2&offset=2").get_json()

    assert [p["id"] for p in answer["items"]] == ids[2:4]
    assert answer["total"] == 5
    assert commander.get("/api/v1/posts?limit=501").status_code == 422
    assert commander.get("/api/v1/posts?limit=0").status_code == 422


def test_get_unknown_post_is_404(commander):
    assert commander.get("/api/v1/posts/999").status_code == 404


def test_patch_changes_only_the_given_fields_and_is_audited(commander, admin):
    post = add_post(commander)

    response = commander.patch(f"/api/v1/posts/{post['id']}", json={"radius_m": 300, "risk": 1})

    assert response.status_code == 200, response.get_json()
    changed = response.get_json()
    assert (changed["radius_m"], changed["risk"]) == (300, 1)
    untouched = {k: v for k, v in post.items() if k not in {"radius_m", "risk", "updated_at"}}
    assert {k: changed[k] for k in untouched} == untouched

    entries = admin.get("/api/v1/audit", query_string={"entity_type": "posts",
                                                       "entity_id": str(post["id"])})
    update = entries.get_json()["items"][0]
    assert update["action"] == "update"
    assert (update["before"]["radius_m"], update["after"]["radius_m"]) == (150, 300)
    assert (update["before"]["risk"], update["after"]["risk"]) == (2, 1)


def test_patch_refuses_null_for_required_fields_and_bad_values(commander):
    post = add_post(commander)

    for field in ("name", "kind", "lat", "lon", "radius_m"):
        response = commander.patch(f"/api/v1/posts/{post['id']}", json={field: None})
        assert response.status_code == 422, field
        assert field in response.get_json()["error"]["fields"]
    assert commander.patch(f"/api/v1/posts/{post['id']}", json={"risk": 7}).status_code == 422

    assert commander.get(f"/api/v1/posts/{post['id']}").get_json() == post


def test_patch_to_another_posts_name_is_a_conflict(commander):
    add_post(commander, name="石门水库")
    other = add_post(commander, name="后山山塘", kind="pond")

    response = commander.patch(f"/api/v1/posts/{other['id']}", json={"name": "石门水库"})

    assert response.status_code == 409
    assert commander.get(f"/api/v1/posts/{other['id']}").get_json()["name"] == "后山山塘"


def test_deactivated_post_stays_listed_but_takes_no_new_shifts(commander):
    post = add_post(commander)
    event = commander.post("/api/v1/events", json=event_body()).get_json()

    response = commander.post(f"/api/v1/posts/{post['id']}/deactivate")

    assert response.status_code == 200
    assert response.get_json()["active"] is False
    listed = commander.get("/api/v1/posts").get_json()["items"]
    assert [(p["id"], p["active"]) for p in listed] == [(post["id"], False)]
    refused = commander.post(f"/api/v1/events/{event['id']}/shifts", json={
        "post_id": post["id"], "starts_at": "2026-07-21T08:00:00+08:00",
        "ends_at": "2026-07-21T20:00:00+08:00", "required": 1})
    assert refused.status_code == 422
    assert "post_id" in refused.get_json()["error"]["fields"]
