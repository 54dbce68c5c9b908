"""`/drill team` and `/drill leads`: who may see the team's insights, and showing them."""

from __future__ import annotations

from bot.domain import commands as cmd
from bot.domain.insights import WeeksError
from bot.messaging.message import Message, literal
from bot.services import views
from bot.services.answers import Actor
from bot.services.deps import Deps
from bot.services.insight_views import team_message
from bot.services.insights import Insights

TEAM_REFUSAL = "Only admins and the leads an admin listed (`/drill leads`) can see `team`."
LEADS_REFUSAL = "Only admins can change who the leads are."


async def is_lead(deps: Deps, actor: Actor) -> bool:
    async with deps.store.transaction(read_only=True) as tx:
        person = await tx.find_person(actor.workspace_id, actor.user_id)
        return person is not None and await tx.is_lead(actor.workspace_id, person.id)


async def team(deps: Deps, actor: Actor, channel_external_id: str | None, weeks: int) -> Message:
    """The insights of the channel written in (of the workspace in a direct message or an
    unscheduled channel), for an admin or a lead; a refusal for anyone else."""
    if not actor.is_admin and not await is_lead(deps, actor):
        return views.error(TEAM_REFUSAL)
    channel_id = None
    if channel_external_id is not None:
        async with deps.store.transaction(read_only=True) as tx:
            channel = await tx.find_channel(actor.workspace_id, channel_external_id)
        if channel is not None and channel.schedule is not None:
            channel_id = channel.id
    try:
        insights = await Insights(deps).team(actor.workspace_id, channel_id, weeks)
    except WeeksError as exc:
        return views.error(str(exc), cmd.USAGE["team"])
    message = team_message(insights)
    if not insights.people_total:
        return message  # nothing to draw
    # The chart repeats what the text says (every number is in the text), for a glance.
    return await deps.charts.attach(message, insights)


async def leads(
    deps: Deps, actor: Actor, action: str, user: str | None, typed: str | None
) -> Message:
    if action != "list" and not actor.is_admin:
        return views.error(LEADS_REFUSAL)
    if typed is not None and not deps.chat.capabilities.names_are_ids:
        refused = cmd.not_a_mention(typed)
        return views.error(refused.message, refused.usage)
    changed = False
    async with deps.store.transaction() as tx:
        if user is not None:
            person = await tx.find_person(actor.workspace_id, user)
            if person is None:
                person = await tx.ensure_person(actor.workspace_id, user, user)
            changed = await tx.set_lead(actor.workspace_id, person.id, action == "add")
        listed = await tx.leads(actor.workspace_id)
    names = ", ".join(literal(p.display_name) for p in listed) or "nobody yet"
    footer = f"Leads: {names}. Leads see `/drill team`; they cannot change schedules."
    if user is None:
        return views.notice(footer)
    if action == "add":
        done = f"`{user}` is now a lead." if changed else f"`{user}` was already a lead."
    else:
        done = f"`{user}` is no longer a lead." if changed else f"`{user}` was not a lead."
    return views.notice(f"{done} {footer}")
