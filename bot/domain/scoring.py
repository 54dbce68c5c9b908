"""Points for daily drills. The README's "Scoring and streaks" section explains them to users.

An open answer can be edited until the reveal, but the board must not reward copying: the
feedback names what was missed, so a second version could be assembled from it. Points
therefore come from the first answer's score plus only a share (``EDIT_SHARE``) of whatever
later versions improve on it. A pasted rubric after a weak first answer then earns little more
than the weak answer did, while honest fixes (a typo, a point remembered late) still count.
"""

from __future__ import annotations

ANSWER_POINTS = 5
"""For answering a daily drill before its reveal."""
MCQ_CORRECT_POINTS = 10
OPEN_COVERAGE_POINTS = 10
"""Scaled by the counted score (see ``counted_score``)."""
OPEN_CORRECT_THRESHOLD = 0.5
"""An open answer with at least this counted score counts as correct for accuracy."""
EDIT_SHARE = 0.25
"""The share of an edit's improvement over the first answer's score that counts."""
EDIT_SHARE_WORDS = "a quarter"
"""``EDIT_SHARE`` as the feedback and README say it."""


def mcq_points(correct: bool) -> int:
    return ANSWER_POINTS + (MCQ_CORRECT_POINTS if correct else 0)


def counted_score(first: float, latest: float) -> float:
    """The score points and accuracy use: the first answer's, plus ``EDIT_SHARE`` of what the
    latest version improves on it. A worse version costs nothing, so fixing a typo is safe."""
    return round(first + EDIT_SHARE * max(0.0, latest - first), 3)


def open_points(score: float) -> int:
    return ANSWER_POINTS + round(OPEN_COVERAGE_POINTS * max(0.0, min(1.0, score)))


def open_correct(score: float) -> bool:
    return score >= OPEN_CORRECT_THRESHOLD
