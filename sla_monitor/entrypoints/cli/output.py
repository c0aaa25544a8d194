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
        # mkstemp makes the file private (0600); a report is for sharing, so it gets the
        # permissions any new file of the user gets (0644 under the usual umask 022).
        os.chmod(temporary, 0o666 & ~current_umask())
        os.replace(temporary, destination)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def current_umask() -> int:
    mask = os.umask(0)  # the only way to read it is to set it; set it straight back
    os.umask(mask)
    return mask


def write_text(target: str | None, pieces: Iterable[str]) -> None:
    """Write the pieces to the file `target`, or to standard output when None."""
    if target is None:
        for piece in pieces:
            sys.stdout.write(piece)
        return
    with complete_file(target) as path, path.open("w", encoding="utf-8", newline="") as file:
        for piece in pieces:
            file.write(piece)
