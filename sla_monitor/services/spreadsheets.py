"""CSV files and Excel workbooks as spreadsheets write them → source lines for the importer.

A CSV file: the delimiter found in its header line (`,`, `;` as Indonesian Excel writes, or a
tab) unless given; UTF-8 with or without a byte-order mark, or another encoding when given;
any line ending. Its encoding is checked before anything is read, so a file saved in the wrong
one is one message, and nothing of it is imported. A workbook (.xlsx): its first sheet, or the
one named; read-only, so that a large sheet is streamed.
"""

from __future__ import annotations

import codecs
import csv
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from sla_monitor.services.import_files import SourceLine, read_jsonl
from sla_monitor.services.table_rows import FileProblem, Header, read_header, row_event

DELIMITERS = (",", ";", "\t")
_SPOOL = 64 * 1024 * 1024  # standard input kept in memory up to this size, then on disk
_SAVE_AS_UTF8 = (
    "save it as UTF-8 (in Excel: File > Save As > 'CSV UTF-8 (Comma delimited)'), "
    "or read it as it is with --encoding cp1252 (or the encoding it was saved in)"
)


@dataclass(frozen=True)
class ReadOptions:
    """How `sla-monitor import` reads its files, from its options."""

    delimiter: str | None = None  # None: found in the header line
    encoding: str = "utf-8"  # of CSV files (check_encoding)
    sheet: str | None = None  # of a workbook; None: its first


def read_source(
    stream: IO[bytes], kind: str, options: ReadOptions, progress: Callable[[int], None]
) -> Iterator[SourceLine]:
    """A file's lines (JSONL, CSV) or rows (xlsx) as source lines; FileProblem, before any
    line, for a file that cannot be read as `kind`."""
    if kind == "jsonl":
        return read_jsonl(stream, progress)
    if kind == "csv":
        return read_csv(stream, progress, delimiter=options.delimiter, encoding=options.encoding)
    return read_xlsx(stream, sheet=options.sheet)


def check_encoding(name: str) -> str:
    """An encoding a CSV file can be read in: known, and writing `,;` tabs and line ends as
    ASCII does (UTF-16 does not); ValueError otherwise."""
    try:
        codec = codecs.lookup(name)
    except LookupError:
        raise ValueError(f"unknown encoding {name!r}; try utf-8 or cp1252") from None
    if "\n\t,;".encode(codec.name, errors="replace") != b"\n\t,;":
        raise ValueError(f"encoding {name!r} cannot be read line by line; save the file as UTF-8")
    return codec.name


def read_csv(
    stream: IO[bytes],
    progress: Callable[[int], None],
    *,
    delimiter: str | None = None,
    encoding: str = "utf-8",
) -> Iterator[SourceLine]:
    """The file's rows as source lines; FileProblem, before any row, for a file that is empty,
    not in `encoding`, or whose header is wrong."""
    stream = _seekable(stream)
    _refuse_workbook(stream.read(8))
    stream.seek(0)
    _check_text(stream, encoding)
    first = stream.readline().decode(encoding).lstrip("\ufeff")
    stream.seek(0)
    if not first.strip():
        raise FileProblem(1, "empty, or its first line is blank: the header must be on line 1")
    reader = csv.reader(_lines(stream, encoding, progress), delimiter=delimiter or _sniff(first))
    header = read_header(next(reader), reader.line_num)
    return _csv_rows(reader, header)


def _refuse_workbook(head: bytes) -> None:
    """A workbook taken for CSV (by its name, or --format csv) is told as such, not as text
    in a wrong encoding."""
    if head.startswith(b"PK\x03\x04"):
        raise FileProblem(None, "an Excel workbook, not CSV text: give --format xlsx")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(
            None,
            "an Excel 97-2003 workbook (.xls), which sla-monitor does not read: save it as "
            "'Excel Workbook (.xlsx)' or 'CSV UTF-8 (Comma delimited)'",
        )


def _sniff(line: str) -> str:
    """The delimiter of a header line: the one of `,` `;` tab it holds most (`,` if none)."""
    return max(DELIMITERS, key=line.count)


