"""Demo data: a small county of three towns and their villages, its roster, posts and their
responsible persons, the county's rainstorm response, and demo accounts for the county and each
town."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import demo_data as data
from . import demo_relocation
from .errors import ApiError
from .models import (
    Assignment,
    Event,
    Person,
    Post,
    PostResponsible,
    Shift,
    Unit,
    UnitLeader,
    User,
)
from .services import accounts, audit, events, organisation, people, posts

# Username, role, password, the unit whose subtree the account sees (None: everything, the
# county office's own staff).
DEMO_LOGINS = (
    ("admin", "admin", "admin-demo-2026", None),
    ("commander", "commander", "command-demo-2026", None),
    ("inspector", "inspector", "inspect-demo-2026", None),
    ("county", "commander", "county-demo-2026", "云岭县"),
    ("qingxi", "commander", "qingxi-demo-2026", "云岭县/青溪镇"),
    ("longtan", "commander", "longtan-demo-2026", "云岭县/龙潭镇"),
    ("xikou", "commander", "xikou-demo-2026", "云岭县/溪口乡"),
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
# Quiet posts with no shift at all, and with a shift in the next window only.
IDLE_POSTS, NEXT_ONLY_POSTS = 8, 6
# The three people of a unit's 人民政府 lead it in this order: 指挥长, 副指挥长, 带班领导.
LEADER_ROLES = ("chief", "deputy", "duty")


@dataclass(frozen=True)
class UnitPlan:
    name: str
    kind: str
    path: str

    @property
    def parent_path(self) -> str | None:
        return self.path.rpartition(organisation.PATH_SEPARATOR)[0] or None


@dataclass(frozen=True)
class PersonPlan:
    name: str
    phone: str
    unit: str
    unit_path: str
    kind: str
    skills: tuple[str, ...]
    home_lat: float
    home_lon: float

    def fields(self, unit_id: int) -> dict:
        return {"name": self.name, "phone": self.phone, "unit": self.unit, "unit_id": unit_id,
                "kind": self.kind, "skills": list(self.skills), "home_lat": self.home_lat,
                "home_lon": self.home_lon}


@dataclass(frozen=True)
class PostPlan:
    name: str
    kind: str
    village: str
    unit_path: str
    lat: float
    lon: float
    radius_m: float
    risk: int

    def fields(self, unit_id: int) -> dict:
        return {"name": self.name, "kind": self.kind, "lat": self.lat, "lon": self.lon,
                "radius_m": self.radius_m, "village": self.village, "unit_id": unit_id,
                "risk": self.risk,
                "capacity": demo_relocation.shelter_capacity(self.name)
                if self.kind == "shelter" else None}


@dataclass(frozen=True)
class LeaderPlan:
    unit_path: str
    role: str
    phone: str


@dataclass(frozen=True)
class ResponsiblePlan:
    post: str
    role: str
    phone: str


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
    units: tuple[UnitPlan, ...]
    people: tuple[PersonPlan, ...]
    posts: tuple[PostPlan, ...]
    leaders: tuple[LeaderPlan, ...]
    responsibles: tuple[ResponsiblePlan, ...]
    shifts: tuple[ShiftPlan, ...]


def roster_is_empty(db: Session) -> bool:
    return db.scalar(select(Person.id).limit(1)) is None


def load_demo(db: Session, at: datetime) -> str:
    """Create whatever of the demo is missing; running it twice changes nothing. Records of an
    older demo (one town, no units) are kept and put into their units."""
    plan = build_plan()
    created: list[object] = []
    placed: list[object] = []
    units = _ensure_units(db, at, plan.units, created)
    roster = _ensure_people(db, at, plan.people, units, created, placed)
    catalogue = _ensure_posts(db, at, plan.posts, units, created, placed)
    _ensure_leaders(db, at, plan.leaders, units, roster, created)
    _ensure_responsibles(db, at, plan.responsibles, catalogue, roster, created)
    event = _ensure_event(db, at, units[data.COUNTY], created)
    shifts = _ensure_shifts(db, at, event, plan.shifts, catalogue, created)
    _ensure_assignments(db, at, event, plan.shifts, shifts, roster, created)
    _ensure_accounts(db, at, units, created)
    demo_relocation.ensure_households(db, at, units, catalogue, event, created)
    assigned = db.scalar(
        select(func.count()).select_from(Assignment).join(Shift, Shift.id == Assignment.shift_id)
        .where(Shift.event_id == event.id, Assignment.removed_at.is_(None)))
    kinds = [unit.kind for unit in plan.units]
    status = "closed" if event.closed_at else "active"
    placing = f", placed {len(placed)} earlier ones in their units" if placed else ""
    return (f"demo {data.COUNTY}: {kinds.count('town')} towns, {kinds.count('village')} villages, "
            f"{len(roster)} people, {len(catalogue)} posts with {len(plan.responsibles)} "
            f"responsible persons, {status} event {event.id} with {len(shifts)} shifts and "
            f"{assigned} assignments (created {len(created)} new records{placing})")


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


def _ensure_units(db, at, plans, created) -> dict[str, Unit]:
    """The demo's units by path; `plans` lists each unit after its parent."""
    units = {u.path: u for u in db.scalars(
        select(Unit).where(Unit.path.in_([plan.path for plan in plans])))}
    for plan in plans:
        if plan.path not in units:
            parent = units.get(plan.parent_path)
            units[plan.path] = organisation.create_unit(
                db, DEMO, at, plan.name, plan.kind, parent.id if parent else None)
            created.append(units[plan.path])
    return units


