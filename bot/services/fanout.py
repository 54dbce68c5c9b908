"""Running one tick's posts concurrently: bounded overall and per workspace, each channel's own
posts in order.

Slack allows about one message a second per channel, so a thousand channels due at 09:00 can
all be served within seconds if they are not posted one after another. A channel's jobs run in
sequence (its drill before its reveal, in the order they were planned); a job's failure is
logged and does not stop the others; a 429 waited out by one channel holds only that channel's
turn.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.observability import context as log_context
from bot.services.store import StoreUnavailable

log = logging.getLogger("drillbot.fanout")

Job = Callable[[], Awaitable[None]]


@dataclass
class Plan:
    """Jobs per channel, in the order each channel must run them."""

    jobs: dict[int, list[tuple[str, Job]]] = field(default_factory=dict)
    workspace_of: dict[int, str] = field(default_factory=dict)

    def add(self, channel_id: int, workspace_id: str, what: str, job: Job) -> None:
        self.jobs.setdefault(channel_id, []).append((what, job))
        self.workspace_of[channel_id] = workspace_id

    def __len__(self) -> int:
        return sum(len(jobs) for jobs in self.jobs.values())


async def run(
    plan: Plan,
    overall: int,
    per_workspace: int,
    stopping: Callable[[], bool],
    order_seed: str = "",
) -> None:
    """Run every channel's jobs; at most ``overall`` at once, ``per_workspace`` in one
    workspace. ``stopping`` is asked before each job: once it says so, no new job starts.

    Channels start in an order shuffled by ``order_seed`` (the process's identity): replicas
    that plan the same minute then work through it from different ends, and mostly find the
    other's share already claimed instead of racing for every channel."""
    everyone = asyncio.Semaphore(max(1, overall))
    workspaces: defaultdict[str, asyncio.Semaphore] = defaultdict(
        lambda: asyncio.Semaphore(max(1, per_workspace))
    )

    async def channel(channel_id: int, jobs: list[tuple[str, Job]]) -> None:
        workspace_id = plan.workspace_of[channel_id]
        workspace = workspaces[workspace_id]
        for what, job in jobs:
            if stopping():
                return
            bound = log_context.bound(workspace=workspace_id, channel=str(channel_id))
            async with workspace, everyone:
                try:
                    with bound:
                        await job()
                except StoreUnavailable as exc:
                    log.warning("%s postponed, database unreachable: %s", what, exc)
                except Exception:
                    log.exception("%s failed; a later tick retries it", what)

    order = sorted(plan.jobs)
    random.Random(order_seed).shuffle(order)
    await asyncio.gather(*(channel(cid, plan.jobs[cid]) for cid in order))
