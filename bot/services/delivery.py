"""Exactly-once delivery of the messages drillbot posts on its own: drills, reveals, weekly
boards, idle debriefs.

Each such message has a key (``drill:42``). Posting it goes:

1. take the key's lease in the database (who, until when), in the same transaction that
   decided the message is due; a lease nobody finished and whose holder is gone expires, and
   the next tick of any process takes it over;
2. when the lease was taken before (its holder may have died after the platform accepted the
   post), ask the platform whether a message with this key is already there, and adopt it;
3. otherwise post it, stamped with its key, renewing the lease while the platform is slow;
4. mark the delivery done (and record what it means, e.g. the drill is posted) only after the
   platform accepted it. A failed post releases the lease, so the next tick retries it.

No two ticks post under one lease, a crash at any point leaves a lease that expires, and the
look in step 2 turns "posted but not recorded" into one message instead of two.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace

from bot.domain.model import Lease
from bot.messaging.message import Message
from bot.messaging.port import ChatError
from bot.services.deps import Deps
from bot.services.group_commit import GroupCommit
from bot.services.identity import holder_is_dead
from bot.services.metrics import platform_of
from bot.services.store import StoreUnavailable, Tx

log = logging.getLogger("drillbot.delivery")

Record = Callable[[Tx, str], Awaitable[None]]
"""What a delivered message means for the store, run in the transaction that marks it done."""

RELEASE_TIMEOUT = 5.0
"""Seconds to give back a lease on the way out; past that the lease simply expires."""


@dataclass(frozen=True)
class Target:
    """Where a message goes: a channel, a thread in it, or a direct message."""

    workspace_id: str
    channel: str = ""
    thread: str | None = None
    user: str | None = None
    """Set for a direct message to this person (``channel`` is then unused)."""


class Delivery:
    def __init__(self, deps: Deps) -> None:
        self.d = deps
        self.commits = GroupCommit(deps.store)
        """Claims and marks of concurrent posts, written together (see ``group_commit``)."""

    @property
    def owner(self) -> str:
        return self.d.settings.owner

    async def take(self, tx: Tx, key: str, now: dt.datetime) -> Lease | None:
        """The lease of ``key`` for this process, or None (done, or held by someone else)."""
        if self.d.draining:
            return None
        until = now + self.d.settings.lease
        lease = await tx.take_lease(key, self.owner, now, until)
        if lease is not None:
            return lease
        holder = await tx.lease_holder(key)
        if holder is None or not holder_is_dead(holder, self.owner):
            return None
        # Killed on this host (a crash and a restart): no need to wait for its lease to expire.
        log.info("%s was held by %s, which is gone; taking it over", key, holder)
        return await tx.take_lease(key, self.owner, now, until, steal_from=holder)

    async def take_now(self, key: str, now: dt.datetime) -> Lease | None:
        """``take`` in a transaction of its own (shared with other posts' writes)."""
        return await self.commits.run(lambda tx: self.take(tx, key, now), order=key)

    async def send(
        self,
        lease: Lease,
        target: Target,
        message: Message,
        record: Record | None = None,
        look_since: dt.datetime | None = None,
    ) -> str | None:
        """Post ``message`` under ``lease`` unless an earlier attempt did; then mark it done.

        ``look_since`` asks the platform first even on a first lease (a message that may have
        been posted before leases existed), from that instant. Returns the message's reference,
        or None when it could not be posted now (the lease is released for a later tick).
        """
        message = replace(message, key=lease.key)
        if self.d.draining:
            await self.release(lease)
            return None
        try:
            ref: str | None = None
            if lease.retried or look_since is not None:
                since = lease.first_claimed_at
                if look_since is not None:
                    since = min(since, look_since)
                ref = await self._find(target, lease.key, since, message)
                if ref is not None:
                    log.info("%s was posted by an earlier attempt; adopting it", lease.key)
            if ref is None:
                async with self._renewing(lease):
                    ref = await self._post(target, message)
        except ChatError as exc:
            log.warning("posting %s failed (%s); a later tick retries it", lease.key, exc)
            self.d.metrics.post(message.kind, platform_of(target.workspace_id), ok=False)
            await self.release(lease)
            return None
        except asyncio.CancelledError:
            # Stopping mid-post: whether it landed is unknown, so the next holder looks first.
            await self.release(lease)
            raise
        await self.d.retrying(f"recording {lease.key}", lambda: self._finish(lease, ref, record))
        self.d.metrics.post(message.kind, platform_of(target.workspace_id), ok=True)
        log.info("posted %s", lease.key)
        return ref

    async def finish_unsent(self, lease: Lease, record: Record | None = None) -> None:
        """Close a delivery that can no longer be posted (its channel or question is gone)."""
        await self.d.retrying(f"closing {lease.key}", lambda: self._finish(lease, "", record))

    async def release(self, lease: Lease) -> None:
        try:
            async with asyncio.timeout(RELEASE_TIMEOUT):
                async with self.d.store.transaction() as tx:
                    await tx.release_lease(lease.key, lease.owner)
        except (StoreUnavailable, TimeoutError) as exc:
            log.warning("could not release %s (%s); it expires by itself", lease.key, exc)

    # --- the steps ---------------------------------------------------------------------------
    async def _find(
        self, target: Target, key: str, since: dt.datetime, message: Message
    ) -> str | None:
        chat = self.d.chat
        if target.user is not None:
            return await chat.find_direct(target.workspace_id, target.user, key, since, message)
        return await chat.find_posted(
            target.workspace_id, target.channel, key, since, thread=target.thread, message=message
        )

    async def _post(self, target: Target, message: Message) -> str:
        chat = self.d.chat
        if target.user is not None:
            return await chat.send_direct(target.workspace_id, target.user, message)
        if target.thread:
            return await chat.reply(target.workspace_id, target.channel, target.thread, message)
        return await chat.post(target.workspace_id, target.channel, message)

    async def _finish(self, lease: Lease, ref: str, record: Record | None) -> None:
        async def finish(tx: Tx) -> None:
            if not await tx.finish_lease(lease.key, self.d.clock.now(), ref or None):
                # Only when this process lost its lease while the platform was slower than the
                # lease, and the next holder posted too.
                log.error("%s was recorded by another process first: posted twice", lease.key)
                return
            if record is not None:
                await record(tx, ref)

        await self.commits.run(finish, order=lease.key)

    @contextlib.asynccontextmanager
    async def _renewing(self, lease: Lease) -> AsyncIterator[None]:
        """Keep the lease while the platform is slow (429 waits, retries of 5xx)."""
        period = self.d.settings.lease.total_seconds() / 3

        async def renew() -> None:
            while True:
                await asyncio.sleep(period)
                until = self.d.clock.now() + self.d.settings.lease
                try:
                    async with self.d.store.transaction() as tx:
                        kept = await tx.renew_lease(lease.key, lease.owner, until)
                except StoreUnavailable as exc:
                    log.warning("could not renew %s (%s)", lease.key, exc)
                    continue
                if not kept:
                    log.warning("lost the lease of %s while posting it", lease.key)
                    return

        task = asyncio.create_task(renew())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
