"""Database engine and the one session per request or command; SQLite durability settings."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import current_app, g, has_request_context, request
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

READ_ONLY_METHODS = {"GET", "HEAD", "OPTIONS"}
BUSY_TIMEOUT_MS = 30_000


def make_engine(url: str, *, pool_size: int = 20, pool_timeout: float = 10) -> Engine:
    """Create the engine; SQLite gets WAL, a busy timeout, full sync and foreign keys.

    A server process is one gevent worker with hundreds of requests in flight; they share
    `pool_size` connections (no overflow: the size is what the database was sized for, e.g. 2
    processes x 20 + jobs under PostgreSQL's 100). A request waits up to `pool_timeout` seconds
    for one, then is answered 503 with Retry-After (errors.py), never 500."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        if engine.url.database not in (None, "", ":memory:"):
            Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=0,
                         pool_timeout=pool_timeout)


class WriterGate:
    """One SQLite write transaction at a time per engine, waited for in Python.

    SQLite makes a second writer wait in its own busy loop, inside a C call: under gevent that
    blocks every greenlet of the worker, the lock holder included, until the busy timeout. This
    lock (a gevent lock once gevent has patched `threading`) makes writers of one process queue
    cooperatively instead; SQLite's busy wait is left for writers in other processes."""

    HELD = "coordinator_writer_gate"

    def __init__(self, wait_seconds: float):
        self._lock = threading.Lock()
        self._wait_seconds = wait_seconds

    def enter(self, info: dict) -> None:
        # After a timeout, go on without it: SQLite's own wait and error take over.
        if self._lock.acquire(timeout=self._wait_seconds):
            info[self.HELD] = True

    def leave(self, info: dict) -> None:
        if info.pop(self.HELD, False):
            self._lock.release()


def _configure_sqlite(engine: Engine) -> None:
    gate = WriterGate(wait_seconds=BUSY_TIMEOUT_MS / 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the driver, decide when a transaction begins (so BEGIN IMMEDIATE works).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A writer takes the write lock at BEGIN: a deferred transaction that reads first and writes
        # later fails at once under WAL when another writer committed in between.
        immediate = connection.get_execution_options().get("sqlite_immediate", False)
        if immediate:
            gate.enter(connection.info)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    # The gate is left when the transaction ends. In a gevent worker nothing else runs between
    # these events and SQLite's COMMIT or ROLLBACK, which do not yield.
    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection):
        gate.leave(connection.info)

    # Should a connection go back to the pool without either (a failed BEGIN), let go there.
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        gate.leave(record.info)


def init_app(app) -> None:
    engine = make_engine(app.config["DATABASE_URL"], pool_size=app.config["DB_POOL_SIZE"],
                         pool_timeout=app.config["DB_POOL_TIMEOUT_SECONDS"])
    writer = engine.execution_options(sqlite_immediate=True)
    app.extensions["db"] = {
        "engine": engine,
        "reader": sessionmaker(bind=engine, expire_on_commit=False),
        "writer": sessionmaker(bind=writer, expire_on_commit=False),
    }
    app.before_request(_read_body)
    app.teardown_appcontext(_close_session)


def _read_body() -> None:
    """Read a writing request's whole body before it touches the database.

    Its first query (often the caller's token) opens the write transaction; a body still on its
    way from a phone on a weak network would then hold the write lock, and every other writer,
    while the worker waits for the network."""
    if request.method not in READ_ONLY_METHODS:
        request.get_data(cache=True)


def engine() -> Engine:
    return current_app.extensions["db"]["engine"]


def session(*, writing: bool | None = None) -> Session:
    """The session of the current request or command, opened on first use: a writer unless it
    is a reading request (GET, HEAD, OPTIONS) not declared `writing` by its unit of work."""
    if "db_session" not in g:
        factories = current_app.extensions["db"]
        if writing is None:
            writing = not (has_request_context() and request.method in READ_ONLY_METHODS)
        g.db_session = factories["writer" if writing else "reader"]()
    return g.db_session


def is_postgresql() -> bool:
    return engine().dialect.name == "postgresql"


def _close_session(_exc=None) -> None:
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.close()
