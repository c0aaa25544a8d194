"""The `sla-monitor` command line (SPEC §6): thin translations to the functions beneath."""

from __future__ import annotations

import json
import logging
import secrets
import signal
import sys
import time as wallclock
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import IO, Annotated, NoReturn

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
from sqlalchemy import Engine as DbEngine
from sqlalchemy.exc import IntegrityError, OperationalError

from sla_monitor import render
from sla_monitor.auth import MIN_SECRET_LENGTH, TokenError, digest
from sla_monitor.config import ConfigError, load_config
from sla_monitor.domain.calendar import Calendars
from sla_monitor.domain.calendar_data import (
    HOLIDAYS_VERSION,
    Fingerprint,
    calendar_dates,
    changed_dates,
    decree_status,
)
from sla_monitor.domain.policy import FIRST_YEAR, LAST_YEAR, CalendarSpec, SlaConfig
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import (
    MICROS,
    Instant,
    TimestampError,
    format_rfc3339,
    from_datetime,
    parse_as_of,
)
from sla_monitor.observability import logs
from sla_monitor.services.demo import DEFAULT_MONTH, demo_events
from sla_monitor.services.import_files import (
    SourceLine,
    default_parse_workers,
    detect_format,
    import_lines,
    read_csv,
    read_jsonl,
)
from sla_monitor.services.recompute import recompute_stale
from sla_monitor.services.verify import Check, recompute, verify
from sla_monitor.services.views import (
    ClaimDetail,
    WaitingClaim,
    claim_detail,
    daily_report,
    default_report_as_of,
)
from sla_monitor.settings import Settings
from sla_monitor.store.db import (
    SchemaError,
    current_revision,
    make_engine,
    require_schema,
    session_scope,
    upgrade,
)
from sla_monitor.store.fingerprints import stored as stored_fingerprints
from sla_monitor.store.queries import claim_count, waiting_events

app = typer.Typer(
    help="Times JHT claims against their SLA.", no_args_is_help=True, add_completion=False
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
log = logging.getLogger("sla_monitor")
if not out.is_terminal:  # a report piped to a file must not be cut at 80 columns
    out.width = 200


def now() -> Instant:
    return int(wallclock.time() * MICROS)


@dataclass
class Context:
    settings: Settings

    def config(self) -> SlaConfig:
        return load_config(self.settings.resolved_config_dir())

    def database(self, *, migrate: bool) -> DbEngine:
        engine = make_engine(self.settings.database_url)
        if migrate:
            upgrade(engine)
        else:
            require_schema(engine)
        return engine


def fail(message: str, code: int = 2) -> NoReturn:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


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
) -> None:
    overrides: dict[str, object] = {}
    if database_url is not None:
        overrides["database_url"] = database_url
    if config_dir is not None:
        overrides["config_dir"] = config_dir
    ctx.obj = Context(Settings(**overrides))  # type: ignore[arg-type]


def _as_of(text: str | None, default: Instant) -> Instant:
    if text is None:
        return default
    try:
        return parse_as_of(text)
    except TimestampError as exc:
        fail(f"--as-of: {exc}")


class InputFormat(StrEnum):
    auto = "auto"
    jsonl = "jsonl"
    csv = "csv"


