"""The command chain over HTTP: units county → town → village, accounts that see one unit's
subtree, the leaders of units and the responsible persons of posts."""

from __future__ import annotations

import pytest
from conftest import PASSWORD, Api, person_body, post_body
from county_support import build_county, created, open_event

MORNING = {"starts_at": "2026-07-21T08:00:00+08:00", "ends_at": "2026-07-21T20:00:00+08:00"}


@pytest.fixture
def county(admin, api_as):
    return build_county(admin, api_as)


def test_units_form_a_tree_with_their_paths(admin, county):
    answer = admin.get("/api/v1/units").get_json()
    assert [u["path"] for u in answer["items"]] == [
        ["临安区"], ["临安区", "天目山镇"], ["临安区", "天目山镇", "月亮桥村"],
        ["临安区", "太湖源镇"], ["临安区", "太湖源镇", "白沙村"]]
    village = admin.get(f"/api/v1/units/{county.units['A1']}").get_json()
    assert village == {"id": county.units["A1"], "name": "白沙村", "kind": "village",
                       "parent_id": county.units["A"], "path": ["临安区", "太湖源镇", "白沙村"]}


@pytest.mark.parametrize("body, field", [
    ({"name": "某镇", "kind": "town"}, "parent_id"),             # a town needs a county
    ({"name": "某村", "kind": "village", "parent": None}, "parent_id"),
    ({"name": "某县", "kind": "province"}, "kind"),
    ({"name": "", "kind": "county"}, "name"),
])
def test_a_unit_in_the_wrong_place_is_422(admin, body, field):
    response = admin.post("/api/v1/units", json=body)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert admin.get("/api/v1/units").get_json()["total"] == 0


def test_a_village_under_a_county_is_422_and_a_twin_is_409(admin, county):
    wrong = admin.post("/api/v1/units", json={"name": "错村", "kind": "village",
                                              "parent_id": county.units["county"]})
    assert wrong.status_code == 422
    twin = admin.post("/api/v1/units", json={"name": "白沙村", "kind": "village",
                                             "parent_id": county.units["A"]})
    assert twin.status_code == 409


def test_units_import_in_any_row_order_with_chinese_headers(admin):
    csv = ("名称,类型,上级\n"
           "白沙村,村,太湖源镇\n"
           "太湖源镇,镇,临安区\n"
           "临安区,县,\n"
           "无名村,村,不存在镇\n"
           "怪地方,省,临安区\n").encode()
    answer = admin.post("/api/v1/units/import", data={"file": (_file(csv), "units.csv")},
                        content_type="multipart/form-data").get_json()
    assert answer["created"] == 3
    assert sorted(e["row"] for e in answer["errors"]) == [5, 6]
    again = admin.post("/api/v1/units/import", data={"file": (_file(csv), "units.csv")},
                       content_type="multipart/form-data").get_json()
    assert again["created"] == 0
    paths = ["/".join(u["path"]) for u in admin.get("/api/v1/units").get_json()["items"]]
    assert paths == ["临安区", "临安区/太湖源镇", "临安区/太湖源镇/白沙村"]


def _file(content: bytes):
    import io
    return io.BytesIO(content)


def test_a_town_commander_sees_only_the_town(county):
    town_a = county.accounts["A"]
    people = town_a.get("/api/v1/people").get_json()
    assert [p["name"] for p in people["items"]] == ["王建国"]
    assert [p["name"] for p in town_a.get("/api/v1/posts").get_json()["items"]] == ["白沙水库"]
    units = town_a.get("/api/v1/units").get_json()
    assert [u["name"] for u in units["items"]] == ["太湖源镇", "白沙村"]
    assert town_a.get(f"/api/v1/people/{county.people['B']['id']}").status_code == 404
    assert town_a.get(f"/api/v1/posts/{county.posts['B']['id']}").status_code == 404
    assert town_a.get(f"/api/v1/units/{county.units['B']}").status_code == 404
    whole = county.accounts["county"].get("/api/v1/people").get_json()
    assert whole["total"] == 2


