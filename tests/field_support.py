"""A ready duty for field tests: a post, a running shift, a person assigned, and their phone token."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from conftest import Api, event_body, person_body, post_body
from geopy.distance import geodesic


@dataclass
class Duty:
    staff: Api
    person_id: int
    post: dict
    event_id: int
    shift_id: int
    assignment_id: int

    def point_at(self, metres: float, bearing: float = 0.0) -> tuple[float, float]:
        """A position `metres` from the post along `bearing` (geodesic, as the server measures)."""
        destination = geodesic(meters=metres).destination((self.post["lat"], self.post["lon"]),
                                                          bearing)
        return destination.latitude, destination.longitude

    def checkin(self, *, metres: float = 0.0, accuracy_m: float = 10.0,
                taken_at: datetime | str | None = None, kind: str = "check_in", **extra):
        lat, lon = self.point_at(metres)
        body = {"client_id": str(uuid.uuid4()), "kind": kind, "lat": lat, "lon": lon,
                "accuracy_m": accuracy_m,
                "taken_at": taken_at.isoformat() if isinstance(taken_at, datetime)
                else (taken_at or "2026-07-21T08:00:00+08:00")}
        body.update(extra)
        return self.staff.post("/api/v1/checkins", json=body)


def staff_api(client, commander: Api, person_id: int) -> Api:
    link = commander.post("/api/v1/auth/staff-link", json={"person_id": person_id})
    assert link.status_code == 201, link.get_json()
    return Api(client, link.get_json()["token"])


def make_duty(client, admin: Api, commander: Api, *, phone: str = "13800000001",
              post_name: str = "石门水库", radius_m: float = 100.0,
              starts_at: str = "2026-07-21T08:00:00+08:00",
              ends_at: str = "2026-07-21T20:00:00+08:00", event_id: int | None = None,
              post_fields: dict | None = None) -> Duty:
    person = admin.post("/api/v1/people", json=person_body(phone=phone, name=f"人员{phone[-4:]}"))
    assert person.status_code == 201, person.get_json()
    person_id = person.get_json()["id"]
    post = commander.post("/api/v1/posts", json=post_body(name=post_name, radius_m=radius_m,
                                                          **(post_fields or {})))
    assert post.status_code == 201, post.get_json()
    if event_id is None:
        event_id = commander.post("/api/v1/events", json=event_body()).get_json()["id"]
    shift = commander.post(f"/api/v1/events/{event_id}/shifts", json={
        "post_id": post.get_json()["id"], "starts_at": starts_at, "ends_at": ends_at,
        "required": 1})
    assert shift.status_code == 201, shift.get_json()
    assignment = commander.post("/api/v1/assignments", json={
        "shift_id": shift.get_json()["id"], "person_id": person_id})
    assert assignment.status_code == 201, assignment.get_json()
    return Duty(staff_api(client, commander, person_id), person_id, post.get_json(), event_id,
                shift.get_json()["id"], assignment.get_json()["id"])


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
