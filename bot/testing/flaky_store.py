"""A store that is unreachable for its next N transactions (database outage drills)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.services.store import Store, StoreUnavailable, Tx


class FlakyStore:
    def __init__(self, inner: Store, failures: int = 0) -> None:
        self.inner = inner
        self.failures = failures
        self.attempts = 0

    @asynccontextmanager
    async def transaction(self, *, read_only: bool = False) -> AsyncIterator[Tx]:
        self.attempts += 1
        if self.failures > 0:
            self.failures -= 1
            raise StoreUnavailable("connection refused (simulated)")
        async with self.inner.transaction(read_only=read_only) as tx:
            yield tx

    async def close(self) -> None:
        await self.inner.close()
