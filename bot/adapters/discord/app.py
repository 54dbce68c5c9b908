"""What people do in Discord, handed to the core, and the core's replies sent back.

- ``/drill ...`` (``commands.py``) becomes ``Engine.command`` with the text it stands for;
- a button is recognised by its ``custom_id`` alone (``custom_ids.decode``: the id carries
  what the click means, so drills posted before a restart keep working) and opens an answer
  form or calls ``Engine.pick`` / ``Engine.set_paused``. Clicks are taken straight off the
  gateway (``take_clicks``), without the message clicked on, unless the click opens a form
  that quotes it: discord.py would parse that message into a ``Message`` and, through a
  ``DynamicItem``, rebuild a ``View`` from it for every click, CPU that the acknowledgements of
  a burst of clicks cannot spare;
- a form submission is recognised by its ``custom_id`` (``custom_ids.parse_modal_id``) and
  becomes ``Engine.answer`` or ``Engine.incident_form``;
- a direct message, or a reply in a thread, becomes ``Engine.message`` (mock incidents).

Every interaction is answered within Discord's three seconds (``respond.Responder``), once:
a burst is acknowledged first (deferred) and its work done after (``respond.Crowd``), and an
interaction Discord delivers again (after a RESUME) is recognised by its id and not handled a
second time. The core's replies go where their visibility says: PRIVATE as an ephemeral reply
to the interaction, CHANNEL as a message in the channel, DIRECT as a direct message. In a
direct message with the bot everything is private anyway, so replies there are ordinary
messages in the conversation (an ephemeral one would vanish, and a stage prompt's Answer button
with it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import discord

from bot.adapters.discord import custom_ids, forms, translate
from bot.adapters.discord.chat import DiscordChat
from bot.adapters.discord.render import (
    drill_answer_modal,
    incident_answer_modal,
    render,
    render_cached,
)
from bot.adapters.discord.respond import Crowd, Responder
from bot.adapters.discord.state import DiscordState
from bot.messaging.message import Action, Context, Message, Replies, Visibility
from bot.messaging.port import ChatError
from bot.observability import context as log_context
from bot.services import views
from bot.services.answers import Actor
from bot.services.commands import Where
from bot.services.engine import Engine
from bot.services.store import StoreUnavailable

log = logging.getLogger("drillbot.discord")

Interaction = discord.Interaction[Any]

NO_SERVER = (
    "I can't tell which server this is for: drillbot keeps your drills per server. Use "
    "`/drill` in a server where drillbot is first (e.g. `/drill incident start`)."
)
CANNOT_POST = (
    "I could not post this in the channel: I need View Channel, Send Messages and Embed Links "
    "there (ask an admin, or invite me again with `drillbot discord invite-url`)."
)
CANNOT_DM = (
    "I could not send you a direct message: allow direct messages from this server's members "
    "(the server's Privacy Settings), then `/drill incident resume`; or start it with "
    "`here:True` to run it in a thread."
)
BUTTON_PREFIX = f"{custom_ids.PREFIX}:"
"""Every drillbot button's ``custom_id`` starts so (``custom_ids.encode``)."""
OUT_OF_DATE = "That button is out of date. Use `/drill help` to see what you can do."
PARENTS = 10_000
"""Uncached channels remembered as threads (with their parent) or not."""
HANDLED = 10_000
"""Interaction ids remembered as handled, so that one Discord delivers again is not handled
twice (a redelivery comes within seconds, after a RESUME)."""
FAILED = "Something went wrong on drillbot's side while handling that. Please try again."


class InFlight:
    """Counts the actions being handled, so a stopping process can let them finish."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def __enter__(self) -> None:
        self.count += 1
        self._idle.clear()

    def __exit__(self, *exc: object) -> None:
        self.count -= 1
        if self.count == 0:
            self._idle.set()

    async def wait(self, timeout: float) -> bool:
        """True when every action finished within ``timeout`` seconds."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


@dataclass
class Origin:
    """Where one action's replies go."""

    workspace_id: str
    user_id: str
    where: Where
    responder: Responder | None = None
    dm_channel: int | None = None
    """The direct conversation a message came from: replies to it go there."""
    direct_here: bool = False
    """DIRECT replies answer the interaction itself: a form is submitted where its session's
    prompt was (the DM, or a thread whose replies the core posts itself), so what is left for
    the person (an error, a stage that passed) is best said right there."""
    posted: bool = False
    sent_dm: bool = False

    @property
    def in_dm(self) -> bool:
        return self.where.channel_id is None and self.where.thread is None


