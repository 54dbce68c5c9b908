"""`drillbot report`: the team's insights for a lead's spreadsheet or a page to share."""

from __future__ import annotations

from bot.bootstrap import load_content, open_configured_store
from bot.config import Settings
from bot.domain.insights import TeamInsights
from bot.scheduling.clock import SystemClock
from bot.services.deps import Deps
from bot.services.insights import Insights
from bot.services.store import Store
from bot.testing.null_chat import NullChat


async def resolve_scope(
    store: Store, workspace: str | None, channel: str | None
) -> tuple[str, int | None]:
    """(workspace id, channel id or None) named by the options; LookupError saying what
    exists when they name nothing."""
    async with store.transaction(read_only=True) as tx:
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
        raise LookupError(f"no workspace {workspace!r}; known: {', '.join(workspaces) or 'none'}")
    if channel is None:
        return workspace, None
    mine = [c for c in channels if c.workspace_id == workspace]
    found = next((c for c in mine if channel in (c.external_id, c.name, f"#{c.name}")), None)
    if found is None:
        raise LookupError(
            f"no channel {channel!r} in {workspace}; channels: "
            + ", ".join(c.name or c.external_id for c in mine)
        )
    return workspace, found.id


async def team_report(
    settings: Settings, workspace: str | None, channel: str | None, weeks: int
) -> TeamInsights:
    """Every person's row (a report, not the chat's first ten)."""
    library = load_content(settings)
    store = await open_configured_store(settings)
    try:
        workspace_id, channel_id = await resolve_scope(store, workspace, channel)
        deps = Deps(store=store, library=library, chat=NullChat(), clock=SystemClock())
        return await Insights(deps).team(workspace_id, channel_id, weeks, people=None, tags=20)
    finally:
        await store.close()


def chart_png(insights: TeamInsights) -> bytes | None:
    """The team chart (``bot.services.charts``), or None where it cannot be drawn."""
    try:
        from bot.services import charts
    except ImportError:  # matplotlib missing: the tables carry every number anyway
        return None
    title = f"#{insights.channel}" if insights.channel else insights.workspace_id
    weeks = [(w.week_start, w.participation, w.accuracy) for w in insights.weeks]
    topics = [(t.title, t.coverage) for t in insights.topics]
    return charts.team_chart(weeks, topics, f"Team · {title}")
