"""The one build step pyproject.toml cannot say: pack the top-level templates/ and static/ into the wheel."""

from __future__ import annotations

import os
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.errors import FileError

# A checkout keeps them beside the package (the design card's layout) and create_app serves them
# from there; a wheel has no checkout around it, so they travel as coordinator/templates and
# coordinator/static.
PAGE_FOLDERS = ("templates", "static")


class BuildPyWithPages(build_py):
    """build_py that also copies templates/ and static/ into the package's build directory."""

    def run(self) -> None:
        # Checked here, not while listing files: egg_info lists them for `pip install -e` too, which
        # `make setup` runs before it copies the front-end packages.
        if not self.editable_mode and not Path("static/vendor").is_dir():
            raise FileError("static/vendor/ is missing: `make setup` copies the front-end packages there")
        super().run()

    def _get_data_files(self) -> list[tuple[str, str, str, list[str]]]:
        return super()._get_data_files() + self.page_files()

    def get_data_files_without_manifest(self) -> list[tuple[str, str, str, list[str]]]:
        # What sdist packs: a wheel built from the sdist then has the pages too.
        return super().get_data_files_without_manifest() + self.page_files()

    def page_files(self) -> list[tuple[str, str, str, list[str]]]:
        """(package, source folder, build folder, files) for each page folder, as build_py lists data."""
        return [("coordinator", folder, os.path.join(self.build_lib, "coordinator", folder),
                 sorted(path.relative_to(folder).as_posix() for path in Path(folder).rglob("*")
                        # Make's stamps (static/vendor/.copied) are not assets.
                        if path.is_file() and not path.name.startswith(".")))
                for folder in PAGE_FOLDERS]


setup(cmdclass={"build_py": BuildPyWithPages})
