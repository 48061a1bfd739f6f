"""The households a village must move (转移户): the list, its corrections and its import.

A household is one per phone within its village (`unit_path`, 所属村). The import reads a whole
county's list at once (50,000 rows in seconds): every unit, shelter and existing household it
may name is read once, and the new and changed rows are written in bulk, each with its audit
entry. A change of a household's village or vulnerable count follows it into its states in the
responses (`HouseholdState`), so that the county's figures stay one indexed read."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from ..errors import conflict, validation_error
from ..models import Household, HouseholdState, Post, RelocationReport, Unit
from ..presenters import iso
from . import audit, catalogue, scope
from .fields import HouseholdBody
from .imports import ImportResult, RowRefused, file_records, read_rows, validated_row
from .organisation import PATH_SEPARATOR, normal_path
from .paging import page

HOUSEHOLDS = Household.__table__
EDITABLE = ("head_name", "phone", "unit_id", "people", "vulnerable", "lat", "lon",
            "shelter_post_id", "note", "active")
# What the import compares and writes (a file without a column keeps the household's value).
IMPORTED = ("head_name", "people", "vulnerable", "lat", "lon", "shelter_post_id", "note")
HOUSEHOLD_HEADERS = {
    "head_name": "head_name", "户主": "head_name", "户主姓名": "head_name",
    "phone": "phone", "电话": "phone", "手机": "phone", "联系电话": "phone",
    "unit_path": "unit_path", "所属村": "unit_path", "上级单位": "unit_path",
    "所属单位": "unit_path",
    "people": "people", "人数": "people", "转移人数": "people",
    "vulnerable": "vulnerable", "重点人员": "vulnerable", "重点人员数": "vulnerable",
    "lat": "lat", "纬度": "lat",
    "lon": "lon", "经度": "lon",
    "shelter": "shelter", "安置点": "shelter", "转移安置点": "shelter",
    "note": "note", "备注": "note",
}
INSERT_BATCH = 5_000


def household_json(household: Household, unit_path: str | None = None,
                   shelter_name: str | None = None) -> dict:
    return {"id": household.id, "unit_id": household.unit_id, "unit_path": unit_path,
            "head_name": household.head_name, "phone": household.phone,
            "people": household.people, "vulnerable": household.vulnerable,
            "lat": household.lat, "lon": household.lon,
            "shelter_post_id": household.shelter_post_id, "shelter_name": shelter_name,
            "note": household.note, "active": household.active,
            "created_at": iso(household.created_at), "updated_at": iso(household.updated_at)}


def households_json(db: Session, items: list[Household]) -> list[dict]:
    """Households as answered, with their village's path and their shelter's name."""
    unit_ids = {h.unit_id for h in items}
    shelter_ids = {h.shelter_post_id for h in items if h.shelter_post_id}
    paths = dict(db.execute(select(Unit.id, Unit.path).where(Unit.id.in_(unit_ids))
                            .execution_options(**scope.WHOLE_ORGANISATION)).all()) if items else {}
    names = dict(db.execute(select(Post.id, Post.name).where(Post.id.in_(shelter_ids))
                            .execution_options(**scope.WHOLE_ORGANISATION)).all()) \
        if shelter_ids else {}
    return [household_json(h, paths.get(h.unit_id), names.get(h.shelter_post_id))
            for h in items]


def get_household(db: Session, household_id: int) -> Household:
    return catalogue.get_or_404(db, Household, household_id)


def list_households(db: Session, *, unit_id: int | None, q: str | None, active: bool | None,
                    limit: int, offset: int):
    """The households in scope, of a unit's subtree when one is given (vulnerable first)."""
    query = select(Household)
    if unit_id is not None:
        unit = catalogue.get_or_404(db, Unit, unit_id)
        query = query.where(Household.unit_id.in_(subtree_query(unit)))
    if q:
        like = f"%{q}%"
        query = query.where(or_(Household.head_name.like(like), Household.phone.like(like)))
    if active is not None:
        query = query.where(Household.active.is_(active))
    return page(db, query, (Household.vulnerable.desc(), Household.id), limit, offset)


def subtree_query(unit: Unit):
    """The ids of a unit and every unit below it, as a subquery."""
    prefix = unit.path + PATH_SEPARATOR
    return select(Unit.id).where(or_(Unit.id == unit.id,
                                     Unit.path.startswith(prefix, autoescape=True)))


