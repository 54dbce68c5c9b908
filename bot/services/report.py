"""`drillbot report`: team insights as a table, CSV, JSON or one self-contained HTML page.

Pure formatting of ``bot.domain.insights.TeamInsights``; nothing here reads the store. The
JSON shape is documented in the README ("Team report") and kept stable: keys are only ever
added. Ratios are numbers from 0 to 1 rounded to 3 places (null where nothing was answered).
The HTML page has no script, no external link and no font to fetch; its chart, when given,
is inlined as a ``data:`` URI. No answer text is ever part of a report.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
from typing import Any

from bot.domain.insights import TeamInsights, percent
from bot.services.insight_views import LEGEND, participation_parts

FORMATS = ("table", "csv", "json", "html")

PEOPLE_FIELDS = (
    "name",
    "days_answered",
    "days_posted",
    "accuracy",
    "coverage",
    "current_streak",
    "best_streak",
    "trend",
)
"""The columns of the CSV report (its header even when no row follows) and each person's keys
in the JSON report."""


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def report_data(t: TeamInsights) -> dict[str, Any]:
    """The JSON report, as a dict (see the README for its shape)."""
    return {
        "workspace": t.workspace_id,
        "channel": t.channel,
        "weeks": t.weeks_count,
        "start": t.start.isoformat(),
        "end": t.end.isoformat(),
        "today": t.today.isoformat(),
        "days_posted": t.days_posted,
        "people_total": t.people_total,
        "participation": _r(t.participation),
        "people": [
            {
                "name": p.name,
                "days_answered": p.days_answered,
                "days_posted": p.days_posted,
                "accuracy": _r(p.accuracy),
                "coverage": _r(p.coverage),
                "current_streak": p.current_streak,
                "best_streak": p.best_streak,
                "trend": _r(p.trend),
            }
            for p in t.people
        ],
        "weekly": [
            {
                "week_start": w.week_start.isoformat(),
                "active": w.active,
                "pool": w.pool,
                "participation": _r(w.participation),
                "answers": w.answers,
                "accuracy": _r(w.accuracy),
                "coverage": _r(w.coverage),
            }
            for w in t.weeks
        ],
        "topics": [
            {
                "topic": tp.topic,
                "title": tp.title,
                "mcq_answers": tp.mcq_answers,
                "mcq_correct": tp.mcq_correct,
                "accuracy": _r(tp.accuracy),
                "open_answers": tp.open_answers,
                "coverage": _r(tp.coverage),
            }
            for tp in t.topics
        ],
        "missed_key_points": [
            {
                "item_id": m.item_id,
                "question": m.question,
                "key_point": m.key_point,
                "count": m.count,
            }
            for m in t.missed
        ],
        "misconceptions": [
            {"item_id": m.item_id, "question": m.question, "mistake": m.mistake, "count": m.count}
            for m in t.misconceptions
        ],
        "silent_total": t.silent_total,
        "silent": [{"name": s.name, "last_date": s.last_date.isoformat()} for s in t.silent],
    }


def report_json(t: TeamInsights) -> str:
    return json.dumps(report_data(t), indent=2, ensure_ascii=False) + "\n"


def report_csv(t: TeamInsights) -> str:
    """One row per person (the header even when nobody answered)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=PEOPLE_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in report_data(t)["people"]:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue()


def _title(t: TeamInsights) -> str:
    scope = f"#{t.channel}" if t.channel else f"workspace {t.workspace_id}"
    return f"Team report · {scope} · {t.start.isoformat()} to {t.end.isoformat()}"


def _participation_line(t: TeamInsights) -> str:
    label, rate, note = participation_parts(t)
    return f"{label.lower()}: {rate}{note}"


