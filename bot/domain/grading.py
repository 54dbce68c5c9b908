"""Grade a free-text answer against a rubric: which key points it covers, which mistakes it shows.

The score is key-point coverage (by weight), scaled down for answers that are a bare list of
terms rather than statements, less a fixed penalty per mistake shown. Text pasted back from the
prompt counts for nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.domain.items import KeyPoint, Mistake, OpenQuestion, parse_rule
from bot.domain.text import (
    Document,
    content_stems,
    has_negation,
    parse_document,
    phrase_spans,
    shared_ngrams,
)

MISTAKE_PENALTY = 0.2
MAX_PENALISED_MISTAKES = 3
PROSE_RATIO = 0.15
"""Below this share of ordinary small words an answer reads as a list of terms."""
LIST_FLOOR = 0.35
"""The factor applied to coverage for an answer with no small words at all."""

Phrase = tuple[tuple[str, ...], bool]
"""A phrase's stems, and whether the phrase itself is negative ("never stale")."""
CompiledRule = tuple[tuple[Phrase, ...], ...]


@dataclass(frozen=True)
class Grade:
    score: float
    covered: tuple[str, ...]
    missed: tuple[str, ...]
    mistakes: tuple[str, ...]

    @property
    def coverage_ids(self) -> set[str]:
        return set(self.covered)


@lru_cache(maxsize=8192)
def compile_rule(rule: str) -> CompiledRule:
    return tuple(
        tuple(
            (content_stems(alt, keep_negations=has_negation(alt)), has_negation(alt))
            for alt in group
        )
        for group in parse_rule(rule)
    )


def _group_sentences(doc: Document, group: tuple[Phrase, ...], respect_negation: bool) -> set[int]:
    """The sentences in which the group has a hit (not negated, when that matters)."""
    found: set[int] = set()
    for stems, negative in group:
        for start, end in phrase_spans(doc, stems):
            # A negative phrase already says what it means; a negation near it does not undo it.
            if negative or not respect_negation or not doc.is_negated(start, end):
                found.add(doc.sentence[start])
    return found


def _group_stands(doc: Document, group: tuple[Phrase, ...]) -> bool:
    """Whether the group has a hit that is not denied; stops at the first one."""
    for stems, negative in group:
        for start, end in phrase_spans(doc, stems):
            if negative or not doc.is_negated(start, end):
                return True
    return False


def rule_matches(doc: Document, rule: str, claim: bool = False) -> bool:
    """Whether the answer satisfies a rule.

    For a key point the rule's groups may be found anywhere in the answer. For a claim (a
    mistake or red flag) they must stand in one sentence and not be negated: a mistake is one
    statement, and "X is not durable" does not claim that X is durable.
    """
    compiled = compile_rule(rule)
    if not claim:
        # A key point needs every group somewhere, and not denied ("you don't need a broker"
        # does not cover the broker): stop at the first hit that stands.
        return all(_group_stands(doc, group) for group in compiled)
    sentences: set[int] | None = None
    for group in compiled:
        hits = _group_sentences(doc, group, respect_negation=claim)
        sentences = hits if sentences is None or not claim else sentences & hits
        if not sentences:
            return False
    return True


def _echo_only(doc: Document, rule: str, echo: frozenset[str]) -> bool:
    """Whether every phrase of the rule found in the answer is made of the prompt's words."""
    for group in compile_rule(rule):
        for stems, _negative in group:
            if not set(stems) <= echo and phrase_spans(doc, stems, first_only=True):
                return False
    return True


def covers(doc: Document, point: KeyPoint, echo: frozenset[str] = frozenset()) -> bool:
    """Whether the answer covers the point. A rule matched only by words the prompt itself
    uses does not count: repeating the question is not answering it."""
    return any(
        rule_matches(doc, rule) and not (echo and _echo_only(doc, rule, echo))
        for rule in point.covered_by
    )


def shows(doc: Document, mistake: Mistake) -> bool:
    return any(rule_matches(doc, rule, claim=True) for rule in mistake.signals)


def prose_factor(doc: Document) -> float:
    ratio = doc.stopword_ratio
    if ratio >= PROSE_RATIO:
        return 1.0
    return LIST_FLOOR + (1.0 - LIST_FLOOR) * ratio / PROSE_RATIO


def grade_points(
    answer: str,
    points: Sequence[KeyPoint],
    mistakes: Sequence[Mistake],
    prompt: str = "",
) -> Grade:
    doc = parse_document(answer)
    echo: frozenset[str] = frozenset()
    if prompt:
        doc.excluded = shared_ngrams(doc, prompt)
        echo = frozenset(content_stems(prompt))
    covered = [p for p in points if covers(doc, p, echo)]
    shown = [m for m in mistakes if shows(doc, m)]
    total = sum(p.weight for p in points) or 1.0
    coverage = sum(p.weight for p in covered) / total
    penalty = MISTAKE_PENALTY * min(len(shown), MAX_PENALISED_MISTAKES)
    score = max(0.0, coverage * prose_factor(doc) - penalty)
    covered_ids = {p.id for p in covered}
    return Grade(
        score=round(score, 3),
        covered=tuple(p.id for p in covered),
        missed=tuple(p.id for p in points if p.id not in covered_ids),
        mistakes=tuple(m.id for m in shown),
    )


def grade(question: OpenQuestion, answer: str) -> Grade:
    return grade_points(answer, question.key_points, question.mistakes, prompt=question.prompt)
