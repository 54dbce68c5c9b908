"""Keeps the test run out of the person's own ``data/`` folder (their database and bot log).

Tests reach the defaults through ``Settings()`` and the command line (``drillbot run`` opens
``data/drillbot.log``, the default database is ``data/drillbot.db``). ``tests/conftest.py``
points those defaults at a temporary folder and installs ``guard`` as an audit hook, which
refuses and records any write under the clone's ``data/``: if a default leaks again, the test
that leaked fails, naming the file, and the person's data is left as it was.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
USER_DATA = (REPO / "data").resolve()
_ROOTS = tuple({str(USER_DATA), os.path.abspath(REPO / "data")})
"""Both spellings, in case the clone's path goes through a symlink."""

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

touched: list[str] = []
"""What tried to write under ``USER_DATA``, oldest first; conftest fails the run on it."""


class UserDataTouched(PermissionError):
    """A test tried to write into the person's own data folder."""


def _inside(path: Any) -> bool:
    if isinstance(path, int) or path is None:
        return False  # a file descriptor or a dir_fd: already opened, judged when it was
    try:
        # abspath, not resolve: an audit hook runs on every open, so it stays cheap; a
        # relative path is taken from the working directory, as the write itself will be.
        name = os.path.abspath(os.fsdecode(path))
    except TypeError:
        return False
    return any(name == root or name.startswith(root + os.sep) for root in _ROOTS)


def _writing(mode: Any, flags: Any) -> bool:
    if isinstance(mode, str):
        return any(c in mode for c in "wax+")
    return isinstance(flags, int) and bool(flags & _WRITE_FLAGS)


def touches(event: str, args: tuple[Any, ...]) -> str | None:
    """What the audited operation would write under ``USER_DATA``, or None."""
    if event == "open" and len(args) == 3:
        path, mode, flags = args
        if _inside(path) and _writing(mode, flags):
            return f"open({os.fsdecode(path)!r}, {mode!r})"
    elif event in ("os.mkdir", "os.remove", "os.rmdir") and args and _inside(args[0]):
        return f"{event}({os.fsdecode(args[0])!r})"
    elif event in ("os.rename", "os.replace") and any(_inside(a) for a in args[:2]):
        return f"{event}({os.fsdecode(args[0])!r}, {os.fsdecode(args[1])!r})"
    elif event == "sqlite3.connect" and args and _inside(args[0]):
        return f"sqlite3.connect({os.fsdecode(args[0])!r})"
    return None


def guard(event: str, args: tuple[Any, ...]) -> None:
    """The audit hook: record and refuse a write under ``USER_DATA``."""
    found = touches(event, args)
    if found is not None:
        touched.append(found)
        raise UserDataTouched(f"tests must not write into {USER_DATA}: {found}")
