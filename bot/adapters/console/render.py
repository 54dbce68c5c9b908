"""Messages as plain terminal text."""

from __future__ import annotations

import re

from bot.messaging.message import (
    Action,
    Actions,
    Context,
    Divider,
    Fields,
    Image,
    Message,
    Quote,
    Section,
    Table,
    literal_parts,
    shown_moments,
    unmarked,
)

_FORMS = (Action.ANSWER_OPEN, Action.ANSWER_INCIDENT)
_BOLD = re.compile(r"(?<!\w)\*(\S(?:[^*\n]*\S)?)\*(?!\w)")


_HOLE = re.compile("\ue000(\\d+)\ue001")


def plain(text: str) -> str:
    """Bot text without its bold marks; ``literal()`` parts (names) exactly as written."""
    names: list[str] = []
    held: list[str] = []
    for piece, is_literal in literal_parts(shown_moments(text)):
        if is_literal:
            # Held out of the bold pattern, yet still inside the text it must match around.
            held.append(f"\ue000{len(names)}\ue001")
            names.append(piece)
        else:
            held.append(piece)
    bare = _BOLD.sub(r"\1", "".join(held))
    return _HOLE.sub(lambda m: names[int(m[1])], bare) if names else bare


def render(message: Message) -> list[str]:
    if not message.blocks:
        return [unmarked(message.text)]
    lines: list[str] = []
    for block in message.blocks:
        match block:
            case Section(text=text):
                lines += plain(text).splitlines()
            case Quote(text=text, author=author):
                prefix = f"{unmarked(author)}: " if author else ""
                lines += [f"> {prefix}{line}" for line in text.splitlines()]
            case Fields(pairs=pairs):
                pairs = tuple((unmarked(k), unmarked(v)) for k, v in pairs)
                width = max(len(k) for k, _ in pairs)
                lines += [f"{k.ljust(width)}  {v}" for k, v in pairs]
            case Context(text=text):
                lines.append(f"({plain(text)})")
            case Divider():
                lines.append("—" * 20)
            case Table(headers=headers, rows=rows):
                rows = tuple(tuple(unmarked(c) for c in r) for r in rows)
                widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
                lines.append("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
                lines += [
                    "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                    for r in rows
                ]
            case Actions(buttons=buttons):
                # A terminal opens no forms: only the buttons a typed command stands for show.
                shown = [b for b in buttons if b.action not in _FORMS]
                if shown:
                    lines.append("  ".join(f"[{b.label}]" for b in shown))
            case Image():
                pass  # written to a file by ConsoleChat, which prints its path
    return lines
