"""Benchmark: load and validate every pack; grade one open answer.

Run: .venv/bin/python -m bench.content_bench
Targets (issue 2): load + validate all packs <= 300 ms; grade one answer <= 5 ms median.
"""

from __future__ import annotations

import statistics
import time

from bot.content.loader import load_packs
from bot.domain.grading import grade
from bot.domain.items import OpenQuestion

ANSWER = """The event loop lets Node run JavaScript on a single main thread while the slow work
happens elsewhere: sockets are watched by the operating system (epoll, kqueue) and file system,
DNS lookups and crypto run on libuv's thread pool. When an operation completes, its callback is
queued and the loop runs it in the right phase: timers for setTimeout and setInterval, poll for
I/O callbacks, check for setImmediate, then close callbacks. After every callback Node drains
process.nextTick callbacks and then promise microtasks, so they run before the next macrotask.
Inside an I/O callback setImmediate always fires before a zero-delay setTimeout, but in the main
module their order is not guaranteed. A long synchronous computation blocks the loop, so every
request waits; move it to a worker thread or split it up."""


def bench_load(rounds: int = 15) -> list[float]:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        result = load_packs()
        times.append((time.perf_counter() - start) * 1000)
        assert result.ok, result.problems
    return times


def bench_grade(rounds: int = 2000) -> tuple[list[float], str]:
    library = load_packs().library
    question = next(
        (q for q in library.open_questions() if q.origin == "guide:q1"),
        library.open_questions()[0],
    )
    assert isinstance(question, OpenQuestion)
    grade(question, ANSWER)  # warm the caches once, as a running bot would have
    times = []
    for n in range(rounds):
        text = ANSWER + f" ({n})"  # a fresh answer every time: nothing is cached per answer
        start = time.perf_counter()
        grade(question, text)
        times.append((time.perf_counter() - start) * 1000)
    return times, question.id


def main() -> None:
    load = bench_load()
    items = len(load_packs().library.items)
    print(
        f"load+validate all packs ({items} items): median {statistics.median(load):.1f} ms, "
        f"max {max(load):.1f} ms (target <= 300 ms; first run {load[0]:.1f} ms)"
    )
    grades, qid = bench_grade()
    q = statistics.quantiles(grades, n=100)
    print(
        f"grade one answer ({qid}, {len(ANSWER)} chars): "
        f"median {statistics.median(grades):.2f} ms, "
        f"p99 {q[98]:.2f} ms (target <= 5 ms median)"
    )


if __name__ == "__main__":
    main()