def _check(db: Session, fields: dict) -> None:
    """What a household's fields must name: a unit in scope, a shelter post, no more vulnerable
    people than people, and a phone not used by another household of the same village."""
    unit = catalogue.named(db, Unit, fields["unit_id"])
    if unit is None:
        raise validation_error({"unit_id": f"no unit has id {fields['unit_id']}"})
    shelter_id = fields.get("shelter_post_id")
    if shelter_id is not None:
        shelter = db.get(Post, shelter_id, execution_options=scope.WHOLE_ORGANISATION)
        if shelter is None or shelter.kind != "shelter":
            raise validation_error({"shelter_post_id": "must name a post of kind shelter"})
    if fields["vulnerable"] > fields["people"]:
        raise validation_error({"vulnerable": "cannot be more than the household's people"})


def create_household(db: Session, actor: audit.Actor, at: datetime, fields: dict) -> Household:
    _check(db, fields)
    catalogue_phone_free(db, fields["unit_id"], fields["phone"])
    household = Household(**{k: fields.get(k) for k in EDITABLE if k != "active"},
                          active=True, created_at=at, updated_at=at)
    household.vulnerable = fields.get("vulnerable") or 0
    db.add(household)
    audit.record(db, actor, "create", household, at=at)
    return household


def catalogue_phone_free(db: Session, unit_id: int, phone: str,
                         household_id: int | None = None) -> None:
    owner = db.scalar(select(Household.id).where(Household.unit_id == unit_id,
                                                 Household.phone == phone)
                      .execution_options(**scope.WHOLE_ORGANISATION))
    if owner is not None and owner != household_id:
        raise conflict(f"Household {owner} of this village already has the phone {phone}.")


def update_household(db: Session, actor: audit.Actor, at: datetime, household: Household,
                     changes: dict) -> bool:
    """Correct a household (only the fields sent); its states follow a new village or count."""
    merged = {k: changes.get(k, getattr(household, k)) for k in EDITABLE}
    _check(db, merged)
    if "phone" in changes or "unit_id" in changes:
        catalogue_phone_free(db, merged["unit_id"], merged["phone"], household.id)
    changed = catalogue.update_fields(db, actor, at, household, changes, EDITABLE)
    if changed:
        restate(db, [household.id])
    return changed


def restate(db: Session, household_ids: list[int]) -> None:
    """Carry the households' village, vulnerable count and whether they are listed into their
    states (and the village into their reports)."""
    for start in range(0, len(household_ids), INSERT_BATCH):
        ids = household_ids[start:start + INSERT_BATCH]
        for table in (HouseholdState.__table__, RelocationReport.__table__):
            values = {"unit_id": select(HOUSEHOLDS.c.unit_id)
                      .where(HOUSEHOLDS.c.id == table.c.household_id).scalar_subquery()}
            if table is HouseholdState.__table__:
                for column in ("vulnerable", "active"):
                    values[column] = (select(HOUSEHOLDS.c[column])
                                      .where(HOUSEHOLDS.c.id == table.c.household_id)
                                      .scalar_subquery())
            db.connection().execute(update(table).where(table.c.household_id.in_(ids))
                                    .values(**values))


# --- the import ----------------------------------------------------------------------------------


class _Catalogue:
    """What an import's rows may name, read once: units by path and by name, shelters by name,
    and the households already there by (village, phone)."""

    def __init__(self, db: Session):
        in_scope = scope.current(db)
        units = db.execute(select(Unit.id, Unit.name, Unit.path)
                           .execution_options(**scope.WHOLE_ORGANISATION)).all()
        self.scope = in_scope
        self.by_path = {path: unit_id for unit_id, _name, path in units}
        self.by_name: dict[str, list[int]] = defaultdict(list)
        for unit_id, name, _path in units:
            self.by_name[name].append(unit_id)
        self.shelters: dict[str, list[int]] = defaultdict(list)
        for post_id, name in db.execute(select(Post.id, Post.name).where(
                Post.kind == "shelter", Post.active.is_(True))):
            self.shelters[name].append(post_id)
        self.existing: dict[tuple[int, str], dict] = {}
        for row in db.connection().execute(
                select(HOUSEHOLDS).where(scope.where_in_scope(db, Household))):
            self.existing[(row.unit_id, row.phone)] = dict(row._mapping)

    def unit(self, text: str) -> int:
        path = normal_path(text)
        unit_id = self.by_path.get(path)
        if unit_id is None:
            named = self.by_name.get(path, [])
            if len(named) > 1:
                raise RowRefused(f"unit_path: several units are named {text}; give its path")
            if not named:
                raise RowRefused(f"unit_path: no unit has the path or name {text}")
            unit_id = named[0]
        if not self.scope.covers(unit_id):
            raise RowRefused(f"unit_path: {text} is outside your unit")
        return unit_id

    def shelter(self, text: str | None) -> int | None:
        if not text:
            return None
        found = self.shelters.get(text.strip(), [])
        if len(found) != 1:
            raise RowRefused(f"shelter: no shelter (a post of kind shelter) in your units is "
                             f"named {text}" if not found else
                             f"shelter: several shelters are named {text}")
        return found[0]


