"""Exports of duty records: the XLSX workbook of an event or a season, and CSV tables, streamed.

Headers are Chinese unless English is asked for; times are Beijing time; a text cell that a
spreadsheet would run as a formula gets a leading apostrophe (OWASP, CSV injection).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, String, select, type_coerce
from sqlalchemy.orm import Session

from ..models import (
    Alert,
    Assignment,
    Call,
    CallTarget,
    CheckIn,
    Commendation,
    Event,
    Person,
    Post,
    Shift,
    SpotCheck,
    User,
)
from . import duty_rule, performance, relocation_records, scope
from .export_words import WORDS
from .record_tables import ROW_BATCH, Column, Table
from .xlsx import Workbook

ZONE = ZoneInfo("Asia/Shanghai")
CSV_CHUNK_ROWS = 1_000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LANGS = ("zh_CN", "en")
TABLES = ("people", "units", "checkins", "alerts", "spot_checks", "commendations", "calls",
          *relocation_records.TABLE_KEYS)


def _columns(*specs: tuple) -> list[Column]:
    return [Column(*spec) for spec in specs]


COUNT_COLUMNS = (
    ("shifts", "班次数", "Shifts"), ("attended", "到岗", "Attended"), ("late", "迟到", "Late"),
    ("left_early", "早退", "Left early"), ("absent", "缺岗", "Absent"),
    ("pending", "未结束班次未到岗", "Not yet arrived (shift running)"),
)
FINDING_COLUMNS = (
    ("spot_check_absences", "督查缺岗", "Absent at spot checks"),
    ("rejected_checkins", "签到被驳回", "Check-ins rejected"),
    ("commendations", "表扬", "Commendations"), ("criticisms", "通报批评", "Criticisms"),
    ("calls", "叫应次数", "Calls"), ("calls_answered", "叫应已应答", "Calls answered"),
    ("calls_late", "叫应超时应答", "Calls answered late"),
    ("calls_unanswered", "叫应未应答", "Calls unanswered"),
    ("roll_calls_failed", "点名未通过", "Roll calls failed"),
)
PART_COLUMNS = (
    ("base", "基础分", "Base points"), ("absent", "缺岗扣分", "Points: absences"),
    ("late", "迟到扣分", "Points: late"), ("left_early", "早退扣分", "Points: left early"),
    ("spot_check_absences", "督查缺岗扣分", "Points: spot-check absences"),
    ("rejected_checkins", "签到驳回扣分", "Points: rejected check-ins"),
    ("commendations", "表扬加分", "Points: commendations"),
    ("criticisms", "批评扣分", "Points: criticisms"),
    ("calls_unanswered", "叫应未应答扣分", "Points: calls unanswered"),
    ("calls_late", "叫应超时扣分", "Points: calls late"),
    ("roll_calls_failed", "点名未通过扣分", "Points: roll calls failed"),
    ("on_duty_hours", "在岗时长加分", "Points: hours on duty"),
)
PEOPLE_COLUMNS = _columns(
    ("person_id", "人员ID", "Person ID"), ("name", "姓名", "Name"), ("unit", "单位", "Unit"),
    ("phone", "电话", "Phone"), ("kind", "类别", "Category"), *COUNT_COLUMNS,
    ("on_duty_hours", "在岗时长（小时）", "Hours on duty"), *FINDING_COLUMNS,
    *[(f"part_{key}", zh, en) for key, zh, en in PART_COLUMNS],
    ("score", "总分", "Score"),
)
TOTAL_COLUMNS = (
    ("people", "人数", "People"), *COUNT_COLUMNS,
    ("on_duty_hours", "在岗时长（小时）", "Hours on duty"), *FINDING_COLUMNS,
    ("attendance_rate", "出勤率（%）", "Attendance (%)"),
    ("punctuality_rate", "准时率（%）", "Punctuality (%)"),
    ("average_score", "平均分", "Average score"),
)
UNIT_COLUMNS = _columns(("unit", "单位", "Unit"), *TOTAL_COLUMNS)
CHECKIN_COLUMNS = _columns(
    ("id", "签到ID", "Check-in ID", "plain"), ("person_id", "人员ID", "Person ID", "plain"),
    ("name", "姓名", "Name"), ("unit", "单位", "Unit"), ("post_id", "点位ID", "Post ID", "plain"),
    ("post", "点位", "Post"), ("shift_id", "班次ID", "Shift ID", "plain"),
    ("kind", "类型", "Kind", "plain"),
    ("taken_at", "定位时间（北京时间）", "Taken at (Beijing time)", "time"),
    ("received_at", "接收时间（北京时间）", "Received at (Beijing time)", "time"),
    ("lat", "纬度", "Latitude", "plain"), ("lon", "经度", "Longitude", "plain"),
    ("accuracy_m", "定位精度（米）", "Accuracy (m)", "plain"),
    ("distance_m", "距点位（米）", "Distance (m)", "plain"),
    ("within_fence", "在围栏内", "Within fence", "bool"),
    ("counts", "计入在岗", "Counts as on duty", "bool"),
    ("fence_reading", "在岗判定", "Duty rule reading", "plain"),
    ("flags", "标记", "Flags", "plain"), ("spoof_reasons", "疑似虚假定位原因", "Spoof signs"),
    ("review_verdict", "审核结论", "Review verdict", "plain"),
    ("review_note", "审核意见", "Review note"), ("note", "交接班备注", "Handover note"),
)
ALERT_COLUMNS = _columns(
    ("id", "告警ID", "Alert ID"), ("kind", "类型", "Kind"), ("post", "点位", "Post"),
    ("person_id", "人员ID", "Person ID"), ("name", "姓名", "Name"),
    ("message", "内容", "Message"), ("raised_at", "发生时间（北京时间）", "Raised at (Beijing time)", "time"),
    ("acked_at", "确认时间（北京时间）", "Acknowledged at (Beijing time)", "time"),
    ("resolved_at", "解除时间（北京时间）", "Resolved at (Beijing time)", "time"),
)
SPOT_CHECK_COLUMNS = _columns(
    ("id", "督查ID", "Spot check ID"), ("post_id", "点位ID", "Post ID"), ("post", "点位", "Post"),
    ("visited_at", "督查时间（北京时间）", "Visited at (Beijing time)", "time"),
    ("manner", "方式", "Manner"), ("inspector", "督查人", "Inspector"),
    ("present", "在岗人员", "Found present"), ("absent", "缺岗人员", "Found absent"),
    ("absent_count", "缺岗人数", "Absent"), ("note", "情况说明", "Note"),
    ("photo", "有照片", "Photo", "bool"),
    ("created_at", "记录时间（北京时间）", "Recorded at (Beijing time)", "time"),
)
COMMENDATION_COLUMNS = _columns(
    ("id", "记录ID", "Record ID"), ("person_id", "人员ID", "Person ID"), ("name", "姓名", "Name"),
    ("unit", "单位", "Unit"), ("kind", "类型", "Kind"), ("reason", "事由", "Reason"),
    ("by", "记录人", "Recorded by"),
    ("created_at", "记录时间（北京时间）", "Recorded at (Beijing time)", "time"),
)
CALL_COLUMNS = _columns(
    ("call_id", "叫应ID", "Call ID"), ("kind", "类型", "Kind"), ("message", "内容", "Message"),
    ("created_at", "发出时间（北京时间）", "Sent at (Beijing time)", "time"),
    ("deadline_at", "应答时限（北京时间）", "Deadline (Beijing time)", "time"),
    ("person_id", "人员ID", "Person ID"), ("name", "姓名", "Name"), ("unit", "单位", "Unit"),
    ("phone", "电话", "Phone"),
    ("answered_at", "应答时间（北京时间）", "Answered at (Beijing time)", "time"),
    ("late", "超时应答", "Late", "any"),
    ("within_fence", "在围栏内（点名）", "Inside the fence (roll call)", "any"),
    ("distance_m", "距点位（米）", "Distance to the post (m)", "any"),
    ("escalated_at", "上报领导时间（北京时间）", "Escalated at (Beijing time)", "time"),
)
RULE_COLUMNS = _columns(("item", "项目", "Item"), ("points", "分值", "Points", "any"),
                        ("meaning", "说明", "Meaning"))
EVENT_COLUMNS = _columns(
    ("event_id", "响应ID", "Response ID"), ("event", "应急响应", "Response"),
    ("kind", "类型", "Kind"), ("level", "响应级别", "Level"),
    ("starts_at", "开始时间（北京时间）", "Start (Beijing time)", "time"),
    ("closed_at", "结束时间（北京时间）", "Closed (Beijing time)", "time"), *TOTAL_COLUMNS,
)
SEASON_PEOPLE_COLUMNS = _columns(
    ("person_id", "人员ID", "Person ID"), ("name", "姓名", "Name"), ("unit", "单位", "Unit"),
    ("phone", "电话", "Phone"), ("events", "参与响应次数", "Responses"), *COUNT_COLUMNS,
    ("on_duty_hours", "在岗时长（小时）", "Hours on duty"), *FINDING_COLUMNS,
    ("total_score", "各次得分合计", "Sum of scores"), ("average_score", "平均分", "Average score"),
)
SEASON_DETAIL_COLUMNS = _columns(
    ("event_id", "响应ID", "Response ID"), ("event", "应急响应", "Response"),
    *[(c.key, c.zh, c.en, c.kind) for c in PEOPLE_COLUMNS],
)
LEVELS = {1: "Ⅰ级", 2: "Ⅱ级", 3: "Ⅲ级", 4: "Ⅳ级"}


def neutralise(value: str) -> str:
    """Text that a spreadsheet would read as a formula gets a leading apostrophe."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _word(lang: str, value) -> str:
    return WORDS[lang].get(value, value)


