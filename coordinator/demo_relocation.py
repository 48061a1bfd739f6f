"""The demo county's households to move (人员转移): 12 to 30 a village around its centre, about a
third with vulnerable people, each planned for its village's shelter (else its town's first);
the shelters' places; and in the demo response, the reports of the first households of each
village, so that the command center's relocation panel shows a response under way."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import demo_data as data
from .models import Event, Household, HouseholdState, Post, Unit
from .services import audit, households, posts, relocation

DEMO = audit.Actor("demo", "system")
SEED = 15
SURNAMES = "王李张刘陈杨黄赵吴周徐孙胡朱高林何郭马罗"
GIVEN = "建国秀英桂兰国华志强春梅金凤永福玉珍德胜海燕明亮小红"
# Of each village's households, how many have been reported, and how (moved first).
REPORTED_SHARE = 0.45
STATUSES = ("moved", "moved", "moved", "self_arranged", "moved", "refused", "not_home")


def shelter_capacity(name: str) -> int:
    """A demo shelter's places: a school or a centre holds more than a village hall."""
    return 300 if "中心" in name or "小学" in name else 150


def ensure_households(db: Session, at: datetime, units: dict[str, Unit],
                      catalogue: dict[str, Post], event: Event, created: list) -> None:
    for post in catalogue.values():  # the shelters of a demo from before they had places
        if post.kind == "shelter" and post.capacity is None:
            posts.update_post(db, DEMO, at, post, {"capacity": shelter_capacity(post.name)})
    shelters_of: dict[int | None, list[Post]] = {}
    for post in sorted(catalogue.values(), key=lambda p: p.name):
        if post.kind == "shelter":
            shelters_of.setdefault(post.unit_id, []).append(post)
    existing = {(h.unit_id, h.phone) for h in db.scalars(select(Household))}
    for number, (village, town, centre, _families, _officials) in enumerate(data.VILLAGES):
        rng = random.Random(f"{SEED}-{village}")  # the same village whatever came before
        unit = units[f"{data.COUNTY}/{town}/{village}"]
        town_unit = units[f"{data.COUNTY}/{town}"]
        shelter = (shelters_of.get(unit.id) or shelters_of.get(town_unit.id) or [None])[0]
        made = []
        for index in range(rng.randint(12, 30)):
            phone = f"158{number:03d}{index:05d}"
            people = rng.randint(1, 6)
            fields = {"head_name": rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)),
                      "phone": phone, "unit_id": unit.id, "people": people,
                      "vulnerable": min(people, rng.choice((0, 0, 1, 1, 2))) if index % 3 == 0
                      else 0,
                      "lat": centre[0] + rng.uniform(-0.006, 0.006),
                      "lon": centre[1] + rng.uniform(-0.006, 0.006),
                      "shelter_post_id": shelter.id if shelter else None, "note": None}
            if (unit.id, phone) in existing:
                continue
            household = households.create_household(db, DEMO, at, fields)
            created.append(household)
            made.append(household)
        db.flush()
        if event.closed_at is None:
            _report_some(db, at, event, made, shelter, random.Random(f"{SEED}-{village}-reports"))


def _report_some(db: Session, at: datetime, event: Event, made: list[Household],
                 shelter: Post | None, rng: random.Random) -> None:
    """The first reports of a village's households in the demo response (command center)."""
    if db.scalar(select(HouseholdState.household_id).where(
            HouseholdState.event_id == event.id,
            HouseholdState.household_id.in_([h.id for h in made])).limit(1)) is not None:
        return
    reporter = relocation.Reporter(DEMO, None, None)
    for index, household in enumerate(made[:int(len(made) * REPORTED_SHARE)]):
        status = STATUSES[index % len(STATUSES)]
        left = status in ("moved", "self_arranged")
        relocation.record_report(db, reporter, event.id, {
            "client_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"demo-relocation-{household.id}")),
            "household_id": household.id, "status": status,
            "people": household.people if left else 0,
            "shelter_post_id": shelter.id if shelter and status == "moved" else None,
            "lat": None, "lon": None, "note": None,
            "taken_at": at - timedelta(minutes=rng.randint(5, 120))}, received_at=at)
