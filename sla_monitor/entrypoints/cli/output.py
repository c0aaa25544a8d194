"""Where a command's document goes: standard output, or a file that appears only once it is
complete (a report interrupted half-way leaves no half-written file behind)."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def complete_file(target: str) -> Iterator[Path]:
    """A temporary path beside `target`, moved onto it when the block ends without error."""
    destination = Path(target)
    handle, temporary = tempfile.mkstemp(
        dir=destination.parent, prefix=f".{destination.name}.", suffix=".part"
    )
    os.close(handle)
    try:
        yield Path(temporary)
        os.replace(temporary, destination)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def write_text(target: str | None, pieces: Iterable[str]) -> None:
    """Write the pieces to the file `target`, or to standard output when None."""
    if target is None:
        for piece in pieces:
            sys.stdout.write(piece)
        return
    with complete_file(target) as path, path.open("w", encoding="utf-8", newline="") as file:
        for piece in pieces:
            file.write(piece)
