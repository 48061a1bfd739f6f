"""The layers as docs/architecture.md draws them: imports go only downward, every request runs
through the unit of work, and no module grows past what a reader can hold."""

from __future__ import annotations

import ast
from pathlib import Path

import coordinator

PACKAGE = Path(coordinator.__file__).parent
MAX_LINES = 600


def imports_of(path: Path) -> set[str]:
    """The modules a file imports, as absolute names under `coordinator` where relative."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


def offending(layer: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    found = {}
    for path in modules(layer):
        bad = sorted(n for n in imports_of(path)
                     if any(n == f or n.startswith(f + ".") for f in forbidden))
        if bad:
            found[str(path.relative_to(PACKAGE))] = bad
    return found


def test_services_import_neither_the_web_faces_nor_flask_nor_the_emitter():
    assert offending("services", ("flask", "flask_socketio", "coordinator.api",
                                  "coordinator.web", "coordinator.realtime",
                                  "coordinator.unit_of_work")) == {}


def test_models_import_nothing_above_them():
    assert offending("models", ("flask", "coordinator.services", "coordinator.api",
                                "coordinator.web", "coordinator.realtime")) == {}


def test_pages_take_nothing_from_the_json_api():
    assert offending("web", ("coordinator.api",)) == {}


def test_every_route_runs_through_the_unit_of_work(app):
    """A view that forgot its wrapper (endpoint, page_for or public_page) would commit nothing,
    or commit without sealing: caught here, for every rule of the app."""
    unwrapped = sorted(rule.rule for rule in app.url_map.iter_rules()
                       if rule.endpoint != "static"
                       and not getattr(app.view_functions[rule.endpoint], "unit_of_work", False))
    assert unwrapped == []


def test_no_module_is_longer_than_a_reader_can_hold():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if "migrations" not in p.parts
            and (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}
