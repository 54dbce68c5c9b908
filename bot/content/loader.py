"""Load content packs from disk and check them, reporting each problem with its file and line."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from bot.content.yaml_lines import LineIndex, compose_with_lines
from bot.domain.items import (
    AnyItem,
    Incident,
    Item,
    KeyPoint,
    Manifest,
    MultipleChoice,
    OpenQuestion,
)
from bot.resources import shipped_dir

MANIFEST = "pack.yml"
_ITEM_ADAPTER: TypeAdapter[AnyItem] = TypeAdapter(Item)
_KINDS = ("open", "mcq", "incident")


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}"


@dataclass
class Pack:
    manifest: Manifest
    path: Path
    items: list[AnyItem] = field(default_factory=list)


@dataclass
class Library:
    """Every item of every loaded pack, by id."""

    packs: list[Pack]
    items: dict[str, AnyItem]
    pack_of: dict[str, str]

    # The bot draws every drill, practice question and scenario from these three lists, so
    # leaving drafts out here keeps an unreviewed import from ever reaching a channel, whatever
    # picks from them. `items` and `get` still hold drafts: check, list and grade see them.
    def open_questions(self, drafts: bool = False) -> list[OpenQuestion]:
        return [
            i
            for i in self.items.values()
            if isinstance(i, OpenQuestion) and (drafts or not i.draft)
        ]

    def mcqs(self, drafts: bool = False) -> list[MultipleChoice]:
        return [
            i
            for i in self.items.values()
            if isinstance(i, MultipleChoice) and (drafts or not i.draft)
        ]

    def incidents(self, drafts: bool = False) -> list[Incident]:
        return [
            i for i in self.items.values() if isinstance(i, Incident) and (drafts or not i.draft)
        ]

    def drafts(self) -> list[AnyItem]:
        return [i for i in self.items.values() if i.draft]

    def get(self, item_id: str) -> AnyItem | None:
        return self.items.get(item_id)

    def topics(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for pack in self.packs:
            merged.update(pack.manifest.topics)
        return merged

    def levels(self) -> list[str]:
        ordered: list[str] = []
        for pack in self.packs:
            ordered += [lvl for lvl in pack.manifest.levels if lvl not in ordered]
        return ordered


@dataclass
class LoadResult:
    library: Library
    problems: list[Problem]
    files: int

    @property
    def ok(self) -> bool:
        return not self.problems


class ContentError(Exception):
    """Raised when packs fail the check; carries every problem line."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def default_content_dir() -> Path:
    """The shipped packs: content/ of the checkout, or the installed package's copy."""
    return shipped_dir("content")


def find_pack_dirs(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """Expand the paths given on the command line into pack folders."""
    found: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_file() and path.name == MANIFEST:
            path = path.parent
        if not path.exists():
            problems.append(Problem(str(path), None, "path", "does not exist"))
        elif (path / MANIFEST).is_file():
            found.append(path)
        elif path.is_dir():
            inner = sorted(p.parent for p in path.glob(f"*/{MANIFEST}"))
            if not inner:
                problems.append(
                    Problem(str(path), None, "path", f"no {MANIFEST} in it or its folders")
                )
            found.extend(inner)
        else:
            problems.append(Problem(str(path), None, "path", f"not a pack folder (no {MANIFEST})"))
    unique = list(dict.fromkeys(p.resolve() for p in found))
    return unique, problems


def load_packs(paths: Iterable[Path] | None = None) -> LoadResult:
    pack_dirs, problems = find_pack_dirs(list(paths) if paths else [default_content_dir()])
    packs: list[Pack] = []
    items: dict[str, AnyItem] = {}
    pack_of: dict[str, str] = {}
    first_seen: dict[str, tuple[str, int | None]] = {}
    files = 0
    for pack_dir in pack_dirs:
        manifest_file = pack_dir / MANIFEST
        files += 1
        manifest = _load_manifest(manifest_file, problems)
        if manifest is None:
            continue
        pack = Pack(manifest=manifest, path=pack_dir)
        packs.append(pack)
        for item_file in sorted(_item_files(pack_dir)):
            files += 1
            for item, line in _load_items(item_file, manifest, problems):
                shown = _shown(item_file)
                if item.id in first_seen:
                    other_file, other_line = first_seen[item.id]
                    other = f"{other_file}:{other_line}" if other_line else other_file
                    problems.append(
                        Problem(shown, line, "id", f"duplicate id {item.id!r}, also at {other}")
                    )
                    continue
                first_seen[item.id] = (shown, line)
                items[item.id] = item
                pack_of[item.id] = manifest.name
                pack.items.append(item)
    names = [p.manifest.name for p in packs]
    for name in {n for n in names if names.count(n) > 1}:
        problems.append(Problem(name, None, "name", "two packs share this name"))
    return LoadResult(Library(packs, items, pack_of), problems, files)


def load_library(paths: Iterable[Path] | None = None) -> Library:
    """Load and check packs; raise ContentError with every problem when any fails."""
    result = load_packs(paths)
    if result.problems:
        raise ContentError(result.problems)
    return result.library


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _item_files(pack_dir: Path) -> Iterable[Path]:
    for path in pack_dir.rglob("*"):
        if path.suffix in (".yml", ".yaml") and path.is_file() and path.name != MANIFEST:
            yield path


def _parse(path: Path, problems: list[Problem]) -> tuple[Any, LineIndex] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(_shown(path), None, "file", f"cannot be read: {exc}"))
        return None
    try:
        return compose_with_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        problems.append(Problem(_shown(path), line, "yaml", f"does not parse: {reason}"))
        return None


