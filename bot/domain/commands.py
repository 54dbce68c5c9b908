"""The `/drill` command language, shared by every adapter (Slack, Discord, the console).

``parse`` turns what someone typed into one of the frozen command dataclasses below, or raises
``CommandError`` with a message that names the problem and the usage line to follow. Values of
``setup`` settings are only split here; ``schedule_rules`` checks them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from bot.domain import away as away_rules
from bot.domain import schedule_rules as rules
from bot.domain.insights import WeeksError, parse_weeks
from bot.domain.model import Slot


class CommandError(ValueError):
    """What someone typed is not a command; ``str()`` gives the message then the usage."""

    def __init__(self, message: str, usage: str) -> None:
        super().__init__(message, usage)
        self.message = message
        self.usage = usage

    def __str__(self) -> str:
        return f"{self.message}\n{self.usage}" if self.usage else self.message


# --- the commands ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """A parsed command. ``keyword`` is the word that starts it; ``admin_only`` commands are
    refused to people who are not channel or workspace admins."""

    keyword: ClassVar[str] = ""
    admin_only: ClassVar[bool] = False


@dataclass(frozen=True)
class Help(Command):
    keyword: ClassVar[str] = "help"
    topic: str | None = None
    """A command name, or None for the overview."""


@dataclass(frozen=True)
class Question(Command):
    """Practise an open question now."""

    keyword: ClassVar[str] = "question"
    topic: str | None = None


@dataclass(frozen=True)
class Mcq(Command):
    """Practise a multiple-choice question now."""

    keyword: ClassVar[str] = "mcq"
    topic: str | None = None


@dataclass(frozen=True)
class AnswerText(Command):
    keyword: ClassVar[str] = "answer"
    text: str
    """As typed: case, inner spacing and newlines kept; outer whitespace removed."""
    which: str | None = None
    """The drill it answers, when named (`answer #42 ...`): see ``Pick.which``."""


@dataclass(frozen=True)
class Pick(Command):
    keyword: ClassVar[str] = "pick"
    option: str
    """An upper-case letter, A to F."""
    which: str | None = None
    """The drill it is for, when named: its number (``"42"``), a slot (``"daily"``, ``"mcq"``)
    or the label the platform shows on its message (the console's ``"m7"``). None means the
    channel's only open one; with two open, the service asks which."""


@dataclass(frozen=True)
class Leaderboard(Command):
    keyword: ClassVar[str] = "leaderboard"
    period: str = "this-week"
    """One of ``schedule_rules.PERIODS``."""


@dataclass(frozen=True)
class Stats(Command):
    keyword: ClassVar[str] = "stats"


HISTORY_DEFAULT = 5
HISTORY_MAX = 20
"""`history [n]` lists the last 5 drills you answered, at most 20; a larger number names a
drill (`history 42`, or `history #42` for any number)."""


@dataclass(frozen=True)
class History(Command):
    """Your own recent drills (``count`` of them), or with ``drill`` your whole answer to that
    drill next to its model answer (after its reveal). Private to the one who asks."""

    keyword: ClassVar[str] = "history"
    count: int = HISTORY_DEFAULT
    drill: int | None = None


@dataclass(frozen=True)
class OptOut(Command):
    """Leave the public boards and shout-outs (you still see your own standing)."""

    keyword: ClassVar[str] = "optout"


@dataclass(frozen=True)
class OptIn(Command):
    """Show on the public boards and shout-outs again."""

    keyword: ClassVar[str] = "optin"


@dataclass(frozen=True)
class Away(Command):
    """Days someone is away (inclusive); drills on them do not break a streak.

    ``action`` "add" marks ``start`` to ``end``; "list" shows the periods not over yet;
    "cancel" removes one: the ``number``-th of that list, the one holding the day ``start``,
    or with neither the only one."""

    keyword: ClassVar[str] = "away"
    start: dt.date | None = None
    end: dt.date | None = None
    action: str = "add"
    number: int | None = None


@dataclass(frozen=True)
class Setup(Command):
    """A channel's schedule settings as typed; ``schedule_rules.apply_changes`` checks them.
    All None and no changes (bare ``setup``) means: show the schedule or open a form."""

    keyword: ClassVar[str] = "setup"
    admin_only: ClassVar[bool] = True
    time: str | None = None
    zone: str | None = None
    days: str | None = None
    changes: dict[str, str] = field(default_factory=dict)
    """The other settings by key (``window``, ``mcq-days``, ...), keys lower-case with dashes."""
    share_answers: bool | None = None
    """`share-answers=on|off`: whether the channel's reveals may quote answers; None: not
    given. Not a schedule setting: it goes on its own (see ``bot.domain.privacy``)."""

    def all_changes(self) -> dict[str, str]:
        """Every setting given, ``time``, ``zone`` and ``days`` included, for ``apply_changes``."""
        given = {"time": self.time, "zone": self.zone, "days": self.days}
        return {key: value for key, value in given.items() if value is not None} | self.changes


@dataclass(frozen=True)
class Pause(Command):
    keyword: ClassVar[str] = "pause"
    admin_only: ClassVar[bool] = True


@dataclass(frozen=True)
class Resume(Command):
    keyword: ClassVar[str] = "resume"
    admin_only: ClassVar[bool] = True


@dataclass(frozen=True)
class Topics(Command):
    keyword: ClassVar[str] = "topics"


@dataclass(frozen=True)
class Schedule(Command):
    """Show the channel's schedule."""

    keyword: ClassVar[str] = "schedule"


@dataclass(frozen=True)
class Admins(Command):
    """``admins`` lists the people an admin made admins here; ``admins add|remove <person>``
    (admins only) changes the list. ``user`` is the platform's id: a mention token
    ``<@U123>`` (or Slack's ``<@U123|name>``) becomes ``U123``."""

    keyword: ClassVar[str] = "admins"
    action: str = "list"
    user: str | None = None
    typed: str | None = None
    """The word as typed when the person was named in plain text (``@maria``), not by a
    mention token; ``user`` is then that name. Only where names are ids (the console) does it
    identify someone: see ``not_a_mention``."""


@dataclass(frozen=True)
class Team(Command):
    """``team [weeks]``: the team's insights (admins and leads), over ``weeks`` weeks."""

    keyword: ClassVar[str] = "team"
    weeks: int = 4


@dataclass(frozen=True)
class Leads(Command):
    """``leads`` lists the workspace's leads; ``leads add|remove <person>`` (admins only)
    changes the list. ``user`` and ``typed`` as for ``Admins``."""

    keyword: ClassVar[str] = "leads"
    action: str = "list"
    user: str | None = None
    typed: str | None = None


@dataclass(frozen=True)
class Practice(Command):
    """``practice [topic] [n]``: up to ``n`` due (then new) items, one at a time, in private;
    ``practice stats``: what is due and how well it is remembered; ``practice rate
    again|hard|good|easy``: your own rating of your last reviewed answer."""

    keyword: ClassVar[str] = "practice"
    topic: str | None = None
    count: int = 5
    stats: bool = False
    rate: str | None = None


@dataclass(frozen=True)
class Remind(Command):
    """``remind on [HH:MM]`` / ``remind off``: the practice nudge on drill days."""

    keyword: ClassVar[str] = "remind"
    on: bool = True
    at: dt.time | None = None


@dataclass(frozen=True)
class Incident(Command):
    """A mock incident session: ``start`` (``name`` None means a random one), ``list``,
    ``resume`` or ``stop``."""

    keyword: ClassVar[str] = "incident"
    action: str = "start"
    name: str | None = None
    level: str | None = None
    here: bool = False
    """Run it in a thread in the channel instead of a direct message (`incident ... here`)."""


@dataclass(frozen=True)
class Hint(Command):
    keyword: ClassVar[str] = "hint"


@dataclass(frozen=True)
class Skip(Command):
    keyword: ClassVar[str] = "skip"


@dataclass(frozen=True)
class Stop(Command):
    keyword: ClassVar[str] = "stop"


# --- usage and help ----------------------------------------------------------------------------

_SYNTAX: dict[str, tuple[str, str]] = {
    # name: (syntax, example)
    "help": ("help [command]", "help setup"),
    "question": ("question [topic]", "question event-loop"),
    "mcq": ("mcq [topic]", "mcq modules"),
    "answer": (
        "answer [#drill] <your answer>",
        "answer Promise callbacks run before setImmediate ones",
    ),
    "pick": ("pick [drill] <A-F or 1-6>", "pick B"),
    "practice": (
        "practice [topic] [n] | practice stats | practice rate again|hard|good|easy",
        "practice event-loop 3",
    ),
    "remind": ("remind on [HH:MM] | remind off", "remind on 08:45"),
    "incident": ("incident [list | random | <name>] [level] [here]", "incident random senior"),
    "hint": ("hint", "hint"),
    "skip": ("skip", "skip"),
    "stop": ("stop", "stop"),
    "leaderboard": ("leaderboard [this-week | last-week | month | all]", "leaderboard last-week"),
    "stats": ("stats", "stats"),
    "history": ("history [n | #drill]", "history 10"),
    "optout": ("optout", "optout"),
    "optin": ("optin", "optin"),
    "away": (
        "away <first day> [last day] | away list | away cancel [n | day]",
        "away 2026-12-24 2026-12-31",
    ),
    "schedule": ("schedule", "schedule"),
    "topics": ("topics", "topics"),
    "setup": (
        "setup [time] [zone] [days] [key=value ...]",
        "setup 09:30 Europe/Berlin mon-fri window=6h",
    ),
    "pause": ("pause", "pause"),
    "resume": ("resume", "resume"),
    "admins": ("admins [add | remove <person>]", "admins add @maria"),
    "team": ("team [weeks]", "team 8"),
    "leads": ("leads [add | remove <person>]", "leads add @maria"),
}

COMMANDS: tuple[str, ...] = tuple(_SYNTAX)
"""Every command name, in the order help lists them."""

USAGE: dict[str, str] = {
    name: f"`{syntax}`" + (f", e.g. `{example}`" if example != syntax else "")
    for name, (syntax, example) in _SYNTAX.items()
}
"""Each command's usage line with an example, e.g. "`pick <A-F or 1-6>`, e.g. `pick B`"."""

ADMIN_COMMANDS: tuple[str, ...] = ("setup", "pause", "resume", "admins")

_SUMMARY: dict[str, str] = {
    "help": "this list, or the details of one command",
    "question": "practise an open question now, on any topic or the one you name",
    "mcq": "practise a multiple-choice question now",
    "answer": "answer today's open question (or your practice question)",
    "pick": "choose an option of a multiple-choice question",
    "incident": "work through a mock production incident, stage by stage",
    "hint": "a hint for the incident stage you are on",
    "skip": "skip the incident stage you are on",
    "stop": "end your incident session",
    "leaderboard": "points, streaks and accuracy; this week unless you name a period",
    "stats": "your own answers, points, streaks and accuracy per topic",
    "practice": "spaced practice: what is due for you first",
    "remind": "a nudge on drill days when practice is due",
    "history": "your recent drills, or one answer beside the model answer",
    "optout": "leave public boards and shout-outs",
    "optin": "show on public boards again",
    "away": "mark days you are away so drills on them don't break your streak; "
    "`away list` shows them, `away cancel` removes one",
    "schedule": "when this channel's drills post",
    "topics": "the topics questions come from",
    "setup": "set when and what this channel drills",
    "pause": "stop posting drills in this channel until `resume`",
    "resume": "start posting this channel's drills again",
    "admins": "list, add or remove the people who may run admin commands here",
    "team": "how the team is doing: participation, trends, weak topics (admins and leads)",
    "leads": "list, add or remove the leads, who see `team` but cannot change schedules",
}

_SETTING_HELP: dict[str, str] = {
    "time": "when the daily drill posts, 24-hour HH:MM or 9:30am",
    "zone": "the IANA time zone of every time in the schedule",
    "days": "which days get a drill: mon-fri, mon,wed,fri, weekdays, weekends or daily",
    "mcq-days": "drill days whose question is multiple-choice instead (none turns it off)",
    "mcq-time": "a second slot with a multiple-choice question on every drill day (or none)",
    "window": "how long answers stay open before the reveal: 90m, 6h, 1d; "
    "it must end before the next drill",
    "leaderboard": "when the weekly leaderboard posts: a day and a time, quoted",
    "topics": "only questions on these topics (comma list, or all)",
    "levels": "only questions at these levels (comma list, or all)",
    "packs": "only questions from these content packs (comma list, or all)",
}

_DETAILS: dict[str, str] = {
    "question": "The topic is a topic id from `topics`. Answer with `answer <text>`.",
    "mcq": "The topic is a topic id from `topics`. Answer with `pick <option>`.",
    "answer": "Your whole message after `answer` is graded, line breaks included. It counts "
    "when it is at least a short sentence in your own words (three words or more, not only the "
    "question repeated). You can answer again until the reveal: your points stay your first "
    "answer's score plus a quarter of any improvement. If two questions are open in the "
    "channel, start with the number shown on the one you answer: `answer #42 <your answer>`.",
    "pick": "Options are letters A to F; numbers work too (1 is A, 2 is B, ...). If two "
    "multiple-choice questions are open in the channel, name the one you pick for before the "
    "option: its number shown on the question (`pick 42 B` or `pick #42 B`) or its slot "
    "(`pick daily B`, or `pick mcq B` for the mcq-time one); in the console the message's "
    "label works too (`pick m7 B`). The buttons on a question always pick for that question.",
    "incident": "`incident` starts a random scenario, `incident <name> [level]` a given one, "
    "`incident random <level>` a random one at that level; add `here` to run it in a thread "
    "in the channel instead of a direct message. `incident list` shows them, "
    "`incident resume` continues a paused session and `incident stop` ends yours.",
    "leaderboard": "Periods: this-week (the default, also `week`), last-week (also `last`), "
    "month, all (also `all-time`).",
    "away": "Dates are YYYY-MM-DD; one date means that day only. Both days are included. "
    "A period is at most {away_max_days} days, counting periods that touch or overlap it as one. "
    "`away list` numbers your periods that are not over yet; `away cancel 2` removes the "
    "second, `away cancel 2026-12-24` the one with that day, bare `away cancel` your only one. "
    "Cancelling a period under way keeps the days already past.",
    "admins": "Workspace admins and owners are always admins. `admins add @person` lets "
    "someone else run setup, pause and resume too; `admins remove @person` takes it back.",
    "setup": "Give any of a time, a time zone and days, in any order, then any settings as "
    "key=value (quote values with spaces). Bare `setup` shows the current schedule. "
    "`setup share-answers=on` (on its own) lets this channel's reveals quote the best answer "
    "with its author's name; it is off by default, and then nobody's answer is shown to "
    "anyone else. `share-answers=off` turns it off; the channel is told either way.",
    "history": "Lists the last {history_default} drills you answered, newest first (date, "
    "question, your answer's first line, points, the key points you missed); "
    "`history 10` lists 10 (at most {history_max}). `history #42` (or a number above "
    "{history_max}) shows your whole answer to drill 42 next to its model answer, once it is "
    "revealed. Only you see it.",
    "team": "Private to you. Per person: drill days answered of those posted, accuracy "
    "(multiple-choice), key-point coverage (open questions), current and best streak, and the "
    "trend over the period; per topic, weakest first; the key points missed most and the "
    "misconceptions shown most; who has not answered for two weeks. `team 8` covers the last "
    "8 weeks (1 to 26; 4 by default). In a channel it covers the channel, in a direct message "
    'the workspace. Nobody\'s answer text is shown; people who opted out appear as "someone".',
    "leads": "Admins run `leads add @person` and `leads remove @person`. Leads see `team`; "
    "they cannot run setup, pause or resume.",
    "practice": "Every graded answer, daily or practice, schedules its question for you by "
    "FSRS spaced repetition: a miss comes back soon, a solid answer much later. `practice` "
    "asks up to 5 (`practice 3`: 3, at most 20; `practice event-loop` on one topic) one at a "
    "time, privately, with the same feedback as a drill; practice never scores on the board. "
    "`practice stats` shows what is due today and this week, a retention estimate, and your "
    "strongest and weakest topics. Each answer counts as a rating: an MCQ right is Good, "
    "wrong Again; an open answer's coverage is Again below 50%, Hard below 67%, Good below 90%, "
    "Easy from 90%. `practice rate hard` (or the buttons under practice feedback) replaces "
    "that rating for the last question you answered.",
    "remind": "`remind on` sends you a private message on this channel's drill days, at its "
    "drill time or the HH:MM you give (in the channel's zone), when you have practice due; "
    "at most one a day. `remind off` stops it.",
    "optout": "You stay in the drills and keep your points, but public boards, the weekly post "
    'and shout-outs leave you out (leads see you as "someone"). `stats` and `history` still '
    "show you your own standing. `optin` undoes it.",
}

_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Drills and practice", ("question", "mcq", "answer", "pick", "practice", "remind")),
    ("Mock incidents", ("incident", "hint", "skip", "stop")),
    ("Scores", ("leaderboard", "stats", "history", "away")),
    ("Privacy", ("optout", "optin")),
    ("This channel", ("schedule", "topics", "help")),
    ("Admins", ADMIN_COMMANDS),
    ("Leads", ("team", "leads")),
)


