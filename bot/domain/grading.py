"""Grade a free-text answer against a rubric: which key points it covers, which mistakes it shows.

The score is key-point coverage (by weight), scaled down for answers that are a bare list of
terms rather than statements, less a fixed penalty per mistake shown; when either lowers it,
`Grade.reason` says why in one line. Text copied from the prompt at length counts for nothing.
"""

from __future__ import annotations

from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.domain.items import KeyPoint, Mistake, OpenQuestion, parse_rule
from bot.domain.text import (
    NEGATION_STEM,
    NEVER,
    NOUN_NEGATION_STEM,
    SOFT_NEGATIONS,
    Document,
    VocabularyIndex,
    content_stems,
    has_negation,
    parse_document,
    phrase_spans,
    shared_ngrams,
    stem,
)

MISTAKE_PENALTY = 0.2
MAX_PENALISED_MISTAKES = 3
PROSE_RATIO = 0.15
"""Below this share of ordinary small words an answer reads as a list of terms."""
LIST_FLOOR = 0.35
"""The factor applied to coverage for an answer with no small words at all."""
ECHO_RUN = 8
"""How many content words in a row an answer must share with the prompt to count as copied:
shorter runs are how anyone states a fact the prompt also names ("a single thread")."""
ECHO_SHARE = 0.8
"""An answer whose content words come this much from the prompt is the prompt reworded: then
a rule matched only by the prompt's own words does not count either."""
ECHO_MIN_WORDS = 12

Phrase = tuple[tuple[str, ...], bool]
"""A phrase's stems, and whether the phrase itself is negative ("never stale")."""
CompiledRule = tuple[tuple[Phrase, ...], ...]


@dataclass(frozen=True)
class Grade:
    score: float
    covered: tuple[str, ...]
    missed: tuple[str, ...]
    mistakes: tuple[str, ...]
    reason: str | None = None
    """Why the score is below the covered share, in one line; None when it is not lowered."""
    list_factor: float = 1.0
    """The factor applied to coverage because the answer reads as a bare list of terms."""

    @property
    def coverage_ids(self) -> set[str]:
        return set(self.covered)


@lru_cache(maxsize=8192)
def compile_rule(rule: str) -> CompiledRule:
    # Alternatives that differ only in inflection ("hand | hands | handed") are one phrase once
    # stemmed: searched for once.
    return tuple(
        tuple(
            dict.fromkeys(
                (content_stems(alt, keep_negations=has_negation(alt)), has_negation(alt))
                for alt in group
            )
        )
        for group in parse_rule(rule)
    )


@lru_cache(maxsize=8192)
def rule_vocabulary(rule: str) -> tuple[tuple[frozenset[str], ...], ...]:
    """Per group of a rule, the stems each of its phrases needs: a rule can match only if every
    group has a phrase whose stems all may be in the answer (``Document.reachable``)."""
    return tuple(tuple(frozenset(stems) for stems, _ in group) for group in compile_rule(rule))


@lru_cache(maxsize=1024)
def vocabulary_index(rules: tuple[str, ...]) -> VocabularyIndex:
    """The stems a rubric's rules look for, indexed for ``Document.search``."""
    return VocabularyIndex.of(
        stems for rule in rules for group in compile_rule(rule) for stems, _ in group
    )


@dataclass(frozen=True)
class _Rubric:
    """A rubric's rules (its points' and its mistakes'), indexed to tell at once which of them
    an answer might match."""

    index: VocabularyIndex
    rules_by_stem: dict[str, tuple[str, ...]]
    """Each rule under every stem of its most selective group (the one with fewest stems):
    one of them must be in the answer for the rule to match."""

    def possible_rules(self, reachable: frozenset[str]) -> set[str]:
        """A superset of the rules that match an answer holding the ``reachable`` stems."""
        possible: set[str] = set()
        for found in reachable:
            rules = self.rules_by_stem.get(found)
            if rules:
                possible.update(rules)
        return possible


@lru_cache(maxsize=1024)
def _rubric(rules: tuple[str, ...]) -> _Rubric:
    by_stem: dict[str, list[str]] = {}
    for rule in dict.fromkeys(rules):
        selective = min(
            (frozenset().union(*group) for group in rule_vocabulary(rule)),
            key=len,
        )
        for needed in selective:
            by_stem.setdefault(needed, []).append(rule)
    return _Rubric(
        vocabulary_index(rules), {needed: tuple(found) for needed, found in by_stem.items()}
    )