def test_a_write_naming_another_towns_record_is_403_and_changes_nothing(county):
    town_a = county.accounts["A"]
    event = open_event(county.accounts["county"])
    shift = created(town_a.post(f"/api/v1/events/{event['id']}/shifts", json={
        "post_id": county.posts["A"]["id"], "required": 1, **MORNING}))
    foreign_post = town_a.post(f"/api/v1/events/{event['id']}/shifts", json={
        "post_id": county.posts["B"]["id"], "required": 1, **MORNING})
    assert foreign_post.status_code == 403
    assert foreign_post.get_json()["error"]["code"] == "forbidden"
    foreign_person = town_a.post("/api/v1/assignments", json={
        "shift_id": shift["id"], "person_id": county.people["B"]["id"]})
    assert foreign_person.status_code == 403
    foreign_unit = county.accounts["A-admin"].post("/api/v1/people", json=person_body(
        phone="13900000009", unit_id=county.units["B1"]))
    assert foreign_unit.status_code == 403
    link = town_a.post("/api/v1/auth/staff-link", json={"person_id": county.people["B"]["id"]})
    assert link.status_code == 403
    edit = county.accounts["A-admin"].patch(f"/api/v1/people/{county.people['B']['id']}",
                                            json={"name": "改名"})
    assert edit.status_code == 404
    county_view = county.accounts["county"]
    assert county_view.get(f"/api/v1/events/{event['id']}/shifts").get_json()["total"] == 1
    assert county_view.get(f"/api/v1/people/{county.people['B']['id']}").get_json()["name"] \
        == "李秀英"
    assert county_view.get("/api/v1/people").get_json()["total"] == 2


def test_a_phone_of_another_town_is_a_conflict_not_a_second_person(county):
    response = county.accounts["A-admin"].post("/api/v1/people", json=person_body(
        phone=county.people["B"]["phone"]))
    assert response.status_code == 409


def test_records_of_a_town_account_land_in_its_town(county):
    town_a = county.accounts["A"]
    person = created(county.accounts["A-admin"].post("/api/v1/people", json=person_body(
        phone="13900000010")))
    post = created(town_a.post("/api/v1/posts", json=post_body(name="新水库")))
    event = open_event(town_a)
    assert person["unit_id"] == post["unit_id"] == event["unit_id"] == county.units["A"]
    assert county.accounts["B"].get(f"/api/v1/events/{event['id']}").status_code == 404
    assert county.accounts["county"].get(f"/api/v1/events/{event['id']}").status_code == 200
    moved_out = county.accounts["A-admin"].patch(f"/api/v1/people/{person['id']}",
                                                 json={"unit_id": None})
    assert moved_out.status_code == 403


def test_a_county_event_covers_every_town_but_only_the_county_closes_it(county):
    event = open_event(county.accounts["county"])
    assert event["unit_id"] == county.units["county"]
    for town in ("A", "B"):
        assert county.accounts[town].get(f"/api/v1/events/{event['id']}").status_code == 200
    refused = county.accounts["A"].post(f"/api/v1/events/{event['id']}/close")
    assert refused.status_code == 403
    closed = county.accounts["county"].post(f"/api/v1/events/{event['id']}/close")
    assert closed.status_code == 200


def test_a_town_commanders_auto_assign_uses_only_the_towns_people(county, admin):
    event = open_event(county.accounts["county"])
    for key in ("A", "B"):
        created(admin.post(f"/api/v1/events/{event['id']}/shifts", json={
            "post_id": county.posts[key]["id"], "required": 2, **MORNING}))
    answer = county.accounts["A"].post(f"/api/v1/events/{event['id']}/assign", json={})
    assert answer.status_code == 200, answer.get_json()
    made = answer.get_json()["assignments"]
    assert [a["person_id"] for a in made] == [county.people["A"]["id"]]
    everything = admin.get(f"/api/v1/events/{event['id']}/assignments").get_json()
    assert everything["total"] == 1


