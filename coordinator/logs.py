"""The app's log: a request id for each request (a sane incoming `X-Request-Id`, else a new one),
echoed in the answer's `X-Request-Id` and carried by every record written while it runs; one JSON
object per line (COORDINATOR_LOG_FORMAT=json, production's default) or plain text."""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler, wsgi_errors_stream

HEADER = "X-Request-Id"
# What a proxy or a client may name a request by: a UUID, nginx's $request_id, a trace id.
# Anything else (too long, spaces, quotes, control characters) could forge log lines: replaced.
SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
LOGGER = "coordinator"  # the app's logger (Flask's app.logger) and its modules' loggers below it
PLAIN = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
# Record attributes every record has: the JSON line carries only those that say something.
STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


def request_id() -> str | None:
    """The current request's id (None outside a request, e.g. in a background job)."""
    return g.get("request_id") if has_request_context() else None


class RequestContext(logging.Filter):
    """Puts the request id (and method and path) on every record passing the handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id() or "-"
        if has_request_context():
            record.method = request.method
            record.path = request.path
        return True


class JsonLines(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message, request id, any extra
    fields, and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage(),
                "request_id": getattr(record, "request_id", "-")}
        line.update({key: value for key, value in vars(record).items() if key not in STANDARD})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def _take_request_id() -> None:
    incoming = request.headers.get(HEADER, "")
    g.request_id = incoming if SANE_ID.fullmatch(incoming) else uuid.uuid4().hex


def _echo_request_id(response: Response) -> Response:
    if "request_id" in g:
        response.headers[HEADER] = g.request_id
    return response


def handler(app: Flask) -> logging.Handler:
    """The handler that writes the app's log: to the server's error stream (gunicorn's error log,
    stderr under systemd or docker), as Flask's own handler would."""
    return app.extensions["log_handler"]


def init_app(app: Flask) -> None:
    """Give each request its id, and write the app's records in the configured format.

    The logger is the process's one `coordinator` logger: a later app (tests build many)
    replaces the handler an earlier one put there."""
    logger = logging.getLogger(LOGGER)
    for old in [h for h in logger.handlers if getattr(h, "coordinator_log", False)]:
        logger.removeHandler(old)
    logger.removeHandler(default_handler)  # Flask's own, should an earlier app have added it
    out = logging.StreamHandler(wsgi_errors_stream)
    out.coordinator_log = True
    out.addFilter(RequestContext())
    out.setFormatter(JsonLines() if app.config["LOG_FORMAT"] == "json" else logging.Formatter(PLAIN))
    logger.addHandler(out)
    logger.setLevel(logging.DEBUG if app.debug else app.config["LOG_LEVEL"])
    app.extensions["log_handler"] = out
    app.before_request(_take_request_id)
    app.after_request(_echo_request_id)
