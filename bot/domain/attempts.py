"""What counts as an attempt at an open answer, and so may earn points and keep a streak.

Answering is worth points and a streak day by itself, so a reply that says nothing (".", an
emoji, one word, the question pasted back) must not be recorded as an answer: otherwise a streak
costs one character. The rule is deliberately generous past that floor: a short sentence in the
person's own words is an attempt, however wrong; how good it is is the grader's business.
MCQ picks are not attempts in this sense: a pick is always a choice.
"""

from __future__ import annotations

import re
from functools import lru_cache

MIN_WORDS = 3
"""An attempt has at least this many words (letters or digits), a short sentence's worth."""
MIN_OWN_WORDS = 2
"""...of which at least this many different ones are its own: neither taken from the question
nor filler. Two, not one: "question 1 caching ok" adds one word to the prompt's."""

WHAT_COUNTS = (
    "An answer counts when it is at least a short sentence in your own words: three words or "
    "more, not only the question repeated."
)

# Words that say nothing about the subject, so they do not make a reply an answer of its own.
# Only the floor above uses them: a real answer has many more words than these.
FILLER = frozenset(
    """
    a an the and or but so is are be it its this that to of in on at for with as i me my you
    yes no ok okay k yeah yep nope sure maybe not idk dunno don t know idea think guess hmm
    lol pass skip test testing asdf hi hello thanks thx answer question
    """.split()
)

_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """The words of ``text``, case-folded: runs of letters or digits (emoji and punctuation
    are not words)."""
    return _WORD.findall(text.casefold())


@lru_cache(maxsize=1024)
def _question_words(prompt: str, title: str) -> frozenset[str]:
    # The same few hundred questions, checked against on every answer.
    return frozenset(words(prompt)) | frozenset(words(title))


def attempt_problem(text: str, prompt: str = "", title: str = "") -> str | None:
    """Why ``text`` is not an attempt at the question with this prompt and title, in a line
    that also says what counts; None when it is one."""
    found = words(text)
    if not found:
        why = "it has no words, only punctuation or emoji"
    elif len(found) < MIN_WORDS:
        why = "it is too short" if len(found) > 1 else "one word is not an answer"
    else:
        given = _question_words(prompt, title)
        meaningful = {w for w in found if w not in FILLER}
        if len(meaningful - given) >= MIN_OWN_WORDS:
            return None
        why = (
            "it repeats the question without saying anything of its own"
            if meaningful & given
            else "it says nothing about the question yet"
        )
    return f"That does not count as an answer yet: {why}. {WHAT_COUNTS}"
