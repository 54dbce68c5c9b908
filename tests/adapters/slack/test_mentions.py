"""People named in `/drill` commands: Slack sends mentions escaped (``should_escape: true``) and
the adapter hands the core its platform-neutral ``<@id>``; a name typed as plain text is not
a person, and is refused with how to mention someone."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from bot.messaging.message import Replies
from bot.services.answers import Actor
from bot.services.commands import Where
from tests.adapters.slack.conftest import ADMIN, ALICE, BOB
from tests.adapters.slack.harness import TEAM, SlackHarness
from tests.adapters.slack.test_manifest import manifest


def test_the_manifest_asks_slack_to_escape_mentions() -> None:
    [command] = manifest()["features"]["slash_commands"]
    assert command["should_escape"] is True


async def _say(slack: SlackHarness, user: str, text: str) -> str:
    body = slack.command_body(user, text)
    await slack.post(urlencode(body))
    await slack.settle()
    # Everything the person reads: the blocks (the usage line is a context block).
    return json.dumps([reply["blocks"] for reply in slack.replies_to(body)], ensure_ascii=False)


async def _listed(slack: SlackHarness) -> list[str]:
    async with slack.store.transaction() as tx:
        return await tx.listed_admins(TEAM)


async def test_admins_add_and_remove_take_both_forms_of_escaped_mention(
    slack: SlackHarness,
) -> None:
    added = await _say(slack, ADMIN, f"admins add <@{ALICE}|alice>")
    assert f"`{ALICE}` can now run admin commands" in added
    assert await _listed(slack) == [ALICE]
    assert "Drills are set up" in await _say(slack, ALICE, "setup 09:30 Europe/Berlin mon-fri")

    assert "can now run admin commands" in await _say(slack, ADMIN, f"admins add <@{BOB}>")
    assert await _listed(slack) == [ALICE, BOB]
    removed = await _say(slack, ADMIN, f"admins remove <@{ALICE}>")
    assert f"`{ALICE}` is no longer listed" in removed
    assert await _listed(slack) == [BOB]


async def test_a_typed_name_is_refused_with_how_to_mention(slack: SlackHarness) -> None:
    for typed in ("@bob", "bob"):
        answer = await _say(slack, ADMIN, f"admins add {typed}")
        assert f"`{typed}` is not a mention" in answer
        assert "Type `@` and pick the person" in answer and "admins add @maria" in answer
    assert "is not a mention" in await _say(slack, ADMIN, "admins remove @bob")
    assert await _listed(slack) == []
    # Rights are checked first: someone who may not change the list is told that.
    assert "Only workspace admins" in await _say(slack, BOB, "admins add @bob")


async def test_the_core_gets_what_the_person_typed_not_slacks_escaping(
    slack: SlackHarness,
) -> None:
    seen: list[str] = []
    real = slack.engine.command

    async def spy(actor: Actor, where: Where, text: str, delivery: str) -> Replies:
        seen.append(text)
        return await real(actor, where, text, delivery)

    slack.engine.command = spy  # type: ignore[method-assign]
    escaped = (
        "answer use a &lt;Map&gt; &amp; see <https://example.com/a?b=1&amp;c=2|example.com/a> "
        "or <https://x.io>, ask <@UBOB|bob> in <#C0OPS|ops> or <!subteam^S1|@oncall>, "
        "not <!here>"
    )
    await _say(slack, ALICE, escaped)
    assert seen == [
        "answer use a <Map> & see example.com/a or https://x.io, ask <@UBOB> in #ops or "
        "@oncall, not @here"
    ]
