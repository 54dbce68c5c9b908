"""Run a benchmark process's main coroutine, under cProfile when asked.

``DRILLBOT_BENCH_PROFILE=/tmp/prof`` writes the process's profile to ``/tmp/prof.<pid>`` (read
it with ``pstats``). Only the event loop's thread is profiled: aiosqlite's database thread
and other processes are not in it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any


def run(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    profile = os.environ.get("DRILLBOT_BENCH_PROFILE")
    if not profile:
        asyncio.run(main())
        return
    import cProfile

    profiler = cProfile.Profile()
    try:
        profiler.runcall(asyncio.run, main())
    finally:
        profiler.dump_stats(f"{profile}.{os.getpid()}")
