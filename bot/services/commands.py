"""Command handling shared by every adapter: parse once, check rights, run the use case."""

from __future__ import annotations

import datetime as dt
import logging
import random
from dataclasses import dataclass, replace

from bot.domain import away as away_rules
from bot.domain import commands as cmd
from bot.domain import privacy
from bot.domain import schedule_rules as rules
from bot.domain.items import MultipleChoice, OpenQuestion
from bot.domain.model import AwayPeriod, Channel, Drill, Person, Schedule
from bot.domain.reviews import Grade, mcq_grade, open_grade
from bot.messaging.message import Context, Message, Replies, Section
from bot.messaging.port import ChatError
from bot.services import content_filters, team_commands, views
from bot.services.answers import Actor, Answers, grade_off_loop
from bot.services.boards import Boards
from bot.services.deps import Deps
from bot.services.history import History
from bot.services.incident_port import IncidentHandler
from bot.services.practice import Practice
from bot.services.reminders import Reminders
from bot.services.store import Tx


@dataclass(frozen=True)
class Where:
    """Where a command was written."""

    channel_id: str | None
    """The platform's channel id; None in a direct message."""
    channel_name: str = ""
    thread: str | None = None
    """The platform's reference of the message whose thread this was written in."""

    @property
    def direct(self) -> bool:
        return self.channel_id is None


log = logging.getLogger("drillbot.commands")

ADMIN_REFUSAL = (
    "Only workspace admins, and people an admin has listed, can change this channel's drills."
)


