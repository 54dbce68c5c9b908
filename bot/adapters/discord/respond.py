"""Answering one interaction within Discord's three seconds, once.

Discord drops an interaction that gets no callback within 3 s of its creation ("This
interaction failed"); a callback after that gets error 10062, a second callback error 40060,
and follow-ups (the interaction webhook) work for 15 minutes after the first callback.

Acknowledging comes first. ``Responder.run`` looks at the ``Crowd`` of interactions waiting
for their acknowledgement:

- alone, it starts the work and waits up to ``BUDGET`` seconds for it: a quick answer is the
  callback itself (one request, the fastest feedback); a slow one is deferred first ("drillbot is
  thinking…", ephemeral) and follows up when ready, and so is one that others join meanwhile
  (the first click of a burst);
- in a burst (others are waiting for theirs, or for their turn to work), it defers at once and
  starts the work only when the burst has been acknowledged (``Crowd.turn``), as the Slack
  adapter's ``Background`` does: a burst's acknowledgements never queue behind its work, so each
  comes about as soon as a client that only acknowledges would send it.

Every later message is a follow-up. An interaction that Discord already gave up on, or that was
answered elsewhere, is logged and the rest of its replies dropped: it never raises into
discord.py's event loop.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import discord

from bot.adapters.discord.payloads import message_kwargs, without_files
from bot.adapters.discord.render import DiscordPayload

log = logging.getLogger("drillbot.discord")
T = TypeVar("T")

BUDGET = 2.0
"""Seconds of Discord's 3 the work may take before the interaction is deferred."""
QUIET = 0.025
"""Seconds without a new interaction after which a burst is over."""
PATIENCE = 1.0
"""Seconds deferred work waits at most for a burst to be over, so that a steady stream of
interactions cannot starve it (a deferred interaction may follow up for 15 minutes)."""
UNKNOWN_INTERACTION = 10062
ALREADY_ACKNOWLEDGED = 40060


class Crowd:
    """The interactions of one process waiting for their acknowledgement, and the deferred work
    waiting for its turn: work starts once every interaction that arrived is acknowledged and
    none arrived for ``quiet`` seconds, or after ``patience`` seconds whatever the traffic."""

    def __init__(self, quiet: float = QUIET, patience: float = PATIENCE) -> None:
        self.quiet = quiet
        self.patience = patience
        self.unanswered = 0
        """Interactions that arrived and have no callback yet."""
        self.working = 0
        """Deferred work that had its turn and is not done yet."""
        self.last_arrival = -math.inf
        self._turns: deque[tuple[float, asyncio.Future[None]]] = deque()
        self._watcher: asyncio.Task[None] | None = None
        self._alone: set[asyncio.Future[None]] = set()
        self.on_ack: Callable[[float], None] | None = None
        """Told the seconds from each interaction's arrival to its first callback."""

    def arrived(self) -> float:
        """Counts an interaction in; returns the seconds since the one before arrived."""
        now = time.monotonic()
        gap = now - self.last_arrival
        self.unanswered += 1
        self.last_arrival = now
        if self.unanswered > 1:
            for waiting in self._alone:
                if not waiting.done():
                    waiting.set_result(None)
            self._alone.clear()
        return gap

    def company(self) -> asyncio.Future[None]:
        """Done when another interaction arrives (``forget`` it when no longer needed)."""
        joined: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._alone.add(joined)
        return joined

    def forget(self, joined: asyncio.Future[None]) -> None:
        self._alone.discard(joined)
        joined.cancel()

    def answered(self) -> None:
        self.unanswered -= 1

    def crowded(self) -> bool:
        """Whether an interaction that arrived has company: others waiting for their
        acknowledgement, deferred work waiting for its turn or being done."""
        return self.unanswered > 1 or self.working > 0 or bool(self._turns)

    def calm(self) -> bool:
        return self.unanswered <= 0 and time.monotonic() - self.last_arrival >= self.quiet

    async def turn(self) -> None:
        """Returns when deferred work may start."""
        if not self._turns and self.calm():
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._turns.append((time.monotonic() + self.patience, turn))
        if self._watcher is None or self._watcher.done():
            self._watcher = asyncio.create_task(self._watch())
        await turn

    async def _watch(self) -> None:
        """One task for every waiting turn, looking five times per ``quiet`` seconds."""
        while self._turns:
            calm = self.calm()
            now = time.monotonic()
            while self._turns and (calm or self._turns[0][0] <= now):
                _, turn = self._turns.popleft()
                if not turn.done():  # a cancelled waiter leaves a cancelled future
                    turn.set_result(None)
            if self._turns:
                await asyncio.sleep(self.quiet / 5)


