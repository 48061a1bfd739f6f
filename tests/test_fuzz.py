"""Schemathesis against the served OpenAPI document, with each role's token: no 5xx, every answer
in its documented status codes and shape, valid requests accepted and invalid ones refused.

The app is served over real HTTP on loopback (tests/live_server.py) with a small world of data
(tests/test_roles.py's World: one of every record, the first of each table, so that the small ids
Hypothesis likes name real rows). Schemathesis runs in its own process, so that generating cases
and serving them use both cores. The run is deterministic (fixed seed, deterministic generation,
no example database) and bounded (examples per operation, no shrinking) to fit CI.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from live_server import serve
from test_roles import World

TESTS = Path(__file__).parent
SEED = "20260721"
MAX_EXAMPLES = "6"  # per operation and phase: about 40 s a role on two cores
# Checks that need links between operations or a second account's data are left out:
# use_after_free, ensure_resource_availability, object_level_authorization.
# positive_data_acceptance is run by fuzz_hooks.accepts_what_the_document_allows.
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_headers_conformance,response_schema_conformance,negative_data_rejection,"
          "missing_required_header,unsupported_method,ignored_auth,accepts_what_the_document_allows")
# Every record the operations name, made before the run (each is created once, ids from 1).
RECORDS = ("person_id", "other_id", "staff_person_id", "post_id", "event_id", "shift_id",
           "staff_assignment_id", "other_assignment_id", "checkin_id", "report_id", "alert_id",
           "unit_id", "leader_id", "responsible_id", "call_id", "warning_id", "notification_id",
           "spot_check_id", "shelter_id", "household_id", "missed_checkin_alert_id")


def token_of(world: World, role: str) -> str:
    if role == "inspector":
        return world.sign_in("inspector").token
    return getattr(world, role).token


def schemathesis_run(base_url: str, token: str, workdir: Path) -> subprocess.CompletedProcess:
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", f"{base_url}/api/v1/openapi.json",
        "--header", f"Authorization: Bearer {token}",
        "--phases", "examples,coverage,fuzzing",
        "--checks", CHECKS,
        "--max-examples", MAX_EXAMPLES, "--seed", SEED, "--generation-deterministic",
        "--no-shrink", "--workers", "1",
        "--generation-with-security-parameters", "false",
        "--suppress-health-check", "all", "--request-timeout", "20",
        "--warnings", "off", "--no-color",
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "fuzz_hooks",
           "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=workdir,
                          timeout=600, check=False)


@pytest.mark.parametrize("role", ["admin", "commander", "inspector", "staff"])
def test_every_operation_answers_as_documented(app, client, make_user, clock, tmp_path, role):
    world = World(app, client, make_user, clock)
    for record in RECORDS:
        getattr(world, record)
    token = token_of(world, role)

    with serve(app) as base_url:
        started = time.monotonic()
        result = schemathesis_run(base_url, token, tmp_path)
        elapsed = time.monotonic() - started

    (tmp_path / "schemathesis.txt").write_text(result.stdout + result.stderr)
    summary = result.stdout[result.stdout.rfind("SUMMARY"):]
    print(f"schemathesis as {role}: {elapsed:.1f} s (output in {tmp_path})\n{summary}")
    assert "Tested:" in summary, result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, result.stdout[:20000] + result.stderr[-3000:]
