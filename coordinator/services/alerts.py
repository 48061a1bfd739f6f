"""Alerts for the command center: raised once per condition, resolved when it ends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Alert
from . import audit


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
    return alert
