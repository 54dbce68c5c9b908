"""``/drill`` as Discord application commands: one subcommand per core command, typed options.

Each subcommand only builds the text of the core command from its options (``/drill pick
option:B drill:42`` is ``pick 42 B``) and hands it to the runner, which calls
``Engine.command``: the core parses it, checks rights and answers, so help, errors and rules
are the same as on Slack and in the console. Choices cover the closed sets (periods, levels,
option letters, command names); topics, scenarios and time zones are offered as the person
types (autocomplete), filtered by what they typed.

Admin subcommands (``setup``, ``pause``, ``resume``, ``admins add|remove``) sit in ``/drill``
beside the others, visible to everyone. Discord hides commands only whole (a top-level
command's ``default_member_permissions``), and hiding them in a separate command would also
hide them from the people an admin listed with ``/drill admins add``, whom the core lets run
them. So the core decides, on the server, for every admin command: Manage Server or a listed
admin, and everyone else is told so.
"""

from __future__ import annotations

import shlex
import zoneinfo
from collections.abc import Iterable
from functools import cache
from typing import Any, Protocol

import discord
from discord import app_commands

from bot.content.loader import Library
from bot.domain import commands as cmd
from bot.domain import incident_rules as ir
from bot.domain import insights
from bot.domain import schedule_rules as rules

DESCRIPTION = 100
"""Discord's limit on a command's or an option's description."""
CHOICES = 25
"""Discord's limit on choices, listed or suggested."""

Interaction = discord.Interaction[Any]


class CommandRunner(Protocol):
    async def command(self, interaction: Interaction, text: str) -> None:
        """Run the core command ``text`` for the person behind ``interaction`` and answer."""
        ...


