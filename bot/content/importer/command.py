"""The handler of `drillbot content import`."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from bot.content.importer import GuideError, import_guide
from bot.content.importer.report import markdown, summary
from bot.content.importer.write import REPORT, existing_content, write
from bot.content.loader import MANIFEST, default_content_dir, load_packs

EXIT_BAD_GUIDE = 2
EXIT_REFUSED = 3


def run(args: argparse.Namespace) -> int:
    guide_path = Path(args.guide)
    try:
        imported = import_guide(guide_path, args.pack)
    except GuideError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return EXIT_BAD_GUIDE
    name = imported.draft.manifest["name"]
    out = Path(args.out) if args.out else default_content_dir() / name
    present = existing_content(out)
    if present and not args.force:
        print(
            f"error: {out} already holds {len(present)} file(s) (e.g. {present[0]}); "
            "nothing was written. Choose another --out, or pass --force to replace the "
            "pack's files there.",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    if present:
        _clear(out)
    report = markdown(str(guide_path), imported.guide, imported.draft, imported.repaired.counts)
    write(imported.draft, out, report)
    print(summary(str(out), imported.guide, imported.draft))
    result = load_packs([out])
    if result.problems:
        # The importer should never write a pack that does not load; say so loudly if it does.
        for problem in result.problems:
            print(problem, file=sys.stderr)
        print(f"{len(result.problems)} problem(s) in the written pack", file=sys.stderr)
        return 1
    return 0


def _clear(out: Path) -> None:
    """--force replaces what an import writes (the manifest, the report and the item folders)
    and leaves any other file in the folder alone."""
    for name in (MANIFEST, REPORT):
        (out / name).unlink(missing_ok=True)
    for folder in ("open", "mcq", "incidents"):
        if (out / folder).is_dir():
            shutil.rmtree(out / folder)


def register(content_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = content_sub.add_parser(
        "import",
        help="draft a pack from an interview guide (plain text or Markdown)",
        description="Turn an interview guide into a draft pack: every item is marked "
        "draft: true and never posted until a reviewer deletes that line. See "
        "content/README.md, 'Importing a guide'.",
    )
    parser.add_argument("guide", metavar="GUIDE", help="the guide's text or Markdown file")
    parser.add_argument("--pack", metavar="NAME", help="pack name (default: from the file name)")
    parser.add_argument("--out", metavar="DIR", help="pack folder to write (default: content/NAME)")
    parser.add_argument(
        "--force",
        action="store_true",
        help="write into a folder that already has files, replacing the pack's files there",
    )
    parser.set_defaults(func=run)
