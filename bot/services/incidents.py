"""Mock incident interviews on demand (`/drill incident`): the bot plays the interviewer.

A session walks one scenario stage by stage. Each answer gets feedback (rubric points covered
and missed, red flags shown), then the stage's facts are revealed and the next prompt asked;
after the last stage comes the debrief. The session lives in the IncidentStore, so it survives
a restart; one left idle past the limit is closed with a partial debrief sent as a DM.

Session content goes to the person as direct messages; refusals go where the person typed.
Only the person who started a session can answer it: sessions are found by person, never by
channel.

Platforms send a delivery again when unsure it arrived (Slack's retries keep the event id),
possibly after later ones. Each answer, skip, hint and stop claims its delivery key in the
transaction that changes the session, so a copy of any earlier one changes and says nothing;
an answer form names the stage it showed, and is not graded once that stage has passed.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Sequence
from dataclasses import replace

from bot.domain import commands as cmd
from bot.domain import incident_rules as ir
from bot.domain import schedule_rules as rules
from bot.domain.items import Incident
from bot.domain.model import Lease
from bot.messaging.message import Message, Replies, Visibility
from bot.messaging.port import ChatError, ChatPort
from bot.services import incident_views as views
from bot.services.answers import Actor
from bot.services.commands import Where
from bot.services.delivery import Delivery, Target
from bot.services.deps import Deps
from bot.services.incident_store import IncidentSession, IncidentStore, IncidentTx

log = logging.getLogger("drillbot.incidents")

BARE_COMMANDS = frozenset({"hint", "skip", "stop", "resume"})
"""Words that, alone in a DM during a session, are taken as the command, not as an answer."""

_START_HINT = f"Start one with {views.START}, or {views.LIST} to choose a scenario."
RESUME = "`/drill incident resume`"
"""Not bare `/drill resume`: in a channel, an admin's `resume` restarts the channel's drills."""
_RESUME_OR_STOP = f"{RESUME} shows where you are; `/drill stop` ends it with a debrief."
_CLAIM_PREFIX = "incident:"
"""Prefixes the delivery keys incidents claim, apart from any other claim of the same key."""


class _Undo(Exception):
    """Raised in a store transaction to roll it back, the delivery it claimed with it, so that
    a delivery that changed nothing can still be taken when the platform sends it again."""

    def __init__(self, replies: Replies) -> None:
        super().__init__("undo")
        self.replies = replies


class Incidents:
    """Implements ``bot.services.incident_port.IncidentHandler``."""

    def __init__(
        self,
        deps: Deps,
        store: IncidentStore,
        *,
        idle_limit: dt.timedelta = ir.DEFAULT_IDLE_LIMIT,
        rng: random.Random | None = None,
    ) -> None:
        self.d = deps
        self.store = store
        self.idle_limit = idle_limit
        self.rng = rng or random.Random()

    # --- the port ------------------------------------------------------------------------
    async def handle(self, actor: Actor, where: Where, command: object, delivery: str) -> Replies:
        if isinstance(command, cmd.Incident) and command.action in ("start", "list"):
            return await self._dispatch(actor, where, command, delivery)
        thread = await self._thread_of(actor)
        if thread is None:
            return await self._dispatch(actor, where, command, delivery)
        # A session run in a channel thread speaks there, wherever the command was typed.
        replies = await self._dispatch(actor, Where(None, ""), command, delivery)
        return await self._to_thread(actor, thread, replies)

    async def answer_form(self, actor: Actor, form: str, text: str, delivery: str) -> Replies:
        where = Where(None, "")  # a form has no channel: replies go where the session runs
        stage = views.form_stage(form)
        thread = await self._thread_of(actor)
        replies = await self._answer(actor, where, text, delivery, stage)
        return replies if thread is None else await self._to_thread(actor, thread, replies)

    async def _dispatch(
        self, actor: Actor, where: Where, command: object, delivery: str
    ) -> Replies:
        match command:
            case cmd.Incident(action="list"):
                return _reply(where, views.scenario_list(self._scenarios()))
            case cmd.Incident(action="resume"):
                return await self._resume(actor, where)
            case cmd.Resume():
                return await self._resume(actor, where, bare=True)
            case cmd.Incident(action="stop") | cmd.Stop():
                return await self._stop(actor, where, delivery)
            case cmd.Incident(name=name, level=level, here=here):
                return await self._start(actor, where, name, level, here)
            case cmd.Hint():
                return await self._hint(actor, where, delivery)
            case cmd.Skip():
                return await self._skip(actor, where, delivery)
        return _reply(where, views.error("That is not an incident command.", _START_HINT))

    async def handle_message(
        self, actor: Actor, where: Where, text: str, delivery: str
    ) -> Replies | None:
        in_thread = where.thread is not None and where.channel_id is not None
        if not where.direct and not in_thread:
            return None
        person_id = await self._person_id(actor, create=False)
        async with self.store.transaction() as tx:
            session = await tx.active(person_id) if person_id is not None else None
        if in_thread and (
            session is None or session.thread != f"{where.channel_id}|{where.thread}"
        ):
            return None  # an ordinary thread, or someone else's session: not an answer
        if session is None:
            replies = self._no_session_message(text)
            if replies is not None and await self._is_retry(actor, person_id, delivery):
                return Replies()
            return replies
        word = text.strip().lower().removeprefix("/drill").strip()
        if word in BARE_COMMANDS:
            return await self.handle(actor, where, cmd.parse(word), delivery)
        if session.thread is None:
            return await self._answer(actor, where, text, delivery)
        replies = await self._answer(actor, Where(None, ""), text, delivery)
        return await self._to_thread(actor, session.thread, replies)

    async def close_idle(self, now: dt.datetime) -> None:
        """Close idle sessions and send each its debrief exactly once (``Delivery``).

        The debrief's lease is taken before its session is closed, so a crash between the two
        leaves a lease that expires; ``_resend_debriefs`` then finds the closed session whose
        debrief is not done and sends it, after looking whether the first attempt landed.
        """
        delivery = Delivery(self.d)
        async with self.store.transaction() as tx:
            idle = await tx.idle(ir.idle_cutoff(now, self.idle_limit))
            self.d.metrics.open_incidents(await tx.active_count() - len(idle))
        tried: set[str] = set()
        for session in idle:
            async with self.d.store.transaction() as main:
                lease = await delivery.take(main, debrief_key(session.id), now)
            if lease is None:
                continue
            async with self.store.transaction() as tx:
                saved = await self._close(tx, session, ir.SessionState.EXPIRED, now)
            if saved is None:  # the person answered meanwhile: no longer idle
                await delivery.release(lease)
                continue
            log.info("closed idle incident session %s of %s", saved.id, saved.user_id)
            tried.add(lease.key)
            await self._send_debrief(delivery, lease, saved)
        # A debrief that just failed waits for the next tick, like a drill.
        await self._resend_debriefs(delivery, now, skip=tried)

    async def _resend_debriefs(self, delivery: Delivery, now: dt.datetime, skip: set[str]) -> None:
        async with self.d.store.transaction() as main:
            stale = await main.stale_leases("debrief:", now)
        for key in stale:
            if key in skip:
                continue
            session_id = int(key.removeprefix("debrief:"))
            async with self.store.transaction() as tx:
                session = await tx.get(session_id)
            if session is None or session.state is not ir.SessionState.EXPIRED:
                continue
            async with self.d.store.transaction() as main:
                lease = await delivery.take(main, key, now)
            if lease is not None:
                await self._send_debrief(delivery, lease, session)

    async def _send_debrief(
        self, delivery: Delivery, lease: Lease, session: IncidentSession
    ) -> None:
        incident = self._incident(session)
        if incident is None:  # its scenario left the content: nothing to say
            await delivery.finish_unsent(lease)
            return
        message = views.debrief(self._debrief(incident, session))
        if session.thread is not None:
            channel, _, ref = session.thread.partition("|")
            target = Target(session.workspace_id, channel, thread=ref)
        else:
            target = Target(session.workspace_id, user=session.user_id)
        await delivery.send(lease, target, message)

    async def points(
        self, workspace_id: str, start: dt.date | None, end: dt.date | None
    ) -> dict[int, int]:
        [points] = await self.points_of(workspace_id, [(start, end)])
        return points

    async def points_of(
        self, workspace_id: str, periods: Sequence[tuple[dt.date | None, dt.date | None]]
    ) -> list[dict[int, int]]:
        """Each period's points per person, read together (a standing wants two)."""
        async with self.store.transaction(read_only=True) as tx:
            return await tx.points_in(workspace_id, periods)

    # --- starting and resuming -----------------------------------------------------------
    async def _start(
        self, actor: Actor, where: Where, name: str | None, level: str | None, here: bool = False
    ) -> Replies:
        scenarios = self._scenarios()
        if not scenarios:
            return _reply(where, views.scenario_list(scenarios))
        incident, problem = self._choose(scenarios, name, level)
        if problem is not None:
            return _reply(where, problem)
        assert incident is not None
        person_id = await self._person_id(actor, create=True)
        assert person_id is not None
        now = self.d.clock.now()
        local_date = await self._local_date(actor.workspace_id, now)
        thread = None
        if here and where.channel_id is not None:
            async with self.store.transaction() as tx:
                running = await tx.active(person_id)
            if running is not None:
                return _reply(where, self._already_running(running))
            try:
                ref = await self.d.chat.post(
                    actor.workspace_id,
                    where.channel_id,
                    views.started(incident, actor.display_name),
                )
            except ChatError as exc:
                log.warning("could not open an incident thread in %s: %s", where.channel_id, exc)
                return _reply(
                    where,
                    views.error(
                        "I could not post in this channel, so nothing was started.",
                        "Invite me to the channel, or run `/drill incident` without `here` to "
                        "practise in a direct message.",
                    ),
                )
            thread = f"{where.channel_id}|{ref}"
        async with self.store.transaction() as tx:
            existing = await tx.active(person_id)
            session = None
            if existing is None:
                session = await tx.start(
                    workspace_id=actor.workspace_id,
                    person_id=person_id,
                    user_id=actor.user_id,
                    display_name=actor.display_name,
                    scenario_id=incident.id,
                    now=now,
                    local_date=local_date,
                    thread=thread,
                )
                if session is None:  # another request for the same person won the race
                    existing = await tx.active(person_id)
        if session is None:
            return _reply(where, self._already_running(existing))
        if thread is not None:
            return Replies().private(views.in_thread(incident))
        replies = Replies().direct(views.started(incident))
        if not where.direct:
            replies.private(views.moved_to_dm(incident))
        return replies

    def _choose(
        self, scenarios: list[Incident], name: str | None, level: str | None
    ) -> tuple[Incident | None, Message | None]:
        if level is not None and not any(i.level == level for i in scenarios):
            levels = sorted({i.level for i in scenarios}, key=self._level_rank)
            return None, views.error(
                f"There is no scenario at level `{level}`. Levels with scenarios: "
                + ", ".join(f"`{lvl}`" for lvl in levels)
                + ".",
                f"Try `/drill incident random {levels[0]}`, or {views.LIST}.",
            )
        if name is None:
            return ir.pick_random(scenarios, level, self.rng), None
        incident = ir.find_scenario(scenarios, name)
        if incident is None:
            return None, views.error(
                f"There is no scenario `{name}`. Scenarios: {views.names(scenarios)}.",
                f"Start one with `/drill incident <name>`; {views.LIST} shows titles and levels.",
            )
        if level is not None and incident.level != level:
            return None, views.error(
                f"`{ir.short_name(incident)}` is a {incident.level} scenario, not {level}.",
                f"Start it with `/drill incident {ir.short_name(incident)}`, or pick another "
                f"with {views.LIST}.",
            )
        return incident, None

    def _already_running(self, session: IncidentSession | None) -> Message:
        incident = self._incident(session) if session else None
        what = f"*{incident.title}*" if incident else "a mock incident"
        where = ""
        if session is not None and incident is not None:
            where = f" (stage {session.stage_index + 1} of {len(incident.stages)})"
        return views.error(
            f"You are already in {what}{where}. One session at a time.", _RESUME_OR_STOP
        )

    async def _resume(self, actor: Actor, where: Where, bare: bool = False) -> Replies:
        missing = self._no_session()
        if bare and not where.direct:
            # `/drill resume` in a channel is also the admins' command: say so.
            missing = views.error(
                "You have no mock incident open. Resuming this channel's drills is for admins.",
                _START_HINT,
            )
        session, incident, problem = await self._current(actor, where, missing)
        if problem is not None:
            return problem
        assert session is not None and incident is not None
        current = incident.stages[session.stage_index]
        prompt = views.stage_prompt(
            incident, session.stage_index, current.id in session.hinted_stages, resumed=True
        )
        replies = Replies().direct(prompt)
        if not where.direct:
            replies.private(views.moved_to_dm(incident))
        return replies

    # --- answering, hints, skipping, stopping --------------------------------------------
    async def _answer(
        self,
        actor: Actor,
        where: Where,
        text: str,
        delivery: str,
        form: tuple[str, int] | None = None,
    ) -> Replies:
        text = text.strip()
        limit = self.d.settings.max_answer_chars
        if not text or len(text) > limit:
            person_id = await self._person_id(actor, create=False)
            if await self._is_retry(actor, person_id, delivery):
                return Replies()
        if not text:
            return _reply(
                where,
                views.error(
                    "Your answer is empty: nothing was recorded.",
                    f"Write what you would do and send it again, or {RESUME} to see the question.",
                ),
            )
        if len(text) > limit:
            return _reply(
                where,
                views.error(
                    f"Your answer is {len(text):,} characters; the limit is {limit:,}. "
                    "Nothing was recorded.",
                    "Trim it and send it again; you are still on the same stage.",
                ),
            )
        return await self._advance(actor, where, delivery, text, form)

    async def _skip(self, actor: Actor, where: Where, delivery: str) -> Replies:
        return await self._advance(actor, where, delivery, None)

    async def _advance(
        self,
        actor: Actor,
        where: Where,
        delivery: str,
        text: str | None,
        form: tuple[str, int] | None = None,
    ) -> Replies:
        """Grade ``text`` (or skip, with None) for the current stage, then move on.

        ``form`` is the (scenario id, stage index) an answer form showed: the answer is graded
        only while that stage is still the current one."""
        try:
            return await self._advance_once(actor, where, delivery, text, form)
        except _Undo as undo:
            return undo.replies

    async def _advance_once(
        self,
        actor: Actor,
        where: Where,
        delivery: str,
        text: str | None,
        form: tuple[str, int] | None,
    ) -> Replies:
        now = self.d.clock.now()
        person_id = await self._person_id(actor, create=False)
        replies = Replies()
        async with self.store.transaction() as tx:
            if not await self._first_delivery(tx, actor, person_id, delivery):
                return Replies()  # a retry: the first copy changed the session and was answered
            session, incident, problem = await self._load(tx, person_id, where, now)
            if problem is not None:
                return problem
            assert session is not None and incident is not None
            if form is not None and form != (session.scenario_id, session.stage_index):
                return _reply(where, self._form_passed(form, incident, session)).direct(
                    self._prompt(incident, session)
                )
            index = session.stage_index
            stage = incident.stages[index]
            hinted = stage.id in session.hinted_stages
            result = (
                ir.grade_stage(incident, stage, text, hinted)
                if text is not None
                else ir.skip_stage(stage, hinted)
            )
            progressed = replace(
                session.with_results((*session.results, result)),
                stage_index=index + 1,
                last_activity_at=now,
                last_delivery=delivery or None,
            )
            done = progressed.stage_index >= len(incident.stages)
            if done:
                progressed = replace(progressed, state=ir.SessionState.FINISHED, finished_at=now)
            saved = await tx.save(progressed)
            if saved is None:
                raise _Undo(_reply(where, self._crossed()))
        replies.direct(views.stage_feedback(incident, index, result))
        if done:
            replies.direct(views.debrief(self._debrief(incident, saved)))
        else:
            replies.direct(self._prompt(incident, saved))
        return replies

    async def _hint(self, actor: Actor, where: Where, delivery: str) -> Replies:
        try:
            return await self._hint_once(actor, where, delivery)
        except _Undo as undo:
            return undo.replies

    async def _hint_once(self, actor: Actor, where: Where, delivery: str) -> Replies:
        now = self.d.clock.now()
        person_id = await self._person_id(actor, create=False)
        async with self.store.transaction() as tx:
            if not await self._first_delivery(tx, actor, person_id, delivery):
                return Replies()  # a retry: the hint was shown (and charged) the first time
            session, incident, problem = await self._load(tx, person_id, where, now)
            if problem is not None:
                return problem
            assert session is not None and incident is not None
            index = session.stage_index
            stage = incident.stages[index]
            if stage.hint is None:
                return Replies().direct(views.no_hint(incident, index))
            if stage.id in session.hinted_stages:
                return Replies().direct(views.hint(incident, index, again=True))
            saved = await tx.save(
                replace(
                    session,
                    hinted_stages=(*session.hinted_stages, stage.id),
                    last_activity_at=now,
                    last_delivery=delivery or None,
                )
            )
            if saved is None:
                raise _Undo(_reply(where, self._crossed()))
        return Replies().direct(views.hint(incident, index, again=False))

    async def _stop(self, actor: Actor, where: Where, delivery: str) -> Replies:
        try:
            return await self._stop_once(actor, where, delivery)
        except _Undo as undo:
            return undo.replies

    async def _stop_once(self, actor: Actor, where: Where, delivery: str) -> Replies:
        now = self.d.clock.now()
        person_id = await self._person_id(actor, create=False)
        async with self.store.transaction() as tx:
            # A late retry of a `stop` must not end a session started after it.
            if not await self._first_delivery(tx, actor, person_id, delivery):
                return Replies()
            session, incident, problem = await self._load(tx, person_id, where, now)
            if problem is not None:
                return problem
            assert session is not None and incident is not None
            saved = await self._close(tx, session, ir.SessionState.STOPPED, now)
            if saved is None:
                raise _Undo(_reply(where, self._crossed()))
        return Replies().direct(views.debrief(self._debrief(incident, saved)))

    # --- platform retries ----------------------------------------------------------------
    async def _first_delivery(
        self, tx: IncidentTx, actor: Actor, person_id: int | None, delivery: str
    ) -> bool:
        """Claim the delivery in ``tx``; False when it was handled before.

        Platforms send a delivery again when they are unsure it arrived (Slack's retries keep
        the event id), possibly after later ones: the retry must change nothing and say
        nothing, since the first copy was answered. Without a person there is no session to
        protect (and no workspace row for the key to hang on), so nothing is claimed."""
        if not delivery or person_id is None:
            return True
        return await tx.claim_delivery(actor.workspace_id, _CLAIM_PREFIX + delivery)

    async def _is_retry(self, actor: Actor, person_id: int | None, delivery: str) -> bool:
        """For replies that change nothing: claim the delivery on its own."""
        async with self.store.transaction() as tx:
            return not await self._first_delivery(tx, actor, person_id, delivery)

    def _form_passed(
        self, form: tuple[str, int], incident: Incident, session: IncidentSession
    ) -> Message:
        scenario_id, index = form
        now = f"stage {session.stage_index + 1} of {len(incident.stages)}"
        if scenario_id == session.scenario_id:
            text = (
                f"Stage {index + 1} has passed, so I did not grade that form's answer: you are "
                f"on {now} now."
            )
        else:
            text = (
                "That form was for an earlier mock incident, so I did not grade its answer: you "
                f"are on {now} of *{incident.title}* now."
            )
        return views.notice(text, "Answer the question below; nothing was recorded.")

    # --- loading and closing sessions ----------------------------------------------------
    async def _current(
        self, actor: Actor, where: Where, missing: Message | None = None
    ) -> tuple[IncidentSession | None, Incident | None, Replies | None]:
        person_id = await self._person_id(actor, create=False)
        async with self.store.transaction() as tx:
            return await self._load(tx, person_id, where, self.d.clock.now(), missing)

    async def _load(
        self,
        tx: IncidentTx,
        person_id: int | None,
        where: Where,
        now: dt.datetime,
        missing: Message | None = None,
    ) -> tuple[IncidentSession | None, Incident | None, Replies | None]:
        """The person's active session and its scenario, or the reply that says why not.

        A session whose scenario left the content, or whose stages shrank under it, is closed
        here (stopped, with what it earned so far)."""
        session = await tx.active(person_id) if person_id is not None else None
        if session is None:
            return None, None, _reply(where, missing or self._no_session())
        incident = self._incident(session)
        if incident is None:
            await self._close(tx, session, ir.SessionState.STOPPED, now)
            return (
                None,
                None,
                _reply(
                    where,
                    views.error(
                        f"Your scenario `{session.scenario_id}` is no longer in the content, so I "
                        "closed your session.",
                        _START_HINT,
                    ),
                ),
            )
        if session.stage_index >= len(incident.stages):
            saved = await self._close(tx, session, ir.SessionState.FINISHED, now)
            if saved is not None:
                return None, None, Replies().direct(views.debrief(self._debrief(incident, saved)))
            return None, None, _reply(where, self._crossed())
        return session, incident, None

    async def _close(
        self, tx: IncidentTx, session: IncidentSession, state: ir.SessionState, now: dt.datetime
    ) -> IncidentSession | None:
        return await tx.save(replace(session, state=state, finished_at=now))

    def _debrief(self, incident: Incident, session: IncidentSession) -> ir.Debrief:
        # An idle session's time is the time spent on it, not the hours it sat unanswered.
        ended = (
            session.last_activity_at
            if session.state is ir.SessionState.EXPIRED or session.finished_at is None
            else session.finished_at
        )
        return ir.build_debrief(incident, session.results, session.state, session.started_at, ended)

    def _prompt(self, incident: Incident, session: IncidentSession) -> Message:
        index = session.stage_index
        hinted = incident.stages[index].id in session.hinted_stages
        return views.stage_prompt(incident, index, hinted)

    # --- helpers ------------------------------------------------------------------------
    def _scenarios(self) -> list[Incident]:
        return ir.ordered(self.d.library.incidents(), self.d.library.levels())

    def _level_rank(self, level: str) -> int:
        levels = self.d.library.levels()
        return levels.index(level) if level in levels else len(levels)

    def _incident(self, session: IncidentSession) -> Incident | None:
        item = self.d.library.get(session.scenario_id)
        return item if isinstance(item, Incident) else None

    async def _person_id(self, actor: Actor, create: bool) -> int | None:
        async with self.d.store.transaction() as tx:
            if not create:
                found = await tx.find_person(actor.workspace_id, actor.user_id)
                return found.id if found else None
            person = await tx.ensure_person(actor.workspace_id, actor.user_id, actor.display_name)
            return person.id

    async def _local_date(self, workspace_id: str, now: dt.datetime) -> dt.date:
        """Today in the zone of the workspace's first scheduled channel (as leaderboards)."""
        async with self.d.store.transaction() as tx:
            channels = await tx.channels(workspace_id)
        zone = next((c.schedule.timezone for c in channels if c.schedule), "UTC")
        return rules.local_date(now, zone)

    def _no_session(self) -> Message:
        return views.error("You have no mock incident open.", _START_HINT)

    def _no_session_message(self, text: str) -> Replies | None:
        """A DM with no session behind it: commands typed without `/drill` are left to the
        command handler (None); anything else is told there is nothing to answer."""
        try:
            cmd.parse(text)
        except cmd.CommandError:
            return Replies().direct(
                views.error(
                    "There is no mock incident waiting for an answer from you, so I kept "
                    "nothing of that message.",
                    _START_HINT,
                )
            )
        return None

    async def _thread_of(self, actor: Actor) -> str | None:
        person_id = await self._person_id(actor, create=False)
        if person_id is None:
            return None
        async with self.store.transaction() as tx:
            session = await tx.active(person_id)
        return session.thread if session else None

    async def _to_thread(self, actor: Actor, thread: str, replies: Replies) -> Replies:
        """Post what would have gone by direct message in the session's thread instead."""
        kept = Replies()
        for reply in replies.items:
            if reply.visibility is not Visibility.DIRECT:
                kept.items.append(reply)
                continue
            try:
                await _thread_reply(self.d.chat, actor.workspace_id, thread, reply.message)
            except ChatError as exc:
                log.warning("could not post in incident thread %s (%s); sent by DM", thread, exc)
                kept.items.append(reply)
        return kept

    def _crossed(self) -> Message:
        return views.error(
            "That crossed with another update to your session; nothing was recorded.",
            f"{RESUME} shows where you are now.",
        )


async def _thread_reply(chat: ChatPort, workspace_id: str, thread: str, message: Message) -> None:
    channel, _, ref = thread.partition("|")
    await chat.reply(workspace_id, channel, ref, message)


def debrief_key(session_id: int) -> str:
    return f"debrief:{session_id}"


def _reply(where: Where, message: Message) -> Replies:
    """A reply where the person typed: in the DM, or privately in the channel."""
    replies = Replies()
    return replies.direct(message) if where.direct else replies.private(message)
