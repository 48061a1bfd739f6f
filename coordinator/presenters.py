"""Models as the JSON documents of API.md (times with the display offset)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from .models import Alert, Assignment, AuditEntry, CheckIn, Event, FieldReport, Person, Post, Shift
from .services import duty_rule

DISPLAY_ZONE = ZoneInfo("Asia/Shanghai")


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with the +08:00 offset, as the phones and the map show it."""
    return None if moment is None else moment.astimezone(DISPLAY_ZONE).isoformat()


def person_json(person: Person) -> dict:
    return {
        "id": person.id,
        "name": person.name,
        "phone": person.phone,
        "unit": person.unit,
        "kind": person.kind,
        "skills": list(person.skills or []),
        "home_lat": person.home_lat,
        "home_lon": person.home_lon,
        "unit_id": person.unit_id,
        "email": person.email,
        "active": person.active,
        "created_at": iso(person.created_at),
        "updated_at": iso(person.updated_at),
    }


def post_json(post: Post) -> dict:
    return {
        "id": post.id,
        "name": post.name,
        "kind": post.kind,
        "lat": post.lat,
        "lon": post.lon,
        "radius_m": post.radius_m,
        "village": post.village,
        "risk": post.risk,
        "unit_id": post.unit_id,
        "capacity": post.capacity,
        "active": post.active,
        "created_at": iso(post.created_at),
        "updated_at": iso(post.updated_at),
    }


def event_json(event: Event) -> dict:
    return {
        "id": event.id,
        "name": event.name,
        "kind": event.kind,
        "level": event.level,
        "starts_at": iso(event.starts_at),
        "unit_id": event.unit_id,
        "closed_at": iso(event.closed_at),
        "status": "closed" if event.closed_at else "active",
        "created_at": iso(event.created_at),
    }


def shift_json(shift: Shift, post_name: str, assigned: int) -> dict:
    return {
        "id": shift.id,
        "event_id": shift.event_id,
        "post_id": shift.post_id,
        "post_name": post_name,
        "starts_at": iso(shift.starts_at),
        "ends_at": iso(shift.ends_at),
        "required": shift.required,
        "assigned": assigned,
        "skills": list(shift.skills or []),
    }


def assignment_json(assignment: Assignment, shift: Shift, person_name: str) -> dict:
    return {
        "id": assignment.id,
        "shift_id": assignment.shift_id,
        "person_id": assignment.person_id,
        "person_name": person_name,
        "post_id": shift.post_id,
        "event_id": shift.event_id,
        "source": assignment.source,
        "distance_m": assignment.distance_m,
        "acknowledged_at": iso(assignment.acknowledged_at),
        "created_at": iso(assignment.created_at),
        "removed_at": iso(assignment.removed_at),
    }


def audit_entry_json(entry: AuditEntry) -> dict:
    return {
        "id": entry.id,
        "at": iso(entry.at),
        "actor": entry.actor,
        "role": entry.role,
        "action": entry.action,
        "entity_type": entry.entity_type,
        "entity_id": entry.entity_id,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def checkin_json(checkin: CheckIn, radius_m: float) -> dict:
    """A check-in as the API shows it; `fence_reading` is what the duty rule read of it at a
    post of this radius (`inside`, `outside`, or `unknown`: too rough to tell, duty unchanged)."""
    return {
        "id": checkin.id,
        "assignment_id": checkin.assignment_id,
        "post_id": checkin.post_id,
        "kind": checkin.kind,
        "distance_m": checkin.distance_m,
        "within_fence": checkin.within_fence,
        "fence_reading": duty_rule.reading(checkin.within_fence, checkin.distance_m,
                                           checkin.accuracy_m, radius_m),
        "flags": list(checkin.flags or []),
        "taken_at": iso(checkin.taken_at),
        "received_at": iso(checkin.received_at),
        "spoof_reasons": list(checkin.spoof_reasons or []),
        "review_verdict": checkin.review_verdict,
    }


def recorded_checkin_json(checkin: CheckIn, radius_m: float) -> dict:
    """The answer to the phone that sent the check-in: the check-in as it was recorded. A later
    review is not part of it, so that a replay of the same `client_id` answers the first body."""
    return {**checkin_json(checkin, radius_m), "review_verdict": None}


def report_json(report: FieldReport, photo_url: str | None) -> dict:
    return {
        "id": report.id,
        "person_id": report.person_id,
        "event_id": report.event_id,
        "lat": report.lat,
        "lon": report.lon,
        "category": report.category,
        "description": report.description,
        "has_photo": report.photo is not None,
        "photo_url": photo_url,
        "received_at": iso(report.received_at),
    }


def alert_json(alert: Alert) -> dict:
    return {
        "id": alert.id,
        "kind": alert.kind,
        "post_id": alert.post_id,
        "person_id": alert.person_id,
        "shift_id": alert.shift_id,
        "checkin_id": alert.checkin_id,
        "report_id": alert.report_id,
        "unit_id": alert.unit_id,
        "message": alert.message,
        "raised_at": iso(alert.raised_at),
        "acked_at": iso(alert.acked_at),
        "resolved_at": iso(alert.resolved_at),
    }
