"""One chat port over Slack and Discord: each workspace's messages go through its platform."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.messaging.message import Message
from bot.messaging.port import Capabilities, ChatError
from bot.messaging.router import RoutingChat, guess_platform
from bot.testing.fake_chat import FakeChat

HELLO = Message("hello")


def _router(recorded: dict[str, str]) -> tuple[RoutingChat, FakeChat, FakeChat, list[str]]:
    slack, discord = FakeChat(), FakeChat()
    discord.capabilities = Capabilities(
        buttons=True, modals=True, threads=True, ephemeral=True, edits=True, names_are_ids=False
    )
    asked: list[str] = []

    async def platform_of(workspace_id: str) -> str | None:
        asked.append(workspace_id)
        if workspace_id == "down":
            raise RuntimeError("database unavailable")
        return recorded.get(workspace_id)

    return RoutingChat({"slack": slack, "discord": discord}, platform_of), slack, discord, asked


async def test_each_workspace_posts_through_its_recorded_platform() -> None:
    router, slack, discord, asked = _router({"T1": "slack", "900": "discord", "W7": "discord"})
    await router.post("T1", "C1", HELLO)
    await router.post("900", "55", HELLO)
    await router.reply("W7", "66", "77", HELLO)
    await router.update("T1", "C1", "1.2", HELLO)
    await router.send_direct("900", "U1", HELLO)
    await router.find_posted("T1", "C1", "drill:1", dt.datetime.now(dt.UTC))
    assert [(s.method, s.workspace_id) for s in slack.sent] == [("post", "T1"), ("update", "T1")]
    assert [(s.method, s.workspace_id) for s in discord.sent] == [
        ("post", "900"),
        ("reply", "W7"),
        ("direct", "900"),
    ]
    assert asked == ["T1", "900", "W7"]  # each workspace is looked up once
    # Only what every platform can do is promised to the core.
    assert router.capabilities.names_are_ids is False and router.capabilities.edits is True


async def test_an_unrecorded_workspace_goes_by_its_id() -> None:
    router, slack, discord, _ = _router({})
    await router.post("T0TEAM", "C1", HELLO)
    await router.post("123456789012345678", "55", HELLO)
    assert [s.workspace_id for s in slack.sent] == ["T0TEAM"]
    assert [s.workspace_id for s in discord.sent] == ["123456789012345678"]
    with pytest.raises(ChatError, match="no chat platform serves workspace console"):
        await router.post("console", "c", HELLO)
    assert guess_platform("E0ORG") == "slack" and guess_platform("") is None


async def test_a_store_that_is_down_is_asked_again_next_time() -> None:
    router, _, _, asked = _router({})
    with pytest.raises(ChatError):
        await router.post("down", "c", HELLO)
    with pytest.raises(ChatError):
        await router.post("down", "c", HELLO)
    assert asked == ["down", "down"]
