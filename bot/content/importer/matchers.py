"""Draft matcher rules (``covered_by``, ``signals``) from the text of a key point or mistake.

A draft is a starting point for the reviewer, not a finished rule: it picks the salient words of
the text (long, rare across the guide, code-like) and pairs them, so a rule asks for two of the
point's own ideas rather than one common word. The rules use the syntax of
``content/README.md`` (``a | b + c``) and always parse.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Iterable

from bot.domain.items import parse_rule
from bot.domain.text import NEGATIONS, STOPWORDS, stem, words

# Words that carry no point on their own: they would make a rule match any answer.
GENERIC = frozenset(
    """use used uses using make makes making made need needs needed ensure ensures ensuring
    important crucial critical essential key vital paramount fundamental good better best
    often always usually typically common commonly various different several many much
    more most less least very well way ways thing things something lot lots able
    understanding understand know knowing provide provides provided allow allows allowing
    based including include includes especially specifically properly effectively directly
    appropriate proper robust clear new one two first second etc data server code system
    application applications app apps node nodejs js given towards toward overall look looks
    check step steps next point points start started minutes specific significant increased
    writing write written would want wants like instead rather even still already""".split()
)

_SHORT_TERMS = frozenset("io db os gc ci cd ui ux ip tls ssl".split())

_LEAD = re.compile(
    r"^(?:believing|assuming|thinking|claiming|saying|expecting|trusting)(?: that)?\s+",
    re.IGNORECASE,
)
_INVERTED = re.compile(
    r"^(?:misunderstanding|not understanding|not reali[sz]ing|not knowing|forgetting)\s+that\s+",
    re.IGNORECASE,
)
_QUALIFIERS = frozenset(
    "always only completely entirely automatically guaranteed directly fully".split()
)
"""Words that make a claim wrong ("always before", "completely eliminates"): a signal that
requires one is not set off by a correct answer naming the same topic."""
_OMISSION = re.compile(
    r"^(?:not|never|forgetting(?: to)?|failing to|ignoring|neglecting|skipping|missing|"
    r"overlooking|underestimating|omitting|inadequate|insufficient|lack of|no)\s+",
    re.IGNORECASE,
)
_LABEL = re.compile(r"^([A-Z][\w /&'().-]{1,40}?):\s+(?=\S)")


class Salience:
    """How telling a word is within one guide: rare across its points and long or code-like."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.df: Counter[str] = Counter()
        self.docs = 0
        for text in texts:
            self.docs += 1
            self.df.update({stem(w) for w in words(text)})

    def score(self, word: str, raw: str, context: Counter[str] | None = None) -> float:
        key = stem(word)
        rarity = math.log((self.docs + 1) / (self.df.get(key, 0) + 1)) + 1
        code = 1.5 if re.search(r"[a-z][A-Z]\w*|\w_\w|\w\.\w|\w\(\)", raw) else 1.0
        # A term the guide's own answer keeps coming back to is what the point is about;
        # a word said once in passing ("simultaneously", "underlying") is phrasing.
        echo = 1 + math.log1p(context.get(key, 0)) if context is not None else 1.0
        manner = 0.4 if word.endswith("ly") else 1.0
        return rarity * code * echo * manner * min(len(word), 10) / 10


def context_of(*texts: str) -> Counter[str]:
    """Stem counts of the text a point comes from (the question and its answer)."""
    return Counter(stem(w) for text in texts for w in words(text))


def content_words(text: str) -> list[str]:
    """The words a rule may use, in the text's order: no stop words, negations or filler."""
    return [
        w
        for w in words(text)
        if w not in STOPWORDS
        and w not in NEGATIONS
        and w not in GENERIC
        and (len(w) > 2 or w in _SHORT_TERMS)
    ]


def _claim(text: str) -> str:
    """The part of a point worth matching: a "Label:" lead and the first sentence after it."""
    text = text.strip()
    lead = _LABEL.match(text)
    rest = text[lead.end() :] if lead else text
    first = re.split(r"(?<=[.!?])\s+(?=[A-Z])", rest, maxsplit=1)[0]
    return f"{lead.group(1)}: {first}" if lead else first


def _ranked(text: str, salience: Salience, context: Counter[str] | None = None) -> list[str]:
    raw_tokens = text.split()
    seen: dict[str, float] = {}
    for w in content_words(text):
        raw = next((t for t in raw_tokens if w in t.lower()), w)
        key = stem(w)
        if key in {stem(k) for k in seen}:
            continue
        seen[w] = salience.score(w, raw, context)
    return [w for w, _ in sorted(seen.items(), key=lambda kv: -kv[1])]


def _bigram(text: str, salience: Salience, context: Counter[str] | None = None) -> str | None:
    """The most telling pair of adjacent content words ("thread pool", "message broker")."""
    tokens = words(text)
    keep = set(content_words(text))
    best: tuple[float, str] | None = None
    for a, b in itertools.pairwise(tokens):
        if a in keep and b in keep and stem(a) != stem(b):
            score = salience.score(a, a, context) + salience.score(b, b, context)
            if best is None or score > best[0]:
                best = (score, f"{a} {b}")
    return best[1] if best else None


