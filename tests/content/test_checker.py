"""`drillbot content check` reports each kind of broken pack with its file, line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bot.cli import main

MANIFEST = """\
name: tiny
version: 0.1.0
description: A pack for checker tests.
license: MIT
topics:
  basics: Basics
levels: [junior, senior]
"""

GOOD_MCQ = """\
- kind: mcq
  id: tiny-mcq
  topic: basics
  level: junior
  stem: Which is right?
  options:
    - key: A
      text: This one
      correct: true
      explanation: Because it is.
    - key: B
      text: That one
      explanation: Because it is not.
"""

GOOD_OPEN = """\
kind: open
id: tiny-open
topic: basics
level: senior
title: A question
prompt: Explain something.
model_answer: Something, explained.
key_points:
  - id: point
    text: The point.
    covered_by: ["some thing | other thing"]
    label: an area
mistakes:
  - id: wrong
    text: The wrong claim.
    signals: ["always + wrong"]
"""


def make_pack(root: Path, files: dict[str, str], name: str = "tiny") -> Path:
    pack = root / name
    (pack / "mcq").mkdir(parents=True)
    (pack / "pack.yml").write_text(MANIFEST.replace("name: tiny", f"name: {name}"))
    for rel, text in files.items():
        path = pack / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return pack


def check(capsys: pytest.CaptureFixture[str], *paths: Path) -> tuple[int, list[str]]:
    code = main(["content", "check", *map(str, paths)])
    err = capsys.readouterr().err
    return code, [line for line in err.splitlines() if not line.endswith("problem(s) found")]


def test_valid_pack_prints_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = make_pack(tmp_path, {"mcq/a.yml": GOOD_MCQ, "open/b.yml": GOOD_OPEN})
    assert main(["content", "check", str(pack)]) == 0
    out = capsys.readouterr().out
    assert "ok: 2 items in 1 pack(s)" in out
    assert "by kind:  open 1, mcq 1, incident 0" in out
    assert "by topic: basics 2" in out
    assert "by level: junior 1, senior 1" in out


def test_unparsable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = make_pack(tmp_path, {"mcq/a.yml": "- kind: mcq\n  id: [unclosed\n"})
    code, lines = check(capsys, pack)
    assert code == 1
    assert len(lines) == 1
    assert lines[0].startswith(f"{pack / 'mcq/a.yml'}:")
    assert ": yaml: does not parse" in lines[0]


def test_mcq_with_two_correct_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = GOOD_MCQ.replace("text: That one\n", "text: That one\n      correct: true\n")
    pack = make_pack(tmp_path, {"mcq/a.yml": broken})
    code, lines = check(capsys, pack)
    assert code == 1
    assert lines == [
        f"{pack / 'mcq/a.yml'}:6: [0].options: exactly one option must be correct, found 2 (A, B)"
    ]


def test_mcq_with_no_correct_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = make_pack(tmp_path, {"mcq/a.yml": GOOD_MCQ.replace("      correct: true\n", "")})
    code, lines = check(capsys, pack)
    assert code == 1
    assert lines == [
        f"{pack / 'mcq/a.yml'}:6: [0].options: exactly one option must be correct, found 0"
    ]


def test_missing_explanation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = GOOD_MCQ.replace("      explanation: Because it is not.\n", "")
    pack = make_pack(tmp_path, {"mcq/a.yml": broken})
    code, lines = check(capsys, pack)
    assert code == 1
    assert lines == [f"{pack / 'mcq/a.yml'}:11: [0].options[1].explanation: is required"]


def test_empty_matcher(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = GOOD_OPEN.replace(
        'covered_by: ["some thing | other thing"]', 'covered_by: ["some thing | "]'
    )
    pack = make_pack(tmp_path, {"open/b.yml": broken})
    code, lines = check(capsys, pack)
    assert code == 1
    assert len(lines) == 1
    assert lines[0].startswith(f"{pack / 'open/b.yml'}:11: key_points[0].covered_by: ")
    assert "empty alternative in matcher rule" in lines[0]


def test_no_matcher_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = GOOD_OPEN.replace('signals: ["always + wrong"]', "signals: []")
    pack = make_pack(tmp_path, {"open/b.yml": broken})
    code, lines = check(capsys, pack)
    assert lines == [
        f"{pack / 'open/b.yml'}:16: mistakes[0].signals: needs at least one matcher rule"
    ]
    assert code == 1


def test_key_point_without_a_label(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Feedback names a missed point by its label before the reveal: every point needs one."""
    pack = make_pack(tmp_path, {"open/b.yml": GOOD_OPEN.replace("    label: an area\n", "")})
    code, lines = check(capsys, pack)
    assert code == 1
    assert len(lines) == 1
    assert lines[0].startswith(f"{pack / 'open/b.yml'}:9: key_points[0].label: is required")