def fit(text: str, limit: int = DESCRIPTION) -> str:
    """``text`` on one line, cut at a word to ``limit`` characters."""
    line = " ".join(text.replace("`", "").split())
    if len(line) <= limit:
        return line
    return line[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def about(name: str) -> str:
    summary = cmd.summary(name)
    text = summary[0].upper() + summary[1:]
    return fit(("Admins: " + text) if name in cmd.ADMIN_COMMANDS else text)


def text_of(*words: str | int | None) -> str:
    return " ".join(str(w) for w in words if w is not None and str(w) != "")


def setting(key: str, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return f"{key}={shlex.quote(value.strip())}"


# --- autocomplete -------------------------------------------------------------------------
def matching(options: Iterable[tuple[str, str]], typed: str) -> list[app_commands.Choice[str]]:
    """(value, shown) pairs whose value or shown text contains what was typed, the ones that
    start with it first, at most 25."""
    needle = typed.strip().lower()
    found = [(v, s) for v, s in options if needle in v.lower() or needle in s.lower()]
    found.sort(key=lambda pair: not pair[0].lower().startswith(needle))  # stable: order kept
    return [app_commands.Choice(name=fit(shown), value=value) for value, shown in found[:CHOICES]]


def topic_options(library: Library) -> list[tuple[str, str]]:
    return [(topic, f"{title} ({topic})") for topic, title in sorted(library.topics().items())]


def scenario_options(library: Library) -> list[tuple[str, str]]:
    scenarios = ir.ordered(library.incidents(), library.levels())
    shown = [(ir.short_name(i), f"{i.title} · {i.level}") for i in scenarios]
    return [("random", "A random scenario"), *shown]


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def zone_options() -> list[tuple[str, str]]:
    return [(zone, zone) for zone in _zones()]


# --- the command tree ---------------------------------------------------------------------
PERIODS = [
    app_commands.Choice(name="this week", value="this-week"),
    app_commands.Choice(name="last week", value="last-week"),
    app_commands.Choice(name="this month", value="month"),
    app_commands.Choice(name="all time", value="all"),
]
LETTERS = [app_commands.Choice(name=letter, value=letter) for letter in cmd.OPTION_LETTERS]
LEVELS = [
    app_commands.Choice(name=level, value=level)
    for level in ("intern", "junior", "mid", "senior", "staff", "principal")
    if level in cmd.LEVEL_WORDS
]
ON_OFF = [app_commands.Choice(name=word, value=word) for word in ("on", "off")]
COMMAND_NAMES = [app_commands.Choice(name=name, value=name) for name in cmd.COMMANDS]


def drill_group(runner: CommandRunner, library: Library) -> app_commands.Group:
    """The ``/drill`` command group; every callback goes through ``runner.command``."""
    drill = app_commands.Group(
        name="drill",
        description="Interview drills: daily questions, practice, mock incidents and scores",
        allowed_contexts=app_commands.AppCommandContext(
            guild=True, dm_channel=True, private_channel=False
        ),
        allowed_installs=app_commands.AppInstallationType(guild=True, user=False),
    )

    async def topics(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return matching(topic_options(library), current)

    async def scenarios(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return matching(scenario_options(library), current)

    async def zones(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return matching(zone_options(), current)

    # --- drills and practice ----------------------------------------------------------------
    @drill.command(name="help", description=about("help"))
    @app_commands.describe(command="The command (all when left out)")
    @app_commands.choices(command=COMMAND_NAMES)
    async def help_(interaction: Interaction, command: str | None = None) -> None:
        await runner.command(interaction, text_of("help", command))

    @drill.command(name="question", description=about("question"))
    @app_commands.describe(topic="Only this topic (any topic when left out)")
    @app_commands.autocomplete(topic=topics)
    async def question(interaction: Interaction, topic: str | None = None) -> None:
        await runner.command(interaction, text_of("question", topic))

    @drill.command(name="mcq", description=about("mcq"))
    @app_commands.describe(topic="Only this topic (any topic when left out)")
    @app_commands.autocomplete(topic=topics)
    async def mcq(interaction: Interaction, topic: str | None = None) -> None:
        await runner.command(interaction, text_of("mcq", topic))

    @drill.command(name="answer", description=about("answer"))
    @app_commands.describe(
        text="Your answer, in your own words",
        drill="Its number, when two are open",
    )
    async def answer(
        interaction: Interaction,
        text: app_commands.Range[str, 1, 3000],
        drill: app_commands.Range[int, 1] | None = None,
    ) -> None:
        await runner.command(interaction, text_of("answer", f"#{drill}" if drill else None, text))

    @drill.command(name="pick", description=about("pick"))
    @app_commands.describe(
        option="The option you choose",
        drill="Its number, or daily / mcq, when two are open",
    )
    @app_commands.choices(option=LETTERS)
    async def pick(interaction: Interaction, option: str, drill: str | None = None) -> None:
        await runner.command(interaction, text_of("pick", drill, option))

    @drill.command(name="practice", description=about("practice"))
    # Discord caps a command's whole text at 4,000 characters: "stats" is typed as the topic.
    @app_commands.describe(topic="A topic, or stats", count="How many (5)")
    @app_commands.autocomplete(topic=topics)
    async def practice(
        interaction: Interaction,
        topic: str | None = None,
        count: app_commands.Range[int, 1, cmd.MAX_PRACTICE] | None = None,
    ) -> None:
        await runner.command(interaction, text_of("practice", topic, count))

    @drill.command(name="remind", description=about("remind"))
    @app_commands.describe(state="On or off", time="HH:MM")
    @app_commands.choices(state=ON_OFF)
    async def remind(interaction: Interaction, state: str, time: str | None = None) -> None:
        await runner.command(interaction, text_of("remind", state, time if state == "on" else None))

    # --- mock incidents ---------------------------------------------------------------------
    incident = app_commands.Group(name="incident", description=about("incident"), parent=drill)

    @incident.command(name="start", description="Start a mock incident (a random one by default)")
    @app_commands.describe(
        scenario="The scenario (random when left out)",
        level="Only scenarios at this level",
        here="In a thread here, for the team to read",
    )
    @app_commands.autocomplete(scenario=scenarios)
    @app_commands.choices(level=LEVELS)
    async def incident_start(
        interaction: Interaction,
        scenario: str | None = None,
        level: str | None = None,
        here: bool = False,
    ) -> None:
        name = scenario or ("random" if level else None)
        await runner.command(
            interaction, text_of("incident", name, level, "here" if here else None)
        )

    @incident.command(name="list", description="The scenarios, with their level and stages")
    async def incident_list(interaction: Interaction) -> None:
        await runner.command(interaction, "incident list")

    @incident.command(name="resume", description="Show your session's current question again")
    async def incident_resume(interaction: Interaction) -> None:
        await runner.command(interaction, "incident resume")

    @incident.command(name="stop", description="End your session now, with a partial debrief")
    async def incident_stop(interaction: Interaction) -> None:
        await runner.command(interaction, "incident stop")

    for name in ("hint", "skip", "stop"):
        _simple(drill, runner, name)

    # --- scores -----------------------------------------------------------------------------
    @drill.command(name="leaderboard", description=about("leaderboard"))
    @app_commands.describe(period="Which period (this week when left out)")
    @app_commands.choices(period=PERIODS)
    async def leaderboard(interaction: Interaction, period: str | None = None) -> None:
        await runner.command(interaction, text_of("leaderboard", period))

    _simple(drill, runner, "stats")

    @drill.command(name="history", description=about("history"))
    @app_commands.describe(
        count=f"How many drills (default {cmd.HISTORY_DEFAULT})",
        drill="A drill number: your answer and the model",
    )
    async def history(
        interaction: Interaction,
        count: app_commands.Range[int, 1, cmd.HISTORY_MAX] | None = None,
        drill: app_commands.Range[int, 1] | None = None,
    ) -> None:
        await runner.command(
            interaction, text_of("history", f"#{drill}" if drill is not None else count)
        )

    away = app_commands.Group(name="away", description=about("away"), parent=drill)

    @away.command(name="add", description="Mark days you are away (from today on)")
    @app_commands.describe(
        first="Your first day away, YYYY-MM-DD", last="Your last day away (the first if left out)"
    )
    async def away_add(interaction: Interaction, first: str, last: str | None = None) -> None:
        await runner.command(interaction, text_of("away", first, last))

    @away.command(name="list", description="Your away periods that are not over yet, numbered")
    async def away_list(interaction: Interaction) -> None:
        await runner.command(interaction, "away list")

    @away.command(name="cancel", description="Remove an away period")
    @app_commands.describe(which="Its number, or a day in it")
    async def away_cancel(interaction: Interaction, which: str | None = None) -> None:
        await runner.command(interaction, text_of("away cancel", which))

    # --- privacy ----------------------------------------------------------------------------
    for name in ("optout", "optin"):
        _simple(drill, runner, name)

    # --- this channel -----------------------------------------------------------------------
    for name in ("schedule", "topics"):
        _simple(drill, runner, name)

    # --- admins -----------------------------------------------------------------------------
    @drill.command(name="setup", description=about("setup"))
    @app_commands.describe(
        **{key.replace("-", "_"): fit(cmd.setting_summary(key)) for key in rules.SETTING_KEYS},
        share_answers="On: reveals quote the best answer (given alone)",
    )
    @app_commands.autocomplete(zone=zones)
    async def setup(
        interaction: Interaction,
        time: str | None = None,
        zone: str | None = None,
        days: str | None = None,
        mcq_days: str | None = None,
        mcq_time: str | None = None,
        window: str | None = None,
        leaderboard: str | None = None,
        topics: str | None = None,
        levels: str | None = None,
        packs: str | None = None,
        share_answers: bool | None = None,
    ) -> None:
        given = {
            "time": time,
            "zone": zone,
            "days": days,
            "mcq-days": mcq_days,
            "mcq-time": mcq_time,
            "window": window,
            "leaderboard": leaderboard,
            "topics": topics,
            "levels": levels,
            "packs": packs,
        }
        share = None if share_answers is None else "on" if share_answers else "off"
        await runner.command(
            interaction,
            text_of(
                "setup",
                *(setting(k, v) for k, v in given.items()),
                setting("share-answers", share),
            ),
        )

    for name in ("pause", "resume"):
        _simple(drill, runner, name)

    admins = app_commands.Group(name="admins", description=about("admins"), parent=drill)

    @admins.command(name="list", description="The people an admin listed as drillbot admins here")
    async def admins_list(interaction: Interaction) -> None:
        await runner.command(interaction, "admins")

    @admins.command(name="add", description="Admins: let someone run setup, pause and resume")
    @app_commands.describe(person="The person to list as a drillbot admin")
    async def admins_add(interaction: Interaction, person: discord.User) -> None:
        await runner.command(interaction, f"admins add <@{person.id}>")

    @admins.command(name="remove", description="Admins: take someone off the list")
    @app_commands.describe(person="The person to take off the list")
    async def admins_remove(interaction: Interaction, person: discord.User) -> None:
        await runner.command(interaction, f"admins remove <@{person.id}>")

    # --- leads: the core lets admins and listed leads see `team` ----------------------------
    @drill.command(name="team", description=about("team"))
    @app_commands.describe(weeks="Weeks back (4 by default)")
    async def team(
        interaction: Interaction,
        weeks: app_commands.Range[int, insights.MIN_WEEKS, insights.MAX_WEEKS] | None = None,
    ) -> None:
        await runner.command(interaction, text_of("team", weeks))

    @drill.command(name="leads", description=about("leads"))
    @app_commands.describe(action="List (default); add or remove: admins only", person="Who")
    @app_commands.choices(action=[app_commands.Choice(name=a, value=a) for a in ("add", "remove")])
    async def leads(
        interaction: Interaction, action: str | None = None, person: discord.User | None = None
    ) -> None:
        who = f"<@{person.id}>" if person is not None else None
        await runner.command(interaction, text_of("leads", action, who))

    return drill


def _simple(group: app_commands.Group, runner: CommandRunner, name: str) -> None:
    """A subcommand without options: its name is the whole core command."""

    async def callback(interaction: Interaction) -> None:
        await runner.command(interaction, name)

    group.add_command(app_commands.Command(name=name, description=about(name), callback=callback))


def build_tree(
    client: discord.Client, runner: CommandRunner, library: Library
) -> app_commands.CommandTree[Any]:
    tree: app_commands.CommandTree[Any] = app_commands.CommandTree(client)
    tree.add_command(drill_group(runner, library))
    return tree


def definition(tree: app_commands.CommandTree[Any]) -> list[dict[str, Any]]:
    """The global commands as Discord receives them on a sync: what the sync hash covers."""
    return [command.to_dict(tree) for command in tree.get_commands()]
