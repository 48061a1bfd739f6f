"""Flask commands: init-db, create-user, demo, verify-audit, rebuild-duty-state,
check-duty-state, backup (and db-revision for developers)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from . import backup as backups
from . import clock, db, migrate, unit_of_work
from .models import ROLES
from .services import accounts, audit, duty_state, organisation


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Bring an empty or older database to the current schema."""
    migrate.upgrade(db.engine())
    click.echo(f"database is at revision {migrate.current_revision(db.engine())}")


@click.command("create-user")
@click.argument("username")
@click.option("--role", required=True, help="admin, commander, inspector or staff")
@click.option("--password", required=True, help="at least 8 characters")
@click.option("--name", "display_name", default=None, help="the name shown on pages")
@click.option("--unit", "unit_path", default=None,
              help="the unit whose subtree the account sees, by path (临安区/太湖源镇)")
@with_appcontext
def create_user(username: str, role: str, password: str, display_name: str | None,
                unit_path: str | None) -> None:
    """Create an account without asking anything."""
    if role not in ROLES:
        raise click.ClickException(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    try:
        with unit_of_work.job() as session:
            unit = None
            if unit_path is not None:
                unit = organisation.unit_by_path(session, unit_path)
                if unit is None:
                    raise accounts.AccountError(f"no unit has the path {unit_path!r}")
            accounts.create_user(session, username, role, password, at=clock.now(),
                                 display_name=display_name,
                                 unit_id=None if unit is None else unit.id)
    except accounts.AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"created {role} {username}" + (f" for {unit.path}" if unit else ""))


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="only when the roster is empty (what make run does)")
@with_appcontext
def demo(if_empty: bool) -> None:
    """Load the demo county (three towns and their villages), roster, posts and their responsible
    persons, a rainstorm response and demo accounts (idempotent)."""
    from .demo import DEMO_LOGINS, load_demo, roster_is_empty

    with unit_of_work.job() as session:
        if not if_empty or roster_is_empty(session):
            click.echo(load_demo(session, at=clock.now()))
    click.echo("demo logins (username / password, and what the account sees):")
    for username, role, password, unit_path in DEMO_LOGINS:
        click.echo(f"  {role:<10} {username + ' / ' + password:<30} {unit_path or 'everything'}")


@click.command("verify-audit")
@with_appcontext
def verify_audit() -> None:
    """Check the audit hash chain; exit 1 and name the first bad entry if it is broken."""
    report = audit.verify_chain(db.session())
    if report.ok:
        click.echo(f"audit chain ok: {report.entries} entries")
        return
    click.echo(f"audit chain BROKEN at entry {report.first_bad}: {report.reason} "
               f"({report.entries} entries)", err=True)
    raise SystemExit(1)


@click.command("rebuild-duty-state")
@with_appcontext
def rebuild_duty_state() -> None:
    """Fold every assignment's stored duty state again from its fixes (committed batch by batch,
    so that check-ins go on meanwhile)."""
    with unit_of_work.job() as session:
        batches = duty_state.batches(session)
        total = sum(map(len, batches))
        with click.progressbar(length=total, label="rebuilding duty states") as bar:
            for batch in batches:
                duty_state.recompute(session, batch, clock.now())
                unit_of_work.commit(session)
                bar.update(len(batch))
    click.echo(f"duty state rebuilt for {total} assignments")


@click.command("check-duty-state")
@with_appcontext
def check_duty_state() -> None:
    """Compare every stored duty state with the fold of its fixes; exit 1 and name those that
    differ (`rebuild-duty-state` mends them)."""
    session = db.session()
    batches = duty_state.batches(session)
    total, wrong = sum(map(len, batches)), []
    with click.progressbar(length=total, label="checking duty states", file=sys.stderr) as bar:
        for batch in batches:
            wrong += duty_state.differences(session, batch)
            bar.update(len(batch))
    if not wrong:
        click.echo(f"duty state ok: {total} assignments match their fixes")
        return
    shown = ", ".join(map(str, wrong[:20])) + (" ..." if len(wrong) > 20 else "")
    click.echo(f"duty state DIFFERS from the fixes for {len(wrong)} of {total} assignments: "
               f"{shown}", err=True)
    raise SystemExit(1)


@click.command("db-revision")
@click.argument("message")
@with_appcontext
def db_revision(message: str) -> None:
    """Write a new migration from the models (for developers; run init-db first)."""
    migrate.new_revision(db.engine(), message)
    click.echo(f"new migration written under {migrate.MIGRATIONS / 'versions'}")


@click.command("sweep")
@with_appcontext
def sweep_once() -> None:
    """Run one pass of the alert sweeper (missed check-ins, left posts, understaffed shifts)."""
    from .jobs.sweeper import run_once

    result = run_once()
    click.echo("another process is sweeping" if result.skipped else
               f"raised {len(result.raised)} alerts, resolved {len(result.resolved)}")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(path: Path) -> None:
    """Write a consistent copy of the SQLite database to PATH while the server runs (on
    PostgreSQL: use pg_dump)."""
    try:
        report = backups.backup_sqlite(db.engine(), path)
    except backups.BackupError as refusal:
        raise click.ClickException(str(refusal)) from None
    click.echo(f"backed up {report.pages} pages ({report.bytes / 1e6:.1f} MB) to {report.path} "
               f"in {report.seconds:.2f} s; the copy's check is ok")


COMMANDS = (init_db, create_user, demo, verify_audit, rebuild_duty_state, check_duty_state,
            db_revision, sweep_once, backup)
