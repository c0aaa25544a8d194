"""Subprocesses for the benchmarks: `sla-monitor import` with its peak RSS, `sla-monitor serve`
on a free loopback port. Every wait is bounded; only processes started here are stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx


class BenchError(RuntimeError):
    """A benchmark could not run; the message says why."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sla_env(database_url: str, config_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "SLA_MONITOR_DATABASE_URL": database_url,
        "SLA_MONITOR_CONFIG_DIR": str(config_dir),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    return env


@dataclass(frozen=True)
class Finished:
    returncode: int
    seconds: float
    max_rss_kb: int
    stdout: str
    stderr: str


def peak_rss_kb(pid: int, marker: str) -> int | None:
    """VmHWM of a running process once it runs `marker` (its command line), else None.

    Not `wait4`'s ru_maxrss: Linux carries the high-water mark of the memory a child had
    before `exec` into it, and a child spawned from this (large) process starts as a view of
    this process' memory; VmHWM belongs to the memory the command itself maps, after `exec`.
    """
    try:
        if marker.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes():
            return None
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None  # a zombie has no memory left to report


def run_measured(
    command: Sequence[str], *, env: Mapping[str, str], cwd: Path, timeout: float, marker: str
) -> Finished:
    """Run to completion; wall time and the peak RSS of the command (VmHWM, sampled every
    20 ms while it runs: it only grows, so the last sample is the peak up to then)."""
    out_path, err_path = cwd / "child.stdout", cwd / "child.stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(command), env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err
        )
        deadline = time.monotonic() + timeout
        peak = 0
        while True:
            sample = peak_rss_kb(process.pid, marker)
            if sample is not None:
                peak = max(peak, sample)
            pid, status = os.waitpid(process.pid, os.WNOHANG)
            if pid == process.pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                os.waitpid(process.pid, 0)
                process.returncode = -9
                raise BenchError(f"{' '.join(command[:6])} ... did not finish in {timeout:.0f} s")
            time.sleep(0.02)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return Finished(
        process.returncode,
        seconds,
        peak,
        out_path.read_text(encoding="utf-8", errors="replace"),
        err_path.read_text(encoding="utf-8", errors="replace"),
    )


@dataclass
class Serve:
    """A running `sla-monitor serve`."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    log: IO[bytes]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self, tail: int = 3000) -> str:
        self.log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-tail:]

    def rss_kb(self) -> tuple[int, int]:
        """(current, peak) resident set size in kB, from /proc."""
        values = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(value.split()[0])
        return values.get("VmRSS", 0), values.get("VmHWM", 0)

    def wait_ready(self, timeout: float) -> float:
        """Wait for /readyz 200 (the first evaluation done); returns the seconds waited."""
        started = time.monotonic()
        with httpx.Client(base_url=self.base_url, timeout=5.0) as client:
            while True:
                if self.process.poll() is not None:
                    raise BenchError(
                        f"serve exited with {self.process.returncode}:\n{self.output()}"
                    )
                try:
                    if client.get("/readyz").status_code == 200:
                        return time.monotonic() - started
                except httpx.TransportError:
                    pass
                if time.monotonic() - started > timeout:
                    raise BenchError(f"serve not ready after {timeout:.0f} s:\n{self.output()}")
                time.sleep(0.1)

    def stop(self) -> None:
        try:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=40)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)
        finally:
            self.log.close()


def start_serve(
    *, database_url: str, config_dir: Path, cwd: Path, token: str, interval: float
) -> Serve:
    port = free_port()
    log_path = cwd / f"serve-{port}.log"
    log = log_path.open("wb")
    env = sla_env(
        database_url,
        config_dir,
        SLA_MONITOR_API_TOKENS=token,
        SLA_MONITOR_EVALUATION_INTERVAL=str(interval),
    )
    command = [sys.executable, "-m", "sla_monitor", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--no-migrate"]
    process = subprocess.Popen(
        command, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
    )
    return Serve(process, port, log_path, log)
