"""Recording answers to daily drills: once per delivery, first MCQ choice, last open edit."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass

from bot.domain.grading import Grade, grade
from bot.domain.items import MultipleChoice, OpenQuestion
from bot.domain.model import Answer, Drill, DrillState
from bot.domain.scoring import mcq_points, open_correct, open_points
from bot.domain.streaks import advance, previous_drill_day
from bot.messaging.message import Message
from bot.messaging.port import ChatError
from bot.services import views
from bot.services.deps import Deps
from bot.services.store import Tx

log = logging.getLogger("drillbot.answers")


@dataclass(frozen=True)
class Actor:
    """Who is acting, as the adapter knows them."""

    workspace_id: str
    user_id: str
    display_name: str
    is_admin: bool = False


class Answers:
    def __init__(self, deps: Deps) -> None:
        self.d = deps
        self._count_tasks: dict[int, asyncio.Task[None]] = {}

    async def pick(self, actor: Actor, drill_id: int, option: str, delivery: str) -> Message:
        """An MCQ choice (a button click or `pick B`). The first choice counts."""
        option = option.strip().upper()
        now = self.d.clock.now()
        async with self.d.store.transaction() as tx:
            drill, problem = await self._open_drill(tx, actor, drill_id, now)
            if problem:
                return problem
            assert drill is not None
            item = self.d.library.get(drill.item_id)
            if not isinstance(item, MultipleChoice):
                return views.error("That drill is an open question: answer it in words.")
            if item.option(option) is None:
                keys = ", ".join(o.key for o in item.options)
                return views.error(f"`{option}` is not an option here. Pick one of {keys}.")
            person = await tx.ensure_person(actor.workspace_id, actor.user_id, actor.display_name)
            existing = await tx.get_answer(drill.id, person.id)
            fresh_delivery = await tx.claim_submission(actor.workspace_id, delivery)
            if existing is not None or not fresh_delivery:
                if existing is None:
                    return views.notice("Your choice is being recorded.")
                assert existing.choice is not None
                return views.mcq_feedback(
                    item, existing.choice, first_choice=existing.choice == option
                )
            correct = item.correct_key == option
            inserted = await tx.insert_answer(
                drill=drill,
                person_id=person.id,
                choice=option,
                text=None,
                correct=correct,
                coverage=None,
                covered=(),
                mistakes=(),
                points=mcq_points(correct),
                now=now,
            )
            if inserted is None:  # another request for the same person won the race
                raced = await tx.get_answer(drill.id, person.id)
                assert raced is not None and raced.choice is not None
                return views.mcq_feedback(item, raced.choice, first_choice=False)
            await self._advance_streak(tx, person.id, drill)
        self._schedule_count_update(drill)
        return views.mcq_feedback(item, option)

    async def answer(self, actor: Actor, drill_id: int, text: str, delivery: str) -> Message:
        """An open answer (the modal or `answer <text>`). Edits replace it until the reveal."""
        text = text.strip()
        if not text:
            return views.error("Your answer is empty. Write a few sentences and send it again.")
        limit = self.d.settings.max_answer_chars
        if len(text) > limit:
            return views.error(
                f"Your answer is {len(text):,} characters; the limit is {limit:,}. "
                "Trim it and send it again: nothing was recorded."
            )
        now = self.d.clock.now()
        edited = False
        async with self.d.store.transaction() as tx:
            drill, problem = await self._open_drill(tx, actor, drill_id, now)
            if problem:
                return problem
            assert drill is not None
            item = self.d.library.get(drill.item_id)
            if not isinstance(item, OpenQuestion):
                return views.error("That drill is a multiple-choice question: pick an option.")
            person = await tx.ensure_person(actor.workspace_id, actor.user_id, actor.display_name)
            existing = await tx.get_answer(drill.id, person.id)
            if not await tx.claim_submission(actor.workspace_id, delivery):
                if existing is None or existing.text is None:
                    return views.notice("Your answer is being recorded.")
                return self._feedback(
                    item, grade(item, existing.text), existing.points, edited=False
                )
            result = grade(item, text)
            points = open_points(result.score)
            if existing is None:
                inserted = await tx.insert_answer(
                    drill=drill,
                    person_id=person.id,
                    choice=None,
                    text=text,
                    correct=open_correct(result.score),
                    coverage=result.score,
                    covered=result.covered,
                    mistakes=result.mistakes,
                    points=points,
                    now=now,
                )
                if inserted is not None:
                    await self._advance_streak(tx, person.id, drill)
                else:
                    existing = await tx.get_answer(drill.id, person.id)
            if existing is not None:
                await tx.update_answer(
                    existing.id,
                    text=text,
                    coverage=result.score,
                    covered=result.covered,
                    mistakes=result.mistakes,
                    points=points,
                    correct=open_correct(result.score),
                    now=now,
                )
                edited = True
        if not edited:
            self._schedule_count_update(drill)
        return self._feedback(item, result, points, edited)

    def _feedback(self, item: OpenQuestion, result: Grade, points: int, edited: bool) -> Message:
        return views.open_feedback(item, result, points, edited=edited)

    async def _open_drill(
        self, tx: Tx, actor: Actor, drill_id: int, now: dt.datetime
    ) -> tuple[Drill | None, Message | None]:
        drill = await tx.get_drill(drill_id)
        if drill is None or drill.workspace_id != actor.workspace_id:
            return None, views.error("That drill does not exist (any more).")
        if drill.state is not DrillState.POSTED:
            return None, views.error("That drill was never posted, so it takes no answers.")
        if drill.revealed_at is not None or now >= drill.reveal_at:
            return None, views.error(
                "This drill has closed: the answer is in its thread. A new one comes with the "
                "next drill, or try `/drill question` for practice."
            )
        return drill, None

    async def _advance_streak(self, tx: Tx, person_id: int, drill: Drill) -> None:
        away = await tx.away_periods(person_id)
        earlier = await tx.drill_dates(drill.channel_id, drill.local_date, 60)
        previous = previous_drill_day(earlier, away)
        streak = await tx.get_streak(person_id, drill.channel_id)
        await tx.save_streak(
            advance(streak, person_id, drill.channel_id, drill.local_date, previous)
        )

    # --- the live answer count on the posted drill -----------------------------------------
    def _schedule_count_update(self, drill: Drill) -> None:
        if not self.d.chat.capabilities.edits or drill.message_ref is None:
            return
        task = self._count_tasks.get(drill.id)
        if task is not None and not task.done():
            return  # an update is already on its way and will read the latest count
        self._count_tasks[drill.id] = asyncio.create_task(self._update_count(drill))

    async def _update_count(self, drill: Drill) -> None:
        await asyncio.sleep(self.d.settings.count_update_delay)
        try:
            async with self.d.store.transaction() as tx:
                answers: list[Answer] = await tx.drill_answers(drill.id)
                channel = await tx.get_channel(drill.channel_id)
            item = self.d.library.get(drill.item_id)
            if channel is None or channel.schedule is None:
                return
            if not isinstance(item, OpenQuestion | MultipleChoice) or drill.message_ref is None:
                return
            topic = self.d.library.topics().get(item.topic, item.topic)
            message = views.drill_message(
                item, topic, channel.schedule.timezone, drill, answered=len(answers)
            )
            await self.d.chat.update(
                channel.workspace_id, channel.external_id, drill.message_ref, message
            )
        except ChatError as exc:
            log.warning("could not refresh the answer count of drill %s: %s", drill.id, exc)
        finally:
            self._count_tasks.pop(drill.id, None)

    async def flush(self) -> None:
        """Wait for pending answer-count updates (tests, shutdown)."""
        while self._count_tasks:
            await asyncio.gather(*list(self._count_tasks.values()), return_exceptions=True)
