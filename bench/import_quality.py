"""How close `drillbot content import` gets to the hand-written pack, on a guide given by path.

Prints what the importer found (questions with their key points, mistakes and follow-ups; MCQs
with the correct letter checked against the hand pack's ``guide:mcqN`` items; the scenario's
stages) and how the grader, using only the drafted rules, orders the labelled answers of the
guide's questions (tests/content/grading) compared with the hand-written rules.

Run: .venv/bin/python -m bench.import_quality GUIDE [--hand-pack content/nodejs-backend]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.content.importer import GuideError, import_guide
from bot.content.loader import load_library
from bot.domain.grading import grade
from bot.domain.items import Incident, MultipleChoice, OpenQuestion
from tests.content.test_grading_quality import BLIND, SETS, Graded, evaluate, load_answers

TARGET_QUESTIONS = 8
TARGET_MCQS = 5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("guide", metavar="GUIDE", help="the interview guide to import")
    parser.add_argument("--hand-pack", default="content/nodejs-backend", metavar="DIR")
    args = parser.parse_args()
    try:
        imported = import_guide(Path(args.guide))
    except GuideError as exc:
        print(f"error: {exc}")
        return 2
    guide, draft = imported.guide, imported.draft
    hand = load_library([Path(args.hand_pack)])
    by_origin = {i.origin: i for i in hand.items.values() if i.origin}

    print(f"questions found: {len(guide.questions)} (target {TARGET_QUESTIONS})")
    for q in guide.questions:
        print(
            f"  q{q.number}: {len(q.key_points)} key points, {len(q.mistakes)} mistakes, "
            f"{len(q.follow_ups)} follow-ups  [{q.prompt[:60]}]"
        )
    right = 0
    print(f"MCQs found: {len(guide.mcqs)} (target {TARGET_MCQS})")
    for m in guide.mcqs:
        other = by_origin.get(f"guide:mcq{m.number}")
        expected = other.correct_key if isinstance(other, MultipleChoice) else None
        ok = expected == m.correct
        right += ok
        print(
            f"  mcq{m.number}: {len(m.options)} options, correct {m.correct}, hand pack "
            f"{expected or '-'}: {'right' if ok else 'WRONG'}; own explanations for "
            f"{''.join(sorted(m.explanations)) or 'none'}"
        )
    print(f"  correct option right: {right}/{len(guide.mcqs)}")
    if guide.scenario:
        hand_incident = by_origin.get("guide:incident")
        hand_stages = len(hand_incident.stages) if isinstance(hand_incident, Incident) else "-"
        print(
            f"scenario: {guide.scenario.title!r}, {len(guide.scenario.stages)} stages "
            f"(hand pack {hand_stages}), {len(guide.scenario.red_flags)} red flags"
        )
    else:
        print("scenario: none found")
    print(f"gaps (TODO placeholders): {len(draft.gaps)}")
    for gap in draft.gaps:
        print(f"  {gap.item}: {gap.field}: {gap.why}")

    drafted = {
        item["origin"]: OpenQuestion.model_validate(item)
        for item in draft.files.values()
        if item["kind"] == "open"
    }
    print("grader ordering of labelled answers (hand-written rules vs drafted rules):")
    library = load_library()
    for name, path in [*SETS.items(), ("blind", BLIND)]:
        answers = load_answers(path, library)
        mine: list[Graded] = []
        theirs: list[Graded] = []
        for a in answers:
            question = library.get(a.question)
            origin = question.origin if question else None
            replacement = drafted.get(origin) if origin else None
            if replacement is None:
                continue
            theirs.append(a)
            graded = grade(replacement, a.answer)
            mine.append(Graded(a.question, a.label, a.index, a.expected_mistakes, a.answer, graded))
        if not theirs:
            continue
        hand_report, draft_report = evaluate(theirs), evaluate(mine)
        print(f"  {name} ({len(theirs)} answers to guide questions):")
        print(
            f"    hand pack: ordering accuracy {hand_report.ordered}/{hand_report.pairs} "
            f"= {hand_report.accuracy:.3f}"
        )
        print(
            f"    drafted:   ordering accuracy {draft_report.ordered}/{draft_report.pairs} "
            f"= {draft_report.accuracy:.3f}"
        )
        for tag, rows in (("hand pack", theirs), ("drafted", mine)):
            strong = [a for a in rows if a.label == "strong"]
            stated = [a for a in rows if a.label in ("weak", "buzzwords") and a.expected_mistakes]
            print(
                f"    {tag}: strong answers flagged with a mistake "
                f"{sum(bool(a.grade.mistakes) for a in strong)}/{len(strong)}, answers stating "
                f"a mistake flagged {sum(bool(a.grade.mistakes) for a in stated)}/{len(stated)}"
            )
        for label in ("strong", "partial", "weak", "off-topic", "prompt", "buzzwords"):
            h = [a.grade.score for a in theirs if a.label == label]
            d = [a.grade.score for a in mine if a.label == label]
            if h:
                hand_mean, draft_mean = sum(h) / len(h), sum(d) / len(d)
                print(f"      mean {label:<9} hand {hand_mean:.2f}  drafted {draft_mean:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
