"""What a log line is about: the workspace, channel, drill and request being handled.

Context variables follow the task that set them (and the tasks it starts), so one handler or
one post sets them once and every log line under it carries them; nothing is passed down.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar

FIELDS = ("workspace", "channel", "drill", "request_id")

_VARS: dict[str, ContextVar[str | None]] = {
    name: ContextVar(f"drillbot_log_{name}", default=None) for name in FIELDS
}


def current() -> dict[str, str]:
    """The fields set for the running task (those unset are left out)."""
    found: dict[str, str] = {}
    for name, var in _VARS.items():
        value = var.get()
        if value is not None:
            found[name] = value
    return found


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]


@contextlib.contextmanager
def bound(
    *,
    workspace: str | None = None,
    channel: str | None = None,
    drill: int | str | None = None,
    request_id: str | None = None,
) -> Iterator[None]:
    """Set the given fields for the block (the others keep their values)."""
    given = {"workspace": workspace, "channel": channel, "drill": drill, "request_id": request_id}
    tokens = [
        (var, var.set(str(value)))
        for name, value in given.items()
        if value is not None
        for var in (_VARS[name],)
    ]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)
