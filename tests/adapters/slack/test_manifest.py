"""The app manifest asks for what the code uses, and the core never imports Slack."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import yaml

from bot.adapters.slack.main import BOT_SCOPES, EVENTS_PATH

REPO = Path(__file__).resolve().parents[3]


def manifest() -> Any:
    return yaml.safe_load((REPO / "slack" / "manifest.yml").read_text())


def test_manifest_matches_the_app() -> None:
    app = manifest()
    assert sorted(app["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
    [command] = app["features"]["slash_commands"]
    assert command["command"] == "/drill" and command["usage_hint"]
    assert command["url"].endswith(EVENTS_PATH)
    settings = app["settings"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["interactivity"]["request_url"].endswith(EVENTS_PATH)
    events = set(settings["event_subscriptions"]["bot_events"])
    assert {"app_home_opened", "message.im", "app_uninstalled", "tokens_revoked"} <= events
    assert settings["event_subscriptions"]["request_url"].endswith(EVENTS_PATH)
    home = app["features"]["app_home"]
    assert home["home_tab_enabled"] and home["messages_tab_enabled"]
    assert not home["messages_tab_read_only_enabled"]
    assert app["oauth_config"]["redirect_urls"][0].endswith("/slack/oauth_redirect")


def test_only_the_slack_adapter_imports_slack_libraries() -> None:
    offenders = []
    for path in (REPO / "bot").rglob("*.py"):
        if (REPO / "bot" / "adapters" / "slack") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.split(".")[0] in ("slack_bolt", "slack_sdk") for n in names):
                offenders.append(str(path.relative_to(REPO)))
    assert offenders == []
