"""The one error shape of the API, and handlers that give every failure that shape."""

from __future__ import annotations

import math

from flask import jsonify, render_template, request
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

CODES_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "unavailable",
}


class ApiError(Exception):
    """A failure to report to the client: status, snake_case code, a sentence, optional fields."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None,
                 *, keeps_changes: bool = False, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.headers = headers or {}  # e.g. the Retry-After of a 429 or a 503
        # A refusal whose own record must stay (a failed sign-in, counted for the throttle):
        # the unit of work commits what was written before it, then answers with the error.
        self.keeps_changes = keeps_changes


def bad_request(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


def validation_error(fields: dict[str, str], message: str = "The request has invalid fields.") -> ApiError:
    return ApiError(422, "validation_error", message, fields)


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} was not found.")


def conflict(message: str) -> ApiError:
    return ApiError(409, "conflict", message)


def forbidden(message: str = "You are not allowed to do this.") -> ApiError:
    return ApiError(403, "forbidden", message)


def unauthorized(message: str | None = None) -> ApiError:
    message = message or "Sign in first: send a bearer token or a session cookie."
    return ApiError(401, "unauthorized", message)


def retry_later(status: int, code: str, message: str, seconds: float) -> ApiError:
    """A refusal the client should send again after `seconds` (Retry-After, whole seconds)."""
    return ApiError(status, code, message, headers={"Retry-After": str(max(1, math.ceil(seconds)))})


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _is_unique_violation(error: IntegrityError) -> bool:
    """PostgreSQL's unique_violation, SQLite's UNIQUE constraint (not a check or a trigger)."""
    cause = error.orig
    return getattr(cause, "sqlstate", None) == "23505" or \
        getattr(cause, "sqlite_errorname", None) in ("SQLITE_CONSTRAINT_UNIQUE",
                                                      "SQLITE_CONSTRAINT_PRIMARYKEY")


# Overload, not a fault: deadlock_detected, serialization_failure, lock_not_available,
# too_many_connections, cannot_connect_now; SQLite's busy timeout ran out.
BUSY_SQLSTATES = {"40P01", "40001", "55P03", "53300", "57P03"}
RETRY_AFTER_SECONDS = 2


def _is_busy(error: OperationalError) -> bool:
    cause = error.orig
    return getattr(cause, "sqlstate", None) in BUSY_SQLSTATES or \
        getattr(cause, "sqlite_errorname", None) in ("SQLITE_BUSY", "SQLITE_LOCKED")


def register_errorhandlers(app) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        response = jsonify(error_body(error.code, error.message, error.fields))
        if error.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        response.headers.update(error.headers)
        return response, error.status

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        status = error.code or 500
        if _wants_json():
            code = CODES_BY_STATUS.get(status, "error" if status >= 500 else "bad_request")
            response = jsonify(error_body(code, error.description or error.name))
            for name, value in error.get_headers():  # e.g. the Allow header a 405 must carry
                if name.lower() != "content-type":
                    response.headers[name] = value
            return response, status
        return render_template("error.html", status=status, error=error), status

    @app.errorhandler(IntegrityError)
    def _stored_at_the_same_time(error: IntegrityError):
        # Two requests stored the same unique value at once: the later one's check ("this phone
        # is already registered") ran before the first committed. Its transaction is rolled back.
        if not _is_unique_violation(error):
            return _unexpected(error)
        app.logger.info("unique violation answered 409: %s", error.orig)
        message = "Another request stored the same record at the same moment; reload and retry."
        if _wants_json():
            return jsonify(error_body("conflict", message)), 409
        return render_template("error.html", status=409, error=None), 409

    def _busy(reason: str):
        app.logger.warning("answered 503, busy: %s", reason)
        busy = retry_later(503, "unavailable", "The server is busy; retry in a moment.",
                           RETRY_AFTER_SECONDS)
        if _wants_json():
            return _api_error(busy)
        page = render_template("error.html", status=503, error=None)
        return page, 503, busy.headers

    @app.errorhandler(PoolTimeout)
    def _no_connection_free(error: PoolTimeout):
        # Every pooled connection stayed in use for the whole wait: the request changed nothing.
        return _busy(str(error))

    @app.errorhandler(OperationalError)
    def _database_busy(error: OperationalError):
        if not _is_busy(error):
            return _unexpected(error)
        return _busy(str(error.orig))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("unhandled error", exc_info=error)
        if _wants_json():
            return jsonify(error_body("internal_error", "Something went wrong on the server.")), 500
        return render_template("error.html", status=500, error=None), 500
