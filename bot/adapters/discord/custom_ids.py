"""What a click or a form submission means, carried in its ``custom_id``.

Discord gives a component or modal interaction nothing but the ``custom_id`` it was posted
with, and a drill posted before a restart must still take clicks. So the whole meaning lives in
the id: ``drillbot:<action>:<value>``, the core's ``Action`` and ``Button.value`` as they are.
The runtime decodes a click's id itself (``bot/adapters/discord/app.py``); ``TEMPLATE`` is the
same grammar as a regular expression (a full match), for discord.py's ``DynamicItem`` should a
view need one.

Two buttons of one message may not share an id, so a repeat of the same action and value gets
a ``#<n>`` suffix. The decoder drops one trailing ``#<digits>``; a value that itself contains a
``#`` therefore always gets a suffix (``#0``), so that no value is ever cut short.

Every id fits in 100 characters with no lookup table: the values the core sends are drill ids
and channel ids (integers), ``<drill id>:<key>``, ``practice:<item id>:<key>`` and
``<scenario id>:<stage>``, and item ids are at most 64 characters (``Identifier`` in
``bot.domain.items``), so the longest is ``drillbot:answer_incident:`` (25) + a 64-character
scenario id + ``:`` + the stage number, or ``drillbot:pick:`` (14) + ``practice:`` (9) + 64 +
``:F`` (2) = 89. ``encode`` raises ``ValueError`` for anything longer rather than post a
button Discord would refuse.

Modals: ``drillbot-modal:<kind>:<value>``, with ``ANSWER_MODAL`` (value: the drill id) and
``INCIDENT_MODAL`` (value: ``<scenario id>:<stage>``, ``incident_views.form_value``); the
answer box inside either is ``ANSWER_FIELD``.
"""

from __future__ import annotations

import re
from typing import Final

from bot.adapters.discord import limits
from bot.messaging.message import Action

PREFIX: Final = "drillbot"
TEMPLATE: Final = r"drillbot:(?P<action>[a-z_]+):(?P<value>[\s\S]+?)(?:#(?P<occurrence>[0-9]+))?"
"""Matches (``re.fullmatch``) every button id :func:`encode` makes."""
_BUTTON = re.compile(TEMPLATE)
_SUFFIXED = re.compile(r"#[0-9]+\Z")

MODAL_PREFIX: Final = "drillbot-modal"
ANSWER_MODAL: Final = "answer"
"""The answer form of an open drill; value: the drill id."""
INCIDENT_MODAL: Final = "incident"
"""The answer form of a mock incident stage; value: ``<scenario id>:<stage>``."""
MODAL_KINDS: Final = (ANSWER_MODAL, INCIDENT_MODAL)
MODAL_TEMPLATE: Final = r"drillbot-modal:(?P<kind>[a-z_]+):(?P<value>[\s\S]+)"
_MODAL = re.compile(MODAL_TEMPLATE)
ANSWER_FIELD: Final = "answer"
"""The ``custom_id`` of the paragraph input in both answer forms."""


def template(action: Action) -> str:
    """``TEMPLATE`` for one action only: a ``DynamicItem`` class per action, so that each
    click reaches exactly one of them."""
    return TEMPLATE.replace("(?P<action>[a-z_]+)", f"(?P<action>{re.escape(action.value)})")


def encode(action: Action, value: str, occurrence: int = 0) -> str:
    """The ``custom_id`` of a button; ``occurrence`` counts earlier buttons of the same message
    with the same action and value (0 for the first), to keep ids unique."""
    if not value:
        raise ValueError("a button needs a value")
    if occurrence < 0:
        raise ValueError("occurrence cannot be negative")
    suffix = f"#{occurrence}" if occurrence or "#" in value else ""
    custom_id = f"{PREFIX}:{action.value}:{value}{suffix}"
    if len(custom_id) > limits.CUSTOM_ID:
        raise ValueError(
            f"{action.value} button value of {len(value)} characters does not fit Discord's "
            f"{limits.CUSTOM_ID}-character custom_id"
        )
    return custom_id


def decode(custom_id: str) -> tuple[Action, str] | None:
    """(action, value) from an id :func:`encode` made; None for any other id."""
    found = _BUTTON.fullmatch(custom_id)
    if found is None:
        return None
    try:
        action = Action(found["action"])
    except ValueError:
        return None
    # The lazy value stops before a suffix it could have kept: take back all but the last.
    value = _SUFFIXED.sub("", custom_id[len(f"{PREFIX}:{action.value}:") :])
    return (action, value) if value else None


def modal_id(kind: str, value: str) -> str:
    """The ``custom_id`` of an answer form (``ANSWER_MODAL`` or ``INCIDENT_MODAL``)."""
    if kind not in MODAL_KINDS:
        raise ValueError(f"unknown modal kind {kind!r}")
    if not value:
        raise ValueError("a modal needs a value")
    custom_id = f"{MODAL_PREFIX}:{kind}:{value}"
    if len(custom_id) > limits.CUSTOM_ID:
        raise ValueError(f"{kind} modal value does not fit Discord's custom_id")
    return custom_id


def parse_modal_id(custom_id: str) -> tuple[str, str] | None:
    """(kind, value) from an id :func:`modal_id` made; None for any other id."""
    found = _MODAL.fullmatch(custom_id)
    if found is None or found["kind"] not in MODAL_KINDS:
        return None
    return found["kind"], found["value"]
