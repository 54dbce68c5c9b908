"""The wheel the image installs: built from the tree, carrying the packs and the migrations,
and working when installed in a fresh virtual environment outside the repository.

Offline and quick: the wheel is built without build isolation (setuptools comes from the
locked dev extra) and installed without its dependencies into a new venv that sees the
project venv's site-packages through a ``.pth`` line (plain paths only: the editable install's
own ``.pth`` there is not run, so ``bot`` can come from the wheel alone). Every command runs
with its working directory outside the repository.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import venv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.db.migrate import head_revision
from tests.packaging.conftest import ROOT, tool

pytestmark = pytest.mark.packaging

SOURCES = ("pyproject.toml", "setup.py", "README.md", "bot", "content", "migrations")
"""What the Dockerfile copies into its build stage, and all a wheel is built from."""


@dataclass(frozen=True)
class Installed:
    wheel: Path
    bin: Path
    env: dict[str, str]
    cwd: Path


def run(
    args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{args}: {result.stdout}{result.stderr}"
    return result


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "_data")
            shutil.copytree(ROOT / name, src / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, src / name)
    dist = tmp_path_factory.mktemp("dist")
    run(
        [
            *(tool("uv"), "build", "--wheel", "--no-build-isolation", "--offline", "--quiet"),
            *("--python", sys.executable, "--out-dir", str(dist), str(src)),
        ],
        cwd=dist,
    )
    (found,) = dist.glob("drillbot-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    home = tmp_path_factory.mktemp("installed")
    target = home / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    purelib = run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
    ).stdout.strip()
    # The dependencies the project venv already has, after the new venv's own packages.
    (Path(purelib) / "project-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    run(
        [
            *(tool("uv"), "pip", "install", "--offline", "--quiet", "--no-deps"),
            *("--python", str(python), str(wheel)),
        ],
        cwd=home,
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DRILLBOT_", "PYTHON", "VIRTUAL_ENV")) and k != "DATABASE_URL"
    }
    env["DRILLBOT_DATA_DIR"] = str(home / "data")
    env["DATABASE_URL"] = f"sqlite:///{home / 'drills.db'}"
    cwd = home / "elsewhere"
    cwd.mkdir()
    yield Installed(wheel, target / "bin", env, cwd)


def test_wheel_carries_the_packs_and_the_migrations(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in sorted(p for p in (ROOT / "content").rglob("*") if p.is_file()):
        assert f"bot/_data/content/{path.relative_to(ROOT / 'content')}" in names
    for path in sorted((ROOT / "migrations").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            assert f"bot/_data/migrations/{path.relative_to(ROOT / 'migrations')}" in names
    assert "bot/cli.py" in names and "bot/resources.py" in names
    assert not [n for n in names if "__pycache__" in n or n.startswith(("tests/", "bench/"))]


def test_the_installed_package_is_the_wheel_not_the_checkout(installed: Installed) -> None:
    code = (
        "import bot, bot.resources as r; "
        "print(bot.__file__); print(r.shipped_dir('content')); print(r.shipped_dir('migrations'))"
    )
    lines = run(
        [str(installed.bin / "python"), "-c", code], env=installed.env, cwd=installed.cwd
    ).stdout.splitlines()
    venv_root = installed.bin.parent
    for line in lines:
        path = Path(line)
        assert path.is_relative_to(venv_root), line
        assert not path.is_relative_to(ROOT), line
    assert lines[1].endswith("bot/_data/content") and lines[2].endswith("bot/_data/migrations")


def test_content_check_passes_from_the_installed_wheel(installed: Installed) -> None:
    out = run(
        [str(installed.bin / "drillbot"), "content", "check"],
        env=installed.env,
        cwd=installed.cwd,
    ).stdout
    assert out.startswith("ok: ")
    # The same items as the checkout's packs.
    listed = run(
        [str(installed.bin / "drillbot"), "content", "list", "--json"],
        env=installed.env,
        cwd=installed.cwd,
    ).stdout
    from_checkout = run(
        [str(Path(sys.executable).with_name("drillbot")), "content", "list", "--json"],
        env=installed.env,
        cwd=ROOT,
    ).stdout
    assert listed == from_checkout and '"pack": "nodejs-backend"' in listed


def test_db_upgrade_from_the_installed_wheel_reaches_head(installed: Installed) -> None:
    run([str(installed.bin / "drillbot"), "db", "upgrade"], env=installed.env, cwd=installed.cwd)
    database = installed.env["DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        (version,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    assert version == head_revision()
    assert {"drills", "answers", "slack_installations"} <= tables
    assert not (installed.cwd / "data").exists()
