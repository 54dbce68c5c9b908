"""The checks `drillbot content check --drafts` adds for items still marked ``draft: true``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.content.importer.matchers import GENERIC
from bot.content.loader import Library
from bot.domain.grading import covers
from bot.domain.items import AnyItem, Incident, KeyPoint, OpenQuestion
from bot.domain.text import content_stems, parse_document

PLACEHOLDER = "TODO"


def draft_problems(library: Library) -> list[str]:
    problems: list[str] = []
    for pack in library.packs:
        drafts = [i for i in pack.items if i.draft]
        if drafts and pack.manifest.license.startswith(PLACEHOLDER):
            problems.append(f"{pack.path}/pack.yml: license: still a {PLACEHOLDER} placeholder")
        for item in drafts:
            where = f"{pack.path}: {item.id}"
            problems += [f"{where}: {p}" for p in item_problems(item)]
    return problems


def item_problems(item: AnyItem) -> list[str]:
    out = [
        f"{path}: still a {PLACEHOLDER} placeholder"
        for path, value in _strings(item.model_dump(exclude_none=True))
        if value.strip().startswith(PLACEHOLDER) or value.strip().lower() == "todo"
    ]
    for path, point in _points(item):
        # A rule drafted from a point's text that does not match that very text is broken.
        if not covers(parse_document(point.text), point):
            out.append(f"{path}.covered_by: no rule matches the point's own text")
        for rule in point.covered_by:
            if _too_broad(rule):
                out.append(f"{path}.covered_by: {rule!r} is one common word; any answer has it")
    return out


def _too_broad(rule: str) -> bool:
    stems = content_stems(rule)
    return "+" not in rule and "|" not in rule and len(stems) <= 1 and rule.lower() in GENERIC


def _points(item: AnyItem) -> Iterable[tuple[str, KeyPoint]]:
    if isinstance(item, OpenQuestion):
        for n, point in enumerate(item.key_points):
            yield f"key_points[{n}]", point
    elif isinstance(item, Incident):
        for s, stage in enumerate(item.stages):
            for n, point in enumerate(stage.rubric):
                yield f"stages[{s}].rubric[{n}]", point


def _strings(value: Any, path: str = "") -> Iterable[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from _strings(inner, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for n, inner in enumerate(value):
            yield from _strings(inner, f"{path}[{n}]")