def _list(lang: str, values) -> str:
    return WORDS[lang]["separator"].join(str(_word(lang, v)) for v in values or [])


def _percent(rate: float | None) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _text(value):
    return neutralise(value) if type(value) is str else value


def _xlsx_time(moment):
    return None if moment is None else _utc(moment).astimezone(ZONE).replace(tzinfo=None)


def _csv_time(moment):
    return None if moment is None else _utc(moment).astimezone(ZONE).isoformat()


def _converter(kind: str, lang: str, for_xlsx: bool) -> Callable | None:
    if kind == "text":
        return (lambda value: None if value == "" else _text(value)) if for_xlsx else _text
    if kind == "time":
        return _xlsx_time if for_xlsx else _csv_time
    if kind == "bool":
        words = WORDS[lang]
        return lambda value: None if value is None else words[bool(value)]
    if kind == "any":
        by_kind = {str: _converter("text", lang, for_xlsx), bool: _converter("bool", lang, for_xlsx),
                   datetime: _converter("time", lang, for_xlsx)}
        return lambda value: by_kind.get(type(value), lambda same: same)(value)
    return None


def _row_converter(columns: list[Column], lang: str, for_xlsx: bool) -> Callable:
    """One function per row that converts only the columns that need it (times may come raw
    from the database: naive means UTC)."""
    steps = [(index, convert) for index, column in enumerate(columns)
             if (convert := _converter(column.kind, lang, for_xlsx)) is not None]

    def convert_row(row) -> list:
        row = list(row)
        for index, convert in steps:
            row[index] = convert(row[index])
        return row

    return convert_row


