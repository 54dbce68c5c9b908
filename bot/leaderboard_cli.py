"""`drillbot leaderboard`: the same board the chat shows, for a team lead's terminal."""

from __future__ import annotations

from bot.bootstrap import make_engine, open_configured_store
from bot.config import Settings
from bot.domain.model import LeaderboardRow
from bot.scheduling.clock import SystemClock
from bot.testing.null_chat import NullChat


async def leaderboard_rows(
    settings: Settings, workspace: str | None, channel: str | None, period: str
) -> tuple[list[LeaderboardRow], str]:
    from bot.content.loader import Library

    store = await open_configured_store(settings)
    try:
        async with store.transaction() as tx:
            channels = await tx.channels()
            workspaces = sorted({c.workspace_id for c in channels})
            if workspace is None:
                if not workspaces:
                    raise LookupError("no channel has a drill schedule yet")
                if len(workspaces) > 1:
                    raise LookupError(
                        "several workspaces have drills; choose one with --workspace: "
                        + ", ".join(workspaces)
                    )
                workspace = workspaces[0]
            elif workspace not in workspaces:
                raise LookupError(
                    f"no workspace {workspace!r}; known: {', '.join(workspaces) or 'none'}"
                )
            channel_id = None
            scope = f"workspace {workspace}"
            if channel is not None:
                mine = [c for c in channels if c.workspace_id == workspace]
                found = next(
                    (c for c in mine if channel in (c.external_id, c.name, f"#{c.name}")), None
                )
                if found is None:
                    raise LookupError(
                        f"no channel {channel!r} in {workspace}; channels: "
                        + ", ".join(c.name or c.external_id for c in mine)
                    )
                channel_id = found.id
                scope = f"#{found.name or found.external_id}"
        # The running bot's own wiring, so incident points and every board rule come along.
        engine = make_engine(store, Library([], {}, {}), NullChat(), SystemClock(), settings)
        # Every place: a team lead's export, not the chat's top ten.
        rows = await engine.boards.rows(workspace, channel_id, period, limit=None)
        return rows, scope
    finally:
        await store.close()
