"""Who holds a lease: this process's identity, and whether another holder is known to be dead.

An identity reads ``host:pid:random``. The host and pid say where to look when reading the
database; the random part makes every start a new identity, so a restarted process (same host,
perhaps the same pid, as PID 1 in a container always is) never takes an old lease for its own.
"""

from __future__ import annotations

import os
import socket
import uuid

HOST = socket.gethostname()[:80]
_MINE: set[str] = set()
"""Identities handed out in this process (one per engine; tests run several side by side)."""


def process_identity() -> str:
    identity = f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    _MINE.add(identity)
    return identity


def holder_is_dead(holder: str, me: str) -> bool:
    """Whether the process named ``holder`` certainly no longer runs, as far as this host can
    tell: it ran here, and its pid is now ours (an earlier life of this process, e.g. PID 1 of a
    restarted container) or no process's at all. A holder on another host, or whose pid is
    alive (even if reused by someone else), is left to its lease's expiry."""
    parts = holder.rsplit(":", 2)
    if len(parts) != 3 or holder == me or holder in _MINE:
        return False
    host, pid_text, _ = parts
    if host != HOST or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's process: alive
        return False
    return False
