"""The two modals: answering an open drill, and an admin's channel schedule (`/drill setup`).

The setup form does no validation of its own: its values become the text an admin would type
(``setup 09:30 Europe/Berlin mon-fri window=6h ...``) and go through ``Engine.command``, so the
messages people see are the core's. When the core refuses, :func:`error_field` picks the field
the message is about, for ``response_action: errors``.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.adapters.slack.render import JSON, MAX_VIEW_BLOCKS, escape, mrkdwn, plain
from bot.domain import schedule_rules as rules
from bot.domain.model import Schedule

ANSWER_CALLBACK = "drillbot.answer"
INCIDENT_CALLBACK = "drillbot.incident_answer"
SETUP_CALLBACK = "drillbot.setup"
MAX_ANSWER = 3000
MAX_TITLE = 24
MAX_METADATA = 3000
MAX_QUESTION_BLOCKS = 4


def _title(text: str) -> JSON:
    return plain(text, MAX_TITLE)


# --- answering ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class AnswerContext:
    """What the answer modal carries in private_metadata."""

    drill_id: int
    channel_id: str
    message_ts: str = ""

    def dump(self) -> str:
        return json.dumps(
            {"drill": self.drill_id, "channel": self.channel_id, "ts": self.message_ts}
        )

    @classmethod
    def load(cls, text: str) -> AnswerContext | None:
        try:
            data = json.loads(text or "{}")
            return cls(int(data["drill"]), str(data["channel"]), str(data.get("ts") or ""))
        except (ValueError, KeyError, TypeError):
            return None


def _answer_input(hint: str, placeholder: str, max_length: int) -> JSON:
    """The multiline answer box both answer forms share (``answer_text`` reads it back)."""
    return {
        "type": "input",
        "block_id": "answer",
        "label": plain("Your answer"),
        "hint": plain(hint),
        "element": {
            "type": "plain_text_input",
            "action_id": "text",
            "multiline": True,
            "max_length": min(max_length, MAX_ANSWER),
            "placeholder": plain(placeholder),
        },
    }


def answer_modal(
    context: AnswerContext, question: list[JSON], max_length: int = MAX_ANSWER
) -> JSON:
    """A modal with the question (the drill message's own sections) and a multiline input."""
    shown = [b for b in question if b.get("type") == "section"][:MAX_QUESTION_BLOCKS]
    return {
        "type": "modal",
        "callback_id": ANSWER_CALLBACK,
        "title": _title("Answer the drill"),
        "submit": _title("Send answer"),
        "close": _title("Cancel"),
        "private_metadata": context.dump(),
        "blocks": [
            *shown,
            _answer_input(
                # How edits count (bot.domain.scoring), said before the first answer is sent.
                "Graded against the key points. You can send a new version until the reveal: "
                "your points count your first answer plus a quarter of any improvement.",
                "Explain it as you would in an interview",
                max_length,
            ),
        ],
    }


@dataclass(frozen=True)
class IncidentContext:
    """What the incident answer modal carries in private_metadata: the value of the button
    that opened it, naming the stage the form shows (the core reads it)."""

    form: str

    def dump(self) -> str:
        return json.dumps({"form": self.form})

    @classmethod
    def load(cls, text: str) -> IncidentContext | None:
        try:
            data = json.loads(text or "{}")
            return cls(str(data["form"]))
        except (ValueError, KeyError, TypeError):
            return None


def incident_modal(
    question: list[JSON], context: IncidentContext, max_length: int = MAX_ANSWER
) -> JSON:
    """The form alternative to writing a direct message, for the stage whose prompt it was
    opened from."""
    shown = [b for b in question if b.get("type") == "section"][-1:]
    return {
        "type": "modal",
        "callback_id": INCIDENT_CALLBACK,
        "title": _title("Mock incident"),
        "submit": _title("Send answer"),
        "close": _title("Cancel"),
        # A button's value is at most 2,000 characters: it fits the 3,000 of the metadata.
        "private_metadata": context.dump(),
        "blocks": [
            *shown,
            _answer_input(
                "The interviewer replies where the session runs: your DM or its thread.",
                "What do you do, and why?",
                max_length,
            ),
        ],
    }


def answer_text(view: Mapping[str, Any]) -> str:
    value = _state(view).get("answer", {}).get("text", {}).get("value")
    return str(value or "")


# --- the schedule form --------------------------------------------------------------------------
@dataclass(frozen=True)
class SetupContext:
    channel_id: str
    channel_name: str

    def dump(self) -> str:
        return json.dumps({"channel": self.channel_id, "name": self.channel_name})[:MAX_METADATA]

    @classmethod
    def load(cls, text: str) -> SetupContext | None:
        try:
            data = json.loads(text or "{}")
            return cls(str(data["channel"]), str(data.get("name") or ""))
        except (ValueError, KeyError, TypeError):
            return None


FIELDS: tuple[str, ...] = (
    "time",
    "zone",
    "days",
    "mcq_days",
    "window",
    "leaderboard",
    "topics",
    "levels",
)
"""The form's block ids, in order."""

_DAY_OPTIONS = [{"text": plain(name.title()), "value": name} for name in rules.DAY_NAMES]


def _text_input(block_id: str, label: str, value: str, hint: str, optional: bool = False) -> JSON:
    element: JSON = {"type": "plain_text_input", "action_id": "value", "max_length": 200}
    if value:
        element["initial_value"] = value
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "hint": plain(hint),
        "optional": optional,
        "element": element,
    }


