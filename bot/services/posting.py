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
import time
from dataclasses import replace
from functools import partial

from bot.domain import privacy
from bot.domain.items import MultipleChoice, OpenQuestion
from bot.domain.model import Channel, Drill, DrillState, DrillStats, Lease, Schedule
from bot.domain.rotation import choose, eligible
from bot.messaging.message import Context, Message, Section
from bot.observability import context as log_context
from bot.services import fanout, views
from bot.services.boards import Boards
from bot.services.delivery import Delivery, Target
from bot.services.deps import Deps
from bot.services.due import DueBoard, DuePlanner, DueSlot
from bot.services.practice import Practice, with_self_rating
from bot.services.store import Tx
from bot.services.weekly_extras import weekly_extras, with_weekly_chart

QUOTE_TRIES = 20
"""Best answers a sharing channel's reveal looks through for one whose author did not opt out."""

log = logging.getLogger("drillbot.posting")


def drill_key(drill_id: int) -> str:
    return f"drill:{drill_id}"


def reveal_key(drill_id: int) -> str:
    return f"reveal:{drill_id}"


class Posting:
    def __init__(self, deps: Deps, boards: Boards) -> None:
        self.d = deps
        self.boards = boards
        self.delivery = Delivery(deps)
        self.practice = Practice(deps)
        self.planner = DuePlanner()
        self._channels: dict[int, Channel] = {}
        self._seq = 0
        self._channels_read: float | None = None
        """When every channel was last read (monotonic seconds)."""

    # --- the tick --------------------------------------------------------------------------
    async def tick(self, now: dt.datetime | None = None) -> None:
        """Post what is due: its cost grows with what is due, not with the channels' number or
        their history (see ``DuePlanner``); the posts go out concurrently (``fanout``)."""
        now = now or self.d.clock.now()
        grace = self.d.settings.grace
        async with self.d.store.transaction(read_only=True) as tx:
            channels = await self._scheduled_channels(tx)
            slots, boards = self.planner.candidates(channels, now, grace)
            existing = await tx.existing_drills(
                [(s.channel.id, s.slot, s.local_date) for s in slots]
            )
            to_claim = [s for s in slots if (s.channel.id, s.slot, s.local_date) not in existing]
            # Every due channel's history in one read: the picks below need it, and a read
            # per channel would cost a fan-out thousands of transactions.
            histories = await tx.channels_items([s.channel.id for s in to_claim])
            delivered = await tx.leases_done([b.key for b in boards])
            # Fetched before this tick posts anything: a post that fails now waits for the
            # next tick instead of being retried at once.
            unposted = await tx.drills_to_retry(now - grace)
            reveals = await tx.due_reveals(now)
        plan = fanout.Plan()
        for due in slots:
            if (due.channel.id, due.slot, due.local_date) in existing:
                self.planner.done(due.channel.id, str(due.slot), due.local_date)
                continue
            plan.add(
                due.channel.id,
                due.channel.workspace_id,
                f"the {due.slot} drill of {due.local_date} in {due.channel.name}",
                # A channel's jobs run in turn and share its history, so a second slot due in
                # the same minute sees the first one's question.
                partial(self._post_slot, due, now, histories[due.channel.id]),
            )
        for board in boards:
            if board.key in delivered:
                self.planner.done(board.channel.id, "board", board.local_date)
                continue
            plan.add(
                board.channel.id,
                board.channel.workspace_id,
                f"the weekly board of {board.channel.name}",
                partial(self._post_weekly_board, board, now),
            )
        for drill in unposted:
            plan.add(
                drill.channel_id,
                drill.workspace_id,
                f"drill {drill.id} (retry)",
                partial(self._retry, drill, now),
            )
        for drill in reveals:
            plan.add(
                drill.channel_id,
                drill.workspace_id,
                f"the reveal of drill {drill.id}",
                partial(self._reveal, drill, now),
            )
        if plan:
            settings = self.d.settings
            await fanout.run(
                plan,
                settings.max_concurrent_posts,
                settings.posts_per_workspace,
                stopping=lambda: self.d.draining,
                order_seed=settings.owner,
            )

    async def _scheduled_channels(self, tx: Tx) -> list[Channel]:
        """Every channel with a schedule. Only those whose schedule changed since the last
        tick are read (every save stamps a sequence number, here or in another process); all
        of them again every ``channels_ttl``, as a backstop. Decoding thousands of schedules on
        every tick would cost more than the rest of an idle tick."""
        ttl = self.d.settings.channels_ttl.total_seconds()
        if self._channels_read is None or time.monotonic() - self._channels_read > ttl:
            self._seq, everyone = await tx.channels_changed_since(0)
            self._channels = {c.id: c for c in everyone}
            self._channels_read = time.monotonic()
        else:
            self._seq, changed = await tx.channels_changed_since(self._seq)
            self._channels.update((c.id, c) for c in changed)
        return list(self._channels.values())

    async def next_due(self, after: dt.datetime) -> dt.datetime | None:
        """The first instant after ``after`` at which ``tick`` has something to do."""
        async with self.d.store.transaction(read_only=True) as tx:
            channels = await self._scheduled_channels(tx)
            reveal = await tx.next_reveal_at(after)
        slot = self.planner.next_at(channels, after)
        return min((t for t in (reveal, slot) if t is not None), default=None)

    # --- drills ----------------------------------------------------------------------------
    async def _post_slot(self, due: DueSlot, now: dt.datetime, history: list[str]) -> None:
        """Claim the slot's drill and post it (or, found too late, record it skipped).
        ``history`` is the channel's item ids, oldest first; the claimed item is added."""
        channel, slot, local_date = due.channel, due.slot, due.local_date
        schedule = channel.schedule
        assert schedule is not None
        late = now - due.scheduled_at > self.d.settings.grace
        seed = f"{channel.id}:{slot}:{local_date}"
        item = self._pick(channel, schedule, due.kind, history, seed)
        claimed: Drill | None = None
        lease: Lease | None = None
        if item is not None:

            async def claim(tx: Tx) -> tuple[Drill | None, Lease | None]:
                assert item is not None and schedule is not None
                drill = await tx.claim_drill(
                    workspace_id=channel.workspace_id,
                    channel_id=channel.id,
                    slot=slot,
                    local_date=local_date,
                    # A skipped slot uses up no question, so rotation is not disturbed.
                    item_id="" if late else item.id,
                    kind=due.kind,
                    scheduled_at=due.scheduled_at,
                    reveal_at=due.scheduled_at + schedule.answer_window,
                    state=DrillState.SKIPPED if late else DrillState.CLAIMED,
                )
                if drill is None or late:
                    return drill, None
                # In the claim's own transaction: a crash right after it leaves a lease that
                # expires, never a drill nobody may post.
                return drill, await self.delivery.take(tx, drill_key(drill.id), now)

            # Claims of a fan-out share transactions; the order is the drills' unique key, so
            # two processes claiming the same minute lock its rows in the same order.
            claimed, lease = await self.delivery.commits.run(
                claim, order=f"claim:{channel.id}:{slot}:{local_date}"
            )
            if claimed is not None and claimed.item_id:
                history.append(claimed.item_id)
        if item is None:
            # Nothing to pick until the filters or the content change: once the channel is
            # told, this occurrence is not looked at again (the next one is).
            if late or await self._tell_nothing_eligible(channel, schedule, due.kind, now):
                self.planner.done(channel.id, str(slot), local_date)
            return
        self.planner.done(channel.id, str(slot), local_date)
        if claimed is None:
            return
        if late:
            log.warning(
                "skipped the %s drill of %s for %s: found %s late, past the %s grace window",
                slot,
                local_date,
                channel.name,
                now - due.scheduled_at,
                self.d.settings.grace,
            )
            return
        if lease is not None:
            await self._deliver(channel, claimed, item, lease)

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
        with log_context.bound(drill=drill.id):
            sent = await self.delivery.send(lease, target, message, posted, look_since=look_since)
        if sent is not None:
            self.d.metrics.scheduler_lag((self.d.clock.now() - drill.scheduled_at).total_seconds())

    async def _retry(self, drill: Drill, now: dt.datetime) -> None:
        """A drill claimed but not posted: a failed post, or a process that died holding it."""
        lease = await self.delivery.take_now(drill_key(drill.id), now)
        if lease is None:
            return
        async with self.d.store.transaction(read_only=True) as tx:
            channel = await tx.get_channel(drill.channel_id)
        item = self.d.library.get(drill.item_id)
        if (
            channel is None
            or channel.schedule is None
            or not isinstance(item, OpenQuestion | MultipleChoice)
        ):
            await self.delivery.release(lease)
            return
        # A drill claimed before leases existed has no record of earlier attempts: look.
        look = drill.scheduled_at if lease.attempts == 1 else None
        await self._deliver(channel, drill, item, lease, look_since=look)

    async def _tell_nothing_eligible(
        self, channel: Channel, schedule: Schedule, kind: str, now: dt.datetime
    ) -> bool:
        """Say once (per set of filters) that the channel's filters leave nothing to post;
        whether it has been said (now, before, or by another process now)."""
        filters = f"{schedule.packs}|{schedule.topics}|{schedule.levels}"
        digest = hashlib.sha256(filters.encode()).hexdigest()[:12]
        key = f"nothing-eligible:{channel.id}:{kind}:{digest}"
        lease = await self.delivery.take_now(key, now)
        if lease is None:
            return True
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
        target = Target(channel.workspace_id, channel.external_id)
        return await self.delivery.send(lease, target, message) is not None

    # --- reveals ---------------------------------------------------------------------------
    async def _reveal(self, drill: Drill, now: dt.datetime) -> None:
        lease = await self.delivery.take_now(reveal_key(drill.id), now)
        if lease is None:
            return
        # Read once the lease is held: answers made until now are in the stats. (One made
        # while the reveal is being posted is recorded; the drill closes when it is marked.)
        best: tuple[str, str] | None = None
        async with self.d.store.transaction(read_only=True) as tx:
            answers = await tx.drill_answers(drill.id)
            channel = await tx.get_channel(drill.channel_id)
            if channel is not None and privacy.may_quote(channel):
                # Only where an admin turned sharing on (bot.domain.privacy): the best answer
                # of someone who has not opted out.
                for candidate in privacy.quote_order(answers)[:QUOTE_TRIES]:
                    author = await tx.get_person(candidate.person_id)
                    if author is not None and privacy.on_public_board(author):
                        best = (candidate.text or "", author.display_name)
                        break
        item = self.d.library.get(drill.item_id)

        async def revealed(tx: Tx, ref: str) -> None:
            if await tx.mark_revealed(drill.id, now) and isinstance(
                item, OpenQuestion | MultipleChoice
            ):
                # Its answers, final now, become reviews of their people's cards (issue 13),
                # with the reveal's mark: once per drill whatever retries the post.
                await self.practice.review_drill(tx, item, await tx.drill_answers(drill.id))

        if channel is None or not isinstance(item, OpenQuestion | MultipleChoice):
            # Nothing to say (the question left the library): close it, so answers stop.
            await self.delivery.finish_unsent(lease, revealed)
            return
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
        message = with_self_rating(views.reveal_message(item, stats, topic, best), item)
        target = Target(channel.workspace_id, channel.external_id, thread=drill.message_ref)
        with log_context.bound(drill=drill.id):
            sent = await self.delivery.send(lease, target, message, revealed)
        if sent is not None:
            self.d.metrics.scheduler_lag((self.d.clock.now() - drill.reveal_at).total_seconds())

    # --- weekly leaderboard ----------------------------------------------------------------
    async def _post_weekly_board(self, due: DueBoard, now: dt.datetime) -> None:
        channel = due.channel
        lease = await self.delivery.take_now(due.key, now)
        if lease is None:
            return
        rows = await self.boards.rows(channel.workspace_id, channel.id, "this-week", due.local_date)
        message = views.leaderboard_message(rows, "this-week", f"#{channel.name}")
        extras = await weekly_extras(self.d, self.boards, channel, due.local_date)
        message = replace(message, blocks=(*message.blocks, *extras))
        message = await with_weekly_chart(self.d, channel, message)
        sent = await self.delivery.send(
            lease, Target(channel.workspace_id, channel.external_id), message
        )
        if sent is not None:
            self.planner.done(channel.id, "board", due.local_date)
            self.d.metrics.scheduler_lag((self.d.clock.now() - due.scheduled_at).total_seconds())


def rules_day(day: dt.date) -> str:
    return ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day.weekday()]
