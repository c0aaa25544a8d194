"""`--help` that helps (docs/cli.md): every command shows the settings it reads with their
environment variables and defaults, and one example; flags show no value placeholder; help
text is printed as written; `-h` is `--help`, and `--version` prints the package's version."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import version
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from sla_monitor.entrypoints.cli import app
from sla_monitor.entrypoints.cli.help import SlaTyper

RUNNER = CliRunner()
WIDE = {"COLUMNS": "120", "TERMINAL_WIDTH": "120"}


def commands(group: Any, words: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The words of every command and group, `sla-monitor` itself first."""
    yield words
    for name, command in getattr(group, "commands", {}).items():
        yield from commands(command, (*words, name))


ALL = list(commands(typer.main.get_command(app)))


def help_of(*words: str) -> str:
    result = RUNNER.invoke(app, [*words, "--help"], env=WIDE)
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_is_listed() -> None:
    assert {" ".join(w) for w in ALL} >= {
        "",
        "report",
        "backlog",
        "claim",
        "evidence",
        "serve",
        "verify",
        "recompute",
        "calendar",
        "calendar diff",
        "db",
        "db upgrade",
        "db current",
        "token",
        "token new",
        "token hash",
        "import",
        "demo",
    }


@pytest.mark.parametrize("words", ALL, ids=lambda w: " ".join(w) or "sla-monitor")
def test_each_help_has_its_settings_an_example_and_no_placeholder_after_flags(
    words: tuple[str, ...],
) -> None:
    text = help_of(*words)
    assert "<bool>" not in text
    assert re.search(r"\n Example: .*sla-monitor ", text), "one example, its epilog (cli/app.py)"
    if words[:1] != ("token",):
        assert "SLA_MONITOR_" in text, "the environment variables it reads"
    assert RUNNER.invoke(app, [*words, "-h"], env=WIDE).output == text


def test_the_variables_and_defaults_are_shown_not_eaten_as_markup() -> None:
    top = help_of()
    for variable in ("SLA_MONITOR_DATABASE_URL", "SLA_MONITOR_CONFIG_DIR", "SLA_MONITOR_LANG"):
        assert f"[env var: {variable}]" in top
    assert "sqlite:///./sla_monitor.db" in top and "--version" in top
    report = help_of("report")
    assert "Settings: options before the command, or environment variables" in report
    assert "SLA_MONITOR_DATABASE_URL" in report and "[default: sqlite:///./sla_monitor.db" in report
    assert "Example: sla-monitor report --month 2026-03 --by branch" in report
    serve = help_of("serve")
    for variable in (
        "SLA_MONITOR_API_TOKENS",
        "SLA_MONITOR_API_TOKENS_FILE",
        "SLA_MONITOR_PROTECT_READS",
        "SLA_MONITOR_EVALUATION_INTERVAL",
        "SLA_MONITOR_MAX_BODY_BYTES",
        "SLA_MONITOR_LOG_FORMAT",
    ):
        assert variable in serve
    calendar = help_of("calendar")
    assert "SLA_MONITOR_CONFIG_DIR" in calendar and "SLA_MONITOR_DATABASE_URL" not in calendar
    assert "Settings" not in help_of("token", "new")


def test_help_text_is_printed_as_written() -> None:
    demo = SlaTyper(help="Keeps [calendars.default] and [[policies]] as written.")

    @demo.callback()
    def main() -> None: ...

    @demo.command("show", epilog="Example: show --flag")
    def show(
        flag: bool = typer.Option(False, "--flag", help="A [flag] that takes no value."),
    ) -> None:
        """Shows [bold]nothing[/bold]."""

    assert (
        "[calendars.default] and [[policies]]" in RUNNER.invoke(demo, ["--help"], env=WIDE).output
    )
    text = RUNNER.invoke(demo, ["show", "--help"], env=WIDE).output
    assert "[flag] that takes no value" in text and "<bool>" not in text
    assert "[bold]nothing[/bold]" in text and "Example: show --flag" in text


def test_version_and_h_as_the_real_command() -> None:
    env = {**os.environ, **WIDE}
    result = subprocess.run(
        [sys.executable, "-m", "sla_monitor", "--version"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0 and result.stdout == f"sla-monitor {version('sla-monitor')}\n"
    short = subprocess.run(
        [sys.executable, "-m", "sla_monitor", "calendar", "diff", "-h"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert short.returncode == 0 and "Example: sla-monitor calendar diff" in short.stdout


def test_help_works_with_a_bad_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad setting stops the commands that read the settings, not their help."""
    monkeypatch.setenv("SLA_MONITOR_EVALUATION_INTERVAL", "0")
    assert "Example: sla-monitor report" in help_of("report")
    result = RUNNER.invoke(app, ["token", "new"], env=WIDE)
    assert result.exit_code == 0 and result.output.startswith("secret: ")
