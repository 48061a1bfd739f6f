"""Database engine and the one session per request or command; SQLite durability settings."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, g, has_request_context, request
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

READ_ONLY_METHODS = {"GET", "HEAD", "OPTIONS"}


def make_engine(url: str) -> Engine:
    """Create the engine; SQLite gets WAL, a busy timeout, full sync and foreign keys."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        if engine.url.database not in (None, "", ":memory:"):
            Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide when a transaction begins (so BEGIN IMMEDIATE works).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A writer takes the write lock at BEGIN: a deferred transaction that reads first and writes
        # later fails at once under WAL when another writer committed in between.
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def init_app(app) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    writer = engine.execution_options(sqlite_immediate=True)
    app.extensions["db"] = {
        "engine": engine,
        "reader": sessionmaker(bind=engine, expire_on_commit=False),
        "writer": sessionmaker(bind=writer, expire_on_commit=False),
    }
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    return current_app.extensions["db"]["engine"]


def session() -> Session:
    """The session of the current request or command, opened on first use."""
    if "db_session" not in g:
        factories = current_app.extensions["db"]
        read_only = has_request_context() and request.method in READ_ONLY_METHODS
        g.db_session = factories["reader" if read_only else "writer"]()
    return g.db_session


def is_postgresql() -> bool:
    return engine().dialect.name == "postgresql"


def _close_session(_exc=None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()
