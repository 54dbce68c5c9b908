"""Benchmark: grading the slowest 3,000-character answers, and what it costs the event loop.

Three kinds of input, each exactly ``max_answer_chars`` (3,000) long, graded against every open
question of the shipped packs:

- on-topic prose: the packs' own model answers, run together;
- off-topic prose: ordinary English sentences about something else;
- pasted logs: Node log lines and stack frames full of ids, timestamps and hex that no
  dictionary holds.

Grading costs most for words the process has never stemmed (Snowball is pure Python), so each
input is timed twice: "warm" as a running bot that has seen those words, and "cold" with the
stemming caches cleared before every call, the slowest it can be. Logs are cold either way:
every paste brings new ids.

Then the part that matters to Slack: how long the event loop goes without running while those
answers are graded as the answer path grades them (``grade_off_loop``, on the grader's
thread), next to grading them on the loop itself. A 1 ms heartbeat task measures the longest
gap.

Answers up to ``GRADE_INLINE_CHARS`` (1,000) are graded on the loop, so they are timed too.

Run: .venv/bin/python -m bench.grading_bench [--rounds 5]
Target (issue 9): <= 5 ms per answer, or off the event loop (loop gaps of a few ms).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence

from bot.content.loader import load_library
from bot.domain import text as text_module
from bot.domain.grading import grade
from bot.domain.items import OpenQuestion
from bot.services.answers import GRADE_INLINE_CHARS, grade_off_loop
from bot.services.deps import EngineSettings

LENGTH = EngineSettings().max_answer_chars
TARGET_MS = 5.0

OFF_TOPIC = """Grandmother kept her garden behind the old stone cottage, where tomatoes climbed
wooden stakes and marigolds guarded the borders against beetles. Every Sunday the family walked
along the river to the bakery, bought warm rye bread and sat watching herons wade through the
shallows. In autumn the orchard filled with apples, and the children gathered baskets while
their uncle pressed cider in the barn, humming songs from his sailing days. Winter evenings
were for knitting, card games and long stories about journeys across mountains, storms at sea
and a lighthouse keeper who painted seagulls. The village choir rehearsed carols in the chapel,
its windows glowing amber above the snowy lane, and neighbours brought cinnamon biscuits."""

LOG_LEVELS = ("ERROR", "WARN", "INFO", "DEBUG")
FRAMES = (
    "processTicksAndRejections (node:internal/process/task_queues:{a}:{b})",
    "Socket.emit (node:events:{a}:{b})",
    "PgPool.query (/srv/app/node_modules/pg-pool/index.js:{a}:{b})",
    "async OrdersController.create (/srv/app/dist/orders/controller.js:{a}:{b})",
    "TLSSocket.onConnectEnd (node:_tls_wrap:{a}:{b})",
)


def exactly(text: str, length: int = LENGTH) -> str:
    while len(text) < length:
        text += " " + text
    return text[:length]


def on_topic(questions: Sequence[OpenQuestion], first: int) -> str:
    ordered = [*questions[first:], *questions[:first]]
    return exactly("\n\n".join(q.model_answer for q in ordered))


def off_topic() -> str:
    return exactly(OFF_TOPIC.replace("\n", " "))


def pasted_logs(rng: random.Random) -> str:
    lines: list[str] = []
    while sum(len(line) + 1 for line in lines) < LENGTH:
        frame = rng.choice(FRAMES).format(a=rng.randint(1, 900), b=rng.randint(1, 80))
        lines.append(
            f"2026-11-30T09:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}."
            f"{rng.randint(0, 999):03d}Z {rng.choice(LOG_LEVELS)} "
            f"[req-{rng.getrandbits(64):016x}] user={rng.getrandbits(32):08x} "
            f"latency={rng.randint(1, 9999)}ms\n    at {frame}"
        )
    return exactly("\n".join(lines))


def clear_stems() -> None:
    text_module.stem.cache_clear()
    text_module._deletions.cache_clear()
    text_module._typo_targets.cache_clear()  # typo checks of the answer's words, per rubric


Case = tuple[str, bool, Callable[[int], str]]


def cases(questions: Sequence[OpenQuestion], rng: random.Random) -> list[Case]:
    """(label, cold, the input for the n-th question)."""
    return [
        ("on-topic prose, warm", False, lambda n: on_topic(questions, n)),
        ("on-topic prose, cold", True, lambda n: on_topic(questions, n)),
        ("off-topic prose, warm", False, lambda n: off_topic()),
        ("off-topic prose, cold", True, lambda n: off_topic()),
        ("pasted logs (new ids each)", False, lambda n: pasted_logs(rng)),
    ]


def time_inline(questions: Sequence[OpenQuestion], case: Case, rounds: int) -> list[float]:
    _, cold, make = case
    for n, q in enumerate(questions):  # what a running bot has already seen
        grade(q, make(n))
    times = []
    for _ in range(rounds):
        for n, q in enumerate(questions):
            answer = make(n)
            if cold:
                clear_stems()
            start = time.perf_counter()
            grade(q, answer)
            times.append((time.perf_counter() - start) * 1000)
    return times


async def longest_gap(work: Awaitable[object]) -> float:
    """The longest the event loop went without running a 1 ms heartbeat while ``work`` ran."""
    worst = 0.0
    done = False

    async def heartbeat() -> None:
        nonlocal worst
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            worst = max(worst, now - last)
            last = now

    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.005)  # the heartbeat is running
    try:
        await work
    finally:
        done = True
        await beat
    return worst


async def on_the_loop(question: OpenQuestion, answer: str) -> None:
    grade(question, answer)


async def loop_gaps(
    questions: Sequence[OpenQuestion], make: Callable[[int], str], off_loop: bool
) -> list[float]:
    """The event loop's longest gap (ms) around each answer graded, cold."""
    gaps: list[float] = []
    for n, q in enumerate(questions):
        answer = make(n)
        clear_stems()
        work = grade_off_loop(q, answer) if off_loop else on_the_loop(q, answer)
        gaps.append(await longest_gap(work) * 1000)
    return gaps


