"""fly.toml deploys as the README says: the schema upgraded once per deploy, two machines at
least, /healthz as the check, and time for the graceful stop before Fly's SIGKILL."""

from __future__ import annotations

import inspect
import tomllib
from typing import Any

import pytest

from bot.adapters.slack.main import HEALTH_PATH, SlackRuntime
from bot.config import Settings
from tests.packaging.conftest import ROOT

SLACK_DRAIN_SECONDS = 10.0
"""What SIGTERM gives the Slack requests already acknowledged (SlackRuntime.stop)."""


@pytest.fixture(scope="module")
def fly() -> dict[str, Any]:
    with (ROOT / "fly.toml").open("rb") as f:
        return tomllib.load(f)


def test_release_command_upgrades_the_database_once_per_deploy(fly: dict[str, Any]) -> None:
    assert fly["deploy"]["release_command"] == "drillbot db upgrade"


def test_at_least_two_machines_always_running(fly: dict[str, Any]) -> None:
    service = fly["http_service"]
    assert service["min_machines_running"] >= 2
    # drillbot posts on its own clock: a machine stopped for want of traffic would miss drills.
    assert service["auto_stop_machines"] in ("off", False)


def test_health_check_is_healthz_on_the_port_drillbot_serves(fly: dict[str, Any]) -> None:
    service = fly["http_service"]
    port = int(fly["env"]["PORT"])
    assert service["internal_port"] == port
    checks = service["checks"]
    assert [c["path"] for c in checks] == [HEALTH_PATH]
    assert checks[0]["method"] == "GET"


def test_malloc_arenas_are_capped(fly: dict[str, Any]) -> None:
    """Issue 14: with glibc's default arenas RSS crept up by the week (bot/memory.py)."""
    assert fly["env"]["MALLOC_ARENA_MAX"] == "2"


def test_kill_signal_and_timeout_cover_the_graceful_stop(fly: dict[str, Any]) -> None:
    # The configured grace: fly.toml's [env] when it sets one, else the default.
    default = Settings.model_fields["shutdown_grace_seconds"].default
    grace = float(fly.get("env", {}).get("DRILLBOT_SHUTDOWN_GRACE_SECONDS", default))
    assert fly["kill_signal"] == "SIGTERM"
    assert fly["kill_timeout"] > grace + SLACK_DRAIN_SECONDS


def test_slack_drain_assumed_here_is_the_runtimes() -> None:
    timeout = inspect.signature(SlackRuntime.stop).parameters["timeout"].default
    assert timeout == SLACK_DRAIN_SECONDS
