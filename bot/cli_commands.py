"""Sub-commands beyond `content`: grade, run, db, leaderboard."""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import io
import json
import sys
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.content.loader import ContentError, load_library
from bot.domain.grading import grade
from bot.domain.items import OpenQuestion
from bot.services.views import coverage_words


def _grade(args: argparse.Namespace) -> int:
    try:
        library = load_library()
    except ContentError as exc:
        print(exc, file=sys.stderr)
        return 1
    question = library.get(args.question_id)
    if not isinstance(question, OpenQuestion):
        known = ", ".join(sorted(q.id for q in library.open_questions()))
        what = "is not an open question" if question else "is not a known question id"
        print(
            f"drillbot grade: {args.question_id!r} {what}; open questions: {known}", file=sys.stderr
        )
        return 2
    if args.answer_file:
        try:
            answer = Path(args.answer_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"drillbot grade: cannot read {args.answer_file}: {exc}", file=sys.stderr)
            return 2
    else:
        answer = sys.stdin.read()
    if not answer.strip():
        print("drillbot grade: the answer is empty", file=sys.stderr)
        return 2
    result = grade(question, answer)
    if args.json:
        payload = {
            "question_id": question.id,
            "score": result.score,
            # The chat's terms: "key points covered: k of n", and why the score was lowered.
            "key_points_covered": len(result.covered),
            "key_points": len(question.key_points),
            "covered": list(result.covered),
            "missed": list(result.missed),
            "mistakes": list(result.mistakes),
            "reason": result.reason,
        }
        print(json.dumps(payload))
        return 0
    texts = {p.id: p.text for p in question.key_points}
    print(
        f"{question.title}\n"
        f"{coverage_words(len(result.covered), len(question.key_points))} · "
        f"score {result.score:.0%} ({result.score:.3f})"
    )
    if result.reason:
        print(f"  why: {result.reason}")
    for pid in result.covered:
        print(f"  covered  {pid}: {texts[pid]}")
    for pid in result.missed:
        print(f"  missed   {pid}: {texts[pid]}")
    mistakes = {m.id: m.text for m in question.mistakes}
    for mid in result.mistakes:
        print(f"  mistake  {mid}: {mistakes[mid]}")
    return 0


def _zone(text: str) -> str:
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an IANA time zone (e.g. Europe/Berlin, UTC)"
        ) from None
    return text


def _start(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date and time; use e.g. 2026-11-30T08:00"
        ) from None


def _run(args: argparse.Namespace) -> int:
    from bot.bootstrap import (
        ConsoleOptions,
        StartupError,
        configure_logging,
        log_to_file,
        run_console,
    )
    from bot.config import Settings

    settings = Settings()
    if args.port:
        settings = settings.model_copy(update={"port": args.port})
    configure_logging(settings)
    platforms = (args.platform,) if args.platform else settings.platforms()
    platform = platforms[0]
    try:
        if platform == "console":
            log_to_file(settings)
            start = args.start
            if start is not None and start.tzinfo is None:
                start = start.replace(tzinfo=ZoneInfo(args.tz))
            return asyncio.run(
                run_console(settings, ConsoleOptions(start, args.tz), sys.stdin, sys.stdout)
            )
        if len(platforms) > 1:
            from bot.adapters.both import run_both

            return asyncio.run(run_both(settings))
        if platform == "slack":
            from bot.adapters.slack.main import run_slack

            return asyncio.run(run_slack(settings))
        from bot.adapters.discord.main import run_discord

        return asyncio.run(run_discord(settings))
    except StartupError as exc:
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0


LEADERBOARD_FIELDS = (
    "rank",
    "user",
    "name",
    "points",
    "answers",
    "correct",
    "accuracy",
    "current_streak",
    "best_streak",
    "incident_points",
)
"""The columns of `drillbot leaderboard --format csv` (its header even when no row follows) and
the keys of each `--format json` record."""


def _period(text: str) -> str:
    # The chat's `leaderboard` words, from the one list, so both take the same names.
    from bot.domain.commands import PERIOD_ALIASES, leaderboard_period

    period = leaderboard_period(text)
    if period is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a leaderboard period; use one of {', '.join(PERIOD_ALIASES)}"
        )
    return period


