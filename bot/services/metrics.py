"""The metrics port: what the core counts, without knowing who collects it.

``bot.observability.prometheus`` implements it for ``/metrics``; ``NullMetrics`` is the default
(unit tests, the console, the CLI). Labels are a fixed small set: a platform name and a kind of
post, never an id, so the number of series does not grow with workspaces or people.
"""

from __future__ import annotations

from typing import Protocol

from bot.messaging.router import guess_platform

POST_KINDS = ("drill", "reveal", "leaderboard", "incident", "info")
"""Posted message kinds with their own series; anything else counts as ``other``."""


class Metrics(Protocol):
    def post(self, kind: str, platform: str, ok: bool) -> None:
        """A message the bot posted on its own (drill, reveal, board ...), or failed to."""
        ...

    def answers_recorded(self, platform: str, count: int = 1) -> None: ...

    def ack_latency(self, platform: str, seconds: float) -> None:
        """From a request's arrival to its acknowledgement."""
        ...

    def scheduler_lag(self, seconds: float) -> None:
        """From a post's due time to the moment it was posted."""
        ...

    def db_retry(self) -> None:
        """A store operation retried because the database was unreachable."""
        ...

    def open_incidents(self, count: int) -> None: ...

    def pruned(self, table: str, count: int) -> None:
        """Rows removed by housekeeping."""
        ...


class NullMetrics:
    def post(self, kind: str, platform: str, ok: bool) -> None:
        pass

    def answers_recorded(self, platform: str, count: int = 1) -> None:
        pass

    def ack_latency(self, platform: str, seconds: float) -> None:
        pass

    def scheduler_lag(self, seconds: float) -> None:
        pass

    def db_retry(self) -> None:
        pass

    def open_incidents(self, count: int) -> None:
        pass

    def pruned(self, table: str, count: int) -> None:
        pass


def platform_of(workspace_id: str) -> str:
    """The platform label of a workspace, from the shape of its id (see ``RoutingChat``)."""
    return guess_platform(workspace_id) or "console"
