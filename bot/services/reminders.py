"""The opt-in practice nudge: `/drill remind on [HH:MM]` and `remind off`, and the tick that
sends each person at most one private message a drill day when they have practice due.

Each nudge is a delivery like a drill (``bot.services.delivery``): its key
``remind:<person id>:<local date>`` is leased in the ``deliveries`` table before the message is
sent and marked done after, so two processes racing, a retry or a restart send it once.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from bot.domain import reviews as review_rules
from bot.domain import schedule_rules as rules
from bot.domain.model import Channel
from bot.domain.reviews import Reminder
from bot.messaging.message import Action, Actions, Button, Message, Section
from bot.services import views
from bot.services.delivery import Delivery, Target
from bot.services.deps import Deps
from bot.services.store import Tx

log = logging.getLogger("drillbot.reminders")

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def reminder_key(person_id: int, local_date: dt.date) -> str:
    return f"remind:{person_id}:{local_date.isoformat()}"


def due_today(channel: Channel, at: dt.time, now: dt.datetime) -> dt.date | None:
    """The channel's local date when a nudge at ``at`` is due at ``now``: a drill day of an
    unpaused schedule, at or after ``at`` the same local day; else None."""
    schedule = channel.schedule
    if schedule is None or schedule.paused:
        return None
    local = now.astimezone(ZoneInfo(schedule.timezone))
    if DAY_NAMES[local.weekday()] not in schedule.days or local.time() < at:
        return None
    return local.date()


class Reminders:
    def __init__(self, deps: Deps, delivery: Delivery) -> None:
        self.d = deps
        self.delivery = delivery

    async def command(
        self, tx: Tx, person_id: int, channel: Channel | None, on: bool, at: dt.time | None
    ) -> Message:
        if not on:
            if await tx.drop_reminder(person_id):
                return _info("Reminders are off. `/drill remind on` brings them back.")
            return _info("Reminders were already off.")
        if channel is None or channel.schedule is None:
            return views.error(
                "Turn reminders on in a channel that has drills (its drill days and time "
                "zone set when they come), e.g. `/drill remind on 08:45` there."
            )
        schedule = channel.schedule
        when = at or schedule.post_time
        await tx.set_reminder(Reminder(person_id, channel.id, when))
        return _info(
            f"Reminders are on: on #{channel.name}'s drill days "
            f"({rules.format_days(schedule.days)}) at {rules.format_time(when)} "
            f"({schedule.timezone}), when you have practice due. `/drill remind off` stops them."
        )

    async def tick(self, now: dt.datetime) -> int:
        """Send the nudges due at ``now``; how many this process sent."""
        async with self.d.store.transaction(read_only=True) as tx:
            today: list[tuple[Reminder, Channel, dt.date]] = []
            channels: dict[int, Channel | None] = {}  # read once each: many share one
            for reminder in await tx.all_reminders():
                if reminder.channel_id not in channels:
                    channels[reminder.channel_id] = await tx.get_channel(reminder.channel_id)
                channel = channels[reminder.channel_id]
                day = due_today(channel, reminder.at, now) if channel else None
                if channel is not None and day is not None:
                    today.append((reminder, channel, day))
            # The day's nudges already sent are skipped before their cards are read.
            done = await tx.leases_done([reminder_key(r.person_id, d) for r, _, d in today])
            todo: list[tuple[Reminder, Channel, dt.date, str, int]] = []
            for reminder, channel, day in today:
                if reminder_key(reminder.person_id, day) in done:
                    continue
                due = len(review_rules.due_order(await tx.reviews(reminder.person_id), now))
                person = await tx.get_person(reminder.person_id)
                if due and person is not None:
                    todo.append((reminder, channel, day, person.external_id, due))
        sent = 0
        for reminder, channel, day, user, due in todo:
            key = reminder_key(reminder.person_id, day)
            # The lease is the exactly-once decision: of racing ticks only one takes it, and a
            # key marked done (sent before a restart) is never taken again.
            lease = await self.delivery.take_now(key, now)
            if lease is None:
                continue
            target = Target(channel.workspace_id, user=user)
            if await self.delivery.send(lease, target, nudge(due)) is not None:
                sent += 1
        return sent

    async def next_at(self, after: dt.datetime) -> dt.datetime | None:
        """The next instant a nudge may come due (the runner wakes then)."""
        async with self.d.store.transaction(read_only=True) as tx:
            found: list[dt.datetime] = []
            channels: dict[int, Channel | None] = {}
            for reminder in await tx.all_reminders():
                if reminder.channel_id not in channels:
                    channels[reminder.channel_id] = await tx.get_channel(reminder.channel_id)
                channel = channels[reminder.channel_id]
                if channel is None or channel.schedule is None:
                    continue
                zone = ZoneInfo(channel.schedule.timezone)
                local = after.astimezone(zone)
                for offset in range(8):
                    day = local.date() + dt.timedelta(days=offset)
                    at = dt.datetime.combine(day, reminder.at, zone).astimezone(dt.UTC)
                    if at > after and DAY_NAMES[day.weekday()] in channel.schedule.days:
                        found.append(at)
                        break
        return min(found, default=None)


def nudge(due: int) -> Message:
    text = f"You have {due} practice question{'s' if due != 1 else ''} due."
    return Message(
        text=text,
        blocks=(
            Section(text + " A few minutes now keeps them fresh: `/drill practice`."),
            Actions((Button(Action.PRACTICE, "Start practice", "start", primary=True),)),
        ),
        kind="info",
    )


def _info(text: str) -> Message:
    return Message(text=text, blocks=(Section(text),), kind="info")
