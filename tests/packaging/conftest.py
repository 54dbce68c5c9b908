"""Shared by the packaging tests: the repository's root, and tools that CI must have.

A tool the lock installs (uv, hadolint) may be missing from a hand-made environment: its test
is skipped there, and fails in CI (CI=true), where `make test` installed everything from
uv.lock.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def tool(name: str) -> str:
    """The tool beside this interpreter (the project's venv), else on PATH; skip or fail."""
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.is_file() else shutil.which(name)
    if found is None:
        message = f"{name} is not installed (make installs it from uv.lock)"
        if in_ci():
            pytest.fail(f"{message}; required because CI=true")
        pytest.skip(message)
    return found
