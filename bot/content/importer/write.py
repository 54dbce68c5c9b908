"""Write a draft pack to disk as YAML a person can edit: block text, no sorted keys."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.content.importer.draft import Draft

_DRAFT_RULES = "# drafted from the text above by drillbot content import: review before use"
_RULES_KEY = re.compile(r"^(\s*)(covered_by|signals):", re.MULTILINE)


class _Dumper(yaml.SafeDumper):
    pass


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # Long or multi-line text as a block, so a reviewer edits prose rather than escapes.
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    if len(value) > 90:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=">")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _text)


def dump(data: Any) -> str:
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2)
    return _RULES_KEY.sub(lambda m: f"{m.group(1)}{_DRAFT_RULES}\n{m.group(0)}", text)


def existing_content(out: Path) -> list[Path]:
    """What in ``out`` an import would overwrite or mix with: any file at all."""
    if not out.exists():
        return []
    return sorted(p for p in out.rglob("*") if p.is_file())


def write(draft: Draft, out: Path, report: str) -> list[Path]:
    written: list[Path] = []
    out.mkdir(parents=True, exist_ok=True)
    targets = {"pack.yml": draft.manifest, **draft.files}
    for rel, data in targets.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump(data), encoding="utf-8")
        written.append(path)
    path = out / REPORT
    path.write_text(report, encoding="utf-8")
    written.append(path)
    return written


REPORT = "IMPORT-REPORT.md"
