"""What `drillbot content check` and `drillbot content list` print."""

from __future__ import annotations

from collections import Counter
from typing import Any

from bot.content.loader import Library, LoadResult
from bot.domain.items import AnyItem, Incident, MultipleChoice


def check_summary(result: LoadResult) -> str:
    lib = result.library
    items = list(lib.items.values())
    kinds = Counter(i.kind for i in items)
    topics = Counter(i.topic for i in items)
    levels = Counter(i.level for i in items)
    level_order = {lvl: n for n, lvl in enumerate(lib.levels())}
    lines = [
        f"ok: {len(items)} items in {len(lib.packs)} pack(s), {result.files} files",
        "by kind:  " + ", ".join(f"{k} {kinds.get(k, 0)}" for k in ("open", "mcq", "incident")),
        "by topic: " + ", ".join(f"{t} {n}" for t, n in sorted(topics.items())),
        "by level: "
        + ", ".join(
            f"{lv} {n}"
            for lv, n in sorted(levels.items(), key=lambda kv: level_order.get(kv[0], 99))
        ),
    ]
    return "\n".join(lines)


def item_row(item: AnyItem, pack: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": item.id,
        "kind": item.kind,
        "pack": pack,
        "topic": item.topic,
        "level": item.level,
        "origin": item.origin,
        "title": item.summary,
    }
    if isinstance(item, MultipleChoice):
        row["options"] = [{"key": o.key, "text": o.text} for o in item.options]
        row["correct"] = item.correct_key
    if isinstance(item, Incident):
        row["stages"] = len(item.stages)
    return row


def rows(lib: Library) -> list[dict[str, Any]]:
    return [item_row(item, lib.pack_of[item.id]) for item in lib.items.values()]


def table(lib: Library) -> str:
    data = rows(lib)
    headers = ("id", "kind", "topic", "level", "origin", "title")
    cells = [[str(r[h] or "-") for h in headers] for r in data]
    widths = [max([len(h)] + [len(c[i]) for c in cells]) for i, h in enumerate(headers[:-1])]
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, [*widths, 0], strict=True)).rstrip()]
    for c in cells:
        title = c[-1] if len(c[-1]) <= 80 else c[-1][:79] + "…"
        out.append(
            "  ".join(v.ljust(w) for v, w in zip(c[:-1], widths, strict=True)) + "  " + title
        )
    return "\n".join(out)
