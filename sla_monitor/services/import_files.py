"""Event files (JSONL or CSV) → parsed events → the store, batch by batch.

Each line is parsed on its own so that a bad line is reported with its number and
never costs its neighbours; each batch is committed before it is counted. A large input
is parsed in worker processes while the store writes the batch before: parsing is pure,
and on a machine with two cores it would otherwise take half the import's time.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import IO

from sqlalchemy import Engine

from sla_monitor.domain.events import Event, EventError, load_json, parse_events
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import Instant
from sla_monitor.services.accept_events import store_events
from sla_monitor.services.recompute import recompute_stale
from sla_monitor.store.batches import IngestResult

BATCH = 1000


def default_parse_workers() -> int:
    """One core stays with the store; the others parse (at most 4: the store is the limit)."""
    return max(0, min(4, (os.cpu_count() or 1) - 1))


@dataclass(frozen=True)
class SourceLine:
    line: int
    raw: object = None
    error: str | None = None
    json: str | None = None  # a JSONL line not decoded yet: decoding is part of parsing

    def __reduce__(self) -> tuple[type[SourceLine], tuple[object, ...]]:
        # Sent to parse workers by the thousand: a plain tuple pickles several times faster.
        return SourceLine, (self.line, self.raw, self.error, self.json)


@dataclass(frozen=True)
class LineRejection:
    source: str
    line: int
    event_id: str | None
    reason: str


@dataclass
class ImportResult:
    accepted: int = 0
    duplicates: int = 0
    rejections: list[LineRejection] = field(default_factory=list)
    recomputed: int = 0  # claims whose goals were recomputed


def read_jsonl(stream: IO[bytes], progress: Callable[[int], None]) -> Iterator[SourceLine]:
    for number, data in enumerate(stream, start=1):
        progress(len(data))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield SourceLine(number, error=f"not valid UTF-8 (byte {exc.start + 1})")
            continue
        if not text.strip():
            continue
        yield SourceLine(number, json=text)


def decoded(line: SourceLine) -> object:
    """What a source line holds: its JSON value, its CSV row, or why it cannot be read."""
    if line.error is not None:
        return EventError(line.error)
    if line.json is not None:
        try:
            return load_json(line.json)
        except ValueError as exc:
            return EventError(f"not valid JSON: {exc}")
    return line.raw


def parse_lines(
    batch: Iterable[SourceLine],
    *,
    now: Instant,
    channels: Collection[str],
    branches: Collection[str],
) -> list[Event | EventError]:
    """One batch of source lines, parsed: the same function inline and in a worker."""
    return parse_events(
        [decoded(line) for line in batch], now=now, channels=channels, branches=branches
    )


_WORKER_CONFIG: tuple[tuple[str, ...], frozenset[str]] = ((), frozenset())


def _worker_init(channels: tuple[str, ...], branches: frozenset[str]) -> None:
    global _WORKER_CONFIG
    _WORKER_CONFIG = (channels, branches)


def _worker_parse(batch: list[SourceLine], now: Instant) -> list[Event | EventError]:
    channels, branches = _WORKER_CONFIG
    return parse_lines(batch, now=now, channels=channels, branches=branches)


def read_csv(stream: IO[bytes], progress: Callable[[int], None]) -> Iterator[SourceLine]:
    def lines() -> Iterator[str]:
        for data in stream:
            progress(len(data))
            yield data.decode("utf-8", errors="surrogateescape")

    reader = csv.reader(lines())
    header = next(reader, None)
    if header is None:
        return
    header = [h.strip().lstrip("\ufeff") for h in header]
    start = reader.line_num + 1
    for cells in reader:
        number, start = start, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if any("\udc80" <= ch <= "\udcff" for cell in cells for ch in cell):
            yield SourceLine(number, error="not valid UTF-8")
            continue
        if len(cells) != len(header):
            yield SourceLine(
                number, error=f"has {len(cells)} cells but the header has {len(header)} columns"
            )
            continue
        raw: dict[str, object] = {}
        for name, cell in zip(header, cells, strict=True):
            if cell == "":
                continue  # an empty cell means the field is absent
            raw[name] = (
                int(cell)
                if name == "amount" and cell.isascii() and cell.isdigit() and len(cell) <= 20
                else cell
            )
        yield SourceLine(number, raw=raw)


def detect_format(name: str, head: bytes) -> str:
    lowered = name.lower()
    if lowered.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if lowered.endswith(".csv"):
        return "csv"
    return "jsonl" if head.lstrip().startswith(b"{") else "csv"


@dataclass(frozen=True)
class _Parsed:
    batch: list[SourceLine]
    moment: Instant  # the server's clock for the batch: the future check and received_at
    items: list[Event | EventError]


def _parsed_batches(
    lines: Iterator[SourceLine],
    *,
    batch_size: int,
    clock: Callable[[], Instant],
    sla: SlaTimer,
    workers: int,
) -> Iterator[_Parsed]:
    """The input in batches, parsed, in order. The first batch is parsed inline; only an
    input longer than one batch is worth starting worker processes for."""
    channels, branches = tuple(sla.config.channels), frozenset(sla.config.branches)
    batches = iter(lambda: list(islice(lines, batch_size)), [])

    def inline(batch: list[SourceLine]) -> _Parsed:
        moment = clock()
        items = parse_lines(batch, now=moment, channels=channels, branches=branches)
        return _Parsed(batch, moment, items)

    first = next(batches, None)
    if first is None:
        return
    yield inline(first)
    if workers <= 0:
        yield from map(inline, batches)
        return
    # spawn, not fork: the parent may run threads (the progress bar), and a forked child
    # could inherit a lock one of them held.
    context = multiprocessing.get_context("spawn")
    pool: Executor = ProcessPoolExecutor(
        workers, mp_context=context, initializer=_worker_init, initargs=(channels, branches)
    )
    ahead: deque[tuple[list[SourceLine], Instant, Future[list[Event | EventError]]]] = deque()
    try:
        while True:
            while len(ahead) < 2 * workers and (batch := next(batches, None)):
                moment = clock()
                ahead.append((batch, moment, pool.submit(_worker_parse, batch, moment)))
            if not ahead:
                return
            batch, moment, future = ahead.popleft()
            yield _Parsed(batch, moment, future.result())
    finally:
        pool.shutdown(cancel_futures=True)


def import_lines(
    lines: Iterator[SourceLine],
    *,
    source: str,
    db: Engine,
    sla: SlaTimer,
    clock: Callable[[], Instant],
    batch_size: int = BATCH,
    parse_workers: int = 0,
    on_batch: Callable[[IngestResult], None] = lambda result: None,
    on_recomputed: Callable[[int], None] = lambda claims: None,
) -> ImportResult:
    total = ImportResult()
    for parsed in _parsed_batches(
        lines, batch_size=batch_size, clock=clock, sla=sla, workers=parse_workers
    ):
        # Goals are recomputed once per claim at the end, not once per batch it appears in.
        result = store_events(db=db, sla=sla, items=parsed.items, received_at=parsed.moment)
        total.accepted += result.accepted
        total.duplicates += result.duplicates
        total.rejections.extend(
            LineRejection(source, parsed.batch[r.index].line, r.event_id, r.error)
            for r in result.rejected
        )
        on_batch(result)
    total.recomputed = recompute_stale(db=db, sla=sla, now=clock(), progress=on_recomputed)
    return total
