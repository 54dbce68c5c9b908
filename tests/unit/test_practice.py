"""Practice on demand: one open practice question and one practice MCQ can wait at once."""

from __future__ import annotations

from bot.testing.harness import WORKSPACE, Harness

ANSWER = "/drill answer Keep hot data close to the app and expire each entry with a TTL."


async def test_a_practice_mcq_keeps_the_open_practice_question_asked_before_it() -> None:
    h = Harness()
    question = await h.say("alice", "/drill question", direct=True)
    assert question.startswith("Practice question")
    mcq = await h.say("alice", "/drill mcq", direct=True)
    assert "MCQ" in mcq
    answered = await h.say("alice", ANSWER, direct=True)
    assert answered.startswith("Answer recorded · key points covered: 2 of 2")
    assert "Model answer" in answered
    picked = await h.say("alice", "/drill pick B", direct=True)
    assert picked.startswith("✅ B is right.")
    assert "Your pick for the practice MCQ “MCQ " in picked


async def test_an_open_practice_question_keeps_the_practice_mcq_asked_before_it() -> None:
    h = Harness()
    await h.say("alice", "/drill mcq", direct=True)
    await h.say("alice", "/drill question", direct=True)
    assert (await h.say("alice", "/drill pick A", direct=True)).startswith("❌ A is not right.")
    assert (await h.say("alice", ANSWER, direct=True)).startswith("Answer recorded")


async def test_a_new_practice_question_replaces_only_its_own_kind() -> None:
    h = Harness()
    await h.say("alice", "/drill question caching", direct=True)
    await h.say("alice", "/drill mcq", direct=True)
    await h.say("alice", "/drill question queues", direct=True)
    async with h.store.transaction() as tx:
        person = await tx.find_person(WORKSPACE, "alice")
        assert person is not None
        stored = await tx.get_practice(person.id)
    assert stored is not None
    ids = stored.split()
    assert len(ids) == 2
    assert sum(i.startswith("open-queues-") for i in ids) == 1
    assert sum(i.startswith("mcq-") for i in ids) == 1


async def test_a_practice_question_stored_as_a_single_id_still_counts() -> None:
    h = Harness()
    await h.say("alice", "/drill stats")  # alice is known
    async with h.store.transaction() as tx:
        person = await tx.find_person(WORKSPACE, "alice")
        assert person is not None
        await tx.set_practice(person.id, "open-caching-1", h.clock.now())
    assert (await h.say("alice", ANSWER, direct=True)).startswith("Answer recorded")
    assert "no multiple-choice question waiting" in await h.say(
        "alice", "/drill pick B", direct=True
    )
