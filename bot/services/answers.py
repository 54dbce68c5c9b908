"""Recording answers to daily drills: once per delivery, first MCQ choice, open edits counted
from the first answer (``bot.domain.scoring.counted_score``)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.domain.attempts import attempt_problem
from bot.domain.grading import Grade, grade
from bot.domain.items import MultipleChoice, OpenQuestion
from bot.domain.model import Drill, DrillState, Person
from bot.domain.scoring import counted_score, mcq_points, open_correct, open_points
from bot.messaging.message import Message
from bot.messaging.port import ChatError
from bot.services import views
from bot.services.deps import Deps
from bot.services.metrics import platform_of
from bot.services.store import NewPick, StoreUnavailable, Tx

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
PersonKey = tuple[str, str, str]
"""(workspace, user, display name): a new name is looked up again, so it gets stored."""


def _key(actor: Actor) -> PersonKey:
    return (actor.workspace_id, actor.user_id, actor.display_name)


PICK_BATCH = 100
"""At most this many MCQ picks share one write transaction (see ``Answers._write_picks``)."""


@dataclass(frozen=True)
class _Pick:
    actor: Actor
    drill: Drill
    item: MultipleChoice
    option: str
    now: dt.datetime


K = TypeVar("K")
V = TypeVar("V")


class Lru(Generic[K, V]):
    """A bounded map that forgets what was used least recently.

    Not cleared whole when full: with more active people than the bound, a cache that empties
    itself sends everyone back to the database at once, again and again.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.limit:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items


# Grading a long answer full of words the process has not seen (pasted logs, ids) takes
# several milliseconds even with the C stemmer, which on the event loop would hold up every
# Slack acknowledgement behind it: long answers are graded on a thread of their own (the GIL is
# handed back to the loop every switch interval). Two workers, so a short answer need not queue
# behind one long one, and no more, since they share one GIL anyway.
_GRADER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="drillbot-grade")
GRADE_INLINE_CHARS = 1_000
"""Answers up to this length are graded on the loop: they take a millisecond or two, and the
hop to a thread and back costs a good part of that again (bench/grading_bench.py)."""


async def grade_off_loop(question: OpenQuestion, text: str) -> Grade:
    """``grade``, run where it cannot block the event loop."""
    if len(text) <= GRADE_INLINE_CHARS:
        return grade(question, text)
    return await asyncio.get_running_loop().run_in_executor(_GRADER, grade, question, text)


