"""Duty records: spot checks, commendations, the check-in review list, performance and exports."""

from __future__ import annotations

import hashlib
import tempfile
from collections import Counter
from datetime import datetime, time
from urllib.parse import quote

from flask import Blueprint, Response, current_app, jsonify, send_file, url_for
from sqlalchemy import select

from .. import clock, db, unit_of_work
from ..errors import not_found, validation_error
from ..models import MAX_ID, WATCHING_ROLES, Commendation, Event, Person, Post, Shift, SpotCheck, User
from ..presenters import DISPLAY_ZONE, checkin_json, event_json, iso
from ..services import audit, events, exports, geo, live, people, performance, scope, supervision
from .endpoint import endpoint
from .schemas.exports import CsvExportQuery, ExportQuery, SeasonExportQuery
from .schemas.performance import (
    PerformanceList,
    PerformanceQuery,
    PerformanceSummary,
    PersonHistory,
    UnitPerformanceList,
)
from .schemas.supervision import (
    CommendationAnswer,
    CommendationBody,
    CommendationsList,
    CommendationsQuery,
    DutyPostsList,
    DutyPostsQuery,
    EventCheckinsList,
    EventCheckinsQuery,
    OnShiftList,
    OnShiftQuery,
    SpotCheckAnswer,
    SpotCheckBody,
    SpotChecksList,
    SpotChecksQuery,
)

bp = Blueprint("records", __name__, url_prefix="/api/v1")
WATCHERS = WATCHING_ROLES
EXPORTERS = WATCHING_ROLES
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOP_COMMENDED = 10
OPEN_ABSENCES = 200
MAX_SEASON_EVENTS = 100


def score_rule() -> performance.ScoreRule:
    return performance.ScoreRule.from_config(current_app.config)


def _names(session, person_ids) -> dict[int, Person]:
    ids = set(person_ids)
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}


def _ref(person: Person | None, person_id: int) -> dict:
    return {"person_id": person_id, "name": person.name if person else "",
            "unit": person.unit if person else ""}