def usage_summary() -> str:
    """One line naming every command, for errors that are not about a single command."""
    return f"Commands: {', '.join(COMMANDS)}. Type `/drill help <command>` for details."


def _usage(name: str) -> str:
    return USAGE[name]


def summary(name: str) -> str:
    """What the command does, in a few words (help's overview line), for platforms that list
    commands in a picker of their own (Discord's slash commands)."""
    return _SUMMARY[name]


def setting_summary(key: str) -> str:
    """What a `setup` setting means (one of ``schedule_rules.SETTING_KEYS``)."""
    return _SETTING_HELP[key]


def _overview_line(name: str) -> str:
    syntax, example = _SYNTAX[name]
    line = f"• `{syntax}`: {_SUMMARY[name]}"
    return line + (f", e.g. `{example}`" if example != syntax else "")


def _overview(is_admin: bool) -> str:
    lines = ["*drillbot commands* (type `/drill help <command>` for details)"]
    for title, names in _GROUPS:
        if title == "Admins" and not is_admin:
            continue
        lines.append(f"*{title}*")
        lines.extend(_overview_line(name) for name in names)
    if not is_admin:
        lines.append(
            "Channel admins also have "
            + ", ".join(f"`{name}`" for name in ADMIN_COMMANDS[:-1])
            + f" and `{ADMIN_COMMANDS[-1]}`."
        )
    return "\n".join(lines)