# --- the tables of an event -------------------------------------------------------------------


def _person_row(person: performance.PersonRecord, lang: str) -> tuple:
    counts = person.counts
    return (person.person_id, person.name, person.unit, person.phone, _word(lang, person.kind),
            *[counts[key] for key, _zh, _en in COUNT_COLUMNS], person.on_duty_hours,
            *[counts[key] for key, _zh, _en in FINDING_COLUMNS],
            *[person.score_parts[key] for key, _zh, _en in PART_COLUMNS], person.score)


def _total_values(totals: dict) -> list:
    return [totals["people"], *[totals[key] for key, _zh, _en in COUNT_COLUMNS],
            totals["on_duty_hours"], *[totals[key] for key, _zh, _en in FINDING_COLUMNS],
            _percent(totals["attendance_rate"]), _percent(totals["punctuality_rate"]),
            totals["average_score"]]


def people_table(records: performance.EventRecords, lang: str) -> Table:
    return Table("people", "人员绩效", "People", PEOPLE_COLUMNS,
                 (_person_row(p, lang) for p in records.people))


def units_table(records: performance.EventRecords) -> Table:
    return Table("units", "单位汇总", "Units", UNIT_COLUMNS,
                 ((u["unit"], *_total_values(u)) for u in performance.unit_records(records.people)))