def _may_match(rule: str, reachable: frozenset[str] | None) -> bool:
    if reachable is None:
        return True
    # Loops rather than all()/any() over generators: this runs for every rule of the rubric.
    for group in rule_vocabulary(rule):
        for needed in group:
            if needed <= reachable:
                break
        else:
            return False
    return True


Hit = tuple[int, int, bool]
"""A phrase found in the answer: its first and last position, and whether it is negative."""


_DENIALS = frozenset({NEGATION_STEM, NOUN_NEGATION_STEM, NEVER} | {stem(w) for w in SOFT_NEGATIONS})


def _negation_in_place(doc: Document, stems: tuple[str, ...], start: int, end: int) -> bool:
    """Whether a negative phrase's negation stands before the word it denies, as written:
    "cannot require" is not found in "require() works if there is no top-level await", nor
    "instead of SHA-256" in "SHA-256 instead of plain text"."""
    for k, token in enumerate(stems[:-1]):
        if token not in _DENIALS:
            continue
        after = stems[k + 1]
        negations = [i for i in range(start, end + 1) if doc.stems[i] == token]
        targets = [i for i in doc.find(after) if start <= i <= end]
        if targets and not any(n < t for n in negations for t in targets):
            return False
    return True


def _group_hits(
    doc: Document,
    group: tuple[Phrase, ...],
    first_only: bool,
    needs: tuple[frozenset[str], ...] = (),
) -> list[Hit]:
    """Every hit of the group's phrases; ``needs`` (the group's ``rule_vocabulary``) skips a
    phrase with a stem the answer cannot hold without searching for it."""
    return list(_each_hit(doc, group, first_only, needs))


def _each_hit(
    doc: Document,
    group: tuple[Phrase, ...],
    first_only: bool,
    needs: tuple[frozenset[str], ...] = (),
) -> Iterator[Hit]:
    # Lazily, so a caller that needs one hit that stands stops searching when it has it.
    reachable = doc.reachable if needs else None
    for n, (stems, negative) in enumerate(group):
        if reachable is not None and not needs[n] <= reachable:
            continue
        for start, end in phrase_spans(doc, stems, first_only=first_only and not negative):
            if negative and not _negation_in_place(doc, stems, start, end):
                continue
            yield (start, end, negative)


def _stands(doc: Document, hit: Hit, own: frozenset[int]) -> bool:
    # A negative phrase already says what it means; a negation near it does not undo it.
    start, end, negative = hit
    return negative or not doc.is_negated(start, end, own)


def rule_matches(doc: Document, rule: str, claim: bool = False) -> bool:
    """Whether the answer satisfies a rule: every group found within one sentence, not denied.

    A statement is one sentence: a key point assembled from words of different sentences would
    credit an answer that says the opposite. The negations a rule contains ("doesn't crash")
    are its own words and never deny its other groups. For a key point, a topic denied in an
    earlier clause does not deny what a later clause states about it ("don't page with OFFSET,
    it gets slow" says OFFSET is slow); a claim (a mistake) must stand undenied throughout.
    """
    if not _may_match(rule, doc.reachable):
        return False
    compiled = compile_rule(rule)
    needs = rule_vocabulary(rule)
    if len(compiled) == 1:
        # One group: any hit that stands will do, and the first one found ends the search.
        return any(
            _stands(doc, hit, frozenset()) for hit in _each_hit(doc, compiled[0], False, needs[0])
        )
    groups: list[list[Hit]] = []
    for group, group_needs in zip(compiled, needs, strict=True):
        hits = _group_hits(doc, group, False, group_needs)
        if not hits:
            return False
        groups.append(hits)
    sentences = set.intersection(*({doc.sentence[h[0]] for h in hits} for hits in groups))
    if not sentences:
        return False
    if not doc.negates:
        return True  # every hit stands, and some sentence has a hit of every group
    own = frozenset(
        i
        for hits in groups
        for start, end, negative in hits
        if negative
        for i in range(start, end + 1)
    )
    for sentence in sentences:
        standing: list[list[Hit]] = []
        denied: list[list[Hit]] = []
        for hits in groups:
            here = [h for h in hits if doc.sentence[h[0]] == sentence]
            up = [h for h in here if _stands(doc, h, own)]
            standing.append(up)
            denied.append([h for h in here if h not in up])
        if all(standing):
            return True
        if claim:
            continue
        # Every group without a standing hit must be a topic denied in an earlier clause than
        # some standing hit of another group (the statement made about it).
        latest = max((doc.clause[h[1]] for up in standing for h in up), default=-1)
        if all(
            up or any(doc.clause[h[1]] < latest for h in down)
            for up, down in zip(standing, denied, strict=True)
        ) and any(standing):
            return True
    return False


