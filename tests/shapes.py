"""Checks of the API's error shape, shared by the HTTP tests."""

from __future__ import annotations

import re

SNAKE_CASE = re.compile(r"^[a-z]+(_[a-z]+)*$")


def assert_error(response, status: int, code: str | None = None, fields=()) -> dict:
    """The response is `status` with `{"error": {"code", "message", "fields"?}}`; returns `error`.

    `fields` lists the field names the error must name; without it, `fields` must be absent.
    """
    body = response.get_json(silent=True)
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert SNAKE_CASE.match(error["code"]), error
    if code is not None:
        assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"].strip(), error
    if fields:
        assert set(fields) <= set(error.get("fields") or {}), error
        assert all(isinstance(why, str) and why for why in error["fields"].values()), error
    else:
        assert "fields" not in error, error
    return error
