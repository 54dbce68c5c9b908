"""The fake Discord, driven by a bare discord.py 2.7 client (no drillbot code): what it answers is
what discord.py expects, and what it refuses is what Discord refuses."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
import discord
import pytest

from tests.adapters.discord.fake_discord import (
    DM,
    EPHEMERAL,
    MANAGE_GUILD,
    PUBLIC_THREAD,
    FakeDiscord,
    FakeGuild,
    FakeUser,
    SentInteraction,
    command_problems,
    message_problems,
    modal_problems,
    point_discord_py_at,
    shard_of,
)

Handler = Callable[[discord.Interaction], Awaitable[None]]
NONE = discord.AllowedMentions.none()


class Bot(discord.Client):
    """A client that hands every interaction to ``handler`` and keeps what went wrong."""

    def __init__(self, intents: discord.Intents | None = None) -> None:
        super().__init__(
            intents=intents or discord.Intents.default(),
            guild_ready_timeout=0.05,
            allowed_mentions=NONE,
        )
        self.handler: Handler | None = None
        self.errors: list[Exception] = []
        self.seen: list[discord.Message] = []

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if self.handler is None:
            return
        try:
            await self.handler(interaction)
        except Exception as exc:  # kept for the test to look at
            self.errors.append(exc)

    async def on_message(self, message: discord.Message) -> None:
        self.seen.append(message)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No 5 s pause between shards (discord.py's default for real Discord)."""


class GuildWatcher(Bot):
    def __init__(self) -> None:
        super().__init__()
        self.joined: list[int] = []
        self.removed: list[int] = []

    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.joined.append(guild.id)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        self.removed.append(guild.id)


