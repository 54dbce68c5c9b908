"""`drillbot content import`: turn an interview guide into a draft content pack.

``repair`` undoes copy-paste damage, ``parse`` reads the guide's structure, ``draft`` builds the
items (``matchers`` drafts their rules), ``write`` puts them on disk and ``report`` says what
could not be filled. The rules are documented in content/README.md ("Importing a guide").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.content.importer.draft import Draft, build
from bot.content.importer.parse import Guide, GuideError, parse
from bot.content.importer.repair import Repaired, repair
from bot.domain.items import ID_PATTERN

__all__ = ["GuideError", "Imported", "import_guide", "pack_name_for", "read_guide"]


@dataclass
class Imported:
    guide: Guide
    draft: Draft
    repaired: Repaired


def pack_name_for(path: Path) -> str:
    name = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")
    return name[:48].strip("-") or "imported"


def read_guide(path: Path) -> str:
    if not path.exists():
        raise GuideError(f"{path}: no such file")
    if path.is_dir():
        raise GuideError(f"{path}: is a folder; give the guide's text or Markdown file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GuideError(f"{path}: cannot be read: {exc.strerror or exc}") from exc
    if b"\x00" in data[:4096]:
        raise GuideError(f"{path}: is not a text file (plain text or Markdown expected)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Guides saved from Windows editors; cp1252 maps nearly every byte, so it comes last.
        text = data.decode("cp1252", errors="replace")
    if not text.strip():
        raise GuideError(f"{path}: is empty")
    return text


def import_guide(path: Path, pack: str | None = None) -> Imported:
    name = pack or pack_name_for(path)
    if not re.match(ID_PATTERN, name) or len(name) > 64:
        raise GuideError(f"pack name {name!r}: use lowercase letters, digits and dashes")
    repaired = repair(read_guide(path))
    try:
        guide = parse(repaired)
    except GuideError as exc:
        raise GuideError(f"{path}: {exc}") from exc
    return Imported(guide, build(guide, name, path.name, _licence(repaired)), repaired)


_LICENCE = re.compile(
    r"\b(?:licen[cs]ed? under|licen[cs]e\s*:)\s*(?:the\s+)?([A-Za-z0-9][\w.+-]*(?:\s[\d.]+)?)",
    re.IGNORECASE,
)


def _licence(repaired: Repaired) -> str | None:
    """The licence the guide states ("Licensed under CC-BY-4.0", "License: MIT"), if any."""
    for line in repaired.lines:
        found = _LICENCE.search(line.text)
        if found:
            return found.group(1).rstrip(".")
    return None
