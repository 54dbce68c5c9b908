"""The pack's own model answers pass its own rubrics, however they are wrapped."""

from __future__ import annotations

import textwrap

import pytest

from bot.content.loader import Library, load_library
from bot.domain.grading import grade, grade_points
from bot.domain.items import Incident, OpenQuestion

LIBRARY: Library = load_library()


@pytest.mark.parametrize("question", LIBRARY.open_questions(), ids=lambda q: q.id)
def test_model_answer_covers_every_key_point_and_no_mistake(question: OpenQuestion) -> None:
    result = grade(question, question.model_answer)
    assert (result.score, result.missed, result.mistakes) == (1.0, (), ())


@pytest.mark.parametrize("question", LIBRARY.open_questions(), ids=lambda q: q.id)
def test_hard_wrapping_an_answer_changes_nothing(question: OpenQuestion) -> None:
    """Answers pasted from an editor or an email arrive wrapped at ~72 columns."""
    flowing = " ".join(question.model_answer.split())
    wrapped = textwrap.fill(flowing, 72)
    assert "\n" in wrapped
    assert grade(question, wrapped) == grade(question, flowing)


@pytest.mark.parametrize("incident", LIBRARY.incidents(), ids=lambda i: i.id)
def test_strong_stage_answers_cover_their_rubric_without_red_flags(incident: Incident) -> None:
    for stage in incident.stages:
        result = grade_points(stage.strong_answer, stage.rubric, incident.red_flags, stage.prompt)
        assert (stage.id, result.score, result.missed, result.mistakes) == (stage.id, 1.0, (), ())