class ShardedBot(discord.AutoShardedClient):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        self.interactions: list[discord.Interaction] = []

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        self.interactions.append(interaction)
        await interaction.response.send_message("ok", ephemeral=True, allowed_mentions=NONE)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No 5 s pause between shards."""


@contextlib.asynccontextmanager
async def running(client: discord.Client, fake: FakeDiscord) -> AsyncIterator[None]:
    await client.login(fake.token)
    task = asyncio.create_task(client.connect())
    try:
        await asyncio.wait_for(client.wait_until_ready(), 5)
        yield
    finally:
        await client.close()
        with contextlib.suppress(Exception):
            await task


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as discord_fake:
        with point_discord_py_at(discord_fake):
            yield discord_fake
    # Whatever a test checked, nothing sent may break Discord's rules (tests that provoke a
    # violation clear what they expected).
    assert discord_fake.violations == []


@pytest.fixture
def guild(fake: FakeDiscord) -> FakeGuild:
    return fake.add_guild("Study group")


@pytest.fixture
def alice(fake: FakeDiscord, guild: FakeGuild) -> FakeUser:
    return fake.add_member(guild, "alice")


async def test_a_client_logs_in_and_gets_its_server(fake: FakeDiscord, guild: FakeGuild) -> None:
    bot = Bot()
    started = time.monotonic()
    async with running(bot, fake):
        assert time.monotonic() - started < 2
        server = bot.get_guild(guild.id)
        assert server is not None and server.name == "Study group"
        channel = server.get_channel(guild.channel().id)
        assert isinstance(channel, discord.TextChannel)
        assert channel.permissions_for(server.me).send_messages
        assert bot.user is not None and bot.user.id == fake.application_id
        assert bot.application_id == fake.application_id
    assert [c.route for c in fake.calls] == ["GET /users/@me", "GET /oauth2/applications/@me"]
    assert all(c.authorized and "Authorization" not in c.headers for c in fake.calls)
    assert fake.identifies[0]["intents"] == discord.Intents.default().value
    assert fake.identifies[0]["token_ok"]
    assert fake.gateway_queries[0] == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
    # discord.py closes with 4000 (its pending read answers the close first), so Discord would
    # keep the session resumable.
    assert fake.sessions[0].close_codes == [4000] and not fake.sessions[0].invalidated


async def test_a_slash_command_reaches_the_client_and_an_ephemeral_reply_lands(
    fake: FakeDiscord, guild: FakeGuild, alice: FakeUser
) -> None:
    lead = fake.add_member(guild, "lead", permissions=MANAGE_GUILD)
    bot = Bot()
    seen: list[discord.Interaction] = []

    async def reply(interaction: discord.Interaction) -> None:
        seen.append(interaction)
        await interaction.response.send_message("Only you see this", ephemeral=True)

    bot.handler = reply
    async with running(bot, fake):
        sent = await fake.slash_command(alice, guild=guild, subcommand="help")
        callback = await fake.wait_for_callback(sent)
        by_lead = await fake.slash_command(lead, guild=guild, subcommand="setup")
        await fake.wait_for_callback(by_lead)
        in_dm = await fake.slash_command(alice, subcommand="incident")
        await fake.wait_for_callback(in_dm)
    assert callback.status == 200
    assert callback.query == {"with_response": "1"}
    assert callback["type"] == 4
    assert callback["data"]["flags"] == EPHEMERAL
    assert callback.response["resource"]["message"]["flags"] == EPHEMERAL
    assert sent.latency is not None and sent.latency < 1
    member, admin = seen[0].user, seen[1].user
    assert isinstance(member, discord.Member) and isinstance(admin, discord.Member)
    assert not member.guild_permissions.manage_guild and admin.guild_permissions.manage_guild
    direct = seen[2]
    assert direct.guild is None and isinstance(direct.channel, discord.DMChannel)
    assert isinstance(direct.user, discord.User) and direct.user.id == alice.id
    assert direct.context.dm_channel and fake.ephemeral(in_dm)[0]["channel_id"] == str(
        fake.dm_channel(alice).id
    )
    data: dict[str, object] = dict(seen[0].data or {})
    assert data["options"] == [{"type": 1, "name": "help", "options": []}]
    assert [m["content"] for m in fake.ephemeral(sent)] == ["Only you see this"]
    assert fake.messages(guild.channel()) == []


async def test_a_command_tree_syncs_and_runs_typed_options_and_autocomplete(
    fake: FakeDiscord, guild: FakeGuild, alice: FakeUser
) -> None:
    bot = Bot()
    tree = discord.app_commands.CommandTree(bot)
    drill = discord.app_commands.Group(name="drill", description="Interview drills")
    ran: list[tuple[str, int]] = []

    @drill.command(name="stats", description="Your numbers")
    @discord.app_commands.choices(
        period=[
            discord.app_commands.Choice(name="This week", value="week"),
            discord.app_commands.Choice(name="All time", value="all"),
        ]
    )
    async def stats(
        interaction: discord.Interaction, period: discord.app_commands.Choice[str], days: int = 7
    ) -> None:
        ran.append((period.value, days))
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send(f"{period.value} over {days} days", ephemeral=True)

    @drill.command(name="topics", description="Drill one topic")
    async def topics(interaction: discord.Interaction, topic: str) -> None:
        await interaction.response.send_message(topic, ephemeral=True)

    @topics.autocomplete("topic")
    async def topic_names(
        interaction: discord.Interaction, current: str
    ) -> list[discord.app_commands.Choice[str]]:
        names = ["networking", "node-streams", "sql"]
        return [
            discord.app_commands.Choice(name=n, value=n) for n in names if n.startswith(current)
        ]

    tree.add_command(drill)
    async with running(bot, fake):
        await tree.sync()
        await tree.sync()
        sent = await fake.slash_command(
            alice, guild=guild, subcommand="stats", options={"period": "week", "days": 3}
        )
        followup = (await fake.wait_for_followups(sent))[0]
        typing = await fake.autocomplete(
            alice, guild=guild, subcommand="topics", focused="topic", options={"topic": "n"}
        )
        choices = await fake.wait_for_callback(typing)
        with pytest.raises(ValueError, match="not a choice"):
            await fake.slash_command(
                alice, guild=guild, subcommand="stats", options={"period": "x"}
            )
    assert len(fake.command_syncs) == 2
    first, second = (c.response for c in fake.command_syncs)
    assert first[0]["id"] == second[0]["id"]  # a re-sync keeps the command's id
    assert [o["name"] for o in fake.commands()[0]["options"]] == ["stats", "topics"]
    assert ran == [("week", 3)]
    assert fake.interaction(sent).callback is not None
    assert fake.interaction(sent).callback["type"] == 5  # type: ignore[index]
    assert (
        followup.response["flags"] == EPHEMERAL
        and followup.response["content"] == "week over 3 days"
    )
    assert choices["type"] == 8
    assert [c["value"] for c in choices["data"]["choices"]] == ["networking", "node-streams"]


async def test_a_late_response_gets_unknown_interaction(
    fake: FakeDiscord, guild: FakeGuild, alice: FakeUser
) -> None:
    fake.interaction_deadline = 0.1  # Discord's 3 s, shortened so the test stays fast
    bot = Bot()

    async def slow(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.2)
        await interaction.response.send_message("too late", ephemeral=True)

    bot.handler = slow
    async with running(bot, fake):
        sent = await fake.slash_command(alice, guild=guild, subcommand="help")
        await fake.wait_until(lambda: sent.late)
        await fake.wait_until(lambda: bot.errors)
    assert isinstance(bot.errors[0], discord.NotFound) and bot.errors[0].code == 10062
    assert sent.callback is None and sent.late[0].error_code == 10062


async def test_a_second_response_gets_already_acknowledged(
    fake: FakeDiscord, guild: FakeGuild, alice: FakeUser
) -> None:
    bot = Bot()

    async def reply(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("hello", ephemeral=True)

    bot.handler = reply
    async with running(bot, fake):
        sent = await fake.slash_command(alice, guild=guild, subcommand="help")
        await fake.wait_for_callback(sent)
        await fake.redeliver(sent)  # the same event again, as after a replay
        await fake.wait_until(lambda: bot.errors)
    assert isinstance(bot.errors[0], discord.HTTPException) and bot.errors[0].code == 40060
    assert [c.status for c in sent.attempts] == [200, 400]


async def test_a_429_on_a_post_is_waited_out_and_the_message_lands_once(
    fake: FakeDiscord, guild: FakeGuild
) -> None:
    route = "POST /channels/{channel_id}/messages"
    fake.fail(route, 429, retry_after=0.2)
    bot = Bot()
    async with running(bot, fake):
        channel = bot.get_channel(guild.channel().id)
        assert isinstance(channel, discord.TextChannel)
        started = time.monotonic()
        posted = await channel.send("Today's drill")
        waited = time.monotonic() - started
    assert waited >= 0.2
    assert [c.status for c in fake.of(route)] == [429, 200]
    assert fake.of(route)[0].response == {
        "message": "You are being rate limited.",
        "retry_after": 0.2,
        "global": False,
    }
    assert [m["id"] for m in fake.messages(guild.channel())] == [str(posted.id)]


async def test_a_token_discord_refuses_is_a_login_failure(fake: FakeDiscord) -> None:
    bot = Bot()
    try:
        with pytest.raises(discord.LoginFailure):
            await bot.login("not-the-token")
    finally:
        await bot.close()
    assert fake.calls[0].status == 401 and fake.calls[0].error_code == 0


async def test_a_privileged_intent_not_enabled_closes_the_gateway_with_4014(
    fake: FakeDiscord, guild: FakeGuild
) -> None:
    fake.privileged_intents = 0
    intents = discord.Intents.default()
    intents.message_content = True
    bot = Bot(intents)
    try:
        with pytest.raises(discord.PrivilegedIntentsRequired):
            await asyncio.wait_for(bot.start(fake.token), 5)
    finally:
        await bot.close()
    application = fake.of("GET /oauth2/applications/@me")[0].response
    assert application["flags"] & (1 << 19) == 0  # GATEWAY_MESSAGE_CONTENT_LIMITED is off


async def test_an_identify_refused_with_4004_closes_the_client(fake: FakeDiscord) -> None:
    fake.identify_close_code = 4004
    bot = Bot()
    try:
        with pytest.raises(discord.ConnectionClosed) as closed:
            await asyncio.wait_for(bot.start(fake.token), 5)
    finally:
        await bot.close()
    assert closed.value.code == 4004


async def test_content_over_2000_characters_is_a_violation(
    fake: FakeDiscord, guild: FakeGuild
) -> None:
    bot = Bot()
    async with running(bot, fake):
        channel = bot.get_channel(guild.channel().id)
        assert isinstance(channel, discord.TextChannel)
        with pytest.raises(discord.HTTPException) as refused:
            await channel.send("x" * 2001)
        with pytest.raises(discord.HTTPException):
            await channel.send("hi @everyone", allowed_mentions=discord.AllowedMentions.all())
    assert refused.value.status == 400 and refused.value.code == 50035
    assert "content of 2001 characters" in refused.value.text
    assert len(fake.violations) == 2
    assert "content: content of 2001 characters (limit 2,000)" in fake.violations[0]
    assert "allowed_mentions: must be none" in fake.violations[1]
    assert fake.messages(guild.channel()) == []
    fake.violations.clear()


async def test_an_auto_sharded_client_gets_each_server_on_its_own_shard() -> None:
    async with FakeDiscord(shard_count=2) as fake:
        first = fake.add_guild("Shard zero", shard=0)
        second = fake.add_guild("Shard one", shard=1)
        bob = fake.add_member(second, "bob")
        with point_discord_py_at(fake):
            bot = ShardedBot()
            async with running(bot, fake):
                sent = await fake.slash_command(bob, guild=second, subcommand="help")
                await fake.wait_for_callback(sent)
                assert {g.id for g in bot.guilds} == {first.id, second.id}
                assert bot.shard_count == 2
        assert fake.violations == []
    assert shard_of(first.id, 2) == 0 and shard_of(second.id, 2) == 1
    assert [c.route for c in fake.calls[:3]] == [
        "GET /users/@me",
        "GET /oauth2/applications/@me",
        "GET /gateway/bot",
    ]
    assert sorted(i["shard"] for i in fake.identifies) == [[0, 2], [1, 2]]
    assert {s.shard_id: s.guild_ids for s in fake.sessions} == {0: [first.id], 1: [second.id]}
    assert bot.interactions[0].guild_id == second.id


class AnswerModal(discord.ui.Modal, title="Your answer"):
    answer: discord.ui.TextInput[AnswerModal] = discord.ui.TextInput(
        label="Answer", style=discord.TextStyle.paragraph, max_length=3000, custom_id="answer"
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"Got: {self.answer.value}", ephemeral=True)


class AnswerButton(discord.ui.Button[discord.ui.View]):
    def __init__(self) -> None:
        super().__init__(label="Answer", custom_id="drill:answer:42")

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(AnswerModal(custom_id="modal:answer:42"))


class CountButton(discord.ui.Button[discord.ui.View]):
    def __init__(self) -> None:
        super().__init__(label="Count", custom_id="drill:count:42")

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.edit_message(content="1 answer")


async def test_a_click_on_a_persistent_button_opens_a_modal_whose_answer_comes_back(
    fake: FakeDiscord, guild: FakeGuild, alice: FakeUser
) -> None:
    bot = Bot()
    view = discord.ui.View(timeout=None)
    view.add_item(AnswerButton())
    view.add_item(CountButton())
    async with running(bot, fake):
        bot.add_view(view)
        channel = bot.get_channel(guild.channel().id)
        assert isinstance(channel, discord.TextChannel)
        posted = await channel.send("What is a B-tree?", view=view)
        click = await fake.button_click(posted.id, "drill:answer:42", alice)
        opened = await fake.wait_for_callback(click)
        with pytest.raises(ValueError, match="at most 3000"):
            await fake.modal_submit(click, {"answer": "x" * 3001})
        submit = await fake.modal_submit(click, {"answer": "A balanced tree"})
        answered = await fake.wait_for_callback(submit)
        with pytest.raises(ValueError, match="no component"):
            await fake.button_click(posted.id, "drill:answer:43", alice)
        count = await fake.button_click(posted.id, "drill:count:42", alice)
        updated = await fake.wait_for_callback(count)
    stored = fake.message(posted.id)
    assert stored["components"][0]["components"][0]["custom_id"] == "drill:answer:42"
    assert opened["type"] == 9 and opened["data"]["title"] == "Your answer"
    assert submit.payload["data"]["components"][0]["components"][0]["value"] == "A balanced tree"
    assert answered["data"]["content"] == "Got: A balanced tree"
    assert answered["data"]["flags"] == EPHEMERAL
    assert updated["type"] == 7 and stored["content"] == "1 answer"
    assert fake.edits(posted.id) == [updated]


async def test_threads_dms_nonces_and_messages_people_write(
    fake: FakeDiscord, guild: FakeGuild, alice: FakeUser
) -> None:
    bot = Bot()  # default intents: no Message Content
    async with running(bot, fake):
        channel = bot.get_channel(guild.channel().id)
        assert isinstance(channel, discord.TextChannel)
        drill = await channel.send("Today's drill", nonce="drill-7")
        again = await channel.send("Today's drill", nonce="drill-7")
        found = [m async for m in channel.history(limit=10) if m.nonce == "drill-7"]
        thread = await drill.create_thread(name="Reveal")
        await thread.send("The answer", allowed_mentions=NONE)
        await fake.wait_until(lambda: bot.get_channel(thread.id))
        await fake.message_create(alice, "my guess", channel=thread.id)
        await fake.message_create(alice, f"<@{fake.application_id}> my guess", channel=thread.id)
        member = guild.members[alice.id].user
        person = await bot.fetch_user(member.id)
        dm = await person.create_dm()
        await dm.send("Incident: the database is down", allowed_mentions=NONE)
        await fake.message_create(alice, "restart the primary")
        await fake.wait_until(lambda: len([m for m in bot.seen if m.author.id == alice.id]) == 3)
        with pytest.raises(discord.HTTPException) as twice:
            await drill.create_thread(name="Again")
    assert again.id == drill.id  # enforce_nonce: the same message, not a second one
    assert [m.id for m in found] == [drill.id]
    assert fake.thread_for(drill.id) is not None and thread.id == drill.id
    assert fake.channels[thread.id].type == PUBLIC_THREAD
    assert [m["content"] for m in fake.messages(thread.id)] == [
        "The answer",
        "my guess",
        f"<@{fake.application_id}> my guess",
    ]
    from_alice = [m for m in bot.seen if m.author.id == alice.id]
    # Without the Message Content intent a server message arrives empty unless it mentions the
    # bot; a DM always carries its content.
    assert [m.content for m in from_alice] == [
        "",
        f"<@{fake.application_id}> my guess",
        "restart the primary",
    ]
    assert fake.channels[dm.id].type == DM and dm.id == fake.dm_channel(alice).id
    assert [m["content"] for m in fake.dm_messages(alice)] == [
        "Incident: the database is down",
        "restart the primary",
    ]
    assert twice.value.code == 160004


async def test_a_dropped_connection_resumes_and_events_sent_meanwhile_arrive(
    fake: FakeDiscord, guild: FakeGuild, alice: FakeUser
) -> None:
    bot = Bot()
    seen: list[int] = []

    async def reply(interaction: discord.Interaction) -> None:
        seen.append(interaction.id)
        await interaction.response.send_message("back", ephemeral=True)

    bot.handler = reply
    async with running(bot, fake):
        await fake.close_gateway(code=4000)
        await fake.wait_until(lambda: fake.sessions[0].resumes == 1)
        sent = await fake.slash_command(alice, guild=guild, subcommand="help")
        await fake.wait_for_callback(sent)
    assert len(fake.identifies) == 1 and seen == [sent.id]


async def test_edits_answer_counts_and_followup_edits(
    fake: FakeDiscord, guild: FakeGuild, alice: FakeUser
) -> None:
    bot = Bot()

    async def reply(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Thinking...", ephemeral=True)
        await interaction.edit_original_response(content="Correct!")
        note = await interaction.followup.send("More detail", ephemeral=True, wait=True)
        await note.edit(content="Even more detail")

    bot.handler = reply
    async with running(bot, fake):
        channel = bot.get_channel(guild.channel().id)
        assert isinstance(channel, discord.TextChannel)
        posted = await channel.send("Drill: 0 answers")
        await posted.edit(content="Drill: 1 answer")
        sent = await fake.slash_command(alice, guild=guild, subcommand="answer")
        await fake.wait_until(lambda: len(sent.edits) == 2)
    assert fake.message(posted.id)["content"] == "Drill: 1 answer"
    assert len(fake.edits(posted.id)) == 1
    assert [m["content"] for m in fake.ephemeral(sent)] == ["Correct!", "Even more detail"]
    assert bot.errors == []


async def test_unknown_routes_and_missing_tokens_are_refused_like_discord(
    fake: FakeDiscord,
) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(fake.api_url + "/users/@me") as anonymous:
            assert anonymous.status == 401
            assert anonymous.headers["Content-Type"] == "application/json"
            assert await anonymous.json() == {"message": "401: Unauthorized", "code": 0}
        headers = {"Authorization": f"Bot {fake.token}"}
        async with session.get(fake.api_url + "/nowhere", headers=headers) as unknown:
            assert unknown.status == 404
            assert (await unknown.json())["code"] == 0
    assert fake.violations == ["GET /nowhere: not a route Discord has (or the fake serves)"]
    fake.violations.clear()


def test_documented_limits_beyond_the_openapi_description() -> None:
    none: dict[str, list[str]] = {"parse": []}
    button = {"type": 2, "style": 1, "label": "A", "custom_id": "x"}
    row = {"type": 1, "components": [dict(button, custom_id=f"b{i}") for i in range(6)]}
    rows = [{"type": 1, "components": [dict(button, custom_id=f"r{i}")]} for i in range(6)]
    embed = {
        "title": "t",
        "description": "d" * 4096,
        "fields": [{"name": "n", "value": "v" * 1024}] * 2,
    }
    assert message_problems({"content": "ok", "allowed_mentions": none}, creating=True) == []
    assert [str(p) for p in message_problems({"content": "ok"}, creating=True)] == [
        "allowed_mentions: missing: every message must set it to none"
    ]
    too_much = {"embeds": [embed], "components": [row], "allowed_mentions": none}
    assert sorted(str(p) for p in message_problems(too_much, creating=True)) == [
        "components.0: 6 buttons in a row (limit 5)",
        "embeds: 6,147 characters of embed text (limit 6,000 a message)",
    ]
    assert [
        str(p)
        for p in message_problems({"components": rows, "allowed_mentions": none}, creating=True)
    ] == ["components: 6 rows (limit 5)"]
    twice = [{"type": 1, "components": [button, button]}]
    assert "used twice" in str(
        message_problems({"components": twice, "allowed_mentions": none}, creating=True)[0]
    )
    assert message_problems({"embeds": [{"title": "edited"}]}, creating=False) == []
    modal = {
        "custom_id": "m",
        "title": "t" * 46,
        "components": [
            {
                "type": 1,
                "components": [
                    {"type": 4, "custom_id": "a", "style": 2, "label": "L", "max_length": 4001}
                ],
            }
        ],
    }
    assert [str(p) for p in modal_problems(modal)] == [
        "data.title: modal title of 46 characters (limit 45)",
        "data.components.0.components.0.max_length: max_length 4001 (0 to 4,000)",
    ]
    command = {
        "name": "Drill",
        "description": "d",
        "options": [
            {
                "type": 3,
                "name": "topic",
                "description": "t",
                "choices": [{"name": "n", "value": "v"}] * 26,
            }
        ],
    }
    assert [str(p) for p in command_problems([command])] == [
        "0.name: command name 'Drill' is not ^[-_\\p{L}\\p{N}]{1,32}$ in lower case",
        "0.options.0.choices: 26 choices (limit 25)",
    ]


async def test_interaction_payloads_carry_what_discord_py_reads(
    fake: FakeDiscord, guild: FakeGuild, alice: FakeUser
) -> None:
    """Built without a client connected: the dispatch waits for one, so check the payload's
    shape through the record the helper keeps."""
    fake.dispatch_timeout = 0.05
    with pytest.raises(TimeoutError, match="no gateway connection"):
        await fake.slash_command(alice, subcommand="help")
    record: SentInteraction = next(iter(fake.interactions.values()))
    payload = record.payload
    for key in (
        "id",
        "application_id",
        "token",
        "version",
        "app_permissions",
        "locale",
        "entitlements",
        "authorizing_integration_owners",
        "context",
        "attachment_size_limit",
        "user",
        "channel",
    ):
        assert key in payload, key
    assert "member" not in payload and payload["channel"]["type"] == DM and payload["context"] == 1


async def test_a_server_error_is_raised_and_nothing_lands(
    fake: FakeDiscord, guild: FakeGuild
) -> None:
    route = "POST /channels/{channel_id}/messages"
    fake.fail(route, 503)
    bot = Bot()
    async with running(bot, fake):
        channel = bot.get_channel(guild.channel().id)
        assert isinstance(channel, discord.TextChannel)
        with pytest.raises(discord.DiscordServerError):
            await channel.send("Today's drill")
    assert fake.messages(guild.channel()) == [] and fake.of(route)[0].note == "injected"


async def test_a_post_that_landed_before_a_crash_is_found_again_by_its_nonce(
    fake: FakeDiscord, guild: FakeGuild
) -> None:
    hold = fake.hold("POST /channels/{channel_id}/messages", landed=True)
    bot = Bot()
    async with running(bot, fake):
        channel = bot.get_channel(guild.channel().id)
        assert isinstance(channel, discord.TextChannel)
        post = asyncio.create_task(channel.send("Today's drill", nonce="drill-2024-05-06"))
        await asyncio.wait_for(hold.reached.wait(), 2)
        post.cancel()  # the process dies before Discord's answer
        hold.released.set()
        found = [m async for m in channel.history(limit=50) if m.nonce == "drill-2024-05-06"]
    assert [m.content for m in found] == ["Today's drill"]
    assert len(fake.messages(guild.channel())) == 1


async def test_rate_limit_headers_are_honoured_without_a_429(
    fake: FakeDiscord, guild: FakeGuild
) -> None:
    route = "POST /channels/{channel_id}/messages"
    fake.route_limits[route] = (2, 0.3)
    bot = Bot()
    async with running(bot, fake):
        channel = bot.get_channel(guild.channel().id)
        assert isinstance(channel, discord.TextChannel)
        started = time.monotonic()
        await asyncio.gather(*(channel.send(f"post {n}") for n in range(3)))
        elapsed = time.monotonic() - started
    assert fake.rate_limited == [] and elapsed >= 0.25
    assert len(fake.messages(guild.channel())) == 3


async def test_joining_and_leaving_a_server(fake: FakeDiscord, guild: FakeGuild) -> None:
    bot = GuildWatcher()
    async with running(bot, fake):
        other = fake.add_guild("Another server", joined=False)
        await fake.join_guild(other)
        await fake.wait_until(lambda: bot.joined)
        await fake.leave_guild(other)
        await fake.wait_until(lambda: bot.removed)
        with pytest.raises(discord.Forbidden) as refused:
            await bot.http.send_message(other.channel().id, params=_plain("hello"))
    assert bot.joined == [other.id] and bot.removed == [other.id]
    assert refused.value.code == 50001
    assert bot.get_guild(other.id) is None and bot.get_guild(guild.id) is not None


def _plain(content: str) -> discord.http.MultipartParameters:
    return discord.http.handle_message_parameters(content=content, allowed_mentions=NONE)