def test_accounts_with_a_unit_by_api(county, client):
    admin = county.accounts["admin"]
    created(admin.post("/api/v1/users", json={"username": "town-b-inspector",
                                             "password": PASSWORD, "role": "inspector",
                                             "unit_id": county.units["B"]}))
    token = client.post("/api/v1/auth/login", json={
        "username": "town-b-inspector", "password": PASSWORD}).get_json()["token"]
    inspector = Api(client, token)
    assert [p["name"] for p in inspector.get("/api/v1/people").get_json()["items"]] == ["李秀英"]
    twin = admin.post("/api/v1/users", json={"username": "town-b-inspector",
                                            "password": PASSWORD, "role": "inspector"})
    assert twin.status_code == 409
    short = admin.post("/api/v1/users", json={"username": "x", "password": "short",
                                             "role": "staff"})
    assert short.status_code == 422
    no_unit = admin.post("/api/v1/users", json={"username": "y", "password": PASSWORD,
                                               "role": "staff", "unit_id": 9999})
    assert no_unit.status_code == 422
    assert county.accounts["A"].post("/api/v1/users", json={
        "username": "z", "password": PASSWORD, "role": "admin"}).status_code == 403


def test_a_town_admin_creates_accounts_and_units_only_inside_the_town(api_as, county):
    town_admin = api_as("admin", county.units["A"])
    village = created(town_admin.post("/api/v1/units", json={
        "name": "新村", "kind": "village", "parent_id": county.units["A"]}))
    assert village["path"] == ["临安区", "太湖源镇", "新村"]
    assert town_admin.post("/api/v1/units", json={
        "name": "外村", "kind": "village", "parent_id": county.units["B"]}).status_code == 403
    assert town_admin.post("/api/v1/units", json={
        "name": "另一县", "kind": "county"}).status_code == 403
    user = created(town_admin.post("/api/v1/users", json={
        "username": "a-commander-2", "password": PASSWORD, "role": "commander"}))
    assert user["unit_id"] == county.units["A"]
    assert town_admin.post("/api/v1/users", json={
        "username": "b-spy", "password": PASSWORD, "role": "commander",
        "unit_id": county.units["B"]}).status_code == 403


def test_create_user_command_takes_a_unit_path(county, runner, client):
    result = runner.invoke(args=["create-user", "a-duty", "--role", "commander",
                                 "--password", PASSWORD, "--unit", "临安区/太湖源镇"])
    assert result.exit_code == 0, result.output
    assert "临安区/太湖源镇" in result.output
    token = client.post("/api/v1/auth/login", json={
        "username": "a-duty", "password": PASSWORD}).get_json()["token"]
    assert Api(client, token).get("/api/v1/people").get_json()["total"] == 1
    unknown = runner.invoke(args=["create-user", "x-duty", "--role", "commander",
                                  "--password", PASSWORD, "--unit", "临安区/无此镇"])
    assert unknown.exit_code != 0
    assert "无此镇" in unknown.output


def test_responsibles_of_a_post_and_leaders_of_a_unit(county):
    town_a = county.accounts["A"]
    post_id, person_id = county.posts["A"]["id"], county.people["A"]["id"]
    responsible = created(town_a.post(f"/api/v1/posts/{post_id}/responsibles", json={
        "person_id": person_id, "role": "administrative"}))
    assert responsible["name"] == "王建国" and responsible["role"] == "administrative"
    listed = town_a.get(f"/api/v1/posts/{post_id}/responsibles").get_json()
    assert [r["id"] for r in listed["items"]] == [responsible["id"]]
    assert town_a.post(f"/api/v1/posts/{post_id}/responsibles", json={
        "person_id": county.people["B"]["id"], "role": "patrol"}).status_code == 403
    assert town_a.post(f"/api/v1/posts/{post_id}/responsibles", json={
        "person_id": person_id, "role": "boss"}).status_code == 422
    assert county.accounts["B"].get(f"/api/v1/posts/{post_id}/responsibles").status_code == 404
    assert county.accounts["B"].delete(
        f"/api/v1/responsibles/{responsible['id']}").status_code == 404
    removed = town_a.delete(f"/api/v1/responsibles/{responsible['id']}")
    assert removed.status_code == 200
    assert town_a.get(f"/api/v1/posts/{post_id}/responsibles").get_json()["total"] == 0

    leader = created(town_a.post(f"/api/v1/units/{county.units['A']}/leaders", json={
        "person_id": person_id, "role": "duty"}))
    assert leader["role"] == "duty"
    leaders = county.accounts["county"].get(f"/api/v1/units/{county.units['A']}/leaders")
    assert [item["name"] for item in leaders.get_json()["items"]] == ["王建国"]
    assert county.accounts["B"].post(f"/api/v1/units/{county.units['A']}/leaders", json={
        "person_id": county.people["B"]["id"], "role": "duty"}).status_code == 404


