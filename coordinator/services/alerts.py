"""Alerts for the command center: raised once per condition, resolved when it ends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from ..models import Alert
from . import audit, catalogue, live
from .paging import page


def raise_alert(db: Session, at: datetime, *, event_id: int, kind: str, condition_key: str,
                message: str, actor: audit.Actor = audit.SYSTEM, **refs) -> Alert | None:
    """Open an alert for a condition unless one is already open for it; None if it was."""
    open_alert = db.scalar(select(Alert).where(Alert.condition_key == condition_key))
    if open_alert is not None:
        return None
    alert = Alert(event_id=event_id, kind=kind, condition_key=condition_key, message=message,
                  raised_at=at, **refs)
    db.add(alert)
    audit.record(db, actor, "raise", alert, at=at)
    live.announce_alert(db, alert)
    return alert


def get_alert(db: Session, alert_id: int) -> Alert:
    return catalogue.get_or_404(db, Alert, alert_id)


def acknowledge_alert(db: Session, actor: audit.Actor, user_id: int | None, at: datetime,
                      alert: Alert) -> Alert:
    """Someone at the command center has seen the alert; acknowledging twice keeps the first."""
    if alert.acked_at is None:
        audit.apply_changes(db, actor, at, alert, {"acked_at": at, "acked_by": user_id},
                            action="acknowledge")
        live.announce_alert(db, alert)
    return alert


def resolve_alert(db: Session, at: datetime, alert: Alert) -> None:
    """The condition ended: close the alert, freeing its condition to be raised again later."""
    audit.apply_changes(db, audit.SYSTEM, at, alert,
                        {"resolved_at": at, "condition_key": f"{alert.condition_key}#{alert.id}"},
                        action="resolve")
    live.announce_alert(db, alert)


# Asked on most check-ins, nearly always finding nothing: a plain query for ids first, and the
# alerts loaded only when there are some.
OPEN_FOR_CONDITIONS = select(Alert.id).where(
    Alert.condition_key.in_(bindparam("keys", expanding=True)), Alert.resolved_at.is_(None))


def resolve_conditions(db: Session, at: datetime, condition_keys: list[str]) -> list[int]:
    """Resolve the open alerts of conditions known to have ended; their ids."""
    ids = db.connection().execute(OPEN_FOR_CONDITIONS, {"keys": condition_keys}).scalars().all()
    if not ids:
        return []
    ended = db.scalars(select(Alert).where(Alert.id.in_(ids)).order_by(Alert.id)).all()
    for alert in ended:
        resolve_alert(db, at, alert)
    return [alert.id for alert in ended]


def list_alerts(db: Session, event_id: int, *, status: str | None, limit: int, offset: int):
    query = select(Alert).where(Alert.event_id == event_id)
    if status == "open":
        query = query.where(Alert.resolved_at.is_(None))
    elif status == "resolved":
        query = query.where(Alert.resolved_at.is_not(None))
    return page(db, query, Alert.id.desc(), limit, offset)
