"""How well the grader orders answers a reviewer would order: the figures issue 10 asks for.

For each labelled set (the guide's labelled and held-out answers, and the blind set written
before the rules were read) it prints how many of the (higher, lower) label pairs the grader
orders right, by pair kind, and how many stated misconceptions it flags.

Run: .venv/bin/python -m bench.grading_quality [--verbose]
"""

from __future__ import annotations

import argparse
from collections import Counter

from bot.content.loader import load_library
from tests.content.test_grading_quality import BLIND, ORDER, SETS, Graded, evaluate, load_answers


def _pair_counts(answers: list[Graded]) -> dict[tuple[str, str], tuple[int, int]]:
    by_question: dict[str, dict[str, list[Graded]]] = {}
    for a in answers:
        by_question.setdefault(a.question, {}).setdefault(a.label, []).append(a)
    ordered: Counter[tuple[str, str]] = Counter()
    total: Counter[tuple[str, str]] = Counter()
    for groups in by_question.values():
        for high, low in ORDER:
            for h in groups.get(high, []):
                for lo in groups.get(low, []):
                    total[high, low] += 1
                    ordered[high, low] += h.grade.score > lo.grade.score
    return {pair: (ordered[pair], total[pair]) for pair in ORDER if total[pair]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--verbose", action="store_true", help="list every failure")
    args = parser.parse_args()
    library = load_library()
    for name, path in [*SETS.items(), ("blind", BLIND)]:
        answers = load_answers(path, library)
        report = evaluate(answers)
        print(f"{name}: {report.summary()}")
        for (high, low), (ok, total) in _pair_counts(answers).items():
            print(f"  {high:>7} > {low:<10} {ok}/{total}")
        means = Counter[str]()
        counts = Counter[str]()
        for a in answers:
            means[a.label] += a.grade.score  # type: ignore[assignment]
            counts[a.label] += 1
        print("  mean score: " + ", ".join(f"{k} {means[k] / counts[k]:.2f}" for k in counts))
        if args.verbose:
            for failure in report.failures:
                print("    FAIL", failure)


if __name__ == "__main__":
    main()
