"""Every knob, from the environment and a .env file (pydantic-settings)."""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = ["Settings", "SettingsError", "load_settings", "unknown_variables"]

_CSV = Annotated[tuple[str, ...], NoDecode]

# The tables POLICYBRIEF_CONFIG may hold: the default sources, and the taxonomy (under
# [taxonomy], or its own tables at the top level). Anything else is a typo, never ignored.
CONFIG_TABLES = {
    "source": "[[source]]",
    "taxonomy": "[taxonomy]",
    "topics": "[topics.<slug>]",
    "jurisdictions": "[jurisdictions.<slug>]",
    "relevance": "[relevance]",
}


def check_config_file(path: Path) -> None:
    """ValueError naming the file and the problem when it cannot be read, is not TOML, or has a
    table policybrief does not know (`[[sources]]`: did you mean `[[source]]`?)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: invalid TOML: {exc}") from None
    for key in data:
        if key in CONFIG_TABLES:
            continue
        close = difflib.get_close_matches(key, list(CONFIG_TABLES), n=1, cutoff=0.6)
        hint = f"; did you mean {CONFIG_TABLES[close[0]]}?" if close else ""
        known = ", ".join(CONFIG_TABLES.values())
        raise ValueError(f"{path}: unknown table {key!r}{hint} (known: {known})")


def _split_csv(value: object) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return tuple(str(v).strip() for v in value)  # type: ignore[attr-defined]


class SettingsError(Exception):
    """Invalid configuration; the message names the variable."""


class Settings(BaseSettings):
    """policybrief's configuration. Field aliases are the environment variable names."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field("sqlite:///policybrief.db", alias="DATABASE_URL")
    config_path: Path | None = Field(None, alias="POLICYBRIEF_CONFIG")

    openai_api_key: SecretStr | None = Field(None, alias="OPENAI_API_KEY")
    openai_base_url: str | None = Field(None, alias="OPENAI_BASE_URL")
    llm_model: str = Field("gpt-4o-mini", alias="POLICYBRIEF_LLM_MODEL")
    llm_daily_tokens: int = Field(200_000, ge=0, alias="POLICYBRIEF_LLM_DAILY_TOKENS")
    llm_timeout: float = Field(30.0, gt=0, alias="POLICYBRIEF_LLM_TIMEOUT")
    llm_resummary_hours: float = Field(24.0, ge=0, alias="POLICYBRIEF_LLM_RESUMMARY_HOURS")
    # an embeddings model on the same server (same key and base URL): extra clustering evidence
    embeddings_model: str | None = Field(None, alias="POLICYBRIEF_EMBEDDINGS_MODEL")
    # a feed that floods is taken this many new items per poll; the rest wait for the next
    max_new_per_poll: int = Field(500, ge=1, alias="POLICYBRIEF_MAX_NEW_PER_POLL")
    tenant_retention_days: int = Field(30, ge=0, le=3650, alias="POLICYBRIEF_TENANT_RETENTION_DAYS")
    language: str = Field("English", alias="POLICYBRIEF_LANGUAGE")

    slack_bot_token: SecretStr | None = Field(None, alias="SLACK_BOT_TOKEN")
    slack_app_token: SecretStr | None = Field(None, alias="SLACK_APP_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, alias="SLACK_SIGNING_SECRET")
    slack_client_id: str | None = Field(None, alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(None, alias="SLACK_CLIENT_SECRET")
    slack_api_url: str | None = Field(None, alias="SLACK_API_URL")
    http_port: int | None = Field(None, ge=1, le=65535, alias="POLICYBRIEF_HTTP_PORT")
    public_url: str = Field("", alias="POLICYBRIEF_PUBLIC_URL")

    discord_token: SecretStr | None = Field(None, alias="DISCORD_TOKEN")
    discord_guild_ids: _CSV = Field((), alias="DISCORD_GUILD_IDS")
    discord_api_url: str | None = Field(None, alias="DISCORD_API_URL")

    admins: _CSV = Field((), alias="POLICYBRIEF_ADMINS")
    moderators: _CSV = Field((), alias="POLICYBRIEF_MODERATORS")
    fetch_allow: _CSV = Field((), alias="POLICYBRIEF_FETCH_ALLOW")

    timezone: str = Field("UTC", alias="POLICYBRIEF_TIMEZONE")
    seed_sources: bool = Field(True, alias="POLICYBRIEF_SEED_SOURCES")
    log_level: str = Field("INFO", alias="POLICYBRIEF_LOG_LEVEL")
    # the console's history lives here (default: $XDG_DATA_HOME/policybrief)
    data_dir: Path | None = Field(None, alias="POLICYBRIEF_DATA_DIR")
    log_json: bool = Field(False, alias="POLICYBRIEF_LOG_JSON")

    @field_validator("discord_guild_ids", "admins", "moderators", "fetch_allow", mode="before")
    @classmethod
    def _csv(cls, value: object) -> tuple[str, ...]:
        return _split_csv(value)

    @field_validator("discord_guild_ids")
    @classmethod
    def _guild_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for gid in value:
            if not gid.isdigit():
                raise ValueError(f"{gid!r} is not a Discord guild id (digits only)")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/Brussels)") from None
        return value

    @field_validator("config_path")
    @classmethod
    def _config(cls, value: Path | None) -> Path | None:
        if value is not None:
            check_config_file(value)
        return value

    @field_validator("database_url")
    @classmethod
    def _db_url(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgres")):
            raise ValueError("expected sqlite:///path.db or postgresql://user@host/db")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        # calendar applications are given this address: a bare host name is no URL to them
        if value and not value.lower().startswith(("https://", "http://")):
            raise ValueError(
                f"{value!r}: expected the bot's public URL, e.g. https://pb.example.org"
            )
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("expected DEBUG, INFO, WARNING or ERROR")
        return value

    @property
    def console_history(self) -> Path:
        """The console's line history, kept across runs."""
        base = self.data_dir
        if base is None:
            xdg = os.environ.get("XDG_DATA_HOME")
            base = (Path(xdg) if xdg else Path.home() / ".local" / "share") / "policybrief"
        return base / "console_history"

    def console_log_level(self, console: bool) -> str:
        """WARNING when the console chat shares the terminal (`console`: its output stays
        readable), unless POLICYBRIEF_LOG_LEVEL says otherwise; else the configured level."""
        if console and "log_level" not in self.model_fields_set:
            return "WARNING"
        return self.log_level

    @property
    def llm_enabled(self) -> bool:
        return self.openai_api_key is not None or self.openai_base_url is not None

    @property
    def embeddings_enabled(self) -> bool:
        """An embeddings model is named and a server is configured to serve it."""
        return bool(self.embeddings_model and self.embeddings_model.strip()) and self.llm_enabled

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None or self.slack_client_id is not None

    @property
    def discord_enabled(self) -> bool:
        return self.discord_token is not None


def load_settings(**overrides: object) -> Settings:
    """Read settings; turn pydantic's error into one message per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = err["loc"][0] if err["loc"] else "?"
            name = (
                Settings.model_fields[str(loc)].alias if str(loc) in Settings.model_fields else loc
            )
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"{name}: {msg}")
        raise SettingsError("invalid configuration:\n  " + "\n  ".join(lines)) from None


# read by the test suite, never by the bot
_NOT_SETTINGS = ("POLICYBRIEF_TEST_",)


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """One line per POLICYBRIEF_* variable that names no setting: pydantic-settings ignores it,
    so a typo (`POLICYBRIEF_TIMEZOME`) would silently leave the default in force."""
    known = [str(f.alias) for f in Settings.model_fields.values() if f.alias]
    # compared without the prefix, so POLICYBRIEF_DATABASE_URL finds DATABASE_URL
    bare = {name.removeprefix("POLICYBRIEF_"): name for name in known}
    lines = []
    for name in sorted(environ):
        if not name.startswith("POLICYBRIEF_") or name in known or name.startswith(_NOT_SETTINGS):
            continue
        close = difflib.get_close_matches(name.removeprefix("POLICYBRIEF_"), bare, n=1, cutoff=0.7)
        hint = f"; did you mean {bare[close[0]]}?" if close else ""
        lines.append(f"{name} is not a policybrief setting and is ignored{hint}")
    return lines
