"""The `sla-monitor` command line (docs/cli.md): one module a command group, each only
translating options into calls of the services and their results into text."""

from __future__ import annotations

from sla_monitor.entrypoints.cli import (  # noqa: F401  (each registers its commands)
    backlog,
    branches,
    calendar,
    claims,
    db,
    events,
    evidence,
    reports,
    serve,
    tokens,
    verify,
    waiting,
)
from sla_monitor.entrypoints.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
