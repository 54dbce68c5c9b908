"""Log output: plain text for a terminal, or one JSON object per line (``LOG_FORMAT=json``).

Every handler gets ``RedactSecrets``: whatever a library or a traceback prints, a Slack token
(``xoxb-``, ``xoxp-``, ``xapp-``, ``xoxe-`` ...) or a Discord bot token never reaches the
output. Answer texts are kept out at the source: no log call is given one.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from typing import TextIO

from bot.observability import context

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

REDACTED = "<redacted>"

_PATTERNS = (
    # Slack: bot, user, app-level, refresh and config tokens.
    re.compile(r"\bx(?:ox[a-z]|oxe\.xox[bp]|app)-[A-Za-z0-9-]+"),
    # Discord bot token: the bot's id in base64, a timestamp, an HMAC.
    re.compile(r"\b[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,}"),
    # A Fernet token (an encrypted secret from the database) is not secret but is noise.
    re.compile(r"\bgAAAAA[A-Za-z0-9_=-]{40,}"),
)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


class RedactSecrets(logging.Filter):
    """Token-shaped strings, and any secret it is told, out of messages and tracebacks."""

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        # A secret too short to be one (a test's "s") would blank every such letter.
        self.secrets = tuple(s for s in secrets if s and len(s) >= 6)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            text = redact(logging.Formatter().formatException(record.exc_info), self.secrets)
            record.exc_info, record.exc_text = None, text
        elif record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


class ContextFilter(logging.Filter):
    """Copies the task's log context onto the record, where the formatters find it."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in context.current().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the context fields set."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in context.FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


def formatter(fmt: str) -> logging.Formatter:
    return JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT)


def dress(handler: logging.Handler, fmt: str) -> logging.Handler:
    """A handler with drillbot's format, context and redaction."""
    handler.setFormatter(formatter(fmt))
    handler.addFilter(QuietLibraries())
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactSecrets())
    return handler


def configure(level: str, fmt: str, stream: TextIO = sys.stderr) -> None:
    """The root logger's one handler. ``fmt`` is ``text`` or ``json``."""
    root = logging.getLogger()
    if root.handlers:
        # Someone set logging up first (a test runner, an embedding program): keep their
        # format, but redaction and context hold on every handler whoever made it.
        for handler in root.handlers:
            if not any(isinstance(f, RedactSecrets) for f in handler.filters):
                handler.addFilter(QuietLibraries())
                handler.addFilter(ContextFilter())
                handler.addFilter(RedactSecrets())
    else:
        root.addHandler(dress(logging.StreamHandler(stream), fmt))
    root.setLevel(getattr(logging, level.upper(), logging.INFO))
    quiet_libraries()


CHATTY = (
    "slack_sdk",
    "slack_bolt",
    "drillbot.slack.bolt",
    "drillbot.slack.web",
    "drillbot.slack.webhook",
    "drillbot:",
    "discord.http",
    "discord.gateway",
    "discord.webhook",
    "aiosqlite",
    "asyncpg",
    "sqlalchemy.engine",
)
"""Loggers whose DEBUG lines carry request bodies or SQL parameters: what people wrote (answers)
and what the bot sent them (feedback quoting it). Their DEBUG lines never reach a handler,
whatever LOG_LEVEL says. (A filter, not a level: Bolt copies its logger's level onto the
``drillbot`` logger, and would quieten ours too.)"""


class QuietLibraries(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.INFO or not record.name.startswith(CHATTY)


def quiet_libraries() -> None:
    # APScheduler logs every run of every job at INFO: a line a minute that says nothing.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
