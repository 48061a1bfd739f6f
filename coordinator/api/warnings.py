"""Warnings in (预警): CAP 1.2 or JSON, and the call (叫应) to the area's responsible persons."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from .. import clock, db
from ..errors import validation_error
from ..models import COMMANDING_ROLES, WATCHING_ROLES
from ..services import calls, warnings
from ..services.cap import CapRefused, WarningDocument, parse_cap
from .calls import event_named
from .endpoint import endpoint
from .schemas.calls import (
    CallAnswer,
    WarningAnswer,
    WarningBody,
    WarningCallBody,
    WarningsList,
    WarningsQuery,
)
from .uploads import uploaded_file

bp = Blueprint("warnings", __name__, url_prefix="/api/v1")
CAP_TYPES = {"application/cap+xml": "a CAP 1.2 alert (Alert, Update or Cancel)",
             "application/xml": "a CAP 1.2 alert", "text/xml": "a CAP 1.2 alert"}


def _cap_document() -> tuple[WarningDocument, str]:
    data = uploaded_file((".xml", ".cap"))[1] if request.mimetype == "multipart/form-data" \
        else request.get_data(cache=False)
    try:
        document = parse_cap(data)
    except CapRefused as refusal:
        raise validation_error({refusal.field: str(refusal)},
                               f"This is not a CAP 1.2 alert this service can take: {refusal}") \
            from None
    return document, data.decode("utf-8", "replace")


def _json_document(body: WarningBody) -> WarningDocument:
    polygons = (tuple(body.polygon),) if body.polygon else ()
    return WarningDocument(identifier=None, sender=None, sent=None, msg_type="Alert",
                           references=(), headline=body.headline, event=body.event,
                           severity=body.severity, onset=body.onset, expires=body.expires,
                           polygons=polygons, area_names=())


@endpoint(bp, "/warnings", "POST",
          summary="Take in a warning: CAP 1.2 (Alert, Update, Cancel) or JSON",
          roles=COMMANDING_ROLES, body=WarningBody, response=WarningAnswer, status=201,
          documents=CAP_TYPES, multipart={"file": "a CAP 1.2 document (.xml)"})
def take_warning(principal, body: WarningBody | None):
    session = db.session()
    if body is None:
        document, raw = _cap_document()
        unit_ids = []
    else:
        document, raw, unit_ids = _json_document(body), None, body.unit_ids
    warning, created = warnings.take_warning(session, principal.actor, clock.now(), document,
                                             unit_ids=unit_ids, raw=raw)
    return jsonify(warnings.warning_json(warning, document.msg_type)), 201 if created else 200


@endpoint(bp, "/warnings", "GET", summary="Warnings taken in, newest first",
          roles=WATCHING_ROLES, query=WarningsQuery, response=WarningsList)
def list_warnings(principal, query: WarningsQuery):
    items = warnings.list_warnings(db.session(), query.status)
    return jsonify({"items": [warnings.warning_json(w) for w in items], "total": len(items)})


@endpoint(bp, "/warnings/<int:warning_id>", "GET", summary="One warning and its area",
          roles=WATCHING_ROLES, response=WarningAnswer)
def get_warning(principal, warning_id: int):
    return jsonify(warnings.warning_json(warnings.get_warning(db.session(), warning_id)))


@endpoint(bp, "/warnings/<int:warning_id>/call", "POST",
          summary="Call (叫应) the responsible persons and unit leaders of a warning's area",
          roles=COMMANDING_ROLES, body=WarningCallBody, response=CallAnswer, status=201)
def call_for_warning(principal, warning_id: int, body: WarningCallBody):
    session = db.session()
    warning = warnings.get_warning(session, warning_id)
    event = event_named(session, body.event_id)
    now = clock.now()
    call = warnings.start_call(
        session, principal.actor, principal.user_id, now, warning, event=event,
        deadline_minutes=body.deadline_minutes or current_app.config["CALL_DEADLINE_MINUTES"],
        message=body.message)
    return jsonify(calls.call_json(call, calls.whole_call(call, now))), 201
