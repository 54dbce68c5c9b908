"""Platform and storage types stop at the edges: the core imports neither."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"
PLATFORMS = ("slack_bolt", "slack_sdk", "discord", "aiohttp")
STORAGE = ("sqlalchemy", "alembic", "aiosqlite", "asyncpg", "bot.db")
CORE = ("domain", "services", "messaging", "content")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def python_files(*parts: str) -> list[Path]:
    return sorted(p for part in parts for p in (BOT / part).rglob("*.py"))


def offending(modules: set[str], banned: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == b or m.startswith(b + ".") for b in banned))


@pytest.mark.parametrize("path", python_files(*CORE), ids=lambda p: str(p.relative_to(BOT)))
def test_core_imports_no_platform_or_storage_library(path: Path) -> None:
    assert offending(imported_modules(path), PLATFORMS + STORAGE) == []


def test_only_adapters_import_platform_libraries() -> None:
    leaks = {
        str(path.relative_to(BOT)): offending(imported_modules(path), PLATFORMS)
        for path in BOT.rglob("*.py")
        if "adapters" not in path.relative_to(BOT).parts
    }
    assert {k: v for k, v in leaks.items() if v} == {}


def test_the_checks_see_imports() -> None:
    """The scanner itself finds an import, so the tests above cannot pass vacuously."""
    assert "bot.services.store" in imported_modules(BOT / "services" / "posting.py") or (
        "bot.services.deps" in imported_modules(BOT / "services" / "posting.py")
    )
    assert python_files(*CORE)
