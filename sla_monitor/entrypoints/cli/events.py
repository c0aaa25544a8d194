"""`sla-monitor import` and `sla-monitor demo`: events from files (JSONL, CSV or Excel), or
a synthetic month. `sla-monitor waiting` (cli/waiting.py) lists what an import left waiting."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.progress import Progress

from sla_monitor.bootstrap import wall_clock
from sla_monitor.domain.spelling import FileReading
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.entrypoints.cli.app import (
    Context,
    app,
    err,
    fail,
    friendly_errors,
    out,
    progress_bar,
)
from sla_monitor.services.demo import DEFAULT_MONTH, demo_events
from sla_monitor.services.import_files import (
    ImportResult,
    LineRejection,
    SourceLine,
    default_parse_workers,
    detect_format,
    import_lines,
)
from sla_monitor.services.import_target import ImportTarget, dry_run_target
from sla_monitor.services.spreadsheets import ReadOptions, check_encoding, read_source
from sla_monitor.services.table_rows import FileProblem

DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\\t": "\t", "\t": "\t"}
SHOWN_WAITING = 10  # claims named in the summary; `sla-monitor waiting` lists them all


class InputFormat(StrEnum):
    auto = "auto"
    jsonl = "jsonl"
    csv = "csv"
    xlsx = "xlsx"


@app.command("import", epilog="Example: sla-monitor import cabang-jkt.csv --assume-local --dry-run")
def import_command(
    ctx: typer.Context,
    files: Annotated[
        list[str],
        typer.Argument(help="JSONL, CSV or Excel (.xlsx) event files; - reads standard input."),
    ],
    rejects: Annotated[
        Path | None, typer.Option(help="Write one JSON line per rejected input to this file.")
    ] = None,
    input_format: Annotated[
        InputFormat, typer.Option("--format", help="Input format; auto: by the file's name.")
    ] = InputFormat.auto,
    delimiter: Annotated[
        str | None,
        typer.Option(
            help="CSV delimiter: , ; or tab. Default: the one found in the header line.",
            show_default=False,
        ),
    ] = None,
    encoding: Annotated[
        str, typer.Option(help="Encoding of CSV files, e.g. cp1252 for a Windows file.")
    ] = "utf-8",
    sheet: Annotated[
        str | None,
        typer.Option(help="Sheet of an Excel workbook. Default: its first.", show_default=False),
    ] = None,
    assume_local: Annotated[
        bool,
        typer.Option(
            "--assume-local",
            help="Read a time without a UTC offset (2026-11-10 10:00, 10/11/2026 10:00, an "
            "Excel date cell) as the local time of the claim's branch.",
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Check everything, against the stored events too, and print the same "
            "summary, but store nothing.",
        ),
    ] = False,
    batch_size: Annotated[
        int, typer.Option(min=1, max=50_000, help="Events per transaction.")
    ] = 5000,
    parse_workers: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Processes that parse while the store writes (0: parse inline). "
            "Default: 0 on up to 3 CPU cores, else two fewer than the cores, at most 4.",
        ),
    ] = None,
) -> None:
    """Import events; exit 0 if none was rejected, 1 if some were or a file could not be read
    (the valid events are stored)."""
    context: Context = ctx.obj
    reader = _reader(delimiter, encoding, sheet)
    workers = default_parse_workers() if parse_workers is None else parse_workers
    with friendly_errors():
        sla = SlaTimer(context.config())
        config = sla.config
        reading = FileReading.of(config.channels, config.branches, assume_local=assume_local)
        db = context.database(migrate=not dry_run)
        missing = [f for f in files if f != "-" and not Path(f).is_file()]
        if missing:
            fail(f"no such file: {', '.join(missing)}")
        with ExitStack() as stack, progress_bar() as progress:
            target = (
                stack.enter_context(dry_run_target(db, sla)) if dry_run else ImportTarget(db, sla)
            )
            sink = stack.enter_context(rejects.open("w", encoding="utf-8")) if rejects else None
            run = partial(
                import_lines,
                db=db,
                sla=sla,
                clock=wall_clock,
                batch_size=batch_size,
                parse_workers=workers,
                reading=reading,
                target=target,
            )
            total, problems = _import_files(stack, files, (input_format, reader), progress, run)
            waiting = _waiting(target, total)
            _print_rejections(total.rejections, problems, sink, rejects)
    _print_summary(total, waiting, dry_run)
    raise typer.Exit(1 if total.rejections or problems else 0)


def _reader(delimiter: str | None, encoding: str, sheet: str | None) -> ReadOptions:
    if delimiter is not None and delimiter not in DELIMITERS:
        fail(f"--delimiter {delimiter!r}: use , ; or tab")
    try:
        codec = check_encoding(encoding)
    except ValueError as exc:
        fail(f"--encoding: {exc}")
    return ReadOptions(DELIMITERS.get(delimiter or ""), codec, sheet)


Problem = tuple[str, FileProblem]  # a file not imported, and why


def _import_files(
    stack: ExitStack,
    files: list[str],
    reader: tuple[InputFormat, ReadOptions],
    progress: Progress,
    run: partial[ImportResult],
) -> tuple[ImportResult, list[Problem]]:
    """Each file in turn; one that cannot be read is a problem, and the next is read all the
    same."""
    total = ImportResult()
    problems: list[Problem] = []
    for name in files:
        try:
            result = run(_source_lines(stack, name, *reader, progress), source=name)
        except FileProblem as problem:
            problems.append((name, problem))
            continue
        if result.lines == 0:
            problems.append((name, FileProblem(None, "holds no events: nothing to import")))
        total.add(result)
    return total, problems


def _source_lines(
    stack: ExitStack, name: str, chosen: InputFormat, options: ReadOptions, progress: Progress
) -> Iterator[SourceLine]:
    """The file's lines (or rows) as the importer reads them, advancing its progress bar."""
    # Closed with the stack, when the import of every file is over.
    opened = sys.stdin.buffer if name == "-" else stack.enter_context(open(name, "rb"))  # noqa: SIM115
    head = opened.peek(64) if hasattr(opened, "peek") else b""
    kind = detect_format(name, head) if chosen is InputFormat.auto else chosen.value
    size = None if name == "-" or kind == "xlsx" else Path(name).stat().st_size
    task = progress.add_task(name if name != "-" else "stdin", total=size)
    return read_source(opened, kind, options, partial(progress.advance, task))


