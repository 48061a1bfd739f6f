"""Who may call what: every registered API operation against every role.

The table below is the expected access policy, written from what each office does in an emergency:
the administrator keeps the roster and the records; the command center opens responses, posts,
shifts, assignments and staff links; the supervision office reads and reviews; field staff act
only on their own duty. It is checked against `OPERATIONS`, so a new endpoint without a row here
fails the suite until someone decides who may call it.
"""

from __future__ import annotations

import io
import uuid
from functools import cached_property

import pytest
from conftest import PASSWORD, Api, event_body, person_body, post_body
from shapes import assert_error

from coordinator.api.endpoint import OPERATIONS
from coordinator.jobs.sweeper import run_once

ROLES = ("admin", "commander", "inspector", "staff", "anonymous")
PUBLIC = frozenset(ROLES)
ADMIN = frozenset({"admin"})
COMMAND = frozenset({"admin", "commander"})
READERS = frozenset({"admin", "commander", "inspector"})
INSPECTOR = frozenset({"inspector"})
STAFF = frozenset({"staff"})
SIGNED_IN = frozenset({"admin", "commander", "inspector", "staff"})
# Routes under /api/ that are deliberately not operations: the API's own description.
OPEN_ROUTES = {("GET", "/api/v1/openapi.json")}
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")


def checkin_body(**overrides) -> dict:
    body = {"client_id": str(uuid.uuid4()), "kind": "check_in", "lat": post_body()["lat"],
            "lon": post_body()["lon"], "accuracy_m": 8.0, "taken_at": "2026-07-21T08:05:00+08:00"}
    body.update(overrides)
    return body


def report_body(**overrides) -> dict:
    body = {"client_id": str(uuid.uuid4()), "lat": 28.124, "lon": 119.951, "category": "flooding",
            "description": "水库溢洪道水位上涨"}
    body.update(overrides)
    return body


def created(response) -> int:
    assert response.status_code in (200, 201), response.get_json()
    return response.get_json()["id"]


def staff_token(commander: Api, person_id: int) -> str:
    response = commander.post("/api/v1/auth/staff-link", json={"person_id": person_id})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


