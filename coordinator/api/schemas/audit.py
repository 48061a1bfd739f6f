"""The audit log and its verification."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from .common import Answer, Page


class AuditVerifyAnswer(Answer):
    ok: bool
    entries: int
    first_bad: int | None = None
    reason: str | None = None


class AuditEntryAnswer(Answer):
    id: int
    at: AwareDatetime
    actor: str
    role: str
    action: str
    entity_type: str
    entity_id: str | None
    before: dict | None
    after: dict | None
    prev_hash: str
    hash: str


class AuditList(Answer):
    items: list[AuditEntryAnswer]
    total: int


class AuditQuery(Page):
    entity_type: str | None = Field(None, max_length=40)
    entity_id: str | None = Field(None, max_length=40)
