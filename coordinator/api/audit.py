"""Audit endpoints: read the log and verify its hash chain."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import select

from .. import db
from ..models import AuditEntry
from ..presenters import audit_entry_json
from ..services import audit
from ..services.paging import page
from .endpoint import endpoint
from .schemas.audit import AuditList, AuditQuery, AuditVerifyAnswer

bp = Blueprint("audit", __name__, url_prefix="/api/v1/audit")


@endpoint(bp, "/verify", "GET", summary="Check the hash chain; names the first bad entry",
          roles=("admin",), response=AuditVerifyAnswer)
def verify(principal):
    report = audit.verify_chain(db.session())
    answer = {"ok": report.ok, "entries": report.entries}
    if not report.ok:
        answer.update(first_bad=report.first_bad, reason=report.reason)
    return jsonify(answer)


@endpoint(bp, "", "GET", summary="Audit entries, newest first", roles=("admin",),
          query=AuditQuery, response=AuditList)
def list_entries(principal, query: AuditQuery):
    statement = select(AuditEntry)
    if query.entity_type:
        statement = statement.where(AuditEntry.entity_type == query.entity_type)
    if query.entity_id:
        statement = statement.where(AuditEntry.entity_id == query.entity_id)
    items, total = page(db.session(), statement, AuditEntry.id.desc(), query.limit, query.offset)
    return jsonify({"items": [audit_entry_json(e) for e in items], "total": total})
