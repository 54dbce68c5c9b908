"""Benchmark: 500 members of one guild click an MCQ option at once, through Discord's gateway.

Run: .venv/bin/python -m bench.discord_clicks [--clicks 500] [--redeliveries 100] [--validate]
(DRILLBOT_BENCH_PROFILE=/tmp/prof writes the bot process's cProfile to /tmp/prof.<pid>.)
Targets (issue 11, item 10): interaction-callback p99 <= 1.2 x that of a bare discord.py client
that only acknowledges, measured the same way in the same run (and under Discord's 3,000 ms);
every member gets their feedback; every answer is recorded exactly once; Discord's rules hold
(no violation recorded by the fake). Exit status 0 when all hold. The time until the last
member has their feedback is printed. Prints figures; not a timed test.

Three processes, as in production: the fake Discord (``tests/adapters/discord/fake_discord.py``,
REST and gateway on 127.0.0.1) in one, as Discord's servers are not on the bot's CPU; drillbot
in another, started the way ``drillbot run`` starts it (``run_discord`` with DISCORD_TOKEN,
DISCORD_API_URL, DISCORD_GATEWAY_URL and a SQLite DATABASE_URL in a temporary directory, the
system clock, the scheduler); this one only orchestrates them through pipes.

drillbot: an admin runs ``/drill setup`` through the fake (today, at the current minute, an MCQ
day, zone UTC); the bot is then asked to run the tick its 60 s sweep would run (``Engine.tick``,
which posts the slot that came due), and the fake reads the posted drill and its option buttons.
Then every member clicks one option (A, B, C, ... in turn): 500 INTERACTION_CREATE frames
written on the bot's gateway socket back to back. Per interaction the fake records when its
frame was written and when the callback reached its REST endpoint (``SentInteraction.latency``,
one monotonic clock); the feedback is the callback itself (type 4) or, when the bot deferred,
the followup that fills the "thinking" message. Then Discord redelivers some of the
interactions (the same INTERACTION_CREATE again, as after a RESUME) and some members click
another option; the bot is stopped (SIGTERM's path: in-flight actions finish, answer counts
flushed) and its SQLite file is opened to count the drill's answers: one per member, none twice.

The baseline: a fresh fake Discord (same guild, same 500 members, a copy of the posted drill
message, so each INTERACTION_CREATE is as large) and, in a process of its own, a bare
``discord.Client`` that answers every click with ``send_message("ok", ephemeral=True)``,
connected the same way (``Route.BASE`` and ``DEFAULT_GATEWAY``), measured by the same code.

The fake's OpenAPI body validation is off by default (``--validate`` turns it on): it costs the
fake's CPU per request, which would delay when callbacks are recorded as arriving, for both
sides; Discord's documented limits and the interaction rules (3 s, once) are always checked.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.adapters.discord.main import Running
    from tests.adapters.discord.fake_discord import Call, FakeDiscord, FakeUser, SentInteraction

# Made up, in a bot token's shape (base64 id . timestamp . hmac), like the tests' fake token.
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GbEnCh.the-benchmarks-own-secret-token-part"
TARGET_P99_RATIO = 1.2
DISCORD_LIMIT = 3.0
WAIT = 120.0
"""Seconds any one step may take before the benchmark gives up."""
JSON = dict[str, Any]


# --- Discord's servers: a process of their own ----------------------------------------------------
def serve_fake(members: int, validate: bool, conn: Connection) -> None:
    """A fresh fake Discord with one guild, a drills channel, an admin and ``members`` people."""
    asyncio.run(_serve_fake(members, validate, conn))


async def _serve_fake(members: int, validate: bool, conn: Connection) -> None:
    from tests.adapters.discord.fake_discord import MANAGE_GUILD, FakeDiscord

    fake = FakeDiscord(token=TOKEN, validate=validate)
    guild = fake.add_guild("Bench", channels=("drills",))
    admin = fake.add_member(guild, "lead", permissions=MANAGE_GUILD)
    people = [fake.add_member(guild, f"member{n:04d}") for n in range(members)]
    side = FakeSide(fake, admin, people, guild.channel("drills").id)
    await fake.start()
    conn.send({"api_url": fake.api_url, "gateway_url": fake.gateway_url})
    loop = asyncio.get_running_loop()
    while True:
        command, argument = await loop.run_in_executor(None, conn.recv)
        if command == "stop":
            break
        try:
            conn.send(await side.do(command, argument))
        except Exception as exc:  # the bench reports it and stops
            conn.send({"error": f"{command}: {type(exc).__name__}: {exc}"})
    await fake.stop()


class FakeSide:
    """What the benchmark asks of the fake Discord, run on the fake's event loop."""

    def __init__(
        self, fake: FakeDiscord, admin: FakeUser, people: list[FakeUser], channel_id: int
    ) -> None:
        self.fake = fake
        self.admin = admin
        self.people = people
        self.channel_id = channel_id
        self.last: list[SentInteraction] = []

    async def do(self, command: str, argument: Any) -> Any:
        if command == "connected":
            await self.fake.wait_until_connected(timeout=WAIT)
            return {"sessions": len(self.fake.sessions)}
        if command == "setup":
            return await self.setup()
        if command == "posted":
            return await self.fake.wait_for_message(self.channel_id, has_picks, timeout=WAIT)
        if command == "copy":
            return await self.copy(argument)
        if command == "burst":
            message_id, clicks = argument
            self.last = await self.burst(message_id, clicks)
            return measure(self.last)
        if command == "again":
            return await self.again(*argument)
        if command == "report":
            calls = Counter(f"{c.route} {c.status}" for c in self.fake.calls)
            return {"violations": list(self.fake.violations), "calls": dict(calls)}
        raise ValueError(f"unknown command {command!r}")

    async def setup(self) -> str:
        """``/drill setup`` by the admin: drills every day at the current minute (UTC), today
        an MCQ day; the feedback the admin reads."""
        now = dt.datetime.now(dt.UTC)
        day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[now.weekday()]
        guild = next(iter(self.fake.guilds.values()))
        sent = await self.fake.slash_command(
            self.admin,
            guild=guild,
            channel=self.fake.channel(self.channel_id),
            subcommand="setup",
            options={"time": f"{now:%H:%M}", "zone": "UTC", "days": "mon-sun", "mcq_days": day},
        )
        await self.fake.wait_for_callback(sent, timeout=WAIT)

        def replied() -> list[JSON] | None:
            shown = [m for m in self.fake.ephemeral(sent) if not int(m.get("flags") or 0) & 128]
            return shown or None

        return "\n".join(shown_text(m) for m in await self.fake.wait_until(replied, WAIT))

    async def copy(self, message: JSON) -> JSON:
        """Post a copy of drillbot's drill message, through the REST API as a bot would, so the
        baseline's clicks carry the same message."""
        import aiohttp

        body: JSON = {
            "content": message.get("content") or "",
            "embeds": message.get("embeds") or [],
            "components": message.get("components") or [],
            "allowed_mentions": {"parse": []},
        }
        url = f"{self.fake.api_url}/channels/{self.channel_id}/messages"
        headers = {"Authorization": f"Bot {TOKEN}"}
        async with (
            aiohttp.ClientSession() as http,
            http.post(url, json=body, headers=headers) as response,
        ):
            posted: JSON = await response.json(content_type=None)
            if response.status != 200:
                raise RuntimeError(f"the copy was refused: {response.status} {posted}")
        return posted

    async def burst(self, message_id: str, clicks: list[tuple[int, str]]) -> list[SentInteraction]:
        """Every click at once: one INTERACTION_CREATE each, written on the gateway back to back;
        returns when everyone has their feedback (or after ``WAIT`` seconds)."""
        sent = await asyncio.gather(
            *(self.fake.button_click(message_id, cid, self.people[n]) for n, cid in clicks)
        )
        await self.settled(sent)
        return list(sent)

    async def settled(self, sent: list[SentInteraction]) -> None:
        def done() -> bool:
            return all(feedback_call(s) is not None for s in sent)

        with contextlib.suppress(TimeoutError):  # reported as missing feedback
            await self.fake.wait_until(done, WAIT)

    async def again(
        self, redeliveries: int, doubles: list[tuple[int, str]], message_id: str
    ) -> JSON:
        """Discord delivers some interactions a second time; some members click another option."""
        replayed = self.last[:redeliveries]
        for record in replayed:
            await self.fake.redeliver(record)
        second = await self.burst(message_id, doubles)

        def tried() -> bool:
            return all(len(r.attempts) >= 2 for r in replayed)

        with contextlib.suppress(TimeoutError):  # it may rightly not try a second callback
            await self.fake.wait_until(tried, 10.0)
        codes = Counter(c.error_code for r in replayed for c in r.attempts[1:])
        return {
            "redelivered": len(replayed),
            "second_callbacks": dict(codes),
            "doubles": measure(second),
        }


