"""Drafted rules: built from a point's own words, shaped by the kind of claim a mistake makes."""

from __future__ import annotations

from bot.content.importer.matchers import Salience, draft_covered_by, draft_signals, label_for
from bot.domain.grading import grade_points
from bot.domain.items import KeyPoint, Mistake

TEXTS = [
    "Reusing open connections avoids the handshake cost on every request.",
    "Pool size times replica count must stay below the server's connection limit.",
    "Assuming a retry always succeeds on the second attempt.",
    "Misunderstanding that a cache alone doesn't fix slow queries.",
    "Not adding timeouts to outgoing calls.",
]
SALIENCE = Salience(TEXTS)


def test_a_stated_claim_needs_its_qualifier() -> None:
    rules = draft_signals(TEXTS[2], SALIENCE)
    assert rules and all(rule.startswith("always + ") for rule in rules)
    mistake = Mistake(id="m", text=TEXTS[2], signals=rules)
    wrong = grade_points("A retry always succeeds on the second attempt.", [], [mistake])
    right = grade_points("A retry can succeed on a second attempt, or fail again.", [], [mistake])
    assert wrong.mistakes == ("m",)
    assert right.mistakes == ()


def test_a_misunderstanding_flags_the_belief_without_its_negation() -> None:
    rules = draft_signals(TEXTS[3], SALIENCE)
    assert rules[0].startswith("fix + ")
    mistake = Mistake(id="m", text=TEXTS[3], signals=rules)
    believes = grade_points("Put a cache in front and it will fix the slow queries.", [], [mistake])
    knows = grade_points("A cache alone does not fix slow queries.", [], [mistake])
    assert believes.mistakes == ("m",)
    assert knows.mistakes == ()


def test_an_omission_asks_for_the_answer_saying_it_skips_it() -> None:
    rules = draft_signals(TEXTS[4], SALIENCE)
    assert rules[0].startswith("without ")


def test_key_point_rules_match_the_point_itself() -> None:
    for text in TEXTS[:2]:
        rules = draft_covered_by(text, SALIENCE)
        point = KeyPoint(id="p", text=text, covered_by=rules, label=label_for(text))
        assert grade_points(text, [point], []).covered == ("p",)


def test_a_label_lead_becomes_the_area_label_and_a_rule() -> None:
    text = "Dependencies First: often the problem lies outside your service."
    assert label_for(text) == "dependencies first"
    assert draft_covered_by(text, SALIENCE)[0] == "dependencies first"
