"""DATABASE_URL: accepted forms, the default file, the async driver, and no password on show."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.db.urls import async_url, database_url, is_sqlite_memory, redact


def test_default_is_a_sqlite_file_in_the_data_dir_which_is_created(tmp_path: Path) -> None:
    data_dir = tmp_path / "nested" / "data"
    url = database_url({"DRILLBOT_DATA_DIR": str(data_dir)})
    assert url == f"sqlite:///{data_dir.resolve() / 'drillbot.db'}"
    assert url.startswith("sqlite:////")  # absolute, whatever the working directory later
    assert data_dir.is_dir()


def test_default_data_dir_is_dot_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert database_url({}) == f"sqlite:///{tmp_path.resolve() / 'data' / 'drillbot.db'}"
    assert (tmp_path / "data").is_dir()


@pytest.mark.parametrize(
    ("given", "plain", "driver"),
    [
        ("sqlite:///relative/path.db", "sqlite:///relative/path.db", "sqlite+aiosqlite"),
        ("sqlite:////abs/path.db", "sqlite:////abs/path.db", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:///x.db", "sqlite:///x.db", "sqlite+aiosqlite"),
        (
            "postgresql://user@host:5432/db",
            "postgresql://user@host:5432/db",
            "postgresql+asyncpg",
        ),
        ("postgres://user:pw@host/db", "postgresql://user:pw@host/db", "postgresql+asyncpg"),
        (
            "postgresql+asyncpg://user:pw@host:6543/db",
            "postgresql://user:pw@host:6543/db",
            "postgresql+asyncpg",
        ),
        ("  postgres://u@h/db  ", "postgresql://u@h/db", "postgresql+asyncpg"),
    ],
)
def test_accepted_forms(given: str, plain: str, driver: str) -> None:
    assert database_url({"DATABASE_URL": given, "DRILLBOT_DATA_DIR": "/nonexistent"}) == plain
    converted = async_url(given)
    assert converted.startswith(driver + "://")
    assert converted.split("://", 1)[1] == plain.split("://", 1)[1]


def test_async_url_keeps_the_password_and_translates_sslmode() -> None:
    url = async_url("postgres://bot:p%40ss@db.example.com/drill?sslmode=require")
    assert url == "postgresql+asyncpg://bot:p%40ss@db.example.com/drill?ssl=require"


@pytest.mark.parametrize(
    "bad",
    [
        "mysql://user:hunter2@host/db",
        "postgresql+psycopg2://user:hunter2@host/db",
        "not a url at all hunter2",
        "postgres:///db-without-host",
        "http://user:hunter2@example.com/",
    ],
)
def test_bad_urls_get_a_clear_error_without_the_password(bad: str) -> None:
    with pytest.raises(ValueError, match="accepted forms") as raised:
        database_url({"DATABASE_URL": bad})
    message = str(raised.value)
    assert "sqlite:///" in message and "postgresql://" in message
    assert "hunter2" not in message
    with pytest.raises(ValueError, match="accepted forms"):
        async_url(bad)


def test_redact_hides_the_password() -> None:
    assert redact("postgresql://bot:hunter2@h/db") == "postgresql://bot:***@h/db"
    assert "hunter2" not in redact("garbage hunter2")


@pytest.mark.parametrize(
    ("url", "memory"),
    [
        ("sqlite://", True),
        ("sqlite:///:memory:", True),
        ("sqlite:///file.db", False),
        ("postgresql://h/db", False),
    ],
)
def test_in_memory_sqlite_is_recognised(url: str, memory: bool) -> None:
    assert is_sqlite_memory(url) is memory
