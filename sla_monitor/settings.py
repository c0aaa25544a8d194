"""Settings from SLA_MONITOR_* environment variables and CLI options (docs/configuration.md)."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from sla_monitor.auth import Token, load_token_file, tokens_from_env

PACKAGE_DEFAULTS = Path(__file__).parent / "defaults"
REPOSITORY_CONFIG = Path(__file__).parent.parent / "config"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLA_MONITOR_", extra="ignore")

    database_url: str = "sqlite:///./sla_monitor.db"
    config_dir: Path | None = None
    api_tokens: str = ""
    api_tokens_file: Path | None = None  # scoped tokens by SHA-256 (auth.py)
    protect_reads: bool = False  # claim detail needs a token with the read scope
    log_format: str = Field(default="text", pattern="^(text|json)$")
    evaluation_interval: float = Field(default=30.0, gt=0)
    max_body_bytes: int = Field(default=2 * 1024 * 1024, gt=0)
    lang: str | None = None  # id | en: the language of tables and messages; else sla.toml's

    def tokens(self, *, channels: Collection[str], branches: Collection[str]) -> list[Token]:
        """Every configured token; TokenError names the bad setting."""
        found = tokens_from_env(self.api_tokens)
        if self.api_tokens_file is not None:
            found += load_token_file(self.api_tokens_file, channels=channels, branches=branches)
        return found

    def resolved_config_dir(self) -> Path:
        """The configured folder, else the repository's config/, else the packaged defaults."""
        if self.config_dir is not None:
            return self.config_dir
        if (REPOSITORY_CONFIG / "sla.toml").is_file():
            return REPOSITORY_CONFIG
        return PACKAGE_DEFAULTS
