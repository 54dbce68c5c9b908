"""Every shipped pack validates, and the seed guide's material is all there."""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from bot.content.loader import Library, load_packs
from bot.domain.items import Incident, MultipleChoice, OpenQuestion

# The guide's MCQ answer key (Node.js backend interview guide, "MCQ Section").
GUIDE_MCQ_ANSWERS = {
    "guide:mcq1": "C",
    "guide:mcq2": "B",
    "guide:mcq3": "C",
    "guide:mcq4": "B",
    "guide:mcq5": "C",
}


@pytest.fixture(scope="module")
def library() -> Library:
    result = load_packs()
    assert result.problems == []
    return result.library


def by_origin(library: Library) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in library.items.values():
        if item.origin:
            found.setdefault(item.origin, []).append(item.id)
    return found


def test_every_shipped_pack_validates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["content", "check"]) == 0
    assert capsys.readouterr().out.startswith("ok: ")


def test_guide_open_questions_present(library: Library) -> None:
    origins = by_origin(library)
    for n in range(1, 9):
        ids = origins.get(f"guide:q{n}", [])
        assert len(ids) == 1, f"guide:q{n} should be exactly one item, found {ids}"
        item = library.items[ids[0]]
        assert isinstance(item, OpenQuestion)
        assert item.key_points and item.mistakes and item.follow_ups


def test_guide_mcqs_keep_the_guides_answers(library: Library) -> None:
    origins = by_origin(library)
    for origin, key in GUIDE_MCQ_ANSWERS.items():
        ids = origins.get(origin, [])
        assert len(ids) == 1, f"{origin} should be exactly one item, found {ids}"
        item = library.items[ids[0]]
        assert isinstance(item, MultipleChoice)
        assert item.correct_key == key, f"{origin} must keep the guide's answer {key}"
        assert all(o.explanation for o in item.options)


def test_guide_incident_present(library: Library) -> None:
    ids = by_origin(library).get("guide:incident", [])
    assert len(ids) == 1
    incident = library.items[ids[0]]
    assert isinstance(incident, Incident)
    assert len(incident.stages) >= 4 and incident.red_flags


def test_pack_is_large_enough(library: Library) -> None:
    assert len(library.open_questions()) >= 16
    assert len(library.mcqs()) >= 30
    declared = set(library.topics())
    assert {i.topic for i in library.items.values()} <= declared


def test_content_list_json(capsys: pytest.CaptureFixture[str], library: Library) -> None:
    assert main(["content", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == len(library.items)
    mcq = next(r for r in rows if r["origin"] == "guide:mcq2")
    assert mcq["kind"] == "mcq" and mcq["correct"] == "B"
    assert [o["key"] for o in mcq["options"]] == ["A", "B", "C", "D"]
    scenario = next(r for r in rows if r["origin"] == "guide:incident")
    assert scenario["kind"] == "incident" and scenario["stages"] >= 4
    for row in rows:
        assert set(row) >= {"id", "kind", "topic", "level", "origin", "title"}