class Answers:
    def __init__(self, deps: Deps) -> None:
        self.d = deps
        self._count_tasks: dict[int, asyncio.Task[None]] = {}
        # Posted drills and people's ids do not change, so an answer need not read them again;
        # whether a drill is still open is decided by its reveal time, not by a cached state.
        self._drills: Lru[int, Drill] = Lru(CACHE_LIMIT)
        self._people: Lru[PersonKey, Person] = Lru(CACHE_LIMIT)
        self._drill_lookups: dict[int, asyncio.Future[Drill | None]] = {}
        self._picks: list[tuple[_Pick, asyncio.Future[Message]]] = []
        self._pick_writer: asyncio.Task[None] | None = None

    async def pick(self, actor: Actor, drill_id: int, option: str, delivery: str) -> Message:
        """An MCQ choice (a button click or `pick B`). The first choice counts.

        No delivery key is needed: the answer's own unique key makes a retried click, a double
        click and a second choice all find the first one.
        """
        del delivery
        option = option.strip().upper()
        now = self.d.clock.now()
        drill, problem = await self._checked_drill(actor, drill_id, now)
        if problem:
            return problem
        assert drill is not None
        item = self.d.library.get(drill.item_id)
        if not isinstance(item, MultipleChoice):
            return views.error("That drill is an open question: answer it in words.")
        if item.option(option) is None:
            keys = ", ".join(o.key for o in item.options)
            return views.error(f"`{option}` is not an option here. Pick one of {keys}.")
        done: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._picks.append((_Pick(actor, drill, item, option, now), done))
        if self._pick_writer is None or self._pick_writer.done():
            self._pick_writer = asyncio.create_task(self._write_picks())
        return await done

    async def _write_picks(self) -> None:
        """Record the picks queued so far, together, in one write transaction; then the ones
        that queued meanwhile.

        A burst of clicks is a queue for the one write lock (SQLite's, or the rows' on
        PostgreSQL): a transaction per click pays its begin, commit and connection for every
        one of them, and the last person waits for all. Grouped, they share them. A pick that
        fails for its own reason is tried again alone, so it cannot fail the others.
        """
        try:
            while self._picks:
                batch = self._picks[:PICK_BATCH]
                del self._picks[:PICK_BATCH]
                try:
                    await self._write_batch(batch)
                except BaseException:
                    for _, done in batch:
                        done.cancel()
                    raise
        except BaseException:
            # Stopped (cancelled at shutdown): nobody may wait for ever on a pick left queued.
            for _, done in self._picks:
                done.cancel()
            self._picks.clear()
            raise

    async def _write_batch(self, batch: list[tuple[_Pick, asyncio.Future[Message]]]) -> None:
        fresh: dict[PersonKey, Person] = {}
        try:
            async with self.d.store.transaction() as tx:
                await self._learn_people(tx, [pick.actor for pick, _ in batch], fresh)
                results = await self._record_picks(tx, [pick for pick, _ in batch], fresh)
        except StoreUnavailable as exc:
            for _, done in batch:  # each caller retries (Engine._reliably)
                if not done.done():
                    done.set_exception(StoreUnavailable(str(exc)))
            return
        except Exception as exc:
            if len(batch) == 1:
                if not batch[0][1].done():
                    batch[0][1].set_exception(exc)
                return
            for one in batch:  # alone, each pick meets only its own failure
                await self._write_batch([one])
            return
        self._remember(fresh)
        for (pick, done), (message, inserted) in zip(batch, results, strict=True):
            if inserted:
                self._schedule_count_update(pick.drill)
                self.d.metrics.answers_recorded(platform_of(pick.drill.workspace_id))
            if not done.done():
                done.set_result(message)

    async def _record_picks(
        self, tx: Tx, picks: list[_Pick], fresh: dict[PersonKey, Person]
    ) -> list[tuple[Message, bool]]:
        """Per pick: (the feedback, whether this was the person's first choice)."""
        people = [await self._person(tx, pick.actor, fresh) for pick in picks]
        went_in = await tx.insert_picks(
            [
                NewPick(
                    drill=pick.drill,
                    person_id=person.id,
                    choice=pick.option,
                    correct=pick.item.correct_key == pick.option,
                    points=mcq_points(pick.item.correct_key == pick.option),
                    now=pick.now,
                )
                for pick, person in zip(picks, people, strict=True)
            ]
        )
        results: list[tuple[Message, bool]] = []
        for pick, person, inserted in zip(picks, people, went_in, strict=True):
            if inserted:
                results.append((views.mcq_feedback(pick.item, pick.option, drill=pick.drill), True))
                continue
            first = await tx.get_answer(pick.drill.id, person.id)
            assert first is not None and first.choice is not None
            message = views.mcq_feedback(
                pick.item, first.choice, first_choice=first.choice == pick.option, drill=pick.drill
            )
            results.append((message, False))
        return results

    async def answer(self, actor: Actor, drill_id: int, text: str, delivery: str) -> Message:
        """An open answer (the modal or `answer <text>`). Edits replace it until the reveal;
        its points stay counted from the first answer's score (``counted_score``)."""
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
        # Graded before the write transaction begins: on SQLite that transaction holds the
        # database's write lock, which must not wait for the grader.
        drill, problem = await self._checked_drill(actor, drill_id, now)
        if problem:
            return problem
        assert drill is not None
        item = self.d.library.get(drill.item_id)
        if not isinstance(item, OpenQuestion):
            return views.error("That drill is a multiple-choice question: pick an option.")
        not_an_attempt = attempt_problem(text, item.prompt, item.title)
        if not_an_attempt is not None:
            # Refused before anything is written: no answer, no points, no streak day.
            return views.error(
                f"{not_an_attempt} Nothing was recorded; send it again when you are ready."
            )
        result = await grade_off_loop(item, text)
        points = open_points(result.score)
        first_score: float | None = None
        replay: tuple[str, int, float | None] | None = None
        fresh: dict[PersonKey, Person] = {}
        async with self.d.store.transaction() as tx:
            person = await self._person(tx, actor, fresh)
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
            # A daily answer becomes a review of the person's card when its drill is revealed
            # (Practice.review_drill): nothing more to write here.
            if inserted is None:
                existing = await tx.get_answer(drill.id, person.id)
                assert existing is not None and existing.text is not None
                if existing.delivery == delivery or not await tx.claim_submission(
                    actor.workspace_id, delivery
                ):
                    # The platform delivered this same submission again: answer as before.
                    replay = (existing.text, existing.points, await tx.first_score(existing.id))
                else:
                    if existing.delivery:
                        # Retire the replaced version's key, so a late retry cannot bring it
                        # back.
                        await tx.claim_submission(actor.workspace_id, existing.delivery)
                    # Points count from the first answer's score plus a share of what this
                    # version improves on it, so pasting the feedback back cannot buy the board.
                    first_score = await tx.keep_first_score(existing.id)
                    if first_score is None:
                        first_score = existing.coverage or 0.0
                    counted = counted_score(first_score, result.score)
                    points = open_points(counted)
                    await tx.update_answer(
                        existing.id,
                        text=text,
                        coverage=result.score,
                        covered=result.covered,
                        mistakes=result.mistakes,
                        points=points,
                        correct=open_correct(counted),
                        now=now,
                        delivery=delivery,
                    )
        self._remember(fresh)
        if replay is not None:
            earlier_text, earlier_points, earlier_first = replay
            earlier = await grade_off_loop(item, earlier_text)
            return views.open_feedback(
                item,
                earlier,
                earlier_points,
                edited=earlier_first is not None,
                drill=drill,
                first_score=earlier_first,
            )
        if inserted is not None:
            self._schedule_count_update(drill)
            self.d.metrics.answers_recorded(platform_of(drill.workspace_id))
        return views.open_feedback(
            item, result, points, edited=inserted is None, drill=drill, first_score=first_score
        )

    async def learn_name(self, actor: Actor) -> None:
        """Store the actor's display name unless the cache shows it is the one stored."""
        if not actor.display_name or _key(actor) in self._people:
            return
        fresh: dict[PersonKey, Person] = {}
        async with self.d.store.transaction() as tx:
            await self._person(tx, actor, fresh)
        self._remember(fresh)

    async def warm(self) -> int:
        """Learn the people the database knows, so the first answers after a start need not
        look each person up. Returns how many were loaded."""
        async with self.d.store.transaction() as tx:
            people = await tx.people(CACHE_LIMIT)
        for p in people:
            self._people.put((p.workspace_id, p.external_id, p.display_name), p)
        return len(people)

    async def _learn_people(
        self, tx: Tx, actors: Sequence[Actor], fresh: dict[PersonKey, Person]
    ) -> None:
        """Look up (or create) in one go the people of a batch the cache does not know."""
        unknown: dict[str, list[Actor]] = {}
        for actor in actors:
            if _key(actor) not in self._people and _key(actor) not in fresh:
                unknown.setdefault(actor.workspace_id, []).append(actor)
        for workspace_id, missing in unknown.items():
            people = await tx.ensure_people(
                workspace_id, [(a.user_id, a.display_name) for a in missing]
            )
            for actor, person in zip(missing, people, strict=True):
                fresh[_key(actor)] = person

    async def _person(self, tx: Tx, actor: Actor, fresh: dict[PersonKey, Person]) -> Person:
        """The actor's person; one the transaction had to look up goes in ``fresh``, which
        ``_remember`` caches once the transaction committed (a rolled-back insert must not
        leave the cache an id that does not exist)."""
        key = _key(actor)
        person = self._people.get(key) or fresh.get(key)
        if person is None:
            person = await tx.ensure_person(actor.workspace_id, actor.user_id, actor.display_name)
            fresh[key] = person
        return person

    def _remember(self, fresh: dict[PersonKey, Person]) -> None:
        for key, person in fresh.items():
            self._people.put(key, person)

    async def _checked_drill(
        self, actor: Actor, drill_id: int, now: dt.datetime
    ) -> tuple[Drill | None, Message | None]:
        """The drill if it takes answers now (read outside any write transaction), or why not."""
        drill = self._drills.get(drill_id)
        if drill is None:
            # A burst of clicks on a drill this process has not read yet: one read for all of
            # them, not one transaction each.
            lookup = self._drill_lookups.get(drill_id)
            if lookup is None:
                lookup = asyncio.ensure_future(self._read_drill(drill_id))
                self._drill_lookups[drill_id] = lookup
                lookup.add_done_callback(lambda _: self._drill_lookups.pop(drill_id, None))
            drill = await asyncio.shield(lookup)
        if drill is None:
            return None, views.error("That drill does not exist (any more).")
        problem = self._check_open(actor, drill, now)
        return (None, problem) if problem else (drill, None)

    async def _read_drill(self, drill_id: int) -> Drill | None:
        async with self.d.store.transaction(read_only=True) as tx:
            drill = await tx.get_drill(drill_id)
        if drill is not None and drill.state is DrillState.POSTED:
            self._drills.put(drill_id, drill)
        return drill

    def _check_open(self, actor: Actor, drill: Drill, now: dt.datetime) -> Message | None:
        if drill.workspace_id != actor.workspace_id:
            return views.error("That drill does not exist (any more).")
        if drill.state is not DrillState.POSTED:
            return views.error("That drill was never posted, so it takes no answers.")
        if drill.revealed_at is not None or now >= drill.reveal_at:
            return views.error(
                "This drill has closed: the answer is in its thread. A new one comes with the "
                "next drill, or try `/drill question` for practice."
            )
        return None

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
            async with self.d.store.transaction(read_only=True) as tx:
                answered = await tx.answer_count(drill.id)
                channel = await tx.get_channel(drill.channel_id)
            item = self.d.library.get(drill.item_id)
            if channel is None or channel.schedule is None:
                return
            if not isinstance(item, OpenQuestion | MultipleChoice) or drill.message_ref is None:
                return
            topic = self.d.library.topics().get(item.topic, item.topic)
            message = views.drill_message(
                item, topic, channel.schedule.timezone, drill, answered=answered
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