def _ensure_people(db, at, plans, units, created, placed) -> dict[str, Person]:
    roster = {p.phone: p for p in db.scalars(
        select(Person).where(Person.phone.in_([plan.phone for plan in plans])))}
    for plan in plans:
        unit_id = units[plan.unit_path].id
        if plan.phone not in roster:
            roster[plan.phone] = people.create_person(db, DEMO, at, plan.fields(unit_id))
            created.append(roster[plan.phone])
        elif roster[plan.phone].unit_id is None:  # a person of the one-town demo
            people.update_person(db, DEMO, at, roster[plan.phone],
                                 {"unit": plan.unit, "unit_id": unit_id})
            placed.append(roster[plan.phone])
    return roster


def _ensure_posts(db, at, plans, units, created, placed) -> dict[str, Post]:
    catalogue = {p.name: p for p in db.scalars(
        select(Post).where(Post.name.in_([plan.name for plan in plans])))}
    for plan in plans:
        unit_id = units[plan.unit_path].id
        if plan.name not in catalogue:
            catalogue[plan.name] = posts.create_post(db, DEMO, at, plan.fields(unit_id))
            created.append(catalogue[plan.name])
        elif catalogue[plan.name].unit_id is None:  # a post of the one-town demo
            posts.update_post(db, DEMO, at, catalogue[plan.name], {"unit_id": unit_id})
            placed.append(catalogue[plan.name])
    return catalogue


def _ensure_leaders(db, at, plans, units, roster, created) -> None:
    named = set(db.execute(select(UnitLeader.unit_id, UnitLeader.person_id, UnitLeader.role)
                           .where(UnitLeader.unit_id.in_([u.id for u in units.values()]))).all())
    for plan in plans:
        unit, person = units[plan.unit_path], roster[plan.phone]
        if (unit.id, person.id, plan.role) not in named:
            created.append(organisation.add_leader(db, DEMO, at, unit, person, plan.role))


def _ensure_responsibles(db, at, plans, catalogue, roster, created) -> None:
    named = set(db.execute(
        select(PostResponsible.post_id, PostResponsible.person_id, PostResponsible.role)
        .where(PostResponsible.post_id.in_([p.id for p in catalogue.values()]))).all())
    for plan in plans:
        post, person = catalogue[plan.post], roster[plan.phone]
        if (post.id, person.id, plan.role) not in named:
            created.append(organisation.add_responsible(db, DEMO, at, post, person, plan.role))


def _ensure_event(db, at, county, created) -> Event:
    event = db.scalar(select(Event).where(Event.name == data.EVENT_NAME).order_by(Event.id).limit(1))
    if event is None:
        starts_at = at.replace(minute=0, second=0, microsecond=0) - EVENT_LEAD
        event = events.create_event(db, DEMO, at, {
            "name": data.EVENT_NAME, "kind": data.EVENT_KIND, "level": data.EVENT_LEVEL,
            "starts_at": starts_at, "unit_id": county.id})
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


def _ensure_accounts(db, at, units, created) -> None:
    for username, role, password, unit_path in DEMO_LOGINS:
        if db.scalar(select(User.id).where(User.username == username)) is None:
            created.append(accounts.create_user(
                db, username, role, password, at=at, actor=DEMO,
                display_name=data.ACCOUNT_NAMES[username],
                unit_id=units[unit_path].id if unit_path else None))


