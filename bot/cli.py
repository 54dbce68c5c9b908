"""The `drillbot` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.content.loader import load_packs
from bot.content.report import check_summary, rows, table


def _content_check(args: argparse.Namespace) -> int:
    result = load_packs([Path(p) for p in args.paths] or None)
    if result.problems:
        for problem in result.problems:
            print(problem, file=sys.stderr)
        print(f"{len(result.problems)} problem(s) found", file=sys.stderr)
        return 1
    drafts = result.library.drafts()
    if args.drafts and drafts:
        from bot.content.importer.checks import draft_problems

        problems = draft_problems(result.library)
        if problems:
            for line in problems:
                print(line, file=sys.stderr)
            print(f"{len(problems)} problem(s) in {len(drafts)} draft item(s)", file=sys.stderr)
            return 1
    print(check_summary(result))
    if drafts and args.drafts:
        print(f"drafts: {len(drafts)} item(s) pass the draft checks; still never posted")
    elif drafts:
        print(
            f"drafts: {len(drafts)} item(s) await review and are never posted; "
            "`drillbot content check --drafts` runs their checks"
        )
    return 0


def _content_list(args: argparse.Namespace) -> int:
    result = load_packs([Path(p) for p in args.paths] or None)
    if result.problems:
        for problem in result.problems:
            print(problem, file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(rows(result.library), indent=2, ensure_ascii=False))
    else:
        print(table(result.library))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="drillbot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    content = sub.add_parser("content", help="check and list content packs")
    content_sub = content.add_subparsers(dest="content_command", required=True, metavar="ACTION")
    check = content_sub.add_parser("check", help="validate packs (all of content/ by default)")
    check.add_argument("paths", nargs="*", metavar="PATH")
    check.add_argument(
        "--drafts",
        action="store_true",
        help="also check draft items: no TODO left, every drafted rule matches its own point",
    )
    check.set_defaults(func=_content_check)
    listing = content_sub.add_parser("list", help="one row per item")
    listing.add_argument("paths", nargs="*", metavar="PATH")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.set_defaults(func=_content_list)
    from bot.content.importer.command import register as register_import

    register_import(content_sub)

    from bot.cli_commands import register

    register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    code: int = args.func(args)
    return code


def entry() -> None:
    """The console script: like ``main``, but quiet when the reader of a pipe goes away."""
    try:
        sys.exit(main())
    except BrokenPipeError:
        # `drillbot content list | head` closed the pipe: not an error worth a traceback.
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)


if __name__ == "__main__":
    entry()