def has_picks(message: JSON) -> bool:
    return bool(pick_buttons(message))


def pick_buttons(message: JSON) -> list[JSON]:
    from bot.adapters.discord import custom_ids
    from bot.messaging.message import Action

    found = []
    for row in message.get("components") or []:
        for button in row.get("components") or []:
            decoded = custom_ids.decode(str(button.get("custom_id") or ""))
            if decoded is not None and decoded[0] is Action.PICK:
                found.append(button)
    return found


def shown_text(message: JSON) -> str:
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f.get('name')}: {f.get('value')}" for f in embed.get("fields") or []]
    return " ".join(p for p in parts if p)


def feedback_call(record: SentInteraction) -> Call | None:
    """The request that gave the member their feedback: the callback with a message (type 4),
    or, after a defer (type 5), the first accepted followup or edit that fills it in."""
    callback = record.callback
    if callback is None:
        return None
    if int(callback.json.get("type") or 0) != 5:
        return callback
    filled = [c for c in (*record.followups, *record.edits) if c.status < 300]
    return min(filled, key=lambda c: c.mono) if filled else None


def measure(sent: list[SentInteraction]) -> JSON:
    """Per interaction, seconds from its INTERACTION_CREATE frame to its callback and to its
    feedback (on the fake's monotonic clock), and what the callbacks were."""
    first = min((s.sent_at for s in sent), default=0.0)
    last = max((s.sent_at for s in sent), default=0.0)
    latencies = [s.latency for s in sent if s.latency is not None]
    feedback: list[float] = []
    since_first: list[float] = []
    ephemeral = 0
    sample = ""
    for record in sent:
        call = feedback_call(record)
        if call is None or record.callback is None:
            continue
        feedback.append(call.mono - record.sent_at)
        since_first.append(call.mono - first)
        # Whether the reply is ephemeral is the callback's to say (a defer's too).
        data = record.callback.json.get("data") or {}
        ephemeral += bool(int(data.get("flags") or 0) & 64)
        body = data if call is record.callback else call.json
        sample = sample or shown_text(body)[:100]
    kinds = Counter(int(s.callback.json.get("type") or 0) for s in sent if s.callback is not None)
    return {
        "count": len(sent),
        "latencies": latencies,
        "feedback": feedback,
        "feedback_since_first": since_first,
        "writing": last - first,
        "callback_types": dict(kinds),
        "ephemeral": ephemeral,
        "refused": sum(len(s.refused) for s in sent),
        "late": sum(len(s.late) for s in sent),
        "sample": sample,
    }


