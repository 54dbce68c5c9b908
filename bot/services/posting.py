"""Posting what comes due: daily drills, MCQs, reveals and weekly leaderboards.

``tick(now)`` is safe to run from several processes at once and after any crash: the store's
unique keys decide which drill a slot gets, and each message goes out through ``Delivery``
(a lease, a look for an earlier attempt, a mark after the post), so it is posted exactly once.
A post that fails is retried by a later tick while it is still inside the grace window.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from bot.domain import schedule_rules as rules
from bot.domain.items import MultipleChoice, OpenQuestion
from bot.domain.model import Channel, Drill, DrillState, DrillStats, Lease, Schedule, Slot
from bot.domain.rotation import choose, eligible
from bot.messaging.message import Context, Message, Section
from bot.services import views
from bot.services.boards import Boards
from bot.services.delivery import Delivery, Target
from bot.services.deps import Deps
from bot.services.store import Tx

log = logging.getLogger("drillbot.posting")


def slot_times(schedule: Schedule) -> list[tuple[Slot, dt.time]]:
    slots = [(Slot.DAILY, schedule.post_time)]
    if schedule.mcq_time is not None:
        slots.append((Slot.MCQ, schedule.mcq_time))
    return slots


def drill_key(drill_id: int) -> str:
    return f"drill:{drill_id}"


def reveal_key(drill_id: int) -> str:
    return f"reveal:{drill_id}"


def board_key(channel_id: int, week: str) -> str:
    return f"board:{channel_id}:{week}"


class Posting:
    def __init__(self, deps: Deps, boards: Boards) -> None:
        self.d = deps
        self.boards = boards
        self.delivery = Delivery(deps)

    # --- the tick --------------------------------------------------------------------------
    async def tick(self, now: dt.datetime | None = None) -> None:
        now = now or self.d.clock.now()
        async with self.d.store.transaction() as tx:
            channels = await tx.channels()
        tried: set[int] = set()
        for channel in channels:
            schedule = channel.schedule
            if self.d.draining:
                return
            if schedule is None or schedule.paused:
                continue
            for slot, at in slot_times(schedule):
                drill_id = await self._post_slot(channel, schedule, slot, at, now)
                if drill_id is not None:
                    tried.add(drill_id)
            await self._post_weekly_board(channel, schedule, now)
        # A post that just failed (after the adapter's own retries) waits for the next tick.
        await self._retry_unposted(now, skip=tried)
        await self.reveal_due(now)

    async def next_due(self, after: dt.datetime) -> dt.datetime | None:
        """The first instant after ``after`` at which ``tick`` has something to do."""
        candidates: list[dt.datetime] = []
        async with self.d.store.transaction() as tx:
            channels = await tx.channels()
            for channel in channels:
                candidates += [
                    d.reveal_at
                    for d in await tx.open_drills(channel.id, after)
                    if d.reveal_at > after
                ]
        for channel in channels:
            s = channel.schedule
            if s is None or s.paused:
                continue
            for _slot, at in slot_times(s):
                nxt = rules.next_occurrence(after, at, s.days, s.timezone)
                if nxt:
                    candidates.append(nxt[1])
            board = rules.next_occurrence(
                after, s.leaderboard_time, (s.leaderboard_day,), s.timezone
            )
            if board:
                candidates.append(board[1])
        return min(candidates, default=None)

    # --- drills ----------------------------------------------------------------------------
    async def _post_slot(
        self, channel: Channel, schedule: Schedule, slot: Slot, at: dt.time, now: dt.datetime
    ) -> int | None:
        """Claim and post the slot's drill if it is due; the id of a drill it tried to post."""
        latest = rules.latest_occurrence(now, at, schedule.days, schedule.timezone)
        if latest is None:
            return None
        local_date, scheduled_at = latest
        kind = "mcq" if slot is Slot.MCQ or rules_day(local_date) in schedule.mcq_days else "open"
        late = now - scheduled_at > self.d.settings.grace
        lease = None
        async with self.d.store.transaction() as tx:
            history = [item_id for item_id, _ in await tx.channel_items(channel.id) if item_id]
            item = self._pick(channel, schedule, kind, history, f"{channel.id}:{slot}:{local_date}")
            if item is None:
                claimed = None
            else:
                claimed = await tx.claim_drill(
                    workspace_id=channel.workspace_id,
                    channel_id=channel.id,
                    slot=slot,
                    local_date=local_date,
                    # A skipped slot uses up no question, so rotation is not disturbed.
                    item_id="" if late else item.id,
                    kind=kind,
                    scheduled_at=scheduled_at,
                    reveal_at=scheduled_at + schedule.answer_window,
                    state=DrillState.SKIPPED if late else DrillState.CLAIMED,
                )
                if claimed is not None and not late:
                    # In the claim's own transaction: a crash right after it leaves a lease
                    # that expires, never a drill nobody may post.
                    lease = await self.delivery.take(tx, drill_key(claimed.id), now)
        if item is None:
            if not late:
                await self._tell_nothing_eligible(channel, schedule, kind, now)
            return None
        if claimed is None:
            return None
        if late:
            log.warning(
                "skipped the %s drill of %s for %s: found %s late, past the %s grace window",
                slot,
                local_date,
                channel.name,
                now - scheduled_at,
                self.d.settings.grace,
            )
            return None
        if lease is not None:
            await self._deliver(channel, claimed, item, lease)
        return claimed.id

    def _pick(
        self, channel: Channel, schedule: Schedule, kind: str, history: list[str], seed: str
    ) -> OpenQuestion | MultipleChoice | None:
        lib = self.d.library
        pool: list[OpenQuestion | MultipleChoice] = list(
            lib.open_questions() if kind == "open" else lib.mcqs()
        )
        candidates = eligible(pool, lib.pack_of, schedule.packs, schedule.topics, schedule.levels)
        return choose(candidates, history, seed)

    async def _deliver(
        self,
        channel: Channel,
        drill: Drill,
        item: OpenQuestion | MultipleChoice,
        lease: Lease,
        look_since: dt.datetime | None = None,
    ) -> None:
        schedule = channel.schedule
        assert schedule is not None
        topic = self.d.library.topics().get(item.topic, item.topic)
        message = views.drill_message(item, topic, schedule.timezone, drill)

        async def posted(tx: Tx, ref: str) -> None:
            await tx.set_drill_state(drill.id, DrillState.POSTED, message_ref=ref)

        target = Target(channel.workspace_id, channel.external_id)
        await self.delivery.send(lease, target, message, posted, look_since=look_since)

    async def _retry_unposted(self, now: dt.datetime, skip: set[int]) -> None:
        """Drills claimed but not posted: a failed post, or a process that died holding it."""
        async with self.d.store.transaction() as tx:
            unposted = await tx.drills_to_retry(now - self.d.settings.grace)
        for drill in unposted:
            if self.d.draining:
                return
            if drill.id in skip:
                continue
            async with self.d.store.transaction() as tx:
                lease = await self.delivery.take(tx, drill_key(drill.id), now)
                channel = await tx.get_channel(drill.channel_id) if lease else None
            if lease is None:
                continue
            item = self.d.library.get(drill.item_id)
            if (
                channel is None
                or channel.schedule is None
                or not isinstance(item, OpenQuestion | MultipleChoice)
            ):
                await self.delivery.release(lease)
                continue
            # A drill claimed before leases existed has no record of earlier attempts: look.
            look = drill.scheduled_at if lease.attempts == 1 else None
            await self._deliver(channel, drill, item, lease, look_since=look)

    async def _tell_nothing_eligible(
        self, channel: Channel, schedule: Schedule, kind: str, now: dt.datetime
    ) -> None:
        """Say once (per set of filters) that the channel's filters leave nothing to post."""
        filters = f"{schedule.packs}|{schedule.topics}|{schedule.levels}"
        digest = hashlib.sha256(filters.encode()).hexdigest()[:12]
        key = f"nothing-eligible:{channel.id}:{kind}:{digest}"
        async with self.d.store.transaction() as tx:
            lease = await self.delivery.take(tx, key, now)
        if lease is None:
            return
        log.warning("channel %s has no eligible %s questions; nothing posted", channel.name, kind)
        what = "open questions" if kind == "open" else "MCQs"
        chosen = [
            f"{name} {', '.join(values)}"
            for name, values in (
                ("packs", schedule.packs),
                ("topics", schedule.topics),
                ("levels", schedule.levels),
            )
            if values
        ]
        message = Message(
            text=f"No {what} match this channel's filters, so none was posted.",
            blocks=(
                Section(
                    f"*No {what} match this channel's filters, so none was posted.*\n"
                    f"Filters: {'; '.join(chosen) or 'none'}."
                ),
                Context(
                    "Admins: widen them with `/drill setup` (for example `topics=all`); "
                    "`/drill topics` lists what there is."
                ),
            ),
            kind="info",
        )
        await self.delivery.send(lease, Target(channel.workspace_id, channel.external_id), message)

    # --- reveals ---------------------------------------------------------------------------
    async def reveal_due(self, now: dt.datetime) -> None:
        async with self.d.store.transaction() as tx:
            due = await tx.due_reveals(now)
        for drill in due:
            if self.d.draining:
                return
            async with self.d.store.transaction() as tx:
                lease = await self.delivery.take(tx, reveal_key(drill.id), now)
                answers = await tx.drill_answers(drill.id) if lease else []
                channel = await tx.get_channel(drill.channel_id) if lease else None
            if lease is None:
                continue
            item = self.d.library.get(drill.item_id)

            async def revealed(tx: Tx, ref: str, drill_id: int = drill.id) -> None:
                await tx.mark_revealed(drill_id, now)

            if channel is None or not isinstance(item, OpenQuestion | MultipleChoice):
                # Nothing to say (the question left the library): close it, so answers stop.
                await self.delivery.finish_unsent(lease, revealed)
                continue
            choices: dict[str, int] = {}
            for a in answers:
                if a.choice:
                    choices[a.choice] = choices.get(a.choice, 0) + 1
            coverages = [a.coverage for a in answers if a.coverage is not None]
            stats = DrillStats(
                answered=len(answers),
                choices=choices,
                average_coverage=sum(coverages) / len(coverages) if coverages else None,
            )
            topic = self.d.library.topics().get(item.topic, item.topic)
            message = views.reveal_message(item, stats, topic)
            target = Target(channel.workspace_id, channel.external_id, thread=drill.message_ref)
            await self.delivery.send(lease, target, message, revealed)

    # --- weekly leaderboard ----------------------------------------------------------------
    async def _post_weekly_board(
        self, channel: Channel, schedule: Schedule, now: dt.datetime
    ) -> None:
        latest = rules.latest_occurrence(
            now, schedule.leaderboard_time, (schedule.leaderboard_day,), schedule.timezone
        )
        if latest is None:
            return
        local_date, at = latest
        if now - at > self.d.settings.grace:
            return
        async with self.d.store.transaction() as tx:
            lease = await self.delivery.take(
                tx, board_key(channel.id, rules.week_key(local_date)), now
            )
        if lease is None:
            return
        rows = await self.boards.rows(channel.workspace_id, channel.id, "this-week", local_date)
        message = views.leaderboard_message(rows, "this-week", f"#{channel.name}")
        await self.delivery.send(lease, Target(channel.workspace_id, channel.external_id), message)


def rules_day(day: dt.date) -> str:
    return ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.weekday()]