def draft_covered_by(
    text: str, salience: Salience, context: Counter[str] | None = None
) -> list[str]:
    """Up to five rules for a key point: the guide's label for it, its best adjacent pair of
    words as a phrase, its four most telling words as two OR-groups, and the top two alone."""
    claim = _claim(text)
    ranked = _ranked(claim, salience, context) or _ranked(text, salience, context)
    rules: list[str] = []
    lead = _LABEL.match(text.strip())
    named = [w for w in words(lead.group(1)) if w not in STOPWORDS] if lead else []
    if 2 <= len(named) <= 3:
        # The guide's own name for the point ("Identify Gaps:") is how people say it too, and
        # it stays clear of a negation in the sentence after it.
        rules.append(" ".join(named))
    pair = _bigram(claim, salience, context)
    if pair:
        rules.append(pair)
    # Measured on the seed guide's labelled answers (bench/import_quality.py): wide OR-groups
    # and the two most telling words on their own order answers far better than strict pairs,
    # which people rarely put in one sentence in the guide's own words.
    top = ranked[:4]
    if len(top) >= 2:
        half = (len(top) + 1) // 2
        rules.append(" | ".join(top[:half]) + " + " + " | ".join(top[half:]))
    rules += ranked[:2]
    if not rules and ranked:
        rules.append(ranked[0])
    return _valid(rules)


def draft_signals(text: str, salience: Salience, context: Counter[str] | None = None) -> list[str]:
    """Rules for a mistake. A stated wrong claim ("Believing that await blocks ...") gets its
    three most telling words, so an answer that only names the topic is not flagged. A mistake
    of omission ("Not validating input") cannot be seen in what someone writes, except where
    they say they skip it, so its rule asks for that."""
    claim = _claim(text)
    inverted = _INVERTED.match(claim)
    omission = None if inverted else _OMISSION.match(claim)
    start = inverted.end() if inverted else omission.end() if omission else 0
    body = _LEAD.sub("", claim[start:])
    ranked = _ranked(body, salience, context) or _ranked(text, salience, context)
    rules: list[str] = []
    if inverted:
        # "Misunderstanding that cluster alone doesn't solve blocking": the wrong belief is the
        # statement without its negation, and the grader already ignores a negated phrase, so
        # the verb that was denied becomes a required word.
        tokens = words(body)
        denied = [
            tokens[i + 1]
            for i, w in enumerate(tokens[:-1])
            if w in NEGATIONS and tokens[i + 1] not in STOPWORDS
        ]
        if denied and len(ranked) >= 2:
            verb = denied[0]
            others = [w for w in ranked if w != verb]
            rules.append(f"{verb} + {others[0]} + {others[1]}" if len(others) >= 2 else verb)
            return _valid(rules)
    if omission and ranked:
        core = " ".join(ranked[:2])
        rules.append(f"without {core} | no {core} | skip {core} | skipped {core}")
        if len(ranked) >= 3:
            rules.append(f"without {ranked[0]} | no {ranked[0]} + {ranked[1]} | {ranked[2]}")
        return _valid(rules)
    qualifier = next((w for w in words(body) if w in _QUALIFIERS), None)
    if qualifier:
        rest = [w for w in ranked if w != qualifier]
        if len(rest) >= 2:
            rules.append(f"{qualifier} + {rest[0]} + {rest[1]}")
        if len(rest) >= 3:
            rules.append(f"{qualifier} + {rest[0]} + {rest[2]}")
        if rules:
            return _valid(rules)
    if len(ranked) >= 3:
        rules.append(f"{ranked[0]} + {ranked[1]} + {ranked[2]}")
    if len(ranked) >= 4:
        rules.append(f"{ranked[0]} + {ranked[1]} + {ranked[3]}")
    if len(ranked) == 2:
        rules.append(f"{ranked[0]} + {ranked[1]}")
    if len(ranked) == 1:
        rules.append(ranked[0])
    return _valid(rules)


def _valid(rules: list[str]) -> list[str]:
    out: list[str] = []
    for rule in dict.fromkeys(rules):
        try:
            parse_rule(rule)
        except ValueError:
            continue
        out.append(rule)
    return out


def label_for(text: str) -> str:
    """A short area label: the guide's own "Label:" lead when it has one, else the first few
    telling words (a reviewer rewrites it so it names the area without giving the point)."""
    lead = _LABEL.match(text.strip())
    if lead and len(lead.group(1).split()) <= 6:
        return " ".join(words(lead.group(1))[:6]) or lead.group(1).lower()
    return " ".join(content_words(_claim(text))[:3]) or " ".join(words(text)[:3])


def slug(text: str, max_words: int = 4, max_length: int = 40) -> str:
    parts = content_words(text)[:max_words] or words(text)[:max_words]
    out = "-".join(parts)[:max_length].strip("-")
    return out or "item"
