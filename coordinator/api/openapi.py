"""The OpenAPI 3 document, built from the registered operations and their pydantic schemas."""

from __future__ import annotations

import re

from flask import Blueprint, jsonify
from pydantic import BaseModel

from ..unit_of_work import outside
from .endpoint import OPERATIONS, Operation
from .schemas.common import ErrorAnswer

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


def _schema_ref(model: type[BaseModel], components: dict, mode: str) -> dict:
    schema = model.model_json_schema(ref_template=REF_TEMPLATE, mode=mode)
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
    schema = model.model_json_schema()
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
        doc["requestBody"] = {"required": True, "content": {
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
    doc["responses"] = responses
    if op.roles:
        doc["security"] = [{"bearer": []}, {"session": []}]
        doc["description"] = "Roles: " + ", ".join(op.roles)
    return path, doc


def build_document() -> dict:
    components: dict = {}
    paths: dict = {}
    for op in OPERATIONS:
        path, doc = _operation(op, components)
        paths.setdefault(path, {})[op.method] = doc
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
    }


@bp.get("/openapi.json")
@outside
def openapi_document():
    """The API description, generated from the schemas that validate requests."""
    return jsonify(build_document())
