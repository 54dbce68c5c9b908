"""Text normalisation for grading: tokens, stems, forgiving look-ups and phrase windows."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer

_STEMMER = snowballstemmer.stemmer("english")
_WORD = re.compile(r"[a-z0-9]+")
# Clause boundaries stop a negation from reaching into the next statement.
_CLAUSE = re.compile(r"[.;:!?\n]+|\bbut\b|\bhowever\b|\bwhereas\b|\bwhile\b")
_APOSTROPHE = re.compile(r"['’`]")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been being
    both by could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most
    my myself now of off on once only or other our ours ourselves out over own same she should so
    some such than that the their theirs them themselves then there these they this those through
    to too under until up very was we were what when where which who whom why will with would you
    your yours yourself yourselves can may might must shall also etc eg ie like i'd i'm we'd let
    lets get gets got really basically actually s t""".split()
)

NEGATIONS = frozenset(
    """not no never none nor neither without cannot cant dont doesnt didnt isnt arent wasnt
    werent wont wouldnt shouldnt couldnt hasnt havent hadnt mustnt aint nothing nobody""".split()
)

NEGATION_REACH = 4
"""How many words before a phrase a negation still applies to it."""

FUZZY_MIN_LENGTH = 5


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


def words(text: str) -> list[str]:
    return _WORD.findall(_APOSTROPHE.sub("", text.lower()))


def content_stems(text: str, keep_negations: bool = False) -> tuple[str, ...]:
    """The stems of a phrase's words, stop words left out (a phrase of only stop words keeps them).

    With ``keep_negations`` a negation in the phrase is part of what must match ("never stale").
    """
    tokens = words(text)
    kept = [
        t
        for t in tokens
        if (t not in STOPWORDS and t not in NEGATIONS) or (keep_negations and t in NEGATIONS)
    ] or tokens
    return tuple(stem(t) for t in kept)


def has_negation(text: str) -> bool:
    return any(t in NEGATIONS for t in words(text))


@lru_cache(maxsize=65536)
def _deletions(word: str) -> frozenset[str]:
    return frozenset({word} | {word[:i] + word[i + 1 :] for i in range(len(word))})


def within_one_edit(a: str, b: str) -> bool:
    """True when a and b differ by one insertion, deletion, substitution or adjacent swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diffs = [i for i in range(la) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


@dataclass
class Document:
    """An answer, tokenised once and then searched for many phrases."""

    stems: list[str]
    """The stem of every word, in order."""
    content: list[int]
    """Positions of the words that carry meaning (not stop words or negations)."""
    clause_of_raw: list[int]
    negated_raw: list[bool]
    """Whether a negation word sits at each raw position."""
    positions: dict[str, list[int]] = field(default_factory=dict)
    _fuzzy: dict[str, set[str]] = field(default_factory=dict)
    _cache: dict[str, list[int]] = field(default_factory=dict)
    excluded: set[int] = field(default_factory=set)
    """Content positions that do not count (text pasted from the prompt)."""

    @property
    def stopword_ratio(self) -> float:
        total = len(self.stems)
        return (total - len(self.content)) / total if total else 0.0

    def find(self, token: str) -> list[int]:
        """Positions where a phrase stem occurs: exactly, joined from two words, or with a typo."""
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        found = set(self.positions.get(token, ()))
        if len(token) >= FUZZY_MIN_LENGTH and not token.isdigit():
            for variant in _deletions(token):
                for candidate in self._fuzzy.get(variant, ()):
                    if candidate != token and within_one_edit(candidate, token):
                        found.update(self.positions[candidate])
        result = sorted(p for p in found if p not in self.excluded)
        self._cache[token] = result
        return result

    def is_negated(self, start: int, end: int) -> bool:
        """Whether a negation governs the span of words [start, end]."""
        clause = self.clause_of_raw[start]
        for raw in range(max(0, start - NEGATION_REACH), end + 1):
            if self.negated_raw[raw] and self.clause_of_raw[raw] == clause:
                return True
        return False


def parse_document(text: str) -> Document:
    lowered = _APOSTROPHE.sub("", text.lower())
    raw: list[str] = []
    clause_of_raw: list[int] = []
    for clause_no, clause in enumerate(_CLAUSE.split(lowered)):
        for word in _WORD.findall(clause):
            raw.append(word)
            clause_of_raw.append(clause_no)
    stems = [stem(w) for w in raw]
    content = [i for i, w in enumerate(raw) if w not in STOPWORDS and w not in NEGATIONS]
    positions: dict[str, list[int]] = defaultdict(list)
    for pos, s in enumerate(stems):
        positions[s].append(pos)
    # "eventloop" and "event loop", "nonblocking" and "non blocking" are the same words.
    for pos in range(len(raw) - 1):
        joined = stem(raw[pos] + raw[pos + 1])
        if joined not in (stems[pos], stems[pos + 1]):
            positions[joined].append(pos)
    fuzzy: dict[str, set[str]] = defaultdict(set)
    for s in positions:
        if len(s) >= FUZZY_MIN_LENGTH - 1 and not s.isdigit():
            for variant in _deletions(s):
                fuzzy[variant].add(s)
    return Document(
        stems=stems,
        content=content,
        clause_of_raw=clause_of_raw,
        negated_raw=[w in NEGATIONS for w in raw],
        positions=dict(positions),
        _fuzzy=dict(fuzzy),
    )


def phrase_spans(doc: Document, phrase: tuple[str, ...], slack: int = 4) -> list[tuple[int, int]]:
    """Every tight window in which all of the phrase's stems occur, in any order."""
    if not phrase:
        return []
    occurrences: list[tuple[int, int]] = []
    for k, token in enumerate(dict.fromkeys(phrase)):
        found = doc.find(token)
        if not found:
            return []
        occurrences.extend((p, k) for p in found)
    wanted = len(set(phrase))
    if wanted == 1:
        return [(p, p) for p, _ in occurrences]
    occurrences.sort()
    limit = len(phrase) + slack
    spans: list[tuple[int, int]] = []
    counts: dict[int, int] = defaultdict(int)
    have = 0
    left = 0
    for right, (pos, k) in enumerate(occurrences):
        if counts[k] == 0:
            have += 1
        counts[k] += 1
        while have == wanted:
            start = occurrences[left][0]
            if pos - start < limit:
                spans.append((start, pos))
            lk = occurrences[left][1]
            counts[lk] -= 1
            if counts[lk] == 0:
                have -= 1
            left += 1
        del right
    return spans


def shared_ngrams(doc: Document, source: str, n: int = 5) -> set[int]:
    """Content positions of ``doc`` inside a run of n words that also stands in ``source``."""
    src = content_stems(source)
    grams = {src[i : i + n] for i in range(len(src) - n + 1)}
    content = doc.content
    hits: set[int] = set()
    for i in range(len(content) - n + 1):
        window = content[i : i + n]
        if tuple(doc.stems[p] for p in window) in grams:
            hits.update(range(window[0], window[-1] + 1))
    return hits
