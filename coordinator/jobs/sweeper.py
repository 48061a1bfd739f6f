"""Runs the alert sweeper: one pass on demand, or every few seconds in a server process."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app

from .. import clock, metrics, unit_of_work
from ..services.sweeper import SweepResult, SweepRules, sweep


def sweep_rules() -> SweepRules:
    config = current_app.config
    return SweepRules(late_grace=timedelta(minutes=config["LATE_GRACE_MINUTES"]),
                      presence_interval=timedelta(minutes=config["PRESENCE_INTERVAL_MINUTES"]))


def run_once() -> SweepResult:
    """One sweep at the clock's time, committed step by step (each step's messages go out after
    its commit), letting requests run between the steps."""
    socketio = current_app.extensions["socketio"]
    with unit_of_work.job() as session:
        def between_steps():
            unit_of_work.commit(session)
            socketio.sleep(0)

        result = sweep(session, clock.now(), sweep_rules(), between_steps)
    metrics.sweep_finished(current_app)
    return result


def start_background(app: Flask):
    """Sweep every SWEEP_INTERVAL_SECONDS in this process (gunicorn's post_worker_init calls it)."""
    socketio = app.extensions["socketio"]
    interval = app.config["SWEEP_INTERVAL_SECONDS"]

    def loop():
        while True:
            socketio.sleep(interval)
            with app.app_context():
                try:
                    run_once()
                except Exception:  # a failed pass must not stop the next one
                    app.logger.exception("sweeper pass failed")

    return socketio.start_background_task(loop)
