"""The console channel: a team channel in the terminal, on the real engine and database.

From a terminal it is interactive and its clock follows real time (``:advance`` jumps ahead);
with a script on stdin it replays the lines in order and its clock moves only when told.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import Iterable
from typing import TextIO

from bot.adapters.console.chat import ConsoleChat
from bot.adapters.console.script import (
    HELP,
    Advance,
    At,
    Help,
    Nothing,
    Quit,
    Say,
    ScriptError,
    parse_line,
)
from bot.messaging.message import Replies, Visibility
from bot.scheduling.clock import ManualClock
from bot.scheduling.virtual import VirtualTime
from bot.services.answers import Actor
from bot.services.commands import Where
from bot.services.engine import Engine

WORKSPACE = "console"
CHANNEL = "team"
ADMIN = "you"
"""The user id of lines typed without `@name`: the person at the terminal, "you" in the
console's own labels ("visible only to you")."""
ADMIN_NAME = "admin"
"""Their display name, for texts about them in the third person ("admin's session", the
boards), where "you" reads wrong. The same on every machine, so a script's transcript is too."""

CONNECT_HINT = (
    "No Slack or Discord credentials found, so drillbot runs this console channel. To connect "
    "Slack set SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET "
    "(HTTP); for Discord set DISCORD_TOKEN. See the README."
)
USAGE = (
    "Type `/drill help`. `@alice /drill pick B` speaks as alice in #team, `@alice dm: ...` "
    "writes to the bot directly, `@alice in m3: ...` replies in the thread of message [m3], "
    "`:advance 2h` or `:at 2026-12-01T09:30` moves the clock, `:help` lists all of this, "
    "`:quit` leaves."
)


class ConsoleApp:
    def __init__(self, engine: Engine, clock: ManualClock, chat: ConsoleChat, zone: str) -> None:
        self.engine = engine
        self.clock = clock
        self.chat = chat
        self.zone = zone
        self.time = VirtualTime(clock, engine)
        self._line_no = 0
        self.quit = False
        """Set by `:quit`: read no more lines."""

    async def handle_line(self, line: str) -> None:
        self._line_no += 1
        try:
            parsed = parse_line(line, self.zone)
        except ScriptError as exc:
            self.chat.note(f"line {self._line_no}: {exc}")
            return
        match parsed:
            case Nothing():
                return
            case Help():
                for help_line in HELP.splitlines():
                    self.chat.note(help_line)
            case Quit():
                self.quit = True
            case Advance(delta=delta):
                await self.time.advance(delta)
            case At(instant=instant):
                try:
                    await self.time.advance_to(instant)
                except ValueError as exc:
                    self.chat.note(f"line {self._line_no}: {exc}")
            case Say(user=user, text=text, direct=direct, thread=thread) if thread:
                await self._say_in_thread(user, text, thread)
            case Say(user=user, text=text, direct=direct):
                await self._say(user, text, direct)

    def _actor(self, user: str) -> Actor:
        name = ADMIN_NAME if user == ADMIN else user
        return Actor(WORKSPACE, user, name, is_admin=user == ADMIN, platform="console")

    async def _say(self, user: str, text: str, direct: bool) -> None:
        actor = self._actor(user)
        where = Where(None if direct else CHANNEL, "" if direct else CHANNEL)
        delivery = f"console:{self._line_no}:{self.clock.now().isoformat()}"
        if text.startswith("/drill") or (direct and not text.startswith("/")):
            replies: Replies | None
            if text.startswith("/drill"):
                replies = await self.engine.command(actor, where, text, delivery)
            else:
                replies = await self.engine.message(actor, where, text, delivery)
                if replies is None:
                    replies = await self.engine.command(actor, where, text, delivery)
            await self._deliver(actor, where, replies)
        elif text.startswith("/"):
            self.chat.note(f"unknown slash command {text.split()[0]}; drillbot answers to /drill")
        # Other channel chatter is not for the bot.

    async def _say_in_thread(self, user: str, text: str, thread: str) -> None:
        actor = self._actor(user)
        where = Where(CHANNEL, CHANNEL, thread=thread)
        delivery = f"console:{self._line_no}:{self.clock.now().isoformat()}"
        replies = await self.engine.message(actor, where, text, delivery)
        if replies is None and text.startswith("/drill"):
            # Not an incident's thread: a command, which may be about the drill posted as
            # [thread] (`@alice in m7: /drill pick B`).
            replies = await self.engine.command(actor, where, text, delivery)
        if replies is None:
            self.chat.note(
                f"{user} wrote in the thread of [{thread}]; the bot is not waiting there"
            )
            return
        await self._deliver(actor, where, replies)

    async def _deliver(self, actor: Actor, where: Where, replies: Replies) -> None:
        for reply in replies.items:
            if reply.visibility is Visibility.CHANNEL and where.channel_id:
                await self.chat.post(WORKSPACE, where.channel_id, reply.message)
            elif reply.visibility is Visibility.DIRECT or where.channel_id is None:
                await self.chat.send_direct(WORKSPACE, actor.user_id, reply.message)
            else:
                await self.chat.post_private(
                    WORKSPACE, where.channel_id, actor.user_id, reply.message
                )

    async def replay(self, lines: Iterable[str]) -> None:
        for line in lines:
            await self.handle_line(line.rstrip("\n"))
            if self.quit:
                break
        await self.engine.answers.flush()

    async def interactive(self, stdin: TextIO = sys.stdin) -> None:
        """Read lines as they are typed while the clock follows real time."""
        self.chat.note(USAGE)
        started_real = dt.datetime.now(dt.UTC)
        started_virtual = self.clock.now()
        offset = dt.timedelta()

        async def follow_real_time() -> None:
            while True:
                await asyncio.sleep(1)
                target = started_virtual + (dt.datetime.now(dt.UTC) - started_real) + offset
                if target > self.clock.now():
                    await self.time.advance_to(target)

        follower = asyncio.create_task(follow_real_time())
        try:
            while True:
                line = await asyncio.to_thread(stdin.readline)
                if not line:
                    break
                before = self.clock.now()
                await self.handle_line(line)
                offset += self.clock.now() - before
                if self.quit:
                    break
        finally:
            follower.cancel()
        await self.engine.answers.flush()
