"""The one write path: do the work → seal → commit once → publish.

Every API endpoint, page, Socket.IO handler, background job and command runs its work through
this module (`run`, or `job` outside a request). Services change rows, add audit entries
(`services.audit.record`) and live messages (`services.effects.live`) to the session; they never
commit or send. Here, once the work has succeeded:

1. flush the work's rows (the locks of its own rows are taken first, while it runs);
2. seal: each event's messages get their `seq` (the event's counter row, ascending event id),
   then the audit entries join the chain (its head row, always the last lock taken);
3. commit once;
4. publish the messages (`realtime.publisher`), after the commit, in `seq` order, tell people
   their own messages, and wake the notification sender when the outbox got rows.

On any failure the transaction is rolled back and nothing is told. A commit that skips this path
while effects wait is refused, so no audit entry or message can be dropped by accident."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from flask import current_app
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from . import assignment_notices, clock
from . import db as database
from .errors import ApiError
from .services import audit, effects, outbox, scope

T = TypeVar("T")


def commit(db: Session) -> None:
    """Seal this transaction's effects, commit it, then publish its live messages."""
    publisher = current_app.extensions["publisher"]
    try:
        if outbox.has_assigned(db):
            assignment_notices.write(db, clock.now())
        db.flush()
        with publisher.in_order(effects.pending_events(db)):
            messages = effects.seal(db, keep_rows=publisher.across_processes)
            personal = effects.take_personal(db)
            notified = outbox.take_written(db)
            audit.seal(db)
            db.commit()
            publisher.publish(messages)
        publisher.tell(personal)
        if notified:
            outbox.wake_sender(current_app)
    except BaseException:
        rollback(db)
        raise


def rollback(db: Session) -> None:
    """Undo the transaction; what it would have told is dropped with it."""
    effects.discard(db)
    outbox.take_written(db)
    outbox.take_assigned(db)
    audit.discard(db)
    db.rollback()


def run(work: Callable[[], T], *, writes: bool) -> T:
    """Run a request's (or handler's) work in one transaction: committed once if it `writes`,
    rolled back on an error. A refusal that must stay on record (`ApiError.keeps_changes`, e.g.
    a failed sign-in counted for the throttle) commits what it wrote, then is raised."""
    db = database.session(writing=writes)
    outbox.install_channels(db, current_app.config)
    try:
        result = work()
    except ApiError as error:
        if error.keeps_changes:
            commit(db)
        else:
            rollback(db)
        raise
    except BaseException:
        rollback(db)
        raise
    if writes:
        commit(db)
    elif effects.has_pending(db) or audit.has_pending(db):
        rollback(db)
        raise RuntimeError("a read-only request changed something; declare it as writing")
    return result


@contextmanager
def job() -> Iterator[Session]:
    """A background job's or command's unit of work (inside an app context): committed at the
    end, rolled back on an error; a long job commits its steps with `commit` as it goes."""
    db = database.session()
    outbox.install_channels(db, current_app.config)
    try:
        yield db
        commit(db)
    except BaseException:
        rollback(db)
        raise


@contextmanager
def separate() -> Iterator[Session]:
    """A short unit of work of its own beside the request's: an export (a reading request that
    holds no write lock while it reads) writes its audit entry here, in the caller's scope."""
    db = current_app.extensions["db"]["writer"]()
    scope.install(db, scope.current(database.session()))
    try:
        yield db
        commit(db)
    except BaseException:
        rollback(db)
        raise
    finally:
        db.close()


def outside(view):
    """Mark a view that touches no session (a probe, the API document): it needs no unit of
    work, and says so for the check that every route has one."""
    view.unit_of_work = "none"
    return view


def _refuse_unsealed(db: Session) -> None:
    if effects.has_pending(db) or audit.has_pending(db):
        raise RuntimeError("commit through coordinator.unit_of_work.commit: this transaction has "
                           "audit entries or live messages waiting")


def init_app(_app) -> None:
    if not sa_event.contains(Session, "before_commit", _refuse_unsealed):
        sa_event.listen(Session, "before_commit", _refuse_unsealed)
