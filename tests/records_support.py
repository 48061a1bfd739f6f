"""A response with several people at their own posts, built through the API, for duty records."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from conftest import Api, event_body, person_body, post_body
from field_support import Duty, staff_api

BEIJING = ZoneInfo("Asia/Shanghai")


def beijing(hhmm: str, day: int = 21) -> datetime:
    """A moment on July `day`, 2026, given as Beijing wall-clock time ("08:30")."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    return datetime(2026, 7, day, hour, minute, tzinfo=BEIJING)


@dataclass
class Scene:
    """An event with people each on a shift at a post of their own (posts 1 km apart, so that
    no two people's fixes ever look shared)."""

    client: object
    admin: Api
    commander: Api
    clock: object
    event_id: int
    duties: dict[str, Duty] = field(default_factory=dict)
    _wobble: itertools.count = field(default_factory=itertools.count)

    def add(self, key: str, name: str, unit: str, *, starts: str = "08:00",
            ends: str = "20:00", phone: str | None = None) -> Duty:
        index = len(self.duties)
        person = self.admin.post("/api/v1/people", json=person_body(
            name=name, unit=unit, phone=phone or f"1390000{index:04d}"))
        assert person.status_code == 201, person.get_json()
        post = self.commander.post("/api/v1/posts", json=post_body(
            name=f"{name}的点位", lat=28.1 + index * 0.01, radius_m=100))
        assert post.status_code == 201, post.get_json()
        shift = self.commander.post(f"/api/v1/events/{self.event_id}/shifts", json={
            "post_id": post.get_json()["id"], "starts_at": beijing(starts).isoformat(),
            "ends_at": beijing(ends).isoformat(), "required": 1})
        assert shift.status_code == 201, shift.get_json()
        person_id = person.get_json()["id"]
        assignment = self.commander.post("/api/v1/assignments", json={
            "shift_id": shift.get_json()["id"], "person_id": person_id})
        assert assignment.status_code == 201, assignment.get_json()
        duty = Duty(staff_api(self.client, self.commander, person_id), person_id,
                    post.get_json(), self.event_id, shift.get_json()["id"],
                    assignment.get_json()["id"])
        self.duties[key] = duty
        return duty

    def at(self, hhmm: str, day: int = 21) -> datetime:
        """Move the clock to a Beijing time and return it."""
        moment = beijing(hhmm, day)
        self.clock.set(moment)
        return moment

    def fix(self, key: str, hhmm: str, kind: str = "check_in", metres: float = 5.0) -> dict:
        """Send a fix from `key`'s phone at that time (received at once); a little different
        each time, as real fixes are."""
        taken = self.at(hhmm)
        wobble = next(self._wobble) % 7
        answer = self.duties[key].checkin(kind=kind, metres=metres + wobble, taken_at=taken,
                                          accuracy_m=10 + wobble / 10,
                                          assignment_id=self.duties[key].assignment_id)
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()


def make_scene(client, admin: Api, commander: Api, clock) -> Scene:
    event = commander.post("/api/v1/events", json=event_body(
        starts_at=beijing("08:00").isoformat()))
    assert event.status_code == 201, event.get_json()
    return Scene(client, admin, commander, clock, event.get_json()["id"])


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
