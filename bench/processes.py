"""Real `sla-monitor` processes, for the benchmarks and the end-to-end tests alike.

* `free_port` and `serve_env`: a loopback port, and the environment of `sla-monitor`.
* `start_process` / `start_serve`: a `Process` whose output goes to a log file that every
  failure message quotes (`output()`), with an HTTP `client` on its port; `stop()` sends
  SIGTERM, then kills it when it does not exit in time. `run_cli` runs a command to its end.
* `wait_for` / `wait_ready`: bounded waits (until `/readyz` answers 200, for `wait_ready`).
* `run_measured`: a command to completion with its wall time and peak RSS (`sla-monitor import`).

Every wait is bounded; only processes started here are stopped. A failure goes through a
`fail` function: `raise BenchError` by default; tests/support/processes.py passes
`pytest.fail`. Nothing here imports pytest: `python -m bench.run` runs without the dev extras.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, NoReturn, TypeVar

import httpx

T = TypeVar("T")
Fail = Callable[[str], NoReturn]

SLA_MONITOR = (sys.executable, "-m", "sla_monitor")  # the command line of `sla-monitor`
# what a probe may raise while the thing it waits for is not there yet
RETRY_ON: tuple[type[BaseException], ...] = (httpx.TransportError, AssertionError)


class BenchError(RuntimeError):
    """A benchmark could not run; the message says why."""


def raise_bench_error(message: str) -> NoReturn:
    raise BenchError(message)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_env(
    database_url: str,
    *,
    token: str | None = None,
    interval: float | None = None,
    config_dir: Path | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of `sla-monitor`: this database, one API token, this evaluation
    interval (s), this configuration folder (without one: the repository's config/).

    `extra` variables are set last (e.g. COLUMNS, or SLA_MONITOR_CONFIG_DIR).
    """
    env = {**os.environ, "SLA_MONITOR_DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1"}
    if token is not None:
        env["SLA_MONITOR_API_TOKENS"] = token
    if interval is not None:
        env["SLA_MONITOR_EVALUATION_INTERVAL"] = str(interval)
    if config_dir is not None:
        env["SLA_MONITOR_CONFIG_DIR"] = str(config_dir)
    else:
        env.pop("SLA_MONITOR_CONFIG_DIR", None)
    env.update(extra or {})
    return env


# --------------------------------------------------------------------------- supervised


@dataclass
class Process:
    """A running process with a port, its output in `log_path`."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    log_file: IO[bytes]
    fail: Fail = raise_bench_error
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.base_url, timeout=5.0)

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self, tail: int = 8000) -> str:
        """The last `tail` characters of the process' output, under a header saying its state."""
        self.log_file.flush()
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        state = "running" if self.process.poll() is None else f"exited {self.process.returncode}"
        return f"--- {self.name} (pid {self.pid}, port {self.port}, {state}) ---\n{text[-tail:]}"

    def check_alive(self, when: str = "") -> None:
        """`fail`, quoting the output, when the process has exited."""
        code = self.process.poll()
        if code is not None:
            self.fail(f"{self.name} exited with code {code}{when}\n{self.output()}")

    def rss_kb(self) -> tuple[int, int]:
        """(current, peak) resident set size in kB, from /proc."""
        values = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(value.split()[0])
        return values.get("VmRSS", 0), values.get("VmHWM", 0)

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM, and SIGKILL when it has not exited after `grace` seconds."""
        try:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=grace)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=10)
        finally:
            self.client.close()
            self.log_file.close()


def launch(
    command: Sequence[str], *, log_path: Path, cwd: Path, env: Mapping[str, str]
) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
    """Start `command` in `cwd`, its output (both streams) going to `log_path`; the caller
    closes the log file it is given back."""
    log_file = log_path.open("wb")
    process = subprocess.Popen(
        list(command),
        env=dict(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    return process, log_file


def start_process(
    name: str,
    command: Sequence[str],
    *,
    port: int,
    cwd: Path,
    env: Mapping[str, str],
    fail: Fail = raise_bench_error,
) -> Process:
    """Start `command` in `cwd`; its output goes to `<name>-<port>.log` there."""
    log_path = cwd / f"{re.sub(r'[^A-Za-z0-9_.]+', '-', name)}-{port}.log"
    process, log_file = launch(command, log_path=log_path, cwd=cwd, env=env)
    return Process(name, process, port, log_path, log_file, fail)


def start_serve(
    name: str,
    database_url: str,
    *extra: str,
    cwd: Path,
    token: str,
    interval: float,
    config_dir: Path | None = None,
    env_extra: Mapping[str, str] | None = None,
    fail: Fail = raise_bench_error,
) -> Process:
    """`sla-monitor serve` on a free loopback port, with `extra` arguments (and `config_dir`
    and `env_extra` variables, see `serve_env`)."""
    port = free_port()
    command = [*SLA_MONITOR, "serve", "--host", "127.0.0.1", "--port", str(port), *extra]
    env = serve_env(
        database_url, token=token, interval=interval, config_dir=config_dir, extra=env_extra
    )
    return start_process(name, command, port=port, cwd=cwd, env=env, fail=fail)


def run_cli(
    *args: str, env: Mapping[str, str], cwd: Path, timeout: float
) -> subprocess.CompletedProcess[str]:
    """`sla-monitor ARGS` to its end, its output captured as text."""
    return subprocess.run(
        [*SLA_MONITOR, *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def wait_for(
    probe: Callable[[], T | None],
    *,
    timeout: float,
    what: str,
    context: Callable[[], str],
    interval: float = 0.15,
    retry_on: tuple[type[BaseException], ...] = RETRY_ON,
    fail: Fail = raise_bench_error,
) -> T:
    """Call `probe` until it returns something other than None, for at most `timeout` s.

    An exception of a `retry_on` type counts as "not yet"; when time runs out, `fail`
    names `what`, the last exception and the `context()`.
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
            fail(f"timed out after {timeout} s waiting for {what}; last: {last!r}\n{context()}")
        time.sleep(interval)


