"""The pieces every resource's schemas are made of: queries, pages, answers, errors."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ...models import MAX_ID


class Query(BaseModel):
    """Query-string parameters (always strings on the wire, so converted leniently)."""

    model_config = ConfigDict(extra="ignore")


class Page(Query):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_ID)


class Answer(BaseModel):
    """A response document (for the OpenAPI description)."""


class ErrorDetail(Answer):
    code: str
    message: str
    fields: dict[str, str] | None = None


class ErrorAnswer(Answer):
    error: ErrorDetail


# --- partial updates (PATCH) -------------------------------------------------------------------


def refuse_null(value):
    if value is None:
        raise ValueError("may not be null; leave the field out to keep its value")
    return value


def documented_not_null(*names: str):
    """Show `names` as non-nullable in the JSON schema, as `refuse_null` validates them."""

    def adjust(schema: dict) -> None:
        for name in names:
            prop = schema["properties"][name]
            prop.update(next(o for o in prop.pop("anyOf") if o.get("type") != "null"))
            prop.pop("default", None)

    return adjust


# --- file imports (people, posts) ----------------------------------------------------------------


class ImportRowError(Answer):
    row: int
    message: str


class ImportAnswer(Answer):
    created: int
    updated: int
    errors: list[ImportRowError]
