"""`drillbot db ...`: database maintenance from the command line."""

from __future__ import annotations

import argparse
import os
import sys

from bot.db.migrate import upgrade
from bot.db.urls import database_url, redact
from bot.services.store import StoreUnavailable


def _upgrade(args: argparse.Namespace) -> int:
    del args
    try:
        url = database_url(os.environ)
    except ValueError as error:
        print(f"drillbot db upgrade: {error}", file=sys.stderr)
        return 2
    try:
        revision = upgrade(url)
    except StoreUnavailable as error:
        print(f"drillbot db upgrade: {error}", file=sys.stderr)
        return 1
    print(f"{redact(url)} is at revision {revision} (head)")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = sub.add_parser("db", help="database maintenance (DATABASE_URL, default ./data)")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrader = db_sub.add_parser("upgrade", help="apply every migration up to the newest")
    upgrader.set_defaults(func=_upgrade)
