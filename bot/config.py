"""Typed settings from the environment or `.env`, validated at start-up."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.domain.company import CompanySettings, parse_quiet_hours, parse_working_days
from bot.domain.notices import QuietHours
from bot.domain.tasks import WorkSchedule

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/salesbot.db"
TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]+")
TELEGRAM_API_URL = "https://api.telegram.org"
# What Telegram accepts as a webhook's secret_token.
WEBHOOK_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Settings(BaseSettings):
    """Everything the bot reads from outside; built once in `__main__` and passed down."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    bot_admins: Annotated[list[int], NoDecode] = Field(default_factory=list)
    database_url: str = DEFAULT_DATABASE_URL
    telegram_api_url: str = TELEGRAM_API_URL
    redis_url: str | None = None
    # Put before every key the bot keeps in Redis, so two bots (or two test runs) can share
    # one Redis database: "crm" makes "crm:fsm:…", "crm:salesbot:budget:…". Empty: no prefix.
    redis_prefix: str = Field(default="", max_length=50, pattern=r"^[A-Za-z0-9_.:-]*$")
    timezone: str = "Europe/Moscow"
    language: Literal["ru", "en"] = "ru"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    company_name: str = Field(default="", max_length=100)
    quiet_hours: str = "21:00-08:00"
    working_days: str = "1-5"
    agenda_time: time = time(8, 30)
    reminder_grace_hours: int = Field(default=6, ge=0, le=72)
    # No longer read: every process takes its sends from one budget (through Redis when
    # there are several). Kept only so that start-up can say so to whoever still sets it.
    send_rate: str | None = None
    # Webhook mode: Telegram posts updates to this public https URL (a proxy in front of the
    # bot ends TLS and passes its path on to WEBHOOK_HOST:WEBHOOK_PORT). Unset: long polling.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = Field(default=None, validate_default=True)
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    # /healthz, /readyz and /metrics when polling (in webhook mode they share WEBHOOK_PORT).
    health_port: int | None = Field(default=None, ge=1, le=65535)
    log_format: Literal["text", "json"] = "text"

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_span(cls, value: str) -> str:
        parse_quiet_hours(value)
        return value

    @field_validator("working_days")
    @classmethod
    def _days(cls, value: str) -> str:
        parse_working_days(value)
        return value

    @property
    def quiet(self) -> QuietHours:
        return parse_quiet_hours(self.quiet_hours)

    @property
    def schedule(self) -> WorkSchedule:
        return WorkSchedule(parse_working_days(self.working_days), self.agenda_time)

    @field_validator("language", mode="before")
    @classmethod
    def _locale_language(cls, value: object) -> object:
        # LANGUAGE is also GNU gettext's variable ("en_US:en" on many desktops): read a locale
        # list as the first of our languages in it, so the bot starts on such a machine.
        if isinstance(value, str) and (":" in value or "_" in value or "." in value):
            for item in value.split(":"):
                code = item.split("_")[0].split(".")[0].strip().lower()
                if code in ("ru", "en"):
                    return code
            return "ru"
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("bot_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # @BotFather's tokens are "<bot id>:<secret>"; anything else fails at the first
        # request, after the database was set up and a claim code printed for nothing.
        if value is not None and not TOKEN_SHAPE.fullmatch(value.get_secret_value().strip()):
            raise ValueError("not a bot token: @BotFather gives one like 123456789:AAE…")
        return value

    @field_validator("webhook_url", "webhook_secret", "health_port", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("webhook_url")
    @classmethod
    def _https_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError("not an https:// URL with a host: Telegram posts only to https")
        return value.strip()

    @field_validator("webhook_secret")
    @classmethod
    def _secret_token(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None:
            if info.data.get("webhook_url"):
                raise ValueError("required with WEBHOOK_URL: 1 to 256 of A-Z a-z 0-9 _ -")
            return None
        if not WEBHOOK_SECRET_SHAPE.fullmatch(value.get_secret_value()):
            raise ValueError("Telegram accepts only 1 to 256 of the characters A-Z a-z 0-9 _ -")
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("bot_admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith(("postgresql://", "postgres://")):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite:///"):
            return value.replace("sqlite:///", "sqlite+aiosqlite:///", 1)
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("DATABASE_URL must be a sqlite:/// or postgresql:// URL")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("TELEGRAM_API_URL must start with http:// or https://")
        return value.rstrip("/")

    def company_defaults(self) -> CompanySettings:
        """The company settings until an admin changes them in /settings."""
        return CompanySettings(
            company_name=self.company_name,
            timezone=self.timezone,
            working_days=parse_working_days(self.working_days),
            quiet=self.quiet,
            agenda_at=self.agenda_time,
            language=self.language,
        )

    @property
    def webhook_path(self) -> str:
        """The path Telegram posts to, which the webhook server serves."""
        return (urlsplit(self.webhook_url).path or "/") if self.webhook_url else "/"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def sqlite_path(self) -> Path | None:
        """The database file when the URL names one, so start-up can create its folder."""
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix):
            rest = self.database_url[len(prefix) :]
            if rest and rest != ":memory:":
                return Path(rest)
        return None