def _details(name: str, is_admin: bool, away_max_days: int) -> str:
    admin = name in ADMIN_COMMANDS
    title = f"*{name}*" + (" (admins only)" if admin else "")
    summary = _SUMMARY[name]
    lines = [title, summary[0].upper() + summary[1:] + ".", f"Usage: {USAGE[name]}"]
    if name in _DETAILS:
        detail = _DETAILS[name]
        lines.append(
            detail.format(
                away_max_days=away_max_days,
                history_default=HISTORY_DEFAULT,
                history_max=HISTORY_MAX,
            )
            if name in ("away", "history")
            else detail
        )
    if name == "setup":
        lines.append("Settings:")
        lines.extend(
            f"• `{key}={rules.SETTING_EXAMPLES[key]}`: {_SETTING_HELP[key]}"
            for key in rules.SETTING_KEYS
        )
    if admin and not is_admin:
        lines.append("Only channel admins can run this.")
    return "\n".join(lines)


def help_text(
    topic: str | None, is_admin: bool, away_max_days: int = away_rules.DEFAULT_MAX_DAYS
) -> str:
    """The command overview (admin commands only for admins), or one command's details.
    ``away_max_days`` is the configured cap on an away period, which `help away` states."""
    if topic is None:
        return _overview(is_admin)
    name = topic.strip().strip("`").lower()
    if name in _SYNTAX:
        return _details(name, is_admin, away_max_days)
    return f"No help for `{topic}`.{_did_you_mean(name, COMMANDS)}\n{_overview(is_admin)}"


