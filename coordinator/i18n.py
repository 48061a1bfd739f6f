"""Chinese first, English on request: the locale and time zone of each page."""

from __future__ import annotations

from flask import request, session

from .extensions import babel

LOCALES = ("zh_CN", "en")


def select_locale() -> str:
    """`?lang=` switches and is remembered in the session; Chinese unless English was chosen."""
    wanted = request.args.get("lang")
    if wanted in LOCALES:
        session["lang"] = wanted
    return session.get("lang", "zh_CN")


def init_app(app) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale,
                   timezone_selector=lambda: "Asia/Shanghai")

    @app.context_processor
    def _locale_context():
        from flask_babel import get_locale

        # Babel spells zh_CN as zh_Hans_CN; pages only need to know which of the two it is.
        locale = get_locale()
        current = "zh_CN" if locale is not None and locale.language == "zh" else "en"
        return {"current_locale": current, "locales": LOCALES}
