"""The test run keeps out of the person's ``data/`` folder (see tests/user_data_guard.py)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from bot.bootstrap import log_to_file
from bot.config import Settings
from bot.db.urls import database_url
from tests.user_data_guard import USER_DATA, UserDataTouched, touched, touches


def outside_user_data(path: Path) -> bool:
    return USER_DATA not in path.resolve().parents and path.resolve() != USER_DATA


def test_the_defaults_point_away_from_the_user_data_folder() -> None:
    """What `drillbot run` and the stores would use when a test gives no path of its own."""
    settings = Settings()
    assert outside_user_data(settings.data_dir)
    default_db = database_url(settings.env_for_db())
    assert default_db.startswith("sqlite:///")
    assert outside_user_data(Path(default_db.removeprefix("sqlite:///")))


def test_the_console_log_goes_to_the_temporary_folder() -> None:
    """`drillbot run` on the console opens its log file first; this is what wrote data/ before."""
    root = logging.getLogger()
    before = list(root.handlers)
    levels = {h: h.level for h in before}
    try:
        path = log_to_file(Settings())
        assert path.name == "drillbot.log" and path.exists()
        assert outside_user_data(path)
    finally:
        for handler in root.handlers[:]:
            if handler not in before:
                root.removeHandler(handler)
                handler.close()
        for handler, level in levels.items():
            handler.setLevel(level)  # log_to_file turned the others down to errors


def test_a_write_into_user_data_is_refused_and_recorded() -> None:
    # A folder that does not exist: if the guard were off, open() fails with FileNotFoundError
    # (so this test fails) instead of leaving a file in the person's data.
    probe = USER_DATA / "no-such-folder" / "probe.log"
    with pytest.raises(UserDataTouched):
        open(probe, "a")  # noqa: SIM115 - never opened: the guard refuses it
    assert touched.pop() == f"open({str(probe)!r}, 'a')"


@pytest.mark.parametrize(
    ("event", "args"),
    [
        ("open", (str(USER_DATA / "drillbot.log"), "a", 0)),
        ("open", (str(USER_DATA / "drillbot.db"), "r+b", 0)),
        ("open", (str(USER_DATA / "x"), None, os.O_CREAT | os.O_WRONLY)),
        ("os.mkdir", (str(USER_DATA), 0o777, -1)),
        ("sqlite3.connect", (str(USER_DATA / "drillbot.db"),)),
        ("os.rename", ("/elsewhere/x.db", str(USER_DATA / "drillbot.db"), -1, -1)),
        ("os.remove", (str(USER_DATA / "drillbot.db"), -1)),
    ],
)
def test_writes_under_user_data_are_caught(event: str, args: tuple[object, ...]) -> None:
    assert touches(event, args) is not None


@pytest.mark.parametrize(
    ("event", "args"),
    [
        ("open", (str(USER_DATA / "drillbot.log"), "r", 0)),  # reading harms nothing
        ("open", (str(USER_DATA.parent / "database.db"), "w", 0)),  # a sibling, not data/
        ("open", (str(USER_DATA) + "-old/x.log", "w", 0)),  # a name that only starts alike
        ("open", (3, "w", 0)),  # a file descriptor
        ("sqlite3.connect", (":memory:",)),
        ("os.mkdir", ("/tmp/somewhere/data", 0o777, -1)),
        ("import", ("bot.config", None, None, None, None)),
    ],
)
def test_other_operations_pass(event: str, args: tuple[object, ...]) -> None:
    assert touches(event, args) is None
