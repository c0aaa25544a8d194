"""Event files (JSONL or CSV) → parsed events → the store, batch by batch.

Each line is parsed on its own so that a bad line is reported with its number and
never costs its neighbours; each batch is committed before it is counted.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO

from sqlalchemy import Engine

from .engine import Engine as SlaEngine
from .events import EventError, load_json, parse_events
from .store.ingest import IngestResult, ingest, materialise_stale
from .timeutil import Instant

BATCH = 1000


@dataclass(frozen=True)
class SourceLine:
    line: int
    raw: object = None
    error: str | None = None


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
    materialised: int = 0  # claims whose goals were recomputed


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
        try:
            raw = load_json(text)
        except ValueError as exc:
            yield SourceLine(number, error=f"not valid JSON: {exc}")
            continue
        yield SourceLine(number, raw=raw)


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


def import_lines(
    lines: Iterator[SourceLine],
    *,
    source: str,
    db: Engine,
    sla: SlaEngine,
    now: Callable[[], Instant],
    batch_size: int = BATCH,
    on_batch: Callable[[IngestResult], None] = lambda result: None,
    on_materialised: Callable[[int], None] = lambda claims: None,
) -> ImportResult:
    total = ImportResult()
    channels, branches = sla.config.channels, sla.config.branches.keys()

    def flush(batch: list[SourceLine]) -> None:
        moment = now()
        raws = [line.raw if line.error is None else EventError(line.error) for line in batch]
        items = parse_events(raws, now=moment, channels=channels, branches=branches)
        # Goals are recomputed once per claim at the end, not once per batch it appears in.
        result = ingest(db=db, sla=sla, items=items, received_at=moment, materialise=False)
        total.accepted += result.accepted
        total.duplicates += result.duplicates
        total.rejections.extend(
            LineRejection(source, batch[r.index].line, r.event_id, r.error) for r in result.rejected
        )
        on_batch(result)

    batch: list[SourceLine] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= batch_size:
            flush(batch)
            batch = []
    if batch:
        flush(batch)
    total.materialised = materialise_stale(db=db, sla=sla, now=now(), progress=on_materialised)
    return total