# --- drillbot's process ---------------------------------------------------------------------------
def serve_bot(env: dict[str, str], conn: Connection) -> None:
    """drillbot as ``drillbot run`` runs it on Discord, configured by the environment."""
    from bench import profiling

    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        os.environ.pop(name, None)
    os.environ.update(env)
    profiling.run(lambda: _serve_bot(conn))


async def _serve_bot(conn: Connection) -> None:
    from bot.adapters.discord.main import run_discord
    from bot.bootstrap import configure_logging
    from bot.config import Settings

    settings = Settings()
    configure_logging(settings)
    control: set[asyncio.Task[None]] = set()

    async def ready(running: Running) -> None:
        conn.send({"health_port": running.runtime.port})
        control.add(asyncio.create_task(_control(running, conn)))

    code = await run_discord(settings, ready)
    conn.send({"exit": code})


async def _control(running: Running, conn: Connection) -> None:
    loop = asyncio.get_running_loop()
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        if command == "tick":  # what the scheduler's sweep would run within a minute
            await running.engine.tick()
            conn.send("ticked")
        elif command == "flush":  # the debounced answer-count edits, before the stop
            await running.engine.answers.flush()
            conn.send("flushed")
        else:  # "stop": SIGTERM's path
            running.stop.set()
            return


# --- the baseline's process -----------------------------------------------------------------------
def serve_baseline(api_url: str, gateway_url: str, conn: Connection) -> None:
    """A bare discord.py client that acknowledges every click and does nothing else."""
    asyncio.run(_serve_baseline(api_url, gateway_url, conn))


