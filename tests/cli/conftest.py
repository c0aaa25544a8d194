"""The real `sla-monitor` command, run as a process on a fresh database of each backend."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def run(tmp_path: Path, db_url: str):  # type: ignore[no-untyped-def]
    """The command in an empty folder on a fresh database: SQLite, then PostgreSQL
    (tests/conftest.py). `config` names a configuration folder other than the default. Output
    is in English unless `extra_env` sets SLA_MONITOR_LANG (to "" for sla.toml's language)."""
    env = {
        **os.environ,
        "SLA_MONITOR_DATABASE_URL": db_url,
        "COLUMNS": "200",
        "SLA_MONITOR_LANG": "en",
    }
    env.pop("SLA_MONITOR_CONFIG_DIR", None)

    def invoke(  # type: ignore[no-untyped-def]
        *args: str,
        stdin: str | None = None,
        extra_env: dict[str, str] | None = None,
        config: Path | None = None,
    ):
        extra = {"SLA_MONITOR_CONFIG_DIR": str(config)} if config else {}
        return subprocess.run(
            [sys.executable, "-m", "sla_monitor", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env={**env, **extra, **(extra_env or {})},
            cwd=tmp_path,
            timeout=300,
        )

    return invoke
