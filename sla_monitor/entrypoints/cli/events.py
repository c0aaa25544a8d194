"""`sla-monitor import` and `sla-monitor demo`: events from files, or a synthetic month."""

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
    read_csv,
    read_jsonl,
)
from sla_monitor.store.db import session_scope
from sla_monitor.store.queries import waiting_events


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
    workers = default_parse_workers() if parse_workers is None else parse_workers
    with friendly_errors():
        sla = SlaTimer(context.config())
        db = context.database(migrate=True)
        missing = [f for f in files if f != "-" and not Path(f).is_file()]
        if missing:
            fail(f"no such file: {', '.join(missing)}")
        total = ImportResult()
        with ExitStack() as stack, progress_bar() as progress:
            sink = stack.enter_context(rejects.open("w", encoding="utf-8")) if rejects else None
            for name in files:
                stream = _open(stack, name)
                lines = _source_lines(stream, name, input_format, progress)
                result = import_lines(
                    lines,
                    source=name,
                    db=db,
                    sla=sla,
                    clock=wall_clock,
                    batch_size=batch_size,
                    parse_workers=workers,
                )
                total.accepted += result.accepted
                total.duplicates += result.duplicates
                total.rejections.extend(result.rejections)
                if sink:
                    _write_rejections(sink, result.rejections)
        _print_rejections(total.rejections, rejects)
        with session_scope(db) as session:
            waiting = waiting_events(session=session)
    out.print(
        f"accepted {total.accepted}, duplicates {total.duplicates}, "
        f"rejected {len(total.rejections)}"
    )
    if waiting:
        out.print(f"{waiting} stored events are waiting for their claim's submitted event")
    raise typer.Exit(1 if total.rejections else 0)


def _open(stack: ExitStack, name: str) -> IO[bytes]:
    return sys.stdin.buffer if name == "-" else stack.enter_context(Path(name).open("rb"))


def _source_lines(
    stream: IO[bytes], name: str, chosen: InputFormat, progress: Progress
) -> Iterator[SourceLine]:
    """The file's lines as the importer reads them, advancing its progress bar."""
    size = None if name == "-" else Path(name).stat().st_size
    task = progress.add_task(name if name != "-" else "stdin", total=size)
    head = stream.peek(64) if hasattr(stream, "peek") else b""
    kind = detect_format(name, head) if chosen is InputFormat.auto else chosen.value
    reader = read_jsonl if kind == "jsonl" else read_csv
    return reader(stream, partial(progress.advance, task))


def _write_rejections(sink: IO[str], rejections: list[LineRejection]) -> None:
    for r in rejections:
        record = {"file": r.source, "line": r.line, "event_id": r.event_id, "reason": r.reason}
        sink.write(json.dumps(record, ensure_ascii=False) + "\n")


def _print_rejections(rejections: list[LineRejection], rejects: Path | None) -> None:
    """Every rejection on standard error; the first ten when they are also in a file."""
    shown = rejections if rejects is None else rejections[:10]
    for r in shown:
        ident = f" event {r.event_id!r}" if r.event_id else ""
        err.print(f"rejected {r.source}:{r.line}{ident}: {r.reason}", highlight=False, markup=False)
    if len(shown) < len(rejections):
        err.print(f"... and {len(rejections) - len(shown)} more rejections in {rejects}")


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