def test_people_and_posts_imports_name_units_by_path_and_responsibles_by_phone(county):
    town_a = county.accounts["A"]
    people_csv = ("姓名,电话,单位,类别,上级单位\n"
                  "赵敏,13900000021,太湖源镇,村干部,临安区/太湖源镇/白沙村\n"
                  "钱进,13900000022,天目山镇,村干部,临安区/天目山镇/月亮桥村\n"
                  "孙立,13900000023,太湖源镇,村干部,临安区/无此镇\n").encode()
    answer = county.accounts["A-admin"].post(
        "/api/v1/people/import", data={"file": (_file(people_csv), "p.csv")},
        content_type="multipart/form-data").get_json()
    assert answer["created"] == 1
    assert [e["row"] for e in answer["errors"]] == [3, 4]
    zhao = next(p for p in town_a.get("/api/v1/people").get_json()["items"]
                if p["name"] == "赵敏")
    assert zhao["unit_id"] == county.units["A1"]

    posts_csv = ("名称,类型,纬度,经度,半径,上级单位,行政责任人,巡查责任人\n"
                 "白沙山塘,山塘,30.2,119.5,100,临安区/太湖源镇/白沙村,"
                 "王建国 13900000001,13900000021\n"
                 "白沙桥,桥梁,30.21,119.51,80,临安区/太湖源镇/白沙村,13900000002,\n").encode()
    answer = town_a.post("/api/v1/posts/import", data={"file": (_file(posts_csv), "s.csv")},
                         content_type="multipart/form-data").get_json()
    assert answer["created"] == 1
    assert [e["row"] for e in answer["errors"]] == [3]  # 13900000002 is in town B
    pond = next(p for p in town_a.get("/api/v1/posts").get_json()["items"]
                if p["name"] == "白沙山塘")
    roles = {(r["name"], r["role"]) for r in
             town_a.get(f"/api/v1/posts/{pond['id']}/responsibles").get_json()["items"]}
    assert roles == {("王建国", "administrative"), ("赵敏", "patrol")}


def test_the_county_overview_counts_each_town_and_village_in_scope(county, client, admin):
    from field_support import staff_api

    event = open_event(county.accounts["county"])
    for key, required in (("A", 2), ("B", 1)):
        shift = created(admin.post(f"/api/v1/events/{event['id']}/shifts", json={
            "post_id": county.posts[key]["id"], "required": required, **MORNING}))
        created(admin.post("/api/v1/assignments", json={
            "shift_id": shift["id"], "person_id": county.people[key]["id"]}))
    phone = staff_api(client, admin, county.people["B"]["id"])
    assert phone.post("/api/v1/checkins", json={
        "client_id": "5b1f0c9e-0000-4000-8000-000000000001", "kind": "check_in",
        "lat": county.posts["B"]["lat"], "lon": county.posts["B"]["lon"], "accuracy_m": 8.0,
        "taken_at": "2026-07-21T08:00:00+08:00"}).status_code == 201

    towns = county.accounts["county"].get(f"/api/v1/events/{event['id']}/summary",
                                          query_string={"by": "town"}).get_json()["items"]
    assert [(t["name"], t["posts"], t["required"], t["present"]) for t in towns] == [
        ("天目山镇", 1, 1, 1), ("太湖源镇", 1, 2, 0)]
    assert set(towns[0]) == {"unit_id", "name", "posts", "required", "present", "open_alerts",
                             "calls_unanswered", "households_planned", "households_moved"}
    villages = county.accounts["A"].get(f"/api/v1/events/{event['id']}/summary",
                                        query_string={"by": "village"}).get_json()["items"]
    assert [(v["name"], v["required"], v["present"]) for v in villages] == [("白沙村", 2, 0)]
    only_a = county.accounts["A"].get(f"/api/v1/events/{event['id']}/summary").get_json()
    assert [t["name"] for t in only_a["items"]] == ["太湖源镇"]
    wrong = county.accounts["A"].get(f"/api/v1/events/{event['id']}/summary",
                                     query_string={"by": "province"})
    assert wrong.status_code == 422
