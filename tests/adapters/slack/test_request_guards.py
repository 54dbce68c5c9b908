"""Requests the app must refuse before any work: a missing or unreadable timestamp (401, not a
crash), and, in single-workspace HTTP mode, anything from a workspace its token is not for."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlencode

import pytest

from bot.adapters.slack.render import render_block
from bot.messaging.message import Action, Actions, Button, Message
from bot.services.answers import Actor
from tests.adapters.slack.conftest import ALICE
from tests.adapters.slack.fake_slack import Call
from tests.adapters.slack.harness import CHANNEL, SECRET, TEAM, SlackHarness, sign

OTHER_TEAM = "T0OTHER"


class Picks:
    """Stands in for ``Engine.pick``: records the clicks that reach the core."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    async def __call__(self, actor: Actor, value: str, delivery: str) -> Message:
        self.seen.append((actor.workspace_id, value))
        return Message("picked")


def _posted_mcq() -> Call:
    """A posted message with the pick buttons of drill 1, as chat.postMessage recorded it."""
    buttons = Actions(tuple(Button(Action.PICK, key, f"1:{key}") for key in "ABC"))
    params = {"channel": CHANNEL, "text": "Daily MCQ", "blocks": render_block(buttons)}
    return Call("chat.postMessage", params, None, response={"ts": "1700000000.000100"})


@pytest.fixture
def picks(slack: SlackHarness) -> Picks:
    spy = Picks()
    slack.engine.pick = spy  # type: ignore[method-assign]
    return spy


# --- the timestamp header ---------------------------------------------------------------------


@pytest.mark.parametrize("stamp", [None, "", "yesterday", "12.5", "1e9"])
async def test_a_click_without_a_usable_timestamp_is_refused(
    slack: SlackHarness, picks: Picks, stamp: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    body = urlencode({"payload": json.dumps(slack.action_body(ALICE, _posted_mcq(), label="B"))})
    headers = {"X-Slack-Signature": sign(SECRET, body)["X-Slack-Signature"]}
    if stamp is not None:
        headers["X-Slack-Request-Timestamp"] = stamp
    with caplog.at_level(logging.ERROR):
        reply = await slack.post(body, signed=False, headers=headers)
    assert reply.status == 401
    await slack.settle()
    assert "Traceback" not in caplog.text and not caplog.records
    assert slack.fake.responses == [] and picks.seen == []


@pytest.mark.parametrize("stamp", ["", "soon", "0x10"])
async def test_a_command_or_event_with_a_malformed_timestamp_is_refused(
    slack: SlackHarness, stamp: str
) -> None:
    command = urlencode(slack.command_body(ALICE, "stats"))
    event = json.dumps(slack.home_opened_body(ALICE))
    for body, kind in ((command, "application/x-www-form-urlencoded"), (event, "application/json")):
        headers = {"X-Slack-Signature": "v0=" + "0" * 64, "X-Slack-Request-Timestamp": stamp}
        reply = await slack.post(body, kind, signed=False, headers=headers)
        assert reply.status == 401
    await slack.settle()
    assert slack.fake.responses == [] and slack.fake.of("views.publish") == []


# --- other workspaces (single-workspace HTTP mode) --------------------------------------------


async def test_a_command_from_another_workspace_is_refused_and_not_run(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    body = slack.command_body(ALICE, "away 2026-12-24", team=OTHER_TEAM)
    with caplog.at_level(logging.WARNING, logger="drillbot.slack"):
        reply = await slack.post(urlencode(body))
    await slack.settle()
    # The person is told privately, through the command's response_url (no token needed).
    assert reply.status == 200
    [told] = slack.replies_to(body)
    assert "not installed in this workspace" in told["text"]
    assert told.get("response_type", "ephemeral") == "ephemeral"
    assert slack.fake.of("users.info") == [], "no call to Slack with our token for them"
    assert f"refused a request from workspace {OTHER_TEAM}" in caplog.text
    async with slack.store.transaction() as tx:
        assert await tx.find_person(OTHER_TEAM, ALICE) is None
        assert await tx.find_person(TEAM, ALICE) is None


async def test_events_and_clicks_from_another_workspace_are_ignored(
    slack: SlackHarness, picks: Picks
) -> None:
    mcq = _posted_mcq()
    home = await slack.send_event(slack.home_opened_body(ALICE, team=OTHER_TEAM))
    assert home.status == 200, "an event is acknowledged, or Slack retries it"
    click = slack.action_body(ALICE, mcq, label="B", team=OTHER_TEAM)
    assert (await slack.send_action(click)).status == 200
    assert slack.fake.of("views.publish") == [] and slack.fake.of("users.info") == []
    assert picks.seen == []
    # The same requests from the app's own workspace still work.
    await slack.send_event(slack.home_opened_body(ALICE))
    assert len(slack.fake.of("views.publish")) == 1
    await slack.click(ALICE, mcq, label="B")
    assert picks.seen == [(TEAM, "1:B")]
