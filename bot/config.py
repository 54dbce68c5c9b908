"""Settings from the environment (and a .env file). Passed down from bootstrap, never global."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Platform = Literal["console", "slack", "discord"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    data_dir: Path = Field(default=Path("data"), alias="DRILLBOT_DATA_DIR")
    content_dir: Path | None = Field(default=None, alias="DRILLBOT_CONTENT_DIR")
    grace_minutes: int = Field(default=120, ge=0, alias="DRILLBOT_GRACE_MINUTES")
    incident_idle_hours: float = Field(default=24, gt=0, alias="DRILLBOT_INCIDENT_IDLE_HOURS")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    log_format: Literal["text", "json"] = Field(default="text", alias="LOG_FORMAT")
    """``json``: one JSON object per line with the request's context (bot/observability/logs)."""
    secret_key: SecretStr | None = Field(default=None, alias="DRILLBOT_SECRET_KEY")
    """Fernet keys, comma-separated, newest first: platform tokens are encrypted at rest."""
    housekeeping_seconds: float = Field(default=3600, gt=0, alias="DRILLBOT_HOUSEKEEPING_SECONDS")
    """How often old per-request records are pruned (bot/services/housekeeping)."""
    lease_seconds: float = Field(default=60, ge=1, alias="DRILLBOT_LEASE_SECONDS")
    """How long a claim to post one message lasts unless renewed (see bot/services/delivery)."""
    shutdown_grace_seconds: float = Field(default=20, ge=0, alias="DRILLBOT_SHUTDOWN_GRACE_SECONDS")
    """On SIGTERM, how long the post in flight may take before it is cancelled."""
    sweep_seconds: float = Field(default=60, gt=0, alias="DRILLBOT_SWEEP_SECONDS")
    """How often the scheduler looks for reveals, retries and missed posts."""
    max_concurrent_posts: int = Field(default=100, ge=1, alias="DRILLBOT_MAX_CONCURRENT_POSTS")
    posts_per_workspace: int = Field(default=8, ge=1, alias="DRILLBOT_POSTS_PER_WORKSPACE")
    away_max_days: int = Field(default=30, ge=1, le=366, alias="DRILLBOT_AWAY_MAX_DAYS")
    """The longest run of away days one `/drill away` may make (bot/domain/away.py)."""
    # Spaced repetition (bot/domain/reviews.py): FSRS's target recall chance at an item's due
    # time, the longest interval in days, and the (re)learning steps in minutes.
    fsrs_desired_retention: float = Field(
        default=0.9, gt=0.5, lt=1.0, alias="DRILLBOT_FSRS_DESIRED_RETENTION"
    )
    fsrs_maximum_interval: int = Field(default=365, ge=1, alias="DRILLBOT_FSRS_MAXIMUM_INTERVAL")
    fsrs_learning_steps: list[int] = Field(default=[1440], alias="DRILLBOT_FSRS_LEARNING_STEPS")
    fsrs_relearning_steps: list[int] = Field(default=[1440], alias="DRILLBOT_FSRS_RELEARNING_STEPS")

    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_client_id: str | None = Field(default=None, alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(default=None, alias="SLACK_CLIENT_SECRET")
    slack_api_url: str | None = Field(default=None, alias="SLACK_API_URL")
    discord_token: SecretStr | None = Field(default=None, alias="DISCORD_TOKEN")
    discord_api_url: str | None = Field(default=None, alias="DISCORD_API_URL")
    """discord.py's REST base (default https://discord.com/api/v10): a proxy or a test double."""
    discord_gateway_url: str | None = Field(default=None, alias="DISCORD_GATEWAY_URL")
    discord_shard_count: int | None = Field(default=None, ge=1, alias="DISCORD_SHARD_COUNT")
    discord_shard_ids: str | None = Field(default=None, alias="DISCORD_SHARD_IDS")
    """The shards this process runs, e.g. ``0,1`` or ``0-3`` (with DISCORD_SHARD_COUNT)."""
    discord_application_id: str | None = Field(default=None, alias="DISCORD_APPLICATION_ID")
    discord_message_content: bool = Field(default=True, alias="DISCORD_MESSAGE_CONTENT")
    """Ask for the privileged Message Content intent (incident answers typed in threads)."""
    port: int = Field(default=3000, alias="PORT")

    @field_validator("log_format", mode="before")
    @classmethod
    def _any_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @property
    def grace(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.grace_minutes)

    def platform(self) -> Platform:
        """Slack when its credentials are set, then Discord, else the console."""
        if self.slack_bot_token or self.slack_app_token or self.slack_signing_secret:
            return "slack"
        if self.discord_token:
            return "discord"
        return "console"

    def platforms(self) -> tuple[Platform, ...]:
        """Every chat platform whose credentials are set (both: one process serves both)."""
        found: list[Platform] = []
        if self.slack_bot_token or self.slack_app_token or self.slack_signing_secret:
            found.append("slack")
        if self.discord_token:
            found.append("discord")
        return tuple(found) or ("console",)

    def env_for_db(self) -> dict[str, str]:
        env = {"DRILLBOT_DATA_DIR": str(self.data_dir)}
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        return env