def _event_people(db: Session, event_id: int) -> dict[int, tuple[str, str]]:
    involved = (select(Assignment.person_id).join(Shift, Shift.id == Assignment.shift_id)
                .where(Shift.event_id == event_id))
    return {row.id: (row.name, row.unit) for row in db.execute(
        select(Person.id, Person.name, Person.unit).where(Person.id.in_(involved)))}


def _event_posts(db: Session, event_id: int) -> dict[int, str]:
    return dict(db.execute(select(Post.id, Post.name).where(
        Post.id.in_(select(Shift.post_id).where(Shift.event_id == event_id)))).all())


def _user_names(db: Session) -> dict[int, str]:
    return {row.id: row.display_name or row.username
            for row in db.execute(select(User.id, User.username, User.display_name))}


def _json_list(value) -> list:
    """A JSON list column read raw: text on SQLite, already a list from PostgreSQL's driver."""
    if not value or value == "[]":
        return []
    return json.loads(value) if isinstance(value, str) else value


def checkins_table(db: Session, event_id: int, lang: str) -> Table:
    """Every check-in of the event in time order, read in batches as plain rows (a large event
    has a million): times and JSON come raw and are converted once per cell written."""
    words = WORDS[lang]

    def rows():
        people = _event_people(db, event_id)
        posts = _event_posts(db, event_id)
        of_event = (select(Assignment.id).join(Shift, Shift.id == Assignment.shift_id)
                    .where(Shift.event_id == event_id))
        query = (select(CheckIn.id, CheckIn.person_id, CheckIn.post_id, Assignment.shift_id,
                        CheckIn.kind, type_coerce(CheckIn.taken_at, DateTime()),
                        type_coerce(CheckIn.received_at, DateTime()), CheckIn.lat, CheckIn.lon,
                        CheckIn.accuracy_m, CheckIn.distance_m, CheckIn.within_fence,
                        Post.radius_m,
                        type_coerce(CheckIn.flags, String()),
                        type_coerce(CheckIn.spoof_reasons, String()), CheckIn.review_verdict,
                        CheckIn.review_note, CheckIn.note)
                 .join(Assignment, Assignment.id == CheckIn.assignment_id)
                 .join(Post, Post.id == CheckIn.post_id)
                 .where(CheckIn.assignment_id.in_(of_event),
                        scope.where_in_scope(db, CheckIn))
                 .order_by(CheckIn.taken_at, CheckIn.id)
                 .execution_options(yield_per=ROW_BATCH))
        nobody = ("", "")
        for (checkin_id, person_id, post_id, shift_id, kind, taken_at, received_at, lat, lon,
             accuracy_m, distance_m, within_fence, radius_m, flags, reasons, verdict,
             review_note, note) in db.connection().execute(query):
            name, unit = people.get(person_id, nobody)
            flags = _json_list(flags)
            reasons = _json_list(reasons)
            yield (checkin_id, person_id, name, unit, post_id, posts.get(post_id, ""), shift_id,
                   words.get(kind, kind), taken_at, received_at, lat, lon, accuracy_m,
                   distance_m, within_fence, within_fence and verdict != "rejected",
                   words[duty_rule.reading(within_fence, distance_m, accuracy_m, radius_m)],
                   words["separator"].join(words.get(f, f) for f in flags) if flags else None,
                   "；".join(r.get("detail", "") for r in reasons) if reasons else None,
                   words.get(verdict, verdict) if verdict else None, review_note, note)

    return Table("checkins", "签到记录", "Check-ins", CHECKIN_COLUMNS, rows())


