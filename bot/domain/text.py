"""Text normalisation for grading: tokens, stems, forgiving look-ups and phrase windows."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat

import snowballstemmer

# snowballstemmer hands over to PyStemmer when it is installed (a dependency): the same Snowball
# algorithms in C, the same stems, some 25 times faster. Stemming words a process has not seen
# yet is most of what grading a long answer costs (pasted logs are all new words).
_STEMMER = snowballstemmer.stemmer("english")
_WORD = re.compile(r"[a-z0-9]+")
# A phrase must stand within one sentence; a negation reaches only within its clause.
# A single line break is only wrapping (answers pasted from an editor or an email are often
# hard-wrapped); a blank line or a new list item ends the sentence.
_SENTENCE_END = r"[.;!?]+(?:\s|$)|\n\s*\n|\n(?=[ \t]*(?:[-*•–]|\d+[.)])[ \t])"
_SENTENCE_STARTS = frozenset(".;!?\n")
"""The characters a sentence end begins with: none of them is in a word or a clause mark."""
# Subordinate clauses bound a negation too: in "if you don't handle it, the process crashes" or
# "not X because Y" the negation does not reach the other clause. A connective that rules quote
# ("since the deploy", "when did it start", "try things until") opens the next clause and stays a
# word; the stop words among them are dropped as every stop word is, so they do not widen the
# window a phrase must fit in, and are counted apart as the small words they are.
_CLAUSE_MARKS = frozenset(",:()")
_DROPPED_CONNECTIVES = frozenset("so because which if".split())
_CLAUSE_OPENERS = frozenset(
    "but however whereas while although though since unless until when".split()
)
# One scan splits sentences, clauses and words at once. Connectives are whole runs of word
# characters (\w, as a regex word boundary sees them), so "if" in "if_ready" opens no clause
# while the words in it are still "if" and "ready".
_TOKEN = re.compile(r"\w+|[,:()]|" + _SENTENCE_END)
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


def _typo_prone(token: str) -> bool:
    """Whether a phrase stem is long enough to be looked for with a typo."""
    return len(token) >= FUZZY_MIN_LENGTH and not token.isdigit()


@dataclass(frozen=True, eq=False)
class VocabularyIndex:
    """The stems a rubric looks for, indexed so that ``Document.search`` finds them all in one
    pass over the answer's words."""

    tokens: frozenset[str]
    by_deletion: dict[str, tuple[str, ...]]
    """Each one-letter deletion of the typo-prone stems (and each such stem itself), to the
    stems: a word and a stem one typo apart share one."""

    @classmethod
    def of(cls, phrases: Iterable[tuple[str, ...]]) -> VocabularyIndex:
        tokens = frozenset(token for phrase in phrases for token in phrase)
        by_deletion: dict[str, list[str]] = defaultdict(list)
        for token in sorted(tokens):
            if _typo_prone(token):
                for variant in _deletions(token):
                    by_deletion[variant].append(token)
        return cls(tokens, {key: tuple(found) for key, found in by_deletion.items()})

    def typos_of(self, word: str) -> tuple[str, ...]:
        """The stems of the rubric that ``word`` (a stem of the answer) is a typo of."""
        return _typo_targets(self, word)