# --- parsing -----------------------------------------------------------------------------------

_PREFIX = re.compile(r"/drill(?=\s|$)", re.IGNORECASE)
_FIRST_WORD = re.compile(r"(\S+)\s*(.*)", re.DOTALL)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})
_SPACED_DASH = re.compile(r"(?<=[A-Za-z])\s*[-–—]\s*(?=[A-Za-z])")

PERIOD_ALIASES: dict[str, str] = {
    "this-week": "this-week",
    "week": "this-week",
    "last-week": "last-week",
    "last": "last-week",
    "month": "month",
    "this-month": "month",
    "all": "all",
    "all-time": "all",
}
"""Every word for a leaderboard period, the chat's and `drillbot leaderboard --period`'s."""


def leaderboard_period(text: str) -> str | None:
    """The period (one of ``schedule_rules.PERIODS``) that ``text`` names, as `leaderboard`
    reads it (any case, spaces or dashes: "Last Week"); None when it names none."""
    return PERIOD_ALIASES.get("-".join(text.lower().split()))


LEVEL_WORDS = frozenset({"intern", "junior", "mid", "senior", "staff", "principal"})
"""Words that ``incident <word>`` reads as a level (a random scenario at it), not a name."""

OPTION_LETTERS = "ABCDEF"


def _did_you_mean(word: str, choices: tuple[str, ...]) -> str:
    found = difflib.get_close_matches(word.lower(), choices, n=1, cutoff=0.6)
    return f" Did you mean `{found[0]}`?" if found else ""


