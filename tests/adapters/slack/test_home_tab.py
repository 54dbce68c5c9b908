"""The Home tab of an admin with many channels stays inside Slack's 100 blocks and says how to
reach the channels it does not list."""

from __future__ import annotations

import json
from typing import Any

from bot.adapters.slack.render import MAX_VIEW_BLOCKS
from bot.domain.model import Schedule
from bot.services.home import MAX_HOME_CHANNELS
from tests.adapters.slack.conftest import ADMIN
from tests.adapters.slack.harness import TEAM, SlackHarness

CHANNELS = 60


async def _channels(slack: SlackHarness, count: int) -> None:
    async with slack.store.transaction() as tx:
        for n in range(1, count + 1):
            channel = await tx.ensure_channel(TEAM, f"C{n:04d}", f"team-{n:02d}")
            await tx.save_schedule(channel.id, Schedule(paused=n % 2 == 0))


def _buttons(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]


async def test_sixty_channels_fit_and_the_rest_are_summarised(slack: SlackHarness) -> None:
    await _channels(slack, CHANNELS)
    await slack.send_event(slack.home_opened_body(ADMIN))
    [published] = slack.fake.of("views.publish")
    view = published["view"]
    text = json.dumps(view, ensure_ascii=False)
    assert len(view["blocks"]) <= MAX_VIEW_BLOCKS
    assert "cut short" not in text
    # The first channels keep their schedule and their button; a last line names the others.
    shown = MAX_HOME_CHANNELS
    assert len(_buttons(view)) == shown
    assert "*#team-01*" in text and f"*#team-{shown:02d}*" in text
    assert f"*#team-{shown + 1:02d}*" not in text
    rest = CHANNELS - shown
    assert f"…and {rest} more channels with drills" in text
    assert f"#team-{shown + 1:02d}" in text and f"#team-{CHANNELS:02d}" in text
    assert "`/drill schedule`" in text and "`/drill pause`" in text

    # A click's answer on top still fits.
    pause = next(b for b in _buttons(view) if b["text"]["text"] == "Pause")
    await slack.send_action(slack.home_action_body(ADMIN, view, pause["value"]))
    again = slack.fake.of("views.publish")[-1]["view"]
    assert len(again["blocks"]) <= MAX_VIEW_BLOCKS
    assert "Drills paused" in json.dumps(again) and "cut short" not in json.dumps(again)


async def test_a_few_channels_are_all_listed_without_a_summary(slack: SlackHarness) -> None:
    await _channels(slack, 3)
    await slack.send_event(slack.home_opened_body(ADMIN))
    view = slack.fake.of("views.publish")[-1]["view"]
    assert len(_buttons(view)) == 3 and "more channels" not in json.dumps(view)
