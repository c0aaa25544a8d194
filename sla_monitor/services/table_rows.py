"""Rows of a table a person made (a CSV file, a workbook's sheet) → raw events for the one
event parser, read as spreadsheets write them (docs/events.md#files-jsonl-csv-and-excel).

Forgiving where the meaning is certain: header names in any letter case, with spaces for
underscores; every value trimmed; an amount with its thousands grouped; a whole number where
a text is expected. A header that is wrong is one problem for the whole file, told once,
instead of one rejection a row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from sla_monitor.domain.events import FIELDS, PERSONAL_DATA
from sla_monitor.domain.spelling import did_you_mean

REQUIRED_COLUMNS = ("event_id", "claim_id", "type", "occurred_at")
_SEPARATORS = re.compile(r"[\s_]+")
# 15.000.000 (Indonesian) or 15,000,000 (English): one separator, groups of exactly three.
_GROUPED = re.compile(r"[0-9]{1,3}(?:([.,])[0-9]{3})(?:\1[0-9]{3})*")


class FileProblem(Exception):
    """What makes a whole file unusable (its header, its encoding, no events): told once, with
    the line where it shows (None: the file as a whole); nothing of the file is imported."""

    def __init__(self, line: int | None, message: str):
        super().__init__(message)
        self.line, self.message = line, message


@dataclass(frozen=True)
class Header:
    fields: tuple[str | None, ...]  # the field of each column; None: a column with no name


def read_header(names: Sequence[object], line: int) -> Header:
    """The columns of a header row, each matched to a field ignoring letter case, the spaces
    around it and spaces for underscores; a FileProblem names every column not recognised."""
    fields: list[str | None] = []
    unknown: list[str] = []
    personal: list[str] = []
    for position, name in enumerate(names, start=1):
        text = "" if name is None else str(name).replace("\ufeff", "").strip()
        key = _SEPARATORS.sub("_", text.casefold())
        fields.append(key or None)
        if key and key not in FIELDS:
            (personal if key in PERSONAL_DATA else unknown).append(
                f"{text!r} (column {position}{did_you_mean(text, FIELDS)})"
            )
    if personal:
        raise FileProblem(
            line,
            f"column(s) {', '.join(personal)} look like personal data, which sla-monitor does "
            "not accept or store; remove them from the file",
        )
    if unknown:
        raise FileProblem(
            line,
            f"the header has column(s) sla-monitor does not know: {', '.join(unknown)}; the "
            f"columns are {', '.join(FIELDS)} (in any order and letter case)",
        )
    _check_columns(fields, line)
    return Header(tuple(fields))


def _check_columns(fields: list[str | None], line: int) -> None:
    twice = sorted({f for f in fields if f is not None and fields.count(f) > 1})
    if twice:
        raise FileProblem(line, f"the header names column(s) {', '.join(twice)} more than once")
    missing = [name for name in REQUIRED_COLUMNS if name not in fields]
    if missing:
        raise FileProblem(
            line,
            f"the header has no column {', '.join(missing)}; every event needs "
            f"{', '.join(REQUIRED_COLUMNS)} (a header row first, then one row an event)",
        )


def row_event(header: Header, cells: Sequence[object]) -> dict[str, object] | str:
    """A row's raw event (an empty cell: the field is absent), or why the row cannot be one."""
    raw: dict[str, object] = {}
    for position, (name, cell) in enumerate(zip(header.fields, cells, strict=False), start=1):
        value = cell_value(name, cell)
        if value is None:
            continue
        if name is None:
            return f"has a value in column {position}, which has no name in the header"
        raw[name] = value
    width = len(header.fields)
    for position, cell in enumerate(cells[width:], start=width + 1):
        if cell_value(None, cell) is not None:
            return f"has a value in column {position}, past the {width} columns of the header"
    return raw


def cell_value(name: str | None, cell: object) -> object:
    """What a cell says for the field `name`: text trimmed (None when empty), an amount as a
    number, a whole number as text where text is expected, a date and time as the local time
    it shows (a date cell with no time of day: the date alone)."""
    if isinstance(cell, str):
        text = cell.strip()
        return amount_of(text) if name == "amount" else text or None
    if isinstance(cell, bool) or cell is None:
        return cell
    if isinstance(cell, int | float):
        whole = isinstance(cell, int) or cell.is_integer()
        if name == "amount":
            return int(cell) if whole else cell
        return str(int(cell)) if whole else cell
    if isinstance(cell, datetime):
        return cell.isoformat(sep=" ")
    if isinstance(cell, date | time):
        return cell.isoformat()
    return str(cell)


def amount_of(text: str) -> object:
    """Digits, or digits grouped by three with '.' or ',' (15.000.000), as a number; any other
    text as it is, for the parser to refuse with its reason."""
    if not text:
        return None
    if text.isascii() and text.isdigit() and len(text) <= 20:
        return int(text)
    if _GROUPED.fullmatch(text):
        return int(text.replace(".", "").replace(",", ""))
    return text
