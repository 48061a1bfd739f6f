"""The duty roster (值班表) of an event for one day: the leaders on duty (带班领导), and post by
post its responsible persons, shifts, names, units and phones."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Assignment, Event, Person, Post, Shift, Unit
from ..presenters import DISPLAY_ZONE
from . import organisation
from .xlsx import storable

WEEKDAYS = "一二三四五六日"
HEADERS = ("点位", "责任人", "班次", "值班人员", "单位", "联系电话")
RESPONSIBLE_WORDS = {"administrative": "行政责任人", "technical": "技术责任人",
                     "patrol": "巡查责任人", "contact": "包点联系人"}
LINE_HEIGHT_PT = 15  # one line of 11 pt text in a row of the workbook


@dataclass
class RosterPerson:
    """A leader on duty or a post's responsible person, as the roster prints them."""

    name: str
    phone: str | None
    role: str = ""  # a responsible person's role in words: 行政责任人...

    @property
    def text(self) -> str:
        who = f"{self.role}：{self.name}" if self.role else self.name
        return f"{who}　{self.phone}" if self.phone else who


@dataclass
class RosterLeaders:
    """The leaders on duty of one unit (`unit` None: the leader named for this roster by hand)."""

    unit: str | None
    people: list[RosterPerson]

    @property
    def text(self) -> str:
        """`带班领导（太湖源镇）：王建国　　联系电话：139…；…`, as the printed heading says it."""
        label = f"带班领导（{self.unit}）" if self.unit else "带班领导"
        people = "；".join(f"{p.name}　　联系电话：{p.phone}" if p.phone else p.name
                          for p in self.people)
        return f"{label}：{people}"


@dataclass
class RosterLine:
    name: str
    unit: str
    phone: str
    missing: int = 0  # a line for places nobody holds yet


@dataclass
class RosterShift:
    shift_id: int
    starts_at: datetime
    ends_at: datetime
    label: str
    lines: list[RosterLine] = field(default_factory=list)


@dataclass
class RosterPost:
    post_id: int
    name: str
    village: str | None
    shifts: list[RosterShift] = field(default_factory=list)
    responsibles: list[RosterPerson] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(len(s.lines) for s in self.shifts)


@dataclass
class DutyRoster:
    title: str
    event_name: str
    day: date
    leaders: list[RosterLeaders]
    posts: list[RosterPost]

    @property
    def day_text(self) -> str:
        return f"{self.day.year}年{self.day.month}月{self.day.day}日（星期{WEEKDAYS[self.day.weekday()]}）"


def shift_label(start: datetime, end: datetime, day: date) -> str:
    """"08:00—20:00", with 前日/次日 when the shift starts before or ends after the day."""
    start, end = start.astimezone(DISPLAY_ZONE), end.astimezone(DISPLAY_ZONE)

    def side(moment: datetime) -> str:
        prefix = {-1: "前日", 0: "", 1: "次日"}.get((moment.date() - day).days,
                                                   f"{moment.month}月{moment.day}日")
        return f"{prefix}{moment:%H:%M}"

    return f"{side(start)}—{side(end)}"


def towns_of(db: Session, posts: list[Post]) -> list[Unit]:
    """The towns the posts lie in (a post in a village lies in its town), in tree order."""
    units = db.scalars(select(Unit).where(
        Unit.id.in_({p.unit_id for p in posts if p.unit_id is not None}))).all()
    towns = {u.id if u.kind == "town" else u.parent_id
             for u in units if u.kind in ("town", "village")}
    return organisation.list_units(db, towns)


def roster_leaders(db: Session, event: Event, posts: list[Post], leader: str | None,
                   leader_phone: str | None) -> list[RosterLeaders]:
    """The leaders on duty (带班领导) who head the roster: the event's own unit's, then, for a
    county's event (or one of the whole organisation), those of the towns of its posts. A
    leader named by hand stands for the event's own unit's: which of its leaders on duty holds
    this day is not in the records."""
    own = db.get(Unit, event.unit_id) if event.unit_id is not None else None
    # A town account sees a county's event but not the county: it is read as a county's event.
    towns = towns_of(db, posts) if own is None or own.kind == "county" else []
    units = ([own] if own is not None and not leader else []) + towns
    people: dict[int, list[RosterPerson]] = {unit.id: [] for unit in units}
    for unit_leader, person in organisation.leaders_of(db, list(people)):
        if unit_leader.role == "duty":
            people[unit_leader.unit_id].append(RosterPerson(person.name, person.phone))
    lines = [RosterLeaders(unit.name, people[unit.id]) for unit in units if people[unit.id]]
    if leader:
        lines.insert(0, RosterLeaders(None, [RosterPerson(leader, leader_phone)]))
    return lines


