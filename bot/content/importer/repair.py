"""Undo the copy-paste damage interview guides carry before their structure is read.

Guides are pasted from web pages: inline code loses its spaces (``setTimeout()andsetInterval()``),
list items end up on one line, MCQ options A) to D) share the stem's line, Markdown emphasis
wraps the labels (``* **Correct Answer:** C``), quotes are curly and line ends are CRLF. Each
rule below is deliberately narrow: a repair that fires on ordinary prose does more harm than the
damage it undoes, since the text becomes the draft a reviewer starts from.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Line:
    no: int
    """The 1-based line in the guide as given, so errors point where the author can look."""
    text: str


@dataclass
class Repaired:
    lines: list[Line]
    counts: Counter[str] = field(default_factory=Counter)
    """How often each kind of repair fired, for the import report."""


_CHARS = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u200b": "",
        "\u200c": "",
        "\u200d": "",
        "\ufeff": "",
        "\u2026": "...",
        "\u2022": "-",
    }
)
_SMART = re.compile("[\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u00a0\u2009\u202f\u200b\u2026]")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_ITALIC = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
_BULLET = re.compile(r"^(\s*)(?:[*+\u2022]|-)\s+")
_QUOTE = re.compile(r"^\s*>\s?")
_BACKTICKS = re.compile(r"`+([^`]*)`+")
_GLUED_OPTION = re.compile(r"\s+(?=[A-F]\)\s)")
_GLUED_BULLET = re.compile(r"(?<=[.?!:)\]\"'])(?:\s+[-*]\s+(?=\S)|[-*]\s+(?=[A-Z]))")
_GLUED_LABELLED_BULLET = re.compile(r"\s+\*\s+(?=[A-Z][\w /&-]{0,30}:)")
_CLOSE_PAREN_WORD = re.compile(r"\)(?=[A-Za-z])")
_COMMA_WORD = re.compile(r"(?<=[A-Za-z)]),(?=[A-Za-z])")
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CODE_LIKE = re.compile(r"[a-z][A-Z]|[A-Za-z]_[A-Za-z]")


def repair(text: str) -> Repaired:
    """Normalise ``text`` (a whole guide) into lines fit for the parser."""
    counts: Counter[str] = Counter()
    if "\r" in text:
        counts["line endings"] += 1
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    smart = len(_SMART.findall(text))
    if smart:
        counts["smart quotes and special spaces"] += smart
    text = text.translate(_CHARS)
    code_words = _code_words(text)
    vocabulary = _vocabulary(text)
    out: list[Line] = []
    for no, raw in enumerate(text.split("\n"), start=1):
        line = _markdown(raw.rstrip(), counts)
        for part in _split_glued(line, counts):
            part = _unglue_words(part, code_words, vocabulary, counts)
            out.append(Line(no, part))
    return Repaired(out, counts)


def _markdown(line: str, counts: Counter[str]) -> str:
    line = _QUOTE.sub("", line)
    if _EMPHASIS.search(line):
        counts["markdown emphasis"] += 1
        line = _EMPHASIS.sub(r"\2", line)
    line = _ITALIC.sub(r"\1", line)
    if "`" in line:
        counts["inline code marks"] += 1
        line = _BACKTICKS.sub(lambda m: f"\x00{m.group(1)}\x00", line)
        # Code that sat against a word keeps a space from it once the ticks are gone.
        line = re.sub(r"(?<=\w)\x00|\x00(?=\w)", " ", line).replace("\x00", "")
    bullet = _BULLET.match(line)
    if bullet:
        line = f"{bullet.group(1)}- {line[bullet.end() :]}"
    return line


def _split_glued(line: str, counts: Counter[str]) -> list[str]:
    parts = [line]
    options = _GLUED_OPTION.split(line)
    letters = [p[0] for p in options[1:]]
    if len(options) >= 3 and letters == [chr(ord("A") + i) for i in range(len(letters))]:
        counts["MCQ options on one line"] += 1
        parts = options
    out: list[str] = []
    for part in parts:
        labelled = _GLUED_LABELLED_BULLET.split(part)
        if len(labelled) > 1:
            counts["labelled bullets on one line"] += len(labelled) - 1
            labelled = [labelled[0]] + [f"- {p}" for p in labelled[1:]]
        for piece in labelled:
            bullets = _GLUED_BULLET.split(piece)
            if len(bullets) > 1:
                counts["list items on one line"] += len(bullets) - 1
                bullets = [bullets[0]] + [f"- {b}" for b in bullets[1:]]
            out.extend(bullets)
    return [p for p in out if p.strip() or len(out) == 1]


def _code_words(text: str) -> set[str]:
    """Identifiers the guide shows as code: in backticks, called with ``()`` or spelled like code
    (camelCase, snake_case). Glued forms ("beforesetImmediate") are left out by keeping only
    those no other code word is a proper suffix or prefix of."""
    found = {t for m in _BACKTICKS.finditer(text) for t in _TOKEN.findall(m.group(1))}
    found |= {t for t in _TOKEN.findall(text) if _CODE_LIKE.search(t)}
    found |= set(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\(", text))
    found = {t for t in found if len(t) >= 4}
    return {
        t
        for t in found
        if not any(o != t and (t.endswith(o) or t.startswith(o)) for o in found if len(o) >= 4)
    }


_COMMON = frozenset(
    """a an and or but for with without to from of in on at by as is are be was the this that
    than then when while after before over under into onto only always never also alone still
    run runs ran call calls called return returns use uses used using might will can may must
    should would could not no all any each every both either its it""".split()
)
"""Short words code is most often run into; the guide's own vocabulary adds the rest."""


def _vocabulary(text: str) -> set[str]:
    """Lowercase words safe as halves of a split: common short words, and the guide's words
    used on their own more than once (a glued pair occurs once, so it never vouches for itself)."""
    words = Counter(re.findall(r"(?<![\w()])([a-z]{2,})(?![\w(])", text))
    return {w for w, n in words.items() if n >= 2} | {w for w in _COMMON if len(w) >= 2}


def _unglue_words(line: str, code: set[str], vocabulary: set[str], counts: Counter[str]) -> str:
    fixed = _CLOSE_PAREN_WORD.sub(") ", line)
    fixed = _COMMA_WORD.sub(", ", fixed)
    if fixed != line:
        counts["inline code run into words"] += 1

    def split(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in code or token.lower() in vocabulary:
            return token
        for ident in code:
            if token.endswith(ident) and token[: -len(ident)] in vocabulary:
                counts["inline code run into words"] += 1
                return f"{token[: -len(ident)]} {ident}"
            if token.startswith(ident) and token[len(ident) :] in vocabulary:
                counts["inline code run into words"] += 1
                return f"{ident} {token[len(ident) :]}"
        # Two words run together, as when the code between them was lost ("awaitcompletely").
        # Halves of five letters or more keep ordinary compounds ("into", "someone") whole.
        if token.islower() and len(token) >= 10:
            for cut in range(5, len(token) - 4):
                if token[:cut] in vocabulary and token[cut:] in vocabulary:
                    counts["inline code run into words"] += 1
                    return f"{token[:cut]} {token[cut:]}"
        return token

    return _TOKEN.sub(split, fixed)
