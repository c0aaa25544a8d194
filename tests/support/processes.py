"""Real processes for the end-to-end tests: the supervisor of bench/processes.py, failing the
test (`pytest.fail`, quoting the processes' output) where the benchmarks raise BenchError.

A `Process` writes its output to a log file that every failure message quotes (`output()`),
talks HTTP to its port through `client`, and `stop()` terminates it, then kills it when it
does not exit. `start_serve` runs `python -m sla_monitor serve` on a free loopback port;
`serve_env` without a `config_dir` uses the repository's config/.
"""

from __future__ import annotations

from functools import partial

import pytest

from bench import processes as supervisor
from bench.processes import (
    RETRY_ON,
    SLA_MONITOR,
    Process,
    free_port,
    launch,
    run_cli,
    serve_env,
    wait_ready,
)

__all__ = [
    "RETRY_ON",
    "SLA_MONITOR",
    "Process",
    "free_port",
    "launch",
    "run_cli",
    "serve_env",
    "start_process",
    "start_serve",
    "wait_for",
    "wait_ready",
]

start_process = partial(supervisor.start_process, fail=pytest.fail)
start_serve = partial(supervisor.start_serve, fail=pytest.fail)
wait_for = partial(supervisor.wait_for, fail=pytest.fail)
# `wait_ready` fails through the process' own `fail`: pytest.fail for the processes above
