"""`/drill history`, the whole-answer view and a sharing channel's reveal on Discord: inside
the embed limits, escaped, nothing of a long answer lost."""

from __future__ import annotations

import datetime as dt

from bot.adapters.discord.escape import markup
from bot.adapters.discord.render import render
from bot.domain.items import OpenQuestion
from bot.domain.model import Answer, Drill, DrillState, DrillStats, Slot
from bot.services import views
from bot.services.history import Entry, answer_detail, history_message
from bot.testing.library import tiny_library
from tests.adapters.discord.test_render import (
    HOSTILE,
    assert_all_words_in_order,
    check_all,
    text_of,
)

T0 = dt.datetime(2026, 11, 30, 8, 30, tzinfo=dt.UTC)
ITEM = tiny_library().items["open-caching-1"]
assert isinstance(ITEM, OpenQuestion)


def _drill(n: int) -> Drill:
    return Drill(
        n, "T1", 1, Slot.DAILY, T0.date(), ITEM.id, "open", T0, T0, DrillState.POSTED, None, T0
    )


def _answer(n: int, text: str) -> Answer:
    return Answer(n, n, 1, "T1", 1, T0.date(), None, text, True, 0.5, ("hot",), (), 10, T0, T0)


def test_a_history_of_twenty_long_hostile_answers_fits() -> None:
    assert isinstance(ITEM, OpenQuestion)
    entries = [Entry(_answer(n, HOSTILE + " word" * 500), _drill(n), ITEM) for n in range(1, 21)]
    payloads = render(history_message(entries, 20))
    check_all(payloads)
    assert "@everyone" not in text_of(payloads)


def test_a_whole_long_answer_is_shown_without_losing_a_word() -> None:
    assert isinstance(ITEM, OpenQuestion)
    text = "\n".join(f"line {n} " + "word " * 20 for n in range(60))  # about 6,500 characters
    payloads = render(answer_detail(_drill(1), ITEM, _answer(1, text)))
    check_all(payloads)
    assert_all_words_in_order(markup(text), payloads)


def test_a_sharing_reveal_quotes_the_best_answer_escaped() -> None:
    assert isinstance(ITEM, OpenQuestion)
    message = views.reveal_message(ITEM, DrillStats(2, {}, 0.5), "Caching", (HOSTILE, "Ann"))
    payloads = render(message)
    check_all(payloads)
    shown = text_of(payloads)
    assert "Ann" in shown and "@everyone" not in shown
