"""The team chart: a PNG of a fixed size, the right series, the same bytes for the same input,
rendered off the event loop and cached."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import struct
import threading
import time
import zlib
from dataclasses import replace
from typing import Any

import pytest

from bot.domain.insights import TeamInsights, TopicFigures, WeekFigures
from bot.messaging.message import Image, Message, Section, images
from bot.services import charts
from bot.services.charts import (
    ChartCache,
    ChartImage,
    chart_alt,
    chart_image,
    chart_series,
    insight_title,
    team_chart,
    with_chart,
)
from bot.services.insight_views import team_message
from bot.testing.harness import text_of

WEEKS = [
    (dt.date(2026, 10, 19), 0.75, 0.5),
    (dt.date(2026, 10, 5), 0.5, None),  # out of order: drawn oldest first
    (dt.date(2026, 10, 12), 1.0, 0.625),
]
TOPICS = [("Modules", 0.8), ("Event loop", 0.3), ("Streams", None), ("Caching", 0.55)]
TITLE = "#team — last 3 weeks"


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, after checking the signature and its CRC."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", png[8:16])
    assert kind == b"IHDR" and length == 13
    data = png[16 : 16 + length]
    (crc,) = struct.unpack(">I", png[16 + length : 20 + length])
    assert crc == zlib.crc32(kind + data)
    width, height = struct.unpack(">II", data[:8])
    return width, height


def chunks(png: bytes) -> list[bytes]:
    out, at = [], 8
    while at < len(png):
        length, kind = struct.unpack(">I4s", png[at : at + 8])
        out.append(kind)
        at += 12 + length
    return out


def test_the_chart_is_a_png_of_the_fixed_size() -> None:
    png = team_chart(WEEKS, TOPICS, TITLE)
    assert png_size(png) == (charts.WIDTH_PX, charts.HEIGHT_PX) == (1200, 700)
    kinds = chunks(png)
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"IDAT" in kinds
    assert b"tIME" not in kinds  # no timestamp: the bytes depend on the input alone
    assert b"Matplotlib" not in png  # nor on matplotlib's version


def test_the_chart_loads_as_an_image() -> None:
    import io

    from matplotlib.image import imread

    pixels = imread(io.BytesIO(team_chart(WEEKS, TOPICS, TITLE)), format="png")
    assert pixels.shape[:2] == (700, 1200)


def test_the_same_input_gives_the_same_bytes_and_other_input_others() -> None:
    first = team_chart(WEEKS, TOPICS, TITLE)
    assert team_chart(list(WEEKS), list(TOPICS), TITLE) == first
    assert team_chart(WEEKS[:2], TOPICS, TITLE) != first
    assert team_chart(WEEKS, [("Modules", 0.9), *TOPICS[1:]], TITLE) != first
    assert team_chart(WEEKS, TOPICS, "#other") != first


def test_empty_figures_still_make_a_chart() -> None:
    assert png_size(team_chart([], [], "Nothing yet")) == (1200, 700)


def test_the_series_are_weeks_oldest_first_and_topics_weakest_first() -> None:
    series = chart_series(WEEKS, TOPICS)
    assert series.weeks == ("5 Oct", "12 Oct", "19 Oct")
    assert series.participation == (50.0, 100.0, 75.0)
    assert series.accuracy == (None, 62.5, 50.0)
    assert series.topics == ("Event loop", "Caching", "Modules", "Streams")
    assert series.coverage == (30.0, 55.0, 80.0, None)
    assert series.hidden_topics == 0


def test_values_are_clamped_and_only_the_weakest_topics_are_drawn() -> None:
    many = [(f"Topic {n:02d}", n / 20) for n in range(20)]
    series = chart_series([(dt.date(2026, 10, 5), 1.5, -0.2)], many)
    assert series.participation == (100.0,) and series.accuracy == (0.0,)
    assert len(series.topics) == charts.MAX_TOPICS and series.topics[0] == "Topic 00"
    assert series.hidden_topics == 20 - charts.MAX_TOPICS


def test_the_plotted_data_are_the_series(monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib.axes import Axes

    lines: list[tuple[list[float], list[float], str]] = []
    bars: list[tuple[list[int], list[float]]] = []
    plot, barh = Axes.plot, Axes.barh

    def spy_plot(self: Axes, x: list[float], y: list[float], **kw: object) -> object:
        lines.append((list(x), list(y), str(kw.get("label"))))
        return plot(self, x, y, **kw)  # type: ignore[arg-type]

    def spy_barh(self: Axes, y: list[int], width: list[float], **kw: object) -> object:
        bars.append((list(y), list(width)))
        return barh(self, y, width, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(Axes, "plot", spy_plot)
    monkeypatch.setattr(Axes, "barh", spy_barh)
    team_chart(WEEKS, TOPICS, TITLE)
    (x1, participation, p_label), (x2, accuracy, a_label) = lines
    assert x1 == x2 == [0, 1, 2]
    assert (p_label, participation) == ("Participation", [50.0, 100.0, 75.0])
    assert a_label == "MCQs right" and accuracy[1:] == [62.5, 50.0] and accuracy[0] != accuracy[0]
    assert bars == [([0, 1, 2, 3], [30.0, 55.0, 80.0, 0.0])]


def test_the_alt_text_says_every_number() -> None:
    alt = chart_alt(chart_series(WEEKS, TOPICS), TITLE)
    for said in ("5 Oct 50%", "12 Oct 100%", "19 Oct 75%", "5 Oct no data", "12 Oct 62%"):
        assert said in alt
    assert "Event loop 30%, Caching 55%, Modules 80%, Streams no data" in alt
    image = chart_image(WEEKS, TOPICS, TITLE, "t.png")
    assert image.alt == alt and image.image() == Image(image.png, alt, "t.png")


async def test_rendering_does_not_block_the_event_loop() -> None:
    cache = ChartCache()
    ticks = 0
    longest = 0.0

    async def ticker() -> None:
        nonlocal ticks, longest
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.005)
            now = time.monotonic()
            longest = max(longest, now - last)
            last = now
            ticks += 1

    task = asyncio.create_task(ticker())
    started = time.monotonic()
    await cache.chart("C1", dt.date(2026, 10, 19), WEEKS, TOPICS, TITLE)
    took = time.monotonic() - started
    task.cancel()
    assert took > 0.05  # a real rendering, long enough to matter
    assert ticks >= 5 and longest < max(0.1, took / 2)


async def test_charts_are_cached_per_scope_week_and_content() -> None:
    cache = ChartCache(size=2)
    week = dt.date(2026, 10, 19)
    first, again = await asyncio.gather(
        cache.chart("C1", week, WEEKS, TOPICS, TITLE),
        cache.chart("C1", week, WEEKS, TOPICS, TITLE),
    )
    assert first is again and cache.renders == 1
    assert (await cache.chart("C1", week, WEEKS, TOPICS, TITLE)) is first
    assert cache.renders == 1
    assert first.filename == "team-C1-2026-10-19.png"
    changed = await cache.chart("C1", week, WEEKS[:2], TOPICS, TITLE)
    assert changed.png != first.png and cache.renders == 2
    await cache.chart("C2", week, WEEKS, TOPICS, TITLE)  # another channel: its own entry
    assert cache.renders == 3 and len(cache) == 2  # bounded: the oldest went
    await cache.chart("C1", week, WEEKS, TOPICS, TITLE)
    assert cache.renders == 4


def team_insights(channel: str | None = "team") -> TeamInsights:
    return TeamInsights(
        workspace_id="W1",
        channel=channel,
        weeks_count=3,
        start=dt.date(2026, 10, 5),
        end=dt.date(2026, 10, 25),
        today=dt.date(2026, 10, 23),
        days_posted=15,
        people_total=0,
        people=[],
        weeks=[
            WeekFigures(start, 4, 5, p, 10, a, 0.5)
            for start, p, a in sorted(WEEKS, key=lambda w: w[0])
        ],
        topics=[
            TopicFigures(title.lower(), title, 2, 1, 0.5, 3, coverage) for title, coverage in TOPICS
        ],
        missed=[],
        misconceptions=[],
        silent_total=0,
    )


async def test_the_team_insights_chart_and_its_message() -> None:
    """The wiring `/drill team` and the weekly post use: the insights' chart, cached per
    workspace, channel and period, as the last block of the message that says its numbers."""
    cache = ChartCache()
    insights = team_insights()
    chart = await cache.team(insights)
    assert chart.filename == "team-W1-team-2026-10-25.png"
    assert chart.png == team_chart(WEEKS, TOPICS, insight_title(insights))
    assert "#team — last 3 weeks" in chart.alt and "Event loop 30%" in chart.alt
    assert await cache.team(team_insights()) is chart and cache.renders == 1
    whole = await cache.team(team_insights(channel=None))
    assert whole.filename == "team-W1-all-2026-10-25.png" and cache.renders == 2
    text = Message("Team insights", blocks=(Section("Participation 75%"),))
    sent = with_chart(text, chart)
    assert sent.blocks == (Section("Participation 75%"), chart.image())
    assert images(sent) == (chart.image(),)
    assert with_chart(text, None) is text


async def test_attach_adds_the_chart_or_leaves_the_message(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    cache = ChartCache()
    text = Message("Team insights", blocks=(Section("Participation 75%"),))
    attached = await cache.attach(text, team_insights())
    assert attached.blocks[:-1] == text.blocks and len(images(attached)) == 1

    def broken(*args: object) -> bytes:
        raise RuntimeError("no fonts")

    monkeypatch.setattr(charts, "draw", broken)
    assert await cache.attach(text, team_insights(channel="other")) is text
    assert "could not draw the team chart" in caplog.text


def test_the_week_line_says_plainly_when_nobody_could_answer() -> None:
    insights = replace(
        team_insights(),
        people_total=3,
        weeks=[
            WeekFigures(dt.date(2026, 10, 5), 0, 0, None, 0, None, None),
            WeekFigures(dt.date(2026, 10, 12), 0, 3, 0.0, 0, None, None),
            WeekFigures(dt.date(2026, 10, 19), 3, 3, 1.0, 6, 0.5, 0.25),
        ],
    )
    text = text_of(team_message(insights))
    assert "Oct 05: no answers; Oct 12: 0/3 answered (0%); " in text
    # Today (Oct 23) is in the last week: it is marked as under way, and last week stands by.
    assert "Oct 19 (so far): 3/3 answered (100%), MCQs right 50%, key points 25%" in text
    assert "Participation this week so far: 100% (last week: 0%)" in text
    assert "MCQ right: share of multiple-choice picks right" in text
    assert "0/0" not in text and "(–)" not in text


async def test_a_chart_not_drawn_in_time_leaves_the_message_as_it_was(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The weekly post waits a bounded time: drawings queue one at a time."""
    gate = threading.Event()

    class Slow(ChartCache):
        def _render(self, *args: Any) -> ChartImage:
            gate.wait(5)
            return super()._render(*args)

    cache = Slow()
    message = Message(text="every number", blocks=(Section("every number"),))
    with caplog.at_level(logging.INFO, logger="drillbot.charts"):
        sent = await cache.attach(message, team_insights(), wait=0.05)
    assert sent == message
    assert "sent without it" in caplog.text
    gate.set()
    # Still drawn, and cached for the next reader.
    later = await cache.attach(message, team_insights(), wait=5)
    assert [b for b in later.blocks if isinstance(b, Image)] != []
    assert cache.renders == 1


