"""The build step pyproject.toml cannot express: ship the top-level content/ and migrations/.

They stay at the top of the repository (editors, Alembic and the tests find them there); a
wheel carries copies as ``bot/_data/content`` and ``bot/_data/migrations``, where
``bot.resources`` looks first. An editable install needs no copy: it finds the checkout's.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("content", "migrations")


class BuildWithData(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        for name in SHIPPED:
            target = Path(self.build_lib) / "bot" / "_data" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(
                ROOT / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
            )


setup(cmdclass={"build_py": BuildWithData})
