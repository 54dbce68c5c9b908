"""`/drill history` in Block Kit: the longest history (20 drills, long answers) and a whole
answer of the longest length a person may send stay inside Slack's limits, with nothing of
the answer lost and its text escaped."""

from __future__ import annotations

import datetime as dt

from bot.adapters.slack.render import message_payload
from bot.domain.items import OpenQuestion
from bot.domain.model import Answer, Drill, DrillState, Slot
from bot.services.history import Entry, answer_detail, history_message
from bot.testing.library import tiny_library
from tests.adapters.slack.fake_slack import check_message

T0 = dt.datetime(2026, 11, 30, 8, 30, tzinfo=dt.UTC)
LIBRARY = tiny_library()
ITEM = LIBRARY.items["open-caching-1"]


def _drill(n: int, revealed: bool = True) -> Drill:
    return Drill(
        id=n,
        workspace_id="T1",
        channel_id=1,
        slot=Slot.DAILY,
        local_date=T0.date() - dt.timedelta(days=n),
        item_id=ITEM.id,
        kind="open",
        scheduled_at=T0,
        reveal_at=T0 + dt.timedelta(hours=6),
        state=DrillState.POSTED,
        revealed_at=T0 + dt.timedelta(hours=6) if revealed else None,
    )


def _answer(n: int, text: str) -> Answer:
    return Answer(
        id=n,
        drill_id=n,
        person_id=1,
        workspace_id="T1",
        channel_id=1,
        local_date=T0.date() - dt.timedelta(days=n),
        choice=None,
        text=text,
        correct=True,
        coverage=0.5,
        covered=("hot",),
        mistakes=(),
        points=10,
        created_at=T0,
        updated_at=T0,
    )


def test_twenty_drills_with_long_answers_fit_one_message() -> None:
    assert isinstance(ITEM, OpenQuestion)
    long_line = "<!channel> " + "word " * 2000
    entries = [Entry(_answer(n, long_line), _drill(n), ITEM) for n in range(1, 21)]
    payload = message_payload(history_message(entries, 20))
    assert check_message(payload) == []
    sections = [b for b in payload["blocks"] if b["type"] == "section"]
    assert len(sections) == 21  # the head and one per drill
    assert "<!channel>" not in str(payload) and "&lt;!channel&gt;" in str(payload)
    assert all(len(b["text"]["text"]) < 400 for b in sections)


def test_a_whole_answer_of_the_longest_length_is_shown_in_full() -> None:
    assert isinstance(ITEM, OpenQuestion)
    lines = [f"line {n} " + "x" * 90 for n in range(30)]  # 3,000 characters and more
    payload = message_payload(answer_detail(_drill(1), ITEM, _answer(1, "\n".join(lines))))
    assert check_message(payload) == []
    shown = "\n".join(b["text"]["text"] for b in payload["blocks"] if b["type"] == "section")
    assert all(line in shown for line in lines)
    assert "Model answer" in shown
