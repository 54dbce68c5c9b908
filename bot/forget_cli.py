"""`drillbot forget --workspace W --user U [--yes]`: a deletion request.

Deletes everything drillbot keeps about one person (``Tx.forget_person``: answers, week totals,
streaks, away periods, practice, review cards, reminder, incident sessions, lead and
listed-admin rows, the person) in one transaction, after asking on stderr unless ``--yes``.
Nothing goes to stdout but the summary: one ``table count`` line per table, so a script can
keep it as the request's record.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import TextIO

from bot.config import Settings
from bot.services.store import FORGET_TABLES


class NotFound(LookupError):
    pass


async def forget(
    settings: Settings, workspace: str, user: str, confirm: bool, answer: TextIO
) -> dict[str, int] | None:
    """What was removed, by table; None when the person declined at the prompt."""
    from bot.bootstrap import open_configured_store

    store = await open_configured_store(settings)
    try:
        async with store.transaction(read_only=True) as tx:
            person = await tx.find_person(workspace, user)
        if person is None:
            raise NotFound(f"no person {user!r} in workspace {workspace!r}; nothing was deleted")
        if confirm:
            print(
                f"Delete everything drillbot keeps about {person.display_name} ({user}) in "
                f"{workspace}: answers, streaks, away days, sessions? This cannot be undone. "
                "[y/N] ",
                end="",
                file=sys.stderr,
                flush=True,
            )
            reply = answer.readline().strip().lower()
            if reply not in ("y", "yes"):
                return None
        async with store.transaction() as tx:
            return await tx.forget_person(person.id)
    finally:
        await store.close()


def summary(workspace: str, user: str, removed: dict[str, int]) -> str:
    lines = [f"forgot {user} in {workspace}"]
    lines += [f"{table} {removed.get(table, 0)}" for table in FORGET_TABLES]
    return "\n".join(lines) + "\n"


def _forget(args: argparse.Namespace) -> int:
    from bot.bootstrap import StartupError, configure_logging

    settings = Settings()
    configure_logging(settings)
    if logging.getLogger().getEffectiveLevel() >= logging.INFO:
        logging.getLogger("alembic").setLevel(logging.WARNING)  # as `leaderboard`
    try:
        removed = asyncio.run(forget(settings, args.workspace, args.user, not args.yes, sys.stdin))
    except (StartupError, LookupError) as exc:
        print(f"drillbot forget: {exc}", file=sys.stderr)
        return 1
    if removed is None:
        print("drillbot forget: nothing was deleted", file=sys.stderr)
        return 1
    sys.stdout.write(summary(args.workspace, args.user, removed))
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    forget = sub.add_parser(
        "forget", help="delete everything kept about one person (a deletion request)"
    )
    forget.add_argument("--workspace", required=True, help="the person's workspace id")
    forget.add_argument("--user", required=True, help="the person's user id on the platform")
    forget.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    forget.set_defaults(func=_forget)
