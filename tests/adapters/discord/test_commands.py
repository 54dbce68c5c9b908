"""`/drill` as application commands: every core command is there, each subcommand's options
make the core command they stand for, and autocomplete filters as the person types."""

from __future__ import annotations

import datetime as dt
from typing import Any

import discord
import pytest
from discord import app_commands

from bot.adapters.discord.commands import (
    DESCRIPTION,
    build_tree,
    definition,
    matching,
    scenario_options,
    topic_options,
    zone_options,
)
from bot.adapters.discord.sync import tree_hash
from bot.content.loader import load_library
from bot.domain import commands as cmd
from tests.adapters.discord.fake_discord import MAX_COMMAND_TOTAL, _command_text

LIBRARY = load_library()


class Recorder:
    def __init__(self) -> None:
        self.texts: list[str] = []

    async def command(self, interaction: Any, text: str) -> None:
        self.texts.append(text)


@pytest.fixture
async def drill() -> tuple[app_commands.Group, Recorder]:
    recorder = Recorder()
    client = discord.Client(intents=discord.Intents.none())
    tree = build_tree(client, recorder, LIBRARY)
    group = tree.get_command("drill")
    assert isinstance(group, app_commands.Group)
    return group, recorder


def _sub(group: app_commands.Group, path: str) -> app_commands.Command[Any, ..., Any]:
    found: Any = group
    for name in path.split():
        found = found.get_command(name)
    assert isinstance(found, app_commands.Command), path
    return found


# Every subcommand with options, and the core command they make: one line per case.
CASES: list[tuple[str, dict[str, Any], str, cmd.Command]] = [
    ("help", {}, "help", cmd.Help()),
    ("help", {"command": "setup"}, "help setup", cmd.Help("setup")),
    ("question", {}, "question", cmd.Question()),
    ("question", {"topic": "caching"}, "question caching", cmd.Question("caching")),
    ("mcq", {"topic": "event-loop"}, "mcq event-loop", cmd.Mcq("event-loop")),
    (
        "answer",
        {"text": "Keep hot data close", "drill": 42},
        "answer #42 Keep hot data close",
        cmd.AnswerText("Keep hot data close", which="42"),
    ),
    ("answer", {"text": "TTL expiry"}, "answer TTL expiry", cmd.AnswerText("TTL expiry")),
    ("pick", {"option": "B"}, "pick B", cmd.Pick("B")),
    ("pick", {"option": "C", "drill": "daily"}, "pick daily C", cmd.Pick("C", "daily")),
    ("practice", {}, "practice", cmd.Practice()),
    (
        "practice",
        {"topic": "caching", "count": 3},
        "practice caching 3",
        cmd.Practice("caching", 3),
    ),
    ("practice", {"topic": "stats"}, "practice stats", cmd.Practice(stats=True)),
    ("remind", {"state": "on"}, "remind on", cmd.Remind()),
    ("remind", {"state": "on", "time": "08:45"}, "remind on 08:45", cmd.Remind(at=dt.time(8, 45))),
    ("remind", {"state": "off", "time": "08:45"}, "remind off", cmd.Remind(on=False)),
    ("incident start", {}, "incident", cmd.Incident()),
    (
        "incident start",
        {"scenario": "catalog-latency", "here": True},
        "incident catalog-latency here",
        cmd.Incident(name="catalog-latency", here=True),
    ),
    (
        "incident start",
        {"level": "senior"},
        "incident random senior",
        cmd.Incident(level="senior"),
    ),
    ("incident list", {}, "incident list", cmd.Incident("list")),
    ("incident resume", {}, "incident resume", cmd.Incident("resume")),
    ("incident stop", {}, "incident stop", cmd.Incident("stop")),
    ("hint", {}, "hint", cmd.Hint()),
    ("skip", {}, "skip", cmd.Skip()),
    ("stop", {}, "stop", cmd.Stop()),
    ("leaderboard", {}, "leaderboard", cmd.Leaderboard()),
    ("leaderboard", {"period": "last-week"}, "leaderboard last-week", cmd.Leaderboard("last-week")),
    ("stats", {}, "stats", cmd.Stats()),
    ("history", {}, "history", cmd.History()),
    ("history", {"count": 12}, "history 12", cmd.History(count=12)),
    ("history", {"drill": 7, "count": 3}, "history #7", cmd.History(drill=7)),
    ("optout", {}, "optout", cmd.OptOut()),
    ("optin", {}, "optin", cmd.OptIn()),
    (
        "setup",
        {"share_answers": True},
        "setup share-answers=on",
        cmd.Setup(share_answers=True),
    ),
    (
        "setup",
        {"share_answers": False},
        "setup share-answers=off",
        cmd.Setup(share_answers=False),
    ),
    (
        "away add",
        {"first": "2026-12-24", "last": "2026-12-31"},
        "away 2026-12-24 2026-12-31",
        cmd.Away(dt.date(2026, 12, 24), dt.date(2026, 12, 31)),
    ),
    ("away list", {}, "away list", cmd.Away(action="list")),
    ("away cancel", {"which": "2"}, "away cancel 2", cmd.Away(action="cancel", number=2)),
    ("schedule", {}, "schedule", cmd.Schedule()),
    ("topics", {}, "topics", cmd.Topics()),
    ("setup", {}, "setup", cmd.Setup()),
    (
        "setup",
        {"time": "09:30", "zone": "Europe/Berlin", "days": "mon-fri", "leaderboard": "fri 16:00"},
        "setup time=09:30 zone=Europe/Berlin days=mon-fri leaderboard='fri 16:00'",
        cmd.Setup("09:30", "Europe/Berlin", "mon-fri", {"leaderboard": "fri 16:00"}),
    ),
    (
        "setup",
        {"mcq_days": "tue,thu", "mcq_time": "none", "window": "6h", "topics": "caching"},
        "setup mcq-days=tue,thu mcq-time=none window=6h topics=caching",
        cmd.Setup(
            changes={"mcq-days": "tue,thu", "mcq-time": "none", "window": "6h", "topics": "caching"}
        ),
    ),
    ("pause", {}, "pause", cmd.Pause()),
    ("resume", {}, "resume", cmd.Resume()),
    ("admins list", {}, "admins", cmd.Admins()),
    (
        "admins add",
        {"person": discord.Object(id=123456789012345678)},
        "admins add <@123456789012345678>",
        cmd.Admins("add", "123456789012345678"),
    ),
    (
        "admins remove",
        {"person": discord.Object(id=42)},
        "admins remove <@42>",
        cmd.Admins("remove", "42"),
    ),
    ("team", {}, "team", cmd.Team()),
    ("team", {"weeks": 8}, "team 8", cmd.Team(8)),
    ("leads", {}, "leads", cmd.Leads()),
    (
        "leads",
        {"action": "add", "person": discord.Object(id=7)},
        "leads add <@7>",
        cmd.Leads("add", "7"),
    ),
    (
        "leads",
        {"action": "remove", "person": discord.Object(id=7)},
        "leads remove <@7>",
        cmd.Leads("remove", "7"),
    ),
]


