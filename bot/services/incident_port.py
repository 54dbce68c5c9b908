"""How command handling reaches mock incident sessions (implemented in services/incidents.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from bot.messaging.message import Replies

if TYPE_CHECKING:
    from bot.services.answers import Actor
    from bot.services.commands import Where


class IncidentHandler(Protocol):
    async def handle(self, actor: Actor, where: Where, command: object, delivery: str) -> Replies:
        """Run an incident command (incident, hint, skip, stop, resume)."""
        ...

    async def handle_message(
        self, actor: Actor, where: Where, text: str, delivery: str
    ) -> Replies | None:
        """A plain message where a session may be waiting for an answer; None if none is."""
        ...

    async def answer_form(self, actor: Actor, form: str, text: str, delivery: str) -> Replies:
        """An answer sent from the form a stage's prompt offers. ``form`` is the value of the
        button that opened it (``incident_views.form_value``): the answer is graded only if
        that stage is still the current one."""
        ...

    async def close_idle(self, now: dt.datetime) -> None:
        """Close sessions idle past the limit, sending each person a partial debrief."""
        ...

    async def points(
        self, workspace_id: str, start: dt.date | None, end: dt.date | None
    ) -> dict[int, int]:
        """Incident practice points per person id between local dates (None: unbounded)."""
        ...

    async def points_of(
        self, workspace_id: str, periods: Sequence[tuple[dt.date | None, dt.date | None]]
    ) -> list[dict[int, int]]:
        """``points`` of each period, read in one transaction."""
        ...