def _fail(name: str, message: str) -> CommandError:
    return CommandError(message, _usage(name))


def _no_arguments(name: str, rest: str) -> None:
    if rest:
        raise _fail(name, f"`{name}` takes nothing after it (got `{rest}`).")


def _parse_help(rest: str) -> Help:
    words = rest.replace("`", "").lower().split()
    if not words:
        return Help()
    if words[0] in ("/drill", "drill"):
        words = words[1:]
    if len(words) != 1 or words[0] not in _SYNTAX:
        topic = " ".join(words)
        raise CommandError(
            f"No help for `{topic}`.{_did_you_mean(topic, COMMANDS)}", usage_summary()
        )
    return Help(words[0])


def _topic(rest: str) -> str | None:
    return "-".join(rest.lower().split()) or None


# Only `#42` names a drill before an answer: a bare number, a slot word or "m7" could start
# the answer itself.
_ANSWER_WHICH = re.compile(r"#(\d+)\s+(\S.*)", re.DOTALL)
_DRILL_NUMBER = re.compile(r"#?(\d+)")
_MESSAGE_LABEL = re.compile(r"m\d+", re.IGNORECASE)
SLOT_WORDS: tuple[str, ...] = tuple(slot.value for slot in Slot)
"""The slots a drill is named by in `pick <slot> <option>`: ``daily`` and ``mcq``."""


def _parse_answer(rest: str) -> AnswerText:
    if not rest:
        raise _fail(
            "answer",
            "Write your answer after `answer`, e.g. "
            "`answer process.nextTick callbacks run before promise callbacks`.",
        )
    if re.fullmatch(r"#\d+", rest):
        raise _fail("answer", f"Write your answer after `answer {rest}`.")
    named = _ANSWER_WHICH.fullmatch(rest)
    if named:
        return AnswerText(named[2].strip(), which=named[1])
    return AnswerText(rest)


def _option(token: str) -> str | None:
    token = token.strip("()[].:,").upper()
    if len(token) == 1 and token in OPTION_LETTERS:
        return token
    if re.fullmatch(r"[1-9]", token) and int(token) <= len(OPTION_LETTERS):
        return OPTION_LETTERS[int(token) - 1]
    return None


