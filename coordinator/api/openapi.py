"""The OpenAPI 3 document, built from the registered operations and their pydantic schemas."""

from __future__ import annotations

import re

from flask import Blueprint, jsonify
from pydantic import BaseModel

from ..unit_of_work import outside
from .endpoint import OPERATIONS, Operation
from .schemas.common import ErrorAnswer
from .schemas.live_events import socketio_document

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")
REF_TEMPLATE = "#/components/schemas/{model}"
ERROR_STATUSES = {
    "400": "The body is not a JSON object",
    "401": "Not signed in",
    "403": "Signed in without the needed role",
    "404": "Not found",
    "409": "Conflicts with the current state",
    "422": "Invalid fields",
}


# The request parser refuses the NUL character in every string it knows (PostgreSQL cannot store
# it); a string with a pattern, a format or a list of values says so itself.
NO_NUL = "^[^\x00]*$"
SUBSCHEMAS = ("items", "additionalProperties")
SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")


def _refusing_nul(schema: dict) -> dict:
    """`schema` with NO_NUL on each plain string in it (walked with a list, not recursion)."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if node.get("type") == "string" and not {"pattern", "format", "enum", "const"} & set(node):
            node["pattern"] = NO_NUL
        stack.extend(p for p in node.get("properties", {}).values() if isinstance(p, dict))
        stack.extend(node[k] for k in SUBSCHEMAS if isinstance(node.get(k), dict))
        stack.extend(o for k in SCHEMA_LISTS for o in node.get(k, []) if isinstance(o, dict))
    return schema


def _schema_ref(model: type[BaseModel], components: dict, mode: str) -> dict:
    schema = model.model_json_schema(ref_template=REF_TEMPLATE, mode=mode)
    if mode == "validation":
        _refusing_nul(schema)
        for definition in schema.get("$defs", {}).values():
            _refusing_nul(definition)
    for name, definition in schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components.setdefault(model.__name__, schema)
    return {"$ref": REF_TEMPLATE.format(model=model.__name__)}


def _path(rule: str) -> tuple[str, list[dict]]:
    params = []

    def replace(match):
        converter, name = match.group(1), match.group(2)
        schema = {"type": "integer"} if converter == "int" else {"type": "string"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
        return "{" + name + "}"

    return re.sub(r"<(?:(\w+):)?(\w+)>", replace, rule), params


def _query_params(model: type[BaseModel]) -> list[dict]:
    schema = _refusing_nul(model.model_json_schema())
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def _operation(op: Operation, components: dict) -> tuple[str, dict]:
    path, params = _path(op.rule)
    if op.query is not None:
        params += _query_params(op.query)
    doc: dict = {"summary": op.summary, "tags": [op.tag], "operationId": f"{op.tag}_{op.method}_{path}"}
    if params:
        doc["parameters"] = params
    if op.body is not None:
        doc["requestBody"] = {"required": op.body_required, "content": {
            "application/json": {"schema": _schema_ref(op.body, components, "validation")}}}
        for mimetype, text in op.documents.items():
            doc["requestBody"]["content"][mimetype] = {
                "schema": {"type": "string", "format": "binary", "description": text}}
        if op.multipart:
            doc["requestBody"]["content"]["multipart/form-data"] = {"schema": {
                "type": "object", "required": list(op.multipart), "properties": {
                    name: {"type": "string", "format": "binary", "description": text}
                    for name, text in op.multipart.items()}}}
    elif op.multipart:
        properties = {name: {"type": "string", "format": "binary", "description": text}
                      for name, text in op.multipart.items()}
        doc["requestBody"] = {"required": True, "content": {"multipart/form-data": {
            "schema": {"type": "object", "properties": properties,
                       "required": list(op.multipart)}}}}
    success: dict = {"description": "Success"}
    if op.response is not None:
        success["content"] = {op.produces: {
            "schema": _schema_ref(op.response, components, "serialization")}}
    responses = {str(op.status): success}
    error = {"content": {"application/json": {
        "schema": _schema_ref(ErrorAnswer, components, "serialization")}}}
    for status, text in ERROR_STATUSES.items():
        if status in {"401", "403"} and op.roles is None:
            continue
        if status == "422" and op.body is None and op.query is None and not op.multipart:
            continue
        responses[status] = {"description": text, **error}
    for status, text in op.errors.items():
        responses[str(status)] = {"description": text, **error}
    doc["responses"] = responses
    if op.roles:
        doc["security"] = [{"bearer": []}, {"session": []}]
        doc["description"] = "Roles: " + ", ".join(op.roles)
    return path, doc


def _check_model_names() -> None:
    """A component is named after its model: two models of one name would share one schema."""
    owners: dict[str, type[BaseModel]] = {}
    for op in OPERATIONS:
        for model in (op.body, op.query, op.response):
            if model is not None and owners.setdefault(model.__name__, model) is not model:
                raise RuntimeError(f"two schemas are named {model.__name__}: "
                                   f"{owners[model.__name__].__module__} and {model.__module__}")


def build_document() -> dict:
    _check_model_names()
    components: dict = {}
    paths: dict = {}
    for op in OPERATIONS:
        path, doc = _operation(op, components)
        paths.setdefault(path, {})[op.method] = doc
    live = socketio_document(lambda model: _schema_ref(model, components, "serialization"))
    return {
        "openapi": "3.1.0",
        "info": {"title": "Duty coordinator API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
        "x-socketio": live,
    }


@bp.get("/openapi.json")
@outside
def openapi_document():
    """The API description, generated from the schemas that validate requests."""
    return jsonify(build_document())