@pytest.mark.parametrize(("path", "options", "text", "parsed"), CASES, ids=[c[2] for c in CASES])
async def test_each_subcommand_makes_the_core_command(
    drill: tuple[app_commands.Group, Recorder],
    path: str,
    options: dict[str, Any],
    text: str,
    parsed: cmd.Command,
) -> None:
    group, recorder = drill
    await _sub(group, path).callback(object(), **options)  # type: ignore[arg-type, call-arg]
    assert recorder.texts == [text]
    assert cmd.parse(text) == parsed


async def test_every_core_command_has_a_subcommand(
    drill: tuple[app_commands.Group, Recorder],
) -> None:
    group, _ = drill
    assert {c.name for c in group.commands} == set(cmd.COMMANDS)
    covered = {case[0].split()[0] for case in CASES}
    assert covered == set(cmd.COMMANDS)


def _walk(options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = []
    for option in options:
        found.append(option)
        found.extend(_walk(option.get("options") or []))
    return found


async def test_the_definition_fits_discords_rules() -> None:
    client = discord.Client(intents=discord.Intents.none())
    tree = build_tree(client, Recorder(), LIBRARY)
    [command] = definition(tree)
    assert command["name"] == "drill" and command["contexts"] == [0, 1]
    assert command["default_member_permissions"] is None  # the core checks admins
    everything = _walk([command])
    for entry in everything:
        assert 1 <= len(entry["description"]) <= DESCRIPTION, entry
        assert len(entry.get("options") or []) <= 25
        assert len(entry.get("choices") or []) <= 25
        assert entry["name"] == entry["name"].lower() and len(entry["name"]) <= 32
    # Discord's limit on one command's text: names, descriptions, choice names and values
    # (the JSON around them does not count), as the fake Discord checks it on a sync.
    assert _command_text(command) <= MAX_COMMAND_TOTAL
    setup = next(o for o in command["options"] if o["name"] == "setup")
    assert [o["name"] for o in setup["options"]][:3] == ["time", "zone", "days"]
    assert next(o for o in setup["options"] if o["name"] == "zone")["autocomplete"] is True


async def test_the_sync_hash_follows_the_definition() -> None:
    one = build_tree(discord.Client(intents=discord.Intents.none()), Recorder(), LIBRARY)
    two = build_tree(discord.Client(intents=discord.Intents.none()), Recorder(), LIBRARY)
    assert tree_hash(one) == tree_hash(two)
    group = two.get_command("drill")
    assert isinstance(group, app_commands.Group)
    group.description = "something else"
    assert tree_hash(one) != tree_hash(two)


def test_autocomplete_filters_as_the_person_types() -> None:
    topics = matching(topic_options(LIBRARY), "cach")
    assert topics and all("cach" in (c.value + c.name).lower() for c in topics)
    assert len(matching(topic_options(LIBRARY), "")) == min(25, len(LIBRARY.topics()))
    scenarios = matching(scenario_options(LIBRARY), "latency")
    assert "catalog-latency" in [c.value for c in scenarios]
    assert matching(scenario_options(LIBRARY), "")[0].value == "random"
    zones = matching(zone_options(), "europe/ber")
    assert zones[0].value == "Europe/Berlin"
    assert len(matching(zone_options(), "a")) == 25
    assert matching(zone_options(), "no such zone") == []
