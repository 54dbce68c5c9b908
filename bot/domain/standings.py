"""Who gets a place on a leaderboard, and in what order: the rule every board shares (the
channel's, the workspace's, `/drill stats`, the Home tab and `drillbot leaderboard`)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.model import LeaderboardRow


def board_key(r: LeaderboardRow) -> tuple[int, int, int, int, str, str]:
    """The board's order as a sort key. The SQL store spells the same order in SQL (its
    ``board`` and ``place_on_board``); the contract tests hold the two to the same results."""
    if r.answers:
        return (0, -r.points, -r.correct, -r.best_streak, r.display_name.lower(), r.user)
    return (1, -r.incident_points, 0, 0, r.display_name.lower(), r.user)


def ranked(rows: Sequence[LeaderboardRow]) -> list[LeaderboardRow]:
    """People who answered in the period first, most points first; ties go to more correct
    answers, the longer best streak, then name. Then people who only practised incidents,
    most incident points first (``placed`` gives them no place)."""
    return sorted(rows, key=board_key)


def placed(rows: Sequence[LeaderboardRow]) -> list[tuple[int, LeaderboardRow]]:
    """Places 1, 2, ... on a ``ranked`` board. Only people with an answer in the period get
    one: with none they have no drill points or accuracy to be placed by (mock incidents score
    apart), so a place or a "0%" would say something untrue."""
    return list(enumerate((r for r in rows if r.answers), start=1))


def place_of(rows: Sequence[LeaderboardRow], user_id: str) -> int | None:
    return next((n for n, r in placed(rows) if r.user == user_id), None)


def incident_practice(rows: Sequence[LeaderboardRow]) -> list[LeaderboardRow]:
    """The rows with incident points, most first: shown apart from the drill places, as the
    incident debrief promises."""
    return sorted(
        (r for r in rows if r.incident_points),
        key=lambda r: (-r.incident_points, r.display_name.lower(), r.user),
    )
