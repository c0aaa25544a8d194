"""Event files (JSONL or CSV) → parsed events → the store, batch by batch.

Each line is parsed on its own so that a bad line is reported with its number and
never costs its neighbours; each batch is committed before it is counted. A large input
can be parsed in worker processes while the store writes the batch before (parsing is
pure); a JSONL line is decoded in C (domain/event_wire.py), so parsing is now a small part
of an import, and shipping lines to a worker and events back costs about as much.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter, deque
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import IO, cast

from sqlalchemy import Engine

from sla_monitor.domain.event_wire import parse_plain
from sla_monitor.domain.events import Event, EventError, LocalTime, load_json, parse_events
from sla_monitor.domain.spelling import FileReading
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import Instant
from sla_monitor.services.import_target import ImportTarget
from sla_monitor.services.kept_histories import KEPT_EVENTS, KeptHistories
from sla_monitor.services.local_times import BranchZones
from sla_monitor.services.recompute import recompute_stale
from sla_monitor.store.batches import IngestResult

BATCH = 1000


def default_parse_workers() -> int:
    """Inline on up to 3 cores, else cores - 2 (at most 4). Parsing decodes in C now, and a
    worker costs about what it saves: on 2 cores inline was faster (200,000 events: 20.8 and
    21.6 s against 21.9 and 23.9 s with one worker)."""
    cores = os.cpu_count() or 1
    return min(4, cores - 2) if cores >= 4 else 0


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
    lines: int = 0  # lines or rows read that hold something: 0, the input has no events
    # The valid events (stored now or before) of each claim not submitted in this input: the
    # events that may wait for their claim's submitted event.
    claims: Counter[str] = field(default_factory=Counter)
    submitted: set[str] = field(default_factory=set)  # claims whose valid events include it

    def add(self, other: ImportResult) -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.rejections.extend(other.rejections)
        self.recomputed += other.recomputed
        self.lines += other.lines
        self.submitted.update(other.submitted)
        self.claims.update(other.claims)
        for claim in self.submitted.intersection(self.claims):
            del self.claims[claim]


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
    batch: Sequence[SourceLine],
    *,
    now: Instant,
    channels: Collection[str],
    branches: Collection[str],
    reading: FileReading | None = None,
) -> list[Event | EventError]:
    """One batch of source lines, parsed: the same function inline and in a worker. A JSONL
    line is decoded in C where it can be (event_wire.py); the others, CSV and Excel rows
    among them, are decoded the slow way, which also says why a line is refused."""
    items = [
        None
        if line.json is None
        else parse_plain(line.json, now=now, channels=channels, branches=branches, reading=reading)
        for line in batch
    ]
    slow = [index for index, item in enumerate(items) if item is None]
    raws = [decoded(batch[index]) for index in slow]
    parsed = parse_events(raws, now=now, channels=channels, branches=branches, reading=reading)
    for index, item in zip(slow, parsed, strict=True):
        items[index] = item
    return cast(list[Event | EventError], items)  # each None was replaced just above


_Config = tuple[tuple[str, ...], frozenset[str], FileReading | None]
_WORKER_CONFIG: _Config = ((), frozenset(), None)


def _worker_init(*config: object) -> None:
    global _WORKER_CONFIG
    _WORKER_CONFIG = config  # type: ignore[assignment]  # what _parsed_batches gave: a _Config


def _worker_parse(batch: list[SourceLine], now: Instant) -> list[Event | EventError]:
    channels, branches, reading = _WORKER_CONFIG
    return parse_lines(batch, now=now, channels=channels, branches=branches, reading=reading)


def detect_format(name: str, head: bytes) -> str:
    """jsonl, csv or xlsx: by the name's extension, else by the first bytes."""
    lowered = name.lower()
    if lowered.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith((".xlsx", ".xlsm")) or head.startswith(b"PK\x03\x04"):  # a zip
        return "xlsx"
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
    reading: FileReading | None,
) -> Iterator[_Parsed]:
    """The input in batches, parsed, in order. The first batch is parsed inline; only an
    input longer than one batch is worth starting worker processes for."""
    config: _Config = (tuple(sla.config.channels), frozenset(sla.config.branches), reading)
    channels, branches, _ = config
    batches = iter(lambda: list(islice(lines, batch_size)), [])

    def inline(batch: list[SourceLine]) -> _Parsed:
        moment = clock()
        items = parse_lines(
            batch, now=moment, channels=channels, branches=branches, reading=reading
        )
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
        workers, mp_context=context, initializer=_worker_init, initargs=config
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
    reading: FileReading | None = None,
    target: ImportTarget | None = None,
    kept_events: int = KEPT_EVENTS,
) -> ImportResult:
    """Parse and store the lines of one input, batch by batch (`target`: where to; by default
    the store of `db`). With a `reading` that assumes local times, each is placed in its
    claim's branch zone (services/local_times.py); those whose branch only the end of the
    input tells are stored in a last batch. Rejections come out in line order."""
    target = target or ImportTarget(db, sla)
    total = ImportResult()
    assume_local = reading is not None and reading.assume_local
    zones = BranchZones(sla.config.branches, target.stored_branches) if assume_local else None
    waiting: list[tuple[int, LocalTime]] = []
    kept = KeptHistories(limit=kept_events)

    def stored(result: IngestResult) -> None:
        if not target.dry_run:
            kept.add(result.stored)
        on_batch(result)

    for parsed in _parsed_batches(
        lines, batch_size=batch_size, clock=clock, sla=sla, workers=parse_workers, reading=reading
    ):
        total.lines += len(parsed.batch)
        numbers, items = [line.line for line in parsed.batch], parsed.items
        if zones is not None:
            numbers, items, later = zones.place(numbers, items, parsed.moment)
            waiting.extend(later)
        stored(_store(target, source, numbers, items, parsed.moment, total))
    if zones is not None and waiting:
        moment = clock()
        stored(_store(target, source, *zones.settle(waiting, moment), moment, total))
    total.rejections.sort(key=lambda r: r.line)
    if not target.dry_run:
        # Goals are recomputed once per claim at the end, not once per batch it appears in,
        # from the events this import stored, which are not read back.
        total.recomputed = recompute_stale(
            db=db, sla=sla, now=clock(), progress=on_recomputed, known=kept.claims
        )
    return total


def _store(
    target: ImportTarget,
    source: str,
    numbers: list[int],
    items: list[Event | EventError],
    moment: Instant,
    total: ImportResult,
) -> IngestResult:
    """Store a batch and count it in `total`: the valid events of each claim, whether they
    were stored now or before (duplicates), since both wait for a missing submitted."""
    result = target.store(items, moment)
    total.accepted += result.accepted
    total.duplicates += result.duplicates
    rejected = {r.index for r in result.rejected}
    total.rejections.extend(
        LineRejection(source, numbers[r.index], r.event_id, r.error) for r in result.rejected
    )
    for index, item in enumerate(items):
        if index in rejected or not isinstance(item, Event) or item.claim_id in total.submitted:
            continue
        if item.type == "submitted":  # the claim exists: none of its events waits
            total.submitted.add(item.claim_id)
            total.claims.pop(item.claim_id, None)
        else:
            total.claims[item.claim_id] += 1
    return result