async def _serve_baseline(api_url: str, gateway_url: str, conn: Connection) -> None:
    import discord
    import yarl
    from discord.gateway import DiscordWebSocket

    discord.http.Route.BASE = api_url
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    intents = discord.Intents.none()  # what drillbot asks for, so the gateway carries the same
    intents.guilds = intents.guild_messages = intents.dm_messages = True
    intents.message_content = True

    class Acknowledger(discord.Client):
        async def on_ready(self) -> None:
            conn.send("ready")

        async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
            if interaction.type is discord.InteractionType.component:
                await interaction.response.send_message("ok", ephemeral=True)

    client = Acknowledger(intents=intents, allowed_mentions=discord.AllowedMentions.none())
    running = asyncio.create_task(client.start(TOKEN))
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)
    await client.close()
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await asyncio.wait_for(running, 10)


# --- this process ---------------------------------------------------------------------------------
class BenchError(Exception):
    pass


def ask(conn: Connection, command: str, argument: Any = None, timeout: float = WAIT) -> Any:
    conn.send((command, argument))
    answer = expect(conn, f"the fake Discord did not answer {command!r}", timeout)
    if isinstance(answer, dict) and "error" in answer:
        raise BenchError(f"the fake Discord failed: {answer['error']}")
    return answer


def expect(conn: Connection, what: str, timeout: float = WAIT) -> Any:
    try:
        if conn.poll(timeout):
            return conn.recv()
    except EOFError:  # the process ended (its error is on stderr)
        raise BenchError(f"{what}: the process ended") from None
    raise BenchError(f"{what} within {timeout:.0f} s")


def start_fake(ctx: Any, members: int, validate: bool) -> tuple[Any, Connection, JSON]:
    ours, theirs = ctx.Pipe()
    process = ctx.Process(target=serve_fake, args=(members, validate, theirs), daemon=True)
    process.start()
    return process, ours, expect(ours, "the fake Discord did not start")


def stop(process: Any, conn: Connection, message: Any) -> None:
    conn.send(message)
    process.join(30)
    if process.is_alive():
        process.terminate()


def clicks_on(message: JSON, members: int, shift: int = 0) -> list[tuple[int, str]]:
    """Member n clicks option n (+ shift), round the options."""
    options = [str(b["custom_id"]) for b in pick_buttons(message)]
    return [(n, options[(n + shift) % len(options)]) for n in range(members)]


def drill_of(message: JSON) -> int:
    from bot.adapters.discord import custom_ids

    decoded = custom_ids.decode(str(pick_buttons(message)[0]["custom_id"]))
    assert decoded is not None
    return int(decoded[1].split(":")[0])


async def count_answers(db_path: Path, drill_id: int) -> tuple[int, int]:
    from bot.db.sql_store import open_store

    store = await open_store(f"sqlite:///{db_path}")
    try:
        async with store.transaction(read_only=True) as tx:
            answers = await tx.drill_answers(drill_id)
    finally:
        await store.close()
    return len(answers), len({a.person_id for a in answers})


