"""The Bolt app's listeners: every Slack request is acknowledged first, then handled.

Each listener translates the payload (``translate``), acknowledges at once, and hands the
rest to ``Background``: users.info (cached), the engine, and the replies rendered for Slack.
Bolt runs with ``process_before_response=True`` so the HTTP response goes back as soon as the
listener returns, with no polling; the only work done before acknowledging is the schedule
form's submission, whose answer (close the modal, or show the core's error on a field) depends
on the core, and even that is bounded by ``ACK_BUDGET``. (Over HTTP, signed button clicks are
even acknowledged before Bolt dispatches them: see ``SlackRuntime.events``.)

Background work runs at most ``workers`` at a time, so a burst of clicks cannot starve the
event loop that acknowledges the next ones (nor exhaust the database pool). Opening a modal is
urgent (its trigger_id expires three seconds after the click) and skips that queue. Engine
calls retry while the database is briefly unreachable (the engine does it for commands,
clicks, answers and messages; reading the Home tab and the schedule form's defaults retry
here): the delivery key makes a second attempt harmless, so an acknowledged click is not lost
to a locked database.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Coroutine
from dataclasses import dataclass, replace
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext

from bot.adapters.slack import modals, translate
from bot.adapters.slack.chat import People, SlackChat
from bot.adapters.slack.render import ACTION_PREFIX, home_view, home_view_again
from bot.domain import commands as cmd
from bot.domain.model import Schedule
from bot.messaging.message import Action, Context, Message, Replies, Visibility
from bot.messaging.port import ChatError
from bot.services.commands import Where
from bot.services.engine import Engine
from bot.services.store import StoreUnavailable

log = logging.getLogger("drillbot.slack")

WORKERS = 16
"""Background work in flight at once. Each piece spends most of its time waiting (for the
database's thread, for Slack), so with 8 the event loop sat idle for about half of the time it
took to give 500 clickers their feedback (bench/slack_clicks.py: last feedback 1.2-2.0 s with 8,
1.3-1.5 s with 16). 16 is about what the database pool holds (5 connections and 10 more)."""

ACK_BUDGET = 2.0
"""Seconds the schedule form waits for the core before acknowledging anyway (Slack allows 3)."""

Payload = dict[str, Any]


def _action_pattern(action: Action) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(ACTION_PREFIX + action.value)}\.\d+$")


class Background:
    """Work done after the acknowledgement, tracked so it can be awaited and is never lost
    to the garbage collector.

    Acknowledgements come first: while requests keep arriving (a burst of clicks), queued work
    waits for a quiet moment, but never longer than ``max_defer`` seconds from the burst's
    start, so steady traffic cannot starve it. Work nobody is waiting for (``idle=True``:
    learning the display names of people who clicked) goes last: it starts once no other work
    is pending and requests have paused for ``idle_quiet`` seconds, or after ``idle_max``
    seconds whatever the traffic, a few at a time.
    """

    def __init__(
        self,
        workers: int = WORKERS,
        quiet: float = 0.003,
        max_defer: float = 0.5,
        idle_workers: int = 2,
        idle_quiet: float = 0.25,
        idle_max: float = 10.0,
    ) -> None:
        self._limit = asyncio.Semaphore(workers)
        self._idle_limit = asyncio.Semaphore(idle_workers)
        self._tasks: set[asyncio.Task[None]] = set()
        self._busy: set[asyncio.Task[None]] = set()
        """The tasks someone is waiting for (all but the idle ones)."""
        self.quiet = quiet
        self.max_defer = max_defer
        self.idle_quiet = idle_quiet
        self.idle_max = idle_max
        self._last_request = 0.0
        self._burst_started = 0.0
        self._idle_watch: asyncio.Future[None] | None = None

    def request_arrived(self) -> None:
        now = time.monotonic()
        if now - self._last_request > self.quiet:
            self._burst_started = now
        self._last_request = now

    async def _quiet_moment(self) -> None:
        while True:
            now = time.monotonic()
            if (
                now - self._last_request >= self.quiet
                or now - self._burst_started >= self.max_defer
            ):
                return
            await asyncio.sleep(self.quiet)

    def _is_idle(self) -> bool:
        return not self._busy and time.monotonic() - self._last_request >= self.idle_quiet

    async def _idle_moment(self) -> None:
        """Wait for an idle moment, on one watcher shared by every idle task: after a burst,
        hundreds of queued name lookups each polling the clock woke the loop thousands of
        times a second, away from the feedback they were meant to wait behind."""
        if self._is_idle():
            return
        if self._idle_watch is None or self._idle_watch.done():
            self._idle_watch = asyncio.ensure_future(self._watch_idle())
        try:
            async with asyncio.timeout(self.idle_max):
                await asyncio.shield(self._idle_watch)
        except TimeoutError:
            pass  # waited long enough whatever the traffic

    async def _watch_idle(self) -> None:
        while not self._is_idle():
            await asyncio.sleep(self.idle_quiet / 5)

    def spawn(
        self, work: Coroutine[Any, Any, None], urgent: bool = False, idle: bool = False
    ) -> None:
        task = asyncio.ensure_future(self._run(work, urgent, idle))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if not idle:
            self._busy.add(task)
            task.add_done_callback(self._busy.discard)

    async def _run(self, work: Coroutine[Any, Any, None], urgent: bool, idle: bool) -> None:
        try:
            if urgent:
                await work
            elif idle:
                await self._idle_moment()
                async with self._idle_limit:
                    await work
            else:
                async with self._limit:
                    await self._quiet_moment()
                    await work
        except Exception:
            log.exception("handling a Slack request failed after it was acknowledged")
        finally:
            work.close()  # a no-op once it ran; stops a "never awaited" warning if cancelled

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def drain(self, timeout: float | None = None) -> None:
        """Wait until no work is left (work may start more work)."""
        async with asyncio.timeout(timeout):
            while self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def cancel(self) -> None:
        if self._idle_watch is not None:
            self._idle_watch.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)


@dataclass(frozen=True)
class Origin:
    """Where replies to one request go."""

    team_id: str
    user_id: str
    where: Where
    response_url: str = ""


class SlackListeners:
    def __init__(
        self, engine: Engine, chat: SlackChat, people: People, background: Background
    ) -> None:
        self.engine = engine
        self.chat = chat
        self.people = people
        self.background = background

    def register(self, app: AsyncApp) -> None:
        app.command("/drill")(self.on_command)
        app.action(_action_pattern(Action.PICK))(self.on_pick)
        app.action(_action_pattern(Action.ANSWER_OPEN))(self.on_answer_open)
        app.action(_action_pattern(Action.ANSWER_INCIDENT))(self.on_incident_open)
        app.action(_action_pattern(Action.RATE))(self.on_button)
        app.action(_action_pattern(Action.PRACTICE))(self.on_button)
        app.action(_action_pattern(Action.PAUSE))(self.on_pause)
        app.action(_action_pattern(Action.RESUME))(self.on_resume)
        app.view(modals.ANSWER_CALLBACK)(self.on_answer_submit)
        app.view(modals.SETUP_CALLBACK)(self.on_setup_submit)
        app.view(modals.INCIDENT_CALLBACK)(self.on_incident_submit)
        app.event("app_home_opened")(self.on_home_opened)
        app.event("message")(self.on_message)

    # --- slash command -------------------------------------------------------------------
    async def on_command(self, ack: AsyncAck, command: Payload, context: AsyncBoltContext) -> None:
        await ack()
        opens_a_form = _bare_setup(translate.command_text(command))  # trigger_id lasts 3 s
        self.background.spawn(self._command(command, context.team_id), urgent=opens_a_form)

    async def _command(self, command: Payload, team: str | None) -> None:
        who = translate.command_who(command, team)
        where = translate.command_where(command)
        origin = Origin(who.team_id, who.user_id, where, str(command.get("response_url") or ""))
        profile = await self.people.profile(who.team_id, who.user_id, who.name)
        actor = who.actor(profile.name, profile.is_admin)
        text = translate.command_text(command)
        if actor.is_admin and where.channel_id and _bare_setup(text):
            trigger = str(command.get("trigger_id") or "")
            if await self._open_setup(who.team_id, trigger, where):
                return
        replies = await self.engine.command(actor, where, text, translate.command_delivery(command))
        await self._send(replies, origin)

    async def _open_setup(self, team: str, trigger_id: str, where: Where) -> bool:
        assert where.channel_id is not None
        current = await self._schedule(team, where.channel_id)
        view = modals.setup_modal(
            modals.SetupContext(where.channel_id, where.channel_name), current
        )
        try:
            await self.chat.open_view(team, trigger_id, view)
        except ChatError as exc:
            log.warning("could not open the schedule form (%s); showing the schedule instead", exc)
            return False
        return True

    async def _schedule(self, team: str, channel_id: str) -> Schedule | None:
        async def read() -> Schedule | None:
            async with self.engine.deps.store.transaction(read_only=True) as tx:
                channel = await tx.find_channel(team, channel_id)
            return channel.schedule if channel else None

        return await self.engine.deps.retrying("reading a schedule", read)

    # --- buttons -------------------------------------------------------------------------
    async def on_pick(
        self, ack: AsyncAck, body: Payload, action: Payload, context: AsyncBoltContext
    ) -> None:
        await ack()
        self.background.spawn(self._pick(body, action, context.team_id))

    async def _pick(self, body: Payload, action: Payload, team: str | None) -> None:
        who, origin = _clicked(body, team)
        # A pick needs no display name and no admin rights: recorded at once under the name
        # the database already has (or the user id, for someone new), it is not held up by a
        # users.info call; the name is learnt once the burst of clicks is over.
        profile = self.people.cached(who.team_id, who.user_id)
        feedback = await self.engine.pick(
            who.actor(profile.name) if profile else who.unnamed_actor(),
            str(action.get("value") or ""),
            translate.action_delivery(body, action),
        )
        await self._send(Replies().private(feedback), origin)
        if profile is None:
            self.background.spawn(self._learn_name(who), idle=True)

    async def on_button(
        self, ack: AsyncAck, body: Payload, action: Payload, context: AsyncBoltContext
    ) -> None:
        """A rating under practice feedback, or a reminder's start-practice button."""
        await ack()
        self.background.spawn(self._button(body, action, context.team_id))

    async def _button(self, body: Payload, action: Payload, team: str | None) -> None:
        who, origin = _clicked(body, team)
        action_id = str(action.get("action_id") or "")
        kind = Action.RATE if action_id.startswith(ACTION_PREFIX + Action.RATE.value) else None
        kind = kind or Action.PRACTICE
        profile = await self.people.profile(who.team_id, who.user_id, who.name)
        message = await self.engine.button(
            who.actor(profile.name), kind, str(action.get("value") or "")
        )
        await self._send(Replies().private(message), origin)

    async def _learn_name(self, who: translate.Who) -> None:
        profile = await self.people.profile(who.team_id, who.user_id, who.name)
        await self.engine.learn_name(who.actor(profile.name))

    async def on_answer_open(
        self, ack: AsyncAck, body: Payload, action: Payload, context: AsyncBoltContext
    ) -> None:
        await ack()
        self.background.spawn(self._answer_open(body, action, context.team_id), urgent=True)

    async def _answer_open(self, body: Payload, action: Payload, team: str | None) -> None:
        who = translate.interaction_who(body, team)
        channel_id, _ = translate.action_channel(body)
        try:
            drill_id = int(str(action.get("value") or ""))
        except ValueError:
            log.warning("answer button with a bad value %r", action.get("value"))
            return
        question = (body.get("message") or {}).get("blocks") or []
        view = modals.answer_modal(
            modals.AnswerContext(drill_id, channel_id, translate.action_message_ts(body)),
            question,
            self.engine.deps.settings.max_answer_chars,
        )
        try:
            await self.chat.open_view(who.team_id, str(body.get("trigger_id") or ""), view)
        except ChatError as exc:
            log.warning("could not open the answer form for drill %s: %s", drill_id, exc)

    async def on_incident_open(
        self, ack: AsyncAck, body: Payload, action: Payload, context: AsyncBoltContext
    ) -> None:
        await ack()
        self.background.spawn(self._incident_open(body, action, context.team_id), urgent=True)

    async def _incident_open(self, body: Payload, action: Payload, team: str | None) -> None:
        who = translate.interaction_who(body, team)
        question = (body.get("message") or {}).get("blocks") or []
        view = modals.incident_modal(
            question,
            modals.IncidentContext(str(action.get("value") or "")),
            self.engine.deps.settings.max_answer_chars,
        )
        try:
            await self.chat.open_view(who.team_id, str(body.get("trigger_id") or ""), view)
        except ChatError as exc:
            log.warning("could not open the incident answer form: %s", exc)

    async def on_incident_submit(
        self, ack: AsyncAck, body: Payload, view: Payload, context: AsyncBoltContext
    ) -> None:
        await ack()
        self.background.spawn(self._incident_submit(body, view, context.team_id))

    async def _incident_submit(self, body: Payload, view: Payload, team: str | None) -> None:
        who = translate.interaction_who(body, team)
        profile = await self.people.profile(who.team_id, who.user_id, who.name)
        actor = who.actor(profile.name, profile.is_admin)
        text, delivery = modals.answer_text(view), translate.view_delivery(view)
        meta = modals.IncidentContext.load(str(view.get("private_metadata") or ""))
        if meta is None:
            # A form opened before forms named their stage: it answers the current one.
            replies = await self.engine.message(actor, Where(None, ""), text, delivery)
        else:
            replies = await self.engine.incident_form(actor, meta.form, text, delivery)
        if replies is not None:
            await self._send(replies, Origin(who.team_id, who.user_id, Where(None, "")))

    async def on_pause(
        self, ack: AsyncAck, body: Payload, action: Payload, context: AsyncBoltContext
    ) -> None:
        await ack()
        self.background.spawn(self._pause(body, action, context.team_id, paused=True))

    async def on_resume(
        self, ack: AsyncAck, body: Payload, action: Payload, context: AsyncBoltContext
    ) -> None:
        await ack()
        self.background.spawn(self._pause(body, action, context.team_id, paused=False))

    async def _pause(self, body: Payload, action: Payload, team: str | None, paused: bool) -> None:
        who = translate.interaction_who(body, team)
        profile = await self.people.profile(who.team_id, who.user_id, who.name)
        actor = who.actor(profile.name, profile.is_admin)
        try:
            channel_id = int(str(action.get("value") or ""))
        except ValueError:
            log.warning("pause/resume button with a bad value %r", action.get("value"))
            return
        # The engine retries a locked database itself and answers with a message if it stays
        # unavailable: the tab shows that message whatever happens.
        result = await self.engine.set_paused(actor, channel_id, paused)
        shown = body.get("view")
        await self._publish_home(
            who,
            profile.name,
            profile.is_admin,
            notice=result,
            shown=shown if isinstance(shown, dict) else None,
        )

    # --- modals --------------------------------------------------------------------------
    async def on_answer_submit(
        self, ack: AsyncAck, body: Payload, view: Payload, context: AsyncBoltContext
    ) -> None:
        await ack()
        self.background.spawn(self._answer_submit(body, view, context.team_id))

    async def _answer_submit(self, body: Payload, view: Payload, team: str | None) -> None:
        who = translate.interaction_who(body, team)
        meta = modals.AnswerContext.load(str(view.get("private_metadata") or ""))
        if meta is None:
            log.warning("answer form without its drill; ignored")
            return
        profile = await self.people.profile(who.team_id, who.user_id, who.name)
        feedback = await self.engine.answer(
            who.actor(profile.name, profile.is_admin),
            meta.drill_id,
            modals.answer_text(view),
            translate.view_delivery(view),
        )
        origin = Origin(who.team_id, who.user_id, translate.where_of(meta.channel_id))
        await self._send(Replies().private(feedback), origin)

    async def on_setup_submit(
        self, ack: AsyncAck, body: Payload, view: Payload, context: AsyncBoltContext
    ) -> None:
        who = translate.interaction_who(body, context.team_id)
        meta = modals.SetupContext.load(str(view.get("private_metadata") or ""))
        if meta is None:
            await ack()
            return
        where = Where(meta.channel_id, meta.channel_name)
        origin = Origin(who.team_id, who.user_id, where)
        text = modals.setup_command(view)
        work = asyncio.ensure_future(
            self._setup_command(who, where, text, translate.view_delivery(view))
        )
        done, _ = await asyncio.wait({work}, timeout=ACK_BUDGET)
        if work not in done:
            await ack()  # the core is slow today: close the form, report when it is done
            self.background.spawn(self._report_setup(work, origin))
            return
        replies = work.result()
        first = replies.items[0].message if replies.items else None
        if first is not None and first.kind == "error":
            await ack(
                response_action="errors",
                errors={modals.error_field(first.text): modals.error_text(first.text)},
            )
            return
        await ack()
        self.background.spawn(self._send(replies, origin))

    async def _setup_command(
        self, who: translate.Who, where: Where, text: str, delivery: str
    ) -> Replies:
        profile = await self.people.profile(who.team_id, who.user_id, who.name)
        return await self.engine.command(
            who.actor(profile.name, profile.is_admin), where, text, delivery
        )

    async def _report_setup(self, work: asyncio.Future[Replies], origin: Origin) -> None:
        await self._send(await work, origin)

    # --- events --------------------------------------------------------------------------
    async def on_home_opened(
        self, ack: AsyncAck, body: Payload, event: Payload, context: AsyncBoltContext
    ) -> None:
        await ack()
        if event.get("tab", "home") != "home":
            return
        who = translate.event_who(body, event, context.team_id)
        self.background.spawn(self._home(who))

    async def _home(self, who: translate.Who) -> None:
        profile = await self.people.profile(who.team_id, who.user_id)
        await self._publish_home(who, profile.name, profile.is_admin)

    async def _publish_home(
        self,
        who: translate.Who,
        name: str,
        is_admin: bool,
        notice: Message | None = None,
        shown: Payload | None = None,
    ) -> None:
        """Publish the person's Home tab, with ``notice`` (the answer to a click) on top. When
        the database cannot make a fresh one, the notice goes on top of ``shown``, the tab the
        click came from, so the click is still answered."""
        actor = who.actor(name, is_admin)
        try:
            home = await self.engine.deps.retrying("the home tab", lambda: self.engine.home(actor))
        except StoreUnavailable as exc:
            if notice is None or shown is None:
                log.warning("could not make the home tab of %s: %s", who.user_id, exc)
                return
            view = home_view_again(shown, notice)
        else:
            view = home_view(home, notice)
        try:
            await self.chat.publish_home(who.team_id, who.user_id, view)
        except ChatError as exc:
            log.warning("could not publish the home tab of %s: %s", who.user_id, exc)

    async def on_message(
        self, ack: AsyncAck, body: Payload, event: Payload, context: AsyncBoltContext
    ) -> None:
        await ack()
        if (
            event.get("subtype")
            or event.get("bot_id")
            or not event.get("user")
            or not str(event.get("text") or "").strip()
        ):
            return
        if event.get("channel_type") == "im":
            self.background.spawn(self._direct_message(body, event, context.team_id))
        elif event.get("thread_ts") and event.get("thread_ts") != event.get("ts"):
            # A reply in a thread: it may be an answer in a mock incident run `here`.
            self.background.spawn(self._thread_message(body, event, context.team_id))

    async def _direct_message(self, body: Payload, event: Payload, team: str | None) -> None:
        who = translate.event_who(body, event, team)
        profile = await self.people.profile(who.team_id, who.user_id)
        replies = await self.engine.message(
            who.actor(profile.name, profile.is_admin),
            Where(None, ""),
            str(event.get("text") or ""),
            translate.event_delivery(body, event),
        )
        if replies is None:
            return
        channel = str(event.get("channel") or "")
        for reply in replies.items:
            try:
                await self.chat.post(who.team_id, channel, reply.message)
            except ChatError as exc:
                log.warning("could not answer %s's direct message: %s", who.user_id, exc)

    async def _thread_message(self, body: Payload, event: Payload, team: str | None) -> None:
        who = translate.event_who(body, event, team)
        channel = str(event.get("channel") or "")
        where = Where(channel, "", thread=str(event.get("thread_ts") or ""))
        # Most thread replies are ordinary conversation: route them without a users.info call
        # (an answer needs no display name or admin rights).
        replies = await self.engine.message(
            who.actor(),
            where,
            str(event.get("text") or ""),
            translate.event_delivery(body, event),
        )
        if replies is not None:
            await self._send(replies, Origin(who.team_id, who.user_id, where))

    # --- replies -------------------------------------------------------------------------
    async def _send(self, replies: Replies, origin: Origin) -> None:
        for reply in replies.items:
            try:
                await self._send_one(reply.message, reply.visibility, origin)
            except ChatError as exc:
                log.warning("could not deliver a reply to %s: %s", origin.user_id, exc)

    async def _send_one(self, message: Message, visibility: Visibility, origin: Origin) -> None:
        channel = origin.where.channel_id
        if visibility is Visibility.DIRECT:
            await self.chat.send_direct(origin.team_id, origin.user_id, message)
            return
        if visibility is Visibility.CHANNEL and channel is not None:
            try:
                await self.chat.post(origin.team_id, channel, message)
                return
            except ChatError as exc:
                log.info("posting in %s failed (%s); answering privately instead", channel, exc)
                message = replace(
                    message,
                    blocks=(
                        *message.blocks,
                        Context(
                            "I could not post this in the channel: invite me with "
                            "`/invite @drillbot`."
                        ),
                    ),
                )
        if origin.response_url:
            await self.chat.respond(
                origin.response_url, message, workspace_id=origin.team_id, user=origin.user_id
            )
        elif channel is not None:
            await self.chat.post_private(origin.team_id, channel, origin.user_id, message)
        else:
            await self.chat.send_direct(origin.team_id, origin.user_id, message)


def _bare_setup(text: str) -> bool:
    try:
        parsed = cmd.parse(text)
    except cmd.CommandError:
        return False
    return isinstance(parsed, cmd.Setup) and not parsed.all_changes()


def _clicked(body: Payload, team: str | None) -> tuple[translate.Who, Origin]:
    """Who clicked a button, and where their private reply goes (the click's response_url)."""
    who = translate.interaction_who(body, team)
    channel_id, channel_name = translate.action_channel(body)
    where = translate.where_of(channel_id, channel_name)
    return who, Origin(who.team_id, who.user_id, where, str(body.get("response_url") or ""))
