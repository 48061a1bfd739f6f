"""Schemathesis hooks for tests/test_fuzz.py (loaded by the `st` process via SCHEMATHESIS_HOOKS).

Schemathesis' own `positive_data_acceptance` fails every request the document calls valid and
the server refuses. A JSON Schema cannot say that an id must name a stored row, that a household's
vulnerable people are no more than its people, or that a file or a CAP document must be readable,
so the server's 422 for those is right. This check allows exactly those refusals — a 422 whose
every field is a reference to a row, or a rule listed below for its operation — and hands every
other refusal of a valid request to Schemathesis' check.
"""

from __future__ import annotations

import json
import re

import schemathesis
from schemathesis.specs.openapi.checks import positive_data_acceptance

# A field that names a stored row (`unit_id`, `shift_ids.3`, `rows.0.person_id`) or the row of
# the path: a valid-looking id of a row that does not exist, or that the caller may not use.
REFERENCE = re.compile(r"^(?:[a-z_]+\.\d+\.)?[a-z_]*_ids?(?:\.\d+)?$|^targets\.[a-z_]+_ids\.\d+$")

# Rules between fields, about the state of a record, or about a document's contents, per operation.
# (`taken_at` within the last 24 hours and at most 5 minutes ahead is relative to the server's now.)
BEYOND_THE_SCHEMA = {
    "POST /api/v1/households": {"vulnerable"},  # no more than `people`
    "PATCH /api/v1/households/{household_id}": {"vulnerable"},
    "POST /api/v1/events/{event_id}/shifts": {"ends_at"},  # after `starts_at`
    "POST /api/v1/events/{event_id}/relocations": {"taken_at", "people"},  # moved: at least one
    "POST /api/v1/events/{event_id}/shelter-arrivals": {"taken_at"},
    "POST /api/v1/checkins": {"taken_at", "lat"},  # lat and lon not both 0
    "POST /api/v1/reports": {"taken_at", "lat"},
    "POST /api/v1/spot-checks": {"visited_at"},
    "POST /api/v1/calls/{call_id}/answer": {"taken_at"},
    "POST /api/v1/warnings": {"document", "file"},  # a CAP 1.2 alert, not any XML or file
    "POST /api/v1/calls": {"targets"},  # the targets must name somebody in scope
    "POST /api/v1/warnings/{warning_id}/call": {"targets", "warning"},  # its area holds somebody
    "POST /api/v1/people/import": {"file"},  # the file's contents must be a readable table
    "POST /api/v1/posts/import": {"file"},
    "POST /api/v1/units/import": {"file"},
    "POST /api/v1/households/import": {"file"},
}


def refused_fields(response) -> list[str] | None:
    if response.status_code != 422:
        return None
    try:
        error = json.loads(response.content)["error"]
    except (ValueError, KeyError, TypeError):
        return None
    return list(error.get("fields") or {}) or None


@schemathesis.check
def accepts_what_the_document_allows(ctx, response, case):
    """positive_data_acceptance, less the refusals that the schema cannot express."""
    fields = refused_fields(response)
    if fields:
        beyond = BEYOND_THE_SCHEMA.get(case.operation.label, set())
        if all(REFERENCE.match(name) or name.split(".")[0] in beyond for name in fields):
            return None
    return positive_data_acceptance(ctx, response, case)