def run_drillbot(ctx: Any, args: argparse.Namespace, tmp: Path) -> JSON:
    """drillbot against its fake: post the drill, the burst, the replays; then the counts."""
    fake, fake_conn, urls = start_fake(ctx, args.clicks, args.validate)
    db = tmp / "drillbot.db"
    env = {
        "DISCORD_TOKEN": TOKEN,
        "DISCORD_API_URL": urls["api_url"],
        "DISCORD_GATEWAY_URL": urls["gateway_url"],
        "DATABASE_URL": f"sqlite:///{db}",
        "DRILLBOT_DATA_DIR": str(tmp),
        "PORT": "0",
        "LOG_LEVEL": args.log_level,
    }
    bot_conn, bot_side = ctx.Pipe()
    bot = ctx.Process(target=serve_bot, args=(env, bot_side), daemon=True)
    bot.start()
    try:
        expect(bot_conn, "drillbot did not start", 90)
        ask(fake_conn, "connected")
        said = ask(fake_conn, "setup")
        if "set up" not in said:
            raise BenchError(f"/drill setup did not set the drills up: {said[:300]}")
        bot_conn.send("tick")
        expect(bot_conn, "drillbot's tick did not finish")
        message = ask(fake_conn, "posted")
        clicks = clicks_on(message, args.clicks)
        first = ask(fake_conn, "burst", (message["id"], clicks))
        doubles = clicks_on(message, min(args.redeliveries, args.clicks), shift=1)
        again = ask(fake_conn, "again", (args.redeliveries, doubles, message["id"]))
        bot_conn.send("flush")
        expect(bot_conn, "drillbot did not refresh the answer count")
        bot_conn.send("stop")
        stopped = expect(bot_conn, "drillbot did not stop", 60)
        bot.join(30)
        report = ask(fake_conn, "report")
    finally:
        if bot.is_alive():
            bot.terminate()
        stop(fake, fake_conn, ("stop", None))
    answers, people = asyncio.run(count_answers(db, drill_of(message)))
    return {
        "first": first,
        "again": again,
        "report": report,
        "answers": answers,
        "people": people,
        "exit": stopped.get("exit"),
        "message": message,
    }


def run_baseline(ctx: Any, args: argparse.Namespace, message: JSON) -> JSON:
    """The bare client against a fresh fake holding a copy of the drill message."""
    fake, fake_conn, urls = start_fake(ctx, args.clicks, args.validate)
    client_conn, client_side = ctx.Pipe()
    client = ctx.Process(
        target=serve_baseline,
        args=(urls["api_url"], urls["gateway_url"], client_side),
        daemon=True,
    )
    try:
        copy = ask(fake_conn, "copy", message)
        client.start()
        expect(client_conn, "the bare client did not connect", 60)
        ask(fake_conn, "connected")
        first = ask(fake_conn, "burst", (copy["id"], clicks_on(copy, args.clicks)))
        report = ask(fake_conn, "report")
    finally:
        if client.is_alive():
            stop(client, client_conn, "stop")
        stop(fake, fake_conn, ("stop", None))
    return {"first": first, "report": report}


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("inf")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def report(name: str, figures: JSON) -> None:
    ms = [v * 1000 for v in figures["latencies"]]
    if not ms:
        print(f"{name}: no callback arrived")
        return
    kinds = ", ".join(f"type {k}: {v}" for k, v in sorted(figures["callback_types"].items()))
    print(
        f"{name}: {len(ms)} of {figures['count']} callbacks · p50 {percentile(ms, 50):.1f} ms"
        f" · p99 {percentile(ms, 99):.1f} ms · max {max(ms):.1f} ms"
        f" · mean {statistics.fmean(ms):.1f} ms · frames written over "
        f"{figures['writing'] * 1000:.0f} ms · {kinds} · refused {figures['refused']}"
    )