@app.command("import")
def import_command(
    ctx: typer.Context,
    files: Annotated[
        list[str], typer.Argument(help="JSONL or CSV event files; - reads standard input.")
    ],
    rejects: Annotated[
        Path | None, typer.Option(help="Write one JSON line per rejected input to this file.")
    ] = None,
    input_format: Annotated[
        InputFormat, typer.Option("--format", help="Input format.")
    ] = InputFormat.auto,
    batch_size: Annotated[
        int, typer.Option(min=1, max=50_000, help="Events per transaction.")
    ] = 5000,
    parse_workers: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Processes that parse while the store writes (0: parse inline). "
            "Default: one fewer than the CPU cores, at most 4.",
        ),
    ] = None,
) -> None:
    """Import events; exit 0 if none was rejected, 1 if some were (the valid ones are stored)."""
    context: Context = ctx.obj
    with friendly_errors():
        sla = SlaTimer(context.config())
        db = context.database(migrate=True)
        missing = [f for f in files if f != "-" and not Path(f).is_file()]
        if missing:
            fail(f"no such file: {', '.join(missing)}")
        totals = {"accepted": 0, "duplicates": 0, "rejected": 0}
        rejected_lines = []
        with ExitStack() as stack, _progress() as progress:
            sink = stack.enter_context(rejects.open("w", encoding="utf-8")) if rejects else None
            for name in files:
                stream: IO[bytes] = (
                    sys.stdin.buffer if name == "-" else stack.enter_context(Path(name).open("rb"))
                )
                size = None if name == "-" else Path(name).stat().st_size
                task = progress.add_task(name if name != "-" else "stdin", total=size)
                head = stream.peek(64) if hasattr(stream, "peek") else b""
                kind = (
                    detect_format(name, head)
                    if input_format is InputFormat.auto
                    else input_format.value
                )
                reader = read_jsonl if kind == "jsonl" else read_csv
                advance = partial(progress.advance, task)
                lines: Iterator[SourceLine] = reader(stream, advance)
                result = import_lines(
                    lines,
                    source=name,
                    db=db,
                    sla=sla,
                    now=now,
                    batch_size=batch_size,
                    parse_workers=default_parse_workers()
                    if parse_workers is None
                    else parse_workers,
                )
                totals["accepted"] += result.accepted
                totals["duplicates"] += result.duplicates
                totals["rejected"] += len(result.rejections)
                rejected_lines.extend(result.rejections)
                for r in result.rejections:
                    if sink:
                        sink.write(
                            json.dumps(
                                {
                                    "file": r.source,
                                    "line": r.line,
                                    "event_id": r.event_id,
                                    "reason": r.reason,
                                },
                                ensure_ascii=False,
                            )
                            + "\n"
                        )
        shown = rejected_lines if rejects is None else rejected_lines[:10]
        for r in shown:
            where = f"{r.source}:{r.line}"
            ident = f" event {r.event_id!r}" if r.event_id else ""
            err.print(f"rejected {where}{ident}: {r.reason}", highlight=False, markup=False)
        if len(shown) < len(rejected_lines):
            err.print(f"... and {len(rejected_lines) - len(shown)} more rejections in {rejects}")
        with session_scope(db) as session:
            waiting = waiting_events(session=session)
    out.print(
        f"accepted {totals['accepted']}, duplicates {totals['duplicates']}, "
        f"rejected {totals['rejected']}"
    )
    if waiting:
        out.print(f"{waiting} stored events are waiting for their claim's submitted event")
    raise typer.Exit(1 if totals["rejected"] else 0)


@contextmanager
def _progress(*, counting: str = "bytes") -> Iterator[Progress]:
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


