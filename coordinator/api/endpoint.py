"""The `endpoint` decorator: role check, JSON/query parsing with the schemas, the unit of work
(commit once, then publish) and the OpenAPI list."""

from __future__ import annotations

import codecs
import functools
import json
from dataclasses import dataclass, field

from flask import Blueprint, request
from pydantic import BaseModel, ValidationError

from .. import unit_of_work
from ..db import READ_ONLY_METHODS
from ..errors import bad_request, validation_error
from ..security import require
from ..services.fields import nul_field

FORM_MIMETYPES = {"multipart/form-data", "application/x-www-form-urlencoded"}


@dataclass
class Operation:
    """One documented API operation, as registered by `endpoint`."""

    rule: str
    method: str
    summary: str
    roles: tuple[str, ...] | None
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    tag: str
    multipart: dict[str, str] = field(default_factory=dict)
    produces: str = "application/json"
    # Other request bodies the view reads itself (content type → what it is), beside JSON.
    documents: dict[str, str] = field(default_factory=dict)
    # False when the view takes a request without a body as the body's defaults.
    body_required: bool = True
    # Refusals beside those every operation of its kind may answer (status → when).
    errors: dict[int, str] = field(default_factory=dict)


OPERATIONS: list[Operation] = []


def fields_from(error: ValidationError) -> dict[str, str]:
    """Pydantic's errors as {"field.path": "why"}."""
    fields: dict[str, str] = {}
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"]) or "body"
        fields.setdefault(path, item["msg"])
    return fields


def _refuse_nul(parsed: BaseModel) -> BaseModel:
    """PostgreSQL cannot store the NUL character: refused in the fields the model knows (unknown
    fields are ignored, whatever they hold). The OpenAPI document says so with a pattern."""
    field_path = nul_field(parsed.model_dump())
    if field_path:
        raise validation_error({field_path: "must not contain the NUL character"})
    return parsed


class _WholeNumbers:
    """json.loads' parse_float: a number with no fractional part is an integer, as JSON Schema
    (and so the OpenAPI document) counts it: `3.0` is as good as `3` for an integer field."""

    def __init__(self):
        self.found = False

    def __call__(self, text: str):
        value = float(text)
        if value.is_integer() and abs(value) < 2 ** 63:
            self.found = True
            return int(value)
        return value


def parse_json_body(model: type[BaseModel]) -> BaseModel:
    """The request body validated by `model`: 400 when it is not a JSON object, 422 on bad fields."""
    if request.mimetype in FORM_MIMETYPES:
        raise bad_request("Send the body as a JSON object (Content-Type: application/json).")
    raw = request.get_data(cache=True)
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]  # RFC 8259 lets a parser ignore a byte order mark
    whole_numbers = _WholeNumbers()
    try:
        data = json.loads(raw.decode("utf-8"), parse_float=whole_numbers)
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or nested beyond the parser
        raise bad_request("The body is not valid UTF-8 JSON.") from None
    if not isinstance(data, dict):
        raise bad_request("The body must be a JSON object.")
    if whole_numbers.found:
        raw = json.dumps(data).encode()
    try:
        return _refuse_nul(model.model_validate_json(raw))
    except ValidationError as error:
        unreadable = [item["msg"] for item in error.errors() if item["type"] == "json_invalid"]
        if unreadable:
            # What Python's parser lets through and the strict one does not: a lone surrogate,
            # nesting deeper than it reads.
            raise bad_request(f"The body is not valid JSON: {unreadable[0]}.") from None
        raise validation_error(fields_from(error)) from None


def parse_query(model: type[BaseModel]) -> BaseModel:
    try:
        return _refuse_nul(model.model_validate(request.args.to_dict()))
    except ValidationError as error:
        raise validation_error(fields_from(error), "The query string has invalid parameters.") from None


def endpoint(
    bp: Blueprint,
    rule: str,
    method: str,
    *,
    summary: str,
    roles: tuple[str, ...] | None,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    multipart: dict[str, str] | None = None,
    produces: str = "application/json",
    writes: bool | None = None,
    documents: dict[str, str] | None = None,
    errors: dict[int, str] | None = None,
):
    """Register a view under the API blueprint; it receives `principal`, `body` and `query`.
    Each call is one unit of work: parse → rule → (commit → publish) when it `writes` (every
    method but GET, unless said otherwise)."""
    writes = method.upper() not in READ_ONLY_METHODS if writes is None else writes

    def decorate(view):
        OPERATIONS.append(
            Operation(
                rule=(bp.url_prefix or "") + rule,
                method=method.lower(),
                summary=summary,
                roles=roles,
                body=body,
                query=query,
                response=response,
                status=status,
                tag=bp.name,
                multipart=multipart or {},
                produces=produces,
                documents=documents or {},
                errors=errors or {},
            )
        )

        @functools.wraps(view)
        def wrapper(**kwargs):
            def work():
                if roles is not None:
                    kwargs["principal"] = require(*roles)
                if body is not None:
                    # A document or a file instead of JSON: the view reads it (body None).
                    other = request.mimetype in (documents or {}) or (
                        multipart and request.mimetype == "multipart/form-data")
                    kwargs["body"] = None if other else parse_json_body(body)
                if query is not None:
                    kwargs["query"] = parse_query(query)
                return view(**kwargs)

            return unit_of_work.run(work, writes=writes)

        wrapper.unit_of_work = True

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=wrapper, methods=[method])
        return wrapper

    return decorate
