"""Demo data: one town, its villages, roster, posts, an active rainstorm response, demo accounts."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import demo_data as data
from .errors import ApiError
from .models import Assignment, Event, Person, Post, Shift, User
from .services import accounts, audit, events, people, posts

DEMO_LOGINS = (
    ("admin", "admin", "admin-demo-2026"),
    ("commander", "commander", "command-demo-2026"),
    ("inspector", "inspector", "inspect-demo-2026"),
)

SEED = 2026
DEMO = audit.Actor("demo", "system")
LOCAL = ZoneInfo("Asia/Shanghai")
DAY_SHIFT_STARTS = 8  # 08:00–20:00 and 20:00–08:00 local time
SHIFT_LENGTH = timedelta(hours=12)
# The response opened this long before the demo was loaded (so the current shift is running).
EVENT_LEAD = timedelta(hours=3)
EARTH_RADIUS_M = 6_371_000
BASE_REQUIRED = {"reservoir": 3, "embankment": 2, "shelter": 2, "landslide": 2}
# Share of shifts planned full / under-staffed (the rest empty), for the running and next window.
FILL_SHARES = ((0.65, 0.9), (0.4, 0.7))


@dataclass(frozen=True)
class PersonPlan:
    name: str
    phone: str
    unit: str
    kind: str
    skills: tuple[str, ...]
    home_lat: float
    home_lon: float

    def fields(self) -> dict:
        return {"name": self.name, "phone": self.phone, "unit": self.unit, "kind": self.kind,
                "skills": list(self.skills), "home_lat": self.home_lat, "home_lon": self.home_lon}


@dataclass(frozen=True)
class PostPlan:
    name: str
    kind: str
    village: str
    lat: float
    lon: float
    radius_m: float
    risk: int

    def fields(self) -> dict:
        return {"name": self.name, "kind": self.kind, "lat": self.lat, "lon": self.lon,
                "radius_m": self.radius_m, "village": self.village, "risk": self.risk}


@dataclass(frozen=True)
class ShiftPlan:
    """A shift at a post in window 0 (running when the demo is loaded) or 1 (the next one)."""

    post: str
    window: int
    required: int
    skills: tuple[str, ...]
    phones: tuple[str, ...]


@dataclass(frozen=True)
class DemoPlan:
    people: tuple[PersonPlan, ...]
    posts: tuple[PostPlan, ...]
    shifts: tuple[ShiftPlan, ...]


def roster_is_empty(db: Session) -> bool:
    return db.scalar(select(Person.id).limit(1)) is None


def load_demo(db: Session, at: datetime) -> str:
    """Create whatever of the demo is missing; running it twice changes nothing."""
    plan = build_plan()
    created: list[object] = []
    roster = _ensure_people(db, at, plan.people, created)
    catalogue = _ensure_posts(db, at, plan.posts, created)
    event = _ensure_event(db, at, created)
    shifts = _ensure_shifts(db, at, event, plan.shifts, catalogue, created)
    _ensure_assignments(db, at, event, plan.shifts, shifts, roster, created)
    _ensure_accounts(db, at, created)
    assigned = db.scalar(
        select(func.count()).select_from(Assignment).join(Shift, Shift.id == Assignment.shift_id)
        .where(Shift.event_id == event.id, Assignment.removed_at.is_(None)))
    status = "closed" if event.closed_at else "active"
    return (f"demo {data.TOWN}: {len(data.VILLAGES)} villages, {len(roster)} people, "
            f"{len(catalogue)} posts, {status} event {event.id} with {len(shifts)} shifts and "
            f"{assigned} assignments (created {len(created)} new records)")


def shift_windows(event_start: datetime) -> tuple[tuple[datetime, datetime], ...]:
    """The 12-hour local window running when the event's demo was loaded, and the next one."""
    anchor = (event_start + EVENT_LEAD).astimezone(LOCAL)
    start = anchor.replace(hour=DAY_SHIFT_STARTS, minute=0, second=0, microsecond=0)
    while start > anchor:
        start -= SHIFT_LENGTH
    while start + SHIFT_LENGTH <= anchor:
        start += SHIFT_LENGTH
    return tuple((start + i * SHIFT_LENGTH, start + (i + 1) * SHIFT_LENGTH) for i in range(2))


# --- writing to the database through the services ------------------------------------------


def _ensure_people(db, at, plans, created) -> dict[str, Person]:
    roster = {p.phone: p for p in db.scalars(
        select(Person).where(Person.phone.in_([plan.phone for plan in plans])))}
    for plan in plans:
        if plan.phone not in roster:
            roster[plan.phone] = people.create_person(db, DEMO, at, plan.fields())
            created.append(roster[plan.phone])
    return roster


def _ensure_posts(db, at, plans, created) -> dict[str, Post]:
    catalogue = {p.name: p for p in db.scalars(
        select(Post).where(Post.name.in_([plan.name for plan in plans])))}
    for plan in plans:
        if plan.name not in catalogue:
            catalogue[plan.name] = posts.create_post(db, DEMO, at, plan.fields())
            created.append(catalogue[plan.name])
    return catalogue


