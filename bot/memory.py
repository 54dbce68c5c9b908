"""Keeping the resident size of a long-running process near what it uses (glibc's allocator).

Measured with ``bench/soak_bench.py`` (issue 14): after the first simulated week Python's live
objects grow by a few MB a month, yet RSS grew by a fifth. The rest was memory glibc had been
given back by the program and kept. aiosqlite runs each SQLite connection in a thread of its
own, and glibc gives threads arenas of their own (up to 8 per core); each arena keeps the free
memory of its busiest moment (Friday's boards: every pooled connection reading and sorting at
once), and those peaks grow with the data. So:

- ``cap_arenas``: at most two arenas, so threads reuse each other's free memory instead of each
  keeping its own. The same as ``MALLOC_ARENA_MAX=2`` (which the image sets too), applied by the
  process itself so that however it is started (``drillbot run``, a bench, a test) it gets it.
- ``release_free_memory``: ``malloc_trim(0)`` hands the free pages of every arena back to the
  system; housekeeping calls it after each run (hourly by default).

Where the C library is not glibc (musl, macOS) both do nothing and return False.

And one for Python's own collector, whatever the C library:

- ``settle_heap``: what the start loaded (the content library, the database's metadata, the
  platform libraries' caches) lives as long as the process, yet every full collection walks it:
  ~115-120 ms of the one thread that acknowledges requests, which fell in the middle of a burst
  of 500 clicks (bench/slack_clicks.py). Collected once and frozen after the start, it is out of
  the collector's view, and full collections take 2.5-3.5 ms. Later objects are collected as
  usual.
"""

from __future__ import annotations

import ctypes
import functools
import gc
import logging
import os

log = logging.getLogger("drillbot.memory")

ARENAS = 2
"""Two, not one: the event loop's thread keeps the main arena to itself most of the time, and
the database threads share the other instead of contending with the loop for one lock."""
_M_ARENA_MAX = -8
"""``mallopt``'s parameter number for the arena cap (glibc's malloc.h)."""


@functools.cache
def _glibc() -> ctypes.CDLL | None:
    try:
        # The process's own symbols: the C library it already runs on, whatever its file name.
        libc = ctypes.CDLL(None)
    except OSError:
        return None
    if not all(hasattr(libc, name) for name in ("gnu_get_libc_version", "mallopt", "malloc_trim")):
        return None
    libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    libc.mallopt.restype = ctypes.c_int
    libc.malloc_trim.argtypes = (ctypes.c_size_t,)
    libc.malloc_trim.restype = ctypes.c_int
    return libc


def cap_arenas(limit: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas at ``limit``; whether the cap was set here.

    glibc fixes its arena limit when a thread first needs a new arena past the eighth, so this
    works when called before the process starts its threads, or soon after (the composition
    root calls it). An explicit ``MALLOC_ARENA_MAX`` in the environment wins: it is left alone.
    """
    libc = _glibc()
    if libc is None or "MALLOC_ARENA_MAX" in os.environ:
        return False
    return bool(libc.mallopt(_M_ARENA_MAX, limit))


def release_free_memory() -> bool:
    """Give the free pages of every malloc arena back to the system; whether any were."""
    libc = _glibc()
    if libc is None:
        return False
    return bool(libc.malloc_trim(0))


def settle_heap() -> int:
    """Collect, then freeze what survives the start (``gc.freeze``), once the process has
    started; how many objects are frozen. Frozen objects are still freed when their last
    reference goes; only cycles among them wait for the process to end."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
