"""Duty coordinator: emergency duty and field deployment for town and county command centers."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from . import clock, db, unit_of_work, urls
from .config import check_production_safety, load_config

PACKAGE = Path(__file__).resolve().parent


def create_app(config: dict | None = None) -> Flask:
    """Build the application: settings, extensions, blueprints, error handlers and commands."""
    app = Flask(__name__, **app_folders())
    app.config.update(load_config(app.instance_path))
    app.config.update(config or {})
    check_production_safety(app.config)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def app_folders() -> dict[str, str | None]:
    """Flask's folders: a checkout's top-level templates/, static/ and instance/, else the copies of
    templates/ and static/ inside an installed wheel (setup.py) and Flask's default instance folder."""
    checkout = PACKAGE.parent
    if (checkout / "templates").is_dir() and (checkout / "static").is_dir():
        return {"template_folder": str(checkout / "templates"),
                "static_folder": str(checkout / "static"),
                "instance_path": str(checkout / "instance")}
    return {"template_folder": str(PACKAGE / "templates"),
            "static_folder": str(PACKAGE / "static"),
            "instance_path": None}


def register_extensions(app: Flask) -> None:
    from . import logs, metrics
    from .extensions import csrf
    from .i18n import init_app as init_i18n
    from .realtime import init_app as init_realtime
    from .services import scope
    from .web.headers import init_app as security_headers

    if app.config["PROXY_COUNT"]:
        # Behind nginx: take the client address from X-Forwarded-For (the login throttle
        # counts per address), trusting exactly the configured number of proxies.
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    clock.init_app(app, app.config.get("CLOCK"))
    logs.init_app(app)  # first: the request id is there for every hook after it
    metrics.init_app(app)  # early: a check-in's latency counts from its first hook
    urls.init_app(app)
    db.init_app(app)
    scope.init_app(app)
    unit_of_work.init_app(app)
    csrf.init_app(app)
    init_i18n(app)
    init_realtime(app)
    security_headers(app)


def register_blueprints(app: Flask) -> None:
    from .api import BLUEPRINTS as API_BLUEPRINTS
    from .web import BLUEPRINTS as WEB_BLUEPRINTS

    for blueprint in (*API_BLUEPRINTS, *WEB_BLUEPRINTS):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    from .errors import register_errorhandlers as register

    register(app)


def register_commands(app: Flask) -> None:
    from .cli import COMMANDS

    for command in COMMANDS:
        app.cli.add_command(command)
