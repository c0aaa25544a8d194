"""The `sla-monitor` Typer application and what every command shares: the consoles, the
settings of the global options, failing with one clear line, progress bars."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
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
from sla_monitor.auth import TokenError
from sla_monitor.config import ConfigError, load_config, read_language
from sla_monitor.domain.policy import LANGUAGES, SlaConfig
from sla_monitor.domain.timeutil import Instant, TimestampError, parse_as_of
from sla_monitor.entrypoints.cli.help import SlaTyper
from sla_monitor.render.i18n import set_language, text
from sla_monitor.settings import SETTINGS, SettingError, Settings, load_settings
from sla_monitor.store.db import DatabaseUrlError, NoDatabaseError, SchemaError, session_scope
from sla_monitor.store.queries import claim_count

# Every command's help ends with one example, given as the command's epilog: the word
# "Example:" and a command line that works on the demo database, e.g.
#     @app.command("report", epilog="Example: sla-monitor report --month 2026-03 --by branch")
# Help text is printed as written (help.py): never escape it, nor write Rich markup in it.
# Before the example, each command's help lists the settings it reads (help.READS).
app = SlaTyper(
    help="Times JHT claims against their SLA.",
    epilog="Example: sla-monitor --lang en report --month 2026-03 --by branch",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
if not out.is_terminal:  # a report piped to a file must not be cut at 80 columns
    out.width = 200


class Context:
    """What the global options chose; each command builds what it needs from it. A setting
    that cannot be used stops the first command that needs the settings, with one line."""

    def __init__(self, options: dict[str, object], given_as: dict[str, str]) -> None:
        self.given_as = given_as  # setting -> the option or variable that gave it
        self.problem: SettingError | None = None
        try:
            self._settings: Settings | None = load_settings(options, given_as)
        except SettingError as exc:
            self._settings, self.problem = None, exc

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            fail(str(self.problem))
        return self._settings

    def choose_language(self) -> None:
        """--lang, else SLA_MONITOR_LANG, else sla.toml's language, chosen before any command
        speaks (even to refuse its options)."""
        if self._settings is None:
            return  # the command says what is wrong with the settings
        lang = self._settings.lang
        if lang:
            if lang not in LANGUAGES:
                fail(SETTINGS["lang"].refusal(lang, self.given_as.get("lang")))
            set_language(lang)
            return
        # A bad sla.toml, or folder, is told by the command that reads the whole configuration.
        with suppress(ConfigError, SettingError):
            set_language(read_language(self._settings.config_folder()))

    def config(self) -> SlaConfig:
        """The configuration; its `language` is the language of output unless a setting
        chose one."""
        try:
            config = load_config(self.settings.config_folder(self.given_as.get("config_dir")))
        except SettingError as exc:
            fail(str(exc))
        set_language(self.settings.lang or config.language)
        return config

    def database(self, *, migrate: bool) -> Engine:
        """migrate=True for a command that writes: the database is created if need be and
        migrated. migrate=False for one that only reads: it must exist (bootstrap.database)."""
        with self.database_errors():
            return bootstrap.database(self.settings, migrate=migrate)

    def engine(self, *, create: bool) -> Engine:
        """The database whatever its schema; created only if `create`."""
        with self.database_errors():
            return bootstrap.engine(self.settings, create=create)

    @contextmanager
    def database_errors(self) -> Iterator[None]:
        setting = SETTINGS["database_url"]
        given_as = self.given_as.get("database_url")
        url = self.settings.database_url
        try:
            yield
        except DatabaseUrlError as exc:
            fail(hide_password(setting.refusal(url, given_as, exc.problem, exc.fix)))
        except NoDatabaseError as exc:
            fail(no_database(exc.path, given_as))
        except OperationalError as exc:
            fail(
                f"the database {hide_password(url)} is unavailable: {exc.orig or exc}. Try "
                f"again, or check the URL ({setting.option} or {setting.variable})",
                code=3,
            )


def no_database(path: Path, given_as: str | None) -> str:
    if given_as is None:
        where = (
            f"no database in this folder: the default one is ./sla_monitor.db "
            f"({path.resolve()}), and this command creates none. Point to "
            "yours with --database-url URL (before the command) or SLA_MONITOR_DATABASE_URL"
        )
    else:
        where = (
            f"no database at {path.resolve()} ({given_as}), and this command creates none. "
            "Check the path (--database-url or SLA_MONITOR_DATABASE_URL)"
        )
    return f"{where}, or create one with `sla-monitor db upgrade` (import and demo do too)"


def hide_password(url: str) -> str:
    return re.sub(r"(//[^/@:]*:)(?!PASSWORD@)[^@/]*@", r"\1***@", url)


def _help_of(name: str) -> str:
    setting = SETTINGS[name]
    return f"{setting.what}. Default: {setting.default}."


def _print_version(value: bool) -> None:
    if value:
        try:
            number = version("sla-monitor")
        except PackageNotFoundError:  # pragma: no cover - run from a copy never installed
            number = "unknown (not installed)"
        out.print(f"sla-monitor {number}", highlight=False)
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    database_url: Annotated[
        str | None,
        typer.Option(
            envvar="SLA_MONITOR_DATABASE_URL",
            show_envvar=True,
            help=_help_of("database_url"),
            show_default=False,
        ),
    ] = None,
    config_dir: Annotated[
        Path | None,
        typer.Option(
            envvar="SLA_MONITOR_CONFIG_DIR",
            show_envvar=True,
            help=_help_of("config_dir"),
            show_default=False,
        ),
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            envvar="SLA_MONITOR_LANG",
            show_envvar=True,
            help=_help_of("lang"),
            show_default=False,
        ),
    ] = None,
    _version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    options: dict[str, object] = {}
    given_as: dict[str, str] = {}
    for name, value in (("database_url", database_url), ("config_dir", config_dir), ("lang", lang)):
        if value is not None:
            source = ctx.get_parameter_source(name)
            from_environment = source is not None and source.name == "ENVIRONMENT"
            setting = SETTINGS[name]
            options[name] = value
            given_as[name] = setting.variable if from_environment else str(setting.option)
    ctx.obj = Context(options, given_as)
    ctx.obj.choose_language()


def fail(message: str, code: int = 2) -> NoReturn:
    """One line on standard error, printed as written (a [table] in it stays), and exit."""
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def warn(message: str) -> None:
    err.print(f"[yellow]warning:[/yellow] {escape(message)}", highlight=False)


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn the failures an operator can fix into one clear line and an exit code."""
    try:
        yield
    except ConfigError as exc:
        fail(f"configuration: {exc}")
    except (SchemaError, SettingError, TokenError) as exc:
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