# --- the plan: the same county, people and duty roster on every run -------------------------


@cache
def build_plan() -> DemoPlan:
    """The whole demo as plain values, from a fixed seed (no database involved)."""
    rng = random.Random(SEED)
    units = _plan_units()
    roster = _plan_people(rng)
    catalogue = _plan_posts(rng)
    leaders = _plan_leaders(roster)
    responsibles = _plan_responsibles(rng, roster, catalogue, leaders)
    return DemoPlan(units, roster, catalogue, leaders, responsibles,
                    _plan_shifts(rng, roster, catalogue, leaders))


def _path(*names: str) -> str:
    return organisation.PATH_SEPARATOR.join(names)


def _town_path(path: str) -> str:
    """The town a town's or village's path lies in (the county's path for the county)."""
    return _path(*path.split(organisation.PATH_SEPARATOR)[:2])


def _department_name(unit: str, department: str) -> str:
    """青溪镇 + 党政办公室 → 青溪镇党政办公室, but 青溪镇 + 派出所 → 青溪派出所."""
    return (unit[:-1] if department in data.STATIONS else unit) + department


def _plan_units() -> tuple[UnitPlan, ...]:
    """The county, its towns, their villages: each after its parent."""
    towns = [UnitPlan(town, "town", _path(data.COUNTY, town)) for town, _ in data.TOWNS]
    villages = [UnitPlan(village, "village", _path(data.COUNTY, town, village))
                for village, town, _, _, _ in data.VILLAGES]
    return (UnitPlan(data.COUNTY, "county", data.COUNTY), *towns, *villages)


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

    def person(kind, unit, path, families, male_share, home, spread_m, skills) -> PersonPlan:
        lat, lon = _near(rng, home, spread_m)
        return PersonPlan(names.name(families, male_share), names.phone(), unit, path, kind,
                          skills, lat, lon)

    def staff(kind, unit, path, departments, male_share, home, spread_m) -> list[PersonPlan]:
        return [person(kind, _department_name(unit, department), path, "", male_share, home,
                       spread_m, _skills(rng, data.DEPARTMENT_SKILLS.get(department, ())))
                for department, count in departments for _ in range(count)]

    roster = staff("cadre", data.COUNTY, data.COUNTY, data.COUNTY_DEPARTMENTS, 0.7,
                   data.COUNTY_SEAT, 1500)
    for town, seat in data.TOWNS:
        path = _path(data.COUNTY, town)
        roster += staff("cadre", town, path, data.CADRE_UNITS[town], 0.7, seat, 1500)
        roster += staff("other", town, path, data.OTHER_UNITS[town], 0.85, seat, 2500)
    for village, town, centre, families, count in data.VILLAGES:
        path = _path(data.COUNTY, town, village)
        needed = _village_roles(village)
        for i in range(count):
            # Every responsible role the village's posts call for is held by two officials.
            certain = (needed[i % len(needed)],) if i < 2 * len(needed) else ()
            roster.append(person("village_official", village, path, families, 0.75, centre, 800,
                                 _skills(rng, (), certain)))
    for _ in range(data.VILLAGE_VOLUNTEERS):
        village, town, centre, families, _ = rng.choice(data.VILLAGES)
        # Two in five are trained for one of the roles their village's posts call for.
        likely = (rng.choice(_village_roles(village)),) if rng.random() < 0.4 else ()
        roster.append(person("other", village, _path(data.COUNTY, town, village), families, 0.8,
                             centre, 800, _skills(rng, likely)))
    return tuple(roster)


def _village_roles(village: str) -> tuple[str, ...]:
    """The responsible roles a village's posts need; every mountain village has a flood warden."""
    roles = [data.SKILL_FOR_KIND[kind] for _, kind, name, _, _ in data.POSTS
             if name == village and kind in data.SKILL_FOR_KIND]
    return tuple(dict.fromkeys([*roles, data.FLASH_FLOOD_WARDEN]))


def _plan_posts(rng: random.Random) -> tuple[PostPlan, ...]:
    places = {name: (_path(data.COUNTY, town, name), centre)
              for name, town, centre, _, _ in data.VILLAGES}
    catalogue = []
    for name, kind, village, radius_m, risk in data.POSTS:
        path, centre = places[village]
        lat, lon = _offset(centre, rng.uniform(*data.POST_DISTANCE_M[kind]),
                           rng.uniform(0, 2 * math.pi))
        catalogue.append(PostPlan(name, kind, village, path, lat, lon, radius_m, risk))
    return tuple(catalogue)


