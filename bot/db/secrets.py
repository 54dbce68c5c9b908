"""Platform secrets at rest: Fernet encryption with keys from ``DRILLBOT_SECRET_KEY``.

The variable holds one key or several, comma-separated, newest first (``MultiFernet``): the
first encrypts, every one decrypts, so a key is rotated by putting the new one in front,
running ``drillbot db encrypt-tokens`` (which rewrites every stored token with the first key),
then dropping the old one. A stored value that is encrypted starts with ``fernet:``; one that
does not is a token stored in the clear (before a key was set) and is read as it is, so setting
a key never locks the bot out of what it stored before.

Without a key the bot still runs, and says once that tokens are stored in the clear.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger("drillbot.secrets")

PREFIX = "fernet:"

_warned = threading.Event()


class SecretKeyError(ValueError):
    """DRILLBOT_SECRET_KEY is not a list of Fernet keys, or a stored token will not decrypt."""


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


class TokenCipher:
    """Encrypts what is written, decrypts what is read; a no-op without keys."""

    def __init__(self, keys: list[str]) -> None:
        try:
            fernets = [Fernet(k.strip().encode("ascii")) for k in keys if k.strip()]
        except (ValueError, UnicodeEncodeError):
            # Never echo the value: it is a secret even when it is a wrong one.
            raise SecretKeyError(
                "DRILLBOT_SECRET_KEY must be Fernet keys (32 url-safe base64-encoded bytes), "
                "comma-separated; make one with `drillbot db new-key`."
            ) from None
        self._fernet = MultiFernet(fernets) if fernets else None
        self._first = fernets[0] if fernets else None

    @classmethod
    def from_keys(cls, value: str | None) -> TokenCipher:
        return cls((value or "").split(","))

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenCipher:
        key = settings.secret_key.get_secret_value() if settings.secret_key else None
        return cls.from_keys(key)

    @property
    def enabled(self) -> bool:
        return self._fernet is not None

    def warn_if_clear(self) -> None:
        """Say once per process that tokens are kept in the clear (no key set)."""
        if self.enabled or _warned.is_set():
            return
        _warned.set()
        log.warning(
            "DRILLBOT_SECRET_KEY is not set: platform tokens are stored in the database in the "
            "clear. Set it (make one with `drillbot db new-key`) to encrypt them."
        )

    def encrypt(self, value: str | None) -> str | None:
        if value is None or self._first is None or value.startswith(PREFIX):
            return value
        return PREFIX + self._first.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, value: str | None) -> str | None:
        if value is None or not value.startswith(PREFIX):
            return value
        if self._fernet is None:
            raise SecretKeyError(
                "a stored token is encrypted but DRILLBOT_SECRET_KEY is not set: set the key it "
                "was encrypted with."
            )
        try:
            return self._fernet.decrypt(value[len(PREFIX) :].encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise SecretKeyError(
                "a stored token does not decrypt with any key in DRILLBOT_SECRET_KEY: keep the "
                "old key in the list (after the new one) until `drillbot db encrypt-tokens` ran."
            ) from None

    def current(self, value: str | None) -> str | None:
        """``value`` as it should be stored now: encrypted with the first key (None when it
        already is, or when there is no key)."""
        if value is None or self._fernet is None or self._first is None:
            return None
        if not value.startswith(PREFIX):
            return self.encrypt(value)
        token = value[len(PREFIX) :].encode("ascii")
        try:
            self._first.decrypt(token)
            return None
        except InvalidToken:
            pass
        try:
            return PREFIX + self._fernet.rotate(token).decode("ascii")
        except InvalidToken:
            raise SecretKeyError(
                "a stored token does not decrypt with any key in DRILLBOT_SECRET_KEY"
            ) from None


def reset_warning() -> None:
    """Tests: let the next cipher without a key warn again."""
    _warned.clear()


TOKEN_COLUMNS: dict[str, tuple[str, ...]] = {
    "slack_installations": ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token"),
}
"""Every column that holds a platform secret. (``discord_state`` holds none: the Discord token
comes from the environment only.)"""


def rewrite_tokens(conn: Connection, cipher: TokenCipher) -> int:
    """Store every token encrypted with the first key: tokens in the clear are encrypted, ones
    under an older key re-encrypted. Returns how many rows changed. Synchronous, so that a
    migration (``op.get_bind()``) and the CLI (``run_sync``) share it."""
    if not cipher.enabled:
        return 0
    changed = 0
    for name, columns in TOKEN_COLUMNS.items():
        table = sa.table(name, sa.column("id", sa.Integer), *(sa.column(c) for c in columns))
        rows = conn.execute(sa.select(table)).all()
        for row in rows:
            values = {c: cipher.current(getattr(row, c)) for c in columns}
            values = {c: v for c, v in values.items() if v is not None}
            if values:
                conn.execute(sa.update(table).where(table.c.id == row.id).values(**values))
                changed += 1
    return changed
