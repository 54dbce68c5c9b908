"""`drillbot grade` says what the chat says: key points covered (k of n), the score, and the
one-line reason when the score was lowered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot import cli_commands
from bot.cli import main
from bot.testing.library import tiny_library


@pytest.fixture(autouse=True)
def _tiny(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_commands, "load_library", tiny_library)


def _grade(tmp_path: Path, answer: str, *flags: str) -> None:
    path = tmp_path / "answer.txt"
    path.write_text(answer, encoding="utf-8")
    assert main(["grade", "open-caching-1", "--answer-file", str(path), *flags]) == 0


def test_json_has_the_key_point_count_and_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _grade(tmp_path, "hot data, ttl, expiry", "--json")
    out = json.loads(capsys.readouterr().out)
    assert (out["key_points_covered"], out["key_points"]) == (2, 2)
    assert out["score"] < 1 and out["reason"]
    _grade(tmp_path, "Keep the hot data close to the app servers.", "--json")
    out = json.loads(capsys.readouterr().out)
    assert (out["key_points_covered"], out["key_points"], out["reason"]) == (1, 2, None)


def test_text_uses_the_feedback_s_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _grade(tmp_path, "hot data, ttl, expiry")
    out = capsys.readouterr().out
    assert "key points covered: 2 of 2 · score " in out
    assert "why: " in out  # the grader's one-line reason
