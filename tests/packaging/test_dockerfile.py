"""The Dockerfile, checked without a Docker daemon: hadolint, and its structure.

A small parser reads the instructions (continuation lines joined, comments dropped) and checks
what the README promises of the image: two stages on a pinned base, dependencies from uv.lock,
drillbot installed as a wheel (never editable), nothing cached, a non-root user, /healthz as
the health check, SIGTERM as the stop signal.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

import pytest

from bot.adapters.slack.main import HEALTH_PATH
from tests.packaging.conftest import ROOT, tool

DOCKERFILE = ROOT / "Dockerfile"


@dataclass(frozen=True)
class Instruction:
    stage: int
    """0 before the first FROM (global ARGs), then 1, 2, ... for each stage."""
    keyword: str
    args: str


def parse(text: str) -> list[Instruction]:
    instructions: list[Instruction] = []
    stage = 0
    logical = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not logical and (not line or line.startswith("#")):
            continue
        if logical and line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            logical += line[:-1].rstrip() + " "
            continue
        logical += line
        keyword, _, args = logical.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        instructions.append(Instruction(stage, keyword, args.strip()))
        logical = ""
    assert not logical, "the Dockerfile ends inside a continued line"
    return instructions


@pytest.fixture(scope="module")
def instructions() -> list[Instruction]:
    return parse(DOCKERFILE.read_text(encoding="utf-8"))


def of(instructions: list[Instruction], keyword: str, stage: int | None = None) -> list[str]:
    return [
        i.args for i in instructions if i.keyword == keyword and (stage is None or i.stage == stage)
    ]


def global_args(instructions: list[Instruction]) -> dict[str, str]:
    found: dict[str, str] = {}
    for arg in of(instructions, "ARG", stage=0):
        name, _, value = arg.partition("=")
        found[name] = value
    return found


def test_hadolint_finds_nothing() -> None:
    hadolint = tool("hadolint")
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_parser_reads_continued_lines() -> None:
    parsed = parse("ARG A=1\nFROM x:1 AS a\n# note\nRUN one \\\n    # inside\n    && two\n")
    assert parsed == [
        Instruction(0, "ARG", "A=1"),
        Instruction(1, "FROM", "x:1 AS a"),
        Instruction(1, "RUN", "one && two"),
    ]


def test_two_stages_on_one_pinned_base(instructions: list[Instruction]) -> None:
    froms = of(instructions, "FROM")
    assert [f.split()[-1] for f in froms] == ["build", "runtime"]
    bases = {f.split()[0] for f in froms}
    assert len(bases) == 1, "the runtime must be the build's base: the venv links to its Python"
    base = bases.pop()
    if base.startswith("${"):
        base = global_args(instructions)[base.strip("${}")]
    name, _, tag = base.partition(":")
    assert name == "python"
    # A full version (3.11.x), never latest or a bare 3 / 3.11 that moves under us.
    assert re.fullmatch(r"3\.\d+\.\d+-slim(-\w+)?(@sha256:[0-9a-f]{64})?", tag), tag


def test_dependencies_come_from_the_lock_with_the_pinned_uv(
    instructions: list[Instruction],
) -> None:
    build = 1
    copied = " ".join(of(instructions, "COPY", stage=build))
    assert "uv.lock" in copied
    runs = of(instructions, "RUN", stage=build)
    assert any("uv sync --locked" in r and "--no-install-project" in r for r in runs)
    assert any('"uv==${UV_VERSION}"' in r for r in runs)
    assert global_args(instructions)["UV_VERSION"] == makefile_uv_version()


def test_drillbot_is_installed_as_a_wheel_never_editable(
    instructions: list[Instruction],
) -> None:
    runs = " && ".join(of(instructions, "RUN"))
    assert "uv build --wheel" in runs
    assert re.search(r"pip install [^&]*--no-deps [^&]*\.whl", runs)
    assert not re.search(r"(^|\s)(-e|--editable)(\s|$)", runs)
    assert "--no-editable" in runs  # the dependency sync does not install the project either


def test_no_caches_and_no_build_tools_in_the_runtime(instructions: list[Instruction]) -> None:
    build_env = " ".join(of(instructions, "ENV", stage=1))
    assert "PIP_NO_CACHE_DIR=1" in build_env and "UV_NO_CACHE=1" in build_env
    runtime = [i for i in instructions if i.stage == 2]
    copies = [i.args for i in runtime if i.keyword in ("COPY", "ADD")]
    # The runtime takes the built venv and nothing else: no sources, no wheel, no uv.
    assert copies == ["--from=build /opt/venv /opt/venv"]
    runtime_runs = " ".join(i.args for i in runtime if i.keyword == "RUN")
    for tool_name in ("pip install", "uv ", "apt-get install", "gcc", "build-essential"):
        assert tool_name not in runtime_runs


def test_runs_as_a_user_other_than_root(instructions: list[Instruction]) -> None:
    users = of(instructions, "USER", stage=2)
    assert users, "the runtime stage sets no USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    assert instructions[-1].keyword in ("CMD", "ENTRYPOINT", "STOPSIGNAL", "HEALTHCHECK")
    last_user_at = max(i for i, ins in enumerate(instructions) if ins.keyword == "USER")
    assert not any(ins.keyword == "RUN" for ins in instructions[last_user_at:])


def test_health_check_asks_healthz_on_port(instructions: list[Instruction]) -> None:
    (check,) = of(instructions, "HEALTHCHECK", stage=2)
    assert check.split("CMD", 1)[1].strip().startswith('["python"')
    assert HEALTH_PATH in check and "PORT" in check
    env = " ".join(of(instructions, "ENV", stage=2))
    assert "PORT=3000" in env and "DRILLBOT_DATA_DIR=/data" in env


def test_the_runtime_caps_malloc_arenas(instructions: list[Instruction]) -> None:
    """Issue 14: with glibc's default arenas RSS crept up by the week (bot/memory.py)."""
    env = " ".join(of(instructions, "ENV", stage=2)).split()
    assert "MALLOC_ARENA_MAX=2" in env


def test_stops_with_sigterm_and_runs_drillbot(instructions: list[Instruction]) -> None:
    assert of(instructions, "STOPSIGNAL", stage=2) == ["SIGTERM"]
    assert of(instructions, "CMD", stage=2) == ['["drillbot", "run"]']
    # The grace to give it is documented next to STOPSIGNAL.
    assert "35 s" in DOCKERFILE.read_text(encoding="utf-8")


def makefile_uv_version() -> str:
    match = re.search(r"^UV_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.M)
    assert match, "Makefile sets no UV_VERSION"
    return match.group(1)