class World:
    """One of everything a call may need, made on first use so that each case pays for its own."""

    def __init__(self, app, client, make_user, clock):
        self.app = app
        self.client = client
        self.make_user = make_user
        self.clock = clock

    def sign_in(self, role: str) -> Api:
        username = self.make_user(role, f"the-{role}")
        response = self.client.post("/api/v1/auth/login",
                                    json={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.get_json()
        return Api(self.client, response.get_json()["token"])

    def caller(self, role: str) -> Api:
        if role == "anonymous":
            return Api(self.client)
        if role == "staff":
            return self.staff
        return self.admin if role == "admin" else self.commander if role == "commander" else (
            self.sign_in(role))

    def login_body(self) -> dict:
        self.admin  # noqa: B018 (the account must exist)
        return {"username": "the-admin", "password": PASSWORD}

    @cached_property
    def admin(self) -> Api:
        return self.sign_in("admin")

    @cached_property
    def commander(self) -> Api:
        return self.sign_in("commander")

    @cached_property
    def staff(self) -> Api:
        """The field worker `staff_person_id`, signed in by a staff link."""
        return Api(self.client, staff_token(self.commander, self.staff_person_id))

    @cached_property
    def person_id(self) -> int:
        """On the roster, not assigned."""
        return created(self.admin.post("/api/v1/people", json=person_body(phone="13800000001")))

    @cached_property
    def other_id(self) -> int:
        return created(self.admin.post("/api/v1/people",
                                       json=person_body(name="李强", phone="13800000002")))

    @cached_property
    def staff_person_id(self) -> int:
        return created(self.admin.post("/api/v1/people",
                                       json=person_body(name="王芳", phone="13800000003")))

    @cached_property
    def post_id(self) -> int:
        return created(self.commander.post("/api/v1/posts", json=post_body()))

    @cached_property
    def event_id(self) -> int:
        return created(self.commander.post("/api/v1/events", json=event_body()))

    @cached_property
    def shift_id(self) -> int:
        return created(self.commander.post(f"/api/v1/events/{self.event_id}/shifts", json={
            "post_id": self.post_id, "starts_at": "2026-07-21T08:00:00+08:00",
            "ends_at": "2026-07-21T20:00:00+08:00", "required": 3}))

    def assign(self, person_id: int) -> int:
        return created(self.commander.post("/api/v1/assignments", json={
            "shift_id": self.shift_id, "person_id": person_id}))

    @cached_property
    def other_assignment_id(self) -> int:
        return self.assign(self.other_id)

    @cached_property
    def staff_assignment_id(self) -> int:
        return self.assign(self.staff_person_id)

    @cached_property
    def checkin_id(self) -> int:
        self.staff_assignment_id  # noqa: B018 (the check-in needs a shift to belong to)
        return created(self.staff.post("/api/v1/checkins", json=checkin_body()))

    @cached_property
    def report_id(self) -> int:
        return created(self.staff.post("/api/v1/reports", json=report_body(photo=PNG)))

    @cached_property
    def alert_id(self) -> int:
        """The alert a hazard report from someone on duty raises."""
        self.staff_assignment_id  # noqa: B018 (on duty, so the report belongs to the event)
        self.report_id  # noqa: B018
        alerts = self.commander.get(f"/api/v1/events/{self.event_id}/alerts").get_json()["items"]
        return alerts[0]["id"]


    @cached_property
    def unit_id(self) -> int:
        return created(self.admin.post("/api/v1/units", json={"name": "临安区", "kind": "county"}))

    @cached_property
    def leader_id(self) -> int:
        return created(self.admin.post(f"/api/v1/units/{self.unit_id}/leaders", json={
            "person_id": self.other_id, "role": "chief"}))

    @cached_property
    def responsible_id(self) -> int:
        return created(self.admin.post(f"/api/v1/posts/{self.post_id}/responsibles", json={
            "person_id": self.other_id, "role": "patrol"}))

    @cached_property
    def call_id(self) -> int:
        """A call (叫应) to the person on the roster and the staff member."""
        return created(self.commander.post("/api/v1/calls", json={
            "message": "请回复", "targets": {"person_ids": [self.person_id,
                                                           self.staff_person_id]}}))

    @cached_property
    def warning_id(self) -> int:
        """A warning whose polygon holds the post, which has a responsible person."""
        self.responsible_id  # noqa: B018
        return created(self.commander.post("/api/v1/warnings", json=warning_body()))

    @cached_property
    def notification_id(self) -> int:
        """An SMS of that call that failed: the gateway it was for does not answer."""
        from channel_servers import free_port

        from coordinator.jobs import sender

        self.app.config.update(SMS_URL=f"http://127.0.0.1:{free_port()}/send",
                               NOTIFY_MAX_ATTEMPTS=1)
        created(self.commander.post("/api/v1/calls", json={
            "message": "请回复", "targets": {"person_ids": [self.person_id]}}))
        with self.app.app_context():
            failed = sender.run_until_idle().failed
        self.app.config["SMS_URL"] = ""
        return failed[0]

    @cached_property
    def spot_check_id(self) -> int:
        """A spot check with a photo at the post, by an inspector account of its own."""
        username = self.make_user("inspector", "spot-inspector")
        token = self.client.post("/api/v1/auth/login", json={
            "username": username, "password": PASSWORD}).get_json()["token"]
        return created(Api(self.client, token).post("/api/v1/spot-checks", json={
            **spot_check_body(self), "photo": PNG}))

    @cached_property
    def shelter_id(self) -> int:
        """A shelter that the staff member manages (its contact)."""
        shelter = created(self.commander.post("/api/v1/posts", json=post_body(
            name="中心小学安置点", kind="shelter", capacity=50)))
        created(self.commander.post(f"/api/v1/posts/{shelter}/responsibles", json={
            "person_id": self.staff_person_id, "role": "contact"}))
        return shelter

    @cached_property
    def household_id(self) -> int:
        """A household of the staff member's unit, planned for the shelter."""
        response = self.admin.patch(f"/api/v1/people/{self.staff_person_id}",
                                    json={"unit_id": self.unit_id})
        assert response.status_code == 200, response.get_json()
        return created(self.commander.post("/api/v1/households", json=household_body(self)))

    @cached_property
    def missed_checkin_alert_id(self) -> int:
        """The sweeper's alert when the staff member has not checked in by shift start + grace."""
        self.staff_assignment_id  # noqa: B018
        self.person_id  # noqa: B018 (someone free to send)
        self.clock.advance(minutes=16)
        with self.app.app_context():
            run_once()
        alerts = self.commander.get(f"/api/v1/events/{self.event_id}/alerts").get_json()["items"]
        return next(a["id"] for a in alerts if a["kind"] == "missed_checkin")


@pytest.fixture
def world(app, client, make_user, clock) -> World:
    return World(app, client, make_user, clock)


def upload(name: str, text: str) -> dict:
    return {"data": {"file": (io.BytesIO(text.encode("utf-8")), name)},
            "content_type": "multipart/form-data"}


def shift_json(w: World) -> dict:
    return {"post_id": w.post_id, "starts_at": "2026-07-21T20:00:00+08:00",
            "ends_at": "2026-07-22T08:00:00+08:00", "required": 1}


def warning_body() -> dict:
    lat, lon = post_body()["lat"], post_body()["lon"]
    return {"headline": "暴雨橙色预警", "event": "暴雨", "severity": "orange",
            "polygon": [[lat - 0.01, lon - 0.01], [lat - 0.01, lon + 0.01],
                        [lat + 0.01, lon + 0.01], [lat + 0.01, lon - 0.01]]}


def household_body(w: World) -> dict:
    return {"head_name": "张三", "phone": f"139{uuid.uuid4().int % 10**8:08d}",
            "unit_id": w.unit_id, "people": 3, "vulnerable": 1, "shelter_post_id": w.shelter_id}


def household_file(w: World) -> dict:
    w.unit_id  # noqa: B018 (the unit the row names)
    return upload("households.csv", "户主,电话,所属村,人数\n李四,13912345678,临安区,2\n")


def relocation_body(w: World) -> dict:
    return {"client_id": str(uuid.uuid4()), "household_id": w.household_id, "status": "moved",
            "people": 3, "taken_at": "2026-07-21T08:00:00+08:00"}


def arrival_body(w: World) -> dict:
    return {"client_id": str(uuid.uuid4()), "shelter_post_id": w.shelter_id, "people": 2,
            "taken_at": "2026-07-21T08:00:00+08:00"}


def spot_check_body(w: World) -> dict:
    w.shift_id  # noqa: B018 (a spot check is at a post with a shift in the response)
    return {"post_id": w.post_id, "event_id": w.event_id,
            "visited_at": "2026-07-21T08:00:00+08:00", "present_person_ids": [], "note": "暗访"}


# (method, rule) → (who may call it, the request: path and keyword arguments for the client)
EXPECTED = {
    ("POST", "/api/v1/auth/login"): (PUBLIC, lambda w: ("/api/v1/auth/login", {"json": w.login_body()})),
    ("POST", "/api/v1/auth/staff-link"): (COMMAND, lambda w: (
        "/api/v1/auth/staff-link", {"json": {"person_id": w.person_id}})),
    ("POST", "/api/v1/auth/release-device"): (ADMIN, lambda w: (
        "/api/v1/auth/release-device", {"json": {"person_id": w.staff_person_id}})),
    ("GET", "/api/v1/auth/link-refusals"): (READERS, lambda w: ("/api/v1/auth/link-refusals", {})),
    # The roster is the administrator's; the command center and supervision read it.
    ("POST", "/api/v1/people"): (ADMIN, lambda w: (
        "/api/v1/people", {"json": person_body(name="赵敏", phone="13800000009")})),
    ("GET", "/api/v1/people"): (READERS, lambda w: ("/api/v1/people", {})),
    ("GET", "/api/v1/people/<int:person_id>"): (READERS, lambda w: (
        f"/api/v1/people/{w.person_id}", {})),
    ("PATCH", "/api/v1/people/<int:person_id>"): (ADMIN, lambda w: (
        f"/api/v1/people/{w.person_id}", {"json": {"unit": "应急管理局"}})),
    ("POST", "/api/v1/people/<int:person_id>/deactivate"): (ADMIN, lambda w: (
        f"/api/v1/people/{w.person_id}/deactivate", {})),
    ("POST", "/api/v1/people/import"): (ADMIN, lambda w: (
        "/api/v1/people/import",
        upload("people.csv", "name,phone,unit,kind\n陈刚,13900000001,城关镇,cadre\n"))),
    # Posts: kept by the administrator and activated on the spot by the command center.
    ("POST", "/api/v1/posts"): (COMMAND, lambda w: (
        "/api/v1/posts", {"json": post_body(name="青山塘", kind="pond")})),
    ("GET", "/api/v1/posts"): (READERS, lambda w: ("/api/v1/posts", {})),
    ("GET", "/api/v1/posts/<int:post_id>"): (READERS, lambda w: (f"/api/v1/posts/{w.post_id}", {})),
    ("PATCH", "/api/v1/posts/<int:post_id>"): (COMMAND, lambda w: (
        f"/api/v1/posts/{w.post_id}", {"json": {"risk": 1}})),
    ("POST", "/api/v1/posts/<int:post_id>/deactivate"): (COMMAND, lambda w: (
        f"/api/v1/posts/{w.post_id}/deactivate", {})),
    ("POST", "/api/v1/posts/import"): (COMMAND, lambda w: (
        "/api/v1/posts/import",
        upload("posts.csv", "name,kind,lat,lon,radius_m\n新桥,bridge,28.2,119.9,80\n"))),
    # Responses, shifts and assignments: the command center (the administrator may stand in).
    ("POST", "/api/v1/events"): (COMMAND, lambda w: ("/api/v1/events", {"json": event_body()})),
    ("GET", "/api/v1/events"): (READERS, lambda w: ("/api/v1/events", {})),
    ("GET", "/api/v1/events/<int:event_id>"): (READERS, lambda w: (
        f"/api/v1/events/{w.event_id}", {})),
    ("POST", "/api/v1/events/<int:event_id>/close"): (COMMAND, lambda w: (
        f"/api/v1/events/{w.event_id}/close", {})),
    ("POST", "/api/v1/events/<int:event_id>/shifts"): (COMMAND, lambda w: (
        f"/api/v1/events/{w.event_id}/shifts", {"json": shift_json(w)})),
    ("GET", "/api/v1/events/<int:event_id>/shifts"): (READERS, lambda w: (
        f"/api/v1/events/{w.event_id}/shifts", {})),
    ("POST", "/api/v1/assignments"): (COMMAND, lambda w: (
        "/api/v1/assignments", {"json": {"shift_id": w.shift_id, "person_id": w.person_id}})),
    ("DELETE", "/api/v1/assignments/<int:assignment_id>"): (COMMAND, lambda w: (
        f"/api/v1/assignments/{w.other_assignment_id}", {})),
    ("GET", "/api/v1/events/<int:event_id>/assignments"): (READERS, lambda w: (
        f"/api/v1/events/{w.event_id}/assignments", {})),
    # The field: staff act for themselves; supervision reviews check-ins.
    ("POST", "/api/v1/checkins"): (STAFF, lambda w: (
        "/api/v1/checkins", {"json": checkin_body(kind="presence",
                                                  assignment_id=w.staff_assignment_id)})),
    ("POST", "/api/v1/checkins/<int:checkin_id>/review"): (INSPECTOR, lambda w: (
        f"/api/v1/checkins/{w.checkin_id}/review", {"json": {"verdict": "confirmed",
                                                             "note": "现场核实在岗"}})),
    ("GET", "/api/v1/me/assignments"): (STAFF, lambda w: ("/api/v1/me/assignments", {})),
    ("GET", "/api/v1/me/responsibilities"): (STAFF, lambda w: ("/api/v1/me/responsibilities", {})),
    ("POST", "/api/v1/assignments/<int:assignment_id>/ack"): (STAFF, lambda w: (
        f"/api/v1/assignments/{w.staff_assignment_id}/ack", {})),
    ("POST", "/api/v1/reports"): (STAFF, lambda w: ("/api/v1/reports", {"json": report_body()})),
    ("GET", "/api/v1/reports/<int:report_id>/photo"): (SIGNED_IN, lambda w: (
        f"/api/v1/reports/{w.report_id}/photo", {})),
    # The live map: everyone at the command center and supervision watches; the command center acts.
    ("GET", "/api/v1/events/<int:event_id>/snapshot"): (READERS, lambda w: (
        f"/api/v1/events/{w.event_id}/snapshot", {})),
    ("GET", "/api/v1/events/<int:event_id>/alerts"): (READERS, lambda w: (
        f"/api/v1/events/{w.event_id}/alerts", {})),
    ("POST", "/api/v1/alerts/<int:alert_id>/ack"): (COMMAND, lambda w: (
        f"/api/v1/alerts/{w.alert_id}/ack", {})),
    ("GET", "/api/v1/events/<int:event_id>/replay"): (READERS, lambda w: (
        f"/api/v1/events/{w.event_id}/replay", {"query_string": {"at": "2026-07-21T09:00:00+08:00"}})),
    ("GET", "/api/v1/events/<int:event_id>/posts/<int:post_id>"): (READERS, lambda w: (
        f"/api/v1/events/{w.event_id}/posts/{w.post_id}", {})),
    ("GET", "/api/v1/events/<int:event_id>/reports"): (READERS, lambda w: (
        f"/api/v1/events/{w.event_id}/reports", {})),
    ("GET", "/api/v1/shifts/<int:shift_id>/candidates"): (COMMAND, lambda w: (
        f"/api/v1/shifts/{w.shift_id}/candidates", {})),
    ("POST", "/api/v1/alerts/<int:alert_id>/dispatch"): (COMMAND, lambda w: (
        f"/api/v1/alerts/{w.missed_checkin_alert_id}/dispatch", {})),
    # The assignment engine is the command center's; the duty roster is read by all three.
    ("POST", "/api/v1/events/<int:event_id>/assign"): (COMMAND, lambda w: (
        f"/api/v1/events/{w.event_id}/assign", {"json": {"shift_ids": [w.shift_id]}})),
    ("POST", "/api/v1/events/<int:event_id>/assign/proposal"): (COMMAND, lambda w: (
        f"/api/v1/events/{w.event_id}/assign/proposal", {"json": {}})),
    ("POST", "/api/v1/events/<int:event_id>/assign/confirm"): (COMMAND, lambda w: (
        f"/api/v1/events/{w.event_id}/assign/confirm",
        {"json": {"rows": [{"shift_id": w.shift_id, "person_id": w.person_id}]}})),
    ("GET", "/api/v1/events/<int:event_id>/assign/shifts"): (COMMAND, lambda w: (
        f"/api/v1/events/{w.event_id}/assign/shifts", {})),
    ("GET", "/api/v1/events/<int:event_id>/roster.xlsx"): (READERS, lambda w: (
        f"/api/v1/events/{w.event_id}/roster.xlsx", {"query_string": {"date": "2026-07-21"}})),
    # Duty records: supervision records spot checks, the command center commends and criticises;
    # the records and their exports are read by the three offices.
    ("POST", "/api/v1/spot-checks"): (INSPECTOR, lambda w: (
        "/api/v1/spot-checks", {"json": spot_check_body(w)})),
    ("GET", "/api/v1/events/<int:event_id>/spot-checks"): (READERS, lambda w: (
        f"/api/v1/events/{w.event_id}/spot-checks", {})),
    ("GET", "/api/v1/spot-checks/<int:spot_check_id>/photo"): (READERS, lambda w: (
        f"/api/v1/spot-checks/{w.spot_check_id}/photo", {})),
    ("GET", "/api/v1/events/<int:event_id>/duty-posts"): (READERS, lambda w: (
        f"/api/v1/events/{w.event_id}/duty-posts", {})),
    ("GET", "/api/v1/events/<int:event_id>/posts/<int:post_id>/on-shift"): (READERS, lambda w: (
        f"/api/v1/events/{w.event_id}/posts/{w.post_id}/on-shift", {})),
    ("POST", "/api/v1/commendations"): (frozenset({"commander"}), lambda w: (
        "/api/v1/commendations", {"json": {"person_id": w.person_id, "event_id": w.event_id,
                                           "kind": "commend", "reason": "坚守岗位"}})),
    ("GET", "/api/v1/events/<int:event_id>/commendations"): (READERS, lambda w: (
        f"/api/v1/events/{w.event_id}/commendations", {})),
    ("GET", "/api/v1/events/<int:event_id>/checkins"): (READERS, lambda w: (
        f"/api/v1/events/{w.event_id}/checkins", {"query_string": {"flag": "suspected_spoof"}})),
    ("GET", "/api/v1/events/<int:event_id>/performance"): (READERS, lambda w: (
        f"/api/v1/events/{w.event_id}/performance", {})),
    ("GET", "/api/v1/events/<int:event_id>/performance/units"): (READERS, lambda w: (
        f"/api/v1/events/{w.event_id}/performance/units", {})),
    ("GET", "/api/v1/events/<int:event_id>/performance/summary"): (READERS, lambda w: (
        f"/api/v1/events/{w.event_id}/performance/summary", {})),
    ("GET", "/api/v1/people/<int:person_id>/performance"): (READERS, lambda w: (
        f"/api/v1/people/{w.person_id}/performance", {})),
    ("GET", "/api/v1/events/<int:event_id>/export.xlsx"): (READERS, lambda w: (
        f"/api/v1/events/{w.event_id}/export.xlsx", {})),
    ("GET", "/api/v1/events/<int:event_id>/export.csv"): (READERS, lambda w: (
        f"/api/v1/events/{w.event_id}/export.csv", {"query_string": {"table": "checkins"}})),
    ("GET", "/api/v1/exports/season.xlsx"): (READERS, lambda w: (
        "/api/v1/exports/season.xlsx", {"query_string": {"event_ids": str(w.event_id)}})),
    # The command chain: the administrator draws it and makes accounts; the command center names
    # who leads and who is responsible; all three offices read it.
    ("GET", "/api/v1/events/<int:event_id>/summary"): (READERS, lambda w: (
        f"/api/v1/events/{w.event_id}/summary", {"query_string": {"by": "village"}})),
    ("POST", "/api/v1/units"): (ADMIN, lambda w: (
        "/api/v1/units", {"json": {"name": "於潜镇", "kind": "town", "parent_id": w.unit_id}})),
    ("GET", "/api/v1/units"): (READERS, lambda w: ("/api/v1/units", {})),
    ("GET", "/api/v1/units/<int:unit_id>"): (READERS, lambda w: (
        f"/api/v1/units/{w.unit_id}", {})),
    ("POST", "/api/v1/units/import"): (ADMIN, lambda w: (
        "/api/v1/units/import", upload("units.csv", "名称,类型,上级\n昌化镇,镇,临安区\n"))),
    ("POST", "/api/v1/units/<int:unit_id>/leaders"): (COMMAND, lambda w: (
        f"/api/v1/units/{w.unit_id}/leaders", {"json": {"person_id": w.person_id,
                                                         "role": "duty"}})),
    ("GET", "/api/v1/units/<int:unit_id>/leaders"): (READERS, lambda w: (
        f"/api/v1/units/{w.unit_id}/leaders", {})),
    ("DELETE", "/api/v1/leaders/<int:leader_id>"): (COMMAND, lambda w: (
        f"/api/v1/leaders/{w.leader_id}", {})),
    ("POST", "/api/v1/posts/<int:post_id>/responsibles"): (COMMAND, lambda w: (
        f"/api/v1/posts/{w.post_id}/responsibles", {"json": {"person_id": w.person_id,
                                                              "role": "administrative"}})),
    ("GET", "/api/v1/posts/<int:post_id>/responsibles"): (READERS, lambda w: (
        f"/api/v1/posts/{w.post_id}/responsibles", {})),
    ("DELETE", "/api/v1/responsibles/<int:responsible_id>"): (COMMAND, lambda w: (
        f"/api/v1/responsibles/{w.responsible_id}", {})),
    ("POST", "/api/v1/users"): (ADMIN, lambda w: (
        "/api/v1/users", {"json": {"username": f"u-{uuid.uuid4().hex[:6]}",
                                   "password": PASSWORD, "role": "inspector"}})),
    ("POST", "/api/v1/users/<int:user_id>/disable"): (ADMIN, lambda w: (
        "/api/v1/users/{}/disable".format(created(w.admin.post("/api/v1/users", json={
            "username": f"u-{uuid.uuid4().hex[:6]}", "password": PASSWORD,
            "role": "inspector"}))), {})),
    # Call-and-answer: the command center calls and sees the outbox; every office follows the
    # answers; a target answers for itself.
    ("POST", "/api/v1/calls"): (COMMAND, lambda w: (
        "/api/v1/calls", {"json": {"message": "请回复", "targets": {"person_ids": [w.person_id]}}})),
    ("GET", "/api/v1/calls"): (READERS, lambda w: ("/api/v1/calls", {})),
    ("GET", "/api/v1/calls/<int:call_id>"): (READERS, lambda w: (f"/api/v1/calls/{w.call_id}", {})),
    ("POST", "/api/v1/calls/<int:call_id>/answer"): (STAFF, lambda w: (
        f"/api/v1/calls/{w.call_id}/answer", {"json": {"client_id": str(uuid.uuid4())}})),
    ("GET", "/api/v1/me/calls"): (STAFF, lambda w: ("/api/v1/me/calls", {})),
    ("GET", "/api/v1/notifications"): (COMMAND, lambda w: ("/api/v1/notifications", {})),
    ("POST", "/api/v1/notifications/<int:notification_id>/resend"): (COMMAND, lambda w: (
        f"/api/v1/notifications/{w.notification_id}/resend", {})),
    ("POST", "/api/v1/warnings"): (COMMAND, lambda w: ("/api/v1/warnings", {"json": warning_body()})),
    ("GET", "/api/v1/warnings"): (READERS, lambda w: ("/api/v1/warnings", {})),
    ("GET", "/api/v1/warnings/<int:warning_id>"): (READERS, lambda w: (
        f"/api/v1/warnings/{w.warning_id}", {})),
    ("POST", "/api/v1/warnings/<int:warning_id>/call"): (COMMAND, lambda w: (
        f"/api/v1/warnings/{w.warning_id}/call", {"json": {}})),
    # Relocation: the command center keeps the households; a field worker reports their own
    # village's and a shelter's manager its arrivals; every office follows the figures.
    ("POST", "/api/v1/households/import"): (COMMAND, lambda w: (
        "/api/v1/households/import", household_file(w))),
    ("GET", "/api/v1/households"): (READERS, lambda w: ("/api/v1/households", {})),
    ("POST", "/api/v1/households"): (COMMAND, lambda w: (
        "/api/v1/households", {"json": household_body(w)})),
    ("GET", "/api/v1/households/<int:household_id>"): (READERS, lambda w: (
        f"/api/v1/households/{w.household_id}", {})),
    ("PATCH", "/api/v1/households/<int:household_id>"): (COMMAND, lambda w: (
        f"/api/v1/households/{w.household_id}", {"json": {"note": "独居老人"}})),
    ("POST", "/api/v1/events/<int:event_id>/relocations"): (STAFF | COMMAND, lambda w: (
        f"/api/v1/events/{w.event_id}/relocations", {"json": relocation_body(w)})),
    ("GET", "/api/v1/events/<int:event_id>/relocations"): (READERS, lambda w: (
        f"/api/v1/events/{w.event_id}/relocations", {})),
    ("POST", "/api/v1/events/<int:event_id>/shelter-arrivals"): (STAFF | COMMAND, lambda w: (
        f"/api/v1/events/{w.event_id}/shelter-arrivals", {"json": arrival_body(w)})),
    ("GET", "/api/v1/events/<int:event_id>/relocation"): (READERS, lambda w: (
        f"/api/v1/events/{w.event_id}/relocation?by=town", {})),
    ("GET", "/api/v1/events/<int:event_id>/shelters"): (READERS, lambda w: (
        f"/api/v1/events/{w.event_id}/shelters", {})),
    ("GET", "/api/v1/events/<int:event_id>/households"): (READERS, lambda w: (
        f"/api/v1/events/{w.event_id}/households", {})),
    ("GET", "/api/v1/me/relocation"): (STAFF, lambda w: ("/api/v1/me/relocation", {})),
    # The audit log is the administrator's.
    ("GET", "/api/v1/audit/verify"): (ADMIN, lambda w: ("/api/v1/audit/verify", {})),
    ("GET", "/api/v1/audit"): (ADMIN, lambda w: ("/api/v1/audit", {})),
}

CASES = [(op, role) for op in OPERATIONS for role in ROLES]


@pytest.mark.parametrize("op, role", CASES,
                         ids=[f"{op.method.upper()} {op.rule} as {role}" for op, role in CASES])
def test_role_table(world, op, role):
    key = (op.method.upper(), op.rule)
    if key not in EXPECTED:
        pytest.fail(f"{key} has no row in the role table of tests/test_roles.py: "
                    "decide who may call it and add the row", pytrace=False)
    allowed, build = EXPECTED[key]
    caller = world.caller(role)
    path, kwargs = build(world)
    headers = {"Authorization": f"Bearer {caller.token}"} if caller.token else {}

    response = caller.client.open(path, method=op.method.upper(), headers=headers, **kwargs)

    if role in allowed:
        assert response.status_code == op.status, (role, response.get_json(silent=True))
    elif role == "anonymous":
        assert_error(response, 401, "unauthorized")
    else:
        assert_error(response, 403, "forbidden")


def test_the_table_has_no_rows_for_operations_that_are_gone():
    registered = {(op.method.upper(), op.rule) for op in OPERATIONS}

    assert set(EXPECTED) - registered == set()


def test_every_api_route_is_a_documented_operation_or_deliberately_open(app, client):
    operations = {(op.method.upper(), op.rule) for op in OPERATIONS}
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/") for method in rule.methods - {"HEAD", "OPTIONS"}}

    assert routes - operations == OPEN_ROUTES
    for _, path in OPEN_ROUTES:
        assert client.get(path).status_code == 200


# --- staff act only for themselves -------------------------------------------------------------------


def test_staff_cannot_act_on_someone_elses_duty(world, client):
    commander, staff = world.commander, world.staff
    other = Api(client, staff_token(commander, world.other_id))
    others_report = created(other.post("/api/v1/reports", json=report_body(photo=PNG)))

    assert_error(staff.post(f"/api/v1/assignments/{world.other_assignment_id}/ack"), 403, "forbidden")
    assert_error(staff.post("/api/v1/checkins", json=checkin_body(
        assignment_id=world.other_assignment_id)), 403, "forbidden")
    assert_error(staff.get(f"/api/v1/reports/{others_report}/photo"), 404, "not_found")
    world.staff_assignment_id  # noqa: B018 (the staff member has a shift of their own)
    mine = staff.get("/api/v1/me/assignments").get_json()["items"]
    assert [item["id"] for item in mine] == [world.staff_assignment_id]
    assert other.get(f"/api/v1/reports/{others_report}/photo").status_code == 200
    # Nothing of the other person's changed.
    listed = commander.get(f"/api/v1/events/{world.event_id}/assignments").get_json()["items"]
    assert {a["id"]: a["acknowledged_at"] for a in listed}[world.other_assignment_id] is None


def test_a_staff_account_without_a_person_cannot_act_in_the_field(world):
    """`create-user NAME --role staff` makes an account that is nobody on the roster."""
    account = world.sign_in("staff")

    assert_error(account.post("/api/v1/checkins", json=checkin_body()), 403, "forbidden")
    assert_error(account.post("/api/v1/reports", json=report_body()), 403, "forbidden")
    assert account.get("/api/v1/me/assignments").get_json() == {"items": [], "total": 0}
    assert world.admin.get("/api/v1/audit").get_json()["total"] == 2  # the two accounts only