def _seekable(stream: IO[bytes]) -> IO[bytes]:
    """The stream, or standard input copied aside: it is read twice (encoding, then rows)."""
    if stream.seekable():
        return stream
    # Not a context manager: the copy lives as long as the import reads it, and goes with it.
    copy = tempfile.SpooledTemporaryFile(max_size=_SPOOL)  # noqa: SIM115
    shutil.copyfileobj(stream, copy)
    copy.seek(0)
    return copy


def _check_text(stream: IO[bytes], encoding: str) -> None:
    """The whole file decodes in `encoding`, or one FileProblem naming the first bad line."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    while True:
        chunk = stream.read(1 << 20)
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            line += chunk.count(b"\n", 0, max(0, exc.start - pending))
            stream.seek(0)
            byte = exc.object[exc.start]
            raise FileProblem(line, _not_text(encoding, byte)) from None
        if not chunk:
            break
        line += chunk.count(b"\n")
    stream.seek(0)


def _not_text(encoding: str, byte: int) -> str:
    if codecs.lookup(encoding).name == "utf-8":
        return f"not UTF-8 text (byte 0x{byte:02X} on this line); nothing of it was imported: {_SAVE_AS_UTF8}"
    return (
        f"not {encoding} text (byte 0x{byte:02X} on this line); nothing of it was imported: "
        "check --encoding"
    )


def _lines(stream: IO[bytes], encoding: str, progress: Callable[[int], None]) -> Iterator[str]:
    first = True
    for data in stream:
        progress(len(data))
        text = data.decode(encoding)
        yield text.lstrip("\ufeff") if first else text
        first = False


def _csv_rows(reader: Any, header: Header) -> Iterator[SourceLine]:
    width = len(header.fields)
    start = reader.line_num + 1
    for cells in reader:
        number, start = start, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != width:
            yield SourceLine(
                number, error=f"has {len(cells)} cells but the header has {width} columns"
            )
            continue
        raw = row_event(header, cells)
        yield SourceLine(number, error=raw) if isinstance(raw, str) else SourceLine(number, raw=raw)


def read_xlsx(stream: IO[bytes], *, sheet: str | None = None) -> Iterator[SourceLine]:
    """The rows of a workbook's first sheet (or `sheet`) as source lines, a row's number as its
    line; FileProblem, before any row, for a file that is not a workbook, a sheet it does not
    have, or a wrong header."""
    # Loaded only here: openpyxl takes a fifth of a second to import, which every other
    # command would pay at its start.
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    try:
        workbook = load_workbook(_seekable(stream), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises whatever its zip and XML readers raise
        raise FileProblem(None, f"not an Excel workbook (.xlsx) that can be read: {exc}") from None
    if sheet is not None and sheet not in workbook.sheetnames:
        workbook.close()
        raise FileProblem(
            None,
            f"no sheet {sheet!r} in this workbook; its sheets: {', '.join(map(repr, workbook.sheetnames))}",
        )
    rows = enumerate(workbook[sheet] if sheet else workbook.worksheets[0], start=1)
    for number, cells in rows:
        values = [_cell(cell) for cell in cells]
        if any(v not in (None, "") for v in values):
            header = read_header(values, number)
            return _xlsx_rows(rows, header, workbook)
    workbook.close()
    raise FileProblem(None, "no rows in the sheet: the header must be its first row")


def _xlsx_rows(
    rows: Iterator[tuple[int, Any]], header: Header, workbook: Any
) -> Iterator[SourceLine]:
    try:
        for number, cells in rows:
            values = [_cell(cell) for cell in cells]
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            raw = row_event(header, values)
            yield (
                SourceLine(number, error=raw)
                if isinstance(raw, str)
                else SourceLine(number, raw=raw)
            )
    finally:
        workbook.close()


def _cell(cell: Any) -> object:
    """A cell's value; a date cell whose format shows no time of day, as its date alone (so
    that a missing time is refused, not taken as midnight)."""
    value = cell.value
    if isinstance(value, datetime) and "h" not in str(getattr(cell, "number_format", "h")).lower():
        return value.date()
    return value