def _which(token: str) -> str | None:
    """A drill's name in `pick <which> <option>`, normalised; None if the token names none."""
    if number := _DRILL_NUMBER.fullmatch(token):
        return number[1]
    if _MESSAGE_LABEL.fullmatch(token) or token.lower() in SLOT_WORDS:
        return token.lower()
    return None


def _parse_pick(rest: str) -> Pick:
    words = rest.split()
    if not words:
        raise _fail("pick", "Say which option you pick, e.g. `pick B`.")
    # A number first names a drill even if it could be an option: drills 1-6 exist too.
    two_letters = len(words) == 2 and not words[0].isdigit() and _option(words[0])
    if len(words) > 2 or two_letters:
        raise _fail("pick", f"Pick one option, not `{rest}`: a letter A–F or a number 1–6.")
    which = None
    if len(words) == 2:
        which = _which(words[0])
        if which is None:
            raise _fail(
                "pick",
                f"`{words[0]}` does not name a question. Name it by its number (`pick 42 B`) "
                "or its slot (`pick daily B`, `pick mcq B`), or give just the option.",
            )
    option = _option(words[-1])
    if option is None:
        raise _fail(
            "pick",
            f"`{words[-1]}` is not an option. Pick a letter A–F or a number 1–6, e.g. `pick B`.",
        )
    return Pick(option, which)


def _parse_leaderboard(rest: str) -> Leaderboard:
    if not rest.split():
        return Leaderboard()
    period = leaderboard_period(rest)
    if period is not None:
        return Leaderboard(period)
    raise _fail(
        "leaderboard",
        f"`{rest}` is not a leaderboard period. "
        "Use this-week (the default), last-week, month or all.",
    )


def _parse_date(token: str) -> dt.date:
    if _ISO_DATE.fullmatch(token):
        try:
            return dt.date.fromisoformat(token)
        except ValueError:
            pass
    raise _fail(
        "away", f"`{token}` is not a date. Use YYYY-MM-DD, e.g. `away 2026-12-24 2026-12-31`."
    )


def _parse_away_cancel(rest: str) -> Away:
    words = rest.split()
    if not words:
        return Away(action="cancel")
    if len(words) == 1 and words[0].lstrip("#").isdigit():
        number = int(words[0].lstrip("#"))
        if number >= 1:
            return Away(action="cancel", number=number)
    if len(words) == 1 and _ISO_DATE.fullmatch(words[0]):
        return Away(start=_parse_date(words[0]), action="cancel")
    raise _fail(
        "away",
        f"`{rest}` names no away period. Give its number from `away list` "
        "(`away cancel 2`), a day in it (`away cancel 2026-12-24`), or nothing for your only one.",
    )


def _parse_away(rest: str) -> Away:
    words = rest.split()
    if words and words[0].lower() == "list":
        if len(words) > 1:
            raise _fail("away", "`away list` takes nothing after it.")
        return Away(action="list")
    if words and words[0].lower() == "cancel":
        return _parse_away_cancel(rest.split(None, 1)[1] if len(words) > 1 else "")
    if len(words) == 3 and words[1].lower() in ("to", "until", "-", "–", "—"):
        words = [words[0], words[2]]
    if not words:
        raise _fail(
            "away",
            "Give the day you are away, or your first and last day away, "
            "e.g. `away 2026-12-24 2026-12-31`.",
        )
    if len(words) > 2:
        raise _fail(
            "away",
            f"Too many dates in `{rest}`: give one day, or a first and a last day, "
            "e.g. `away 2026-12-24 2026-12-31`.",
        )
    start = _parse_date(words[0])
    end = _parse_date(words[-1])
    if end < start:
        raise _fail(
            "away",
            f"The last day ({end.isoformat()}) is before the first ({start.isoformat()}). "
            "Give the first day, then the last.",
        )
    return Away(start, end)


def _parse_history(rest: str) -> History:
    words = rest.split()
    if not words:
        return History()
    if len(words) > 1:
        raise _fail(
            "history", f"Give one number, not `{rest}`: how many drills, or `#<drill>` for one."
        )
    word = words[0]
    named = word.startswith("#")
    digits = word[1:] if named else word
    if not digits.isdigit():
        raise _fail(
            "history",
            f"`{word}` is not a number. Give how many drills to list (1 to {HISTORY_MAX}), "
            "or a drill's number after `#`, e.g. `history #42`.",
        )
    number = int(digits)
    if number < 1:
        raise _fail(
            "history",
            f"`{word}` is too small. Give how many drills to list (1 to {HISTORY_MAX}), "
            "or a drill's number, e.g. `history #42`.",
        )
    if named or number > HISTORY_MAX:
        return History(drill=number)
    return History(count=number)