def alerts_table(db: Session, event_id: int, lang: str) -> Table:
    def rows():
        people = _event_people(db, event_id)
        posts = _event_posts(db, event_id)
        query = (select(Alert).where(Alert.event_id == event_id)
                 .order_by(Alert.raised_at, Alert.id).execution_options(yield_per=ROW_BATCH))
        for alert in db.scalars(query):
            yield (alert.id, _word(lang, alert.kind), posts.get(alert.post_id),
                   alert.person_id, people.get(alert.person_id, (None, None))[0], alert.message,
                   alert.raised_at, alert.acked_at, alert.resolved_at)

    return Table("alerts", "告警记录", "Alerts", ALERT_COLUMNS, rows())


def spot_checks_table(db: Session, event_id: int, lang: str) -> Table:
    def rows():
        people = _event_people(db, event_id)
        posts = _event_posts(db, event_id)
        users = _user_names(db)
        query = (select(SpotCheck.id, SpotCheck.post_id, SpotCheck.visited_at,
                        SpotCheck.unannounced, SpotCheck.inspector_id,
                        SpotCheck.present_person_ids, SpotCheck.absent_person_ids,
                        SpotCheck.note, SpotCheck.photo_type, SpotCheck.created_at)
                 .where(SpotCheck.event_id == event_id)
                 .order_by(SpotCheck.visited_at, SpotCheck.id))
        checks = db.execute(query).all()
        missing = {pid for c in checks for pid in [*c.present_person_ids, *c.absent_person_ids]
                   if pid not in people}
        if missing:
            people.update({row.id: (row.name, row.unit) for row in db.execute(
                select(Person.id, Person.name, Person.unit).where(Person.id.in_(missing)))})
        separator = WORDS[lang]["separator"]

        def names(ids):
            return separator.join(people.get(pid, (str(pid), ""))[0] for pid in ids or [])

        for check in checks:
            yield (check.id, check.post_id, posts.get(check.post_id, ""), check.visited_at,
                   _word(lang, "unannounced" if check.unannounced else "announced"),
                   users.get(check.inspector_id, ""), names(check.present_person_ids),
                   names(check.absent_person_ids), len(check.absent_person_ids or []),
                   check.note, check.photo_type is not None, check.created_at)

    return Table("spot_checks", "督查记录", "Spot checks", SPOT_CHECK_COLUMNS, rows())


def commendations_table(db: Session, event_id: int, lang: str) -> Table:
    def rows():
        users = _user_names(db)
        query = (select(Commendation, Person.name, Person.unit)
                 .join(Person, Person.id == Commendation.person_id)
                 .where(Commendation.event_id == event_id)
                 .order_by(Commendation.created_at, Commendation.id))
        for record, name, unit in db.execute(query):
            yield (record.id, record.person_id, name, unit, _word(lang, record.kind),
                   record.reason, users.get(record.created_by, ""), record.created_at)

    return Table("commendations", "表扬批评", "Commendations", COMMENDATION_COLUMNS, rows())


