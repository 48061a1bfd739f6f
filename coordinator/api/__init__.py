"""The JSON API under /api/v1: thin blueprints over the services."""

from . import (
    assign,
    assignments,
    audit,
    auth,
    calls,
    events,
    field,
    health,
    live,
    openapi,
    organisation,
    people,
    posts,
    records,
    relocation,
    warnings,
)

BLUEPRINTS = (
    health.bp,
    openapi.bp,
    auth.bp,
    organisation.bp,
    people.bp,
    posts.bp,
    events.bp,
    assignments.bp,
    assign.bp,
    field.bp,
    calls.bp,
    warnings.bp,
    relocation.bp,
    live.bp,
    audit.bp,
    records.bp,
)
