"""The answer path stays cheap as a workspace grows: bounded LRU caches, the live count from a
count, grading off the event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from bot.domain import grading
from bot.domain.items import OpenQuestion
from bot.services import answers as answers_module
from bot.services.answers import Lru
from bot.testing.harness import Harness, text_of
from bot.testing.memory_store import MemoryTx
from tests.unit.test_engine_drills import drill_id


def test_lru_forgets_the_least_recently_used_entry_not_everything() -> None:
    cache: Lru[str, int] = Lru(3)
    for n, key in enumerate("abc"):
        cache.put(key, n)
    assert cache.get("a") == 0  # a is now the most recently used
    cache.put("d", 3)
    assert len(cache) == 3
    assert "b" not in cache
    assert [cache.get(k) for k in "acd"] == [0, 2, 3]
    cache.put("c", 20)  # replacing a value makes it recent, and keeps the size
    cache.put("e", 4)
    assert len(cache) == 3 and "a" not in cache and cache.get("c") == 20


async def test_a_full_people_cache_keeps_the_people_who_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(answers_module, "CACHE_LIMIT", 3)
    h = Harness()
    await h.setup()
    await h.at("2026-11-30T09:30")
    did = await drill_id(h, "2026-11-30")
    lookups: list[str] = []
    original = MemoryTx.ensure_person

    async def counting(self: MemoryTx, workspace_id: str, external_id: str, name: str) -> object:
        lookups.append(external_id)
        return await original(self, workspace_id, external_id, name)

    monkeypatch.setattr(MemoryTx, "ensure_person", counting)
    for n, user in enumerate(("alice", "bob", "carol", "alice", "dave", "alice")):
        reply = await h.engine.answer(h.actor(user), did, f"hot data with a ttl {n}", f"m-{n}")
        assert "Answer" in text_of(reply)
    # alice kept answering, so the fourth person pushed out bob (unused longest), not her.
    assert lookups == ["alice", "bob", "carol", "dave"]


async def test_the_live_count_is_counted_without_reading_the_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    h = Harness()
    await h.setup()
    await h.at("2026-11-30T09:30")
    did = await drill_id(h, "2026-11-30")

    async def no_rows(self: MemoryTx, drill_id: int) -> list[Any]:
        raise AssertionError("the answer count read every answer row")

    monkeypatch.setattr(MemoryTx, "drill_answers", no_rows)
    for n, user in enumerate(("alice", "bob")):
        await h.engine.answer(h.actor(user), did, "hot data with a ttl", f"m-{n}")
        await h.engine.answers.flush()
    updates = [text_of(s.message) for s in h.chat.sent if s.method == "update"]
    assert len(updates) == 2
    assert "1 answer so far" in updates[0] and "2 answers so far" in updates[1]


LONG = " ".join(["Keep hot data close to the app and expire each entry with a TTL."] * 20)


class _BlockingGrader:
    """Grading that blocks until a coroutine on the event loop has run while it waited.

    On the loop's own thread the coroutine could never run, so the wait would time out and
    the grade would be marked as having blocked the loop: no clock threshold decides it.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        assert answers_module.GRADE_INLINE_CHARS < len(LONG) <= 3_000
        self.threads: list[str] = []
        self.loop_ran_meanwhile: list[bool] = []
        self._started = threading.Event()
        self._loop_ran = threading.Event()
        monkeypatch.setattr(answers_module, "grade", self._grade)

    def _grade(self, question: OpenQuestion, text: str) -> grading.Grade:
        self.threads.append(threading.current_thread().name)
        self._started.set()
        self.loop_ran_meanwhile.append(self._loop_ran.wait(timeout=5))
        return grading.grade(question, text)

    async def during(self, work: Any) -> None:
        async def witness() -> None:
            while not self._started.is_set():
                await asyncio.sleep(0.001)
            self._loop_ran.set()

        watcher = asyncio.create_task(witness())
        await work
        watcher.cancel()


async def test_grading_a_long_drill_answer_does_not_block_the_event_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    h = Harness()
    await h.setup()
    await h.at("2026-11-30T09:30")
    did = await drill_id(h, "2026-11-30")
    grader = _BlockingGrader(monkeypatch)
    reply: Any = None

    async def answer() -> None:
        nonlocal reply
        reply = await h.engine.answer(h.actor("alice"), did, LONG, "m-1")

    await grader.during(answer())
    assert "Answer recorded" in text_of(reply)
    assert grader.threads and all(t.startswith("drillbot-grade") for t in grader.threads)
    assert grader.loop_ran_meanwhile == [True], "the loop did not run while grading"


async def test_grading_a_long_practice_answer_does_not_block_the_event_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    h = Harness()
    assert (await h.say("alice", "/drill question", direct=True)).startswith("Practice question")
    grader = _BlockingGrader(monkeypatch)
    said: list[str] = []

    async def practise() -> None:
        said.append(await h.say("alice", f"/drill answer {LONG}", direct=True))

    await grader.during(practise())
    assert "Model answer" in said[0]
    assert grader.threads and all(t.startswith("drillbot-grade") for t in grader.threads)
    assert grader.loop_ran_meanwhile == [True], "the loop did not run while grading"


async def test_short_answers_are_graded_without_a_thread_hop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    h = Harness()
    await h.setup()
    await h.at("2026-11-30T09:30")
    did = await drill_id(h, "2026-11-30")
    threads: list[str] = []

    def noting(question: OpenQuestion, text: str) -> grading.Grade:
        threads.append(threading.current_thread().name)
        return grading.grade(question, text)

    monkeypatch.setattr(answers_module, "grade", noting)
    reply = await h.engine.answer(h.actor("alice"), did, "hot data with a ttl", "m-1")
    assert "Answer recorded" in text_of(reply)
    assert threads == [threading.main_thread().name]


