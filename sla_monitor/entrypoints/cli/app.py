"""The `sla-monitor` Typer application and what every command shares: the consoles, the
settings of the global options, failing with one clear line, progress bars."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from sla_monitor import bootstrap
from sla_monitor.config import ConfigError, read_language
from sla_monitor.domain.policy import LANGUAGES, SlaConfig
from sla_monitor.domain.timeutil import Instant, TimestampError, parse_as_of
from sla_monitor.render.i18n import set_language, text
from sla_monitor.settings import Settings
from sla_monitor.store.db import SchemaError, session_scope
from sla_monitor.store.queries import claim_count

app = typer.Typer(
    help="Times JHT claims against their SLA.", no_args_is_help=True, add_completion=False
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
if not out.is_terminal:  # a report piped to a file must not be cut at 80 columns
    out.width = 200


@dataclass
class Context:
    """What the global options chose; each command builds what it needs from it."""

    settings: Settings

    def config(self) -> SlaConfig:
        """The configuration; its `language` is the language of output unless a setting
        chose one."""
        config = bootstrap.configuration(self.settings)
        set_language(self.settings.lang or config.language)
        return config

    def database(self, *, migrate: bool) -> Engine:
        return bootstrap.database(self.settings, migrate=migrate)


@app.callback()
def main_options(
    ctx: typer.Context,
    database_url: Annotated[
        str | None,
        typer.Option(help="Database URL [env SLA_MONITOR_DATABASE_URL].", show_default=False),
    ] = None,
    config_dir: Annotated[
        Path | None,
        typer.Option(
            help="Folder with sla.toml and branches.toml [env SLA_MONITOR_CONFIG_DIR].",
            show_default=False,
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="Language of tables and messages: id (Indonesian) or en (English) "
            "[env SLA_MONITOR_LANG]. Default: the language of sla.toml.",
            show_default=False,
        ),
    ] = None,
) -> None:
    overrides: dict[str, object] = {}
    if database_url is not None:
        overrides["database_url"] = database_url
    if config_dir is not None:
        overrides["config_dir"] = config_dir
    if lang is not None:
        overrides["lang"] = lang
    settings = Settings(**overrides)  # type: ignore[arg-type]
    choose_language(settings, "--lang" if lang is not None else "SLA_MONITOR_LANG")
    ctx.obj = Context(settings)


def choose_language(settings: Settings, option: str) -> None:
    """--lang, else SLA_MONITOR_LANG, else sla.toml's language, chosen before any command
    speaks (even to refuse its options)."""
    if settings.lang:
        if settings.lang not in LANGUAGES:
            fail(f"{option} {settings.lang!r}: use id (Indonesian) or en (English)")
        set_language(settings.lang)
        return
    # A bad sla.toml is told by the command that reads the whole configuration.
    with suppress(ConfigError):
        set_language(read_language(settings.resolved_config_dir()))


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


def warn(message: str) -> None:
    err.print(f"[yellow]warning:[/yellow] {message}", highlight=False)


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn the failures an operator can fix into one clear line and an exit code."""
    try:
        yield
    except ConfigError as exc:
        fail(f"configuration: {exc}")
    except SchemaError as exc:
        fail(str(exc))
    except IntegrityError:
        fail(
            "concurrent writers kept storing the same events first; the batch in progress was "
            "not stored (earlier ones were). Run the same command again: what is stored "
            "already counts as duplicates",
            code=3,
        )
    except OperationalError as exc:
        fail(f"the database is unavailable: {exc.orig or exc}", code=3)


def as_of_option(given: str | None, default: Instant) -> Instant:
    if given is None:
        return default
    try:
        return parse_as_of(given)
    except TimestampError as exc:
        fail(f"--as-of: {text(exc.text)}")


@contextmanager
def progress_bar(*, counting: str = "bytes") -> Iterator[Progress]:
    """A progress bar on standard error, shown only on a terminal."""
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn() if counting == "bytes" else MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    with progress:
        yield progress


def count_claims(db: Engine) -> int:
    with session_scope(db) as session:
        return claim_count(session=session)
