"""Posting what comes due: daily drills, MCQs, reveals and weekly leaderboards.

``tick(now)`` is idempotent and safe to run from several processes at once: the store's unique
keys decide who posts, and a post that fails is retried on a later tick while it is still
inside the grace window.
"""

from __future__ import annotations

import datetime as dt
import logging

from bot.domain import schedule_rules as rules
from bot.domain.items import MultipleChoice, OpenQuestion
from bot.domain.model import Channel, Drill, DrillState, DrillStats, Schedule, Slot
from bot.domain.rotation import choose, eligible
from bot.messaging.port import ChatError
from bot.services import views
from bot.services.boards import Boards
from bot.services.deps import Deps

log = logging.getLogger("drillbot.posting")


def slot_times(schedule: Schedule) -> list[tuple[Slot, dt.time]]:
    slots = [(Slot.DAILY, schedule.post_time)]
    if schedule.mcq_time is not None:
        slots.append((Slot.MCQ, schedule.mcq_time))
    return slots


class Posting:
    def __init__(self, deps: Deps, boards: Boards) -> None:
        self.d = deps
        self.boards = boards

    # --- the tick --------------------------------------------------------------------------
    async def tick(self, now: dt.datetime | None = None) -> None:
        now = now or self.d.clock.now()
        async with self.d.store.transaction() as tx:
            channels = await tx.channels()
        for channel in channels:
            schedule = channel.schedule
            if schedule is None or schedule.paused:
                continue
            for slot, at in slot_times(schedule):
                await self._post_slot(channel, schedule, slot, at, now)
            await self._post_weekly_board(channel, schedule, now)
        await self._retry_failed(now)
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
    ) -> None:
        latest = rules.latest_occurrence(now, at, schedule.days, schedule.timezone)
        if latest is None:
            return
        local_date, scheduled_at = latest
        kind = "mcq" if slot is Slot.MCQ or rules_day(local_date) in schedule.mcq_days else "open"
        late = now - scheduled_at > self.d.settings.grace
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
        if item is None:
            log.warning(
                "channel %s has no eligible %s questions; nothing posted", channel.name, kind
            )
            return
        if claimed is None:
            return
        if late:
            log.warning(
                "skipped the %s drill of %s for %s: found %s late, past the %s grace window",
                slot,
                local_date,
                channel.name,
                now - scheduled_at,
                self.d.settings.grace,
            )
            return
        await self._deliver(channel, claimed, item)

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
        self, channel: Channel, drill: Drill, item: OpenQuestion | MultipleChoice
    ) -> None:
        schedule = channel.schedule
        assert schedule is not None
        topic = self.d.library.topics().get(item.topic, item.topic)
        message = views.drill_message(item, topic, schedule.timezone, drill)
        try:
            ref = await self.d.chat.post(channel.workspace_id, channel.external_id, message)
        except ChatError as exc:
            log.warning(
                "posting drill %s to %s failed (%s); will retry", drill.id, channel.name, exc
            )
            async with self.d.store.transaction() as tx:
                await tx.set_drill_state(drill.id, DrillState.FAILED)
            return
        async with self.d.store.transaction() as tx:
            await tx.set_drill_state(drill.id, DrillState.POSTED, message_ref=ref)

    async def _retry_failed(self, now: dt.datetime) -> None:
        async with self.d.store.transaction() as tx:
            failed = await tx.drills_to_retry(now - self.d.settings.grace)
            pairs = [(d, await tx.get_channel(d.channel_id)) for d in failed]
        for drill, channel in pairs:
            item = self.d.library.get(drill.item_id)
            if channel is None or not isinstance(item, OpenQuestion | MultipleChoice):
                continue
            await self._deliver(channel, drill, item)

    # --- reveals ---------------------------------------------------------------------------
    async def reveal_due(self, now: dt.datetime) -> None:
        async with self.d.store.transaction() as tx:
            due = await tx.due_reveals(now)
        for drill in due:
            async with self.d.store.transaction() as tx:
                won = await tx.mark_revealed(drill.id, now)
                answers = await tx.drill_answers(drill.id) if won else []
                channel = await tx.get_channel(drill.channel_id)
            item = self.d.library.get(drill.item_id)
            if not won or channel is None or not isinstance(item, OpenQuestion | MultipleChoice):
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
            try:
                if drill.message_ref:
                    await self.d.chat.reply(
                        channel.workspace_id, channel.external_id, drill.message_ref, message
                    )
                else:
                    await self.d.chat.post(channel.workspace_id, channel.external_id, message)
            except ChatError as exc:
                # Undo the mark so the next tick tries again; a reveal is never lost.
                log.warning("reveal of drill %s failed (%s); will retry", drill.id, exc)
                async with self.d.store.transaction() as tx:
                    await tx.unmark_revealed(drill.id)

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
            won = await tx.claim_post(channel.id, "leaderboard", rules.week_key(local_date))
        if not won:
            return
        rows = await self.boards.rows(channel.workspace_id, channel.id, "this-week", local_date)
        message = views.leaderboard_message(rows, "this-week", f"#{channel.name}")
        try:
            await self.d.chat.post(channel.workspace_id, channel.external_id, message)
        except ChatError as exc:
            log.warning("weekly leaderboard for %s failed (%s); will retry", channel.name, exc)
            async with self.d.store.transaction() as tx:
                await tx.release_post(channel.id, "leaderboard", rules.week_key(local_date))


def rules_day(day: dt.date) -> str:
    return ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.weekday()]
