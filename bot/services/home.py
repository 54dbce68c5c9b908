"""A person's home view (Slack App Home): where they stand, recent answers, the team board, and
for admins the channel schedules with pause/resume."""

from __future__ import annotations

from dataclasses import replace

from bot.domain import schedule_rules as rules
from bot.domain.model import Channel
from bot.messaging.message import (
    Action,
    Actions,
    Block,
    Button,
    Context,
    Divider,
    Fields,
    Message,
    Section,
    literal,
)
from bot.services import views
from bot.services.answers import Actor
from bot.services.boards import SHOWN, Boards
from bot.services.deps import Deps
from bot.services.history import History

MAX_HOME_CHANNELS = 30
"""Channels a home view lists with their pause/resume controls (two blocks each). Slack's Home
tab holds 100 blocks, and the person's standing, the board and the answer to a click come
first; the other channels are named in one closing line."""
HOME_TOPICS = 5
"""Topics the home view lists (weakest first); `/drill stats` lists them all."""
MAX_NAMED = 1500
"""Characters of channel names in that line, so it stays one short block however many."""


def _more_channels(channels: list[Channel]) -> Section:
    names: list[str] = []
    length = 0
    for channel in channels:
        name = f"#{channel.name or channel.external_id}"
        if length + len(name) > MAX_NAMED:
            names.append(f"{len(channels) - len(names)} others")
            break
        names.append(name)
        length += len(name) + 2
    count = len(channels)
    return Section(
        f"…and {count} more channel{'s' if count != 1 else ''} with drills: "
        f"{', '.join(names)}. In one of them, `/drill schedule` shows its schedule and "
        "`/drill pause` or `/drill resume` changes it."
    )


class Home:
    def __init__(self, deps: Deps, boards: Boards) -> None:
        self.d = deps
        self.boards = boards

    async def view(self, actor: Actor) -> Message:
        """The person's home; the admins' part for a workspace admin or one an admin listed."""
        standing = await self.boards.standing(
            actor.workspace_id, actor.user_id, board=SHOWN, topics=True, listed=not actor.is_admin
        )
        if standing.listed_admin:
            actor = replace(actor, is_admin=True)
        mine_week, mine_total, rank = standing.week, standing.total, standing.rank
        week, recent = standing.week_rows, standing.recent
        channels = []
        if actor.is_admin:
            async with self.d.store.transaction(read_only=True) as tx:
                channels = await tx.channels(actor.workspace_id)
        streak = mine_total.current_streak if mine_total else 0
        best = mine_total.best_streak if mine_total else 0
        blocks: list[Block] = [
            Section(f"*drillbot · {literal(actor.display_name)}*"),
            Fields(
                (
                    ("Streak", f"{streak} day{'s' if streak != 1 else ''} (best {best})"),
                    (
                        "This week",
                        f"{mine_week.points if mine_week else 0} points"
                        + (f" · rank {rank}" if rank else ""),
                    ),
                    ("All time", f"{mine_total.points if mine_total else 0} points"),
                    ("Accuracy", views.accuracy_text(mine_total)),
                )
            ),
            Divider(),
        ]
        if recent:
            lines = []
            for a, title in recent:
                if len(title) > 80:
                    title = title[:79] + "…"
                if a.choice:
                    verdict = "✅ right" if a.correct else "❌ wrong"
                    lines.append(f"• {a.local_date:%d %b} · {title} · picked {a.choice} {verdict}")
                else:
                    covered = len(a.covered)
                    flagged = f" · {len(a.mistakes)} mistake(s) flagged" if a.mistakes else ""
                    lines.append(
                        f"• {a.local_date:%d %b} · {title} · "
                        f"{covered} key point(s) covered{flagged}"
                    )
            blocks.append(Section("*Your recent answers*\n" + "\n".join(lines)))
            topics = History(self.d).topic_lines(standing.item_results)
            if topics:
                shown = [f"• {line.describe()}" for line in topics[:HOME_TOPICS]]
                blocks.append(Section("*By topic* (weakest first)\n" + "\n".join(shown)))
            blocks.append(
                Context(
                    "Only you see your answers. `/drill history` lists your drills with what you "
                    "missed; `/drill history #<drill>` shows your answer next to the model answer "
                    "after the reveal."
                )
            )
        else:
            blocks.append(
                Section(
                    "*Your recent answers*\nNone yet: answer today's drill in your team channel."
                )
            )
        board = views.leaderboard_message(week, "this-week", "the team", limit=SHOWN)
        blocks += [Divider(), *board.blocks]
        if actor.is_admin:
            blocks += [Divider(), Section("*Channel schedules* (admins)")]
            if not channels:
                blocks.append(Context("No channel has drills yet: run `/drill setup` in one."))
            for channel in channels[:MAX_HOME_CHANNELS]:
                assert channel.schedule is not None
                state = "⏸ paused" if channel.schedule.paused else "▶ running"
                blocks.append(
                    Section(
                        f"*#{channel.name or channel.external_id}* · {state}\n"
                        + rules.describe(channel.schedule)
                    )
                )
                button = (
                    Button(Action.RESUME, "Resume", str(channel.id), primary=True)
                    if channel.schedule.paused
                    else Button(Action.PAUSE, "Pause", str(channel.id))
                )
                blocks.append(Actions((button,)))
            if len(channels) > MAX_HOME_CHANNELS:
                blocks.append(_more_channels(channels[MAX_HOME_CHANNELS:]))
        return Message(text="drillbot home", blocks=tuple(blocks), kind="home")