def _days_input(block_id: str, label: str, chosen: tuple[str, ...], optional: bool) -> JSON:
    element: JSON = {"type": "checkboxes", "action_id": "value", "options": _DAY_OPTIONS}
    initial = [o for o in _DAY_OPTIONS if o["value"] in chosen]
    if initial:
        element["initial_options"] = initial
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "optional": optional,
        "element": element,
    }


def setup_modal(context: SetupContext, current: Schedule | None) -> JSON:
    s = current or Schedule()
    where = f"#{context.channel_name}" if context.channel_name else "this channel"
    intro = (
        f"Drills for *{escape(where)}*. " + ("Now: " + escape(rules.describe(current)))
        if current
        else f"Drills for *{escape(where)}*: none yet. Defaults are filled in."
    )
    blocks: list[JSON] = [
        {"type": "section", "text": mrkdwn(intro[:3000])},
        _text_input(
            "time", "Post time", rules.format_time(s.post_time), "24-hour HH:MM, e.g. 09:30"
        ),
        _text_input("zone", "Time zone", s.timezone, "IANA name, e.g. Europe/Berlin"),
        _days_input("days", "Drill days", s.days, optional=False),
        _days_input("mcq_days", "Multiple-choice days", s.mcq_days, optional=True),
        _text_input(
            "window",
            "Answer window",
            _duration(s.answer_window),
            "How long answers stay open before the reveal: 90m, 6h, 1d",
        ),
        _text_input(
            "leaderboard",
            "Weekly leaderboard",
            f"{s.leaderboard_day} {rules.format_time(s.leaderboard_time)}",
            "A day and a time, e.g. fri 16:00",
        ),
        _text_input(
            "topics", "Topics", ",".join(s.topics), "Comma list of topic ids; empty for all", True
        ),
        _text_input(
            "levels",
            "Levels",
            ",".join(s.levels),
            "Comma list, e.g. junior,mid; empty for all",
            True,
        ),
    ]
    return {
        "type": "modal",
        "callback_id": SETUP_CALLBACK,
        "title": _title("Drill schedule"),
        "submit": _title("Save"),
        "close": _title("Cancel"),
        "private_metadata": context.dump(),
        "blocks": blocks[:MAX_VIEW_BLOCKS],
    }


def _duration(value: Any) -> str:
    minutes = int(value.total_seconds() // 60)
    if minutes % (24 * 60) == 0:
        return f"{minutes // (24 * 60)}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


def _state(view: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    state = view.get("state") or {}
    values = state.get("values") if isinstance(state, dict) else None
    return values if isinstance(values, dict) else {}


def _value(values: dict[str, dict[str, dict[str, Any]]], block: str) -> str:
    return str((values.get(block, {}).get("value", {}) or {}).get("value") or "").strip()


def _days(values: dict[str, dict[str, dict[str, Any]]], block: str) -> list[str]:
    selected = (values.get(block, {}).get("value", {}) or {}).get("selected_options") or []
    chosen = {str(o.get("value")) for o in selected if isinstance(o, dict)}
    return [day for day in rules.DAY_NAMES if day in chosen]


def _compact_days(days: list[str]) -> str:
    """``mon-fri`` for a run of three or more days, else a comma list."""
    indexes = [rules.DAY_NAMES.index(d) for d in days]
    parts: list[str] = []
    run: list[int] = []
    for index in [*indexes, -9]:
        if run and index == run[-1] + 1:
            run.append(index)
            continue
        if len(run) >= 3:
            parts.append(f"{rules.DAY_NAMES[run[0]]}-{rules.DAY_NAMES[run[-1]]}")
        else:
            parts.extend(rules.DAY_NAMES[i] for i in run)
        run = [index]
    return ",".join(parts)


def _quote(value: str) -> str:
    return shlex.quote(value) if value else "''"


def setup_command(view: Mapping[str, Any]) -> str:
    """The form as the command an admin would type."""
    values = _state(view)
    words = ["setup"]
    for block in ("time", "zone"):
        value = _value(values, block)
        if value:
            words.append(_quote(value) if "=" not in value else f"{block}={_quote(value)}")
    days = _days(values, "days")
    if days:
        words.append(_compact_days(days))
    mcq_days = _days(values, "mcq_days")
    words.append(f"mcq-days={_compact_days(mcq_days) if mcq_days else 'none'}")
    for block, key in (("window", "window"), ("leaderboard", "leaderboard")):
        value = _value(values, block)
        if value:
            words.append(f"{key}={_quote(value)}")
    for block in ("topics", "levels"):
        value = _value(values, block)
        words.append(f"{block}={_quote(value) if value else 'all'}")
    return " ".join(words)


_ERROR_FIELDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("mcq_days", re.compile(r"mcq|multiple-choice", re.I)),
    ("window", re.compile(r"window|duration", re.I)),
    ("leaderboard", re.compile(r"leaderboard", re.I)),
    ("zone", re.compile(r"zone|IANA", re.I)),
    ("topics", re.compile(r"topic", re.I)),
    ("levels", re.compile(r"level", re.I)),
    ("days", re.compile(r"\bdays?\b|weekday|monday|tuesday|wednesday|thursday|friday", re.I)),
    ("time", re.compile(r"time", re.I)),
)


def error_field(message: str) -> str:
    """The form field a core error message is about (the post time when none fits)."""
    for block, pattern in _ERROR_FIELDS:
        if pattern.search(message):
            return block
    return "time"


def error_text(message: str) -> str:
    """A core message as plain text for a modal's error line (no mrkdwn there)."""
    text = message.replace("`", "").replace("*", "")
    return text if len(text) <= 500 else text[:499] + "…"
