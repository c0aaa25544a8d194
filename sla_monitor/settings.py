"""Settings from SLA_MONITOR_* environment variables and CLI options (docs/configuration.md),
with what each one takes, for `--help` and for an error that names the setting and the fix."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from sla_monitor.auth import Token, TokenError, load_token_file, tokens_from_env

PACKAGE_DEFAULTS = Path(__file__).parent / "defaults"
REPOSITORY_CONFIG = Path(__file__).parent.parent / "config"
DEFAULT_DATABASE_URL = "sqlite:///./sla_monitor.db"


class SettingError(ValueError):
    """A setting that cannot be used: the message names it and says what to give instead."""


@dataclass(frozen=True)
class Setting:
    """One setting: its environment variable, its command-line option, what it takes."""

    field: str
    option: str | None  # the option of the command line that sets it too
    what: str
    accepts: str
    default: str

    @property
    def variable(self) -> str:
        return f"SLA_MONITOR_{self.field.upper()}"

    def refusal(
        self, value: object, given_as: str | None = None, problem: str = "", fix: str = ""
    ) -> str:
        """One line: the setting as the user gave it (`given_as`: an option or a variable),
        the value, the problem, the fix, and every name the setting has."""
        names = f"{self.option} or {self.variable}; " if self.option else ""
        head = f"{given_as or self.variable} {value!r}: " + (f"{problem}; " if problem else "")
        return f"{head}{fix or 'use ' + self.accepts} ({names}default {self.default})"


SETTINGS = {
    s.field: s
    for s in (
        Setting(
            "database_url",
            "--database-url",
            "The database: sqlite:///FILE or postgresql://USER:PASSWORD@HOST:5432/DB",
            "sqlite:///FILE or postgresql://USER:PASSWORD@HOST:5432/DB",
            f"{DEFAULT_DATABASE_URL}, a file in the current folder",
        ),
        Setting(
            "config_dir",
            "--config-dir",
            "The folder with sla.toml and branches.toml",
            "a folder holding sla.toml and branches.toml",
            "the configuration shipped with sla-monitor",
        ),
        Setting(
            "lang",
            "--lang",
            "The language of tables and messages: id (Indonesian) or en (English)",
            "id (Indonesian) or en (English)",
            "the language of sla.toml",
        ),
        Setting(
            "api_tokens",
            None,
            "Secrets with full access (write and read), comma-separated, each of 16 or more "
            "characters",
            "comma-separated secrets, each of 16 or more characters",
            "none",
        ),
        Setting(
            "api_tokens_file",
            None,
            "A TOML file of named, scoped tokens (sla-monitor token hash)",
            "the path of a TOML token file",
            "none",
        ),
        Setting(
            "protect_reads",
            None,
            "true: reading a claim needs a token with the read scope",
            "true or false",
            "false",
        ),
        Setting("log_format", "--log-format", "text or json", "text or json", "text"),
        Setting(
            "evaluation_interval",
            None,
            "Seconds between evaluations",
            "a number of seconds above 0, e.g. 30",
            "30",
        ),
        Setting(
            "max_body_bytes",
            None,
            "The largest POST /v1/events body, in bytes",
            "a whole number of bytes above 0, e.g. 2097152",
            "2097152, 2 MiB",
        ),
    )
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLA_MONITOR_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
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
        path = self.api_tokens_file
        if path is not None:
            setting = SETTINGS["api_tokens_file"]
            if not path.is_file():
                raise TokenError(setting.refusal(str(path), problem="no such file"))
            try:
                found += load_token_file(path, channels=channels, branches=branches)
            except TokenError as exc:
                raise TokenError(f"{setting.variable}: {exc}") from None
        return found

    def resolved_config_dir(self) -> Path:
        """The configured folder, else the repository's config/, else the packaged defaults."""
        if self.config_dir is not None:
            return self.config_dir
        if (REPOSITORY_CONFIG / "sla.toml").is_file():
            return REPOSITORY_CONFIG
        return PACKAGE_DEFAULTS

    def config_folder(self, given_as: str | None = None) -> Path:
        """resolved_config_dir(), checked to hold sla.toml (SettingError names the setting)."""
        folder = self.resolved_config_dir()
        if self.config_dir is None or (folder / "sla.toml").is_file():
            return folder
        problem = "no sla.toml in this folder"
        if not folder.exists():
            problem = "no such folder"
        elif not folder.is_dir():
            problem = "not a folder"
        raise SettingError(SETTINGS["config_dir"].refusal(str(folder), given_as, problem))


def load_settings(options: Mapping[str, object], given_as: Mapping[str, str]) -> Settings:
    """The settings: `options` from the command line over the environment. `given_as` names
    where each given value came from (an option or a variable), for SettingError."""
    try:
        return Settings(**options)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        field = str(error["loc"][0]) if error["loc"] else ""
        setting = SETTINGS.get(field)
        if setting is None:  # pragma: no cover - every field is in SETTINGS
            raise SettingError(f"{field}: {error['msg']}") from None
        raise SettingError(setting.refusal(error["input"], given_as.get(field))) from None