def report_table(t: TeamInsights) -> str:
    lines = [_title(t)]
    lines.append(
        f"{_participation_line(t)} · drill days posted "
        f"{t.days_posted} · people who answered {t.people_total}"
    )
    lines.append("")
    lines.append(
        f"{'name':<24} {'days':>7} {'MCQ right':>9} {'key points':>10} {'streak':>6} {'best':>4} "
        "trend"
    )
    for p in t.people:
        trend = "–" if p.trend is None else f"{p.trend_word} {round(p.trend * 100):+d}"
        lines.append(
            f"{p.name[:24]:<24} {f'{p.days_answered}/{p.days_posted}':>7} "
            f"{percent(p.accuracy):>9} {percent(p.coverage):>10} {p.current_streak:>6} "
            f"{p.best_streak:>4} {trend}"
        )
    if not t.people:
        lines.append("no answers in this period")
    else:
        lines.append(f"({LEGEND})")
    lines += ["", "week        answered  participation  MCQ right  key points"]
    for w in t.weeks:
        lines.append(
            f"{w.week_start.isoformat()}  {f'{w.active}/{w.pool}':>8}  "
            f"{percent(w.participation):>13}  {percent(w.accuracy):>9}  {percent(w.coverage):>10}"
        )
    if t.topics:
        lines += ["", "topics, weakest first"]
        for tp in t.topics:
            lines.append(
                f"  {tp.title}: MCQs right {percent(tp.accuracy)} "
                f"({tp.mcq_correct}/{tp.mcq_answers}), key points {percent(tp.coverage)} "
                f"({tp.open_answers} open answers)"
            )
    if t.missed:
        lines += ["", "key points missed most"]
        lines += [f"  {m.count}x {m.key_point} ({m.question})" for m in t.missed]
    if t.misconceptions:
        lines += ["", "misconceptions shown most"]
        lines += [f"  {m.count}x {m.mistake} ({m.question})" for m in t.misconceptions]
    if t.silent_total:
        lines += ["", f"no answer for two weeks ({t.silent_total})"]
        lines += [f"  {s.name} (last {s.last_date.isoformat()})" for s in t.silent]
    return "\n".join(lines) + "\n"


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;padding:1rem;
color:#222;max-width:60rem;margin:auto;line-height:1.4}
h1{font-size:1.3rem}h2{font-size:1.1rem;margin-top:1.5rem}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{padding:.3rem .5rem;border-bottom:1px solid #ddd;text-align:left;white-space:nowrap}
td.n{text-align:right;font-variant-numeric:tabular-nums}
img{max-width:100%;height:auto}.muted{color:#666;font-size:.85rem}
"""


def _num(value: float | int | None, ratio: bool = False) -> str:
    """A cell: ratios as a percentage with the exact number in ``data-value`` (the JSON's)."""
    if value is None:
        return '<td class="n">–</td>'
    if ratio:
        return f'<td class="n" data-value="{value}">{percent(value)}</td>'
    return f'<td class="n">{value}</td>'


def _table(headers: tuple[str, ...], rows: list[str]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(f"<tr>{r}</tr>" for r in rows)
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def report_html(t: TeamInsights, chart_png: bytes | None = None) -> str:
    """One self-contained page (no script, nothing fetched), readable on a phone."""
    d = report_data(t)
    e = html.escape
    label, rate, note = participation_parts(t)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(_title(t))}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(_title(t))}</h1>",
        f'<p>{e(label)}: <span data-value="{d["participation"]}">'
        f"{e(rate)}</span>{e(note)}. Drill days posted: {d['days_posted']}. "
        f"People who answered: {d['people_total']}. Weeks: {d['weeks']}.</p>",
    ]
    # CHART HOOK: the chart (bot.services.charts) is inlined here as a data: URI when given.
    if chart_png is not None:
        uri = "data:image/png;base64," + base64.b64encode(chart_png).decode("ascii")
        parts.append(
            f'<p><img src="{uri}" alt="Participation and accuracy per week, coverage per '
            'topic (every figure is in the tables below)"></p>'
        )
    parts.append("<h2>Per week</h2>")
    parts.append(
        _table(
            ("week", "answered", "of", "participation", "answers", "MCQ right", "key points"),
            [
                f"<td>{e(w['week_start'])}</td>{_num(w['active'])}{_num(w['pool'])}"
                f"{_num(w['participation'], True)}{_num(w['answers'])}"
                f"{_num(w['accuracy'], True)}{_num(w['coverage'], True)}"
                for w in d["weekly"]
            ],
        )
    )
    parts.append("<h2>People</h2>")
    if d["people"]:
        parts.append(
            _table(
                ("name", "days", "of", "MCQ right", "key points", "streak", "best", "trend"),
                [
                    f"<td>{e(p['name'])}</td>{_num(p['days_answered'])}{_num(p['days_posted'])}"
                    f"{_num(p['accuracy'], True)}{_num(p['coverage'], True)}"
                    f"{_num(p['current_streak'])}{_num(p['best_streak'])}"
                    + (
                        '<td class="n">–</td>'
                        if p["trend"] is None
                        else f'<td class="n" data-value="{p["trend"]}">'
                        f"{round(p['trend'] * 100):+d} pts</td>"
                    )
                    for p in d["people"]
                ],
            )
        )
        parts.append(f'<p class="muted">{e(LEGEND[0].upper() + LEGEND[1:])}.</p>')
    else:
        parts.append("<p>No answers in this period.</p>")
    if d["topics"]:
        parts.append("<h2>Topics, weakest first</h2>")
        parts.append(
            _table(
                ("topic", "MCQs right", "MCQs", "share right", "open answers", "key points"),
                [
                    f"<td>{e(tp['title'])}</td>{_num(tp['mcq_correct'])}{_num(tp['mcq_answers'])}"
                    f"{_num(tp['accuracy'], True)}{_num(tp['open_answers'])}"
                    f"{_num(tp['coverage'], True)}"
                    for tp in d["topics"]
                ],
            )
        )
    for key, title, what in (
        ("missed_key_points", "Key points missed most", "key_point"),
        ("misconceptions", "Misconceptions shown most", "mistake"),
    ):
        if d[key]:
            parts.append(f"<h2>{title}</h2><ul>")
            parts += [
                f"<li>{m['count']}× {e(m[what])} — <i>{e(m['question'])}</i></li>" for m in d[key]
            ]
            parts.append("</ul>")
    parts.append(f"<h2>No answer for two weeks ({d['silent_total']})</h2>")
    if d["silent"]:
        parts.append("<ul>")
        parts += [f"<li>{e(s['name'])} (last {e(s['last_date'])})</li>" for s in d["silent"]]
        parts.append("</ul>")
    parts.append(
        '<p class="muted">Answers themselves are never part of a report. People who opted out '
        "appear as “someone”.</p></body></html>"
    )
    return "\n".join(parts) + "\n"
