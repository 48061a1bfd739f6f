"""A consistent copy of the SQLite database while the server runs (SQLite's online backup API);
PostgreSQL is backed up with its own tools (pg_dump)."""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine


class BackupError(RuntimeError):
    """No backup was made: another kind of database, a target that would do harm, a bad copy."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    pages: int
    bytes: int
    seconds: float


def sqlite_file(engine: Engine) -> Path:
    """The database file behind a SQLite engine; refused for PostgreSQL and in-memory databases."""
    if engine.dialect.name == "postgresql":
        raise BackupError(
            "the database is PostgreSQL: back it up with pg_dump, e.g. "
            "`pg_dump --format=custom --file=coordinator.dump \"$DATABASE\"` "
            "(restore with pg_restore; docs/operations.md)")
    if engine.dialect.name != "sqlite":
        raise BackupError(f"backup copies SQLite databases, not {engine.dialect.name}")
    name = engine.url.database
    if name in (None, "", ":memory:") or name.startswith("file::memory:"):
        raise BackupError("the database is in memory: there is no file to back up")
    return Path(name).resolve()


def backup_sqlite(engine: Engine, target: Path) -> BackupReport:
    """Copy the database to `target` in one step of the online backup API.

    The copy is one read transaction: under WAL writers go on meanwhile, and the copy is the
    database as it was when the step began (a copy made in several steps would start over after
    every commit of another connection, and might never finish while check-ins come in). It is
    written beside the target, made a single file (journal_mode=DELETE), checked, synced, and
    only then renamed over the target, so a failed backup never leaves a half copy under its name."""
    source_file = sqlite_file(engine)
    target = Path(target).resolve()
    if target.is_dir():
        raise BackupError(f"{target} is a directory: name the file to write")
    if target in {source_file, Path(f"{source_file}-wal"), Path(f"{source_file}-shm")}:
        raise BackupError("the target is the live database itself")
    if not target.parent.is_dir():
        raise BackupError(f"the directory {target.parent} does not exist")
    partial = target.with_name(f".{target.name}.partial")
    started = time.perf_counter()
    try:
        partial.unlink(missing_ok=True)
        source = sqlite3.connect(source_file, timeout=30)
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # pages=-1: everything in one step
            copy.execute("PRAGMA journal_mode=DELETE")
            (checked,) = copy.execute("PRAGMA quick_check").fetchone()
            (pages,) = copy.execute("PRAGMA page_count").fetchone()
        finally:
            copy.close()
            source.close()
        if checked != "ok":
            raise BackupError(f"the copy failed its check: {checked}")
        with open(partial, "rb") as written:
            os.fsync(written.fileno())
        os.replace(partial, target)
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a power cut
        finally:
            os.close(directory)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(target, pages, target.stat().st_size, time.perf_counter() - started)
