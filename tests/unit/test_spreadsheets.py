"""CSV files and workbooks as spreadsheets write them → source lines (services/spreadsheets.py,
services/table_rows.py): the files themselves, written as Excel and openpyxl write them."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook  # type: ignore[import-untyped]

from sla_monitor.services.import_files import SourceLine, detect_format
from sla_monitor.services.spreadsheets import check_encoding, read_csv, read_xlsx
from sla_monitor.services.table_rows import FileProblem, amount_of, read_header

HEADER = "Event ID;Claim_ID; type ;Occurred At;CHANNEL;branch code;amount\r\n"


def csv_lines(data: bytes, **options: str) -> list[SourceLine]:
    return list(read_csv(io.BytesIO(data), lambda _n: None, **options))


def problem(data: bytes, **options: str) -> FileProblem:
    with pytest.raises(FileProblem) as caught:
        csv_lines(data, **options)
    return caught.value


def test_an_indonesian_excel_export_is_read_as_it_is() -> None:
    """`;`-separated, a byte-order mark, CRLF, headers in any case and spacing, values with
    spaces around them, Indonesian thousands."""
    data = (
        "\ufeff"
        + HEADER
        + "E-1; C-1 ;submitted;2026-11-10 10:00;online;JKT;\r\n"
        + ";;;;;;\r\n"  # a blank row, as Excel writes one
        + 'E-2;C-1;paid;"10/11/2026 15:00";;; 15.000.000 \r\n'
    ).encode()
    lines = csv_lines(data)
    assert [line.line for line in lines] == [2, 4]
    assert lines[0].raw == {
        "event_id": "E-1",
        "claim_id": "C-1",
        "type": "submitted",
        "occurred_at": "2026-11-10 10:00",
        "channel": "online",
        "branch_code": "JKT",
    }
    assert lines[1].raw == {
        "event_id": "E-2",
        "claim_id": "C-1",
        "type": "paid",
        "occurred_at": "10/11/2026 15:00",
        "amount": 15_000_000,
    }


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_found_in_the_header_line(delimiter: str) -> None:
    header = delimiter.join(["event_id", "claim_id", "type", "occurred_at", "reason"])
    row = delimiter.join(["E", "C", "paid", "2026-11-10T10:00:00+07:00", '"a, b; c"'])
    (line,) = csv_lines(f"{header}\n{row}\n".encode())
    assert line.raw == {
        "event_id": "E",
        "claim_id": "C",
        "type": "paid",
        "occurred_at": "2026-11-10T10:00:00+07:00",
        "reason": "a, b; c",
    }


def test_a_delimiter_given_is_used_whatever_the_header_holds() -> None:
    data = b"event_id;claim_id;type;occurred_at\nE,1;C;paid;2026-11-10T10:00:00+07:00\n"
    (line,) = csv_lines(data, delimiter=";")
    assert line.raw is not None and line.raw["event_id"] == "E,1"  # type: ignore[index]
    found = problem(data, delimiter=",")
    assert "'event_id;claim_id;type;occurred_at' (column 1" in found.message


def test_a_bad_header_is_one_problem_naming_every_unknown_column_and_the_known_ones() -> None:
    data = b"event_id,claim_id,type,occured at,colour\nE,C,paid,x,y\nE2,C,paid,x,y\n"
    found = problem(data)
    assert found.line == 1
    assert "'occured at' (column 4; did you mean 'occurred_at'?)" in found.message
    assert "'colour' (column 5)" in found.message
    assert "the columns are event_id, claim_id, type, occurred_at, channel," in found.message


def test_a_header_without_a_required_column_or_with_one_twice_is_a_problem() -> None:
    assert "no column occurred_at" in problem(b"event_id,claim_id,type\nE,C,paid\n").message
    assert "event_id more than once" in problem(b"event_id,Event ID,claim_id\n").message


def test_a_personal_data_column_is_refused_without_its_values() -> None:
    found = problem(b"event_id,claim_id,type,occurred_at,NIK\nE,C,paid,x,3171234567890001\n")
    assert "'NIK' (column 5) look like personal data" in found.message
    assert "3171" not in found.message


def test_a_file_not_in_utf8_is_one_problem_that_says_how_to_save_it() -> None:
    data = "event_id;claim_id;type;occurred_at;reason\nE;C;paid;x;ok\nE2;C;paid;x;Jos\u00e9\n"
    found = problem(data.encode("cp1252"))
    assert found.line == 3
    assert "not UTF-8 text (byte 0xE9 on this line); nothing of it was imported" in found.message
    assert "'CSV UTF-8 (Comma delimited)'" in found.message and "--encoding cp1252" in found.message
    (_, second) = csv_lines(data.encode("cp1252"), encoding="cp1252")
    assert second.raw is not None and second.raw["reason"] == "Jos\u00e9"  # type: ignore[index]


def test_a_workbook_saved_under_a_csv_name_is_told_as_one() -> None:
    assert "give --format xlsx" in problem(b"PK\x03\x04\x14\x00\x06\x00").message
    assert "(.xls), which sla-monitor does not read" in problem(b"\xd0\xcf\x11\xe0\xa1").message


def test_an_empty_file_is_a_problem() -> None:
    assert "empty, or its first line is blank" in problem(b"").message
    assert csv_lines(b"event_id,claim_id,type,occurred_at\r\n") == []  # no events: the caller


def test_a_row_with_a_cell_too_many_or_too_few_is_rejected_alone() -> None:
    lines = csv_lines(b"event_id,claim_id,type,occurred_at\nE,C,paid\nE,C,paid,x,y\n")
    assert [line.error for line in lines] == [
        "has 3 cells but the header has 4 columns",
        "has 5 cells but the header has 4 columns",
    ]


def test_only_encodings_read_line_by_line_are_taken() -> None:
    assert check_encoding("CP1252") == "cp1252"
    for name, why in (("klingon", "unknown encoding"), ("utf-16", "line by line")):
        with pytest.raises(ValueError, match=why):
            check_encoding(name)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("15000000", 15_000_000),
        ("15.000.000", 15_000_000),
        ("15,000,000", 15_000_000),
        ("1.500", 1500),
        ("15.000,000", "15.000,000"),  # two separators
        ("15.00.000", "15.00.000"),  # a group of two
        ("15.000.00", "15.000.00"),
        ("12.5", "12.5"),
        ("Rp 15.000", "Rp 15.000"),
        ("", None),
    ],
)
def test_amounts_with_thousands_grouped_by_three_and_nothing_else(text: str, value: object) -> None:
    assert amount_of(text) == value


def test_header_names_match_ignoring_case_spaces_and_underscores() -> None:
    header = read_header([" EVENT_ID", "claim  id", "Type", "occurred_at", None, "Branch Code"], 1)
    assert header.fields == ("event_id", "claim_id", "type", "occurred_at", None, "branch_code")


def write_workbook(path: Path) -> None:
    """A workbook as openpyxl writes it: a title sheet first, the events on a second sheet
    with date-time cells, numbers and a date-only cell."""
    workbook = Workbook()
    workbook.active.title = "Notes"
    sheet = workbook.create_sheet("Events")
    sheet.append(
        ["Event ID", "Claim ID", "Type", "Occurred At", "Channel", "Branch Code", "Amount"]
    )
    sheet.append([1001, "C-1", "Submitted", datetime(2026, 11, 10, 10, 0), "online", "DPS", None])
    sheet.append([])
    sheet.append(["E-3", "C-1", "paid", datetime(2026, 11, 13, 14, 30, 15), None, None, 15e6])
    sheet.append(["E-4", "C-1", "paid", datetime(2026, 11, 13), None, None, 2.5])
    sheet["D5"].number_format = "yyyy-mm-dd"
    workbook.save(path)


def test_a_workbook_sheet_is_read_with_its_dates_as_local_times(tmp_path: Path) -> None:
    path = tmp_path / "events.xlsx"
    write_workbook(path)
    with path.open("rb") as stream:
        assert detect_format("events.xlsx", b"") == "xlsx"
        assert detect_format("export", stream.read(4)) == "xlsx"
        stream.seek(0)
        lines = list(read_xlsx(stream, sheet="Events"))
    assert [line.line for line in lines] == [2, 4, 5]
    assert lines[0].raw == {
        "event_id": "1001",
        "claim_id": "C-1",
        "type": "Submitted",
        "occurred_at": "2026-11-10 10:00:00",
        "channel": "online",
        "branch_code": "DPS",
    }
    assert lines[1].raw is not None and lines[1].raw["amount"] == 15_000_000  # type: ignore[index]
    assert lines[1].raw["occurred_at"] == "2026-11-13 14:30:15"  # type: ignore[index]
    # A date cell without a time of day is the date alone: refused, never taken as midnight.
    assert lines[2].raw == {
        "event_id": "E-4",
        "claim_id": "C-1",
        "type": "paid",
        "occurred_at": "2026-11-13",
        "amount": 2.5,
    }


def test_a_workbook_problem_is_told_once(tmp_path: Path) -> None:
    path = tmp_path / "events.xlsx"
    write_workbook(path)
    with path.open("rb") as stream, pytest.raises(FileProblem) as caught:
        read_xlsx(stream, sheet="Sheet9")
    assert (
        caught.value.message == "no sheet 'Sheet9' in this workbook; its sheets: 'Notes', 'Events'"
    )
    with path.open("rb") as stream, pytest.raises(FileProblem, match="no rows in the sheet"):
        read_xlsx(stream)  # the first sheet, empty
    with pytest.raises(FileProblem, match=r"not an Excel workbook \(.xlsx\)"):
        read_xlsx(io.BytesIO(b"PK\x03\x04 not really a zip"))