class DiscordApp:
    def __init__(self, engine: Engine, chat: DiscordChat, state: DiscordState) -> None:
        self.engine = engine
        self.chat = chat
        self.state = state
        self._parents: dict[int, int | None] = {}
        self.in_flight = InFlight()
        self.crowd = Crowd()
        self._handled: dict[int, None] = {}
        self._clicks: set[asyncio.Task[None]] = set()

    def _first_delivery(self, interaction: Interaction) -> bool:
        """False for an interaction handled already (Discord delivered it again): its callback
        was made, or is being made, by the first delivery, and a second pick, answer or command
        would be the same one twice."""
        if interaction.id in self._handled:
            log.info("interaction %s was delivered again; it is handled once", interaction.id)
            return False
        self._handled[interaction.id] = None
        while len(self._handled) > HANDLED:
            del self._handled[next(iter(self._handled))]
        return True

    @contextlib.contextmanager
    def _responding(self, interaction: Interaction) -> Iterator[Responder]:
        """The interaction's responder, counted in the crowd until its callback is made."""
        responder = Responder(interaction, crowd=self.crowd)
        try:
            with log_context.bound(
                request_id=str(interaction.id),
                workspace=str(interaction.guild_id) if interaction.guild_id else None,
                channel=str(interaction.channel_id) if interaction.channel_id else None,
            ):
                yield responder
        finally:
            responder.release()

    # --- slash commands ------------------------------------------------------------------
    async def command(self, interaction: Interaction, text: str) -> None:
        if not self._first_delivery(interaction):
            return
        with self.in_flight, self._responding(interaction) as responder:
            await self._command(interaction, responder, text)

    async def _command(self, interaction: Interaction, responder: Responder, text: str) -> None:
        in_dm = interaction.guild_id is None

        async def work() -> tuple[Origin, Replies] | None:
            workspace = await self._workspace(interaction)
            if workspace is None:
                return None
            who = translate.who(interaction, workspace)
            where = translate.where(interaction)
            replies = await self.engine.command(
                who.actor(), where, text, translate.delivery(interaction)
            )
            return Origin(workspace, who.user_id, where, responder), replies

        try:
            done = await responder.run(work(), ephemeral=not in_dm)
        except Exception:
            log.exception("handling /drill %s failed", text.split(" ", 1)[0])
            await responder.send(render(views.error(FAILED)), ephemeral=not in_dm)
            return
        if done is None:
            await responder.send(render(views.error(NO_SERVER)), ephemeral=not in_dm)
            return
        await self.deliver(*done)

    # --- buttons -------------------------------------------------------------------------
    async def on_click(self, interaction: Interaction, meaning: tuple[Action, str] | None) -> None:
        """A click on one of drillbot's buttons; ``meaning`` None when its id is out of date."""
        with self.in_flight, self._responding(interaction) as responder:
            await self._click(interaction, responder, meaning)

    async def _click(
        self, interaction: Interaction, responder: Responder, meaning: tuple[Action, str] | None
    ) -> None:
        action, value = meaning if meaning is not None else (None, "")
        if action is Action.ANSWER_OPEN:
            spec = forms.with_question(drill_answer_modal(value), interaction.message, False)
            await responder.modal(forms.modal_of(spec))
            return
        if action is Action.ANSWER_INCIDENT:
            spec = forms.with_question(incident_answer_modal(value), interaction.message, True)
            await responder.modal(forms.modal_of(spec))
            return
        ephemeral = interaction.guild_id is not None

        async def work() -> Message:
            workspace = await self._workspace(interaction)
            if workspace is None:
                return views.error(NO_SERVER)
            actor = translate.who(interaction, workspace).actor()
            if action is Action.PICK:
                return await self.engine.pick(actor, value, translate.delivery(interaction))
            if action in (Action.PAUSE, Action.RESUME) and value.isdigit():
                return await self.engine.set_paused(actor, int(value), action is Action.PAUSE)
            if action in (Action.RATE, Action.PRACTICE):
                return await self.engine.button(actor, action, value)
            return views.error(OUT_OF_DATE)

        try:
            message = await responder.run(work(), ephemeral)
        except Exception:
            log.exception("handling a %s click failed", action)
            message = views.error(FAILED)
        # Feedback repeats itself (one message per option of a drill): rendered once.
        await responder.send(render_cached(message), ephemeral)

    def take_clicks(self, client: discord.Client) -> None:
        """Take drillbot's button clicks as the gateway delivers them, before discord.py
        builds and dispatches them (``on_interaction`` still takes any that come that way).

        A click's payload carries the whole message clicked on (a drill's embed), which
        discord.py parses for every click; only a click that opens a form needs it (the form
        quotes the question), so every other click is built without it. Installed before the
        client connects: each gateway connection reads the state's parsers (discord.py's
        ``ConnectionState.parsers``, one per gateway event)."""
        state = client._connection
        parse_all = state.parsers["INTERACTION_CREATE"]

        def parse(data: Any) -> None:
            try:
                lean = _lean_click(data)
                interaction = None if lean is None else Interaction(data=lean[0], state=state)
            except Exception:  # raised into the gateway, it would end the connection
                log.exception("could not read a click; discord.py takes it")
                lean = interaction = None
            if lean is None or interaction is None:
                parse_all(data)
                return
            task = asyncio.create_task(self._take_click(interaction, lean[1]))
            self._clicks.add(task)
            task.add_done_callback(self._clicks.discard)

        state.parsers["INTERACTION_CREATE"] = parse

    async def _take_click(
        self, interaction: Interaction, meaning: tuple[Action, str] | None
    ) -> None:
        try:
            if self._first_delivery(interaction):
                await self.on_click(interaction, meaning)
        except Exception:  # discord.py's dispatch would have logged it: so does this
            log.exception("handling the click %s failed", interaction.id)

    # --- buttons and forms ---------------------------------------------------------------
    async def on_interaction(self, interaction: Interaction) -> None:
        """Clicks and form submissions; slash commands reach ``command`` through the tree."""
        kind = interaction.type
        if kind is discord.InteractionType.component:
            data: Any = interaction.data or {}
            custom_id = str(data.get("custom_id") or "")
            if not custom_id.startswith(BUTTON_PREFIX) or not self._first_delivery(interaction):
                return  # not one of drillbot's buttons, or handled already
            await self.on_click(interaction, custom_ids.decode(custom_id))
        elif kind is discord.InteractionType.modal_submit:
            if not self._first_delivery(interaction):
                return
            with self.in_flight, self._responding(interaction) as responder:
                await self._form(interaction, responder)

    async def _form(self, interaction: Interaction, responder: Responder) -> None:
        data: Any = interaction.data or {}
        found = custom_ids.parse_modal_id(str(data.get("custom_id") or ""))
        if found is None:
            return
        kind, value = found
        text = forms.submitted(data, custom_ids.ANSWER_FIELD) or ""
        in_dm = interaction.guild_id is None

        async def work() -> tuple[Origin, Replies] | None:
            workspace = await self._workspace(interaction)
            if workspace is None:
                return None
            who = translate.who(interaction, workspace)
            where = translate.where(interaction)
            origin = Origin(workspace, who.user_id, where, responder, direct_here=True)
            delivery = translate.delivery(interaction)
            if kind == custom_ids.INCIDENT_MODAL:
                replies = await self.engine.incident_form(who.actor(), value, text, delivery)
                return origin, replies or Replies().private(views.error(OUT_OF_DATE))
            if not value.isdigit():
                return origin, Replies().private(views.error(OUT_OF_DATE))
            feedback = await self.engine.answer(who.actor(), int(value), text, delivery)
            return origin, Replies().private(feedback)

        try:
            done = await responder.run(work(), ephemeral=not in_dm)
        except Exception:
            log.exception("handling a %s form failed", kind)
            await responder.send(render(views.error(FAILED)), ephemeral=not in_dm)
            return
        if done is None:
            await responder.send(render(views.error(NO_SERVER)), ephemeral=not in_dm)
            return
        await self.deliver(*done)

    # --- messages ------------------------------------------------------------------------
    async def on_message(self, message: discord.Message) -> None:
        with self.in_flight:
            await self._message(message)

    async def _message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id is not None or not message.content.strip():
            return  # without the Message Content intent a thread reply arrives empty
        channel = message.channel
        user = str(message.author.id)
        if message.guild is None:
            workspace = await self._dm_workspace(user)
            if workspace is None:
                await self._say(channel.id, views.error(NO_SERVER))
                return
            origin = Origin(workspace, user, Where(None, ""), dm_channel=channel.id)
        else:
            parent = await self._thread_parent(channel)
            if parent is None:
                return  # channel chatter is none of drillbot's business
            # A thread made from a message has its id: the core knows it as that message.
            where = Where(str(parent), "", thread=str(channel.id))
            origin = Origin(str(message.guild.id), user, where)
        actor = Actor(
            origin.workspace_id, user, translate.display_name(message.author), False, "discord"
        )
        replies = await self.engine.message(
            actor, origin.where, message.content, translate.message_delivery(message)
        )
        if replies is not None:
            await self.deliver(origin, replies)

    async def _thread_parent(self, channel: Any) -> int | None:
        """The channel of a thread the bot started (where a mock incident runs `here`); None
        for any other channel, so chatter in people's own threads never reaches the core. A
        thread the client has not seen (archived while it was away) is asked for once."""
        if isinstance(channel, discord.Thread):
            return channel.parent_id if self._started_by_bot(channel) else None
        if not isinstance(channel, discord.PartialMessageable):
            return None
        if channel.id in self._parents:
            return self._parents[channel.id]
        try:
            found = await self.chat.client.fetch_channel(channel.id)
        except discord.HTTPException as exc:
            log.info("could not tell what channel %s is: %s", channel.id, exc)
            return None
        ours = isinstance(found, discord.Thread) and self._started_by_bot(found)
        parent = found.parent_id if isinstance(found, discord.Thread) and ours else None
        self._parents[channel.id] = parent
        while len(self._parents) > PARENTS:
            del self._parents[next(iter(self._parents))]
        return parent

    def _started_by_bot(self, thread: discord.Thread) -> bool:
        me = self.chat.client.user
        return me is not None and thread.owner_id == me.id

    async def _say(self, channel: int, message: Message) -> None:
        try:
            await self.chat.post_in(channel, message)
        except ChatError as exc:
            log.warning("could not answer in %s: %s", channel, exc)

    # --- servers -------------------------------------------------------------------------
    async def on_guild_join(self, guild: discord.Guild) -> None:
        workspace = str(guild.id)
        try:
            await self.engine.deps.retrying("recording a server", lambda: self._record(guild))
            resumed = await self._resume_left(workspace)
        except StoreUnavailable as exc:
            log.error("could not record the server %s: %s", workspace, exc)
            return
        log.info("joined the server %s (%d schedules resumed)", workspace, resumed)

    async def _record(self, guild: discord.Guild) -> None:
        async with self.engine.deps.store.transaction() as tx:
            await tx.ensure_workspace(str(guild.id), translate.PLATFORM, guild.name)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Leaving keeps every drill, answer and point, and pauses the server's schedules, so
        nothing is posted where the bot cannot post; joining again resumes them."""
        workspace = str(guild.id)
        try:
            paused = await self.engine.deps.retrying(
                "pausing a server", lambda: self._pause_all(workspace)
            )
            if paused:
                await self.state.put(_left_key(workspace), ",".join(map(str, paused)))
        except StoreUnavailable as exc:
            log.error("could not pause the schedules of the server %s: %s", workspace, exc)
            return
        await self._schedules_changed()
        log.info("left the server %s; %d schedules paused, data kept", workspace, len(paused))

    async def _pause_all(self, workspace: str) -> list[int]:
        paused: list[int] = []
        async with self.engine.deps.store.transaction() as tx:
            for channel in await tx.channels(workspace):
                if channel.schedule is not None and not channel.schedule.paused:
                    await tx.save_schedule(channel.id, replace(channel.schedule, paused=True))
                    paused.append(channel.id)
        return paused

    async def _resume_left(self, workspace: str) -> int:
        stored = await self.state.get(_left_key(workspace))
        if not stored:
            return 0
        ids = [int(part) for part in stored.split(",") if part.isdigit()]

        async def resume() -> int:
            resumed = 0
            async with self.engine.deps.store.transaction() as tx:
                for channel_id in ids:
                    channel = await tx.get_channel(channel_id)
                    if channel is not None and channel.schedule is not None:
                        await tx.save_schedule(channel.id, replace(channel.schedule, paused=False))
                        resumed += 1
            return resumed

        resumed = await self.engine.deps.retrying("resuming a server", resume)
        await self.state.delete(_left_key(workspace))
        await self._schedules_changed()
        return resumed

    async def _schedules_changed(self) -> None:
        notify = self.engine.deps.on_schedule_change
        if notify is not None:
            await notify()

    # --- replies -------------------------------------------------------------------------
    async def deliver(self, origin: Origin, replies: Replies) -> None:
        items = replies.items
        if origin.responder is not None and not origin.responder.answered:
            # The first private reply is the interaction's callback, due within 3 s of the
            # click: it goes before any channel post or DM, which may be slow.
            items = sorted(items, key=lambda reply: reply.visibility is not Visibility.PRIVATE)
        for reply in items:
            try:
                await self._deliver_one(origin, reply.message, reply.visibility)
            except ChatError as exc:
                log.warning("could not deliver a reply to %s: %s", origin.user_id, exc)
        if origin.responder is not None:
            note = (
                "Posted in the channel."
                if origin.posted
                else "Sent you a direct message."
                if origin.sent_dm
                else "Done."
            )
            await origin.responder.close(note)

    async def _deliver_one(self, origin: Origin, message: Message, visibility: Visibility) -> None:
        channel = origin.where.channel_id
        public = visibility is Visibility.CHANNEL and channel is not None
        direct = visibility is Visibility.DIRECT and not origin.in_dm and not origin.direct_here
        if (public or direct) and origin.responder is not None:
            # Nothing private answered the interaction: say "thinking…" before a slow send.
            await origin.responder.defer(ephemeral=not origin.in_dm)
        if public and channel is not None:
            try:
                await self.chat.post(origin.workspace_id, channel, message)
                origin.posted = True
                return
            except ChatError as exc:
                log.info("posting in %s failed (%s); answering privately instead", channel, exc)
                message = _noted(message, CANNOT_POST)
        elif direct:
            try:
                await self.chat.send_direct(origin.workspace_id, origin.user_id, message)
                origin.sent_dm = True
                return
            except ChatError as exc:
                log.info("a direct message to %s failed (%s)", origin.user_id, exc)
                message = _noted(message, CANNOT_DM)
        await self._private(origin, message)

    async def _private(self, origin: Origin, message: Message) -> None:
        responder = origin.responder
        if responder is not None and not responder.gone:
            payloads = render_cached(message)
            if await responder.send(payloads, ephemeral=not origin.in_dm):
                return
        if origin.dm_channel is not None:
            await self.chat.post_in(origin.dm_channel, message)
        elif origin.in_dm:
            # The interaction is gone, but a stage prompt must still reach the person.
            await self.chat.send_direct(origin.workspace_id, origin.user_id, message)
        elif responder is None:
            await self.chat.post_private(
                origin.workspace_id, origin.where.channel_id or "", origin.user_id, message
            )
        else:
            log.info("dropped a private reply to %s: its interaction is gone", origin.user_id)

    # --- workspaces ----------------------------------------------------------------------
    async def _workspace(self, interaction: Interaction) -> str | None:
        if interaction.guild_id is not None:
            return str(interaction.guild_id)
        return await self._dm_workspace(str(interaction.user.id))

    async def _dm_workspace(self, user: str) -> str | None:
        try:
            return await self.state.dm_workspace(user)
        except StoreUnavailable as exc:
            log.warning("could not tell the server of %s's direct message: %s", user, exc)
            return None


FORM_ACTIONS = (Action.ANSWER_OPEN, Action.ANSWER_INCIDENT)
"""Buttons that open a form: the form quotes the message clicked on."""


def _lean_click(data: Any) -> tuple[Any, tuple[Action, str] | None] | None:
    """A click on a drillbot button that opens no form, as (the payload without the message
    clicked on, its meaning); None for any other interaction."""
    if not isinstance(data, dict) or data.get("type") != discord.InteractionType.component.value:
        return None
    inner = data.get("data")
    custom_id = inner.get("custom_id") if isinstance(inner, dict) else None
    if not isinstance(custom_id, str) or not custom_id.startswith(BUTTON_PREFIX):
        return None
    meaning = custom_ids.decode(custom_id)
    if meaning is not None and meaning[0] in FORM_ACTIONS:
        return None
    click = dict(data)
    click.pop("message", None)
    return click, meaning


def _noted(message: Message, note: str) -> Message:
    return replace(message, blocks=(*message.blocks, Context(note)))


def _left_key(workspace: str) -> str:
    return f"left:{workspace}"
