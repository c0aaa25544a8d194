"""Event data in a spreadsheet: a cell that a spreadsheet would read as a formula is not
written as one."""

from __future__ import annotations

from typing import Any

# What makes Excel, LibreOffice and Google Sheets read a typed cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text that would start a formula, behind an apostrophe (which spreadsheets show as
    text); everything else as it is. Numbers are not text, so -3 stays a number."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
