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
    """sla.toml and branches.toml from the configured folder (ConfigError names the problem)."""
    return load_config(settings.resolved_config_dir())


def timer(settings: Settings) -> SlaTimer:
    return SlaTimer(configuration(settings))


def database(settings: Settings, *, migrate: bool) -> Engine:
    """The database, migrated to this version (`migrate`) or checked to be (SchemaError)."""
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    else:
        require_schema(engine)
    return engine


def tokens(settings: Settings, config: SlaConfig) -> list[Token]:
    """Every configured token (TokenError names the bad setting)."""
    return settings.tokens(channels=config.channels, branches=config.branches)
