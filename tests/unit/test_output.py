"""Files that commands write: complete or absent, and readable as any new file of the user."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sla_monitor.entrypoints.cli.output import complete_file, write_text


def test_a_written_file_gets_the_permissions_of_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        write_text(str(tmp_path / "report.csv"), ["a,b\n", "1,2\n"])
    finally:
        os.umask(previous)
    written = tmp_path / "report.csv"
    assert written.read_text() == "a,b\n1,2\n"
    assert stat.S_IMODE(written.stat().st_mode) == 0o644


def test_a_failed_write_leaves_no_file_behind(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    with pytest.raises(RuntimeError), complete_file(str(target)) as path:
        path.write_text("half")
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []
