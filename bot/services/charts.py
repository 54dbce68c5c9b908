"""The team chart: participation and accuracy per week, coverage per topic, as one PNG.

Drawn with matplotlib on its Agg canvas (``Figure`` + ``FigureCanvasAgg``): no ``pyplot``, so
no global figure manager, no GUI backend and nothing shared between two renderings. A
rendering takes a few hundred milliseconds of CPU, so :class:`ChartCache` runs it in a worker
thread (``asyncio.to_thread``), one at a time, and remembers the last ``ChartCache.size``
charts per (channel or workspace, week, content): the weekly post and every lead's
``/drill team`` of the same week share one rendering.

The same input always gives the same bytes (no timestamp, no software version in the PNG), so
a chart can be cached, compared and tested. The chart is never the only place a number lives:
the message it goes with carries every figure as text, and ``ChartImage.alt`` says them again
for screen readers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from bot.domain.insights import TeamInsights, under_way
from bot.messaging.message import Image, Message

if TYPE_CHECKING:  # matplotlib itself is imported on the first drawing: it takes a while
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WeekPoint = tuple[dt.date, float | None, float | None]
"""(week start, participation 0..1, accuracy 0..1); None where nobody could or did answer."""
TopicPoint = tuple[str, float | None]
"""(topic title, key-point coverage 0..1); None where nothing was answered on it."""

WIDTH_PX = 1200
HEIGHT_PX = 700
DPI = 100
MAX_TOPICS = 15
"""Topics drawn at most (the weakest); the alt text and the message name the rest."""
QUEUE_LIMIT = 4
"""Drawings waiting at most before a post that can do without its chart stops asking."""
MIN_TOPIC_ROWS = 6
"""Bar slots the topic panel always has, however few topics there are."""
TOPIC_LABEL = 30
"""Longest topic title on the chart, in characters."""

# Okabe & Ito's palette, readable with every common colour-vision deficiency; the two lines
# also differ by marker and dash, so they can be told apart in grey.
BLUE = "#0072B2"
ORANGE = "#E69F00"
VERMILLION = "#D55E00"
SKY = "#56B4E9"
GREY = "#666666"
WEAK = 0.5
"""Coverage below this draws its bar in vermillion instead of sky blue."""
log = logging.getLogger("drillbot.charts")
_DRAWING = threading.Lock()
"""One drawing at a time in the process: matplotlib's font cache and text layout are shared
between figures and not made for threads."""


def _team_chart_input(
    insights: TeamInsights,
) -> tuple[str, list[WeekPoint], list[TopicPoint], str]:
    """(cache scope, weeks, topics, title) of the insights' chart."""
    weeks, topics = insight_points(insights)
    scope = f"{insights.workspace_id}-{insights.channel or 'all'}"
    return scope, list(weeks), list(topics), insight_title(insights)


@dataclass(frozen=True)
class ChartImage:
    png: bytes
    alt: str
    filename: str

    def image(self) -> Image:
        """As a block of the message model."""
        return Image(self.png, self.alt, self.filename)

    def __repr__(self) -> str:
        return f"ChartImage({self.filename!r}, {len(self.png)} bytes)"


@dataclass(frozen=True)
class ChartSeries:
    """What is drawn, in percent (None: a gap in a line, "no data" for a bar)."""

    weeks: tuple[str, ...]
    participation: tuple[float | None, ...]
    accuracy: tuple[float | None, ...]
    topics: tuple[str, ...]
    """Weakest first, then those without data; at most ``MAX_TOPICS``."""
    coverage: tuple[float | None, ...]
    hidden_topics: int = 0
    """Topics left off the chart (the strongest)."""


def _percent(share: float | None) -> float | None:
    if share is None or math.isnan(share):
        return None
    return round(max(0.0, min(1.0, share)) * 100, 1)


def week_label(start: dt.date) -> str:
    return f"{start.day} {start:%b}"


def chart_series(weeks: Sequence[WeekPoint], topics: Sequence[TopicPoint]) -> ChartSeries:
    """The series the chart draws: weeks oldest first, topics weakest first."""
    ordered_weeks = sorted(weeks, key=lambda week: week[0])
    ranked = sorted(
        topics,
        key=lambda topic: (topic[1] is None, topic[1] if topic[1] is not None else 0.0, topic[0]),
    )
    shown = ranked[:MAX_TOPICS]
    return ChartSeries(
        weeks=tuple(week_label(start) for start, _, _ in ordered_weeks),
        participation=tuple(_percent(p) for _, p, _ in ordered_weeks),
        accuracy=tuple(_percent(a) for _, _, a in ordered_weeks),
        topics=tuple(title for title, _ in shown),
        coverage=tuple(_percent(c) for _, c in shown),
        hidden_topics=len(ranked) - len(shown),
    )


def _shown(value: float | None) -> str:
    return "no data" if value is None else f"{value:.0f}%"


def chart_alt(series: ChartSeries, title: str) -> str:
    """The chart in words, every number it draws."""
    parts = [f"Chart: {title}."]
    if series.weeks:
        parts.append(
            "Participation per week: "
            + ", ".join(
                f"{w} {_shown(p)}" for w, p in zip(series.weeks, series.participation, strict=True)
            )
            + "."
        )
        parts.append(
            "MCQs right per week: "
            + ", ".join(
                f"{w} {_shown(a)}" for w, a in zip(series.weeks, series.accuracy, strict=True)
            )
            + "."
        )
    else:
        parts.append("No weeks to show.")
    if series.topics:
        parts.append(
            "Key-point coverage per topic, weakest first: "
            + ", ".join(
                f"{t} {_shown(c)}" for t, c in zip(series.topics, series.coverage, strict=True)
            )
            + (f", and {series.hidden_topics} more." if series.hidden_topics else ".")
        )
    else:
        parts.append("No topics answered yet.")
    return " ".join(parts)


def content_hash(weeks: Sequence[WeekPoint], topics: Sequence[TopicPoint], title: str) -> str:
    """A digest of everything the chart shows: equal input, equal digest."""
    series = chart_series(weeks, topics)
    return hashlib.sha256(repr((title, series)).encode()).hexdigest()[:32]


def _label(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= TOPIC_LABEL else flat[: TOPIC_LABEL - 1] + "…"


def _nan(values: Sequence[float | None]) -> list[float]:
    return [math.nan if v is None else v for v in values]


def _plain(ax: Axes, grid: Literal["x", "y"]) -> None:
    """Light grid lines behind the data, no box."""
    ax.grid(axis=grid, color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _say(ax: Axes, text: str) -> None:
    """A panel with nothing to draw says so in its middle."""
    ax.text(
        0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=12, color=GREY
    )


def _draw_weeks(fig: Figure, series: ChartSeries) -> None:
    from matplotlib.ticker import PercentFormatter

    ax = fig.add_subplot(1, 2, 1)
    ax.set_title("Participation and MCQs right per week", fontsize=13, loc="left")
    ax.set_ylim(0, 105)
    ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    _plain(ax, grid="y")
    if not series.weeks:
        ax.set_xticks([])
        _say(ax, "No drills in these weeks")
        return
    x = list(range(len(series.weeks)))
    ax.plot(
        x,
        _nan(series.participation),
        color=BLUE,
        marker="o",
        markersize=7,
        linewidth=2.5,
        label="Participation",
    )
    ax.plot(
        x,
        _nan(series.accuracy),
        color=ORANGE,
        marker="s",
        markersize=7,
        linewidth=2.5,
        linestyle="--",
        label="MCQs right",
    )
    ax.set_xticks(x, list(series.weeks), fontsize=10)
    ax.set_xlim(-0.5, len(x) - 0.5)
    ax.set_xlabel("Week starting", fontsize=11)
    ax.tick_params(axis="y", labelsize=10)
    ax.legend(loc="lower left", fontsize=11, frameon=False)


def _draw_topics(fig: Figure, series: ChartSeries) -> None:
    from matplotlib.ticker import PercentFormatter

    ax = fig.add_subplot(1, 2, 2)
    heading = "Key-point coverage per topic (weakest first)"
    if series.hidden_topics:
        heading += f", {series.hidden_topics} more not shown"
    ax.set_title(heading, fontsize=13, loc="left")
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    _plain(ax, grid="x")
    if not series.topics:
        ax.set_yticks([])
        _say(ax, "No topics answered yet")
        return
    y = list(range(len(series.topics)))
    values = [c or 0.0 for c in series.coverage]
    colours = [SKY if c is not None and c >= WEAK * 100 else VERMILLION for c in series.coverage]
    ax.barh(y, values, color=colours, height=0.65)
    for row, value in zip(y, series.coverage, strict=True):
        ax.text((value or 0.0) + 1.5, row, _shown(value), va="center", fontsize=10)
    ax.set_yticks(y, [_label(t) for t in series.topics], fontsize=10)
    # The weakest on top, and room for at least MIN_TOPIC_ROWS bars: one topic is one bar of
    # the usual thickness, not a block filling the panel.
    ax.set_ylim(max(len(y), MIN_TOPIC_ROWS) - 0.5, -0.5)
    ax.tick_params(axis="x", labelsize=10)


def draw(series: ChartSeries, title: str) -> bytes:
    """The PNG of ``series``: ``WIDTH_PX`` × ``HEIGHT_PX``, byte for byte the same each time."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with _DRAWING:
        fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor="white")
        FigureCanvasAgg(fig)
        fig.set_layout_engine("constrained")
        fig.suptitle(title, fontsize=16, fontweight="bold")
        _draw_weeks(fig, series)
        _draw_topics(fig, series)
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
        return out.getvalue()


def team_chart(weeks: Sequence[WeekPoint], topics: Sequence[TopicPoint], title: str) -> bytes:
    """The team chart as PNG bytes (blocking: call it through :class:`ChartCache`, or
    ``asyncio.to_thread``, from async code)."""
    return draw(chart_series(weeks, topics), title)


def chart_image(
    weeks: Sequence[WeekPoint],
    topics: Sequence[TopicPoint],
    title: str,
    filename: str = "team-chart.png",
) -> ChartImage:
    """The chart with its alt text (blocking, as :func:`team_chart`)."""
    series = chart_series(weeks, topics)
    return ChartImage(draw(series, title), chart_alt(series, title), filename)


def chart_filename(scope: str, week: dt.date) -> str:
    """``team-<scope>-<week>.png``, with only safe characters."""
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in scope)[:40] or "team"
    return f"team-{safe}-{week.isoformat()}.png"


def with_chart(message: Message, chart: ChartImage | None) -> Message:
    """``message`` with the chart as its last block (unchanged without one)."""
    if chart is None:
        return message
    return replace(message, blocks=(*message.blocks, chart.image()))


def insight_points(insights: TeamInsights) -> tuple[list[WeekPoint], list[TopicPoint]]:
    """What the chart draws of a team's insights: (week, participation, accuracy) per week and
    (topic title, coverage) per topic."""
    # The week under way with nobody's answer yet (its Monday morning) is not drawn as a fall
    # to 0 %: the text says "so far" beside it, a line cannot.
    weeks = [
        (
            w.week_start,
            None if w.active == 0 and under_way(w.week_start, insights.today) else w.participation,
            w.accuracy,
        )
        for w in insights.weeks
    ]
    topics = [(t.title, t.coverage) for t in insights.topics]
    return weeks, topics


def insight_title(insights: TeamInsights) -> str:
    where = f"#{insights.channel}" if insights.channel else "The whole team"
    span = "this week" if insights.weeks_count == 1 else f"last {insights.weeks_count} weeks"
    return f"{where} — {span} (to {insights.end:%d %b %Y})"


class ChartCache:
    """Charts rendered off the event loop and remembered per (scope, week, content).

    ``scope`` is the channel (or the workspace) the chart is about, ``week`` the week it was
    made for. Renderings run one at a time in a worker thread; a second request for a chart
    being rendered waits for the first instead of rendering it again. At most ``size`` charts
    are kept, the least recently used dropped first."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self.renders = 0
        """Charts actually drawn (the rest came from the cache)."""
        self._charts: OrderedDict[tuple[str, dt.date, str], ChartImage] = OrderedDict()
        self._pending: dict[tuple[str, dt.date, str], asyncio.Future[ChartImage]] = {}

    def __len__(self) -> int:
        return len(self._charts)

    async def chart(
        self,
        scope: str,
        week: dt.date,
        weeks: Sequence[WeekPoint],
        topics: Sequence[TopicPoint],
        title: str,
    ) -> ChartImage:
        weeks, topics = tuple(weeks), tuple(topics)
        key = (scope, week, content_hash(weeks, topics, title))
        cached = self._charts.get(key)
        if cached is not None:
            self._charts.move_to_end(key)
            return cached
        pending = self._pending.get(key)
        if pending is None:
            pending = asyncio.ensure_future(
                asyncio.to_thread(self._render, weeks, topics, title, chart_filename(scope, week))
            )
            self._pending[key] = pending
            pending.add_done_callback(lambda done: self._finished(key, done))
        return await asyncio.shield(pending)

    async def team(self, insights: TeamInsights) -> ChartImage:
        """The chart of ``/drill team`` and the weekly post: cached per workspace and channel
        (or the whole workspace) and the period's last day."""
        scope, weeks, topics, title = _team_chart_input(insights)
        return await self.chart(scope, insights.end, weeks, topics, title)

    async def attach(
        self, message: Message, insights: TeamInsights, wait: float | None = None
    ) -> Message:
        """``message`` (which says every number) with the insights' chart as its last block;
        unchanged, and the failure logged, when the chart cannot be drawn, or is not drawn
        within ``wait`` seconds (it is still drawn, and cached, for the next reader). With
        ``wait``, a chart not drawn yet is not even queued while ``QUEUE_LIMIT`` drawings wait:
        many channels' weekly posts at once must not queue minutes of drawing."""
        if wait is not None and len(self._pending) >= QUEUE_LIMIT:
            scope, weeks, topics, title = _team_chart_input(insights)
            if (scope, insights.end, content_hash(weeks, topics, title)) not in self._charts:
                log.info("%d charts being drawn: a post goes without its chart", QUEUE_LIMIT)
                return message
        try:
            chart = await asyncio.wait_for(asyncio.shield(self.team(insights)), wait)
        except TimeoutError:
            log.info(
                "the team chart of %s took over %.0f s: sent without it",
                insights.workspace_id,
                wait,
            )
            return message
        except Exception:
            log.exception("could not draw the team chart of %s", insights.workspace_id)
            return message
        return with_chart(message, chart)

    def _render(
        self,
        weeks: Sequence[WeekPoint],
        topics: Sequence[TopicPoint],
        title: str,
        filename: str,
    ) -> ChartImage:
        self.renders += 1
        return chart_image(weeks, topics, title, filename)

    def _finished(self, key: tuple[str, dt.date, str], done: asyncio.Future[ChartImage]) -> None:
        self._pending.pop(key, None)
        if done.cancelled() or done.exception() is not None:
            return
        self._charts[key] = done.result()
        self._charts.move_to_end(key)
        while len(self._charts) > self.size:
            self._charts.popitem(last=False)
