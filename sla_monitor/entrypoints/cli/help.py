"""What `--help` shows beyond Typer's own: the settings a command reads (its option before the
command, its environment variable, its default), the command's example last, flags without a
value placeholder, and help text printed as written (a `[...]` in it is never Rich markup)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from typer.core import TyperCommand, TyperGroup
from typer.models import CommandFunctionType

from sla_monitor.settings import SETTINGS

GLOBAL = ("database_url", "config_dir", "lang")
SERVER = ("api_tokens", "api_tokens_file", "protect_reads", "evaluation_interval", "max_body_bytes")
# The settings each command reads, by the words after `sla-monitor` (any other command: GLOBAL).
# `sla-monitor --help` shows them on its own options, as `serve --help` shows --log-format's.
READS: dict[str, tuple[str, ...]] = {
    "": (),
    "token": (),
    "token new": (),
    "token hash": (),
    "calendar": ("config_dir", "lang"),
    "branches": ("config_dir", "lang"),
    "db": ("database_url",),
    "db upgrade": ("database_url",),
    "db current": ("database_url",),
    "serve": (*GLOBAL, *SERVER),
}
SETTINGS_TITLE = "Settings: options before the command, or environment variables"


class _Help:
    """Mixed into Typer's command and group classes (the ignores: mypy cannot see the
    Typer class beside it)."""

    help: str | None
    epilog: str | None
    params: list[Any]

    def _print_as_written(self) -> None:
        if getattr(self, "rich_markup_mode", None) != "rich" or not getattr(
            typer.core, "HAS_RICH", True
        ):
            return  # plain text already
        self.help = escape(self.help) if self.help else self.help
        for param in self.params:
            if getattr(param, "help", None):
                param.help = escape(param.help)

    def get_params(self, ctx: Any) -> list[Any]:
        params: list[Any] = super().get_params(ctx)  # type: ignore[misc]
        for param in params:  # a flag takes no value: show none (Typer shows <bool>)
            if getattr(param, "is_flag", False) and param.metavar is None:
                param.metavar = ""
        return params

    def format_help(self, ctx: Any, formatter: Any) -> None:
        epilog, self.epilog = self.epilog, None  # printed after the settings
        try:
            super().format_help(ctx, formatter)  # type: ignore[misc]
        finally:
            self.epilog = epilog
        reads = [SETTINGS[name] for name in READS.get(command_words(ctx), GLOBAL)]
        rows = [(s.option or "", s.variable, f"{s.what}.", s.default) for s in reads]
        if formatter.getvalue():  # Typer without Rich wrote plain text
            if rows:
                with formatter.section(SETTINGS_TITLE):
                    formatter.write_dl(
                        [(f"{o} {v}".strip(), f"{w} Default: {d}.") for o, v, w, d in rows]
                    )
            if epilog:
                formatter.write_paragraph()
                formatter.write_text(epilog)
            return
        console = Console(highlight=False)
        if rows:
            table = Table.grid(padding=(0, 2))
            for option, variable, what, default in rows:
                table.add_row(
                    Text(option, style="bold cyan"),
                    Text(variable, style="yellow"),
                    Text.assemble(what, (f" [default: {default}]", "dim")),
                )
            console.print(
                Panel(table, title=SETTINGS_TITLE, title_align="left", border_style="dim")
            )
        if epilog:
            console.print(Padding(Text(epilog), 1))


def command_words(ctx: Any) -> str:
    """The command's words after `sla-monitor` ("" for `sla-monitor` itself)."""
    words = []
    while ctx.parent is not None:
        words.append(ctx.info_name)
        ctx = ctx.parent
    return " ".join(reversed(words))


class SlaCommand(_Help, TyperCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._print_as_written()


class SlaGroup(_Help, TyperGroup):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._print_as_written()


class SlaTyper(typer.Typer):
    """A Typer application whose groups and commands print their help as above."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cls", SlaGroup)
        super().__init__(**kwargs)

    def command(
        self, *args: Any, **kwargs: Any
    ) -> Callable[[CommandFunctionType], CommandFunctionType]:
        kwargs.setdefault("cls", SlaCommand)
        return super().command(*args, **kwargs)
