"""Relocation in the duty records: the `人员转移` sheet (every report of a household, the one
that is its state marked), the figures per village, and what each official reported."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Event, Household, HouseholdState, Post, RelocationReport, ShelterArrival, Unit
from . import relocation_status, scope
from .export_words import WORDS
from .record_tables import ROW_BATCH, Column, Table

RELOCATION_COLUMNS = [Column(*spec) for spec in (
    ("report_id", "上报ID", "Report ID", "plain"), ("household_id", "户ID", "Household ID", "plain"),
    ("head_name", "户主", "Head of household"), ("phone", "电话", "Phone"),
    ("unit", "所属村", "Village"), ("vulnerable", "重点人员", "Vulnerable", "plain"),
    ("status", "状态", "Status", "plain"), ("people", "人数", "People", "plain"),
    ("shelter", "安置点", "Shelter"), ("reporter", "上报人", "Reported by"),
    ("taken_at", "上报时间（北京时间）", "Taken at (Beijing time)", "time"),
    ("received_at", "接收时间（北京时间）", "Received at (Beijing time)", "time"),
    ("current", "当前状态", "Current state", "bool"), ("note", "备注", "Note"),
)]
VILLAGE_COLUMNS = [Column(*spec) for spec in (
    ("unit_id", "单位ID", "Unit ID", "plain"), ("unit", "村（社区）", "Village"),
    ("households", "应转户数", "Households to move", "plain"),
    ("people", "应转人数", "People to move", "plain"), ("moved", "已转移户数", "Moved", "plain"),
    ("self_arranged", "投亲靠友户数", "Self-arranged", "plain"),
    ("refused", "拒绝转移户数", "Refused", "plain"), ("not_home", "不在家户数", "Not home", "plain"),
    ("outstanding", "未转移户数", "Outstanding", "plain"),
    ("vulnerable_outstanding", "重点人员未转移人数", "Vulnerable people outstanding", "plain"),
    ("people_moved", "已转移人数", "People moved", "plain"),
    ("people_self_arranged", "投亲靠友人数", "People self-arranged", "plain"),
    ("sheltered", "已安置人数", "People sheltered", "plain"),
    ("rate", "转移率（%）", "Moved (%)", "any"),
)]
OFFICIAL_COLUMNS = [Column(*spec) for spec in (
    ("person_id", "人员ID", "Person ID", "plain"), ("reporter", "上报人", "Reported by"),
    ("reports", "上报次数", "Reports", "plain"), ("households", "上报户数", "Households", "plain"),
    ("moved", "已转移户数", "Moved", "plain"), ("self_arranged", "投亲靠友户数", "Self-arranged", "plain"),
    ("refused", "拒绝转移户数", "Refused", "plain"), ("not_home", "不在家户数", "Not home", "plain"),
    ("people_moved", "转移人数", "People moved", "plain"),
    ("arrivals", "安置登记人数", "People registered at shelters", "plain"),
)]
TABLE_KEYS = ("relocations", "relocation_villages", "relocation_officials")


def relocations_table(db: Session, event_id: int, lang: str) -> Table:
    """Every report of the event's households, oldest first; `current` marks each household's
    state (its latest report by taken_at)."""
    words = WORDS[lang]

    def rows():
        shelters = dict(db.execute(select(Post.id, Post.name).where(Post.kind == "shelter")
                                   .execution_options(**scope.WHOLE_ORGANISATION)).all())
        query = (select(RelocationReport, Household.head_name, Household.phone,
                        Household.vulnerable, Unit.path, HouseholdState.report_id)
                 .join(Household, Household.id == RelocationReport.household_id)
                 .join(Unit, Unit.id == RelocationReport.unit_id)
                 .outerjoin(HouseholdState, (HouseholdState.event_id == RelocationReport.event_id)
                            & (HouseholdState.household_id == RelocationReport.household_id))
                 .where(RelocationReport.event_id == event_id)
                 .order_by(RelocationReport.taken_at, RelocationReport.id)
                 .execution_options(yield_per=ROW_BATCH))
        for report, head, phone, vulnerable, path, state_report in db.execute(query):
            yield (report.id, report.household_id, head, phone, path, vulnerable,
                   words.get(report.status, report.status), report.people,
                   shelters.get(report.shelter_post_id), report.reporter, report.taken_at,
                   report.received_at, state_report == report.id, report.note)

    return Table("relocations", "人员转移", "Relocation", RELOCATION_COLUMNS, rows())


def villages_table(db: Session, event: Event) -> Table:
    """The figures of each village, as the command center shows them."""
    items, totals = relocation_status.figures(db, event, "village")
    paths = dict(db.execute(select(Unit.id, Unit.path)).all())

    def rows():
        for item in [*items, {**totals, "unit_id": None, "name": None}]:
            left = item["moved"] + item["self_arranged"]
            rate = round(left * 100 / item["households"], 1) if item["households"] else None
            yield (item["unit_id"], paths.get(item["unit_id"], "合计"), item["households"],
                   item["people"], item["moved"], item["self_arranged"], item["refused"],
                   item["not_home"], item["outstanding"], item["vulnerable_outstanding"],
                   item["people_moved"], item["people_self_arranged"], item["sheltered"], rate)

    return Table("relocation_villages", "转移统计（按村）", "Relocation by village",
                 VILLAGE_COLUMNS, rows())


def officials_table(db: Session, event_id: int) -> Table:
    """What each reporter sent: reports, households, by status, and arrivals recorded."""
    counts: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    for person_id, reporter, status, reports, households, people in db.execute(
            select(RelocationReport.person_id, RelocationReport.reporter, RelocationReport.status,
                   func.count(), func.count(RelocationReport.household_id.distinct()),
                   func.sum(RelocationReport.people))
            .where(RelocationReport.event_id == event_id)
            .group_by(RelocationReport.person_id, RelocationReport.reporter,
                      RelocationReport.status)):
        row = counts[(person_id, reporter)]
        row["reports"] += reports
        row[status] += households
        if status == "moved":
            row["people_moved"] += people or 0
    for person_id, reporter, people in db.execute(
            select(ShelterArrival.person_id, ShelterArrival.reporter, func.sum(ShelterArrival.people))
            .where(ShelterArrival.event_id == event_id)
            .group_by(ShelterArrival.person_id, ShelterArrival.reporter)):
        counts[(person_id, reporter)]["arrivals"] += people or 0
    distinct = dict(((p, r), n) for p, r, n in db.execute(
        select(RelocationReport.person_id, RelocationReport.reporter,
               func.count(RelocationReport.household_id.distinct()))
        .where(RelocationReport.event_id == event_id)
        .group_by(RelocationReport.person_id, RelocationReport.reporter)))

    def rows():
        for (person_id, reporter), row in sorted(counts.items(), key=lambda item: item[0][1]):
            yield (person_id, reporter, row["reports"], distinct.get((person_id, reporter), 0),
                   row["moved"], row["self_arranged"], row["refused"], row["not_home"],
                   row["people_moved"], row["arrivals"])

    return Table("relocation_officials", "转移上报人员", "Relocation by official",
                 OFFICIAL_COLUMNS, rows())


def event_tables(db: Session, event: Event, lang: str) -> list[Table]:
    return [relocations_table(db, event.id, lang), villages_table(db, event),
            officials_table(db, event.id)]


def event_table(db: Session, event: Event, key: str, lang: str) -> Table:
    if key == "relocations":
        return relocations_table(db, event.id, lang)
    if key == "relocation_villages":
        return villages_table(db, event)
    return officials_table(db, event.id)
