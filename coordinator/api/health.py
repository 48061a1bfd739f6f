"""Liveness and readiness probes."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from .. import db
from ..errors import error_body
from ..unit_of_work import outside

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@outside
def healthz():
    """Alive: answers without touching the database (also the benchmarks' bare route)."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
@outside  # asks the engine directly, not the request's session
def readyz():
    """Ready: the database (and Redis, when configured) answer."""
    checks = {}
    try:
        with db.engine().connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # any failure means not ready, whatever the driver raised
        checks["database"] = f"error: {type(error).__name__}"
    queue = current_app.config["MESSAGE_QUEUE_URL"]
    if queue:
        try:
            import redis

            redis.Redis.from_url(queue, socket_timeout=2).ping()
            checks["message_queue"] = "ok"
        except Exception as error:  # as above
            checks["message_queue"] = f"error: {type(error).__name__}"
    ready = all(value == "ok" for value in checks.values())
    answer = {"status": "ok" if ready else "unavailable", "checks": checks}
    if not ready:  # an error status answers in the API's error shape too
        failing = ", ".join(name for name, value in checks.items() if value != "ok")
        answer.update(error_body("unavailable", f"Not ready: {failing} did not answer."))
    return jsonify(answer), 200 if ready else 503
