"""This process's figures for Prometheus at `GET /metrics`: check-ins and their latency, live
clients, open alerts, the outbox backlog and the sweeper's lag.

Counted in this process (each gunicorn process serves its own): check-in requests and their
latency, from request hooks on the check-in endpoint, and the Socket.IO clients connected here.
Read from the database at scrape time with one count each: open alerts and notifications not yet
sent (the same in every process). The sweeper's lag is the clock's time since this process's
sweeper last finished a pass (`sweep_finished`). Off unless COORDINATOR_METRICS=1, or asked from
loopback (with COORDINATOR_PROXY_COUNT set, the address is the one nginx forwarded)."""

from __future__ import annotations

import ipaddress
import time

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from sqlalchemy import func, select

from .errors import not_found
from .models import ALERT_KINDS, NOTIFICATION_CHANNELS, Alert, Notification
from .realtime.events import CLIENTS as LIVE_CLIENTS
from .unit_of_work import outside

CHECKIN_ENDPOINT = "field.create_checkin"
# Seconds: a check-in is a few milliseconds when all is well; the top buckets show a queue.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
NOT_YET_SENT = ("pending", "sending")

bp = Blueprint("metrics", __name__)


class DatabaseFigures:
    """The figures read at scrape time: open alerts by kind, the outbox backlog by channel,
    this process's live clients and its sweeper's lag."""

    def __init__(self, app: Flask):
        self.app = app

    def collect(self):
        extensions = self.app.extensions
        clients = GaugeMetricFamily("coordinator_live_clients",
                                    "Socket.IO clients connected to this process")
        clients.add_metric([], len(extensions.get(LIVE_CLIENTS, {})))
        yield clients
        lag = GaugeMetricFamily("coordinator_sweeper_lag_seconds",
                                "Seconds since this process's alert sweeper last finished a pass "
                                "(since the process started, before the first)")
        since = extensions["clock"].now() - extensions["last_sweep"]
        lag.add_metric([], max(0.0, since.total_seconds()))
        yield lag
        alerts = GaugeMetricFamily("coordinator_open_alerts", "Alerts not yet resolved, by kind",
                                   labels=["kind"])
        backlog = GaugeMetricFamily("coordinator_outbox_backlog",
                                    "Notifications not yet sent (pending or being sent), by channel",
                                    labels=["channel"])
        # Every kind and channel, 0 when there is none: a sum over an empty series is nothing.
        open_alerts = dict.fromkeys(ALERT_KINDS, 0)
        not_sent = dict.fromkeys((c for c in NOTIFICATION_CHANNELS if c != "app"), 0)
        # Core statements on the engine: no request session, no scope, the whole organisation.
        with extensions["db"]["engine"].connect() as connection:
            open_alerts.update(connection.execute(
                select(Alert.kind, func.count()).where(Alert.resolved_at.is_(None))
                .group_by(Alert.kind)).all())
            not_sent.update(connection.execute(
                select(Notification.channel, func.count())
                .where(Notification.status.in_(NOT_YET_SENT)).group_by(Notification.channel)).all())
        for kind, count in open_alerts.items():
            alerts.add_metric([kind], count)
        for channel, count in not_sent.items():
            backlog.add_metric([channel], count)
        yield alerts
        yield backlog


def _from_loopback() -> bool:
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


@bp.get("/metrics")
@outside  # counts on the engine's own connection, not the request's session
def metrics():
    """Prometheus text of this process's figures (off unless enabled or asked from loopback)."""
    if not (current_app.config["METRICS"] or _from_loopback()):
        raise not_found("The resource")
    # The text format Prometheus asks for in its Accept header (0.0.4 text, else OpenMetrics).
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return Response(encode(current_app.extensions["metrics"]["registry"]), content_type=content_type)


def sweep_finished(app: Flask) -> None:
    """This process's sweeper finished a pass (or left it to the process already sweeping)."""
    app.extensions["last_sweep"] = app.extensions["clock"].now()


def _start_timer() -> None:
    if request.endpoint == CHECKIN_ENDPOINT:
        g.metrics_started = time.perf_counter()


def _count_checkin(response: Response) -> Response:
    started = g.pop("metrics_started", None)
    if started is not None:
        figures = current_app.extensions["metrics"]
        figures["checkins"].labels(status=str(response.status_code)).inc()
        figures["latency"].observe(time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    """Each app its own registry (tests build many apps in one process)."""
    registry = CollectorRegistry()
    app.extensions["metrics"] = {
        "registry": registry,
        "checkins": Counter("coordinator_checkins", "Check-in requests answered, by status",
                            ["status"], registry=registry),
        "latency": Histogram("coordinator_checkin_duration_seconds",
                             "Time to answer a check-in request, from its first hook to its answer",
                             buckets=LATENCY_BUCKETS, registry=registry),
    }
    registry.register(DatabaseFigures(app))
    with app.app_context():
        app.extensions["last_sweep"] = app.extensions["clock"].now()
    app.before_request(_start_timer)
    app.after_request(_count_checkin)
    app.register_blueprint(bp)
