"""The pure rules of team insights (bot.domain.insights)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.domain import insights as rules
from bot.domain.insights import ItemSums, TagCount, TopicFigures


def test_weeks_default_range_and_refusals() -> None:
    assert rules.parse_weeks(None) == rules.parse_weeks("") == 4
    assert rules.parse_weeks("1") == 1 and rules.parse_weeks(26) == 26
    for bad in ("0", "27", "-3", "four", "2.5"):
        with pytest.raises(rules.WeeksError):
            rules.parse_weeks(bad)


def test_the_period_is_whole_iso_weeks_ending_with_this_one() -> None:
    thursday = dt.date(2026, 11, 26)
    assert rules.period(thursday, 1) == (dt.date(2026, 11, 23), dt.date(2026, 11, 29))
    assert rules.period(thursday, 4) == (dt.date(2026, 11, 2), dt.date(2026, 11, 29))


def test_trend_needs_both_halves_and_names_its_direction() -> None:
    assert rules.trend_of(0, 0.0, 3, 3.0) is None
    assert rules.trend_of(4, 2.0, 2, 2.0) == 0.5
    assert [rules.trend_word(t) for t in (None, 0.05, 0.049, -0.05)] == [
        "–",
        "up",
        "steady",
        "down",
    ]


def test_topics_are_summed_from_items_and_ordered_weakest_first() -> None:
    items = [
        ItemSums("q1", 4, 1, 0, 0.0),
        ItemSums("q2", 0, 0, 2, 1.8),
        ItemSums("q3", 0, 0, 2, 0.2),
        ItemSums("gone", 9, 9, 0, 0.0),  # no longer in the content: left out
    ]
    topic_of = {"q1": "queues", "q2": "caching", "q3": "queues"}
    topics = rules.topic_figures(items, topic_of, {"queues": "Queues"})
    assert [t.topic for t in topics] == ["queues", "caching"]
    queues = topics[0]
    assert (queues.title, queues.accuracy, queues.coverage) == ("Queues", 0.25, 0.1)
    assert queues.score == pytest.approx(0.175)
    unknown = TopicFigures("x", "x", 0, 0, None, 0, None)
    assert rules.weakest_first([unknown, queues])[-1] is unknown


def test_missed_points_and_misconceptions_by_count_naming_the_question() -> None:
    items = [ItemSums("q1", 0, 0, 5, 2.0), ItemSums("q2", 0, 0, 1, 1.0)]
    covered = [TagCount("q1", "hot", 4), TagCount("q2", "hot", 1), TagCount("q2", "ttl", 1)]
    points = {"q1": [("hot", "Hot data"), ("ttl", "A TTL")], "q2": [("hot", "Hot"), ("ttl", "T")]}
    missed = rules.missed_points(items, covered, points, {"q1": "Question one"}, 5)
    assert [(m.key_point, m.question, m.count) for m in missed] == [
        ("A TTL", "Question one", 5),
        ("Hot data", "Question one", 1),
    ]
    shown = rules.misconceptions(
        [TagCount("q1", "m", 2), TagCount("q2", "gone", 3)], {"q1": {"m": "Myth"}}, {}, 1
    )
    assert [(m.mistake, m.count) for m in shown] == [("gone", 3)]


def test_movers_and_shout_outs() -> None:
    moved = rules.movers([(1, "Ann"), (2, "Ben"), (3, "Cy"), (4, "Di")], [3, 1, 4, 9])
    # Ann rose from 2nd to 1st; Ben is new (not a mover); Cy and Di went down.
    assert [(m.name, m.previous, m.place, m.change) for m in moved] == [("Ann", 2, 1, 1)]
    shouts = rules.shout_outs(
        [("Ben", 4), ("Ann", 4), ("Cy", 1)],
        [("Ann", 0.02), ("Cy", 0.25)],
        ("Di", dt.datetime(2026, 11, 23, 9, 31, tzinfo=dt.UTC)),
    )
    assert [(s.what, s.name) for s in shouts] == [
        ("longest streak", "Ann"),
        ("most improved", "Cy"),
        ("first answer", "Di"),
    ]
    assert rules.shout_outs([("Ann", 1)], [], None) == []


def test_opted_out_people_are_someone() -> None:
    assert rules.shown_name("Ann", True) == "someone"
    assert rules.shown_name("Ann", False) == "Ann"
