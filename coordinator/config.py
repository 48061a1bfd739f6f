"""Settings read from environment variables, and the checks production refuses to start without."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

DEV_SECRET_KEY = "dev-only-secret-key-do-not-use-in-production"
MIN_SECRET_KEY_LENGTH = 32
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


class UnsafeConfiguration(RuntimeError):
    """Production was asked to start with a setting that is not safe."""


def _flag(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _number(environ, name: str, default: float) -> float:
    raw = environ.get(name)
    return float(raw) if raw not in (None, "") else default


def _origins(raw: str | None) -> list[str] | str:
    if not raw:
        return []
    if raw.strip() == "*":
        return "*"
    return [origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip()]


def _tile_coordinates(raw: str | None) -> str:
    value = (raw or "wgs84").strip().lower().replace("-", "")
    if value not in {"wgs84", "gcj02"}:
        raise ValueError(f"COORDINATOR_TILE_COORDINATES is wgs84 or gcj02, not {raw!r}")
    return value


def _log_format(raw: str | None, production: bool) -> str:
    value = (raw or ("json" if production else "text")).strip().lower()
    if value not in {"json", "text"}:
        raise ValueError(f"COORDINATOR_LOG_FORMAT is json or text, not {raw!r}")
    return value


def _log_level(raw: str | None) -> str:
    value = (raw or "info").strip().upper()
    if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ValueError(f"COORDINATOR_LOG_LEVEL is debug, info, warning, error or critical, not {raw!r}")
    return value


def load_config(instance_path: str, environ=None) -> dict:
    """Build the Flask config mapping from environment variables with safe development defaults."""
    environ = os.environ if environ is None else environ
    env = environ.get("COORDINATOR_ENV", "development")
    default_db = "sqlite:///" + str(Path(instance_path) / "coordinator.db")
    production = env == "production"
    return {
        "ENV_NAME": env,
        # `flask run --debug` sets FLASK_DEBUG: it turns the debugger on just as well.
        "DEBUG": _flag(environ.get("COORDINATOR_DEBUG")) or _flag(environ.get("FLASK_DEBUG")),
        "TESTING": env == "testing",
        "SECRET_KEY": environ.get("COORDINATOR_SECRET_KEY", DEV_SECRET_KEY),
        "DATABASE_URL": environ.get("COORDINATOR_DATABASE_URL") or default_db,
        "DB_POOL_SIZE": int(_number(environ, "COORDINATOR_DB_POOL_SIZE", 20)),
        "DB_POOL_TIMEOUT_SECONDS": _number(environ, "COORDINATOR_DB_POOL_TIMEOUT_SECONDS", 10),
        "MESSAGE_QUEUE_URL": environ.get("COORDINATOR_MESSAGE_QUEUE_URL") or None,
        # The Redis channel the processes of one installation share (one Redis, several sites).
        "SOCKETIO_CHANNEL": environ.get("COORDINATOR_SOCKETIO_CHANNEL") or "coordinator",
        # A map that asks for batches gets at most one per this many ms (a test may set None:
        # batches then go only when it calls `app.extensions["live_batches"].flush()`).
        "LIVE_BATCH_MS": _number(environ, "COORDINATOR_LIVE_BATCH_MS", 100),
        "CORS_ALLOWED_ORIGINS": _origins(environ.get("COORDINATOR_CORS_ORIGINS")),
        "PUBLIC_URL": (environ.get("COORDINATOR_PUBLIC_URL") or "").rstrip("/") or None,
        "MAX_CONTENT_LENGTH": int(_number(environ, "COORDINATOR_MAX_UPLOAD_MB", 10) * 1024 * 1024),
        "TOKEN_TTL_HOURS": _number(environ, "COORDINATOR_TOKEN_TTL_HOURS", 24),
        "STAFF_LINK_TTL_HOURS": _number(environ, "COORDINATOR_STAFF_LINK_TTL_HOURS", 72),
        "LOGIN_MAX_FAILURES": int(_number(environ, "COORDINATOR_LOGIN_MAX_FAILURES", 5)),
        "LOGIN_WINDOW_MINUTES": _number(environ, "COORDINATOR_LOGIN_WINDOW_MINUTES", 15),
        # Browser sessions of accounts (docs/security.md): signed out after this long without a
        # request (an open live map counts as use), and this long after signing in in any case.
        "SESSION_IDLE_MINUTES": _number(environ, "COORDINATOR_SESSION_IDLE_MINUTES", 30),
        "SESSION_MAX_HOURS": _number(environ, "COORDINATOR_SESSION_MAX_HOURS", 12),
        # How often each process looks for live connections whose access has ended (disabled).
        "ACCESS_CHECK_SECONDS": _number(environ, "COORDINATOR_ACCESS_CHECK_SECONDS", 2),
        # Check-ins per caller: a burst (a phone's offline queue) and a steady refill per minute.
        "CHECKIN_RATE_BURST": int(_number(environ, "COORDINATOR_CHECKIN_RATE_BURST", 60)),
        "CHECKIN_RATE_PER_MINUTE": _number(environ, "COORDINATOR_CHECKIN_RATE_PER_MINUTE", 12),
        "ACCURACY_LIMIT_M": _number(environ, "ACCURACY_LIMIT_M", 100),
        "FENCE_TOLERANCE_M": _number(environ, "FENCE_TOLERANCE_M", 50),
        "LATE_GRACE_MINUTES": _number(environ, "COORDINATOR_LATE_GRACE_MINUTES", 15),
        "PRESENCE_INTERVAL_MINUTES": _number(environ, "COORDINATOR_PRESENCE_INTERVAL_MINUTES", 60),
        "SWEEP_INTERVAL_SECONDS": _number(environ, "COORDINATOR_SWEEP_INTERVAL_SECONDS", 30),
        # The performance score (docs/scoring.md): points per item, each shown beside the total.
        "SCORE_BASE": _number(environ, "COORDINATOR_SCORE_BASE", 100),
        "SCORE_ABSENT": _number(environ, "COORDINATOR_SCORE_ABSENT", -10),
        "SCORE_LATE": _number(environ, "COORDINATOR_SCORE_LATE", -3),
        "SCORE_LEFT_EARLY": _number(environ, "COORDINATOR_SCORE_LEFT_EARLY", -3),
        "SCORE_SPOT_CHECK_ABSENCE": _number(environ, "COORDINATOR_SCORE_SPOT_CHECK_ABSENCE", -5),
        "SCORE_REJECTED_CHECKIN": _number(environ, "COORDINATOR_SCORE_REJECTED_CHECKIN", -10),
        "SCORE_COMMENDATION": _number(environ, "COORDINATOR_SCORE_COMMENDATION", 5),
        "SCORE_CRITICISM": _number(environ, "COORDINATOR_SCORE_CRITICISM", -5),
        "SCORE_PER_HOUR": _number(environ, "COORDINATOR_SCORE_PER_HOUR", 0.5),
        "SCORE_HOURS_CAP": _number(environ, "COORDINATOR_SCORE_HOURS_CAP", 20),
        "SCORE_CALL_UNANSWERED": _number(environ, "COORDINATOR_SCORE_CALL_UNANSWERED", -2),
        "SCORE_CALL_LATE": _number(environ, "COORDINATOR_SCORE_CALL_LATE", -1),
        "SCORE_ROLL_CALL_FAILED": _number(environ, "COORDINATOR_SCORE_ROLL_CALL_FAILED", -5),
        "PROXY_COUNT": int(_number(environ, "COORDINATOR_PROXY_COUNT", 0)),
        # Operations: /metrics for any address (else loopback only), the log's format and level.
        "METRICS": _flag(environ.get("COORDINATOR_METRICS")),
        "LOG_FORMAT": _log_format(environ.get("COORDINATOR_LOG_FORMAT"), production),
        "LOG_LEVEL": _log_level(environ.get("COORDINATOR_LOG_LEVEL")),
        # The assignment engine (docs/assignment.md): hard limits, then soft weights in metres.
        "ASSIGN_MIN_REST_HOURS": _number(environ, "ASSIGN_MIN_REST_HOURS", 8),
        "ASSIGN_MAX_DUTY_HOURS_24H": _number(environ, "ASSIGN_MAX_DUTY_HOURS_24H", 12),
        "ASSIGN_MAX_DISTANCE_M": _number(environ, "ASSIGN_MAX_DISTANCE_M", 50_000),
        "ASSIGN_VILLAGE_PENALTY_M": _number(environ, "ASSIGN_VILLAGE_PENALTY_M", 3_000),
        "ASSIGN_VILLAGE_FACTOR": _number(environ, "ASSIGN_VILLAGE_FACTOR", 0.5),
        "ASSIGN_BURDEN_M_PER_HOUR": _number(environ, "ASSIGN_BURDEN_M_PER_HOUR", 100),
        "ASSIGN_NEIGHBOURS": int(_number(environ, "ASSIGN_NEIGHBOURS", 4)),
        # Call-and-answer (叫应): the default deadline, and when an unacknowledged alert climbs.
        "CALL_DEADLINE_MINUTES": _number(environ, "COORDINATOR_CALL_DEADLINE_MINUTES", 5),
        "ALERT_ESCALATE_MINUTES": _number(environ, "COORDINATOR_ALERT_ESCALATE_MINUTES", 15),
        "RELOCATION_ALERT_MINUTES": _number(environ, "COORDINATOR_RELOCATION_ALERT_MINUTES", 120),
        # Notification channels (services/channels.py): each is on when its variables are set.
        "SMS_URL": environ.get("COORDINATOR_SMS_URL", ""),
        "SMS_TOKEN": environ.get("COORDINATOR_SMS_TOKEN", ""),
        "WECOM_WEBHOOK": environ.get("COORDINATOR_WECOM_WEBHOOK", ""),
        "DINGTALK_WEBHOOK": environ.get("COORDINATOR_DINGTALK_WEBHOOK", ""),
        "DINGTALK_SECRET": environ.get("COORDINATOR_DINGTALK_SECRET", ""),
        "SMTP_URL": environ.get("COORDINATOR_SMTP_URL", ""),
        "SMTP_FROM": environ.get("COORDINATOR_SMTP_FROM", "duty-coordinator@localhost"),
        "NOTIFY_TIMEOUT_SECONDS": _number(environ, "COORDINATOR_NOTIFY_TIMEOUT_SECONDS", 10),
        "NOTIFY_MAX_ATTEMPTS": int(_number(environ, "COORDINATOR_NOTIFY_MAX_ATTEMPTS", 8)),
        "SEND_INTERVAL_SECONDS": _number(environ, "COORDINATOR_SEND_INTERVAL_SECONDS", 2),
        "ORG_NAME": environ.get("COORDINATOR_ORG_NAME", ""),  # the town on printed duty rosters
        "TILE_URL": environ.get("COORDINATOR_TILE_URL", ""),
        "TILE_ATTRIBUTION": environ.get("COORDINATOR_TILE_ATTRIBUTION", ""),
        # "gcj02" for tiles drawn in China's GCJ-02 (Amap/Gaode style): the map shifts our points
        "TILE_COORDINATES": _tile_coordinates(environ.get("COORDINATOR_TILE_COORDINATES")),
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "WTF_CSRF_CHECK_DEFAULT": False,
        "WTF_CSRF_TIME_LIMIT": None,
        "JSON_AS_ASCII": False,
    }


def check_production_safety(config: dict) -> None:
    """Refuse to start production with debug on, a weak key, open CORS or an exposed queue."""
    if config.get("ENV_NAME") != "production":
        return
    problems = []
    if config.get("DEBUG"):
        problems.append("debug mode is on (COORDINATOR_DEBUG)")
    key = config.get("SECRET_KEY") or ""
    if key == DEV_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH:
        problems.append(
            f"COORDINATOR_SECRET_KEY is the default or shorter than {MIN_SECRET_KEY_LENGTH} characters"
        )
    if config.get("CORS_ALLOWED_ORIGINS") == "*":
        problems.append('COORDINATOR_CORS_ORIGINS is "*"; list the allowed origins')
    queue = config.get("MESSAGE_QUEUE_URL")
    if queue:
        parts = urlsplit(queue)
        if parts.hostname not in LOOPBACK_HOSTS and not parts.password:
            problems.append("COORDINATOR_MESSAGE_QUEUE_URL has no credentials and is not on loopback")
    if problems:
        raise UnsafeConfiguration("refusing to start in production: " + "; ".join(problems))
