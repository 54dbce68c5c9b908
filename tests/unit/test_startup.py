"""Starting with a database that is wrong or down ends in one clear line, not a traceback."""

from __future__ import annotations

import pytest

from bot.bootstrap import StartupError, open_configured_store
from bot.cli import main
from bot.config import Settings


def test_an_unsupported_database_url_is_named_with_the_accepted_forms(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://db.example/drills")
    assert main(["run", "--platform", "console"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("drillbot will not start: DATABASE_URL scheme 'mysql'")
    assert "sqlite:///relative/path.db" in err[-1] and "Traceback" not in "\n".join(err)


async def test_an_unreachable_database_is_retried_then_reported() -> None:
    settings = Settings(DATABASE_URL="postgresql://drill:secret@127.0.0.1:9/drills")
    with pytest.raises(StartupError) as caught:
        await open_configured_store(settings, retry_delay=0.01)
    message = str(caught.value)
    assert "is unreachable after 4 attempts" in message
    assert "secret" not in message  # the password never reaches a log or a terminal