def _load_manifest(path: Path, problems: list[Problem]) -> Manifest | None:
    parsed = _parse(path, problems)
    if parsed is None:
        return None
    data, lines = parsed
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        problems.extend(_validation_problems(_shown(path), exc, lines, ()))
        return None


def _load_items(
    path: Path, manifest: Manifest, problems: list[Problem]
) -> Iterable[tuple[AnyItem, int | None]]:
    parsed = _parse(path, problems)
    if parsed is None:
        return
    data, lines = parsed
    shown = _shown(path)
    if data is None:
        problems.append(
            Problem(shown, None, "file", "is empty; expected an item or a list of items")
        )
        return
    entries: list[tuple[tuple[int | str, ...], Any]]
    if isinstance(data, list):
        entries = [((i,), entry) for i, entry in enumerate(data)]
    else:
        entries = [((), data)]
    for prefix, entry in entries:
        label = f"[{prefix[0]}]." if prefix else ""
        if not isinstance(entry, dict):
            problems.append(Problem(shown, lines.line(prefix), label + "item", "must be a mapping"))
            continue
        kind = entry.get("kind")
        if kind not in _KINDS:
            problems.append(
                Problem(
                    shown,
                    lines.line((*prefix, "kind")),
                    label + "kind",
                    f"is {kind!r}; expected one of {', '.join(_KINDS)}"
                    if kind is not None
                    else f"missing; expected one of {', '.join(_KINDS)}",
                )
            )
            continue
        try:
            item = _ITEM_ADAPTER.validate_python(entry)
        except ValidationError as exc:
            problems.extend(_validation_problems(shown, exc, lines, prefix, skip_tag=True))
            continue
        bad = False
        if item.topic not in manifest.topics:
            bad = True
            problems.append(
                Problem(
                    shown,
                    lines.line((*prefix, "topic")),
                    label + "topic",
                    f"unknown topic {item.topic!r}; {manifest.name} declares "
                    + ", ".join(manifest.topics),
                )
            )
        if item.level not in manifest.levels:
            bad = True
            problems.append(
                Problem(
                    shown,
                    lines.line((*prefix, "level")),
                    label + "level",
                    f"unknown level {item.level!r}; {manifest.name} declares "
                    + ", ".join(manifest.levels),
                )
            )
        for inside, point in _key_points(item):
            problem = _label_problem(point)
            if problem:
                bad = True
                where = (*prefix, *inside)
                problems.append(
                    Problem(shown, lines.line(where), _dotted((*where, "label")), problem)
                )
        if not bad:
            yield item, lines.line(prefix)


LABEL_MAX_WORDS = 6


def _key_points(item: AnyItem) -> Iterable[tuple[tuple[int | str, ...], KeyPoint]]:
    if isinstance(item, OpenQuestion):
        for i, point in enumerate(item.key_points):
            yield ("key_points", i), point
    elif isinstance(item, Incident):
        for s, stage in enumerate(item.stages):
            for i, point in enumerate(stage.rubric):
                yield ("stages", s, "rubric", i), point


def _label_problem(point: KeyPoint) -> str | None:
    """Feedback names a missed point by its label before the reveal, so every point needs one,
    short enough to name an area without handing over the point."""
    label = point.label.strip()
    if not label:
        return (
            "is required: a short area label for the point (2 to 6 words, e.g. "
            "'status codes for conflicts'), shown for a missed point before the reveal"
        )
    if len(label.split()) > LABEL_MAX_WORDS:
        return f"has {len(label.split())} words; keep it to {LABEL_MAX_WORDS} at most"
    return None


def _validation_problems(
    shown: str,
    exc: ValidationError,
    lines: LineIndex,
    prefix: tuple[int | str, ...],
    skip_tag: bool = False,
) -> list[Problem]:
    out: list[Problem] = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        if skip_tag and loc and loc[0] in _KINDS:
            loc = loc[1:]
        # pydantic adds the name of the Annotated validator function to some paths.
        loc = tuple(part for part in loc if not (isinstance(part, str) and "[" in part))
        path = (*prefix, *loc)
        out.append(Problem(shown, lines.line(path), _dotted(path), _message(error)))
    return out


def _dotted(path: tuple[int | str, ...]) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + part
    return text or "item"


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field"
    if kind == "string_pattern_mismatch":
        return (
            "must be lowercase letters, digits and dashes"
            if "a-z" in str(error.get("ctx", {}).get("pattern", ""))
            else f"must match {error['ctx']['pattern']}"
        )
    message = str(error["msg"])
    return message.removeprefix("Value error, ")