def duty_roster(db: Session, event: Event, day: date, org_name: str = "",
                leader: str | None = None, leader_phone: str | None = None) -> DutyRoster:
    """The shifts of `event` that run on `day` (Beijing time), post by post, with who holds them
    and who is responsible for the post, under the leaders on duty."""
    begin = datetime.combine(day, time(0), DISPLAY_ZONE)
    end = begin + timedelta(days=1)
    shifts = db.scalars(select(Shift).where(
        Shift.event_id == event.id, Shift.starts_at < end, Shift.ends_at > begin)
        .order_by(Shift.starts_at, Shift.id)).all()
    posts = {p.id: p for p in db.scalars(select(Post).where(
        Post.id.in_({s.post_id for s in shifts})))}
    held = db.execute(select(Assignment.shift_id, Person.name, Person.unit, Person.phone)
                      .join(Person, Person.id == Assignment.person_id)
                      .where(Assignment.shift_id.in_([s.id for s in shifts]),
                             Assignment.removed_at.is_(None))
                      .order_by(Assignment.id)).all()
    by_shift: dict[int, list[RosterLine]] = {}
    for shift_id, name, unit, phone in held:
        by_shift.setdefault(shift_id, []).append(RosterLine(name, unit, phone))
    rows: dict[int, RosterPost] = {}
    for shift in shifts:
        post = posts[shift.post_id]
        entry = rows.setdefault(post.id, RosterPost(post.id, post.name, post.village))
        lines = list(by_shift.get(shift.id, []))
        if len(lines) < shift.required:
            lines.append(RosterLine("", "", "", missing=shift.required - len(lines)))
        entry.shifts.append(RosterShift(shift.id, shift.starts_at, shift.ends_at,
                                        shift_label(shift.starts_at, shift.ends_at, day), lines))
    for responsible, person in organisation.responsibles_of(db, list(rows)):
        rows[responsible.post_id].responsibles.append(RosterPerson(
            person.name, person.phone, RESPONSIBLE_WORDS[responsible.role]))
    ordered = sorted(rows.values(), key=lambda p: (p.village or "", p.name))
    leaders = roster_leaders(db, event, list(posts.values()), leader or None,
                             leader_phone or None)
    return DutyRoster(f"{org_name}防汛防台值班表", event.name, day, leaders, ordered)


def _width(text: str) -> int:
    """Display width in Excel columns: a Chinese character takes about two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def roster_xlsx(roster: DutyRoster) -> bytes:
    """The roster as an A4 workbook laid out like a government duty table (Chinese headers)."""
    book = Workbook()
    sheet = book.active
    sheet.title = f"值班表{roster.day:%m%d}"
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    lines = Alignment(horizontal="left", vertical="center", wrap_text=True)
    columns = len(HEADERS)
    last = get_column_letter(columns)

    def banner(row: int, text: str, size: int, bold: bool = False, align: str = "center") -> None:
        sheet.merge_cells(f"A{row}:{last}{row}")
        cell = sheet.cell(row=row, column=1, value=storable(text))
        cell.font = Font(name="宋体", size=size, bold=bold)
        cell.alignment = Alignment(horizontal=align, vertical="center")

    banner(1, roster.title, 18, bold=True)
    sheet.row_dimensions[1].height = 32
    banner(2, f"{roster.event_name}　　{roster.day_text}", 11)
    row = 3
    for leaders in roster.leaders:
        banner(row, leaders.text, 11, align="left")
        row += 1
    header_row = row
    for column, text in enumerate(HEADERS, start=1):
        cell = sheet.cell(row=row, column=column, value=text)
        cell.font = Font(name="黑体", size=11, bold=True)
        cell.alignment = centre
        cell.border = border
        cell.fill = PatternFill("solid", fgColor="D9D9D9")
    widths = [_width(h) for h in HEADERS]
    row += 1
    for post in roster.posts:
        post_first = row
        responsibles = [person.text for person in post.responsibles]
        widths[1] = max([widths[1], *map(_width, responsibles)])
        for shift in post.shifts:
            shift_first = row
            for line in shift.lines:
                name = f"（缺{line.missing}人）" if line.missing else line.name
                values = (post.name, "\n".join(responsibles), shift.label, name, line.unit,
                          line.phone)
                for column, value in enumerate(values, start=1):
                    cell = sheet.cell(row=row, column=column, value=storable(value))
                    cell.alignment = lines if column == 2 else centre
                    cell.border = border
                    cell.font = Font(name="宋体", size=11, color="C00000" if line.missing else None)
                    if column != 2:
                        widths[column - 1] = max(widths[column - 1], _width(value))
                row += 1
            if row - shift_first > 1:
                sheet.merge_cells(start_row=shift_first, start_column=3, end_row=row - 1,
                                  end_column=3)
        if row - post_first > 1:
            for column in (1, 2):
                sheet.merge_cells(start_row=post_first, start_column=column, end_row=row - 1,
                                  end_column=column)
        if len(responsibles) > row - post_first:  # the merged cell needs room for every line
            height = math.ceil(len(responsibles) / (row - post_first)) * LINE_HEIGHT_PT
            for tall in range(post_first, row):
                sheet.row_dimensions[tall].height = height
    if not roster.posts:
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=columns)
        sheet.cell(row=row, column=1, value="当日无值班安排").alignment = centre
        row += 1
    row += 1
    banner(row, "制表人：　　　　　　审核人：　　　　　　（盖章）", 11, align="left")
    banner(row + 1, "制表日期：　　　　年　　月　　日", 11, align="right")
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 4, 10), 48)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