def feedback_line(name: str, figures: JSON, clicks: int) -> float:
    """Print when the members had their feedback; return when the last one had it (seconds
    after the first INTERACTION_CREATE), infinite when someone never had it."""
    arrived = sorted(figures["feedback_since_first"])
    own = [v * 1000 for v in figures["feedback"]]
    last = arrived[-1] if len(arrived) >= clicks else float("inf")
    if not own:
        print(f"{name} feedback: nobody")
        return last
    print(
        f"{name} feedback: {len(arrived)} of {clicks} members ({figures['ephemeral']} ephemeral)"
        f" · p50 {percentile(own, 50):.0f} ms · p99 {percentile(own, 99):.0f} ms after their "
        f"click · last {last * 1000:.0f} ms after the first click went out"
        f" ({(last - figures['writing']) * 1000:.0f} ms after the last) · e.g. "
        f"{figures['sample']!r}"
    )
    return last


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=500, help="members clicking at once")
    parser.add_argument(
        "--redeliveries",
        type=int,
        default=100,
        help="interactions Discord delivers again afterwards (and as many second clicks)",
    )
    parser.add_argument(
        "--validate", action="store_true", help="check bodies against Discord's OpenAPI too"
    )
    parser.add_argument("--log-level", default="WARNING", help="drillbot's LOG_LEVEL")
    args = parser.parse_args(argv)
    ctx = mp.get_context("spawn")
    print(
        f"discord_clicks: {args.clicks} members click one MCQ option at once through the gateway "
        f"(drillbot's real runtime on a SQLite file; fake Discord in its own process; "
        f"{os.cpu_count()} CPUs)"
    )
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            ours = run_drillbot(ctx, args, Path(tmp))
        base = run_baseline(ctx, args, ours["message"])
    except BenchError as exc:
        print(f"discord_clicks: {exc}", file=sys.stderr)
        return 1
    first, base_first = ours["first"], base["first"]
    report("baseline, a bare discord.py client that only acknowledges", base_first)
    report("drillbot, first clicks", first)
    base_last = feedback_line("baseline", base_first, args.clicks)
    last = feedback_line("drillbot", first, args.clicks)
    again = ours["again"]
    doubles = again["doubles"]
    if args.redeliveries:
        report("drillbot, second clicks on another option", doubles)
        codes = ", ".join(f"{code}: {n}" for code, n in sorted(again["second_callbacks"].items()))
        print(
            f"redelivered: {again['redelivered']} INTERACTION_CREATEs sent again · second "
            f"callback attempts by Discord error code: {codes or 'none'}"
        )
    calls = ours["report"]["calls"]
    edits = sum(n for k, n in calls.items() if k.startswith("PATCH /channels/"))
    print(
        f"recorded: {ours['answers']} answers from {ours['people']} people (expected "
        f"{args.clicks}, each once) · drill message edits {edits} · bot exit status "
        f"{ours['exit']} · whole run {time.perf_counter() - started:.0f} s"
    )
    violations = ours["report"]["violations"] + base["report"]["violations"]
    if violations:
        print(f"Discord API violations ({len(violations)}): {violations[:5]}")
    p99, base_p99 = percentile(first["latencies"], 99), percentile(base_first["latencies"], 99)
    ratio = p99 / base_p99
    once = ours["answers"] == args.clicks and ours["people"] == args.clicks
    everyone = len(first["feedback"]) == args.clicks and len(doubles["feedback"]) == len(
        doubles["latencies"]
    )
    acknowledged = len(first["latencies"]) == args.clicks and not first["late"]
    verdict = (
        ratio <= TARGET_P99_RATIO
        and p99 <= DISCORD_LIMIT
        and acknowledged
        and once
        and everyone
        and not violations
        and base_last < float("inf")
    )
    print(
        f"targets: callback p99 {p99 * 1000:.1f} ms = {ratio:.2f} x the bare client's "
        f"{base_p99 * 1000:.1f} ms (<= {TARGET_P99_RATIO} x, and <= {DISCORD_LIMIT * 1000:.0f} ms);"
        f" every click acknowledged in time: {acknowledged}; every member their feedback "
        f"(last {last:.2f} s after the first click): {everyone}; every answer once: {once}; "
        f"no Discord API violations: {not violations}: {'PASS' if verdict else 'FAIL'}"
    )
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