def test_stemming_runs_in_c_with_the_same_stems_as_the_python_snowball() -> None:
    # Grading a long answer of new words is mostly stemming: the pure-Python Snowball took
    # 20-130 ms for 3,000 characters. PyStemmer must be the one in use, and agree with it.
    import re

    from snowballstemmer.english_stemmer import EnglishStemmer

    from bot.content.loader import load_library
    from bot.domain.text import _STEMMER

    assert type(_STEMMER).__module__ == "Stemmer", type(_STEMMER)
    library = load_library()
    vocabulary = {
        word
        for q in library.open_questions()
        for word in re.findall(r"[a-z0-9]+", f"{q.prompt} {q.model_answer}".lower())
    }
    reference = EnglishStemmer()
    assert len(vocabulary) > 1000
    assert {w: _STEMMER.stemWord(w) for w in vocabulary} == {
        w: reference.stemWord(w) for w in vocabulary
    }


async def _mcq_drill(h: Harness) -> int:
    await h.setup("09:30 Europe/Berlin mon-fri mcq-days=mon")
    await h.at("2026-11-30T09:30")
    return await drill_id(h, "2026-11-30")


async def test_a_burst_of_picks_shares_write_transactions_and_each_gets_its_own_feedback() -> None:
    from bot.testing.flaky_store import FlakyStore
    from bot.testing.memory_store import MemoryStore

    store = FlakyStore(MemoryStore())
    h = Harness(store=store)
    did = await _mcq_drill(h)
    users = [f"user{n}" for n in range(30)]
    before = store.attempts
    replies = await asyncio.gather(
        *(h.engine.pick(h.actor(u), f"{did}:{'AB'[n % 2]}", f"c-{n}") for n, u in enumerate(users)),
        h.engine.pick(h.actor("user0"), f"{did}:B", "c-again"),  # a second choice, same burst
    )
    await h.engine.answers.flush()
    texts = [text_of(r) for r in replies]
    assert all("B is right" in t for t in texts[1:30:2])
    assert all("A is not right" in t for t in texts[0:30:2])
    assert "first choice is the one that counts" in texts[30]
    # Reads of the drill until it is cached, then write transactions shared by the picks.
    assert store.attempts - before <= 5, store.attempts - before
    async with h.store.transaction() as tx:
        recorded = await tx.drill_answers(did)
        streaks = await tx.streaks([a.person_id for a in recorded])
    assert len(recorded) == 30 and len({a.person_id for a in recorded}) == 30
    assert sorted(a.choice or "" for a in recorded) == ["A"] * 15 + ["B"] * 15
    assert len(streaks) == 30 and {s.current for s in streaks} == {1}


class SlowReads:
    """A store whose read transactions take a while, as a database's do, counted."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.reads = 0

    @asynccontextmanager
    async def transaction(self, *, read_only: bool = False) -> AsyncIterator[Any]:
        if read_only:
            self.reads += 1
            await asyncio.sleep(0.01)
        async with self.inner.transaction(read_only=read_only) as tx:
            yield tx

    async def close(self) -> None:
        await self.inner.close()


async def test_a_burst_of_first_clicks_reads_the_drill_once() -> None:
    from bot.testing.memory_store import MemoryStore

    store = SlowReads(MemoryStore())
    h = Harness(store=store)
    did = await _mcq_drill(h)
    h.engine.answers._drills = Lru(10)  # as in a process that did not post the drill itself
    before = store.reads
    replies = await asyncio.gather(
        *(h.engine.pick(h.actor(f"user{n}"), f"{did}:B", f"c-{n}") for n in range(20))
    )
    assert all("B is right" in text_of(r) for r in replies)
    # One read of the drill for all twenty (then one of the live count), not one each.
    assert store.reads - before == 2


async def test_a_pick_that_fails_does_not_fail_the_others_in_its_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    h = Harness()
    did = await _mcq_drill(h)
    original = MemoryTx.insert_answer

    async def failing(self: MemoryTx, **kwargs: Any) -> Any:
        person = await self.get_person(kwargs["person_id"])
        if person is not None and person.external_id == "bob":
            raise RuntimeError("bob's pick breaks")
        return await original(self, **kwargs)

    monkeypatch.setattr(MemoryTx, "insert_answer", failing)
    results = await asyncio.gather(
        *(h.engine.pick(h.actor(u), f"{did}:B", f"c-{u}") for u in ("ann", "bob", "cid")),
        return_exceptions=True,
    )
    assert isinstance(results[1], RuntimeError)
    assert all("B is right" in text_of(r) for r in (results[0], results[2]))  # type: ignore[arg-type]
    async with h.store.transaction() as tx:
        assert await tx.answer_count(did) == 2


async def test_picks_retry_together_while_the_database_is_down() -> None:
    from bot.services.deps import EngineSettings
    from bot.testing.flaky_store import FlakyStore
    from bot.testing.memory_store import MemoryStore

    store = FlakyStore(MemoryStore())
    h = Harness(store=store, settings=EngineSettings(retry_delay=0.001, count_update_delay=0))
    did = await _mcq_drill(h)
    await h.engine.pick(h.actor("warm"), f"{did}:A", "c-warm")  # the drill is cached now
    store.failures = 1  # the batch's transaction fails once
    replies = await asyncio.gather(
        *(h.engine.pick(h.actor(u), f"{did}:B", f"c-{u}") for u in ("ann", "bob", "cid"))
    )
    assert all("B is right" in text_of(r) for r in replies)
    async with h.store.transaction() as tx:
        assert await tx.answer_count(did) == 4
