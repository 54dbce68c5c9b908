"""No code reaches for the ``shared/`` folder beside the clone: a clone anywhere runs and tests.

Copies of what tests need live under ``tests/`` (``tests/specs/``, ``tests/content/seed/``).
Code and configuration are scanned (Python, shell, Makefile, TOML, INI, YAML, Dockerfile);
READMEs and data files are not, since a README may say where a copy came from.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SELF = Path(__file__).resolve()
FOLDER = "sha" + "red"
"""The sibling folder's name, spelled in pieces: this file names no path to it, so it is
scanned like every other file (and tools that look for such paths do not flag it)."""
SCANNED_DIRS = ("bot", "tests", "bench", "migrations", ".ci")
CODE_SUFFIXES = frozenset({".py", ".sh", ".toml", ".ini", ".cfg", ".yml", ".yaml", ".mk"})
CODE_NAMES = frozenset({"Makefile", "Dockerfile"})

SIBLING = re.compile(
    rf"""
      \.\.[\\/]+{FOLDER}\b                          # ../<folder>, ..\<folder>, ../../<folder>
    | [/\\]\s*["']{FOLDER}["']                      # parent / "<folder>"
    | (?:["']\.\.["']|pardir)\s*,\s*["']{FOLDER}["']  # os.path.join(x, "..", "<folder>")
    | joinpath\([^)]*["']{FOLDER}["']               # .parent.joinpath("<folder>")
    | \b{FOLDER}[\\/]+(?:specs|seed|hooks|STYLE\.md)\b  # any spelling of what it holds
    """,
    re.VERBOSE,
)
"""Ways of naming the sibling folder; prose ("shared by", "a shared channel") never matches."""


def is_code(path: Path) -> bool:
    if path.suffix in CODE_SUFFIXES or path.name in CODE_NAMES:
        return True
    if path.suffix:
        return False
    try:  # scripts such as .ci/run have no suffix, only a shebang
        with path.open("rb") as f:
            return f.read(2) == b"#!"
    except OSError:
        return False


def scanned_files() -> list[Path]:
    top = [p for p in REPO.iterdir() if p.is_file()]
    nested = [p for d in SCANNED_DIRS for p in (REPO / d).rglob("*") if p.is_file()]
    return sorted(p.resolve() for p in top + nested if is_code(p) and "__pycache__" not in p.parts)


def references(text: str) -> list[tuple[int, str]]:
    """(line number, line) of every mention of the sibling folder."""
    found = []
    for match in SIBLING.finditer(text):
        number = text.count("\n", 0, match.start()) + 1
        found.append((number, text.splitlines()[number - 1].strip()))
    return found


def test_no_code_refers_to_the_sibling_shared_folder() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{number}: {line}"
        for path in scanned_files()
        for number, line in references(path.read_text(encoding="utf-8", errors="replace"))
    ]
    assert offenders == []


def test_the_scan_sees_the_project() -> None:
    """The files that used to read the sibling folder, each kind of file, and this one are
    scanned."""
    names = {str(p.relative_to(REPO)) for p in scanned_files()}
    expected = {
        "tests/adapters/slack/fake_slack.py",
        "tests/content/test_model_answers.py",
        "bot/config.py",
        "migrations/env.py",
        "Makefile",
        "pyproject.toml",
        ".ci/run",
    }
    assert expected <= names
    assert str(SELF.relative_to(REPO)) in names


@pytest.mark.parametrize(
    "line",
    [
        'SPECS = REPO.parent / "{f}" / "specs" / "slack"',
        'Path(__file__).resolve().parents[3] / "{f}" / "seed" / "guide.txt"',
        "path = Path(__file__).parents[3] / '{f}'",
        'json.loads(Path("../{f}/specs/slack/x.json").read_text())',
        'open("../../{f}/seed/nodejs-backend-interview-guide.txt")',
        'os.path.join(os.path.dirname(__file__), "..", "{f}", "specs")',
        'os.path.join(root, os.pardir, "{f}")',
        'REPO.parent.joinpath("{f}", "specs")',
        'GUIDE = Path("/work/{f}/seed/nodejs-backend-interview-guide.txt")',
        "\tcp -r $(CURDIR)/../{f}/specs tests/",
        "SPECS=..\\{f}\\specs",
    ],
)
def test_a_reference_is_found(line: str) -> None:
    line = line.replace("{f}", FOLDER)
    assert references(f"x = 1\n{line}\n") == [(2, line.strip())]


@pytest.mark.parametrize(
    "line",
    [
        '"""Command handling shared by every adapter: parse once, check rights."""',
        "# Workspaces known to exist, shared by the store's transactions",
        "text: A shared presence registry (user to gateway) or per-user rooms",
        "only SharedArrayBuffer is truly shared memory",
        'shared_secret = "s3cret"',
        'SPECS = REPO / "tests" / "specs" / "slack"',
        "cache = {'shared': True}",
    ],
)
def test_prose_and_other_names_are_not_references(line: str) -> None:
    assert references(line) == []