def calls_table(db: Session, event_id: int, lang: str) -> Table:
    """Every target of the event's calls (叫应) and roll calls, with its answer."""
    def rows():
        query = (select(Call.id, Call.kind, Call.message, Call.created_at, Call.deadline_at,
                        Person.id, Person.name, Person.unit, Person.phone,
                        CallTarget.answered_at, CallTarget.late, CallTarget.within_fence,
                        CallTarget.distance_m, CallTarget.escalated_at)
                 .join(CallTarget, CallTarget.call_id == Call.id)
                 .join(Person, Person.id == CallTarget.person_id)
                 .where(Call.event_id == event_id)
                 .order_by(Call.created_at, Call.id, CallTarget.id)
                 .execution_options(yield_per=ROW_BATCH))
        for (call_id, kind, message, created_at, deadline_at, person_id, name, unit, phone,
             answered_at, late, within_fence, distance_m, escalated_at) in db.execute(query):
            yield (call_id, _word(lang, kind), message, created_at, deadline_at, person_id, name,
                   unit, phone, answered_at, None if late is None else _word(lang, late),
                   None if within_fence is None else _word(lang, within_fence), distance_m,
                   escalated_at)

    return Table("calls", "叫应", "Calls", CALL_COLUMNS, rows())


def rule_table(rule: performance.ScoreRule, at: datetime, lang: str) -> Table:
    """The score's rule and weights as applied, so that a reader can recompute any score."""
    zh = lang == "zh_CN"
    grace = int(rule.late_grace.total_seconds() // 60)
    items = [
        ("基础分", "Base", rule.base, "每人起始分", "everyone starts with"),
        ("缺岗", "Absent", rule.absent,
         "每个已结束而无有效到岗签到的班次", "each ended shift without a check-in that counts"),
        ("迟到", "Late", rule.late, f"首次有效到岗晚于班次开始{grace}分钟以上",
         f"first check-in that counts more than {grace} min after the shift start"),
        ("早退", "Left early", rule.left_early, f"签退早于班次结束{grace}分钟以上",
         f"checked out more than {grace} min before the shift end"),
        ("督查缺岗", "Spot-check absence", rule.spot_check_absence,
         "督查时在班而未见本人，每次", "each spot check that found the person absent"),
        ("签到被驳回", "Rejected check-in", rule.rejected_checkin,
         "督查审核驳回（如核实为虚假定位）的签到，每条；未审核的疑似标记不扣分",
         "each check-in a reviewer rejected (e.g. a confirmed spoof); unreviewed flags cost "
         "nothing"),
        ("表扬", "Commendation", rule.commendation, "每次", "each"),
        ("通报批评", "Criticism", rule.criticism, "每次", "each"),
        ("叫应未应答", "Call unanswered", rule.call_unanswered, "应答时限已过仍未应答的叫应，每次",
         "each call not answered by the time it closed"),
        ("叫应超时", "Call answered late", rule.call_late, "超过应答时限才应答的叫应，每次",
         "each call answered after its deadline"),
        ("点名未通过", "Roll call failed", rule.roll_call_failed,
         "随机点名未在时限内于岗位电子围栏内应答，每次",
         "each roll call not answered in time from inside the post's fence"),
        ("在岗时长", "Hours on duty", rule.per_hour,
         f"每小时，最多{_fmt(rule.hours_cap)}分；自首次有效签到至签退或最后一次在岗确认，按班次时段截取",
         f"per hour, at most {_fmt(rule.hours_cap)} points; from the first check-in that counts "
         "to the check-out or the last presence confirmation, within the shift"),
        ("统计截至", "Counted as of", at, "北京时间", "Beijing time"),
    ]
    return Table("rule", "计分规则", "Score rule", RULE_COLUMNS,
                 ((i[0] if zh else i[1], i[2], i[3] if zh else i[4]) for i in items))


def _fmt(number: float) -> str:
    return f"{number:g}"


def event_table(db: Session, event: Event, key: str, records_for: Callable, lang: str) -> Table:
    """One table of an event by key; `records_for()` computes the records when one needs them."""
    if key == "people":
        return people_table(records_for(), lang)
    if key == "units":
        return units_table(records_for())
    if key in relocation_records.TABLE_KEYS:
        return relocation_records.event_table(db, event, key, lang)
    return {"checkins": checkins_table, "alerts": alerts_table,
            "spot_checks": spot_checks_table,
            "commendations": commendations_table, "calls": calls_table}[key](db, event.id, lang)


def event_tables(db: Session, event: Event, records: performance.EventRecords,
                 rule: performance.ScoreRule, lang: str) -> list[Table]:
    return [people_table(records, lang), units_table(records), checkins_table(db, event.id, lang),
            alerts_table(db, event.id, lang), spot_checks_table(db, event.id, lang),
            commendations_table(db, event.id, lang), calls_table(db, event.id, lang),
            *relocation_records.event_tables(db, event, lang),
            rule_table(rule, records.at, lang)]


# --- a season: several events -------------------------------------------------------------------


def season_tables(db: Session, events: list[Event], at: datetime, rule: performance.ScoreRule,
                  lang: str) -> list[Table]:
    """Per response, per person over all of them, each person in each response, per unit."""
    event_rows, detail_rows = [], []
    people: dict[int, dict] = {}
    everyone: list[performance.PersonRecord] = []
    for event in events:
        records = performance.event_records(db, event.id, at, rule)
        totals = performance.totals(records.people)
        event_rows.append((event.id, event.name, _word(lang, event.kind),
                           LEVELS.get(event.level, event.level) if lang == "zh_CN" else event.level,
                           event.starts_at, event.closed_at, *_total_values(totals)))
        for person in records.people:
            detail_rows.append((event.id, event.name, *_person_row(person, lang)))
            everyone.append(person)
            summary = people.setdefault(person.person_id, {
                "person": person, "events": 0, "hours": 0.0, "score": 0.0,
                "counts": defaultdict(int)})
            summary["events"] += 1
            summary["hours"] += person.on_duty_hours
            summary["score"] += person.score
            for key, value in person.counts.items():
                summary["counts"][key] += value
    season_people = []
    for summary in sorted(people.values(), key=lambda s: (s["person"].unit, s["person"].name,
                                                          s["person"].person_id)):
        person, counts = summary["person"], summary["counts"]
        season_people.append((
            person.person_id, person.name, person.unit, person.phone, summary["events"],
            *[counts[key] for key, _zh, _en in COUNT_COLUMNS], round(summary["hours"], 2),
            *[counts[key] for key, _zh, _en in FINDING_COLUMNS],
            performance.tidy(summary["score"]),
            performance.tidy(summary["score"] / summary["events"])))
    units = performance.unit_records(everyone)
    return [
        Table("events", "响应汇总", "Responses", EVENT_COLUMNS, event_rows),
        Table("people", "人员汇总", "People", SEASON_PEOPLE_COLUMNS, season_people),
        Table("detail", "人员逐次明细", "People by response", SEASON_DETAIL_COLUMNS, detail_rows),
        Table("units", "单位汇总", "Units", UNIT_COLUMNS,
              [(u["unit"], *_total_values(u)) for u in units]),
        rule_table(rule, at, lang),
    ]


# --- writers ------------------------------------------------------------------------------------


def write_xlsx(tables: list[Table], fileobj, lang: str) -> dict[str, int]:
    """Write the tables as sheets into `fileobj`; the number of rows of each table."""
    book = Workbook(fileobj)
    counts = {}
    for table in tables:
        convert = _row_converter(table.columns, lang, for_xlsx=True)
        counts[table.key] = book.add_sheet(table.title(lang), table.headers(lang),
                                           map(convert, table.rows))
    book.close()
    return counts


def csv_chunks(table: Table, lang: str) -> Iterator[bytes]:
    """The table as UTF-8 CSV with a BOM (so that Excel reads Chinese), a chunk at a time."""
    convert = _row_converter(table.columns, lang, for_xlsx=False)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(table.headers(lang))
    pending = 0
    for row in table.rows:
        writer.writerow(convert(row))
        pending += 1
        if pending >= CSV_CHUNK_ROWS:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode("utf-8")
