"""Settings from SLA_MONITOR_* environment variables and CLI options (SPEC §5)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DEFAULTS = Path(__file__).parent / "defaults"
REPOSITORY_CONFIG = Path(__file__).parent.parent / "config"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLA_MONITOR_", extra="ignore")

    database_url: str = "sqlite:///./sla_monitor.db"
    config_dir: Path | None = None
    api_tokens: str = ""
    evaluation_interval: float = Field(default=30.0, gt=0)
    max_body_bytes: int = Field(default=2 * 1024 * 1024, gt=0)

    def tokens(self) -> list[str]:
        return [token.strip() for token in self.api_tokens.split(",") if token.strip()]

    def resolved_config_dir(self) -> Path:
        """The configured folder, else the repository's config/, else the packaged defaults."""
        if self.config_dir is not None:
            return self.config_dir
        if (REPOSITORY_CONFIG / "sla.toml").is_file():
            return REPOSITORY_CONFIG
        return PACKAGE_DEFAULTS