def _leaderboard(args: argparse.Namespace) -> int:
    import logging

    from bot.bootstrap import StartupError, configure_logging
    from bot.config import Settings
    from bot.domain.standings import incident_practice, placed
    from bot.leaderboard_cli import leaderboard_rows
    from bot.services.views import accuracy_text

    if args.json and args.format not in (None, "json"):
        print(
            f"drillbot leaderboard: --json and --format {args.format} ask for two formats; "
            "give one of them",
            file=sys.stderr,
        )
        return 2
    output = "json" if args.json else (args.format or "table")
    settings = Settings()
    configure_logging(settings)
    if logging.getLogger().getEffectiveLevel() >= logging.INFO:
        # Opening the store checks the schema, and Alembic reports that at INFO on every run:
        # noise on the stderr of a report meant for a pipe. LOG_LEVEL=debug still shows it.
        logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        rows, scope = asyncio.run(
            leaderboard_rows(settings, args.workspace, args.channel, args.period)
        )
    except (StartupError, LookupError) as exc:
        print(f"drillbot leaderboard: {exc}", file=sys.stderr)
        return 1
    places = placed(rows)
    rank_of = {r.person_id: n for n, r in places}
    records = [
        {
            "rank": rank_of.get(r.person_id),
            "user": r.user,
            "name": r.display_name,
            "points": r.points,
            "answers": r.answers,
            "correct": r.correct,
            "accuracy": None if r.accuracy is None else round(r.accuracy, 3),
            "current_streak": r.current_streak,
            "best_streak": r.best_streak,
            "incident_points": r.incident_points,
        }
        for r in rows
    ]
    if output == "json":
        print(json.dumps(records, indent=2))
    elif output == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=LEADERBOARD_FIELDS)
        writer.writeheader()
        writer.writerows(records)
        print(buffer.getvalue(), end="")
    else:
        print(f"Leaderboard · {args.period} · {scope}")
        if not places:
            print("no answers in this period")
        for n, r in places:
            print(
                f"{n:>3}. {r.display_name:<20} {r.points:>5} pts  "
                f"{r.answers:>3} answers  {accuracy_text(r)} accuracy  "
                f"streak {r.current_streak} (best {r.best_streak})"
            )
        incident = incident_practice(rows)
        if incident:
            print(
                "Incident practice (kept apart): "
                + ", ".join(f"{r.display_name} {r.incident_points}" for r in incident)
            )
    return 0


def _report(args: argparse.Namespace) -> int:
    import logging

    from bot.bootstrap import StartupError, configure_logging
    from bot.config import Settings
    from bot.domain.insights import WeeksError, parse_weeks
    from bot.report_cli import chart_png, team_report
    from bot.services import report

    try:
        weeks = parse_weeks(args.weeks)
    except WeeksError as exc:
        print(f"drillbot report: {exc}", file=sys.stderr)
        return 1
    settings = Settings()
    configure_logging(settings)
    if logging.getLogger().getEffectiveLevel() >= logging.INFO:
        logging.getLogger("alembic").setLevel(logging.WARNING)  # as `leaderboard`
    try:
        insights = asyncio.run(team_report(settings, args.workspace, args.channel, weeks))
    except (StartupError, LookupError) as exc:
        print(f"drillbot report: {exc}", file=sys.stderr)
        return 1
    if args.format == "json":
        out = report.report_json(insights)
    elif args.format == "csv":
        out = report.report_csv(insights)
    elif args.format == "html":
        out = report.report_html(insights, chart_png(insights))
    else:
        out = report.report_table(insights)
    if args.output:
        try:
            Path(args.output).write_text(out, encoding="utf-8")
        except OSError as exc:
            print(f"drillbot report: cannot write {args.output}: {exc}", file=sys.stderr)
            return 1
    else:
        sys.stdout.write(out)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    grader = sub.add_parser("grade", help="grade an open answer (stdin, or --answer-file)")
    grader.add_argument("question_id", metavar="QUESTION_ID")
    grader.add_argument("--answer-file", metavar="FILE")
    grader.add_argument("--json", action="store_true")
    grader.set_defaults(func=_grade)

    run = sub.add_parser(
        "run", help="run the bot (the console channel when no Slack/Discord credentials are set)"
    )
    run.add_argument("--platform", choices=("console", "slack", "discord"))
    run.add_argument(
        "--start", type=_start, help="console: the clock's start, e.g. 2026-11-30T08:00"
    )
    run.add_argument("--tz", type=_zone, default="UTC", help="console: the channel's time zone")
    run.add_argument(
        "--port", type=int, help="HTTP port (Slack over HTTP, /healthz); default $PORT or 3000"
    )
    run.set_defaults(func=_run)

    board = sub.add_parser("leaderboard", help="print a leaderboard for a team lead")
    board.add_argument("--workspace", help="workspace id (default: the only one, or console)")
    board.add_argument("--channel", help="channel id or name (default: the whole workspace)")
    board.add_argument(
        "--period",
        type=_period,
        default="this-week",
        metavar="PERIOD",
        help="this-week (default), last-week, month or all; the chat's words work too "
        "(week, last, this-month, all-time)",
    )
    board.add_argument(
        "--format", choices=("table", "csv", "json"), help="table (default), csv or json"
    )
    board.add_argument("--json", action="store_true", help="the same as --format json")
    board.set_defaults(func=_leaderboard)

    team = sub.add_parser("report", help="the team's insights for a lead: table, csv, json, html")
    team.add_argument("--workspace", help="workspace id (default: the only one)")
    team.add_argument("--channel", help="channel id or name (default: the whole workspace)")
    team.add_argument("--weeks", default="4", help="weeks to cover, 1 to 26 (default 4)")
    team.add_argument(
        "--format", choices=("table", "csv", "json", "html"), default="table", help="default table"
    )
    team.add_argument("--output", metavar="FILE", help="write the report here, not to stdout")
    team.set_defaults(func=_report)

    from bot.forget_cli import register as register_forget

    register_forget(sub)

    from bot.adapters.discord.cli import register as register_discord

    register_discord(sub)

    try:
        from bot.db.cli import register as register_db
    except ImportError:  # the storage package is being assembled
        return
    register_db(sub)
