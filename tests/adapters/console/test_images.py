"""Pictures in the console: written under the data dir, their path printed after the text."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from pathlib import Path

import pytest

from bot.adapters.console.chat import ConsoleChat
from bot.messaging.message import Image, Message, Section

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
CHART = Image(PNG, "Chart: participation 80%.", "team-team-2026-10-05.png")
MESSAGE = Message("Team insights", blocks=(Section("Participation *80%*"), CHART))


def chat(out: io.StringIO, data_dir: Path | None) -> ConsoleChat:
    now = dt.datetime(2026, 10, 9, 16, 0, tzinfo=dt.UTC)
    return ConsoleChat(out, lambda: now, "UTC", data_dir)


def test_the_picture_is_written_and_its_path_printed(tmp_path: Path) -> None:
    out = io.StringIO()
    console = chat(out, tmp_path)
    asyncio.run(console.post("console", "team", MESSAGE))
    asyncio.run(console.post_private("console", "team", "you", MESSAGE))
    first = tmp_path / "images" / "001-team-team-2026-10-05.png"
    second = tmp_path / "images" / "002-team-team-2026-10-05.png"
    assert first.read_bytes() == PNG and second.read_bytes() == PNG
    text = out.getvalue()
    assert "Participation 80%" in text
    assert f"    [picture: {first}]" in text and f"[picture: {second}]" in text
    assert text.index("Participation 80%") < text.index("[picture:")


def test_the_default_is_the_data_dir_of_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRILLBOT_DATA_DIR", str(tmp_path / "data"))
    console = chat(io.StringIO(), None)
    assert console.image_dir == tmp_path / "data" / "images"


def test_a_picture_that_cannot_be_written_leaves_the_text(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    out = io.StringIO()
    asyncio.run(chat(out, blocked).post("console", "team", MESSAGE))
    assert "Participation 80%" in out.getvalue()
    assert "[picture not saved: " in out.getvalue()
