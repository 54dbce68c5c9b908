"""Slack installations (OAuth mode) and OAuth state, in drillbot's own database.

``SqlInstallationStore`` is Bolt's ``AsyncInstallationStore`` over SQLAlchemy Core on the same
async engine as the main store: one row per workspace (or per org for org-wide installs),
replaced on reinstall, removed on uninstall. ``SqlOAuthStateStore`` keeps the OAuth ``state``
values so any replica can finish an install another one started. Migration 0003 creates both
tables; the row classes below describe them (registered on ``bot.db.tables.metadata``).

Absent enterprise and team ids are stored as ``""`` so the unique key (client, enterprise,
team) holds on every database. Tokens are stored as Slack gives them: protect the database
like the tokens themselves. Found bots are cached for a short while because Bolt looks the
installation up on every request, before it can acknowledge it.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from typing import Any

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from sqlalchemy import (
    Boolean,
    Integer,
    Row,
    String,
    Text,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.errors import translate_errors
from bot.db.secrets import TokenCipher, rewrite_tokens
from bot.db.tables import ID, NAME, Base
from bot.db.types import UtcDateTime

log = logging.getLogger("drillbot.slack.installations")


class SlackInstallationRow(Base):
    """Registered on ``bot.db.tables.metadata``; migration 0003 creates it."""

    __tablename__ = "slack_installations"
    __table_args__ = (UniqueConstraint("client_id", "enterprise_id", "team_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    app_id: Mapped[str] = mapped_column(String(64))
    enterprise_id: Mapped[str] = mapped_column(ID)
    """"" when the workspace is not in an Enterprise Grid org."""
    enterprise_name: Mapped[str] = mapped_column(NAME)
    team_id: Mapped[str] = mapped_column(ID)
    """"" for an org-wide install."""
    team_name: Mapped[str] = mapped_column(NAME)
    is_enterprise_install: Mapped[bool] = mapped_column(Boolean)
    bot_token: Mapped[str | None] = mapped_column(Text)
    bot_id: Mapped[str | None] = mapped_column(String(64))
    bot_user_id: Mapped[str | None] = mapped_column(String(64))
    bot_scopes: Mapped[str] = mapped_column(Text)
    bot_refresh_token: Mapped[str | None] = mapped_column(Text)
    bot_token_expires_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    user_id: Mapped[str] = mapped_column(ID)
    """Who installed the app."""
    user_token: Mapped[str | None] = mapped_column(Text)
    user_scopes: Mapped[str] = mapped_column(Text)
    user_refresh_token: Mapped[str | None] = mapped_column(Text)
    user_token_expires_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    token_type: Mapped[str | None] = mapped_column(String(32))
    installed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class SlackOAuthStateRow(Base):
    """One pending install (the ``state`` of an OAuth redirect); migration 0003 creates it."""

    __tablename__ = "slack_oauth_states"

    state: Mapped[str] = mapped_column(String(128), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


def _when(epoch: float | int | None) -> dt.datetime | None:
    return None if epoch is None else dt.datetime.fromtimestamp(float(epoch), dt.UTC)


def _epoch(value: dt.datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def _url(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=False)


class SqlInstallationStore(AsyncInstallationStore):
    def __init__(
        self,
        engine: AsyncEngine,
        client_id: str,
        cache_seconds: float = 30.0,
        cipher: TokenCipher | None = None,
    ) -> None:
        self.engine = engine
        self.client_id = client_id
        self.cipher = cipher or TokenCipher.from_keys(None)
        self.cipher.warn_if_clear()
        self.cache_seconds = cache_seconds
        self._bots: dict[tuple[str, str], tuple[float, Bot]] = {}
        self._logger = log

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    def __repr__(self) -> str:
        return f"SqlInstallationStore(client_id={self.client_id!r})"

    def _insert(self, conn: AsyncConnection) -> Any:
        if conn.dialect.name == "postgresql":
            return postgresql.insert(SlackInstallationRow)
        return sqlite.insert(SlackInstallationRow)

    # --- writing -----------------------------------------------------------------------------
    async def async_save(self, installation: Installation) -> None:
        values: dict[str, Any] = {
            "client_id": self.client_id,
            "app_id": installation.app_id or "",
            "enterprise_id": installation.enterprise_id or "",
            "enterprise_name": installation.enterprise_name or "",
            "team_id": "" if installation.is_enterprise_install else installation.team_id or "",
            "team_name": installation.team_name or "",
            "is_enterprise_install": bool(installation.is_enterprise_install),
            "bot_token": self.cipher.encrypt(installation.bot_token),
            "bot_id": installation.bot_id,
            "bot_user_id": installation.bot_user_id,
            "bot_scopes": ",".join(installation.bot_scopes or ()),
            "bot_refresh_token": self.cipher.encrypt(installation.bot_refresh_token),
            "bot_token_expires_at": _when(installation.bot_token_expires_at),
            "user_id": installation.user_id or "",
            "user_token": self.cipher.encrypt(installation.user_token),
            "user_scopes": ",".join(installation.user_scopes or ()),
            "user_refresh_token": self.cipher.encrypt(installation.user_refresh_token),
            "user_token_expires_at": _when(installation.user_token_expires_at),
            "token_type": installation.token_type,
            "installed_at": _when(installation.installed_at) or dt.datetime.now(dt.UTC),
        }
        with translate_errors(_url(self.engine)):
            async with self.engine.begin() as conn:
                stmt = self._insert(conn).values(**values)
                await conn.execute(
                    stmt.on_conflict_do_update(
                        index_elements=["client_id", "enterprise_id", "team_id"],
                        set_={k: stmt.excluded[k] for k in values if k not in _KEY},
                    )
                )
        self._forget(values["enterprise_id"], values["team_id"])
        log.info(
            "saved the installation of %s (%s)",
            installation.team_id or installation.enterprise_id,
            installation.team_name or installation.enterprise_name or "",
        )

    async def async_save_bot(self, bot: Bot) -> None:
        """A refreshed bot token (token rotation): update the workspace's row."""
        team_id = "" if bot.is_enterprise_install else bot.team_id or ""
        with translate_errors(_url(self.engine)):
            async with self.engine.begin() as conn:
                await conn.execute(
                    update(SlackInstallationRow)
                    .where(*self._where(bot.enterprise_id, team_id, bot.is_enterprise_install))
                    .values(
                        bot_token=self.cipher.encrypt(bot.bot_token),
                        bot_id=bot.bot_id,
                        bot_user_id=bot.bot_user_id,
                        bot_scopes=",".join(bot.bot_scopes or ()),
                        bot_refresh_token=self.cipher.encrypt(bot.bot_refresh_token),
                        bot_token_expires_at=_when(bot.bot_token_expires_at),
                    )
                )
        self._forget(bot.enterprise_id or "", team_id)

    # --- reading -----------------------------------------------------------------------------
    def _where(
        self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
    ) -> list[Any]:
        row = SlackInstallationRow
        conditions: list[Any] = [row.client_id == self.client_id]
        if is_enterprise_install or not team_id:
            conditions += [row.enterprise_id == (enterprise_id or ""), row.team_id == ""]
        else:
            # Team ids are unique across Slack: the enterprise id is not needed to find one
            # (and callers such as SlackChat do not know it).
            conditions.append(row.team_id == team_id)
        return conditions

    async def _find(
        self, enterprise_id: str | None, team_id: str | None, is_enterprise_install: bool | None
    ) -> Row[Any] | None:
        with translate_errors(_url(self.engine)):
            async with self.engine.connect() as conn:
                result = await conn.execute(
                    select(SlackInstallationRow)
                    .where(*self._where(enterprise_id, team_id, is_enterprise_install))
                    .order_by(SlackInstallationRow.installed_at.desc())
                    .limit(1)
                )
                found: Row[Any] | None = result.first()
        return found

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        key = (enterprise_id or "", "" if is_enterprise_install else team_id or "")
        cached = self._bots.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        row = await self._find(enterprise_id, team_id, is_enterprise_install)
        if row is None or not row.bot_token or not row.bot_id or not row.bot_user_id:
            return None
        bot = Bot(**_bot_fields(row, self.cipher))
        self._bots[key] = (time.monotonic() + self.cache_seconds, bot)
        return bot

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        row = await self._find(enterprise_id, team_id, is_enterprise_install)
        if row is None or (user_id is not None and row.user_id != user_id):
            return None
        return Installation(
            **_bot_fields(row, self.cipher),
            user_id=row.user_id,
            user_token=self.cipher.decrypt(row.user_token),
            user_scopes=row.user_scopes,
            user_refresh_token=self.cipher.decrypt(row.user_refresh_token),
            user_token_expires_at=_epoch(row.user_token_expires_at),
            token_type=row.token_type,
        )

    # --- uninstalling ------------------------------------------------------------------------
    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._delete(enterprise_id, team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        if user_id is None:
            await self._delete(enterprise_id, team_id)
            return
        # A user's token was revoked: keep the bot, drop that user's token.
        with translate_errors(_url(self.engine)):
            async with self.engine.begin() as conn:
                await conn.execute(
                    update(SlackInstallationRow)
                    .where(
                        *self._where(enterprise_id, team_id, None),
                        SlackInstallationRow.user_id == user_id,
                    )
                    .values(user_token=None, user_refresh_token=None, user_token_expires_at=None)
                )

    async def _delete(self, enterprise_id: str | None, team_id: str | None) -> None:
        with translate_errors(_url(self.engine)):
            async with self.engine.begin() as conn:
                await conn.execute(
                    delete(SlackInstallationRow).where(*self._where(enterprise_id, team_id, None))
                )
        self._forget(enterprise_id or "", team_id or "")
        log.info("removed the installation of %s", team_id or enterprise_id)

    async def async_delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await self._delete(enterprise_id, team_id)

    async def rewrite_tokens(self) -> int:
        """Every stored token under the first key (see ``bot.db.secrets``)."""
        if not self.cipher.enabled:
            return 0
        with translate_errors(_url(self.engine)):
            async with self.engine.begin() as conn:
                changed = await conn.run_sync(rewrite_tokens, self.cipher)
        self._bots.clear()
        return changed

    def _forget(self, enterprise_id: str, team_id: str) -> None:
        for key in [
            k for k in self._bots if k[1] == team_id or (not team_id and k[0] == enterprise_id)
        ]:
            self._bots.pop(key, None)


_KEY = frozenset({"client_id", "enterprise_id", "team_id"})


class SqlOAuthStateStore(AsyncOAuthStateStore):
    """OAuth ``state`` values: issued when the install page is shown, consumed once."""

    def __init__(self, engine: AsyncEngine, expiration_seconds: int = 600) -> None:
        self.engine = engine
        self.expiration_seconds = expiration_seconds
        self._logger = log

    @property
    def logger(self) -> logging.Logger:
        return self._logger

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state = secrets.token_urlsafe(32)
        now = dt.datetime.now(dt.UTC)
        with translate_errors(_url(self.engine)):
            async with self.engine.begin() as conn:
                await conn.execute(
                    delete(SlackOAuthStateRow).where(SlackOAuthStateRow.expires_at < now)
                )
                await conn.execute(
                    insert(SlackOAuthStateRow).values(
                        state=state, expires_at=now + dt.timedelta(seconds=self.expiration_seconds)
                    )
                )
        return state

    async def async_consume(self, state: str) -> bool:
        now = dt.datetime.now(dt.UTC)
        with translate_errors(_url(self.engine)):
            async with self.engine.begin() as conn:
                result = await conn.execute(
                    delete(SlackOAuthStateRow).where(
                        SlackOAuthStateRow.state == state, SlackOAuthStateRow.expires_at > now
                    )
                )
        return bool(result.rowcount)


class InstallationAuthorize(AsyncAuthorize):
    """Bolt's per-request authorization from our installations, with no Slack call.

    Bolt's own ``AsyncInstallationStoreAuthorize`` calls auth.test on every request (unless
    its unbounded cache is on), before the request can be acknowledged. The installation row
    already has the bot's ids, so this answers from the store and its short cache alone.
    Token rotation is not supported (the manifest leaves it off).
    """

    def __init__(self, store: SqlInstallationStore) -> None:
        self.store = store

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        bot = await self.store.async_find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=context.is_enterprise_install,
        )
        if bot is None:
            return None
        return AuthorizeResult(
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            team=bot.team_name,
            bot_user_id=bot.bot_user_id,
            bot_id=bot.bot_id,
            bot_token=bot.bot_token,
            bot_scopes=bot.bot_scopes,
            user_id=user_id,
        )


def _bot_fields(row: Any, cipher: TokenCipher) -> dict[str, Any]:
    """What a stored installation says about the bot: shared by Bot and Installation."""
    return {
        "app_id": row.app_id or None,
        "enterprise_id": row.enterprise_id or None,
        "enterprise_name": row.enterprise_name or None,
        "team_id": row.team_id or None,
        "team_name": row.team_name or None,
        "bot_token": cipher.decrypt(row.bot_token),
        "bot_id": row.bot_id,
        "bot_user_id": row.bot_user_id,
        "bot_scopes": row.bot_scopes,
        "bot_refresh_token": cipher.decrypt(row.bot_refresh_token),
        "bot_token_expires_at": _epoch(row.bot_token_expires_at),
        "is_enterprise_install": row.is_enterprise_install,
        "installed_at": row.installed_at.timestamp(),
    }
