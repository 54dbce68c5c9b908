"""Points for daily drills. The README's "Scoring and streaks" section explains them to users."""

from __future__ import annotations

ANSWER_POINTS = 5
"""For answering a daily drill before its reveal."""
MCQ_CORRECT_POINTS = 10
OPEN_COVERAGE_POINTS = 10
"""Scaled by the grader's score (key points covered, less mistakes)."""
OPEN_CORRECT_THRESHOLD = 0.5
"""An open answer with at least this score counts as correct for accuracy."""


def mcq_points(correct: bool) -> int:
    return ANSWER_POINTS + (MCQ_CORRECT_POINTS if correct else 0)


def open_points(score: float) -> int:
    return ANSWER_POINTS + round(OPEN_COVERAGE_POINTS * max(0.0, min(1.0, score)))


def open_correct(score: float) -> bool:
    return score >= OPEN_CORRECT_THRESHOLD