SHARE_WORDS: dict[str, bool] = {
    "on": True,
    "yes": True,
    "true": True,
    "off": False,
    "no": False,
    "false": False,
}


def _setup_key(key: str) -> str:
    return key.strip().lower().replace("_", "-")


def _unclassified(token: str) -> CommandError:
    message = (
        f"`{token}` is not a time (e.g. 09:30), a time zone (e.g. Europe/Berlin) "
        "or days (e.g. mon-fri)."
    )
    if rules.is_setting_key(token):
        key = _setup_key(token)
        message += f" Settings need a value: `{key}={rules.SETTING_EXAMPLES[key]}`."
    elif zone := rules.suggest_zone(token):
        message += f" Did you mean {zone}?"
    elif day := rules.suggest_day(token):
        message += f" Did you mean {day}?"
    return _fail("setup", message)


def _parse_setup(rest: str) -> Setup:
    text = _SPACED_DASH.sub("-", re.sub(r"\s*=\s*", "=", rest.translate(_SMART_QUOTES)))
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise _fail(
            "setup",
            'A quote is not closed. Quote values with spaces, e.g. leaderboard="fri 16:00".',
        ) from exc
    positional: dict[str, list[str]] = {"time": [], "zone": [], "days": []}
    changes: dict[str, str] = {}
    share: bool | None = None
    for token in tokens:
        if "=" in token:
            raw_key, _, value = token.partition("=")
            key = _setup_key(raw_key)
            if key == "share-answers":
                if share is not None:
                    raise _fail("setup", "`share-answers` is given twice.")
                share = SHARE_WORDS.get(value.strip().lower())
                if share is None:
                    raise _fail(
                        "setup", f"`share-answers={value}`: use `share-answers=on` or `=off`."
                    )
                continue
            if not key:
                raise _fail(
                    "setup", f"`{token}` needs a setting name before `=`, e.g. `window=6h`."
                )
            if not rules.is_setting_key(key):
                raise _fail("setup", rules.unknown_setting(raw_key))
            if not value.strip():
                example = rules.SETTING_EXAMPLES[key]
                raise _fail("setup", f"`{key}=` needs a value, e.g. `{key}={example}`.")
            if key in changes:
                raise _fail("setup", f"`{key}` is given twice.")
            changes[key] = value.strip()
        elif token.lower() in ("am", "pm") and positional["time"]:
            positional["time"][-1] += f" {token}"
        elif rules.looks_like_time(token):
            positional["time"].append(token)
        elif rules.looks_like_zone(token):
            positional["zone"].append(token)
        elif rules.looks_like_days(token):
            positional["days"].append(token)
        else:
            raise _unclassified(token)
    for what in ("time", "zone"):
        given = positional[what]
        if len(given) > 1:
            shown = " and ".join(f"`{value}`" for value in given)
            raise _fail("setup", f"Give one {what}, not {shown}.")
    fields: dict[str, str | None] = {}
    for what, given in positional.items():
        typed = " ".join(given) or None
        if typed is not None and what in changes:
            raise _fail(
                "setup",
                f"The {what} {'are' if what == 'days' else 'is'} given twice: "
                f"`{typed}` and `{what}={changes[what]}`.",
            )
        fields[what] = typed if typed is not None else changes.pop(what, None)
    if share is not None and (changes or any(fields.values())):
        raise _fail(
            "setup",
            "Give `share-answers=on|off` on its own, e.g. `setup share-answers=on`, "
            "then the schedule settings in another `setup`.",
        )
    return Setup(
        time=fields["time"],
        zone=fields["zone"],
        days=fields["days"],
        changes=changes,
        share_answers=share,
    )


def _parse_incident(rest: str) -> Incident:
    words = rest.lower().split()
    if words[-1:] == ["here"]:
        started = _parse_incident(" ".join(words[:-1]))
        if started.action != "start":
            raise _fail("incident", "`here` goes with starting one, e.g. `incident random here`.")
        return dataclasses.replace(started, here=True)
    if words[:1] == ["start"]:
        words = words[1:]
    if not words:
        return Incident()
    first, more = words[0], words[1:]
    if first in ("list", "resume", "stop"):
        if more:
            raise _fail("incident", f"`incident {first}` takes nothing after it.")
        return Incident(first)
    if len(more) > 1:
        raise _fail(
            "incident",
            f"Too many words in `{rest}`: give a scenario name (or `random`) and, optionally, "
            "a level, e.g. `incident random senior`.",
        )
    level = more[0] if more else None
    if first == "random":
        return Incident("start", None, level)
    if first in LEVEL_WORDS and level is None:
        return Incident("start", None, first)
    return Incident("start", first, level)


_MENTION = re.compile(r"^<@([A-Za-z0-9._-]+)(?:\|[^>]*)?>$|^@?([\w.-]+)$")