def _cut(make: Callable[[int], str]) -> Callable[[int], str]:
    return lambda n: make(n)[:GRADE_INLINE_CHARS]


def line(label: str, times: list[float]) -> str:
    return f"{label}: p50 {statistics.median(times):.2f} ms · max {max(times):.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    questions = [q for q in load_library().open_questions() if isinstance(q, OpenQuestion)]
    rng = random.Random(9)
    print(
        f"grading {LENGTH:,}-character answers against {len(questions)} open questions, "
        f"{args.rounds} rounds each (target <= {TARGET_MS:.0f} ms, or off the event loop)"
    )
    slowest = 0.0
    for case in cases(questions, rng):
        times = time_inline(questions, case, args.rounds)
        slowest = max(slowest, max(times))
        verdict = "within" if max(times) <= TARGET_MS else "over"
        print(f"  {line(case[0], times)} ({verdict} {TARGET_MS:.0f} ms)")
    short = [
        (f"{case[0]}, first {GRADE_INLINE_CHARS:,} characters", case[1], _cut(case[2]))
        for case in cases(questions, rng)
        if case[1] or case[0].startswith("pasted")
    ]
    print(f"answers of up to {GRADE_INLINE_CHARS:,} characters are graded on the loop:")
    for case in short:
        print(f"  {line(case[0], time_inline(questions, case, args.rounds))}")
    print("event loop's longest gap per answer graded cold (1 ms heartbeat):")
    for label, make in (
        ("on-topic prose", lambda n: on_topic(questions, n)),
        ("off-topic prose", lambda n: off_topic()),
        ("pasted logs", lambda n: pasted_logs(rng)),
    ):
        on_loop = asyncio.run(loop_gaps(questions, make, off_loop=False))
        off = asyncio.run(loop_gaps(questions, make, off_loop=True))
        print(f"  {label}: {line('graded on the loop', on_loop)}; {line('grade_off_loop', off)}")
    print(
        f"slowest single grade {slowest:.1f} ms; the answer path grades answers over "
        f"{GRADE_INLINE_CHARS:,} characters on its own thread (grade_off_loop), so what the "
        "loop sees of them is the gap above"
    )


if __name__ == "__main__":
    main()