def _waiting(target: ImportTarget, total: ImportResult) -> dict[str, int]:
    """This input's valid events of each claim whose submitted event is not stored."""
    missing = target.unsubmitted(list(total.claims)) if total.claims else set()
    return {claim: total.claims[claim] for claim in sorted(missing)}


def _print_rejections(
    rejections: list[LineRejection],
    problems: list[Problem],
    sink: IO[str] | None,
    rejects: Path | None,
) -> None:
    """Files not read, then every rejection on standard error (the first ten when they are
    also written to --rejects, which gets them all)."""
    for name, problem in problems:
        where = name if problem.line is None else f"{name}:{problem.line}"
        err.print(f"error: {where}: {problem.message}", highlight=False, markup=False)
    if sink is not None:
        records: list[tuple[str, int | None, str | None, str]] = [
            (name, problem.line, None, problem.message) for name, problem in problems
        ]
        records += [(r.source, r.line, r.event_id, r.reason) for r in rejections]
        for file, line, event_id, reason in records:
            record = {"file": file, "line": line, "event_id": event_id, "reason": reason}
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
    shown = rejections if rejects is None else rejections[:10]
    for r in shown:
        ident = f" event {r.event_id!r}" if r.event_id else ""
        err.print(f"rejected {r.source}:{r.line}{ident}: {r.reason}", highlight=False, markup=False)
    if len(shown) < len(rejections):
        err.print(f"... and {len(rejections) - len(shown)} more rejections in {rejects}")


def _print_summary(total: ImportResult, waiting: dict[str, int], dry_run: bool) -> None:
    out.print(
        f"accepted {total.accepted}, duplicates {total.duplicates}, "
        f"rejected {len(total.rejections)}"
    )
    if waiting:
        events = sum(waiting.values())
        named = ", ".join(map(repr, list(waiting)[:SHOWN_WAITING]))
        if len(waiting) > SHOWN_WAITING:
            named += f" and {len(waiting) - SHOWN_WAITING} more"
        out.print(
            f"{events} {'event' if events == 1 else 'events'} of this import "
            f"{'waits' if events == 1 else 'wait'} for their claim's submitted event: "
            f"{'claim' if len(waiting) == 1 else 'claims'} {named} "
            "(`sla-monitor waiting` lists every waiting claim)",
            highlight=False,
            markup=False,
        )
    if dry_run:
        out.print("dry run: nothing was stored; an import now would give these counts")


@app.command("demo", epilog="Example: sla-monitor demo --month 2026-03 --per-day 50")
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
        raw = demo_events(config=config, month=first, per_day=per_day, seed=seed, now=wall_clock())
        lines = iter([SourceLine(i + 1, raw=event) for i, event in enumerate(raw)])
        with progress_bar() as progress:
            task = progress.add_task(f"demo {month}", total=len(raw))
            result = import_lines(
                lines,
                source="demo",
                db=db,
                sla=sla,
                clock=wall_clock,
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
