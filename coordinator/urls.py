"""Record ids in URLs: `<int:…>` in every route, and ids sent in forms and query strings; the
address a staff link is opened at."""

from __future__ import annotations

from flask import current_app, url_for
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from .models import MAX_ID


class RecordIdConverter(IntegerConverter):
    """ASCII digits; an id larger than the database can hold names no record: 404.

    Werkzeug's own `int` passes numbers of any size on, which then fail in the database (SQLite
    cannot bind them, PostgreSQL's integer overflows). Raising NotFound here, rather than
    refusing the match, keeps the answer 404 whatever the method (a refused match can turn into
    405 when another rule has the same path)."""

    regex = r"[0-9]+"

    def to_python(self, value: str) -> int:
        number = record_id(value)
        if number is None:
            raise NotFound()
        return number


def record_id(value: str | None) -> int | None:
    """The id a form field or query parameter names, or None when it names none."""
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > 10:
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def init_app(app) -> None:
    """Before any blueprint adds its routes."""
    app.url_map.converters["int"] = RecordIdConverter


def staff_link_url(code: str) -> str:
    base = current_app.config["PUBLIC_URL"]
    path = url_for("phone.open_link", code=code)
    return (base + path) if base else url_for("phone.open_link", code=code, _external=True)