@lru_cache(maxsize=65536)
def _typo_targets(index: VocabularyIndex, word: str) -> tuple[str, ...]:
    # Answers to one question use much the same words: each is checked against the rubric once.
    return tuple(
        {
            token
            for variant in _deletions(word)
            for token in index.by_deletion.get(variant, ())
            if token != word and is_typo_of(word, token)
        }
    )


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
    _fuzzy: dict[str, set[str]] | None = None
    """Each one-letter deletion of the answer's words, to the words: built when a typo is first
    looked for (most answers are graded without one)."""
    _cache: dict[str, list[int]] = field(default_factory=dict)
    _spans: dict[tuple[tuple[str, ...], int], list[tuple[int, int]]] = field(default_factory=dict)
    """``phrase_spans`` already found, by phrase and slack."""
    excluded: set[int] = field(default_factory=set)
    """Positions that do not count (text pasted from the prompt)."""
    connectives: int = 0
    """Connectives ("so", "because") that separate clauses and are not among the words."""
    negates: bool = True
    """False when no word negates (``negator`` and ``soft`` all false): then nothing is
    negated, as in most answers."""
    reachable: frozenset[str] | None = None
    """The rubric's stems that ``find`` finds here, once ``search`` has looked for them all;
    None before. A rule needing a stem outside it cannot match, which settles most rules of a
    rubric with set operations alone."""
    _searched: frozenset[str] = frozenset()
    """The stems ``search`` looked for: those it did not find are not here."""

    def search(self, index: VocabularyIndex) -> frozenset[str]:
        """Find every stem of a rubric at once, once ``excluded`` is settled.

        The answer has a few dozen words and the rubric hundreds of stems: going over the
        words, each checked once for the stems it is a typo of, is cheaper than a look-up of
        every stem, and tells exactly which stems are here (``reachable``, returned).
        """
        positions = self.positions
        found = {token: positions[token] for token in positions.keys() & index.tokens}
        typos: dict[str, set[int]] = {}
        for word in self._typo_sources():
            for token in index.typos_of(word):
                spots = typos.get(token)
                if spots is None:
                    spots = typos[token] = set(found.get(token, ()))
                spots.update(positions[word])
        for token, spots in typos.items():
            found[token] = sorted(spots)
        if self.excluded:
            found = self._without_excluded(found)
        self._cache = found
        self._spans = {}
        self._searched = index.tokens
        self.reachable = frozenset(found)
        return self.reachable

    def _without_excluded(self, found: dict[str, list[int]]) -> dict[str, list[int]]:
        kept_found: dict[str, list[int]] = {}
        for token, spots in found.items():
            kept = [p for p in spots if p not in self.excluded]
            if kept:
                kept_found[token] = kept
        return kept_found

    def _typo_sources(self) -> set[str]:
        # Joined forms ("eventloop") match exactly only, so only the words themselves.
        return {s for s in self.stems if len(s) >= FUZZY_MIN_LENGTH - 1 and not s.isdigit()}

    def _fuzzy_index(self) -> dict[str, set[str]]:
        if self._fuzzy is None:
            fuzzy: dict[str, set[str]] = defaultdict(set)
            for word in self._typo_sources():
                for variant in _deletions(word):
                    fuzzy[variant].add(word)
            self._fuzzy = dict(fuzzy)
        return self._fuzzy

    @property
    def stopword_ratio(self) -> float:
        """The share of small words: stop words, negations, and the words that relate things
        in a statement ("before", "after", "then"). These last ones carry meaning for the
        rules, but a sentence made of them is still a sentence, not a list of terms
        ("nextTick callbacks run before promise callbacks")."""
        total = len(self.stems)
        if not total:
            return 0.0
        stems = self.stems
        relating = sum(1 for i in self.content if stems[i] in _RELATING)
        small = total - len(self.content) + relating
        return (small + self.connectives) / (total + self.connectives)

    def find(self, token: str) -> list[int]:
        """Positions where a phrase stem occurs: exactly, joined from two words, or with a typo."""
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        if token in self._searched:
            return []
        found = set(self.positions.get(token, ()))
        if _typo_prone(token):
            fuzzy = self._fuzzy_index()
            for variant in _deletions(token):
                for candidate in fuzzy.get(variant, ()):
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
        if not self.negates:
            return False
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


_NEGATION_STEMS = {word: _stem_token(word) for word in NEGATIONS}
_NOT_CONTENT = STOPWORDS | NEGATIONS


@dataclass
class _Words:
    words: list[str] = field(default_factory=list)
    sentence: list[int] = field(default_factory=list)
    clause: list[int] = field(default_factory=list)
    connectives: int = 0


_OPENS_CLAUSE, _ENDS_CLAUSE, _DROPPED = range(3)
_BOUNDARY_KINDS = {
    **dict.fromkeys(_CLAUSE_OPENERS, _OPENS_CLAUSE),
    **dict.fromkeys(_CLAUSE_MARKS, _ENDS_CLAUSE),
    **dict.fromkeys(_DROPPED_CONNECTIVES, _DROPPED),
}


def _split_words(lowered: str) -> _Words:
    """The words of a lowered answer, each with its sentence and clause number."""
    split = _Words()
    words, sentence, clause = split.words, split.sentence, split.clause
    sentence_no = 0
    clause_no = 1
    for token in _TOKEN.findall(lowered):
        kind = _BOUNDARY_KINDS.get(token)
        if kind is None:
            if token[0] in _SENTENCE_STARTS:
                sentence_no += 1
                clause_no += 1
                continue
        else:
            clause_no += 1
            if kind == _DROPPED:
                split.connectives += 1
            if kind != _OPENS_CLAUSE:
                continue
        if token.isascii() and token.isalnum():
            words.append(token)
            sentence.append(sentence_no)
            clause.append(clause_no)
        else:
            # A run of word characters holding some outside [a-z0-9] ("snake_case", accents).
            for word in _WORD.findall(token):
                words.append(word)
                sentence.append(sentence_no)
                clause.append(clause_no)
    return split


def _positions(words: list[str], stems: list[str], sentence: list[int]) -> dict[str, list[int]]:
    """Where each stem stands, in increasing order, joined forms of two words included."""
    positions: dict[str, list[int]] = {}
    last = len(words) - 1
    for pos, s in enumerate(stems):
        spots = positions.get(s)
        if spots is None:
            positions[s] = [pos]
        else:
            spots.append(pos)
        # "eventloop" and "event loop", "nonblocking" and "non blocking" are the same words;
        # joined forms match exactly only, never as typos.
        if pos < last and sentence[pos] == sentence[pos + 1]:
            joined = stem(words[pos] + words[pos + 1])
            if joined != s and joined != stems[pos + 1]:
                positions.setdefault(joined, []).append(pos)
    return positions


