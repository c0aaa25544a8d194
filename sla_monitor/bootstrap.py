"""The one wiring point: settings -> the database, the configuration, the SLA timer, the
clock and the tokens that every entry point runs on. Nothing is built at import time."""

from __future__ import annotations

import time

from sqlalchemy import Engine

from sla_monitor.auth import Token
from sla_monitor.config import load_config
from sla_monitor.domain.policy import SlaConfig
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import MICROS, Instant
from sla_monitor.settings import Settings
from sla_monitor.store.db import make_engine, require_schema, upgrade


def wall_clock() -> Instant:
    """Now, as the service and the command line read it (tests pass their own clock)."""
    return int(time.time() * MICROS)


def configuration(settings: Settings) -> SlaConfig:
    """sla.toml and branches.toml from the configured folder (SettingError when the folder
    is not one, ConfigError names the problem in a file)."""
    return load_config(settings.config_folder())


def timer(settings: Settings) -> SlaTimer:
    return SlaTimer(configuration(settings))


def database(settings: Settings, *, migrate: bool) -> Engine:
    """The database, as a command may use it:

    - `migrate=True`, for what writes (import, demo, serve, recompute, db upgrade): created
      if need be, and migrated to this version;
    - `migrate=False`, for what only reads: never created (NoDatabaseError when the SQLite
      file does not exist), and checked to be at this version (SchemaError).

    DatabaseUrlError when the URL cannot be used."""
    engine = make_engine(settings.database_url, create=migrate)
    if migrate:
        upgrade(engine)
    else:
        require_schema(engine)
    return engine


def engine(settings: Settings, *, create: bool) -> Engine:
    """The database whatever its schema; `create=False`: NoDatabaseError if it does not exist."""
    return make_engine(settings.database_url, create=create)


def tokens(settings: Settings, config: SlaConfig) -> list[Token]:
    """Every configured token (TokenError names the bad setting)."""
    return settings.tokens(channels=config.channels, branches=config.branches)