def _user_label(session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id else None
    return (user.display_name or user.username) if user else ""


# --- spot checks ------------------------------------------------------------------------------


def spot_checks_json(session, spot_checks: list[SpotCheck]) -> list[dict]:
    people = _names(session, [pid for s in spot_checks
                               for pid in [*s.present_person_ids, *s.absent_person_ids]])
    posts = {p.id: p.name for p in session.scalars(
        select(Post).where(Post.id.in_({s.post_id for s in spot_checks})))}
    users: dict[int, str] = {}
    items = []
    for check in spot_checks:
        if check.inspector_id not in users:
            users[check.inspector_id] = _user_label(session, check.inspector_id)
        items.append({
            "id": check.id, "event_id": check.event_id, "post_id": check.post_id,
            "post_name": posts.get(check.post_id, ""), "inspector": users[check.inspector_id],
            "visited_at": iso(check.visited_at), "unannounced": check.unannounced,
            "present_person_ids": list(check.present_person_ids),
            "absent_person_ids": list(check.absent_person_ids),
            "present": [_ref(people.get(pid), pid) for pid in check.present_person_ids],
            "absent": [_ref(people.get(pid), pid) for pid in check.absent_person_ids],
            "note": check.note, "has_photo": check.photo_type is not None,
            "photo_url": (url_for("records.spot_check_photo", spot_check_id=check.id)
                          if check.photo_type else None),
            "created_at": iso(check.created_at)})
    return items


@endpoint(bp, "/spot-checks", "POST",
          summary="Record a spot check (督查): who of those assigned was found at the post",
          roles=("inspector",), body=SpotCheckBody, response=SpotCheckAnswer, status=201)
def create_spot_check(principal, body: SpotCheckBody):
    session = db.session()
    spot_check = supervision.record_spot_check(session, principal.actor, principal.user_id,
                                               clock.now(), body.model_dump())
    return jsonify(spot_checks_json(session, [spot_check])[0]), 201


@endpoint(bp, "/events/<int:event_id>/spot-checks", "GET", summary="The event's spot checks",
          roles=WATCHERS, query=SpotChecksQuery, response=SpotChecksList)
def list_spot_checks(principal, event_id: int, query: SpotChecksQuery):
    session = db.session()
    events.get_event(session, event_id)
    items, total = supervision.list_spot_checks(session, event_id, **query.model_dump())
    return jsonify({"items": spot_checks_json(session, items), "total": total})


@endpoint(bp, "/spot-checks/<int:spot_check_id>/photo", "GET", summary="A spot check's photo",
          roles=WATCHERS, produces="image/jpeg")
def spot_check_photo(principal, spot_check_id: int):
    spot_check = supervision.get_spot_check(db.session(), spot_check_id)
    if spot_check.photo is None:
        raise not_found(f"The photo of spot check {spot_check_id}")
    return Response(spot_check.photo, mimetype=spot_check.photo_type,
                    headers={"Cache-Control": "private, max-age=86400"})


@endpoint(bp, "/events/<int:event_id>/duty-posts", "GET",
          summary="The posts with shifts in the event, nearest first when lat/lon are given",
          roles=WATCHERS, query=DutyPostsQuery, response=DutyPostsList)
def duty_posts(principal, event_id: int, query: DutyPostsQuery):
    session = db.session()
    events.get_event(session, event_id)
    counts = Counter(s.post_id for s in live.running_shifts(session, event_id, clock.now()))
    with_shifts = select(Shift.post_id).where(Shift.event_id == event_id)
    items = []
    for post in session.scalars(select(Post).where(Post.id.in_(with_shifts))):
        distance = None
        if query.lat is not None and query.lon is not None:
            distance = round(geo.haversine_m(query.lat, query.lon, post.lat, post.lon), 1)
        items.append({"id": post.id, "name": post.name, "kind": post.kind,
                      "village": post.village, "lat": post.lat, "lon": post.lon,
                      "radius_m": post.radius_m, "distance_m": distance,
                      "running_shifts": counts.get(post.id, 0)})
    items.sort(key=lambda p: (p["distance_m"] is None, p["distance_m"] or 0,
                              -p["running_shifts"], p["name"]))
    return jsonify({"items": items, "total": len(items)})


@endpoint(bp, "/events/<int:event_id>/posts/<int:post_id>/on-shift", "GET",
          summary="Who is assigned at the post at a moment (for a spot check), with GPS status",
          roles=WATCHERS, query=OnShiftQuery, response=OnShiftList)
def on_shift(principal, event_id: int, post_id: int, query: OnShiftQuery):
    session = db.session()
    events.get_event(session, event_id)
    at = query.at or clock.now()
    rows = supervision.on_shift_at(session, event_id, post_id, at)
    people = _names(session, [a.person_id for a, _shift in rows])
    states = live.states_by_assignment(session, [a.id for a, _shift in rows],
                                       as_of=at if query.at else None)
    items = [{**_ref(people.get(a.person_id), a.person_id),
              "phone": people[a.person_id].phone if a.person_id in people else "",
              "assignment_id": a.id, "shift_id": shift.id, "starts_at": iso(shift.starts_at),
              "ends_at": iso(shift.ends_at), "on_duty": states[a.id].on_duty}
             for a, shift in rows]
    return jsonify({"items": items, "total": len(items)})


# --- commendations ------------------------------------------------------------------------------


def commendations_json(session, records: list[Commendation]) -> list[dict]:
    people = _names(session, [r.person_id for r in records])
    users: dict[int, str] = {}
    items = []
    for record in records:
        if record.created_by not in users:
            users[record.created_by] = _user_label(session, record.created_by)
        person = people.get(record.person_id)
        items.append({"id": record.id, "person_id": record.person_id,
                      "person_name": person.name if person else "",
                      "unit": person.unit if person else "", "event_id": record.event_id,
                      "kind": record.kind, "reason": record.reason,
                      "created_by": users[record.created_by],
                      "created_at": iso(record.created_at)})
    return items


@endpoint(bp, "/commendations", "POST",
          summary="Record a commendation (表扬) or criticism (通报批评) of a person in an event",
          roles=("commander",), body=CommendationBody, response=CommendationAnswer, status=201)
def create_commendation(principal, body: CommendationBody):
    session = db.session()
    record = supervision.record_commendation(session, principal.actor, principal.user_id,
                                             clock.now(), body.model_dump())
    return jsonify(commendations_json(session, [record])[0]), 201


@endpoint(bp, "/events/<int:event_id>/commendations", "GET",
          summary="The event's commendations and criticisms, newest first", roles=WATCHERS,
          query=CommendationsQuery, response=CommendationsList)
def list_commendations(principal, event_id: int, query: CommendationsQuery):
    session = db.session()
    events.get_event(session, event_id)
    items, total = supervision.list_commendations(session, event_id, **query.model_dump())
    return jsonify({"items": commendations_json(session, items), "total": total})


# --- check-ins to review ------------------------------------------------------------------------


def _fix_json(fix) -> dict:
    return {"id": fix.id, "kind": fix.kind, "lat": fix.lat, "lon": fix.lon,
            "accuracy_m": fix.accuracy_m, "taken_at": iso(fix.taken_at),
            "within_fence": fix.within_fence}


@endpoint(bp, "/events/<int:event_id>/checkins", "GET",
          summary="The event's check-ins, newest first; e.g. ?flag=suspected_spoof&reviewed=false "
                  "for the review queue, with each reason, the post and the nearby fixes",
          roles=WATCHERS, query=EventCheckinsQuery, response=EventCheckinsList)
def list_event_checkins(principal, event_id: int, query: EventCheckinsQuery):
    session = db.session()
    events.get_event(session, event_id)
    items, total = supervision.event_checkins(session, event_id, **query.model_dump())
    people = _names(session, [c.person_id for c in items])
    posts = {p.id: p for p in session.scalars(
        select(Post).where(Post.id.in_({c.post_id for c in items})))}
    answer = []
    for checkin in items:
        post = posts[checkin.post_id]
        answer.append({
            **checkin_json(checkin, post.radius_m), "lat": checkin.lat, "lon": checkin.lon,
            "accuracy_m": checkin.accuracy_m, "note": checkin.note,
            "review_note": checkin.review_note, "reviewed_at": iso(checkin.reviewed_at),
            "person": _ref(people.get(checkin.person_id), checkin.person_id),
            "post": {"id": post.id, "name": post.name, "lat": post.lat, "lon": post.lon,
                     "radius_m": post.radius_m},
            "fixes": [_fix_json(f) for f in supervision.nearby_fixes(session, checkin)]})
    return jsonify({"items": answer, "total": total})


# --- performance ----------------------------------------------------------------------------------


@endpoint(bp, "/events/<int:event_id>/performance", "GET",
          summary="Each person's duty record and score in the event, every part of the score shown",
          roles=WATCHERS, query=PerformanceQuery, response=PerformanceList)
def event_performance(principal, event_id: int, query: PerformanceQuery):
    session = db.session()
    events.get_event(session, event_id)
    rule, at = score_rule(), clock.now()
    people = performance.event_records(session, event_id, at, rule).people
    if query.unit:
        people = [p for p in people if p.unit == query.unit]
    if query.q:
        needle = query.q.strip().lower()
        people = [p for p in people
                  if needle in p.name.lower() or needle in p.phone or needle in p.unit.lower()]
    shown = people[query.offset:query.offset + query.limit]
    return jsonify({"items": [p.as_dict() for p in shown], "total": len(people),
                    "weights": rule.weights(), "as_of": iso(at)})


@endpoint(bp, "/events/<int:event_id>/performance/units", "GET",
          summary="Attendance, punctuality and scores per unit (department or village)",
          roles=WATCHERS, response=UnitPerformanceList)
def unit_performance(principal, event_id: int):
    session = db.session()
    events.get_event(session, event_id)
    rule, at = score_rule(), clock.now()
    units = performance.unit_records(performance.event_records(session, event_id, at, rule).people)
    return jsonify({"items": units, "total": len(units), "weights": rule.weights(),
                    "as_of": iso(at)})


@endpoint(bp, "/events/<int:event_id>/performance/summary", "GET",
          summary="The event's totals, people on duty over time, the most commended and who is "
                  "missing from a running shift now", roles=WATCHERS, response=PerformanceSummary)
def performance_summary(principal, event_id: int):
    session = db.session()
    event = events.get_event(session, event_id)
    rule, at = score_rule(), clock.now()
    records = performance.event_records(session, event_id, at, rule)
    last_end = max((r.ends_at for r in records.shifts.values()), default=at)
    first_start = min((r.starts_at for r in records.shifts.values()), default=event.starts_at)
    until = min(at, last_end)
    if event.closed_at is not None:
        until = min(until, max(event.closed_at, first_start))
    timeline = performance.timeline(records, min(first_start, event.starts_at), until)
    commended = sorted((p for p in records.people if p.counts["commendations"]),
                       key=lambda p: (-p.counts["commendations"], -p.score, p.name))
    missing = performance.open_absences(records, rule.late_grace)[:OPEN_ABSENCES]
    people = _names(session, [r.person_id for r in missing])
    posts = {p.id: p.name for p in session.scalars(
        select(Post).where(Post.id.in_({r.post_id for r in missing})))}
    return jsonify({
        "event": event_json(event), "as_of": iso(at), "totals": performance.totals(records.people),
        "on_duty_now": sum(1 for r in records.shifts.values()
                           if r.on_duty_now and r.starts_at <= at < r.ends_at),
        "weights": rule.weights(),
        "timeline": [{"at": iso(point["at"]), "on_duty": point["on_duty"]} for point in timeline],
        "top_commended": [{"person_id": p.person_id, "name": p.name, "unit": p.unit,
                           "commendations": p.counts["commendations"],
                           "criticisms": p.counts["criticisms"], "score": p.score}
                          for p in commended[:TOP_COMMENDED]],
        "open_absences": [{**_ref(people.get(r.person_id), r.person_id),
                           "assignment_id": r.assignment_id, "shift_id": r.shift_id,
                           "post_id": r.post_id, "post_name": posts.get(r.post_id, ""),
                           "starts_at": iso(r.starts_at), "ends_at": iso(r.ends_at),
                           "reason": "left" if r.attended else "not_arrived"}
                          for r in missing],
    })


@endpoint(bp, "/people/<int:person_id>/performance", "GET",
          summary="A person's record and score in each event, newest first", roles=WATCHERS,
          response=PersonHistory)
def person_performance(principal, person_id: int):
    session = db.session()
    people.get_person(session, person_id)
    rule = score_rule()
    items = [{"event_id": row["event"].id, "event_name": row["event"].name,
              "event_starts_at": iso(row["event"].starts_at), **row["record"].as_dict()}
             for row in performance.person_history(session, person_id, clock.now(), rule)]
    return jsonify({"items": items, "total": len(items), "weights": rule.weights()})


# --- exports --------------------------------------------------------------------------------------


def audit_export(principal, at: datetime, event_id: int | None, details: dict) -> None:
    """Every export is in the audit log: who, which event(s), which table(s), how many rows."""
    with unit_of_work.separate() as session:
        audit.record(session, principal.actor, "export", None, at=at, entity_type="events",
                     entity_id=event_id, after=details)


def _send_workbook(tables, lang: str, name: str, principal, at, event_id, details):
    # The zip's directory is written last, so the file is finished on disk before it is sent.
    spool = tempfile.TemporaryFile(prefix="export-", suffix=".xlsx")
    try:
        counts = exports.write_xlsx(tables, spool, lang)
        spool.seek(0)
        digest = hashlib.file_digest(spool, "sha256").hexdigest()
        size = spool.tell()
        spool.seek(0)
        audit_export(principal, at, event_id, {**details, "format": "xlsx", "lang": lang,
                                               "rows": counts, "bytes": size, "sha256": digest})
    except BaseException:
        spool.close()
        raise
    response = send_file(spool, mimetype=XLSX, as_attachment=True, download_name=name,
                         max_age=0)
    response.headers["X-Content-SHA256"] = digest
    return response


def _file_name(event: Event, suffix: str) -> str:
    day = event.starts_at.astimezone(DISPLAY_ZONE).strftime("%Y%m%d")
    return f"{event.name}-{day}-{suffix}"


@endpoint(bp, "/events/<int:event_id>/export.xlsx", "GET",
          summary="The event's duty records as an Excel workbook: people, units, check-ins, "
                  "alerts, spot checks, commendations and the score rule", roles=EXPORTERS,
          query=ExportQuery, produces=XLSX)
def export_xlsx(principal, event_id: int, query: ExportQuery):
    session = db.session()
    event = events.get_event(session, event_id)
    rule, at = score_rule(), clock.now()
    records = performance.event_records(session, event_id, at, rule)
    tables = exports.event_tables(session, event, records, rule, query.lang)
    name = _file_name(event, "值守记录.xlsx" if query.lang == "zh_CN" else "duty-records.xlsx")
    return _send_workbook(tables, query.lang, name, principal, at, event.id,
                          {"event_id": event.id, "tables": [t.key for t in tables]})


@endpoint(bp, "/events/<int:event_id>/export.csv", "GET",
          summary="One table of the event's duty records as CSV (UTF-8 with BOM): the people's "
                  "records by default", roles=EXPORTERS, query=CsvExportQuery, produces="text/csv")
def export_csv(principal, event_id: int, query: CsvExportQuery):
    event = events.get_event(db.session(), event_id)
    rule, at, lang, table = score_rule(), clock.now(), query.lang, query.table
    audit_export(principal, at, event.id, {"event_id": event.id, "tables": [table],
                                           "format": "csv", "lang": lang})
    reader = current_app.extensions["db"]["reader"]
    caller_scope = scope.current(db.session())

    def chunks():
        # Streamed after the request's own session is gone: the rows come from a session of its
        # own, which sees what the caller sees.
        with reader() as session:
            scope.install(session, caller_scope)
            streamed = session.get(Event, event_id)
            found = exports.event_table(
                session, streamed, table,
                lambda: performance.event_records(session, event_id, at, rule), lang)
            yield from exports.csv_chunks(found, lang)

    name = _file_name(event, f"{table}.csv")
    response = Response(chunks(), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{table}.csv\"; filename*=UTF-8''{quote(name)}")
    response.headers["Cache-Control"] = "no-store"
    return response


def season_events(session, query: SeasonExportQuery) -> list[Event]:
    """The events named by id, or those starting within the dates (Beijing days)."""
    statement = select(Event)
    if query.event_ids:
        ids = [int(part) for part in query.event_ids.split(",")]
        storable = [i for i in ids if i <= MAX_ID]  # a larger id names no event
        found = {e.id: e for e in session.scalars(statement.where(Event.id.in_(storable)))}
        unknown = [str(i) for i in ids if i not in found]
        if unknown:
            raise validation_error({"event_ids": "no event has the id " + ", ".join(unknown)})
        return sorted(found.values(), key=lambda e: (e.starts_at, e.id))
    if query.since is None and query.until is None:
        raise validation_error({"event_ids": "give event_ids, or since and/or until"})
    if query.since is not None:
        statement = statement.where(Event.starts_at >= datetime.combine(
            query.since, time.min, DISPLAY_ZONE))
    if query.until is not None:
        statement = statement.where(Event.starts_at < datetime.combine(
            query.until, time.max, DISPLAY_ZONE))
    chosen = session.scalars(statement.order_by(Event.starts_at, Event.id)).all()
    if len(chosen) > MAX_SEASON_EVENTS:
        raise validation_error({"since": f"more than {MAX_SEASON_EVENTS} events; narrow the dates"})
    return list(chosen)


@endpoint(bp, "/exports/season.xlsx", "GET",
          summary="A season's records across several events (?event_ids=1,2,3 or ?since=&until=)",
          roles=EXPORTERS, query=SeasonExportQuery, produces=XLSX)
def export_season(principal, query: SeasonExportQuery):
    session = db.session()
    chosen = season_events(session, query)
    rule, at = score_rule(), clock.now()
    tables = exports.season_tables(session, chosen, at, rule, query.lang)
    day = at.astimezone(DISPLAY_ZONE).strftime("%Y%m%d")
    name = f"防汛值守考核-{day}.xlsx" if query.lang == "zh_CN" else f"season-records-{day}.xlsx"
    return _send_workbook(tables, query.lang, name, principal, at, None,
                          {"event_ids": [e.id for e in chosen],
                           "tables": [t.key for t in tables]})

