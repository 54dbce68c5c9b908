"""Keeping a long-running process's resident size near what it uses (``bot.memory``, issue 14)."""

from __future__ import annotations

import ctypes
import gc

import pytest

from bot import memory

glibc_only = pytest.mark.skipif(
    memory._glibc() is None,
    reason="malloc_trim and mallopt are glibc's; elsewhere bot.memory does nothing (tested below)",
)
BLOCK = 64 * 1024
"""Under glibc's smallest mmap threshold (128 KiB): such blocks come from the heap."""


def rss_kib() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


@glibc_only
def test_free_pages_glibc_kept_inside_the_heap_are_given_back() -> None:
    libc = ctypes.CDLL(None)
    libc.malloc.argtypes, libc.malloc.restype = (ctypes.c_size_t,), ctypes.c_void_p
    libc.free.argtypes, libc.free.restype = (ctypes.c_void_p,), None
    blocks = [libc.malloc(BLOCK) for _ in range(513)]  # 32 MiB, made resident below
    for block in blocks:
        ctypes.memset(block, 1, BLOCK)
    # The last block, taken from the top of the heap after the others, stays: their free space
    # is then not at the top, where glibc trims by itself, and stays resident until someone
    # asks for it to be handed back.
    *freed, guard = blocks
    try:
        for block in freed:
            libc.free(block)
        kept = rss_kib()
        assert memory.release_free_memory()
        assert kept - rss_kib() >= 16 * 1024
    finally:
        libc.free(guard)


@glibc_only
def test_arenas_are_capped_unless_the_environment_already_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert not memory.cap_arenas()
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    assert memory.cap_arenas()


def test_without_glibc_nothing_is_done(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "_glibc", lambda: None)
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert not memory.cap_arenas()
    assert not memory.release_free_memory()


def test_what_the_start_loaded_leaves_the_collectors_view() -> None:
    """A full collection no longer walks what was alive when the process settled."""
    gc.unfreeze()
    loaded = [[n] for n in range(50_000)]  # long-lived, tracked by the collector
    try:
        frozen = memory.settle_heap()
        assert frozen == gc.get_freeze_count() and frozen >= len(loaded)
        tracked_after = len(gc.get_objects())
        assert tracked_after < frozen, "the frozen objects are not walked any more"
    finally:
        gc.unfreeze()