async def test_posts_stop_queueing_charts_while_many_are_being_drawn() -> None:
    """Many channels' weekly posts at once: past QUEUE_LIMIT drawings waiting, a post that
    can do without its chart goes without it, and queues nothing more."""
    gate = threading.Event()

    class Slow(ChartCache):
        def _render(self, *args: Any) -> ChartImage:
            gate.wait(5)
            return super()._render(*args)

    cache = Slow()
    message = Message(text="every number", blocks=(Section("every number"),))
    busy = [
        asyncio.ensure_future(cache.team(team_insights(channel=f"c{n}")))
        for n in range(charts.QUEUE_LIMIT)
    ]
    await asyncio.sleep(0)
    sent = await cache.attach(message, team_insights(channel="late"), wait=5)
    assert sent == message
    assert len(cache._pending) == charts.QUEUE_LIMIT  # the late one was not queued
    gate.set()
    await asyncio.gather(*busy)


def test_a_topic_line_names_only_what_was_answered_on_it() -> None:
    insights = replace(
        team_insights(),
        people_total=3,
        topics=[
            TopicFigures("apis", "APIs", 0, 0, None, 3, 0.28),
            TopicFigures("loop", "Event loop", 4, 3, 0.75, 0, None),
            TopicFigures("db", "Data", 2, 1, 0.5, 1, 0.5),
        ],
    )
    text = text_of(team_message(insights))
    assert "• APIs: key points 28% (3 open answers)" in text
    assert "• Event loop: MCQs right 75% (3/4)\n" in text
    assert "• Data: MCQs right 50% (1/2), key points 50% (1 open answer)" in text
    assert "(0/0)" not in text


