"""Every /api/v1 operation × {town A, town B, the county, town B's staff}, with the records of
the role table (tests/test_roles.py) made by town A's accounts, so that they lie in town A.

Town B's accounts call each operation as town A would (the same paths, ids and bodies): no
answer may be a 2xx that shows or changes town A's records. A 2xx is allowed only when the
answer holds nothing of town A's (a list without them, a new record of town B's own); the
county, above both towns, reads what town A reads. A new operation gets its row in the role
table and is walked here at once."""

from __future__ import annotations

import io
import json
from functools import cached_property

import pytest
from conftest import PASSWORD, Api, event_body, person_body
from openpyxl import load_workbook
from test_roles import EXPECTED, World, staff_token

from coordinator.api.endpoint import OPERATIONS

# What town A's records are called (the role table's bodies), and never in town B's answers.
TOWN_A_MARKS = ("13800000001", "13800000002", "13800000003", "石门水库", "2026年7月强降雨防御",
                "水库溢洪道水位上涨", "暗访")


class TownWorld(World):
    """The role table's world, made by accounts of town A (so its records lie in town A)."""

    def __init__(self, app, client, make_user, clock, units: dict[str, int], event_by: str):
        super().__init__(app, client, make_user, clock)
        self.units = units
        self.event_by = event_by
        # A county event is town B's to see too; what town A does in it is not.
        self.marks = TOWN_A_MARKS if event_by == "A" else TOWN_A_MARKS[:4] + TOWN_A_MARKS[5:]

    def populate(self) -> None:
        """One of every record of town A, whatever the operation needs: a read must leave
        out all of them."""
        for name in ("person_id", "other_assignment_id", "staff_assignment_id", "checkin_id",
                     "alert_id", "spot_check_id", "responsible_id", "leader_id", "call_id",
                     "notification_id", "warning_id"):
            getattr(self, name)

    @cached_property
    def event_id(self) -> int:
        if self.event_by == "A":
            return super().event_id
        response = self.county["commander"].post("/api/v1/events", json=event_body())
        assert response.status_code == 201, response.get_json()
        return response.get_json()["id"]

    def sign_in(self, role: str, town: str = "A") -> Api:
        username = self.make_user(role, f"{town}-{role}", unit_id=self.units[town])
        token = self.client.post("/api/v1/auth/login", json={
            "username": username, "password": PASSWORD}).get_json()["token"]
        return Api(self.client, token)

    @cached_property
    def unit_id(self) -> int:  # a village of town A, for the unit routes
        return self.units["A1"]

    @cached_property
    def town_b(self) -> dict[str, Api]:
        callers = {role: self.sign_in(role, "B") for role in ("admin", "commander", "inspector")}
        person = self.client.post("/api/v1/people", json=person_body(
            name="乙镇员工", phone="13700000001", unit="天目山镇"),
            headers={"Authorization": f"Bearer {callers['admin'].token}"}).get_json()
        callers["staff"] = Api(self.client, staff_token(callers["commander"], person["id"]))
        return callers

    @cached_property
    def county(self) -> dict[str, Api]:
        return {role: self.sign_in(role, "county") for role in ("admin", "commander", "inspector")}


@pytest.fixture(params=["A", "county"], ids=["town A's event", "the county's event"])
def town_world(request, app, client, make_user, clock) -> TownWorld:
    from coordinator import clock as app_clock
    from coordinator import db, unit_of_work
    from coordinator.services import audit, organisation

    with app.app_context():
        session = db.session()
        at = app_clock.now()
        county = organisation.create_unit(session, audit.SYSTEM, at, "临安区", "county", None)
        session.flush()
        units = {"county": county.id}
        for key, town, village in (("A", "太湖源镇", "白沙村"), ("B", "天目山镇", "月亮桥村")):
            made = organisation.create_unit(session, audit.SYSTEM, at, town, "town", county.id)
            session.flush()
            below = organisation.create_unit(session, audit.SYSTEM, at, village, "village",
                                             made.id)
            session.flush()
            units[key], units[key + "1"] = made.id, below.id
        unit_of_work.commit(session)
    return TownWorld(app, client, make_user, clock, units, request.param)


def answer_text(response) -> str:
    """What an answer shows, as text: JSON, CSV, or every cell of a workbook."""
    body = response.get_data()
    if body[:2] == b"PK":
        workbook = load_workbook(io.BytesIO(body), read_only=True)
        return json.dumps([[cell for row in sheet.iter_rows(values_only=True) for cell in row]
                           for sheet in workbook.worksheets], ensure_ascii=False, default=str)
    return body.decode("utf-8", "replace")


def call(caller: Api, method: str, path: str, kwargs: dict):
    headers = {"Authorization": f"Bearer {caller.token}"} if caller.token else {}
    return caller.client.open(path, method=method, headers=headers, **kwargs)


# Operations whose request names nothing of town A's (login, a new record, an import of its
# own file): town B gets its 2xx, for its own unit.
NAMES_NOTHING = {("POST", "/api/v1/auth/login"), ("POST", "/api/v1/people"),
                 ("POST", "/api/v1/posts"), ("POST", "/api/v1/events"),
                 ("POST", "/api/v1/people/import"), ("POST", "/api/v1/posts/import"),
                 ("POST", "/api/v1/units/import"), ("POST", "/api/v1/users"),
                 ("POST", "/api/v1/households/import"),
                 ("POST", "/api/v1/reports"), ("POST", "/api/v1/warnings"),
                 # a proposal for the open places of a county event: town B's own, if any
                 ("POST", "/api/v1/events/<int:event_id>/assign/proposal")}

OPS = sorted({(op.method.upper(), op.rule): op for op in OPERATIONS}.items())


@pytest.mark.parametrize("key, op", OPS, ids=[f"{m} {r}" for (m, r), _ in OPS])
def test_town_b_neither_sees_nor_changes_town_a(town_world, key, op):
    allowed, build = EXPECTED[key]
    town_world.populate()
    for role in sorted(allowed - {"anonymous"}):
        path, kwargs = build(town_world)  # made by town A: the records exist, in town A
        caller = town_world.town_b[role]
        response = call(caller, key[0], path, kwargs)
        if response.status_code >= 300:
            continue
        shown = answer_text(response)
        leaked = [mark for mark in town_world.marks if mark in shown]
        assert not leaked, (role, response.status_code, leaked, shown[:300])
        if key not in NAMES_NOTHING:
            assert key[0] == "GET", (role, "a write naming town A's records answered",
                                     response.status_code, shown[:300])


READS = [(key, op) for key, op in OPS if key[0] == "GET"]


@pytest.mark.parametrize("key, op", READS, ids=[f"{m} {r}" for (m, r), _ in READS])
def test_the_county_reads_what_town_a_reads(town_world, key, op):
    allowed, build = EXPECTED[key]
    path, kwargs = build(town_world)
    for role in sorted(allowed & {"admin", "commander", "inspector"}):
        own = call(town_world.caller(role), "GET", path, kwargs)
        above = call(town_world.county[role], "GET", path, kwargs)
        assert above.status_code == own.status_code, (role, above.get_json(silent=True))