def _ensure_event(db, at, created) -> Event:
    event = db.scalar(select(Event).where(Event.name == data.EVENT_NAME).order_by(Event.id).limit(1))
    if event is None:
        starts_at = at.replace(minute=0, second=0, microsecond=0) - EVENT_LEAD
        event = events.create_event(db, DEMO, at, {
            "name": data.EVENT_NAME, "kind": data.EVENT_KIND, "level": data.EVENT_LEVEL,
            "starts_at": starts_at})
        created.append(event)
    return event


def _ensure_shifts(db, at, event, plans, catalogue, created) -> dict[tuple[str, int], Shift]:
    """The demo's shifts by (post name, window); windows follow the event's start, not `at`."""
    existing = {(s.post_id, s.starts_at): s for s in db.scalars(
        select(Shift).where(Shift.event_id == event.id))}
    windows = shift_windows(event.starts_at)
    shifts = {}
    for plan in plans:
        post = catalogue[plan.post]
        starts_at, ends_at = windows[plan.window]
        shift = existing.get((post.id, starts_at))
        if shift is None and event.closed_at is None and post.active:
            shift = events.create_shift(db, DEMO, at, event, {
                "post_id": post.id, "starts_at": starts_at, "ends_at": ends_at,
                "required": plan.required, "skills": list(plan.skills)})
            created.append(shift)
        if shift is not None:
            shifts[(plan.post, plan.window)] = shift
    return shifts


def _ensure_assignments(db, at, event, plans, shifts, roster, created) -> None:
    if event.closed_at is not None or not shifts:
        return
    done = {(shift_id, person_id) for shift_id, person_id in db.execute(
        select(Assignment.shift_id, Assignment.person_id)
        .where(Assignment.shift_id.in_([s.id for s in shifts.values()])))}
    for plan in plans:
        shift = shifts.get((plan.post, plan.window))
        for phone in plan.phones if shift is not None else ():
            # Any row counts, even a removed one: the demo never puts back whom a commander took off.
            if (shift.id, roster[phone].id) in done:
                continue
            try:
                assignment = events.create_assignment(db, DEMO, at, shift.id, roster[phone].id)
            except ApiError:
                continue  # booked elsewhere meanwhile, or no longer on the active roster
            created.append(assignment)


def _ensure_accounts(db, at, created) -> None:
    for username, role, password in DEMO_LOGINS:
        if db.scalar(select(User.id).where(User.username == username)) is None:
            created.append(accounts.create_user(db, username, role, password, at=at, actor=DEMO,
                                                display_name=data.ACCOUNT_NAMES[role]))


# --- the plan: the same town, people and duty roster on every run ---------------------------


@cache
def build_plan() -> DemoPlan:
    """The whole demo as plain values, from a fixed seed (no database involved)."""
    rng = random.Random(SEED)
    roster = _plan_people(rng)
    catalogue = _plan_posts(rng)
    return DemoPlan(roster, catalogue, _plan_shifts(rng, roster, catalogue))


def _offset(point: tuple[float, float], distance_m: float, bearing: float) -> tuple[float, float]:
    """The point `distance_m` away from `point` towards `bearing` (radians), rounded to ~0.1 m."""
    lat, lon = point
    dlat = distance_m * math.cos(bearing) / EARTH_RADIUS_M
    dlon = distance_m * math.sin(bearing) / (EARTH_RADIUS_M * math.cos(math.radians(lat)))
    return round(lat + math.degrees(dlat), 6), round(lon + math.degrees(dlon), 6)


def _distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Equirectangular distance: well under a metre off at a town's scale."""
    x = math.radians(b[1] - a[1]) * math.cos(math.radians((a[0] + b[0]) / 2))
    y = math.radians(b[0] - a[0])
    return EARTH_RADIUS_M * math.hypot(x, y)


def _near(rng: random.Random, point: tuple[float, float], spread_m: float) -> tuple[float, float]:
    return _offset(point, spread_m * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi))


def _skills(rng: random.Random, likely=(), certain=()) -> tuple[str, ...]:
    """0–3 skills: the certain ones, most of the likely ones, perhaps a working group or two."""
    skills = list(certain) + [s for s in likely if s not in certain and rng.random() < 0.7]
    for group in rng.sample(data.WORKING_GROUPS, rng.choice((0, 0, 1, 1, 2))):
        if group not in skills:
            skills.append(group)
    return tuple(skills[:3])


