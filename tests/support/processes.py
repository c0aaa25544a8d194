"""Real processes for the end-to-end tests: free ports, managed subprocesses, bounded waits.

A `Process` writes its output to a log file that every failure message quotes (`output()`),
talks HTTP to its port through `client`, and `stop()` terminates it, then kills it when it
does not exit. `start_serve` runs `python -m sla_monitor serve` on a free loopback port.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar

import httpx
import pytest

T = TypeVar("T")

# what a probe may raise while the thing it waits for is not there yet
RETRY_ON: tuple[type[BaseException], ...] = (httpx.TransportError, AssertionError)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Process:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    log_file: IO[bytes]
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=5.0)

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self, tail: int = 8000) -> str:
        """The last `tail` characters of the process' output, under a header saying its state."""
        self.log_file.flush()
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        state = "running" if self.process.poll() is None else f"exited {self.process.returncode}"
        return f"--- {self.name} (pid {self.pid}, port {self.port}, {state}) ---\n{text[-tail:]}"

    def check_alive(self, when: str = "") -> None:
        """Fail the test, quoting the output, when the process has exited."""
        code = self.process.poll()
        if code is not None:
            pytest.fail(f"{self.name} exited with code {code}{when}\n{self.output()}")

    def stop(self) -> None:
        try:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)
        finally:
            self.client.close()
            self.log_file.close()


def start_process(
    name: str, command: Sequence[str], *, port: int, cwd: Path, env: Mapping[str, str]
) -> Process:
    """Start `command` in `cwd`; its output goes to `<name>-<port>.log` there."""
    log_path = cwd / f"{re.sub(r'[^A-Za-z0-9_.]+', '-', name)}-{port}.log"
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        list(command),
        env=dict(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    return Process(name, process, port, log_path, log_file)


def wait_for(
    probe: Callable[[], T | None],
    *,
    timeout: float,
    what: str,
    context: Callable[[], str],
    interval: float = 0.15,
    retry_on: tuple[type[BaseException], ...] = RETRY_ON,
) -> T:
    """Call `probe` until it returns something other than None, for at most `timeout` s.

    An exception of a `retry_on` type counts as "not yet"; when time runs out the test
    fails, naming `what`, the last exception and the `context()`.
    """
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            result = probe()
        except retry_on as exc:
            result, last = None, exc
        else:
            if result is None:
                last = "not yet"
        if result is not None:
            return result
        if time.monotonic() >= deadline:
            pytest.fail(
                f"timed out after {timeout} s waiting for {what}; last: {last!r}\n{context()}"
            )
        time.sleep(interval)


# --------------------------------------------------------------------------- sla-monitor serve


def serve_env(
    database_url: str, *, token: str, interval: int, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of `sla-monitor`: this database, one API token, this interval (s).

    `extra` variables are set last (e.g. SLA_MONITOR_CONFIG_DIR for another configuration).
    """
    env = {
        **os.environ,
        "SLA_MONITOR_DATABASE_URL": database_url,
        "SLA_MONITOR_API_TOKENS": token,
        "SLA_MONITOR_EVALUATION_INTERVAL": str(interval),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("SLA_MONITOR_CONFIG_DIR", None)  # the repository's config/
    env.update(extra or {})
    return env


def start_serve(
    name: str,
    database_url: str,
    *extra: str,
    cwd: Path,
    token: str,
    interval: int,
    env_extra: Mapping[str, str] | None = None,
) -> Process:
    """`python -m sla_monitor serve` on a free loopback port, with `extra` arguments
    (and `env_extra` variables, see `serve_env`)."""
    port = free_port()
    command = [sys.executable, "-m", "sla_monitor", "serve"]
    command += ["--host", "127.0.0.1", "--port", str(port), *extra]
    env = serve_env(database_url, token=token, interval=interval, extra=env_extra)
    return start_process(name, command, port=port, cwd=cwd, env=env)


def wait_ready(process: Process, timeout: float = 30.0) -> None:
    """Wait until `sla-monitor serve` answers /readyz with 200; fail if it exits first."""

    def ready() -> bool | None:
        process.check_alive(" before it was ready")
        return True if process.client.get("/readyz").status_code == 200 else None

    wait_for(
        ready, timeout=timeout, what=f"/readyz 200 on port {process.port}", context=process.output
    )
