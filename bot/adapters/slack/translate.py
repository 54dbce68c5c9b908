"""Slack payloads in, the core's terms out: who acted, where, and the delivery key.

The delivery key is how the core counts a submission once (``Tx.claim_submission``): it must be
the same for every copy Slack sends of one action (its retries, a second process receiving the
same request) and different for two real actions. Slack gives:

- events: ``event_id``, the same on every retry;
- slash commands: ``trigger_id``, unique per invocation;
- block_actions: ``action_ts`` with the user and the button's value (a double click is two
  actions with two action_ts; the core's "first choice counts" makes it harmless);
- view_submission: the view's id and ``hash``, which changes only when the view changes.

Keys are hashed to a fixed length and prefixed by their kind, so they stay short and never
collide across kinds.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from bot.services.answers import Actor
from bot.services.commands import Where

Payload = dict[str, Any]


@dataclass(frozen=True)
class Who:
    """A person in a workspace, as a payload names them."""

    team_id: str
    user_id: str
    name: str
    """The handle the payload gives (``user_name`` / ``user.name``); a fallback display name."""

    def actor(self, display_name: str | None = None, is_admin: bool = False) -> Actor:
        return Actor(
            self.team_id,
            self.user_id,
            display_name or self.name or self.user_id,
            is_admin,
            platform="slack",
        )

    def unnamed_actor(self) -> Actor:
        """The person without a display name: the core keeps the one it has (a new person
        goes in under their user id until ``Engine.learn_name``)."""
        return Actor(self.team_id, self.user_id, "", platform="slack")


def _key(kind: str, *parts: object) -> str:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:40]
    return f"slack:{kind}:{digest}"


def _team(body: Payload, context_team: str | None = None) -> str:
    team = body.get("team")
    found = (
        context_team
        or (team.get("id") if isinstance(team, dict) else None)
        or body.get("team_id")
        or (body.get("user") or {}).get("team_id")
        or ""
    )
    return str(found)


# --- slash commands ---------------------------------------------------------------------------
def command_who(command: Payload, context_team: str | None = None) -> Who:
    return Who(
        team_id=str(context_team or command.get("team_id") or ""),
        user_id=str(command.get("user_id") or ""),
        name=str(command.get("user_name") or ""),
    )


def command_text(command: Payload) -> str:
    """What the person typed after ``/drill``, from the text Slack escaped (``should_escape``).

    Mentions become the core's platform-neutral ``<@U123>``, the ids ``admins add`` needs;
    every other piece of Slack markup becomes what the person typed: ``<#C1|ops>`` is ``#ops``,
    ``<https://a.io|a.io>`` is ``a.io``, ``<!here>`` is ``@here``, ``&lt;`` is ``<``. A name that
    Slack did not turn into a mention stays plain text, which the core refuses as a person.
    """
    pieces = _MARKUP.split(str(command.get("text") or ""))
    # re.split with one group: text at even indexes, the inside of <...> at odd ones.
    return "".join(
        _unmarkup(piece) if n % 2 else _unescape(piece) for n, piece in enumerate(pieces)
    )


_MARKUP = re.compile(r"<([^<>]*)>")


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _unmarkup(inside: str) -> str:
    target, _, label = inside.partition("|")
    label = _unescape(label)
    if target.startswith("@"):
        return f"<{target}>"
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        # <!here>, <!here|here>, <!subteam^S1|@oncall>: the @word as typed.
        word = label or target[1:]
        return word if word.startswith("@") else "@" + word
    return label or _unescape(target)  # a link: the text shown, else the address


def command_where(command: Payload) -> Where:
    return where_of(str(command.get("channel_id") or ""), str(command.get("channel_name") or ""))


def command_delivery(command: Payload) -> str:
    return _key("cmd", command.get("team_id"), command.get("trigger_id"))


def where_of(channel_id: str, channel_name: str = "") -> Where:
    """A channel, or None for a direct message with the bot (ids starting with D)."""
    if not channel_id or channel_id.startswith("D") or channel_name == "directmessage":
        return Where(None, "")
    return Where(channel_id, channel_name)


# --- interactivity ----------------------------------------------------------------------------
def interaction_who(body: Payload, context_team: str | None = None) -> Who:
    user = body.get("user") or {}
    return Who(
        team_id=_team(body, context_team),
        user_id=str(user.get("id") or ""),
        name=str(user.get("name") or user.get("username") or ""),
    )


def action_delivery(body: Payload, action: Payload) -> str:
    user = (body.get("user") or {}).get("id")
    return _key("act", action.get("action_ts"), user, action.get("action_id"), action.get("value"))


def view_delivery(view: Payload) -> str:
    return _key("view", view.get("id"), view.get("hash"))


def action_channel(body: Payload) -> tuple[str, str]:
    """The channel id and name a block action happened in ("" when in a view)."""
    channel = body.get("channel") or {}
    container = body.get("container") or {}
    channel_id = channel.get("id") or container.get("channel_id") or ""
    return str(channel_id), str(channel.get("name") or "")


def action_message_ts(body: Payload) -> str:
    container = body.get("container") or {}
    message = body.get("message") or {}
    return str(container.get("message_ts") or message.get("ts") or "")


# --- events -----------------------------------------------------------------------------------
def event_who(body: Payload, event: Payload, context_team: str | None = None) -> Who:
    return Who(
        team_id=str(context_team or body.get("team_id") or event.get("team") or ""),
        user_id=str(event.get("user") or ""),
        name="",
    )


def event_delivery(body: Payload, event: Payload) -> str:
    event_id = body.get("event_id")
    if event_id:
        return _key("event", event_id)
    # Socket Mode and the Events API always carry event_id; this is a last resort.
    return _key("event", body.get("team_id"), event.get("channel"), event.get("ts"))