class Commands:
    def __init__(
        self,
        deps: Deps,
        answers: Answers,
        boards: Boards,
        incidents: IncidentHandler | None = None,
        reminders: Reminders | None = None,
    ) -> None:
        self.d = deps
        self.answers = answers
        self.boards = boards
        self.incidents = incidents
        self.history = History(deps)
        self.practice = Practice(deps)
        self.reminders = reminders

    async def effective(self, actor: Actor) -> Actor:
        """The actor with admin rights when an admin listed them (`admins add`)."""
        if actor.is_admin:
            return actor
        async with self.d.store.transaction(read_only=True) as tx:
            listed = actor.user_id in await tx.listed_admins(actor.workspace_id)
        return replace(actor, is_admin=True) if listed else actor

    async def handle(self, actor: Actor, where: Where, text: str, delivery: str) -> Replies:
        replies = Replies()
        try:
            command = cmd.parse(text)
        except cmd.CommandError as exc:
            return replies.private(views.error(exc.message, exc.usage))
        # Who is acting and whether an admin listed them: read, and written only when the
        # person is new or renamed (a write transaction on SQLite queues behind every answer).
        async with self.d.store.transaction(read_only=True) as tx:
            known = await tx.find_person(actor.workspace_id, actor.user_id)
            listed = not actor.is_admin and actor.user_id in await tx.listed_admins(
                actor.workspace_id
            )
        if known is None or (actor.display_name and known.display_name != actor.display_name):
            async with self.d.store.transaction() as tx:
                await tx.ensure_workspace(actor.workspace_id, actor.platform or "chat", "")
                await tx.ensure_person(actor.workspace_id, actor.user_id, actor.display_name)
            known = None  # new or renamed: what was read is not the person now stored
        if listed:
            actor = replace(actor, is_admin=True)
        if (
            isinstance(command, cmd.Resume)
            and self.incidents
            and (where.direct or not actor.is_admin)
        ):
            # In a DM, or from someone who cannot resume the channel, `resume` means the
            # person's own mock incident.
            return await self.incidents.handle(actor, where, command, delivery)
        if command.admin_only and not actor.is_admin:
            return replies.private(views.error(ADMIN_REFUSAL))
        match command:
            case cmd.Help(topic=topic):
                return replies.private(_help(topic, actor.is_admin, self.d.settings.away_max_days))
            case cmd.Question(topic=topic) | cmd.Mcq(topic=topic):
                return replies.private(await self._practice(actor, command, topic))
            case cmd.Practice(rate=grade) if grade is not None:
                return replies.private(await self.rate(actor, None, grade))
            case cmd.Practice(topic=topic, count=count, stats=stats):
                return replies.private(await self.spaced(actor, where, topic, count, stats))
            case cmd.Remind(on=on, at=at):
                return replies.private(await self._remind(actor, where, on, at))
            case cmd.AnswerText(text=answer_text, which=which):
                return replies.private(
                    await self._answer(actor, where, answer_text, which, delivery)
                )
            case cmd.Pick(option=option, which=which):
                return replies.private(await self._pick(actor, where, option, which, delivery))
            case cmd.Leaderboard(period=period):
                return replies.private(await self._leaderboard(actor, where, period))
            case cmd.Stats():
                return replies.private(await self._stats(actor, known))
            case cmd.History(count=count, drill=drill):
                if drill is not None:
                    return replies.private(await self.history.detail(actor, drill))
                return replies.private(await self.history.listing(actor, count))
            case cmd.OptOut() | cmd.OptIn():
                return replies.private(await self._opt(actor, isinstance(command, cmd.OptOut)))
            case cmd.Setup(share_answers=share) if share is not None:
                return _and_announce(replies, *await self._share(actor, where, share))
            case cmd.Away(action="list"):
                return replies.private(await self._away_list(actor))
            case cmd.Away(action="cancel", number=number, start=day):
                return replies.private(await self._away_cancel(actor, number, day))
            case cmd.Away(start=start, end=end) if start is not None and end is not None:
                return replies.private(await self._away(actor, where, start, end))
            case cmd.Setup():
                return _and_announce(replies, *await self._setup(actor, where, command))
            case cmd.Pause() | cmd.Resume():
                if (
                    isinstance(command, cmd.Resume)
                    and self.incidents
                    and (where.direct or not actor.is_admin)
                ):
                    return await self.incidents.handle(actor, where, command, delivery)
                paused = isinstance(command, cmd.Pause)
                return _and_announce(replies, *await self._pause(actor, where, paused))
            case cmd.Topics():
                return replies.private(await self._topics(actor, where))
            case cmd.Admins(action=action, user=user, typed=typed):
                return replies.private(await self._admins(actor, action, user, typed))
            case cmd.Schedule():
                return replies.private(await self._show_schedule(actor, where))
            case cmd.Team(weeks=weeks):
                return replies.private(
                    await team_commands.team(self.d, actor, where.channel_id, weeks)
                )
            case cmd.Leads(action=action, user=user, typed=typed):
                return replies.private(
                    await team_commands.leads(self.d, actor, action, user, typed)
                )
            case cmd.Incident() | cmd.Hint() | cmd.Skip() | cmd.Stop():
                if self.incidents is None:
                    return replies.private(views.error("Incident practice is switched off here."))
                return await self.incidents.handle(actor, where, command, delivery)
        return replies.private(views.error("That command is not handled yet."))

    # --- practice --------------------------------------------------------------------------
    async def _practice(self, actor: Actor, command: object, topic: str | None) -> Message:
        lib = self.d.library
        topics = lib.topics()
        if topic is not None and topic not in topics:
            return views.error(f"There is no topic `{topic}`. Topics: {', '.join(sorted(topics))}.")
        pool: list[OpenQuestion | MultipleChoice] = list(
            lib.open_questions() if isinstance(command, cmd.Question) else lib.mcqs()
        )
        pool = [i for i in pool if topic is None or i.topic == topic]
        if not pool:
            return views.error("No practice questions match that topic.")
        item = random.choice(pool)
        now = self.d.clock.now()
        async with self.d.store.transaction() as tx:
            person = await tx.ensure_person(actor.workspace_id, actor.user_id, actor.display_name)
            # The store keeps one practice value per person; it holds the open question and
            # the MCQ side by side (item ids, space-separated), so asking for one kind never
            # drops the other and no schema change is needed.
            kept = [
                other.id
                for other in self._practice_items(await tx.get_practice(person.id))
                if other.kind != item.kind
            ]
            await tx.set_practice(person.id, " ".join([*kept, item.id]), now)
        return views.drill_message(item, topics.get(item.topic, item.topic), "UTC", drill=None)

    async def spaced(
        self, actor: Actor, where: Where, topic: str | None, count: int, stats: bool
    ) -> Message:
        """`/drill practice [topic] [n]` and `practice stats`."""
        topics = self.d.library.topics()
        if topic is not None and topic not in topics:
            return views.error(f"There is no topic `{topic}`. Topics: {', '.join(sorted(topics))}.")
        async with self.d.store.transaction() as tx:
            person = await tx.ensure_person(actor.workspace_id, actor.user_id, actor.display_name)
            if stats:
                return await self.practice.stats(tx, person.id)
            channel = await self._channel(tx, actor, where)
            if channel is None:
                # In a direct message (a reminder's button) new items follow the rotation of
                # the channel the reminder is for.
                reminder = await tx.get_reminder(person.id)
                channel = await tx.get_channel(reminder.channel_id) if reminder else None
            return await self.practice.start(tx, person.id, channel, topic, count)

    async def rate(self, actor: Actor, item_id: str | None, grade_word: str) -> Message:
        """A self-rating, typed (`rate good`: the last answer) or from a button."""
        grade = Grade.parse(grade_word)
        if grade is None:
            return views.error(f"`{grade_word}` is not a rating: use again, hard, good or easy.")
        async with self.d.store.transaction() as tx:
            person = await tx.ensure_person(actor.workspace_id, actor.user_id, actor.display_name)
            return await self.practice.rate(tx, person.id, item_id, grade)

    async def _remind(self, actor: Actor, where: Where, on: bool, at: dt.time | None) -> Message:
        if self.reminders is None:
            return views.error("Reminders are switched off here.")
        async with self.d.store.transaction() as tx:
            person = await tx.ensure_person(actor.workspace_id, actor.user_id, actor.display_name)
            channel = await self._channel(tx, actor, where)
            if channel is None and where.direct and on:
                current = await tx.get_reminder(person.id)
                channel = await tx.get_channel(current.channel_id) if current else None
            return await self.reminders.command(tx, person.id, channel, on, at)

    def _practice_items(self, stored: str | None) -> list[OpenQuestion | MultipleChoice]:
        found = [self.d.library.get(item_id) for item_id in (stored or "").split()]
        return [item for item in found if isinstance(item, OpenQuestion | MultipleChoice)]

    async def _practice_item(
        self, actor: Actor, kind: type[OpenQuestion] | type[MultipleChoice]
    ) -> OpenQuestion | MultipleChoice | None:
        async with self.d.store.transaction() as tx:
            person = await tx.find_person(actor.workspace_id, actor.user_id)
            stored = await tx.get_practice(person.id) if person else None
        return next((i for i in self._practice_items(stored) if isinstance(i, kind)), None)

    # --- answers ---------------------------------------------------------------------------
    async def _answer(
        self, actor: Actor, where: Where, text: str, which: str | None, delivery: str
    ) -> Message:
        if not where.direct:
            chosen = await self._choose_drill(
                actor, where, "open", which, "/drill answer #{which} <your answer>"
            )
            if isinstance(chosen, Message):
                return chosen
            if chosen is not None:
                return await self.answers.answer(actor, chosen, text, delivery)
        elif which is not None:
            return await self.answers.answer(actor, int(which), text, delivery)
        practice = await self._practice_item(actor, OpenQuestion)
        if isinstance(practice, OpenQuestion):
            limit = self.d.settings.max_answer_chars
            if len(text) > limit:
                return views.error(
                    f"Your answer is {len(text):,} characters; the limit is {limit:,}. "
                    "Trim it and try again."
                )
            result = await grade_off_loop(practice, text)
            # Practice shows the model answer at once, so the missed points may show too.
            message = views.open_feedback(practice, result, None, full=True)
            message = replace(
                message,
                blocks=(
                    *message.blocks,
                    Section("*Model answer*\n" + practice.model_answer.strip()),
                ),
            )
            return await self._reviewed(actor, practice, open_grade(result.score), message)
        return views.error(await self._nothing_open(actor, where, "open"))

    async def _pick(
        self, actor: Actor, where: Where, option: str, which: str | None, delivery: str
    ) -> Message:
        if not where.direct:
            chosen = await self._choose_drill(
                actor, where, "mcq", which, "/drill pick {which} " + option
            )
            if isinstance(chosen, Message):
                return chosen
            if chosen is not None:
                return await self.answers.pick(actor, chosen, option, delivery)
        elif which is not None:
            if not which.isdigit():
                return views.error(
                    f"`{which}` names a question only in its channel. Here, use its number, "
                    "e.g. `/drill pick 42 B`, or pick in the channel."
                )
            return await self.answers.pick(actor, int(which), option, delivery)
        practice = await self._practice_item(actor, MultipleChoice)
        if isinstance(practice, MultipleChoice):
            return await self.pick_practice(actor, practice.id, option)
        return views.error(await self._nothing_open(actor, where, "mcq"))

    async def pick_practice(self, actor: Actor, item_id: str, option: str) -> Message:
        item = self.d.library.get(item_id)
        if not isinstance(item, MultipleChoice):
            return views.error("That practice question no longer exists.")
        if item.option(option) is None:
            keys = ", ".join(o.key for o in item.options)
            return views.error(f"`{option}` is not an option here. Pick one of {keys}.")
        feedback = views.practice_mcq_feedback(item, option.upper())
        return await self._reviewed(
            actor, item, mcq_grade(item.correct_key == option.upper()), feedback
        )

    async def _reviewed(
        self, actor: Actor, item: OpenQuestion | MultipleChoice, grade: Grade, feedback: Message
    ) -> Message:
        async with self.d.store.transaction() as tx:
            person = await tx.ensure_person(actor.workspace_id, actor.user_id, actor.display_name)
            return await self.practice.after_answer(tx, person.id, item, grade, feedback)

    async def _choose_drill(
        self, actor: Actor, where: Where, kind: str, which: str | None, example: str
    ) -> int | Message | None:
        """The open drill of ``kind`` a typed answer is for: the one named by ``which`` or by
        the thread it was written in, else the only one open. Several open and none named gets
        a question back (a list of them, each with ``example`` naming it) instead of a guess;
        None means nothing of that kind is open here."""
        assert where.channel_id is not None
        async with self.d.store.transaction() as tx:
            channel = await tx.find_channel(actor.workspace_id, where.channel_id)
            drills = await tx.open_drills(channel.id, self.d.clock.now()) if channel else []
        now = self.d.clock.now()
        candidates = [d for d in drills if d.kind == kind and d.reveal_at > now]
        what = "open question" if kind == "open" else "multiple-choice question"
        if which is None and where.thread is not None:
            in_thread = [d for d in candidates if d.message_ref == where.thread]
            candidates = in_thread or candidates
        if which is not None:
            named = [d for d in candidates if which in (str(d.id), d.slot.value, d.message_ref)]
            if not named:
                if not candidates:
                    nothing = await self._nothing_open(actor, where, kind)
                    return views.error(f"Nothing was recorded for `{which}`. {nothing}")
                return self._which_drill(
                    f"No open {what} here is `{which}`; nothing was recorded. Open now:",
                    candidates,
                    example,
                )
            candidates = named
        if len(candidates) <= 1:
            return candidates[0].id if candidates else None
        return self._which_drill(
            f"{len(candidates)} {what}s are open here: which one is it for? "
            "Nothing was recorded; name it:",
            candidates,
            example,
        )

    def _which_drill(self, head: str, drills: list[Drill], example: str) -> Message:
        # Oldest first, as they appear in the channel.
        entries = [
            (drill, item)
            for drill in sorted(drills, key=lambda d: (d.scheduled_at, d.id))
            if isinstance(item := self.d.library.get(drill.item_id), OpenQuestion | MultipleChoice)
        ]
        return views.which_drill(head, entries, example)

    async def _nothing_open(self, actor: Actor, where: Where, kind: str) -> str:
        what = "open question" if kind == "open" else "multiple-choice question"
        verb = "`/drill question`" if kind == "open" else "`/drill mcq`"
        if where.direct:
            return f"There is no {what} waiting for you here. Ask for one with {verb}."
        return (
            f"There is no {what} open in this channel right now. "
            f"For practice, ask for one with {verb}."
        )

    # --- boards and stats ------------------------------------------------------------------
    async def _channel(self, tx: Tx, actor: Actor, where: Where) -> Channel | None:
        if where.channel_id is None:
            return None
        return await tx.find_channel(actor.workspace_id, where.channel_id)

    async def _leaderboard(self, actor: Actor, where: Where, period: str) -> Message:
        async with self.d.store.transaction() as tx:
            channel = await self._channel(tx, actor, where)
        channel_id = channel.id if channel and channel.schedule else None
        rows = await self.boards.rows(actor.workspace_id, channel_id, period)
        scope = f"#{channel.name}" if channel_id and channel else "whole workspace"
        return views.leaderboard_message(rows, period, scope)

    async def _stats(self, actor: Actor, known: Person | None) -> Message:
        s = await self.boards.standing(
            actor.workspace_id,
            actor.user_id,
            topics=True,
            also=self.practice.stats_line,
            known=known,
        )
        topics = [line.describe() for line in self.history.topic_lines(s.item_results)]
        message = views.stats_message(
            actor.display_name, s.week, s.total, s.rank, s.recent, s.key_points, topics
        )
        line = s.also
        if line is None:
            return message
        return replace(
            message,
            text=message.text + "\n" + line,
            blocks=(*message.blocks, Context(line + " · `/drill practice stats`")),
        )

    # --- privacy ---------------------------------------------------------------------------
    async def _opt(self, actor: Actor, out: bool) -> Message:
        async with self.d.store.transaction() as tx:
            person = await tx.ensure_person(actor.workspace_id, actor.user_id, actor.display_name)
            changed = await tx.set_opted_out(person.id, out)
        if out:
            done = "You are opted out" if changed else "You were already opted out"
            return views.notice(
                f"{done}: public boards, the weekly post and shout-outs leave you out, and leads "
                f"see you as “{privacy.ANONYMOUS}”. You keep your points and streaks; "
                "`/drill stats` and `/drill history` still show you your own standing. "
                "`/drill optin` undoes it."
            )
        done = "You are back on the boards" if changed else "You were not opted out"
        return views.notice(f"{done}: public boards and shout-outs show your name.")

    async def _share(self, actor: Actor, where: Where, share: bool) -> tuple[Message, str | None]:
        """`setup share-answers=on|off`: the admin's reply, and the line for the channel."""
        if where.channel_id is None:
            return views.error(
                "Run `/drill setup share-answers=on|off` in the channel it is for."
            ), None
        async with self.d.store.transaction() as tx:
            channel = await tx.ensure_channel(
                actor.workspace_id, where.channel_id, where.channel_name
            )
            changed = await tx.set_share_answers(channel.id, share)
        state = "on" if share else "off"
        if not changed:
            return views.notice(f"Answer sharing is already {state} in this channel."), None
        if share:
            return views.notice(
                "Answer sharing is on: reveals here quote the best answer with its author's "
                "name (never of someone who opted out). Everyone here is told."
            ), (
                f"{actor.display_name} turned answer sharing on: from now on a reveal here may "
                "quote the best answer with its author's name. `/drill optout` keeps yours out."
            )
        return views.notice("Answer sharing is off: nobody's answer is shown to anyone else."), (
            f"{actor.display_name} turned answer sharing off: reveals here quote no answers; "
            "only you see yours."
        )

    async def _away(self, actor: Actor, where: Where, start: dt.date, end: dt.date) -> Message:
        today = await self.boards.today(actor.workspace_id, None)
        if start < today:
            # Days already past are settled, as `away cancel` keeps them: marking a missed day
            # away afterwards would mend a broken streak.
            over = "is already over" if end < today else "starts before today"
            return views.error(
                f"{views.away_period(start, end)} {over}: away days can start today at the "
                f"earliest. Give dates from today ({today:%Y-%m-%d}) on, e.g. "
                f"`/drill away {today:%Y-%m-%d} {today + dt.timedelta(days=4):%Y-%m-%d}`."
            )
        cap = self.d.settings.away_max_days
        async with self.d.store.transaction() as tx:
            person = await tx.ensure_person(actor.workspace_id, actor.user_id, actor.display_name)
            run = away_rules.run_length(start, end, await tx.away_periods(person.id))
            if run <= cap:
                await tx.add_away(person.id, start, end)
        if run > cap:
            joined = (
                ""
                if run == away_rules.days(start, end)
                else ", with the away days it touches or overlaps"
            )
            return views.error(
                f"That would make {views.count(run, 'day')} away in a row{joined}; a period is "
                f"at most {views.count(cap, 'day')}. Nothing was marked: give a shorter period "
                "(`/drill away list` shows yours)."
            )
        return views.notice(
            f"Marked you away {views.away_period(start, end)}. "
            "Drills on those days won't break your streak. `/drill away list` shows your "
            "away days; `/drill away cancel` removes a period."
        )

    async def _away_periods(self, actor: Actor) -> tuple[int | None, list[AwayPeriod], dt.date]:
        """(the person's id, their periods not over yet in order, today)."""
        today = await self.boards.today(actor.workspace_id, None)
        async with self.d.store.transaction(read_only=True) as tx:
            person = await tx.find_person(actor.workspace_id, actor.user_id)
            periods = await tx.away_periods(person.id) if person else []
        return (person.id if person else None), away_rules.changeable(periods, today), today

    async def _away_list(self, actor: Actor) -> Message:
        _, periods, _ = await self._away_periods(actor)
        if not periods:
            return views.notice(
                "You have no away days coming up. Mark some with "
                "`/drill away <first day> [last day]`, e.g. `/drill away 2026-12-24 2026-12-31`."
            )
        return views.away_list(periods)

    async def _away_cancel(self, actor: Actor, number: int | None, day: dt.date | None) -> Message:
        person_id, periods, today = await self._away_periods(actor)
        if person_id is None or not periods:
            return views.notice("You have no away days coming up, so there is nothing to cancel.")
        if number is not None:
            if number > len(periods):
                return views.error(
                    f"You have only {views.count(len(periods), 'away period')} coming up: "
                    "give a number from `/drill away list`."
                )
            chosen = periods[number - 1]
        elif day is not None:
            holding = [p for p in periods if p.start <= day <= p.end]
            if not holding:
                return views.error(
                    f"You are not away on {day:%a %d %b %Y}. Yours:", views.away_lines(periods)
                )
            chosen = holding[0]
        elif len(periods) == 1:
            chosen = periods[0]
        else:
            return views.error(
                f"You have {views.count(len(periods), 'away period')} coming up: which one? "
                "Nothing was cancelled; name it, e.g. `/drill away cancel 1`.",
                views.away_lines(periods),
            )
        keep = away_rules.after_cancel(chosen, today)
        async with self.d.store.transaction() as tx:
            if keep is None:
                done = await tx.remove_away(person_id, chosen.start, chosen.end)
            else:
                done = await tx.shorten_away(person_id, chosen.start, chosen.end, keep)
        if not done:  # changed meanwhile (another command of theirs): show what stands
            return views.error("That away period just changed. `/drill away list` shows yours.")
        if keep is None:
            return views.notice(
                f"Cancelled your away days {views.away_period(chosen.start, chosen.end)}."
            )
        return views.notice(
            f"Welcome back: cancelled the rest of your away days. The days already past stay "
            f"away: {views.away_period(chosen.start, keep)}."
        )

    # --- schedule (admins) -----------------------------------------------------------------
    async def _setup(
        self, actor: Actor, where: Where, command: cmd.Setup
    ) -> tuple[Message, str | None]:
        """The admin's reply, and the line for the channel when its drills changed."""
        if where.channel_id is None:
            error = views.error("Run `/drill setup` in the channel that should get the drills.")
            return error, None
        changes = dict(command.changes)
        for key, value in (("time", command.time), ("zone", command.zone), ("days", command.days)):
            if value is not None:
                changes[key] = value
        async with self.d.store.transaction() as tx:
            channel = await tx.ensure_channel(
                actor.workspace_id, where.channel_id, where.channel_name
            )
            current = channel.schedule
            if not changes:
                if current is None:
                    return views.error(
                        "This channel has no drill schedule yet.",
                        cmd.USAGE["setup"],
                    ), None
                return views.notice(rules.describe(current)), None
            try:
                schedule = rules.apply_changes(current or Schedule(), changes)
            except rules.ScheduleError as exc:
                return views.error(str(exc), cmd.USAGE["setup"]), None
            problem = content_filters.filter_problem(self.d.library, schedule, changes)
            if problem is not None:
                return views.error(problem, cmd.USAGE["setup"]), None
            await tx.save_schedule(channel.id, schedule)
        await self._schedule_changed()
        first = "Drills are set up" if current is None else "Schedule updated"
        caveat = content_filters.filter_caveat(self.d.library, schedule)
        reply = views.notice(
            f"{first} for #{where.channel_name or where.channel_id}. {rules.describe(schedule)}"
            + (f" {caveat}" if caveat else "")
        )
        if current is None:
            return reply, f"{actor.display_name} set up drills here; `/drill schedule` shows when."
        changed = _changed_settings(current, schedule)
        if not changed:
            return reply, None
        return reply, (
            f"{actor.display_name} changed this channel's drill schedule ({', '.join(changed)}); "
            "`/drill schedule` shows it."
        )

    async def _pause(self, actor: Actor, where: Where, paused: bool) -> tuple[Message, str | None]:
        """The admin's reply, and the line for the channel when its drills changed."""
        if where.channel_id is None:
            error = "Run this in the channel whose drills you want to pause or resume."
            return views.error(error), None
        async with self.d.store.transaction() as tx:
            channel = await tx.find_channel(actor.workspace_id, where.channel_id)
            if channel is None or channel.schedule is None:
                return views.error(
                    "This channel has no drill schedule yet.", cmd.USAGE["setup"]
                ), None
            if channel.schedule.paused == paused:
                state = "paused" if paused else "running"
                return views.notice(f"Drills in this channel are already {state}."), None
            await tx.save_schedule(channel.id, replace(channel.schedule, paused=paused))
        await self._schedule_changed()
        if paused:
            return views.notice(
                "Drills paused. Nobody's streak breaks while paused; `/drill resume` restarts them."
            ), f"{actor.display_name} paused the drills here; `/drill resume` restarts them."
        return views.notice("Drills resumed. The next one comes at its usual time."), (
            f"{actor.display_name} resumed the drills here; the next one comes at its usual time."
        )

    async def set_paused(self, actor: Actor, channel_id: int, paused: bool) -> Message:
        actor = await self.effective(actor)
        if not actor.is_admin:
            return views.error(ADMIN_REFUSAL)
        async with self.d.store.transaction() as tx:
            channel = await tx.get_channel(channel_id)
        if channel is None or channel.workspace_id != actor.workspace_id:
            return views.error("That channel has no drills here any more.")
        reply, line = await self._pause(actor, Where(channel.external_id, channel.name), paused)
        if line is not None:
            # A button has no channel to answer in, so the channel hears it from here.
            try:
                await self.d.chat.post(channel.workspace_id, channel.external_id, _announce(line))
            except ChatError as exc:
                log.warning("could not tell #%s it was paused or resumed: %s", channel.name, exc)
        return reply

    async def _admins(
        self, actor: Actor, action: str, user: str | None, typed: str | None = None
    ) -> Message:
        if action != "list" and not actor.is_admin:
            return views.error(ADMIN_REFUSAL)
        if typed is not None and not self.d.chat.capabilities.names_are_ids:
            # Storing the typed name would list nobody: the platform's ids are not names.
            refused = cmd.not_a_mention(typed)
            return views.error(refused.message, refused.usage)
        async with self.d.store.transaction() as tx:
            if user is not None:
                changed = await tx.set_listed_admin(actor.workspace_id, user, action == "add")
            listed = await tx.listed_admins(actor.workspace_id)
        names = ", ".join(f"`{u}`" for u in listed) or "nobody yet"
        footer = f"Listed admins: {names}. Workspace admins and owners are always admins."
        if user is None:
            return views.notice(footer)
        if action == "add":
            done = (
                f"`{user}` can now run admin commands."
                if changed
                else (f"`{user}` was already listed.")
            )
        else:
            done = f"`{user}` is no longer listed." if changed else f"`{user}` was not listed."
        return views.notice(f"{done} {footer}")

    async def _schedule_changed(self) -> None:
        if self.d.on_schedule_change is not None:
            await self.d.on_schedule_change()

    async def _show_schedule(self, actor: Actor, where: Where) -> Message:
        async with self.d.store.transaction() as tx:
            channel = await self._channel(tx, actor, where)
        if channel is None or channel.schedule is None:
            return views.error("This channel has no drill schedule yet.", cmd.USAGE["setup"])
        sharing = (
            " Answer sharing is on: reveals quote the best answer with its author's name."
            if channel.share_answers
            else ""
        )
        return views.notice(rules.describe(channel.schedule) + sharing)

    async def _topics(self, actor: Actor, where: Where) -> Message:
        lib = self.d.library
        async with self.d.store.transaction() as tx:
            channel = await self._channel(tx, actor, where)
        chosen = set(channel.schedule.topics) if channel and channel.schedule else set()
        counts: dict[str, list[int]] = {}
        for item in lib.items.values():
            c = counts.setdefault(item.topic, [0, 0, 0])
            c[("open", "mcq", "incident").index(item.kind)] += 1
        lines = []
        for topic, title in lib.topics().items():
            o, m, i = counts.get(topic, [0, 0, 0])
            mark = " (this channel)" if topic in chosen else ""
            lines.append(f"• `{topic}` {title}: {o} open, {m} MCQ, {i} incident{mark}")
        footer = (
            "This channel draws from every topic."
            if not chosen
            else "Change with `/drill setup topics=a,b` (or `topics=all`)."
        )
        return Message(
            text="Topics",
            blocks=(Section("*Topics*\n" + "\n".join(lines)), Section(footer)),
            kind="info",
        )


