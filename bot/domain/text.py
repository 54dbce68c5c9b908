"""Text normalisation for grading: tokens, stems, forgiving look-ups and phrase windows."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer

# snowballstemmer hands over to PyStemmer when it is installed (a dependency): the same Snowball
# algorithms in C, the same stems, some 25 times faster. Stemming words a process has not seen
# yet is most of what grading a long answer costs (pasted logs are all new words).
_STEMMER = snowballstemmer.stemmer("english")
_WORD = re.compile(r"[a-z0-9]+")
# A phrase must stand within one sentence; a negation reaches only within its clause.
# A single line break is only wrapping (answers pasted from an editor or an email are often
# hard-wrapped); a blank line or a new list item ends the sentence.
_SENTENCE = re.compile(r"[.;!?]+(?:\s|$)|\n\s*\n|\n(?=[ \t]*(?:[-*•–]|\d+[.)])[ \t])")
# Subordinate clauses bound a negation too: in "if you don't handle it, the process crashes" or
# "not X because Y" the negation does not reach the other clause. A connective that rules quote
# ("since the deploy", "when did it start", "try things until") opens the next clause and stays a
# word (a lookahead); the stop words among them are dropped as every stop word is, so they do
# not widen the window a phrase must fit in, and are counted apart as the small words they are.
_DROPPED_CONNECTIVE = re.compile(r"\b(?:so|because|which|if)\b")
_CLAUSE = re.compile(
    r"[,:()]|\b(?:so|because|which|if)\b|"
    r"(?=\b(?:but|however|whereas|while|although|though|since|unless|until|when)\b)"
)
_APOSTROPHE = re.compile(r"['’`]")

# Only words that carry no technical meaning: "out" (scale out), "up", "all", "same", "only",
# "before" and "after" matter in answers and stay.
STOPWORDS = frozenset(
    """a am an and any are as at be because been being by could did do does doing for from had
    has have having he her here hers herself him himself his i if in into is it its itself just
    me my myself of on or our ours ourselves she should so some such than that the their theirs
    them themselves then there these they this those to was we were what which who whom will with
    would you your yours yourself yourselves can may might must shall also etc eg ie like id im
    wed youd ill let lets get gets got really basically actually s t""".split()
)

NEGATIONS = frozenset(
    """not no never none nor neither without cannot cant dont doesnt didnt isnt arent wasnt
    werent wont wouldnt shouldnt couldnt hasnt havent hadnt mustnt aint nothing nobody""".split()
)
"""Dropped from phrases (unless the phrase itself is negative) and negate what is near them."""

NEGATION_STEM = "not"
"""Every verb negation matches every other inside a negative phrase: a rule written with
"cannot" must match "can't", "can not" and "doesn't"; the word is style, the denial is the
claim. "No", "none", "nothing" and "without" deny a noun, not a verb ("ESM has no require"
is not "ESM can never require"), so they keep a stem of their own."""
NOUN_NEGATION_STEM = "no"
NOUN_NEGATIONS = frozenset("no none nothing nobody without".split())
NEVER = "never"
""""Never" keeps its own stem too: "can never require ESM" is how older advice is quoted, and a
rule that wants it says so."""

SOFT_NEGATIONS = frozenset(
    """instead rather avoid avoids avoided avoiding unlike stop stopped prevent prevents""".split()
)
"""Words that take back what follows them ("instead of sorting in memory", "rather than OFFSET")
but never what comes before them: "use keyset rather than OFFSET" affirms keyset. They are
ordinary words inside a phrase ("avoid blocking")."""

AUXILIARIES = frozenset(
    """is are was were be been being am do does did will would should could can may might must
    has have had it its they this that simply really actually just still""".split()
)
"""Words that may stand between a phrase and a negation after it: "pub/sub is not durable"."""

CONJUNCTIONS = frozenset("and then also plus".split())
"""A negation does not reach across these: "don't restart, and look at the logs first"."""

NEGATION_BEFORE = 4
"""How many words before a phrase a negation still applies to it."""
SOFT_NEGATION_BEFORE = 3
"""How many words before a phrase a soft negation ("instead of", "avoid") still applies."""
NEGATION_AFTER = 3
"""How many words after a phrase a negation still applies ("... is not durable")."""

DISTINCT_TERMS = frozenset(
    """microtask macrotask complet complex contact contract content context entir entri event
    eventu general generat parti partit presenc present prevent relic replic semver sever server
    there three unread unreadi produc product readabl writabl reject eject stdin stdio""".split()
)
"""Stems of real terms one letter apart: a typo never turns one into the other (a "macrotask"
is not a misspelt "microtask", nor "unready" a misspelt "unread")."""


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


def words(text: str) -> list[str]:
    return _WORD.findall(_APOSTROPHE.sub("", text.lower()))


def _stem_token(word: str) -> str:
    if word in NEGATIONS:
        if word == NEVER:
            return NEVER
        return NOUN_NEGATION_STEM if word in NOUN_NEGATIONS else NEGATION_STEM
    return stem(word)


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
    return tuple(_stem_token(t) for t in kept)


def has_negation(text: str) -> bool:
    return any(t in NEGATIONS or t in SOFT_NEGATIONS for t in words(text))


@lru_cache(maxsize=65536)
def _deletions(word: str) -> frozenset[str]:
    return frozenset({word} | {word[:i] + word[i + 1 :] for i in range(len(word))})


def is_typo_of(a: str, b: str) -> bool:
    """Whether ``a`` is plausibly ``b`` mistyped: one adjacent swap, one letter missing or extra,
    or (in long words) one letter wrong, never the first letter.

    Short words are left alone because their one-letter neighbours are other real words
    (start/starv, least/last, token/taken), and so is the first letter (kqueue/queue,
    asynchronous/synchronous).
    """
    if a == b:
        return True
    if a in DISTINCT_TERMS and b in DISTINCT_TERMS:
        return False
    la, lb = len(a), len(b)
    if abs(la - lb) > 1 or not a or not b or a[0] != b[0]:
        return False
    if la == lb:
        diffs = [i for i in range(la) if a[i] != b[i]]
        if len(diffs) == 1:
            return la >= 7
        return (
            la >= 5
            and len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    if max(la, lb) < 6:
        return False
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


FUZZY_MIN_LENGTH = 5


@dataclass
class Document:
    """An answer, tokenised once and then searched for many phrases."""

    stems: list[str]
    """The stem of every word, in order."""
    content: list[int]
    """Positions of the words that carry meaning (not stop words or negations)."""
    sentence: list[int]
    """The sentence each word is in: a phrase must stand within one."""
    clause: list[int]
    """The clause each word is in: a negation reaches only within its clause."""
    negator: list[bool]
    """Whether each word negates what is near it, before or after it."""
    soft: list[bool]
    """Whether each word is a soft negation: it takes back only what follows it."""
    bridge: list[bool]
    """Whether each word may stand between a phrase and a negation after it."""
    conjunction: list[bool]
    """Whether each word ends the reach of a negation ("and", "then")."""
    positions: dict[str, list[int]] = field(default_factory=dict)
    _fuzzy: dict[str, set[str]] = field(default_factory=dict)
    _cache: dict[str, list[int]] = field(default_factory=dict)
    excluded: set[int] = field(default_factory=set)
    """Positions that do not count (text pasted from the prompt)."""
    connectives: int = 0
    """Connectives ("so", "because") that separate clauses and are not among the words."""

    @property
    def stopword_ratio(self) -> float:
        """The share of small words: stop words, negations, and the words that relate things
        in a statement ("before", "after", "then"). These last ones carry meaning for the
        rules, but a sentence made of them is still a sentence, not a list of terms
        ("nextTick callbacks run before promise callbacks")."""
        total = len(self.stems)
        if not total:
            return 0.0
        content = set(self.content)
        small = sum(1 for i, s in enumerate(self.stems) if i not in content or s in _RELATING)
        return (small + self.connectives) / (total + self.connectives)

    def find(self, token: str) -> list[int]:
        """Positions where a phrase stem occurs: exactly, joined from two words, or with a typo."""
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        found = set(self.positions.get(token, ()))
        if len(token) >= FUZZY_MIN_LENGTH and not token.isdigit():
            for variant in _deletions(token):
                for candidate in self._fuzzy.get(variant, ()):
                    if candidate != token and is_typo_of(candidate, token):
                        found.update(self.positions[candidate])
        result = sorted(p for p in found if p not in self.excluded)
        self._cache[token] = result
        return result

    def is_negated(self, start: int, end: int, ignore: frozenset[int] = frozenset()) -> bool:
        """Whether a negation in the same clause governs the words [start, end].

        A negation before the phrase reaches it over a few words, but not across a conjunction
        ("never restart first, and then read the logs"); a negation after it only through
        auxiliaries ("... is not durable"); a soft negation only forwards ("use X rather than
        Y" denies Y, not X). Positions in ``ignore`` are the rule's own words ("doesn't crash"
        in a rule that looks for that claim) and never negate the rule's other parts.
        """
        for i in range(start, end + 1):
            if (self.negator[i] or self.soft[i]) and i not in ignore:
                return True
        clause = self.clause[start]
        i = start - 1
        while i >= max(0, start - NEGATION_BEFORE) and self.clause[i] == clause:
            if self.conjunction[i]:
                break
            if i not in ignore and (
                self.negator[i] or (self.soft[i] and start - i <= SOFT_NEGATION_BEFORE)
            ):
                return True
            i -= 1
        clause = self.clause[end]
        last = len(self.stems) - 1
        i = end + 1
        while i <= min(last, end + NEGATION_AFTER) and self.clause[i] == clause:
            if self.negator[i] and i not in ignore:
                return True
            if not self.bridge[i]:
                break
            i += 1
        return False


_RELATING = frozenset(
    _stem_token(w)
    for w in """before after then first last once only all same each every per both either
    instead rather over under between through into onto until more less most""".split()
)


def parse_document(text: str) -> Document:
    lowered = _APOSTROPHE.sub("", text.lower())
    raw: list[str] = []
    sentence: list[int] = []
    clause: list[int] = []
    clause_no = 0
    connectives = 0
    for sentence_no, sentence_text in enumerate(_SENTENCE.split(lowered)):
        connectives += len(_DROPPED_CONNECTIVE.findall(sentence_text))
        for part in _CLAUSE.split(sentence_text):
            clause_no += 1
            for word in _WORD.findall(part):
                raw.append(word)
                sentence.append(sentence_no)
                clause.append(clause_no)
    stems = [_stem_token(w) for w in raw]
    content = [i for i, w in enumerate(raw) if w not in STOPWORDS and w not in NEGATIONS]
    positions: dict[str, list[int]] = defaultdict(list)
    for pos, s in enumerate(stems):
        positions[s].append(pos)
    fuzzy: dict[str, set[str]] = defaultdict(set)
    for s in positions:
        if len(s) >= FUZZY_MIN_LENGTH - 1 and not s.isdigit():
            for variant in _deletions(s):
                fuzzy[variant].add(s)
    # "eventloop" and "event loop", "nonblocking" and "non blocking" are the same words; joined
    # forms match exactly only, never as typos.
    for pos in range(len(raw) - 1):
        if sentence[pos] != sentence[pos + 1]:
            continue
        joined = stem(raw[pos] + raw[pos + 1])
        if joined not in (stems[pos], stems[pos + 1]):
            positions[joined].append(pos)
    return Document(
        stems=stems,
        content=content,
        sentence=sentence,
        clause=clause,
        negator=[w in NEGATIONS for w in raw],
        soft=[w in SOFT_NEGATIONS for w in raw],
        bridge=[w in AUXILIARIES for w in raw],
        conjunction=[w in CONJUNCTIONS for w in raw],
        positions=dict(positions),
        _fuzzy=dict(fuzzy),
        connectives=connectives,
    )


def phrase_spans(
    doc: Document, phrase: tuple[str, ...], slack: int = 4, first_only: bool = False
) -> list[tuple[int, int]]:
    """Every tight window, within one sentence, holding all of the phrase's stems in any order
    (with ``first_only``, just the first one found: enough to know the phrase is there)."""
    if not phrase:
        return []
    if len(phrase) == 1:  # most alternatives are one word: no window to find
        found = doc.find(phrase[0])
        return [(p, p) for p in (found[:1] if first_only else found)]
    occurrences: list[tuple[int, int]] = []
    for k, token in enumerate(dict.fromkeys(phrase)):
        found = doc.find(token)
        if not found:
            return []
        occurrences.extend((p, k) for p in found)
    wanted = len(set(phrase))
    if wanted == 1:
        return (
            [(p, p) for p, _ in occurrences[:1]] if first_only else [(p, p) for p, _ in occurrences]
        )
    occurrences.sort()
    limit = len(phrase) + slack
    spans: list[tuple[int, int]] = []
    counts: dict[int, int] = defaultdict(int)
    have = 0
    left = 0
    for pos, k in occurrences:
        if counts[k] == 0:
            have += 1
        counts[k] += 1
        while have == wanted:
            start = occurrences[left][0]
            if pos - start < limit and doc.sentence[start] == doc.sentence[pos]:
                spans.append((start, pos))
                if first_only:
                    return spans
            lk = occurrences[left][1]
            counts[lk] -= 1
            if counts[lk] == 0:
                have -= 1
            left += 1
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
