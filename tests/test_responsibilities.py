"""What people answer for, over HTTP: a field worker's own responsibilities (the phone page reads
them), and the lists of units, posts and people that carry their leaders, responsible persons and
responsibilities, within the caller's unit."""

from __future__ import annotations

import pytest
from conftest import person_body
from county_support import build_county, created
from field_support import staff_api
from shapes import assert_error


@pytest.fixture
def county(admin, api_as):
    """The county of county_support; 王建国 (白沙村) is responsible for both posts and leads his
    town and his village; 赵敏 is 白沙水库's patrol responsible."""
    county = build_county(admin, api_as)
    wang = county.people["A"]["id"]
    county.people["zhao"] = created(admin.post("/api/v1/people", json=person_body(
        name="赵敏", phone="13900000021", unit="白沙村", unit_id=county.units["A1"])))
    for post, person, role in (("A", wang, "technical"), ("A", wang, "administrative"),
                               ("A", county.people["zhao"]["id"], "patrol"), ("B", wang, "contact")):
        created(admin.post(f"/api/v1/posts/{county.posts[post]['id']}/responsibles", json={
            "person_id": person, "role": role}))
    for unit, role in (("A1", "chief"), ("A", "duty")):
        created(admin.post(f"/api/v1/units/{county.units[unit]}/leaders", json={
            "person_id": wang, "role": role}))
    return county


def test_a_field_worker_reads_what_they_are_responsible_for(client, admin, county):
    phone = staff_api(client, admin, county.people["A"]["id"])
    answer = phone.get("/api/v1/me/responsibilities")
    assert answer.status_code == 200
    assert answer.get_json() == {
        "posts": [
            {"post_id": county.posts["B"]["id"], "name": "月亮桥山塘", "role": "contact"},
            {"post_id": county.posts["A"]["id"], "name": "白沙水库", "role": "administrative"},
            {"post_id": county.posts["A"]["id"], "name": "白沙水库", "role": "technical"},
        ],
        "units": [
            {"unit_id": county.units["A"], "name": "太湖源镇", "path": ["临安区", "太湖源镇"],
             "role": "duty"},
            {"unit_id": county.units["A1"], "name": "白沙村",
             "path": ["临安区", "太湖源镇", "白沙村"], "role": "chief"},
        ],
    }
    other = staff_api(client, admin, county.people["B"]["id"])
    assert other.get("/api/v1/me/responsibilities").get_json() == {"posts": [], "units": []}


def test_a_deactivated_post_is_no_longer_a_responsibility(client, admin, commander, county):
    assert commander.post(f"/api/v1/posts/{county.posts['B']['id']}/deactivate").status_code == 200
    phone = staff_api(client, admin, county.people["A"]["id"])
    posts = phone.get("/api/v1/me/responsibilities").get_json()["posts"]
    assert {p["name"] for p in posts} == {"白沙水库"}


def test_responsibilities_are_the_field_workers_own(admin, county, api_as):
    assert_error(admin.get("/api/v1/me/responsibilities"), 403, "forbidden")
    staff_account = api_as("staff")  # an account that is nobody on the roster
    assert staff_account.get("/api/v1/me/responsibilities").get_json() == {"posts": [],
                                                                            "units": []}


def test_the_lists_carry_leaders_responsible_persons_and_responsibilities(admin, county):
    units = {u["name"]: u for u in admin.get("/api/v1/units").get_json()["items"]}
    assert [(leader["name"], leader["role"]) for leader in units["太湖源镇"]["leaders"]] == [
        ("王建国", "duty")]
    assert units["临安区"]["leaders"] == []
    assert set(units["白沙村"]["leaders"][0]) == {"id", "unit_id", "person_id", "name", "phone",
                                                  "role", "created_at"}

    posts = {p["name"]: p for p in admin.get("/api/v1/posts").get_json()["items"]}
    # The rules' order: 行政, 技术, 巡查, 包点联系人.
    assert [(r["role"], r["name"]) for r in posts["白沙水库"]["responsibles"]] == [
        ("administrative", "王建国"), ("technical", "王建国"), ("patrol", "赵敏")]

    people = {p["name"]: p for p in admin.get("/api/v1/people").get_json()["items"]}
    assert people["赵敏"]["responsibilities"] == {"posts": [{
        "post_id": county.posts["A"]["id"], "name": "白沙水库", "role": "patrol"}], "units": []}
    assert [u["role"] for u in people["王建国"]["responsibilities"]["units"]] == ["duty", "chief"]
    assert people["李秀英"]["responsibilities"] == {"posts": [], "units": []}
    # A single record reads as it does in the list.
    zhao = county.people["zhao"]
    assert zhao["responsibilities"] == {"posts": [], "units": []}  # as created, before naming
    assert admin.get(f"/api/v1/people/{zhao['id']}").get_json() == people["赵敏"]
    assert admin.get(f"/api/v1/posts/{county.posts['A']['id']}").get_json() == posts["白沙水库"]
    assert county.posts["A"]["responsibles"] == []


def test_a_town_account_sees_only_the_responsibilities_inside_its_town(county):
    town_b = county.accounts["B"]
    assert town_b.get("/api/v1/people").get_json()["items"][0]["responsibilities"] == {
        "posts": [], "units": []}
    posts = town_b.get("/api/v1/posts").get_json()["items"]
    assert [p["name"] for p in posts] == ["月亮桥山塘"]
    assert posts[0]["responsibles"] == []  # its contact, 王建国, belongs to town A
    whole = county.accounts["county"].get("/api/v1/posts").get_json()["items"]
    assert [r["name"] for p in whole if p["name"] == "月亮桥山塘" for r in p["responsibles"]] == [
        "王建国"]
    town_a = county.accounts["A"]
    [wang] = [p for p in town_a.get("/api/v1/people").get_json()["items"] if p["name"] == "王建国"]
    assert [p["name"] for p in wang["responsibilities"]["posts"]] == ["白沙水库", "白沙水库"]
    units = town_a.get("/api/v1/units").get_json()["items"]
    assert [u["name"] for u in units] == ["太湖源镇", "白沙村"]
