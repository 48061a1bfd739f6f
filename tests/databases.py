"""A separate, empty database of the same kind as the test database, made and dropped per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def fresh_database(test_database_url: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a new empty database: a SQLite file, or a new database on the PostgreSQL server."""
    url = make_url(test_database_url)
    if url.get_backend_name() != "postgresql":
        yield "sqlite:///" + str(tmp_path / "fresh.db")
        return
    name = f"coordinator_fresh_{uuid.uuid4().hex[:12]}"
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()