def wait_ready(process: Process, timeout: float = 30.0) -> float:
    """Wait until `sla-monitor serve` answers /readyz with 200 (its first evaluation done);
    the seconds waited. Fails (`process.fail`) when it exits first."""
    started = time.monotonic()

    def ready() -> bool | None:
        process.check_alive(" before it was ready")
        return True if process.client.get("/readyz").status_code == 200 else None

    wait_for(
        ready,
        timeout=timeout,
        what=f"/readyz 200 on port {process.port}",
        context=process.output,
        interval=0.1,
        fail=process.fail,
    )
    return time.monotonic() - started


# --------------------------------------------------------------------------- measured


@dataclass(frozen=True)
class Finished:
    returncode: int
    seconds: float
    max_rss_kb: int
    stdout: str
    stderr: str
    cpu_seconds: float = 0.0  # the command's own CPU time, user and system
    machine_cpu_seconds: float = 0.0  # every process' on the machine while it ran


def machine_busy_seconds() -> float:
    """CPU time every process on the machine has used since boot (user, nice, system, irq
    and softirq; not idle or iowait), from /proc/stat: 0.0 where there is none."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq = (int(f) for f in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


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
    """Run to completion; wall time, the peak RSS of the command (VmHWM, sampled every
    20 ms while it runs: it only grows, so the last sample is the peak up to then), its CPU
    time and the whole machine's while it ran (a database server's included)."""
    out_path, err_path = cwd / "child.stdout", cwd / "child.stderr"
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started, busy = time.perf_counter(), machine_busy_seconds()
        process = subprocess.Popen(
            list(command), env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=err
        )
        deadline = time.monotonic() + timeout
        peak = 0
        while True:
            sample = peak_rss_kb(process.pid, marker)
            if sample is not None:
                peak = max(peak, sample)
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid == process.pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                os.waitpid(process.pid, 0)
                process.returncode = -9
                raise BenchError(f"{' '.join(command[:6])} ... did not finish in {timeout:.0f} s")
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        machine = machine_busy_seconds() - busy
    process.returncode = os.waitstatus_to_exitcode(status)
    return Finished(
        process.returncode,
        seconds,
        peak,
        out_path.read_text(encoding="utf-8", errors="replace"),
        err_path.read_text(encoding="utf-8", errors="replace"),
        usage.ru_utime + usage.ru_stime,
        machine,
    )
