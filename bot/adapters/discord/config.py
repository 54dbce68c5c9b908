"""The Discord settings drillbot runs with, checked before anything connects."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings

DEFAULT_API_URL = "https://discord.com/api/v10"
DEFAULT_GATEWAY_URL = "wss://gateway.discord.gg/"


class DiscordStartupError(Exception):
    """Discord cannot start; the message says what to change."""


@dataclass(frozen=True)
class DiscordConfig:
    token: str
    api_url: str = DEFAULT_API_URL
    gateway_url: str | None = None
    """None: the gateway Discord names (``GET /gateway/bot``), or its default one."""
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None
    application_id: int | None = None
    message_content: bool = True
    port: int = 3000
    host: str = "0.0.0.0"
    serve_health: bool = True
    """Serve ``/healthz`` on ``port``; off where another runtime serves it for both."""

    def __repr__(self) -> str:  # never show the token, whatever prints this
        return (
            f"DiscordConfig(api_url={self.api_url!r}, gateway_url={self.gateway_url!r}, "
            f"shards={self.shard_ids!r}/{self.shard_count!r}, port={self.port})"
        )

    @classmethod
    def from_settings(cls, settings: Settings, host: str = "0.0.0.0") -> DiscordConfig:
        token = settings.discord_token.get_secret_value().strip() if settings.discord_token else ""
        if not token:
            raise DiscordStartupError(
                "Discord needs DISCORD_TOKEN: the bot token from the Developer Portal "
                "(your application > Bot > Reset Token)."
            )
        shard_ids = parse_shard_ids(settings.discord_shard_ids)
        count = settings.discord_shard_count
        if shard_ids is not None:
            if count is None:
                raise DiscordStartupError(
                    "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT, the number of shards over "
                    "every process."
                )
            if max(shard_ids) >= count:
                raise DiscordStartupError(
                    f"DISCORD_SHARD_IDS names shard {max(shard_ids)}, but shards are numbered "
                    f"0 to {count - 1} (DISCORD_SHARD_COUNT={count})."
                )
        return cls(
            token=token,
            api_url=(settings.discord_api_url or DEFAULT_API_URL).strip().rstrip("/"),
            gateway_url=(settings.discord_gateway_url or "").strip() or None,
            shard_count=count,
            shard_ids=shard_ids,
            application_id=_application_id(settings.discord_application_id),
            message_content=settings.discord_message_content,
            port=settings.port,
            host=host,
        )


def parse_shard_ids(text: str | None) -> tuple[int, ...] | None:
    """``0,1`` or ``0-3`` or ``0-1,4``; None when not set."""
    if text is None or not text.strip():
        return None
    found: list[int] = []
    try:
        for part in text.replace(" ", "").split(","):
            first, dash, last = part.partition("-")
            span = range(int(first), int(last) + 1) if dash else range(int(first), int(first) + 1)
            found.extend(span)
    except ValueError:
        raise DiscordStartupError(
            f"DISCORD_SHARD_IDS={text!r} is not a list of shard numbers; use e.g. 0,1 or 0-3."
        ) from None
    if not found or min(found) < 0:
        raise DiscordStartupError(f"DISCORD_SHARD_IDS={text!r} names no shard; use e.g. 0,1.")
    return tuple(sorted(set(found)))


def _application_id(text: str | None) -> int | None:
    if text is None or not text.strip():
        return None
    if not text.strip().isdigit():
        raise DiscordStartupError(
            "DISCORD_APPLICATION_ID must be the application's numeric id "
            "(Developer Portal > General Information > Application ID)."
        )
    return int(text.strip())