def import_households(db: Session, actor: audit.Actor, at: datetime, name: str,
                      content: bytes) -> ImportResult:
    """Create or update households from a file, matched by phone within their village;
    re-importing the same file changes nothing."""
    result = ImportResult()
    known = _Catalogue(db)
    seen: dict[tuple[int, str], int] = {}
    new_rows, changed = [], []
    for number, values in file_records(read_rows(name, content), HOUSEHOLD_HEADERS,
                                       {"head_name", "phone", "unit_path", "people"}):
        given = set(values)
        try:
            if not values.get("unit_path"):
                raise RowRefused("unit_path: the household's village is missing")
            values["unit_id"] = known.unit(values.pop("unit_path"))
            values["shelter_post_id"] = known.shelter(values.pop("shelter", None))
            if "shelter" in given:
                given.add("shelter_post_id")
            fields = validated_row(HouseholdBody, values)
            if fields["vulnerable"] > fields["people"]:
                raise RowRefused("vulnerable: cannot be more than the household's people")
        except RowRefused as refusal:
            result.error(number, str(refusal))
            continue
        key = (fields["unit_id"], fields["phone"])
        if key in seen:
            result.error(number, f"phone {fields['phone']} repeats row {seen[key]}")
            continue
        seen[key] = number
        existing = known.existing.get(key)
        if existing is None:
            new_rows.append({**{k: fields.get(k) for k in EDITABLE if k != "active"},
                             "vulnerable": fields["vulnerable"], "active": True,
                             "created_at": at, "updated_at": at})
            continue
        wanted = {k: fields[k] for k in IMPORTED if k in given} | {"active": True}
        differences = {k: v for k, v in wanted.items() if existing[k] != v}
        if differences:
            changed.append((existing, differences))
    _insert(db, actor, at, new_rows)
    _update(db, actor, at, changed)
    result.created, result.updated = len(new_rows), len(changed)
    return result


def _insert(db: Session, actor: audit.Actor, at: datetime, rows: list[dict]) -> None:
    connection = db.connection()
    statement = insert(HOUSEHOLDS).returning(HOUSEHOLDS.c.id, sort_by_parameter_order=True)
    for start in range(0, len(rows), INSERT_BATCH):
        batch = rows[start:start + INSERT_BATCH]
        ids = connection.execute(statement, batch).scalars().all()
        for household_id, row in zip(ids, batch, strict=True):
            audit.record(db, actor, "import", None, at=at, entity_type="households",
                         entity_id=household_id, after={**row, "id": household_id},
                         unit_id=row["unit_id"])


def _update(db: Session, actor: audit.Actor, at: datetime,
            changed: list[tuple[dict, dict]]) -> None:
    if not changed:
        return
    by_columns: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    for existing, differences in changed:
        by_columns[tuple(sorted(differences))].append(
            {"household": existing["id"], "new_updated_at": at,
             **{f"new_{k}": v for k, v in differences.items()}})
        audit.record(db, actor, "import", None, at=at, entity_type="households",
                     entity_id=existing["id"],
                     before={k: existing[k] for k in differences},
                     after=differences, unit_id=existing["unit_id"])
    connection = db.connection()
    for columns, rows in by_columns.items():
        statement = (update(HOUSEHOLDS).where(HOUSEHOLDS.c.id == bindparam("household"))
                     .values({column: bindparam(f"new_{column}")
                             for column in (*columns, "updated_at")}))
        connection.execute(statement, rows)
    restate(db, [existing["id"] for existing, differences in changed
                 if {"vulnerable", "active"} & set(differences)])


def village_positions(db: Session, unit_ids: list[int] | None = None) -> dict[int, tuple]:
    """Each unit's households' mean position (where a village's ring is drawn on the map)."""
    query = (select(Household.unit_id, func.avg(Household.lat), func.avg(Household.lon))
             .where(Household.active.is_(True), Household.lat.is_not(None))
             .group_by(Household.unit_id))
    if unit_ids is not None:
        query = query.where(Household.unit_id.in_(unit_ids))
    return {unit_id: (lat, lon) for unit_id, lat, lon in db.execute(query)}