class _Names:
    """Unique Chinese names and unique mobile numbers."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.names: set[str] = set()
        self.phones: set[str] = set()

    def name(self, families: str, male_share: float) -> str:
        rng = self.rng
        while True:
            surname = rng.choice(families if families and rng.random() < 0.55 else data.SURNAMES)
            first, second = ((data.MALE_FIRST, data.MALE_SECOND) if rng.random() < male_share
                             else (data.FEMALE_FIRST, data.FEMALE_SECOND))
            given = rng.choice(second)
            if rng.random() < 0.8:
                given = rng.choice(first) + given
            name = surname + given
            # No 金金洁 or 王国国: real given names rarely repeat a character like that.
            if name not in self.names and len(set(name)) == len(name):
                self.names.add(name)
                return name

    def phone(self) -> str:
        while True:
            phone = self.rng.choice(data.MOBILE_PREFIXES) + f"{self.rng.randrange(10 ** 8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone


def _plan_people(rng: random.Random) -> tuple[PersonPlan, ...]:
    names = _Names(rng)

    def person(kind, unit, families, male_share, home, spread_m, skills) -> PersonPlan:
        lat, lon = _near(rng, home, spread_m)
        return PersonPlan(names.name(families, male_share), names.phone(), unit, kind, skills,
                          lat, lon)

    roster = []
    for unit, count in data.CADRE_UNITS:
        for _ in range(count):
            roster.append(person("cadre", unit, "", 0.7, data.TOWN_CENTRE, 1500,
                                 _skills(rng, data.UNIT_SKILLS.get(unit, ()))))
    for unit, count in data.OTHER_UNITS:
        for _ in range(count):
            roster.append(person("other", unit, "", 0.85, data.TOWN_CENTRE, 2500,
                                 _skills(rng, data.UNIT_SKILLS.get(unit, ()))))
    for village, centre, families, count in data.VILLAGES:
        needed = _village_roles(village)
        for i in range(count):
            # Every responsible role the village's posts call for is held by two officials.
            certain = (needed[i % len(needed)],) if i < 2 * len(needed) else ()
            roster.append(person("village_official", village, families, 0.75, centre, 800,
                                 _skills(rng, (), certain)))
    for _ in range(data.VILLAGE_VOLUNTEERS):
        village, centre, families, _ = rng.choice(data.VILLAGES)
        likely = _village_roles(village) if rng.random() < 0.4 else ()
        roster.append(person("other", village, families, 0.8, centre, 800,
                             _skills(rng, likely[:1])))
    return tuple(roster)


def _village_roles(village: str) -> tuple[str, ...]:
    """The responsible roles a village's posts need; every mountain village has a flood warden."""
    roles = [data.SKILL_FOR_KIND[kind] for _, kind, name, _, _ in data.POSTS
             if name == village and kind in data.SKILL_FOR_KIND]
    return tuple(dict.fromkeys([*roles, data.FLASH_FLOOD_WARDEN]))


def _plan_posts(rng: random.Random) -> tuple[PostPlan, ...]:
    centres = {name: centre for name, centre, _, _ in data.VILLAGES}
    catalogue = []
    for name, kind, village, radius_m, risk in data.POSTS:
        lat, lon = _offset(centres[village], rng.uniform(*data.POST_DISTANCE_M[kind]),
                           rng.uniform(0, 2 * math.pi))
        catalogue.append(PostPlan(name, kind, village, lat, lon, radius_m, risk))
    return tuple(catalogue)


def _plan_shifts(rng, roster, catalogue) -> tuple[ShiftPlan, ...]:
    """Shifts at most posts for now and next, staffed by hand to about 60% of their places.

    A person takes at most one demo shift (no one on two overlapping or back-to-back shifts),
    only with the shift's skills, nearest first and from the post's own village before others.
    """
    quiet = rng.sample([p for p in catalogue if p.risk <= 2], 7)
    no_shift, next_only = quiet[:4], quiet[4:]
    slots = [(post, window) for post in catalogue if post not in no_shift
             for window in (0, 1) if not (window == 0 and post in next_only)]
    slots.sort(key=lambda slot: (slot[1], -slot[0].risk))
    free = list(roster)
    shifts = []
    for post, window in slots:
        required = _required(post)
        skill = data.SKILL_FOR_KIND.get(post.kind)
        skills = (skill,) if skill and (post.risk >= 3 or post.kind == "shelter") else ()
        full, under = FILL_SHARES[window]
        draw = rng.random()
        if draw < full:
            wanted = required
        elif draw < under and required > 1:
            wanted = rng.randint(1, required - 1)
        else:
            wanted = 0
        candidates = sorted(
            (p for p in free if set(skills) <= set(p.skills)),
            key=lambda p: (p.unit != post.village, _distance_m((p.home_lat, p.home_lon),
                                                                (post.lat, post.lon))))
        chosen = candidates[:wanted]
        for p in chosen:
            free.remove(p)
        shifts.append(ShiftPlan(post.name, window, required, skills, tuple(p.phone for p in chosen)))
    return tuple(shifts)


def _required(post: PostPlan) -> int:
    """Headcount by kind, one more at the riskiest posts (and at risky one-person posts), at most 3."""
    base = BASE_REQUIRED.get(post.kind, 1)
    extra = post.risk >= 4 or (post.risk >= 3 and base == 1)
    return min(base + extra, 3)
