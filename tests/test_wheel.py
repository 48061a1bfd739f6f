"""An installed wheel serves the pages: templates, static files and translations travel inside it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Left behind when the checkout is copied for the build, besides hidden entries (.git, .venv, caches).
LEFT_BEHIND = {"node_modules", "build", "dist", "instance"}
# Run in the fresh venv: migrate a SQLite file, then fetch each URL with Flask's test client.
SERVE = """
import json, sys
import coordinator
from coordinator import create_app, migrate

app = create_app({"TESTING": True, "DATABASE_URL": sys.argv[1]})
migrate.upgrade(app.extensions["db"]["engine"])
client = app.test_client()
pages = {}
for url in sys.argv[2:]:
    response = client.get(url)
    pages[url] = {"status": response.status_code, "text": response.get_data(as_text=True)}
print(json.dumps({"package": coordinator.__file__, "pages": pages}))
"""


def assets(folder: str) -> set[str]:
    """The files of a top-level folder as the wheel names them; Make's stamps are not assets."""
    return {f"coordinator/{path.relative_to(ROOT).as_posix()}" for path in (ROOT / folder).rglob("*")
            if path.is_file() and not path.name.startswith(".")}


def copy_checkout(target: Path) -> None:
    """Copy what the build may read, so that it writes its build/ and egg-info outside the checkout
    (a stale build/ would ship deleted files; test_translations walks the checkout)."""
    def ignore(folder: str, names: list[str]) -> set[str]:
        if Path(folder) != ROOT:
            return {name for name in names if name == "__pycache__"}
        return {name for name in names
                if name.startswith(".") or name in LEFT_BEHIND or name.endswith(".egg-info")}

    shutil.copytree(ROOT, target, ignore=ignore)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source") / "checkout"
    copy_checkout(source)
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index",
                    "--no-build-isolation", "--wheel-dir", str(dist), str(source)], check=True)
    (built,) = dist.glob("duty_coordinator-*.whl")
    return built


def install(wheel: Path, venv: Path) -> Path:
    """A fresh venv holding the wheel, its dependencies taken from the project's venv; returns python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                    "--no-deps", "--no-index", str(wheel)], check=True)
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # A path line in a .pth adds the folder without running the .pth files inside it, so the
    # project venv's editable finder (which maps `coordinator` to the checkout) stays out.
    (Path(site) / "project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def test_the_wheel_carries_templates_static_files_translations_and_migrations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert assets("templates") - names == set()
    assert assets("static") - names == set()
    assert "coordinator/static/vendor/leaflet/leaflet.js" in names
    assert {"coordinator/translations/zh_Hans_CN/LC_MESSAGES/messages.mo",
            "coordinator/translations/en/LC_MESSAGES/messages.mo"} <= names
    assert {"coordinator/migrations/env.py", "coordinator/migrations/script.py.mako"} <= names
    assert {f"coordinator/migrations/versions/{path.name}"
            for path in (ROOT / "coordinator" / "migrations" / "versions").glob("*.py")} <= names
    assert not [name for name in names if not name.startswith(("coordinator/", "duty_coordinator-"))]
    assert not [name for name in names if "node_modules" in name or name.startswith("tests/")]


def test_an_installed_wheel_serves_pages(wheel, tmp_path):
    python = install(wheel, tmp_path / "venv")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("COORDINATOR_", "PYTHON"))}
    urls = ["/login", "/login?lang=en", "/static/vendor/leaflet/leaflet.js", "/static/js/common.js",
            "/static/css/app.css", "/m/sw.js"]
    done = subprocess.run([python, "-c", SERVE, "sqlite:///" + str(tmp_path / "coordinator.db"), *urls],
                          cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    served = json.loads(done.stdout)

    assert Path(served["package"]).is_relative_to(tmp_path / "venv")
    pages = served["pages"]
    assert {url: page["status"] for url, page in pages.items()} == dict.fromkeys(urls, 200)
    assert "登录" in pages["/login"]["text"]  # Chinese by default: the compiled catalogue is used
    assert "Sign in" in pages["/login?lang=en"]["text"] and "登录" not in pages["/login?lang=en"]["text"]
    assert all(pages[url]["text"].strip() for url in urls)
    # The phone's service worker caches the shell files it finds inside the installed package.
    assert "/static/vendor/leaflet/leaflet.js" in pages["/m/sw.js"]["text"]
