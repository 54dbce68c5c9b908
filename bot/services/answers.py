"""Recording answers to daily drills: once per delivery, first MCQ choice, last open edit."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass

from bot.domain.grading import grade
from bot.domain.items import MultipleChoice, OpenQuestion
from bot.domain.model import Answer, Drill, DrillState, Person
from bot.domain.scoring import mcq_points, open_correct, open_points
from bot.messaging.message import Message
from bot.messaging.port import ChatError
from bot.services import views
from bot.services.deps import Deps
from bot.services.store import StoreUnavailable, Tx

log = logging.getLogger("drillbot.answers")


@dataclass(frozen=True)
class Actor:
    """Who is acting, as the adapter knows them."""

    workspace_id: str
    user_id: str
    display_name: str
    is_admin: bool = False
    platform: str = ""
    """"slack", "console", ...: recorded with the workspace the first time it is seen."""


CACHE_LIMIT = 10_000


class Answers:
    def __init__(self, deps: Deps) -> None:
        self.d = deps
        self._count_tasks: dict[int, asyncio.Task[None]] = {}
        # Posted drills and people's ids do not change, so an answer need not read them again;
        # whether a drill is still open is decided by its reveal time, not by a cached state.
        self._drills: dict[int, Drill] = {}
        self._people: dict[tuple[str, str, str], Person] = {}

    async def pick(self, actor: Actor, drill_id: int, option: str, delivery: str) -> Message:
        """An MCQ choice (a button click or `pick B`). The first choice counts.

        No delivery key is needed: the answer's own unique key makes a retried click, a double
        click and a second choice all find the first one.
        """
        del delivery
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
            person = await self._person(tx, actor)
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
            if inserted is None:
                first = await tx.get_answer(drill.id, person.id)
                assert first is not None and first.choice is not None
                return views.mcq_feedback(
                    item, first.choice, first_choice=first.choice == option, drill=drill
                )
            await tx.advance_streak(person.id, drill.channel_id, drill.local_date)
        self._schedule_count_update(drill)
        return views.mcq_feedback(item, option, drill=drill)

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
        async with self.d.store.transaction() as tx:
            drill, problem = await self._open_drill(tx, actor, drill_id, now)
            if problem:
                return problem
            assert drill is not None
            item = self.d.library.get(drill.item_id)
            if not isinstance(item, OpenQuestion):
                return views.error("That drill is a multiple-choice question: pick an option.")
            person = await self._person(tx, actor)
            result = grade(item, text)
            points = open_points(result.score)
            # The first answer needs no separate delivery record: it carries its delivery key,
            # and a retry of it meets its own row. Only edits claim their key.
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
                delivery=delivery,
            )
            if inserted is not None:
                await tx.advance_streak(person.id, drill.channel_id, drill.local_date)
            else:
                existing = await tx.get_answer(drill.id, person.id)
                assert existing is not None and existing.text is not None
                if existing.delivery == delivery or not await tx.claim_submission(
                    actor.workspace_id, delivery
                ):
                    # The platform delivered this same submission again: answer as before.
                    return views.open_feedback(
                        item, grade(item, existing.text), existing.points, edited=False, drill=drill
                    )
                if existing.delivery:
                    # Retire the replaced version's key, so a late retry cannot bring it back.
                    await tx.claim_submission(actor.workspace_id, existing.delivery)
                await tx.update_answer(
                    existing.id,
                    text=text,
                    coverage=result.score,
                    covered=result.covered,
                    mistakes=result.mistakes,
                    points=points,
                    correct=open_correct(result.score),
                    now=now,
                    delivery=delivery,
                )
        if inserted is not None:
            self._schedule_count_update(drill)
        return views.open_feedback(item, result, points, edited=inserted is None, drill=drill)

    async def warm(self) -> int:
        """Learn the people the database knows, so the first answers after a start need not
        look each person up. Returns how many were loaded."""
        async with self.d.store.transaction() as tx:
            people = await tx.people(CACHE_LIMIT)
        for p in people:
            self._people[(p.workspace_id, p.external_id, p.display_name)] = p
        return len(people)

    async def _person(self, tx: Tx, actor: Actor) -> Person:
        key = (actor.workspace_id, actor.user_id, actor.display_name)
        person = self._people.get(key)
        if person is None:
            person = await tx.ensure_person(actor.workspace_id, actor.user_id, actor.display_name)
            if len(self._people) >= CACHE_LIMIT:
                self._people.clear()
            self._people[key] = person
        return person

    async def _open_drill(
        self, tx: Tx, actor: Actor, drill_id: int, now: dt.datetime
    ) -> tuple[Drill | None, Message | None]:
        drill = self._drills.get(drill_id) or await tx.get_drill(drill_id)
        if drill is None or drill.workspace_id != actor.workspace_id:
            return None, views.error("That drill does not exist (any more).")
        if drill.state is not DrillState.POSTED:
            return None, views.error("That drill was never posted, so it takes no answers.")
        if drill.revealed_at is not None or now >= drill.reveal_at:
            return None, views.error(
                "This drill has closed: the answer is in its thread. A new one comes with the "
                "next drill, or try `/drill question` for practice."
            )
        if len(self._drills) >= CACHE_LIMIT:
            self._drills.clear()
        self._drills[drill_id] = drill
        return drill, None

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
        except (ChatError, StoreUnavailable) as exc:
            # The count is cosmetic and the next answer refreshes it: log, do not retry.
            log.warning("could not refresh the answer count of drill %s: %s", drill.id, exc)
        except Exception:
            # Nobody awaits this task, so an error left in it would surface only as "Task
            # exception was never retrieved", whenever the task happens to be collected.
            log.exception("could not refresh the answer count of drill %s", drill.id)
        finally:
            self._count_tasks.pop(drill.id, None)

    async def flush(self) -> None:
        """Wait for pending answer-count updates (tests, shutdown)."""
        while self._count_tasks:
            await asyncio.gather(*list(self._count_tasks.values()), return_exceptions=True)
