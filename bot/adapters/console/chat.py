"""The console's chat: what the bot posts is printed, labelled with where and for whom."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.adapters.console.render import render
from bot.messaging.message import Image, Message, images
from bot.messaging.port import Capabilities, NothingToFind

log = logging.getLogger("drillbot.console")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class ConsoleChat(NothingToFind):
    """The console conversation ends with its process: nothing posted earlier is ever found."""

    capabilities = Capabilities(
        buttons=False, modals=False, threads=True, ephemeral=True, edits=False
    )

    def __init__(
        self,
        out: TextIO,
        now: Callable[[], dt.datetime],
        zone: str,
        data_dir: Path | None = None,
    ) -> None:
        self.out = out
        self.now = now
        self.zone = ZoneInfo(zone)
        if data_dir is None:
            data_dir = Path(os.environ.get("DRILLBOT_DATA_DIR", "").strip() or "data")
        self.image_dir = data_dir / "images"
        """Where the pictures of messages are written (a terminal shows none): ``images/``
        in the data dir (``DRILLBOT_DATA_DIR``, default ``data``)."""
        self._count = 0
        self._images = 0
        self._last_stamp = ""

    def _stamp(self) -> None:
        stamp = self.now().astimezone(self.zone).strftime("%a %d %b %Y %H:%M %Z")
        if stamp != self._last_stamp:
            self.out.write(f"\n── {stamp} ──\n")
            self._last_stamp = stamp

    def _emit(self, header: str, message: Message) -> None:
        self._stamp()
        self.out.write(header + "\n")
        for line in render(message):
            self.out.write(f"    {line}\n" if line else "\n")
        for picture in images(message):
            self.out.write(f"    {self._save(picture)}\n")
        self.out.flush()

    def _save(self, picture: Image) -> str:
        """Write the picture under ``image_dir``; the line that says where (or that it could
        not be written: the text above carries its numbers)."""
        self._images += 1
        name = _UNSAFE.sub("-", picture.filename).strip(".-") or "image.png"
        path = self.image_dir / f"{self._images:03d}-{name}"
        try:
            self.image_dir.mkdir(parents=True, exist_ok=True)
            path.write_bytes(picture.png)
        except OSError as exc:
            log.warning("could not write %s: %s", path, exc)
            return f"[picture not saved: {type(exc).__name__}]"
        return f"[picture: {path}]"

    async def post(self, workspace_id: str, channel: str, message: Message) -> str:
        self._count += 1
        ref = f"m{self._count}"
        self._emit(f"#{channel} · drillbot [{ref}]", message)
        return ref

    async def reply(self, workspace_id: str, channel: str, thread: str, message: Message) -> str:
        self._count += 1
        ref = f"m{self._count}"
        self._emit(f"#{channel} · drillbot, in the thread of [{thread}] [{ref}]", message)
        return ref

    async def update(self, workspace_id: str, channel: str, ref: str, message: Message) -> None:
        del workspace_id, channel, ref, message

    async def post_private(
        self, workspace_id: str, channel: str, user: str, message: Message
    ) -> None:
        self._emit(f"#{channel} · drillbot → visible only to {user}", message)

    async def send_direct(self, workspace_id: str, user: str, message: Message) -> str:
        # Not labelled: nobody replies to a DM by its label, and transcripts keep their numbers.
        self._emit(f"DM to {user} · drillbot", message)
        return ""

    def note(self, text: str) -> None:
        """A line from the console itself, not from the bot."""
        self.out.write(f"· {text}\n")
        self.out.flush()
