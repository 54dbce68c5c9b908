"""Which lease holders are known dead: only processes of this host that no longer run."""

from __future__ import annotations

import os
import subprocess
import sys

from bot.services.identity import HOST, holder_is_dead, process_identity


def test_a_live_process_here_or_anything_elsewhere_is_not_dead() -> None:
    me = process_identity()
    other_engine = process_identity()  # a second engine in this process: alive
    assert not holder_is_dead(me, me)
    assert not holder_is_dead(other_engine, me)
    assert not holder_is_dead(f"{HOST}:1:abcdef01", me)  # init runs: alive
    assert not holder_is_dead(f"another-host:{os.getpid()}:abcdef01", me)
    assert not holder_is_dead("dead", me)  # not an identity at all
    assert not holder_is_dead(f"{HOST}:notapid:abcdef01", me)


def test_an_earlier_life_of_this_pid_and_a_finished_process_are_dead() -> None:
    me = process_identity()
    assert holder_is_dead(f"{HOST}:{os.getpid()}:0123abcd", me)  # restarted with our pid
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert holder_is_dead(f"{HOST}:{child.stdout.strip()}:0123abcd", me)
