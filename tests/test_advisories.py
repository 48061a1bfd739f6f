"""The installed packages against the pinned list of known advisories (docs/advisories.json),
offline: an affected version fails the suite, and a new dependency must be reviewed first."""

from __future__ import annotations

import json
import re
from datetime import date
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ADVISORIES = Path(__file__).resolve().parent.parent / "docs" / "advisories.json"
PROJECT = "duty-coordinator"


def pinned() -> dict:
    return json.loads(ADVISORIES.read_text(encoding="utf-8"))


def installed() -> dict[str, str]:
    """Every distribution in this environment, by canonical name: the project's dependencies,
    theirs, and the tools beside them."""
    return {canonicalize_name(d.metadata["Name"]): d.version for d in metadata.distributions()}


def affected(advisories: list[dict], versions: dict[str, str]) -> list[str]:
    """`package version: id (summary)` for every installed version an advisory names."""
    found = []
    for advisory in advisories:
        version = versions.get(canonicalize_name(advisory["package"]))
        if version is None:
            continue
        if any(SpecifierSet(spec).contains(version, prereleases=True)
               for spec in advisory["affected"]):
            found.append(f"{advisory['package']} {version}: {advisory['id']} "
                         f"({advisory['summary']})")
    return found


def test_the_list_is_dated_and_well_formed():
    doc = pinned()
    assert date.fromisoformat(doc["taken"]) <= date.today()
    assert "pip-audit" in doc["source"]
    for advisory in doc["advisories"]:
        assert re.fullmatch(r"(CVE-\d{4}-\d{4,}|GHSA(-[0-9a-z]{4}){3}|PYSEC-\d{4}-\d+)",
                            advisory["id"]), advisory
        assert advisory["affected"] and advisory["summary"], advisory
        for spec in advisory["affected"]:
            SpecifierSet(spec)  # raises on a malformed range


def test_no_installed_package_has_a_known_advisory():
    found = affected(pinned()["advisories"], installed())

    assert found == [], "upgrade (and raise the floor in pyproject.toml):\n" + "\n".join(found)


def test_an_affected_version_is_found():
    advisories = pinned()["advisories"]

    found = affected(advisories, {"flask": "2.3.1", "jinja2": "3.1.6", "urllib3": "1.26.18"})

    assert "flask 2.3.1: CVE-2023-30861" in " ".join(found)
    assert not any(line.startswith("jinja2") for line in found)
    assert any(line.startswith("urllib3 1.26.18: CVE-2024-37891") for line in found)


def test_every_runtime_dependency_was_reviewed():
    """A dependency added to pyproject.toml after the list was taken has not been looked up."""
    reviewed = {canonicalize_name(name) for name in pinned()["reviewed"]}
    requirements = [Requirement(line) for line in metadata.requires(PROJECT) or ()]
    runtime = {canonicalize_name(r.name) for r in requirements if r.marker is None}

    assert runtime - reviewed == set(), "look these up and add them to docs/advisories.json"
