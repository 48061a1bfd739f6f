"""The JSON API under /api/v1: thin blueprints over the services."""

from . import assignments, audit, auth, events, field, health, live, openapi, people, posts

BLUEPRINTS = (
    health.bp,
    openapi.bp,
    auth.bp,
    people.bp,
    posts.bp,
    events.bp,
    assignments.bp,
    field.bp,
    live.bp,
    audit.bp,
)
