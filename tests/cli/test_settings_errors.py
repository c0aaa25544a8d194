"""A setting that cannot be used is one line naming it and the fix, exit 2, never a traceback
(docs/configuration.md#settings); a command that only reads never creates a database file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sla_monitor.store.db import head_revision


@pytest.fixture
def cli(tmp_path: Path):  # type: ignore[no-untyped-def]
    """The real command in an empty folder, with no SLA_MONITOR_* setting but those given."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("SLA_MONITOR_")}

    def invoke(*args: str, **settings: str) -> subprocess.CompletedProcess[str]:
        env = {**base, "COLUMNS": "200", "SLA_MONITOR_LANG": "en", **settings}
        return subprocess.run(
            [sys.executable, "-m", "sla_monitor", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
        )

    return invoke


def one_line_error(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert result.returncode == 2, result.stderr
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and line.startswith("error: "), result.stderr
    for part in expected:
        assert part in line, line
    return line


@pytest.mark.parametrize(
    ("url", "fix"),
    [
        ("data.db", "write sqlite:///data.db"),
        ("/var/lib/sla/sla.db", "write sqlite:////var/lib/sla/sla.db"),
        ("sqlite:/x.db", "write sqlite:///x.db (from the current folder) or sqlite:////x.db"),
        ("postgres//sla:secret@db/sla", "not a URL: no '://' after the scheme"),
        ("mysql://db/sla", "'mysql' is not a database sla-monitor uses"),
        ("postgresql+psycopg2://db/sla", "write postgresql:// without +psycopg2"),
        ("postgresql://db:port/sla", "the port must be a number"),
        ("", "empty; write sqlite:///FILE (a file) or postgresql://"),
        ("sqlite:///no-such-folder/sla.db", "the folder no-such-folder does not exist"),
        ("sqlite:///~/sla.db", "~ is not expanded"),
        ("sqlite:///.", "name a file in it: sqlite:///sla_monitor.db"),
    ],
)
def test_a_mistyped_database_url_is_one_line_with_the_fix(cli, url: str, fix: str) -> None:  # type: ignore[no-untyped-def]
    given = one_line_error(
        cli("--database-url", url, "db", "upgrade"), f"--database-url {url!r}"[:20]
    )
    assert fix in given and "SLA_MONITOR_DATABASE_URL" in given
    assert "secret" not in given
    from_environment = cli("report", SLA_MONITOR_DATABASE_URL=url)
    one_line_error(from_environment, "SLA_MONITOR_DATABASE_URL", "--database-url")


def test_postgres_urls_mean_psycopg(cli, postgres_url: str) -> None:  # type: ignore[no-untyped-def]
    short = "postgres://" + postgres_url.split("://", 1)[1]
    result = cli("db", "upgrade", SLA_MONITOR_DATABASE_URL=short)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("postgresql+psycopg://"), result.stdout
    assert cli("db", "current", SLA_MONITOR_DATABASE_URL=short).stdout.strip() == head_revision()


READERS = [
    ("report", "--date", "2026-03-25"),
    ("backlog",),
    ("claim", "JHT-1"),
    ("verify",),
    ("calendar", "diff"),
    ("db", "current"),
]


@pytest.mark.parametrize("command", READERS, ids=" ".join)
def test_a_command_that_reads_creates_no_database(
    cli, tmp_path: Path, command: tuple[str, ...]
) -> None:  # type: ignore[no-untyped-def]
    one_line_error(
        cli(*command),
        "no database in this folder",
        "./sla_monitor.db",
        str(tmp_path / "sla_monitor.db"),
        "--database-url",
        "SLA_MONITOR_DATABASE_URL",
        "sla-monitor db upgrade",
    )
    elsewhere = cli("--database-url", "sqlite:///elsewhere.db", *command)
    one_line_error(elsewhere, f"no database at {tmp_path / 'elsewhere.db'} (--database-url)")
    assert list(tmp_path.iterdir()) == []


def test_commands_that_write_create_and_migrate_the_database(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = cli("recompute", "--stale")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "sla_monitor.db").is_file()
    assert cli("db", "current").stdout.strip() == head_revision()
    assert cli("verify").returncode == 0


@pytest.mark.parametrize(
    ("variable", "value", "fix"),
    [
        ("SLA_MONITOR_EVALUATION_INTERVAL", "0", "use a number of seconds above 0, e.g. 30"),
        ("SLA_MONITOR_MAX_BODY_BYTES", "2MB", "use a whole number of bytes above 0"),
        ("SLA_MONITOR_PROTECT_READS", "maybe", "use true or false"),
        ("SLA_MONITOR_LOG_FORMAT", "xml", "use text or json"),
        ("SLA_MONITOR_LANG", "jv", "use id (Indonesian) or en (English)"),
    ],
)
def test_a_bad_variable_is_one_line_naming_it(cli, variable: str, value: str, fix: str) -> None:  # type: ignore[no-untyped-def]
    one_line_error(cli("report", **{variable: value}), f"{variable} {value!r}: {fix}")


def test_a_bad_configuration_folder_says_which_and_why(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a-file").write_text("")
    (tmp_path / "empty").mkdir()
    for folder, problem in (
        ("missing", "no such folder"),
        ("a-file", "not a folder"),
        ("empty", "no sla.toml in this folder"),
    ):
        one_line_error(
            cli("--config-dir", folder, "calendar"), f"--config-dir {folder!r}: {problem}"
        )
        from_environment = cli("calendar", SLA_MONITOR_CONFIG_DIR=folder)
        one_line_error(from_environment, f"SLA_MONITOR_CONFIG_DIR {folder!r}: {problem}")


def test_a_bad_token_setting_names_it(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing = cli("serve", SLA_MONITOR_API_TOKENS_FILE="tokens.toml")
    one_line_error(missing, "SLA_MONITOR_API_TOKENS_FILE 'tokens.toml': no such file")
    (tmp_path / "tokens.toml").write_text("[[tokens]]\nname = 'a'\nsha256 = 'x'\n")
    bad = cli("serve", SLA_MONITOR_API_TOKENS_FILE="tokens.toml")
    one_line_error(bad, "SLA_MONITOR_API_TOKENS_FILE: tokens.toml: tokens[0]", "64 lowercase hex")
    one_line_error(cli("serve", SLA_MONITOR_API_TOKENS="short"), "SLA_MONITOR_API_TOKENS: token 1")
    assert not (tmp_path / "sla_monitor.db").exists()


def test_square_brackets_of_a_message_are_printed(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repository = Path(__file__).parent.parent.parent / "config"
    config = tmp_path / "config"
    config.mkdir()
    (config / "branches.toml").write_text((repository / "branches.toml").read_text())
    sla = (repository / "sla.toml").read_text()
    (config / "sla.toml").write_text(sla.replace('["08:00", "16:00"]', '["16:00", "08:00"]'))
    one_line_error(cli("--config-dir", "config", "calendar"), "[calendars.default]")