def _parse_admins(rest: str) -> Command:
    words = rest.split()
    if not words:
        return Admins()
    action, people = words[0].lower(), words[1:]
    if action not in ("add", "remove") or len(people) != 1:
        raise _fail("admins", "Use `admins` to list them, or `admins add|remove @person`.")
    match = _MENTION.match(people[0])
    if match is None:
        raise _fail("admins", f"`{people[0]}` is not a person; mention them, e.g. `@maria`.")
    if match[1]:
        return Admins(action, match[1])
    return Admins(action, match[2], typed=people[0])


def _parse_team(rest: str) -> Team:
    words = rest.split()
    if len(words) > 1:
        raise _fail("team", "Give at most one number of weeks, e.g. `team 8`.")
    try:
        return Team(parse_weeks(words[0] if words else None))
    except WeeksError as exc:
        raise _fail("team", f"{str(exc)[:1].upper()}{str(exc)[1:]}.") from None


def _parse_leads(rest: str) -> Leads:
    words = rest.split()
    if not words:
        return Leads()
    action, people = words[0].lower(), words[1:]
    if action not in ("add", "remove") or len(people) != 1:
        raise _fail("leads", "Use `leads` to list them, or `leads add|remove @person`.")
    match = _MENTION.match(people[0])
    if match is None:
        raise _fail("leads", f"`{people[0]}` is not a person; mention them, e.g. `@maria`.")
    if match[1]:
        return Leads(action, match[1])
    return Leads(action, match[2], typed=people[0])


MAX_PRACTICE = 20


def _parse_practice(rest: str) -> Practice:
    words = rest.lower().split()
    if words == ["stats"]:
        return Practice(stats=True)
    if words[:1] == ["rate"]:
        return _parse_rate(" ".join(words[1:]))
    count = 5
    if words and re.fullmatch(r"-?\d+", words[-1]):
        count = int(words.pop())
        if not 1 <= count <= MAX_PRACTICE:
            raise _fail(
                "practice", f"Practise 1 to {MAX_PRACTICE} questions at a time (got {count})."
            )
    return Practice(topic="-".join(words) or None, count=count)


def _parse_rate(rest: str) -> Practice:
    word = rest.strip().lower()
    if word not in ("again", "hard", "good", "easy"):
        shown = f"`{rest.strip()}`" if rest.strip() else "Nothing"
        raise _fail("practice", f"{shown} is not a rating: use again, hard, good or easy.")
    return Practice(rate=word)


def _parse_remind(rest: str) -> Remind:
    words = rest.split()
    if words == ["off"]:
        return Remind(on=False)
    if not words or words[0].lower() != "on" or len(words) > 2:
        raise _fail("remind", "Use `remind on`, `remind on 08:45` or `remind off`.")
    if len(words) == 1:
        return Remind()
    try:
        return Remind(at=rules.parse_time(words[1]))
    except rules.ScheduleError as exc:
        raise _fail("remind", str(exc)) from None


def not_a_mention(typed: str) -> CommandError:
    """Why a name typed as plain text cannot be used where only mentions identify people."""
    return _fail(
        "admins",
        f"`{typed}` is not a mention, only text, so I can't tell who it is. "
        "Type `@` and pick the person from the list that pops up, so their name turns into a "
        "mention, then send the command.",
    )


def _simple(cls: type[Command]) -> Callable[[str], Command]:
    def parse_simple(rest: str) -> Command:
        _no_arguments(cls.keyword, rest)
        return cls()

    return parse_simple


_PARSERS: dict[str, Callable[[str], Command]] = {
    "help": _parse_help,
    "question": lambda rest: Question(_topic(rest)),
    "mcq": lambda rest: Mcq(_topic(rest)),
    "answer": _parse_answer,
    "pick": _parse_pick,
    "incident": _parse_incident,
    "leaderboard": _parse_leaderboard,
    "away": _parse_away,
    "setup": _parse_setup,
    "admins": _parse_admins,
    "history": _parse_history,
    "team": _parse_team,
    "leads": _parse_leads,
    "practice": _parse_practice,
    "remind": _parse_remind,
    **{cls.keyword: _simple(cls) for cls in (Stats, Pause, Resume, Topics, Schedule)},
    **{cls.keyword: _simple(cls) for cls in (OptOut, OptIn)},
    **{cls.keyword: _simple(cls) for cls in (Hint, Skip, Stop)},
}


def parse(text: str) -> Command:
    """Parse what someone typed (with or without a leading ``/drill``); empty means help."""
    body = _PREFIX.sub("", text.strip(), count=1).strip()
    match = _FIRST_WORD.fullmatch(body)
    if match is None:
        return Help()
    word, rest = match[1], match[2].strip()
    parser = _PARSERS.get(word.lower())
    if parser is None:
        raise CommandError(
            f"Unknown command `{word}`.{_did_you_mean(word, COMMANDS)}", usage_summary()
        )
    return parser(rest)