_SETTING_OF_FIELD: dict[str, str] = {
    "post_time": "time",
    "timezone": "zone",
    "days": "days",
    "mcq_days": "mcq-days",
    "mcq_time": "mcq-time",
    "answer_window": "window",
    "leaderboard_day": "leaderboard",
    "leaderboard_time": "leaderboard",
    "topics": "topics",
    "levels": "levels",
    "packs": "packs",
}


def _changed_settings(before: Schedule, after: Schedule) -> list[str]:
    """The setting keys whose values differ, in help order (the Slack form sends them all)."""
    changed = {
        setting
        for name, setting in _SETTING_OF_FIELD.items()
        if getattr(before, name) != getattr(after, name)
    }
    return [key for key in rules.SETTING_KEYS if key in changed]


def _announce(line: str) -> Message:
    return views.notice(line)


def _and_announce(replies: Replies, reply: Message, line: str | None) -> Replies:
    """The admin's own reply first (the Slack form reads the first one for errors), then one
    line for everyone in the channel, so a change to its drills never goes unseen."""
    replies.private(reply)
    return replies.channel(_announce(line)) if line is not None else replies


def _help(topic: str | None, is_admin: bool, away_max_days: int) -> Message:
    text = cmd.help_text(topic, is_admin, away_max_days)
    return Message(
        text=text.splitlines()[0] if text else "help", blocks=(Section(text),), kind="help"
    )
