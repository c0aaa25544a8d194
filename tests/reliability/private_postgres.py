"""A PostgreSQL instance of a test's own, to stop and start at will (the shared one stays up).

The binaries come from `/usr/lib/postgresql/<version>/bin` (the newest version found). initdb
refuses to run as root, so under root every command runs as the `postgres` user (runuser) on
a data directory that user owns. The instance listens on 127.0.0.1 and a free port, keeps its
socket in its own directory and trusts local connections.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.processes import free_port

SERVER_USER = "postgres"


def find_bindir() -> tuple[Path | None, str]:
    """The newest bin directory holding initdb and pg_ctl, or None and why not."""
    found = [
        Path(path).parent
        for path in glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")
        if (Path(path).parent / "initdb").is_file()
    ]
    if not found:
        return (
            None,
            "no PostgreSQL server binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin",
        )

    def version(bindir: Path) -> tuple[int, ...]:
        name = bindir.parent.name
        return tuple(int(p) for p in name.split(".") if p.isdigit()) or (0,)

    bindir = max(found, key=version)
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return None, f"running as root and there is no {SERVER_USER!r} user to run initdb as"
        if shutil.which("runuser") is None:
            return None, "running as root and runuser is not installed"
    return bindir, ""


class PrivatePostgres:
    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.port = free_port()
        # Not under pytest's tmp_path: its parents are private to root, and the server runs
        # as another user. A short path also keeps the socket path under its length limit.
        self.root = Path(tempfile.mkdtemp(prefix="sla-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.as_other_user = os.geteuid() == 0
        if self.as_other_user:
            user = pwd.getpwnam(SERVER_USER)
            os.chown(self.root, user.pw_uid, user.pw_gid)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", SERVER_USER, "--"] if self.as_other_user else []
        return subprocess.run(
            [*prefix, *command],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.root,
            stdin=subprocess.DEVNULL,
        )

    def _check(self, done: subprocess.CompletedProcess[str], what: str) -> None:
        if done.returncode != 0:
            raise RuntimeError(
                f"{what} exited {done.returncode}\n{done.stdout}\n{done.stderr}\n{self.server_log()}"
            )

    def server_log(self, tail: int = 4000) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            text = "(no server log)"
        return f"--- private PostgreSQL on port {self.port} ---\n{text[-tail:]}"

    def initdb(self) -> None:
        done = self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",  # the cluster's creation need not survive a power cut
        )
        self._check(done, "initdb")

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root}"
        done = self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            "90",
            "start",
        )
        self._check(done, "pg_ctl start")

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server: `immediate` aborts every backend, like a crash (WAL recovery at
        the next start); `fast` disconnects the clients and shuts down cleanly."""
        done = self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop"
        )
        self._check(done, f"pg_ctl stop -m {mode}")

    def running(self) -> bool:
        done = self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "status")
        return done.returncode == 0

    def destroy(self) -> None:
        """Stop the server if it runs, and delete its files."""
        try:
            if self.data.is_dir() and self.running():
                self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
