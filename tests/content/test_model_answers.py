"""The pack's own model answers pass its own rubrics, however they are wrapped."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content.loader import Library, load_library
from bot.domain.grading import grade, grade_points
from bot.domain.items import Incident, OpenQuestion

LIBRARY: Library = load_library()


@pytest.mark.parametrize("question", LIBRARY.open_questions(), ids=lambda q: q.id)
def test_model_answer_covers_every_key_point_and_no_mistake(question: OpenQuestion) -> None:
    result = grade(question, question.model_answer)
    assert (result.score, result.missed, result.mistakes) == (1.0, (), ())


LABELLED = yaml.safe_load((Path(__file__).parent / "grading" / "labelled.yml").read_text())


@pytest.mark.parametrize(
    "entry", LABELLED, ids=lambda e: f"{e['question']}-{e['label']}-{LABELLED.index(e)}"
)
def test_hard_wrapping_an_answer_changes_nothing(entry: dict[str, Any]) -> None:
    """Answers pasted from an editor or an email arrive wrapped at ~72 columns."""
    question = LIBRARY.get(entry["question"])
    assert isinstance(question, OpenQuestion)
    flowing = entry["answer"]
    wrapped = "\n".join(textwrap.fill(line, 72) for line in flowing.split("\n"))
    assert grade(question, wrapped) == grade(question, flowing)


@pytest.mark.parametrize("incident", LIBRARY.incidents(), ids=lambda i: i.id)
def test_strong_stage_answers_cover_their_rubric_without_red_flags(incident: Incident) -> None:
    for stage in incident.stages:
        result = grade_points(stage.strong_answer, stage.rubric, incident.red_flags, stage.prompt)
        assert (stage.id, result.score, result.missed, result.mistakes) == (stage.id, 1.0, (), ())


GUIDE = Path(__file__).parent / "seed" / "guide-questions.txt"
"""The seed guide's own question lines, verbatim (see seed/README.md)."""


def test_pasting_the_guides_own_question_earns_next_to_nothing() -> None:
    """A person who pastes the source's wording of the question, not ours, gets no credit."""
    questions = re.findall(r"^Q: (.*)$", GUIDE.read_text(encoding="utf-8"), re.M)
    assert len(questions) == 8
    by_origin = {q.origin: q for q in LIBRARY.open_questions()}
    for n, text in enumerate(questions, start=1):
        assert grade(by_origin[f"guide:q{n}"], text).score <= 0.15, f"guide:q{n}"