def parse_document(text: str) -> Document:
    split = _split_words(_APOSTROPHE.sub("", text.lower()))
    raw = split.words
    stems = [_NEGATION_STEMS.get(w) or stem(w) for w in raw]
    negator = list(map(NEGATIONS.__contains__, raw))
    soft = list(map(SOFT_NEGATIONS.__contains__, raw))
    return Document(
        stems=stems,
        content=[i for i, w in enumerate(raw) if w not in _NOT_CONTENT],
        sentence=split.sentence,
        clause=split.clause,
        negator=negator,
        soft=soft,
        bridge=list(map(AUXILIARIES.__contains__, raw)),
        conjunction=list(map(CONJUNCTIONS.__contains__, raw)),
        positions=_positions(raw, stems, split.sentence),
        connectives=split.connectives,
        negates=any(negator) or any(soft),
    )


def phrase_spans(
    doc: Document, phrase: tuple[str, ...], slack: int = 4, first_only: bool = False
) -> list[tuple[int, int]]:
    """Every tight window, within one sentence, holding all of the phrase's stems in any order
    (with ``first_only``, just the first one found: enough to know the phrase is there)."""
    # Rubrics repeat phrases across rules ("thread pool", "check"): each is searched once.
    key = (phrase, slack)
    spans = doc._spans.get(key)
    if first_only:
        # The first window found is the first of them all.
        return spans[:1] if spans is not None else _spans(doc, phrase, slack, first_only=True)
    if spans is None:
        spans = doc._spans[key] = _spans(doc, phrase, slack, first_only=False)
    return spans


def _spans(
    doc: Document, phrase: tuple[str, ...], slack: int, first_only: bool
) -> list[tuple[int, int]]:
    if not phrase:
        return []
    if len(phrase) == 1:  # most alternatives are one word: no window to find
        found = doc.find(phrase[0])
        return [(p, p) for p in (found[:1] if first_only else found)]
    occurrences: list[tuple[int, int]] = []
    distinct = dict.fromkeys(phrase)
    for k, token in enumerate(distinct):
        found = doc.find(token)
        if not found:
            return []
        occurrences += zip(found, repeat(k))
    wanted = len(distinct)
    if wanted == 1:
        return (
            [(p, p) for p, _ in occurrences[:1]] if first_only else [(p, p) for p, _ in occurrences]
        )
    limit = len(phrase) + slack
    if len(occurrences) == wanted:
        # Each stem once, as in most answers: the one window is from the first to the last.
        start = min(p for p, _ in occurrences)
        end = max(p for p, _ in occurrences)
        tight = end - start < limit and doc.sentence[start] == doc.sentence[end]
        return [(start, end)] if tight else []
    occurrences.sort()
    return _windows(occurrences, wanted, limit, doc.sentence, first_only)


def _windows(
    occurrences: list[tuple[int, int]],
    wanted: int,
    limit: int,
    sentence: list[int],
    first_only: bool,
) -> list[tuple[int, int]]:
    """The windows of sorted (position, stem number) occurrences that hold every stem, span
    fewer than ``limit`` words and stand within one sentence."""
    spans: list[tuple[int, int]] = []
    counts = [0] * wanted
    have = 0
    left = 0
    for pos, k in occurrences:
        if counts[k] == 0:
            have += 1
        counts[k] += 1
        while have == wanted:
            start, lk = occurrences[left]
            if pos - start < limit and sentence[start] == sentence[pos]:
                spans.append((start, pos))
                if first_only:
                    return spans
            counts[lk] -= 1
            if counts[lk] == 0:
                have -= 1
            left += 1
    return spans


@lru_cache(maxsize=1024)
def _source_grams(source: str, n: int) -> frozenset[tuple[str, ...]]:
    # The source is a question's prompt: the same few hundred strings, graded against again
    # and again.
    src = content_stems(source)
    return frozenset(src[i : i + n] for i in range(len(src) - n + 1))


@lru_cache(maxsize=1024)
def _source_gram_stems(source: str, n: int) -> frozenset[str]:
    return frozenset(s for gram in _source_grams(source, n) for s in gram)


def shared_ngrams(doc: Document, source: str, n: int = 5) -> set[int]:
    """Content positions of ``doc`` inside a run of n words that also stands in ``source``."""
    grams = _source_grams(source, n)
    gram_stems = _source_gram_stems(source, n)
    stems = doc.stems
    content = doc.content
    hits: set[int] = set()
    # Only a run of n content words all found in the source's runs can be one of them: most
    # answers have none, and no window is built.
    run = 0
    for i, pos in enumerate(content):
        if stems[pos] not in gram_stems:
            run = 0
            continue
        run += 1
        if run >= n:
            window = content[i - n + 1 : i + 1]
            if tuple(stems[p] for p in window) in grams:
                hits.update(range(window[0], pos + 1))
    return hits