def test_the_week_under_way_with_no_answer_yet_is_not_drawn_as_a_fall_to_zero() -> None:
    weeks = [
        WeekFigures(dt.date(2026, 10, 12), 3, 3, 1.0, 6, 0.5, 0.25),
        WeekFigures(dt.date(2026, 10, 19), 0, 3, 0.0, 0, None, None),
    ]
    monday = replace(team_insights(), weeks=weeks, today=dt.date(2026, 10, 19))
    assert [p for _, p, _ in charts.insight_points(monday)[0]] == [1.0, None]
    # A week that has ended with nobody answering is a real 0 %, and drawn as one.
    later = replace(monday, today=dt.date(2026, 10, 26))
    assert [p for _, p, _ in charts.insight_points(later)[0]] == [1.0, 0.0]


def test_participation_says_so_when_nobody_was_active_in_the_pool_weeks() -> None:
    weeks = [
        WeekFigures(dt.date(2026, 11, 23), 0, 0, None, 0, None, None),
        WeekFigures(dt.date(2026, 11, 30), 0, 0, None, 0, None, None),
    ]
    quiet = replace(team_insights(), people_total=3, weeks=weeks, today=dt.date(2026, 12, 1))
    text = text_of(team_message(quiet))
    assert "Participation this week so far: nobody answered in 4 weeks." in text
    assert "(last week" not in text