def _plan_leaders(roster) -> tuple[LeaderPlan, ...]:
    """The county's and each town's 指挥长, 副指挥长 and 带班领导: the three of its 人民政府."""
    leaders = []
    for unit, path in ((data.COUNTY, data.COUNTY),
                       *((town, _path(data.COUNTY, town)) for town, _ in data.TOWNS)):
        government = [p for p in roster if p.unit == _department_name(unit, data.LEADERSHIP)]
        leaders += [LeaderPlan(path, role, p.phone)
                    for role, p in zip(LEADER_ROLES, government, strict=True)]
    return tuple(leaders)


def _plan_responsibles(rng, roster, catalogue, leaders) -> tuple[ResponsiblePlan, ...]:
    """Each post's responsible persons (see `data.RESPONSIBLES_BY_KIND`), from its own village
    and town: the village's first official as its head, a water warden among the town's cadres
    (else the village's), the village officials trained for the kind taking turns on watch, and
    one cadre of the town who lead nothing as each village's 包村干部."""
    leading = {leader.phone for leader in leaders}
    officials, cadres = defaultdict(list), defaultdict(list)
    for p in roster:
        if p.kind == "village_official":
            officials[p.unit_path].append(p)
        elif p.kind == "cadre" and p.phone not in leading:
            cadres[p.unit_path].append(p)
    liaisons = {}
    for town, _ in data.TOWNS:
        villages = [_path(data.COUNTY, town, v) for v, in_town, _, _, _ in data.VILLAGES
                    if in_town == town]
        liaisons.update(zip(villages, rng.sample(cadres[_path(data.COUNTY, town)], len(villages)),
                            strict=True))
    turns: dict[tuple[str, str], int] = defaultdict(int)

    def in_turn(key: tuple[str, str], people: list[PersonPlan]) -> PersonPlan:
        turns[key] += 1
        return people[(turns[key] - 1) % len(people)]

    def warden(village: str, skill: str, besides=()) -> PersonPlan:
        crew = [p for p in officials[village][1:] if p not in besides]
        return in_turn((village, skill), [p for p in crew if skill in p.skills] or crew)

    def pick(role: str, post: PostPlan, patrol: PersonPlan) -> PersonPlan:
        village, town = post.unit_path, _town_path(post.unit_path)
        if role == "administrative":
            return officials[village][0]
        if role == "patrol":
            return patrol
        if role == "contact":
            return liaisons[village]
        water = [p for p in cadres[town] if data.WATER_WARDEN in p.skills]
        return (in_turn((town, data.WATER_WARDEN), water) if water
                else warden(village, data.WATER_WARDEN, (patrol,)))

    responsibles = []
    for post in catalogue:
        patrol = warden(post.unit_path, data.SKILL_FOR_KIND.get(post.kind, data.FLASH_FLOOD_WARDEN))
        responsibles += [ResponsiblePlan(post.name, role, pick(role, post, patrol).phone)
                         for role in data.RESPONSIBLES_BY_KIND.get(post.kind,
                                                                   data.OTHER_RESPONSIBLES)]
    return tuple(responsibles)


def _plan_shifts(rng, roster, catalogue, leaders) -> tuple[ShiftPlan, ...]:
    """Shifts at most posts for now and next, staffed by hand to about 60% of their places.

    A person takes at most one demo shift (no one on two overlapping or back-to-back shifts),
    only with the shift's skills, nearest first and from the post's own village, then its town,
    before others. The leaders and the county's staff stay at their command posts.
    """
    quiet = rng.sample([p for p in catalogue if p.risk <= 2], IDLE_POSTS + NEXT_ONLY_POSTS)
    no_shift, next_only = quiet[:IDLE_POSTS], quiet[IDLE_POSTS:]
    slots = [(post, window) for post in catalogue if post not in no_shift
             for window in (0, 1) if not (window == 0 and post in next_only)]
    slots.sort(key=lambda slot: (slot[1], -slot[0].risk))
    leading = {leader.phone for leader in leaders}
    free = [p for p in roster if p.phone not in leading and p.unit_path != data.COUNTY]
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
            key=lambda p: (p.unit_path != post.unit_path,
                           _town_path(p.unit_path) != _town_path(post.unit_path),
                           _distance_m((p.home_lat, p.home_lon), (post.lat, post.lon))))
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
