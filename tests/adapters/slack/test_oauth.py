"""Many workspaces over HTTP: the OAuth install flow, tokens per workspace, uninstalling."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from bot.db.sql_store import SqlStore
from tests.adapters.slack.conftest import ADMIN, ALICE
from tests.adapters.slack.fake_slack import FakeSlack, Workspace
from tests.adapters.slack.harness import CHANNEL, CLIENT_ID, SlackHarness

# slack_sdk's oauth.v2.access still hands aiohttp a BasicAuth.
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")


@pytest.fixture
async def multi(fake: FakeSlack, any_store: SqlStore) -> AsyncIterator[SlackHarness]:
    async with SlackHarness(fake, any_store, mode="oauth") as harness:
        yield harness


async def install(slack: SlackHarness, team: str, token: str) -> str:
    """A person installs the app into ``team``: the install page, Slack, then the redirect."""
    page, headers = await slack.get("/slack/install")
    assert page.status == 200
    link = re.search(r'href="([^"]+oauth/v2/authorize[^"]+)"', page.text)
    assert link is not None, page.text
    query = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)
    assert query["client_id"] == [CLIENT_ID] and "chat:write" in query["scope"][0]
    assert link.group(1).startswith(slack.fake.url)  # same Slack as SLACK_API_URL
    state = query["state"][0]
    assert f"slack-app-oauth-state={state}" in headers["Set-Cookie"]
    slack.fake.oauth_codes[f"code-{team}"] = Workspace(team, token, bot_user_id=f"U{team}BOT")
    done, _ = await slack.get(
        f"/slack/oauth_redirect?{urlencode({'code': f'code-{team}', 'state': state})}",
        headers={"Cookie": f"slack-app-oauth-state={state}"},
    )
    return f"{done.status} {done.text}"


async def test_install_two_workspaces_and_drill_each_with_its_own_token(
    multi: SlackHarness,
) -> None:
    fake = multi.fake
    assert (await install(multi, "T2", "xoxb-team-two")).startswith("200")
    assert (await install(multi, "T3", "xoxb-team-three")).startswith("200")
    [exchange, _] = fake.of("oauth.v2.access")
    assert (
        exchange["code"] == "code-T2" and exchange.token is None
    )  # client id/secret, no bot token
    async with multi.store.transaction():
        pass

    for team in ("T2", "T3"):
        body = multi.command_body(ADMIN, "setup 09:30 Europe/Berlin mon-fri", team=team)
        await multi.post(urlencode(body))
    await multi.settle()
    tokens = {c.token for c in fake.of("users.info")}
    assert tokens == {"xoxb-team-two", "xoxb-team-three"}

    await multi.at("2026-11-30T09:30")
    posts = [c for c in fake.posts(channel=CHANNEL) if "Daily question" in c["text"]]
    assert sorted(c.token or "" for c in posts) == ["xoxb-team-three", "xoxb-team-two"]


async def test_a_forged_or_replayed_state_installs_nothing(multi: SlackHarness) -> None:
    page, _ = await multi.get("/slack/install")
    state = re.search(r"state=([\w-]+)", page.text)
    assert state is not None
    multi.fake.oauth_codes["code-T4"] = Workspace("T4", "xoxb-four")
    forged, _ = await multi.get(
        "/slack/oauth_redirect?code=code-T4&state=forged",
        headers={"Cookie": "slack-app-oauth-state=forged"},
    )
    assert forged.status in (400, 401)
    no_cookie, _ = await multi.get(f"/slack/oauth_redirect?code=code-T4&state={state.group(1)}")
    assert no_cookie.status == 400
    assert multi.runtime.installations is not None
    assert (
        await multi.runtime.installations.async_find_bot(enterprise_id=None, team_id="T4") is None
    )


async def test_requests_from_a_workspace_without_an_installation_do_nothing(
    multi: SlackHarness,
) -> None:
    body = multi.command_body(ALICE, "help", team="T9")
    reply = await multi.post(urlencode(body))
    await multi.settle()
    assert reply.status == 200  # acknowledged, and nothing else
    assert multi.fake.of("users.info", ok=None) == []
    [hint] = multi.replies_to(body)
    assert "not installed in this workspace" in hint["text"]


async def test_uninstalling_forgets_the_token(multi: SlackHarness) -> None:
    await install(multi, "T2", "xoxb-team-two")
    assert multi.runtime.installations is not None
    assert await multi.runtime.installations.async_find_bot(enterprise_id=None, team_id="T2")
    event = {"type": "app_uninstalled", "event_ts": "1764500000.000100"}
    reply = await multi.send_event(multi.event_body(event, team="T2"))
    assert reply.status == 200
    assert (
        await multi.runtime.installations.async_find_bot(enterprise_id=None, team_id="T2") is None
    )