def test_key_point_label_too_long(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    long = "label: how the status codes for every kind of conflict work"
    pack = make_pack(tmp_path, {"open/b.yml": GOOD_OPEN.replace("label: an area", long)})
    code, lines = check(capsys, pack)
    assert code == 1
    assert lines == [
        f"{pack / 'open/b.yml'}:9: key_points[0].label: has 10 words; keep it to 6 at most"
    ]


def test_incident_rubric_point_without_a_label(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    incident = """\
kind: incident
id: tiny-incident
topic: basics
level: senior
title: A scene
setup: {role: on call, system: an api, alert: errors}
opening: It starts.
stages:
  - id: look
    title: Look
    prompt: What first?
    strong_answer: Look at the graphs.
    rubric:
      - id: graphs
        text: Look at the graphs.
        covered_by: ["graph | dashboard"]
debrief: [Look first.]
"""
    pack = make_pack(tmp_path, {"incidents/c.yml": incident})
    code, lines = check(capsys, pack)
    assert code == 1
    assert lines == [
        f"{pack / 'incidents/c.yml'}:14: stages[0].rubric[0].label: is required: a short area "
        "label for the point (2 to 6 words, e.g. 'status codes for conflicts'), shown for a "
        "missed point before the reveal"
    ]


def test_unknown_topic_and_level(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = GOOD_OPEN.replace("topic: basics", "topic: advanced").replace(
        "level: senior", "level: principal"
    )
    pack = make_pack(tmp_path, {"open/b.yml": broken})
    code, lines = check(capsys, pack)
    assert code == 1
    assert lines == [
        f"{pack / 'open/b.yml'}:3: topic: unknown topic 'advanced'; tiny declares basics",
        f"{pack / 'open/b.yml'}:4: level: unknown level 'principal'; tiny declares junior, senior",
    ]


def test_duplicate_id_across_packs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    one = make_pack(tmp_path, {"mcq/a.yml": GOOD_MCQ}, name="one")
    two = make_pack(tmp_path, {"mcq/a.yml": GOOD_MCQ}, name="two")
    code, lines = check(capsys, tmp_path)
    assert code == 1
    assert lines == [
        f"{two / 'mcq/a.yml'}:1: id: duplicate id 'tiny-mcq', also at {one / 'mcq/a.yml'}:1"
    ]


def test_unknown_kind_and_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = GOOD_MCQ.replace("kind: mcq", "kind: quiz") + GOOD_MCQ.replace(
        "id: tiny-mcq", "id: tiny-mcq-2\n  colour: blue"
    )
    pack = make_pack(tmp_path, {"mcq/a.yml": broken})
    code, lines = check(capsys, pack)
    assert code == 1
    assert lines == [
        f"{pack / 'mcq/a.yml'}:1: [0].kind: is 'quiz'; expected one of open, mcq, incident",
        f"{pack / 'mcq/a.yml'}:16: [1].colour: is not a known field",
    ]


def test_missing_manifest_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = make_pack(tmp_path, {})
    (pack / "pack.yml").write_text(MANIFEST.replace("license: MIT\n", ""))
    code, lines = check(capsys, pack)
    assert code == 1
    assert lines == [f"{pack / 'pack.yml'}:1: license: is required"]


def test_path_without_pack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = check(capsys, tmp_path / "nowhere")
    assert code == 1
    assert lines == [f"{tmp_path / 'nowhere'}: path: does not exist"]


def test_bot_refuses_to_start_on_a_broken_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = GOOD_MCQ.replace("      correct: true\n", "")
    pack = make_pack(tmp_path, {"mcq/a.yml": broken})
    monkeypatch.setenv("DRILLBOT_CONTENT_DIR", str(pack))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'bot.db'}")
    assert main(["run", "--platform", "console"]) == 1
    err = capsys.readouterr().err
    assert "drillbot will not start: the content packs fail the check." in err
    assert (
        f"{pack / 'mcq/a.yml'}:6: [0].options: exactly one option must be correct, found 0" in err
    )
    assert not (tmp_path / "bot.db").exists()  # it stopped before touching the database
