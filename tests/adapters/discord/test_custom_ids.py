"""What a click or a form means travels in its ``custom_id``: round trips, the 100-character
limit for the longest values the core can make, and discord.py's ``DynamicItem`` templates."""

from __future__ import annotations

import re

import discord
import pytest

from bot.adapters.discord import custom_ids, limits
from bot.adapters.discord.custom_ids import (
    ANSWER_MODAL,
    INCIDENT_MODAL,
    TEMPLATE,
    decode,
    encode,
    modal_id,
    parse_modal_id,
    template,
)
from bot.content.loader import load_library
from bot.domain.items import Incident, MultipleChoice
from bot.messaging.message import Action
from bot.services import incident_views

LONGEST_ID = "a" * 64
"""The longest item id a pack may have (``Identifier`` in ``bot.domain.items``)."""
BIGGEST_INT = str(2**63 - 1)
"""A drill or channel id as large as the database's BIGINT."""


def worst_values() -> list[tuple[Action, str]]:
    """The longest value of each kind the core puts in ``Button.value``."""
    return [
        (Action.ANSWER_OPEN, BIGGEST_INT),
        (Action.PICK, f"{BIGGEST_INT}:F"),
        (Action.PICK, f"practice:{LONGEST_ID}:F"),
        (Action.ANSWER_INCIDENT, f"{LONGEST_ID}:999"),
        (Action.PAUSE, BIGGEST_INT),
        (Action.RESUME, BIGGEST_INT),
    ]


def real_values() -> list[tuple[Action, str]]:
    """The longest values the shipped packs make."""
    library = load_library()
    mcq = max(library.mcqs(), key=lambda m: len(m.id))
    incident = max(library.incidents(), key=lambda i: len(i.id))
    assert isinstance(mcq, MultipleChoice) and isinstance(incident, Incident)
    last = len(incident.stages) - 1
    return [
        (Action.PICK, f"practice:{mcq.id}:{mcq.options[-1].key}"),
        (Action.ANSWER_INCIDENT, incident_views.form_value(incident, last)),
    ]


@pytest.mark.parametrize(("action", "value"), [*worst_values(), *real_values()])
def test_the_longest_values_fit_and_round_trip(action: Action, value: str) -> None:
    for occurrence in (0, 1, 5):
        custom_id = encode(action, value, occurrence)
        assert len(custom_id) <= limits.CUSTOM_ID
        assert decode(custom_id) == (action, value)
        assert re.fullmatch(TEMPLATE, custom_id)
        assert re.fullmatch(template(action), custom_id)
    assert encode(action, value) == f"drillbot:{action.value}:{value}"


def test_every_action_round_trips() -> None:
    for action in Action:
        assert decode(encode(action, "42")) == (action, "42")
        others = [a for a in Action if a is not action]
        assert all(not re.fullmatch(template(a), encode(action, "42")) for a in others)


def test_repeats_get_distinct_ids_that_decode_the_same() -> None:
    ids = [encode(Action.PICK, "7:A", n) for n in range(12)]
    assert len(set(ids)) == 12
    assert {decode(i) for i in ids} == {(Action.PICK, "7:A")}


@pytest.mark.parametrize("value", ["a#1", "#", "x##", "a#b#12", "1:2:3", "line\nbreak", "é ü"])
def test_odd_values_round_trip(value: str) -> None:
    for occurrence in (0, 3):
        assert decode(encode(Action.PICK, value, occurrence)) == (Action.PICK, value)


def test_values_that_cannot_fit_are_refused() -> None:
    room = limits.CUSTOM_ID - len("drillbot:answer_incident:")
    assert decode(encode(Action.ANSWER_INCIDENT, "x" * room)) is not None
    with pytest.raises(ValueError):
        encode(Action.ANSWER_INCIDENT, "x" * (room + 1))
    with pytest.raises(ValueError):
        encode(Action.PICK, "")
    with pytest.raises(ValueError):
        encode(Action.PICK, "a", -1)


@pytest.mark.parametrize(
    "custom_id",
    [
        "",
        "drillbot:",
        "drillbot:pick:",
        "drillbot:unknown:1",
        "drillbot:PICK:1",
        "other:pick:1",
        "drillbot.pick.0",  # Slack's action_id
        "drillbot-modal:answer:1",
    ],
)
def test_foreign_ids_decode_to_none(custom_id: str) -> None:
    assert decode(custom_id) is None


def test_a_dynamic_item_takes_every_id() -> None:
    class Click(discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=TEMPLATE):
        pass

    class Pick(
        discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
        template=template(Action.PICK),
    ):
        pass

    for action, value in worst_values():
        custom_id = encode(action, value, 3)
        Click(discord.ui.Button(custom_id=custom_id))
        assert Click.__discord_ui_compiled_template__.fullmatch(custom_id)
        matches_pick = Pick.__discord_ui_compiled_template__.fullmatch(custom_id) is not None
        assert matches_pick == (action is Action.PICK)


def test_modal_ids() -> None:
    value = f"{LONGEST_ID}:999"
    for kind, shown in ((ANSWER_MODAL, BIGGEST_INT), (INCIDENT_MODAL, value)):
        custom_id = modal_id(kind, shown)
        assert len(custom_id) <= limits.CUSTOM_ID
        assert parse_modal_id(custom_id) == (kind, shown)
        assert re.fullmatch(custom_ids.MODAL_TEMPLATE, custom_id)
        assert decode(custom_id) is None
    assert parse_modal_id(encode(Action.ANSWER_OPEN, "1")) is None
    assert parse_modal_id("drillbot-modal:setup:1") is None
    assert parse_modal_id("drillbot-modal:answer:") is None
    with pytest.raises(ValueError):
        modal_id("setup", "1")
    with pytest.raises(ValueError):
        modal_id(ANSWER_MODAL, "")
    with pytest.raises(ValueError):
        modal_id(INCIDENT_MODAL, "x" * 100)
    assert len(custom_ids.ANSWER_FIELD) <= limits.CUSTOM_ID