class Responder:
    def __init__(
        self,
        interaction: discord.Interaction[Any],
        budget: float = BUDGET,
        crowd: Crowd | None = None,
    ) -> None:
        self.interaction = interaction
        self.budget = budget
        self.started = time.monotonic()
        self.gone = False
        """Discord refused this interaction's callback: nothing more can be sent through it."""
        self.sent = 0
        self.crowd = crowd
        self._waiting = crowd is not None
        """Counted in ``crowd.unanswered`` until its first callback is answered (or refused)."""
        self._gap = crowd.arrived() if crowd is not None else math.inf
        """Seconds between the interaction before this one and this one."""

    @property
    def answered(self) -> bool:
        return self.gone or self.interaction.response.is_done()

    def release(self) -> None:
        """No longer waiting for a callback (it was made, refused, or will never be)."""
        if self._waiting and self.crowd is not None:
            self._waiting = False
            self.crowd.answered()
            if self.crowd.on_ack is not None and self.answered:
                self.crowd.on_ack(time.monotonic() - self.started)

    async def run(self, work: Awaitable[T], ephemeral: bool = True) -> T:
        """The work's result; deferred first when it takes longer than the budget, or at once
        in a crowd (the work then waits for its turn)."""
        crowd = self.crowd
        if crowd is not None and (crowd.crowded() or self._gap < crowd.quiet):
            await self.defer(ephemeral)
            await crowd.turn()
            crowd.working += 1
            try:
                return await work
            finally:
                crowd.working -= 1
        task = asyncio.ensure_future(work)
        left = self.budget - (time.monotonic() - self.started)
        waits: set[asyncio.Future[Any]] = {task}
        # Others arriving meanwhile want their acknowledgement: this one then has its own at
        # once, rather than hold theirs back until its work is done.
        joined = crowd.company() if crowd is not None else None
        if joined is not None:
            waits.add(joined)
        try:
            done, _ = await asyncio.wait(
                waits, timeout=max(left, 0.0), return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            if crowd is not None and joined is not None:
                crowd.forget(joined)
        if task not in done:
            await self.defer(ephemeral)
        return await task

    async def defer(self, ephemeral: bool = True) -> None:
        if self.answered:
            return
        try:
            await self.interaction.response.defer(ephemeral=ephemeral, thinking=True)
        except discord.HTTPException as exc:
            self._refused("defer", exc)
        finally:
            self.release()

    async def modal(self, modal: discord.ui.Modal) -> bool:
        """Open a form as the callback; False when Discord refused (late, or answered)."""
        if self.answered:
            log.warning("interaction %s was answered already; no form opened", self.interaction.id)
            return False
        # Stopped, so discord.py keeps no copy: submissions are recognised by their custom_id.
        modal.stop()
        try:
            await self.interaction.response.send_modal(modal)
        except discord.HTTPException as exc:
            self._refused("open a form", exc)
            return False
        finally:
            self.release()
        return True

    async def send(self, payloads: Sequence[DiscordPayload], ephemeral: bool = True) -> bool:
        """Send the parts in order, the first as the callback when there was none yet."""
        for payload in payloads:
            if self.gone:
                return False
            try:
                await self._send_one(payload, ephemeral)
            except discord.HTTPException as exc:
                if not payload.files or exc.code in (UNKNOWN_INTERACTION, ALREADY_ACKNOWLEDGED):
                    self._refused("reply", exc)
                    return False
                # The text carries every number the picture shows: it goes out without it.
                log.warning(
                    "interaction %s: could not attach a file (%s); sent the text alone",
                    self.interaction.id,
                    exc,
                )
                try:
                    await self._send_one(without_files(payload), ephemeral)
                except discord.HTTPException as again:
                    self._refused("reply", again)
                    return False
            finally:
                self.release()
            self.sent += 1
        return True

    async def _send_one(self, payload: DiscordPayload, ephemeral: bool) -> None:
        kwargs = message_kwargs(payload)
        if not self.interaction.response.is_done():
            await self.interaction.response.send_message(ephemeral=ephemeral, **kwargs)
        else:
            await self.interaction.followup.send(ephemeral=ephemeral, **kwargs)

    async def close(self, note: str) -> None:
        """Make sure the person is not left with "thinking…" or a failed interaction."""
        if self.sent or self.gone:
            return
        try:
            if not self.interaction.response.is_done():
                await self.interaction.response.send_message(
                    note, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
                )
            else:
                await self.interaction.followup.send(
                    note, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
                )
        except discord.HTTPException as exc:
            self._refused("close", exc)
        finally:
            self.release()

    def _refused(self, what: str, exc: discord.HTTPException) -> None:
        elapsed = time.monotonic() - self.started
        if exc.code == UNKNOWN_INTERACTION:
            self.gone = True
            log.warning(
                "interaction %s: Discord gave up on it before we could %s (%.1fs after it "
                "arrived); the reply is dropped",
                self.interaction.id,
                what,
                elapsed,
            )
        elif exc.code == ALREADY_ACKNOWLEDGED:
            self.gone = True
            log.warning(
                "interaction %s was answered already (a second delivery?); not answered twice",
                self.interaction.id,
            )
        else:
            log.warning("interaction %s: could not %s: %s", self.interaction.id, what, exc)
            if not self.interaction.response.is_done():
                self.gone = True