def _echo_only(doc: Document, rule: str, echo: frozenset[str]) -> bool:
    """Whether every phrase of the rule found in the answer is made of the prompt's words."""
    for group in compile_rule(rule):
        for stems, _negative in group:
            if not set(stems) <= echo and phrase_spans(doc, stems, first_only=True):
                return False
    return True


def covers(
    doc: Document,
    point: KeyPoint,
    echo: frozenset[str] = frozenset(),
    possible: Container[str] | None = None,
) -> bool:
    """Whether the answer covers the point; with ``echo`` (the answer rewords the prompt), a
    rule matched only by the prompt's own words does not count. Rules outside ``possible``
    (``_Rubric.possible_rules``) are known not to match."""
    return any(
        (possible is None or rule in possible)
        and rule_matches(doc, rule)
        and not (echo and _echo_only(doc, rule, echo))
        for rule in point.covered_by
    )


@lru_cache(maxsize=1024)
def _prompt_stems(prompt: str) -> frozenset[str]:
    return frozenset(content_stems(prompt))


def _rewords_prompt(doc: Document, prompt_stems: frozenset[str]) -> bool:
    content = [doc.stems[i] for i in doc.content if i not in doc.excluded]
    if len(content) < ECHO_MIN_WORDS:
        return False
    return sum(s in prompt_stems for s in content) >= ECHO_SHARE * len(content)


def shows(doc: Document, mistake: Mistake, possible: Container[str] | None = None) -> bool:
    return any(
        (possible is None or rule in possible) and rule_matches(doc, rule, claim=True)
        for rule in mistake.signals
    )


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
        # Only text copied at length is not the answer's own: a key fact stated in words the
        # prompt also uses ("one thread", "by default") is still the answer's, unless nearly
        # the whole answer is the prompt reworded.
        doc.excluded = shared_ngrams(doc, prompt, n=ECHO_RUN)
        prompt_stems = _prompt_stems(prompt)
        if _rewords_prompt(doc, prompt_stems):
            echo = prompt_stems
    rubric = _rubric(
        tuple(r for p in points for r in p.covered_by)
        + tuple(r for m in mistakes for r in m.signals)
    )
    # Once the copied text is excluded: what is searched for is then found as it counts.
    possible = rubric.possible_rules(doc.search(rubric.index))
    covered = [p for p in points if covers(doc, p, echo, possible)]
    shown = [m for m in mistakes if shows(doc, m, possible)]
    total = sum(p.weight for p in points) or 1.0
    coverage = sum(p.weight for p in covered) / total
    penalised = min(len(shown), MAX_PENALISED_MISTAKES)
    penalty = MISTAKE_PENALTY * penalised
    factor = prose_factor(doc) if covered else 1.0
    score = max(0.0, coverage * factor - penalty)
    covered_ids = {p.id for p in covered}
    return Grade(
        score=round(score, 3),
        covered=tuple(p.id for p in covered),
        missed=tuple(p.id for p in points if p.id not in covered_ids),
        mistakes=tuple(m.id for m in shown),
        reason=_reason(factor, penalised),
        list_factor=round(factor, 3),
    )


def _reason(factor: float, penalised: int) -> str | None:
    parts: list[str] = []
    if factor < 1.0:
        parts.append(
            f"reads as a list of terms rather than sentences, so coverage counts {factor:.0%}"
        )
    if penalised:
        # In the points' own unit: every message gives the score as a percentage.
        each = f"{MISTAKE_PENALTY:.0%}"
        parts.append(
            f"states {penalised} common mistake{'s' if penalised > 1 else ''} ({each} off each)"
        )
    if not parts:
        return None
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def grade(question: OpenQuestion, answer: str) -> Grade:
    return grade_points(answer, question.key_points, question.mistakes, prompt=question.prompt)
