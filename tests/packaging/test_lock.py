"""One set of versions: uv.lock matches pyproject.toml, `make` installs exactly it, and the
Makefile, the Dockerfile and the lock agree on uv itself."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import tomllib
from typing import Any

import pytest

from tests.packaging.conftest import ROOT, tool
from tests.packaging.test_dockerfile import makefile_uv_version


@pytest.fixture(scope="module")
def lock() -> dict[str, Any]:
    with (ROOT / "uv.lock").open("rb") as f:
        return tomllib.load(f)


def locked_versions(lock: dict[str, Any]) -> dict[str, set[str]]:
    """Each package's locked versions: several when they differ by Python version or platform."""
    found: dict[str, set[str]] = {}
    for p in lock["package"]:
        if "version" in p and p.get("source", {}).get("editable") is None:
            found.setdefault(normalise(p["name"]), set()).add(p["version"])
    return found


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_lock_matches_pyproject() -> None:
    """`uv lock --check`: the lock is current with pyproject.toml's ranges (no index needed)."""
    result = subprocess.run(
        [tool("uv"), "lock", "--check", "--offline"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_environment_has_exactly_the_locked_versions(lock: dict[str, Any]) -> None:
    locked = locked_versions(lock)
    installed = {
        normalise(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()
    }
    for name in ("sqlalchemy", "pydantic", "alembic", "slack-bolt", "discord-py", "pytest"):
        assert name in installed and name in locked, name
    differ = {
        name: (sorted(versions), installed[name])
        for name, versions in locked.items()
        if name in installed and installed[name] not in versions
    }
    assert differ == {}, "installed versions differ from uv.lock (run make again)"


def test_uv_is_pinned_alike_in_makefile_dockerfile_and_lock(lock: dict[str, Any]) -> None:
    version = makefile_uv_version()
    assert locked_versions(lock)["uv"] == {version}
    assert f"ARG UV_VERSION={version}" in (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_make_syncs_from_the_lock_and_refuses_a_stale_one() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "$(UV) sync --locked --extra dev" in makefile
    assert re.search(r"^\$\(STAMP\): pyproject\.toml uv\.lock$", makefile, re.M)


def test_time_zones_ship_with_the_runtime_dependencies(lock: dict[str, Any]) -> None:
    (project,) = [p for p in lock["package"] if p["name"] == "drillbot"]
    assert "tzdata" in {d["name"] for d in project["dependencies"]}
