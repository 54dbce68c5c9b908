"""Who may see what (issue 12): the rules every view of people and answers follows.

* An answer's text is shown to its author only: in their feedback, `/drill history`,
  `/drill stats` and their App Home. Boards, reveals, incident threads, the weekly post, leads'
  insights, reports and the CLI exports show numbers and names, never answer texts.
* The one exception is a channel whose admin turned on ``setup share-answers=on`` (the
  channel is told when it changes): its reveals may quote the best-scoring answer of the drill
  with its author's name, unless that author opted out.
* Someone who ran `/drill optout` is left out of public boards and shout-outs; leads see them as
  ``ANONYMOUS``; they still see their own standing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from bot.domain.model import Answer, Channel, LeaderboardRow, Person

ANONYMOUS = "someone"
"""How an opted-out person is named to anyone but themselves."""

R = TypeVar("R", bound=LeaderboardRow)


def shown_name(person: Person, viewer_is_self: bool) -> str:
    """The name to show for ``person``: theirs to themselves, or while they have not opted
    out; ``ANONYMOUS`` otherwise (leads' insights, anything shown to others)."""
    if viewer_is_self or not person.opted_out:
        return person.display_name
    return ANONYMOUS


def on_public_board(person: Person) -> bool:
    """Whether the person may appear on public boards and shout-outs."""
    return not person.opted_out


def public_rows(rows: Iterable[R], opted_out: set[int]) -> list[R]:
    """Board rows without the people (by id) who opted out, in the same order."""
    return [row for row in rows if row.person_id not in opted_out]


def may_quote(channel: Channel) -> bool:
    """Whether the channel's reveals may quote answers people gave."""
    return channel.share_answers


def quote_order(answers: Iterable[Answer]) -> list[Answer]:
    """The open answers a sharing channel's reveal may quote, best first (most points, then
    the highest score, then the earliest): it quotes the first whose author has not opted out
    (``on_public_board``)."""
    written = [a for a in answers if a.text and a.choice is None]
    return sorted(written, key=lambda a: (-a.points, -(a.coverage or 0.0), a.created_at, a.id))