@app.command("claim")
def claim_command(
    ctx: typer.Context,
    claim_id: Annotated[str, typer.Argument(help="The claim to show.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    as_of: Annotated[str | None, typer.Option(help="RFC 3339 instant; default now.")] = None,
) -> None:
    """One claim's events, goals, deadlines and status."""
    context: Context = ctx.obj
    with friendly_errors():
        config = context.config()
        sla = SlaTimer(config)
        moment = _as_of(as_of, now())
        db = context.database(migrate=False)
        with session_scope(db) as session:
            detail = claim_detail(session=session, sla=sla, claim_id=claim_id, as_of=moment)
    if detail is None:
        fail(f"no claim {claim_id!r}: no event of it is stored", code=1)
    if isinstance(detail, WaitingClaim):
        fail(
            f"claim {claim_id!r} has not been submitted yet: {detail.waiting} event(s) are waiting "
            "for its submitted event",
            code=1,
        )
    assert isinstance(detail, ClaimDetail)
    if as_json:
        out.print_json(json.dumps(render.claim_json(detail, config)))
    else:
        render.print_claim(out, detail, config)


class ReportFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


@app.command("report")
def report_command(
    ctx: typer.Context,
    day: Annotated[
        str, typer.Option("--date", help="The local date (report_timezone), YYYY-MM-DD.")
    ],
    output: Annotated[
        ReportFormat, typer.Option("--format", help="Output format.")
    ] = ReportFormat.table,
    channel: Annotated[str | None, typer.Option(help="Only this channel.")] = None,
    branch: Annotated[str | None, typer.Option(help="Only this branch code.")] = None,
    as_of: Annotated[
        str | None, typer.Option(help="RFC 3339 instant; default end of the date or now.")
    ] = None,
) -> None:
    """The daily breach report for a date in report_timezone."""
    context: Context = ctx.obj
    try:
        report_day = date.fromisoformat(day)
    except ValueError:
        fail(f"--date {day!r} is not a date like 2026-11-24")
    with friendly_errors():
        config = context.config()
        if channel is not None and channel not in config.channels:
            fail(
                f"--channel {channel!r} is not a configured channel ({', '.join(config.channels)})"
            )
        if branch is not None and branch not in config.branches:
            fail(f"--branch {branch!r} is not in the branch registry")
        sla = SlaTimer(config)
        moment = _as_of(as_of, default_report_as_of(sla, report_day, now()))
        db = context.database(migrate=False)
        recompute_stale(db=db, sla=sla, now=now())  # finish an import that was interrupted
        with session_scope(db) as session:
            report = daily_report(
                session=session,
                sla=sla,
                day=report_day,
                as_of=moment,
                channel=channel,
                branch_code=branch,
            )
    if output is ReportFormat.json:
        out.print_json(json.dumps(render.report_json(report, config)))
    elif output is ReportFormat.csv:
        sys.stdout.write(render.report_csv(report))
    else:
        render.print_report(out, report, config)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply the database migrations."""
    context: Context = ctx.obj
    with friendly_errors():
        engine = make_engine(context.settings.database_url)
        before, after = upgrade(engine)
    where = engine.url.render_as_string(hide_password=True)
    if before == after:
        out.print(f"{where} is up to date (revision {after})")
    else:
        out.print(f"{where} upgraded from {before or 'empty'} to revision {after}")


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Print the database's schema revision."""
    context: Context = ctx.obj
    with friendly_errors():
        revision = current_revision(make_engine(context.settings.database_url))
    out.print(revision or "empty (run `sla-monitor db upgrade`)")


@app.command("demo")
def demo_command(
    ctx: typer.Context,
    month: Annotated[
        str, typer.Option(help="The month to fill, YYYY-MM.")
    ] = DEFAULT_MONTH.strftime("%Y-%m"),
    per_day: Annotated[int, typer.Option(min=1, max=5000, help="Claims per working day.")] = 120,
    seed: Annotated[
        int, typer.Option(help="Random seed; the same seed gives the same events.")
    ] = 2022,
) -> None:
    """Fill the database with a deterministic month of synthetic claims."""
    context: Context = ctx.obj
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        fail(f"--month {month!r} is not a month like 2026-03")
    with friendly_errors():
        config = context.config()
        sla = SlaTimer(config)
        db = context.database(migrate=True)
        raw = demo_events(config=config, month=first, per_day=per_day, seed=seed, now=now())
        lines = iter([SourceLine(i + 1, raw=event) for i, event in enumerate(raw)])
        with _progress() as progress:
            task = progress.add_task(f"demo {month}", total=len(raw))
            result = import_lines(
                lines,
                source="demo",
                db=db,
                sla=sla,
                now=now,
                on_batch=lambda r: progress.advance(
                    task, r.accepted + r.duplicates + len(r.rejected)
                ),
            )
    for r in result.rejections[:10]:
        err.print(f"rejected demo event {r.event_id}: {r.reason}", markup=False)
    out.print(
        f"demo {month}: {len(raw)} events delivered, accepted {result.accepted}, "
        f"duplicates {result.duplicates}, rejected {len(result.rejections)}"
    )
    out.print(f"try: sla-monitor report --date {first.replace(day=25).isoformat()}")


calendar_app = typer.Typer(
    help="The dates a working calendar closes and opens, and what changed in them.",
    invoke_without_command=True,
)
app.add_typer(calendar_app, name="calendar")


def _calendar_spec(config: SlaConfig, calendar_id: str) -> CalendarSpec:
    spec = config.calendars.get(calendar_id)
    if spec is None:
        fail(f"--calendar {calendar_id!r} is not defined; defined: {', '.join(config.calendars)}")
    return spec


def _warn(message: str) -> None:
    err.print(f"[yellow]warning:[/yellow] {message}", highlight=False)


@calendar_app.callback()
def calendar_command(
    ctx: typer.Context,
    year: Annotated[int, typer.Option(help="The year to list.")] = date.today().year,
    calendar_id: Annotated[
        str, typer.Option("--calendar", help="Calendar id in sla.toml.")
    ] = "default",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List a calendar's holidays, cuti bersama and extra working days, in date order, each
    with its source, and say whether the year's decree (SKB) on cuti bersama is known."""
    if ctx.invoked_subcommand is not None:
        return
    context: Context = ctx.obj
    with friendly_errors():
        config = context.config()
    spec = _calendar_spec(config, calendar_id)
    entries = calendar_dates(spec, year)
    status = decree_status(spec, year)
    if as_json:
        body = {
            "calendar": calendar_id,
            "year": year,
            "holidays_version": HOLIDAYS_VERSION,
            "decree": None if status is None else status.to_json(),
            "dates": [
                {
                    "date": e.day.isoformat(),
                    "weekday": f"{e.day:%a}",
                    "working": e.working,
                    "source": e.source,
                    "name": e.name,
                }
                for e in entries
            ],
        }
        out.print_json(json.dumps(body, ensure_ascii=False))
    else:
        render.print_calendar(out, spec, year, entries)
    if status is None:
        _warn(f"calendar {calendar_id!r} takes no holidays from data: only its configuration")
    elif status.known:
        err.print(status.describe(), highlight=False, markup=False)
    else:
        _warn(status.describe())


@calendar_app.command("diff")
def calendar_diff_command(
    ctx: typer.Context,
    from_config: Annotated[
        Path | None,
        typer.Option(
            help="A folder with the previous sla.toml and branches.toml. Without it: the "
            "calendars stored goals were computed in, against the current ones.",
            show_default=False,
        ),
    ] = None,
    calendar_id: Annotated[
        str | None, typer.Option("--calendar", help="Only this calendar.", show_default=False)
    ] = None,
    first_year: Annotated[
        int, typer.Option("--from-year", help="First year compared.")
    ] = date.today().year - 5,
    last_year: Annotated[
        int, typer.Option("--to-year", help="Last year compared.")
    ] = date.today().year + 1,
) -> None:
    """The dates that are working in one version of a calendar and closed in the other.

    Exit 0 when nothing differs, 1 when some date does. Then `verify` shows the claims it
    moves and `recompute --changes FILE` applies it (docs/calendar.md).
    """
    context: Context = ctx.obj
    if not FIRST_YEAR <= first_year <= last_year <= LAST_YEAR:
        fail(f"--from-year and --to-year must be in order, within {FIRST_YEAR}-{LAST_YEAR}")
    years = range(first_year, last_year + 1)
    pairs: list[tuple[str, Fingerprint, CalendarSpec | None]]  # what, before, its names
    with friendly_errors():
        config = context.config()
        calendars = Calendars(config.calendars)
        if from_config is not None:
            old_config = load_config(from_config)
            old_calendars = Calendars(old_config.calendars)
            pairs = [
                (f"{from_config}", old_calendars.fingerprint(cid), old_config.calendars[cid])
                for cid in old_config.calendars
                if cid in config.calendars
            ]
        else:
            db = context.database(migrate=False)
            with session_scope(db) as session:
                kept = stored_fingerprints(session=session, in_use=True)
            pairs = [
                (
                    f"stored {k.fingerprint.digest} (first used "
                    f"{_to_second(k.first_used_at, config)}, holidays "
                    f"{k.holidays_version})",
                    k.fingerprint,
                    None,
                )
                for k in kept
                if k.fingerprint.calendar in config.calendars
            ]
    if calendar_id is not None:
        _calendar_spec(config, calendar_id)
        pairs = [p for p in pairs if p[1].calendar == calendar_id]
    differing = outside = 0
    for label, old, old_spec in pairs:
        spec = config.calendars[old.calendar]
        new = calendars.fingerprint(old.calendar)
        if new.digest == old.digest:
            continue
        changes = changed_dates(old, new, years)
        if not changes and old.weekdays == new.weekdays and old.office_hours == new.office_hours:
            outside += 1
            continue
        differing += 1
        render.print_calendar_diff(out, label, old, new, changes, spec, old_spec)
    if differing:
        out.print(
            "next: `sla-monitor verify` lists the claims this moves; "
            "`sla-monitor recompute --changes FILE` applies it (docs/calendar.md)"
        )
    elif outside:
        out.print(
            f"no date differs in {first_year}-{last_year}; the calendars differ in other "
            "years (--from-year, --to-year)"
        )
    elif from_config is not None:
        out.print("the calendars are the same in both configurations")
    else:
        out.print("every stored goal was computed in the current calendars")
    raise typer.Exit(1 if differing else 0)


def _count_claims(db: DbEngine) -> int:
    with session_scope(db) as session:
        return claim_count(session=session)


def _print_differences(check: Check, shown: int, verb: str) -> None:
    for d in check.differences[:shown]:
        plain = d.to_json()
        goal = f" goal {d.goal_id}" if d.goal_id else ""
        out.print(
            f"claim {d.claim_id}{goal}: {d.field} {verb} {plain['stored']} -> {plain['recomputed']}",
            highlight=False,
            markup=False,
        )
    if len(check.differences) > shown:
        out.print(f"... and {len(check.differences) - shown} more (--json lists them all)")


def _to_second(instant: Instant, config: SlaConfig) -> str:
    return format_rfc3339(instant - instant % MICROS, config.report_zone)


def _calendar_changes(check: Check, db: DbEngine, sla: SlaTimer) -> list[dict[str, object]]:
    """The calendars that changed since some goals were computed, for people and JSON."""
    if not check.outdated_goals:
        return []
    with session_scope(db) as session:
        kept = {k.fingerprint.digest: k for k in stored_fingerprints(session=session)}
    out: list[dict[str, object]] = []
    for (calendar_id, stored_digest), goals in sorted(
        check.outdated_goals.items(), key=lambda item: (item[0][0], item[0][1] or "")
    ):
        before = kept.get(stored_digest) if stored_digest else None
        out.append(
            {
                "calendar": calendar_id,
                "stored_fingerprint": stored_digest,
                "stored_first_used_at": None
                if before is None
                else _to_second(before.first_used_at, sla.config),
                "stored_holidays_version": None if before is None else before.holidays_version,
                "current_fingerprint": sla.calendars.fingerprint(calendar_id).digest,
                "claims": check.outdated_claims[(calendar_id, stored_digest)],
                "goals": goals,
            }
        )
    return out


def _print_calendar_changes(changes: list[dict[str, object]], *, verb: str) -> None:
    for c in changes:
        counted = f"{c['claims']} claims ({c['goals']} goals)"
        if c["stored_fingerprint"] is None:
            out.print(
                f"{counted} {verb} computed before calendar fingerprints were kept: whether "
                f"calendar {c['calendar']!r} changed since is not known",
                highlight=False,
                markup=False,
            )
            continue
        since = (
            f", first used {c['stored_first_used_at']} with holidays {c['stored_holidays_version']}"
            if c["stored_first_used_at"]
            else ""
        )
        out.print(
            f"calendar {c['calendar']!r} changed since {counted} {verb} computed: they "
            f"{verb} computed in its version {c['stored_fingerprint']}{since}; it is now "
            f"{c['current_fingerprint']} (`sla-monitor calendar diff` lists the dates)",
            highlight=False,
            markup=False,
        )


@app.command("verify")
def verify_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Every difference as JSON.")] = False,
    show: Annotated[int, typer.Option(min=0, help="Differences listed in the text output.")] = 50,
) -> None:
    """Recompute every claim from its events and compare with the stored goals (read only).

    Exit 0 when everything matches, 1 when anything differs.
    """
    context: Context = ctx.obj
    with friendly_errors():
        sla = SlaTimer(context.config())
        db = context.database(migrate=False)
        with _progress(counting="claims") as progress:
            task = progress.add_task("verify", total=_count_claims(db))
            check = verify(db=db, sla=sla, progress=partial(progress.advance, task))
        calendars = _calendar_changes(check, db, sla)
    if as_json:
        body = {
            "claims": check.claims,
            "goals": check.goals,
            "claims_differing": check.claims_differing,
            "claims_pending": check.pending,
            "calendar_changes": calendars,
            "differences": [d.to_json() for d in check.differences],
        }
        out.print_json(json.dumps(body, ensure_ascii=False))
    else:
        _print_differences(check, show, "stored")
        _print_calendar_changes(calendars, verb="were")
        verdict = (
            "all match"
            if not check.differences
            else (f"{len(check.differences)} differences in {check.claims_differing} claims")
        )
        out.print(f"checked {check.claims} claims, {check.goals} goals: {verdict}")
        if check.pending:
            out.print(
                f"{check.pending} claims not checked: they have events their goals do not "
                "reflect yet (`sla-monitor serve` recomputes them within seconds, as does "
                "`sla-monitor report`)"
            )
    raise typer.Exit(1 if check.differences else 0)


@app.command("recompute")
def recompute_command(
    ctx: typer.Context,
    changes: Annotated[
        Path | None,
        typer.Option(help="Write every change applied as JSON lines (an audit record)."),
    ] = None,
    show: Annotated[int, typer.Option(min=0, help="Changes listed in the text output.")] = 50,
) -> None:
    """Apply the current calendar and policies to stored claims, recording what changed.

    Metrics count reclassified outcomes once (sla_reclassified_total); reports read the
    rewritten goals at once.
    """
    context: Context = ctx.obj
    with friendly_errors(), ExitStack() as stack:
        sla = SlaTimer(context.config())
        db = context.database(migrate=False)
        sink = stack.enter_context(changes.open("w", encoding="utf-8")) if changes else None
        moment = now()
        with _progress(counting="claims") as progress:
            task = progress.add_task("recompute", total=_count_claims(db))
            check = recompute(db=db, sla=sla, now=moment, progress=partial(progress.advance, task))
        if sink:
            for d in check.differences:
                record = {"recomputed_at": format_rfc3339(moment), **d.to_json()}
                sink.write(json.dumps(record, ensure_ascii=False) + "\n")
        calendars = _calendar_changes(check, db, sla)
    _print_differences(check, show, "changed")
    _print_calendar_changes(calendars, verb="had been")
    out.print(
        f"checked {check.claims} claims, {check.goals} goals: "
        f"changed {check.claims_differing} claims ({len(check.differences)} values)"
    )
    if calendars:
        out.print("every goal now records the current calendar it was checked in")


token_app = typer.Typer(help="Bearer tokens for writers and readers.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("new")
def token_new() -> None:
    """Print a new random secret, and the SHA-256 a token file holds for it."""
    secret = secrets.token_urlsafe(32)
    out.print(f"secret: {secret}", highlight=False)
    out.print(f"sha256: {digest(secret).hex()}", highlight=False)


@token_app.command("hash")
def token_hash() -> None:
    """Read a secret from standard input; print the SHA-256 a token file holds for it."""
    secret = sys.stdin.readline().strip()
    if len(secret) < MIN_SECRET_LENGTH:
        fail(f"a token must be at least {MIN_SECRET_LENGTH} characters long")
    out.print(digest(secret).hex(), highlight=False)


@app.command("serve")
def serve_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    migrate: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Apply database migrations at start.")
    ] = True,
    demo: Annotated[
        bool,
        typer.Option(help="Also feed a stream of synthetic claims (and a demo month if empty)."),
    ] = False,
    insecure_open_writes: Annotated[
        bool,
        typer.Option(help="Accept events without a token. Only allowed with --demo."),
    ] = False,
    log_format: Annotated[
        str | None,
        typer.Option(help="text or json [env SLA_MONITOR_LOG_FORMAT].", show_default=False),
    ] = None,
) -> None:
    """Run the HTTP API, the periodic evaluation and /metrics."""
    import uvicorn

    from sla_monitor.entrypoints.api.app import create_app
    from sla_monitor.entrypoints.scheduler import Monitor

    context: Context = ctx.obj
    settings = context.settings
    chosen_format = log_format or settings.log_format
    if chosen_format not in ("text", "json"):
        fail(f"--log-format must be text or json, not {chosen_format!r}")
    logs.configure(chosen_format)
    if insecure_open_writes and not demo:
        fail(
            "--insecure-open-writes lets anyone write claim events; it is only allowed with "
            "--demo. Give writers tokens (SLA_MONITOR_API_TOKENS or SLA_MONITOR_API_TOKENS_FILE)"
        )
    with friendly_errors():
        config = context.config()
        sla = SlaTimer(config)
        try:
            tokens = settings.tokens(channels=config.channels, branches=config.branches)
        except TokenError as exc:
            fail(str(exc))
        db = context.database(migrate=migrate)
    writers = [t.name for t in tokens if "write" in t.scopes]
    if insecure_open_writes:
        log.warning("--insecure-open-writes: POST /v1/events accepts events without a token")
    elif not writers:
        log.warning("no token with the write scope: POST /v1/events will refuse every request")
    else:
        log.info("writers: %s", ", ".join(writers))  # names only, never the secrets
    if settings.protect_reads:
        log.info("claim reads need a token with the read scope")
    monitor = Monitor(db=db, sla=sla, interval=settings.evaluation_interval, clock=now)
    application = create_app(
        monitor=monitor,
        tokens=tokens,
        protect_reads=settings.protect_reads,
        open_writes=insecure_open_writes,
        max_body_bytes=settings.max_body_bytes,
    )
    feeder = _DemoFeeder(db=db, sla=sla) if demo else None
    if feeder:
        feeder.start()
    # uvicorn drains requests on SIGTERM, then raises the signal again with the previous
    # handler in place: make that handler a clean exit, so a graceful stop exits 0.
    signal.signal(signal.SIGTERM, _exit_cleanly)
    try:
        uvicorn.run(
            application,
            host=host,
            port=port,
            log_config=None,  # logs.configure has set up every logger
            access_log=False,  # the API logs each request itself, without query strings
            timeout_graceful_shutdown=30,
        )
    finally:
        if feeder:
            feeder.stop()


def _exit_cleanly(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


class _DemoFeeder:
    """Feeds `serve --demo`: the demo month once if the database is empty, then live claims."""

    def __init__(self, *, db: DbEngine, sla: SlaTimer):
        import threading

        self.db, self.sla = db, sla
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, name="demo-feeder", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=10)

    def run(self) -> None:
        from sla_monitor.services.demo import LiveFeed
        from sla_monitor.store.queries import claim_count

        def feed(raws: list[dict[str, object]]) -> None:
            lines = iter([SourceLine(i + 1, raw=r) for i, r in enumerate(raws)])
            import_lines(lines, source="demo", db=self.db, sla=self.sla, now=now)

        try:
            with session_scope(self.db) as session:
                empty = claim_count(session=session) == 0
            if empty:
                feed(demo_events(config=self.sla.config, per_day=40, now=now()))
            live = LiveFeed(self.sla.config)
            while not self.stopping.wait(1.0):
                feed(live.tick(now()))
        except OperationalError as exc:
            log.error(
                "demo feeder stopped: the database is unavailable (%s)",
                type(exc.orig or exc).__name__,
            )


def main() -> None:
    app()


__all__ = ["app", "format_rfc3339", "from_datetime", "main"]
