"""The command chain: units county → town → village, found by id or by path, their subtrees,
leaders (指挥长, 副指挥长, 带班领导) and the responsible persons of posts (防汛责任人)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, or_, select
from sqlalchemy.orm import Session

from ..errors import forbidden, not_found, validation_error
from ..models import (
    PARENT_KIND,
    RESPONSIBLE_ROLES,
    UNIT_KINDS,
    Person,
    Post,
    PostResponsible,
    Unit,
    UnitLeader,
)
from . import audit, catalogue, scope

PATH_SEPARATOR = "/"
UNIT_KIND_WORDS = {"县": "county", "区": "county", "县区": "county", "镇": "town", "乡": "town",
                   "乡镇": "town", "街道": "town", "村": "village", "社区": "village"}
# A post's responsible persons in the order the rules name them: 行政, 技术, 巡查, then 包点联系人.
RESPONSIBLE_ORDER = case({role: rank for rank, role in enumerate(RESPONSIBLE_ROLES)},
                         value=PostResponsible.role)


def get_unit(db: Session, unit_id: int) -> Unit:
    return catalogue.get_or_404(db, Unit, unit_id)


def path_names(unit: Unit) -> list[str]:
    """The names of the unit and those above it, top first."""
    return unit.path.split(PATH_SEPARATOR)


def normal_path(path: str) -> str:
    """A path as stored: `临安区 / 太湖源镇／白沙村` → `临安区/太湖源镇/白沙村`."""
    parts = [part.strip() for part in path.replace("／", PATH_SEPARATOR).split(PATH_SEPARATOR)]
    return PATH_SEPARATOR.join(p for p in parts if p)


def unit_by_path(db: Session, path: str) -> Unit | None:
    """The unit a path such as `临安区/太湖源镇/白沙村` names (spaces around parts ignored)."""
    return db.scalar(select(Unit).where(Unit.path == normal_path(path)))


def unit_of_record(db: Session, unit_id: int | None, *, given: bool = True) -> int | None:
    """The unit a new or edited person, post or event belongs to: the one named (422 when there
    is none, 403 outside the caller's unit); when none is `given`, the caller's own unit. An
    account with a unit cannot put a record outside it, not even into no unit."""
    caller = scope.current(db)
    if not given:
        return caller.unit_id
    if unit_id is None:
        if not caller.everything:
            raise forbidden("A record of yours must stay inside your unit.")
        return None
    if catalogue.named(db, Unit, unit_id) is None:
        raise validation_error({"unit_id": f"unit {unit_id} does not exist"})
    return unit_id


def ancestors(db: Session, unit: Unit) -> list[Unit]:
    """The units above `unit`, top first."""
    chain, parent_id = [], unit.parent_id
    while parent_id is not None:
        parent = db.get(Unit, parent_id)
        chain.append(parent)
        parent_id = parent.parent_id
    return list(reversed(chain))


def subtree_ids(db: Session, unit: Unit) -> set[int]:
    """The unit and every unit below it."""
    prefix = unit.path + PATH_SEPARATOR
    return set(db.scalars(select(Unit.id).where(
        or_(Unit.id == unit.id, Unit.path.startswith(prefix, autoescape=True)))))


def check_kind(kind: str, parent: Unit | None) -> None:
    """A county has no parent, a town's parent is a county, a village's parent is a town."""
    if kind not in UNIT_KINDS:
        raise validation_error({"kind": f"must be one of {', '.join(UNIT_KINDS)}"})
    wanted = PARENT_KIND[kind]
    if wanted is None and parent is not None:
        raise validation_error({"parent_id": "a county has no parent unit"})
    if wanted is not None and (parent is None or parent.kind != wanted):
        raise validation_error({"parent_id": f"a {kind}'s parent must be a {wanted}"})


def create_unit(db: Session, actor: audit.Actor, at: datetime, name: str, kind: str,
                parent_id: int | None) -> Unit:
    name = name.strip()
    if not name or PATH_SEPARATOR in name:
        raise validation_error({"name": "must be a name without '/'"})
    parent = None
    if parent_id is not None:
        parent = catalogue.named(db, Unit, parent_id)
        if parent is None:
            raise validation_error({"parent_id": f"unit {parent_id} does not exist"})
    elif not scope.current(db).everything:
        raise forbidden("A new unit of yours must lie inside your unit.")
    check_kind(kind, parent)
    path = name if parent is None else parent.path + PATH_SEPARATOR + name
    catalogue.ensure_unique(db, Unit.path, path, "The unit {value} exists already.")
    unit = Unit(name=name, kind=kind, parent_id=parent_id, path=path, created_at=at)
    db.add(unit)
    audit.record(db, actor, "create", unit, at=at)
    return unit


def list_units(db: Session, unit_ids: set[int] | None = None) -> list[Unit]:
    """Units in tree order (each after its parent, siblings by name); only these, if given."""
    query = select(Unit)
    if unit_ids is not None:
        query = query.where(Unit.id.in_(unit_ids))
    units = db.scalars(query).all()
    return sorted(units, key=lambda u: u.path.split(PATH_SEPARATOR))


def add_leader(db: Session, actor: audit.Actor, at: datetime, unit: Unit, person: Person,
               role: str) -> UnitLeader:
    existing = db.scalar(select(UnitLeader).where(
        UnitLeader.unit_id == unit.id, UnitLeader.person_id == person.id, UnitLeader.role == role))
    if existing is not None:
        return existing
    leader = UnitLeader(unit_id=unit.id, person_id=person.id, role=role, created_at=at)
    db.add(leader)
    audit.record(db, actor, "create", leader, at=at)
    return leader


def remove_leader(db: Session, actor: audit.Actor, at: datetime,
                  leader_id: int) -> tuple[UnitLeader, Person]:
    leader = db.get(UnitLeader, leader_id)
    if leader is None:
        raise not_found(f"Leader {leader_id}")
    person = db.get(Person, leader.person_id, execution_options=scope.WHOLE_ORGANISATION)
    before = audit.snapshot(leader)
    db.delete(leader)
    audit.record(db, actor, "delete", None, at=at, entity_type="unit_leaders",
                 entity_id=leader_id, before=before)
    return leader, person


def leaders_of(db: Session, unit_ids: list[int]) -> list[tuple[UnitLeader, Person]]:
    return db.execute(select(UnitLeader, Person).join(Person, Person.id == UnitLeader.person_id)
                      .where(UnitLeader.unit_id.in_(unit_ids))
                      .order_by(UnitLeader.unit_id, UnitLeader.role, UnitLeader.id)).all()


def add_responsible(db: Session, actor: audit.Actor, at: datetime, post: Post, person: Person,
                    role: str) -> PostResponsible:
    existing = db.scalar(select(PostResponsible).where(
        PostResponsible.post_id == post.id, PostResponsible.person_id == person.id,
        PostResponsible.role == role))
    if existing is not None:
        return existing
    responsible = PostResponsible(post_id=post.id, person_id=person.id, role=role, created_at=at)
    db.add(responsible)
    audit.record(db, actor, "create", responsible, at=at)
    return responsible


def responsibles_of(db: Session, post_ids: list[int]) -> list[tuple[PostResponsible, Person]]:
    return db.execute(select(PostResponsible, Person)
                      .join(Person, Person.id == PostResponsible.person_id)
                      .where(PostResponsible.post_id.in_(post_ids))
                      .order_by(PostResponsible.post_id, RESPONSIBLE_ORDER,
                                PostResponsible.id)).all()


def remove_responsible(db: Session, actor: audit.Actor, at: datetime,
                       responsible_id: int) -> tuple[PostResponsible, Person]:
    responsible = db.get(PostResponsible, responsible_id)
    if responsible is None:
        raise not_found(f"Responsible {responsible_id}")
    person = db.get(Person, responsible.person_id, execution_options=scope.WHOLE_ORGANISATION)
    before = audit.snapshot(responsible)
    db.delete(responsible)
    audit.record(db, actor, "delete", None, at=at, entity_type="post_responsibles",
                 entity_id=responsible_id, before=before)
    return responsible, person


@dataclass
class Responsibilities:
    """What one person answers for: posts (with the role) and the units they lead."""

    posts: list[tuple[PostResponsible, Post]] = field(default_factory=list)
    units: list[tuple[UnitLeader, Unit]] = field(default_factory=list)


def responsibilities_of(db: Session, person_ids: list[int]) -> dict[int, Responsibilities]:
    """For each person, the active posts they are responsible for (by name) and the units they
    lead (in tree order), as far as the caller's scope shows them."""
    found = {person_id: Responsibilities() for person_id in person_ids}
    if not person_ids:
        return found
    posts = db.execute(select(PostResponsible, Post).join(Post, Post.id == PostResponsible.post_id)
                       .where(PostResponsible.person_id.in_(person_ids), Post.active.is_(True))
                       .order_by(Post.name, RESPONSIBLE_ORDER, PostResponsible.id))
    for responsible, post in posts:
        found[responsible.person_id].posts.append((responsible, post))
    units = db.execute(select(UnitLeader, Unit).join(Unit, Unit.id == UnitLeader.unit_id)
                       .where(UnitLeader.person_id.in_(person_ids))
                       .order_by(Unit.path, UnitLeader.role, UnitLeader.id))
    for leader, unit in units:
        found[leader.person_id].units.append((leader, unit))
    return found
