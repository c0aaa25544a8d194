"""Prometheus exposition (SPEC §8): a collector over the latest snapshot, plus HTTP metrics.

A scrape reads the in-memory snapshot the evaluation built, never the claims, so it costs
the same with a thousand claims or thirty million. Labels carry channel, goal, branch and
status only: never a claim id, an employer or an amount.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from .config import SlaConfig
from .evaluation import Snapshot
from .recording import BREACHES, CLOSED, EVENTS, RECLASSIFIED
from .timeutil import MICROS

OPEN_STATUSES = ("on_track", "at_risk", "paused", "breached")
OUTCOMES = ("met", "breached", "cancelled")  # what a recorded outcome can be reclassified between
EVENT_OUTCOMES = ("accepted", "duplicate", "rejected")


def _families() -> dict[str, Metric]:
    return {
        "open": GaugeMetricFamily(
            "sla_open_claims",
            "Open claim goals by status at the last evaluation.",
            labels=["channel", "goal", "branch", "status"],
        ),
        "closed": CounterMetricFamily(
            "sla_closed_claims",
            "Claim goals closed (stopped), by the outcome first recorded.",
            labels=["channel", "goal", "branch", "outcome"],
        ),
        "breaches": CounterMetricFamily(
            "sla_breaches",
            "Claim goals that passed their deadline, counted once when first recorded.",
            labels=["channel", "goal", "branch"],
        ),
        "events": CounterMetricFamily(
            "sla_events", "Events received, by outcome.", labels=["outcome"]
        ),
        "reclassified": CounterMetricFamily(
            "sla_reclassified",
            "Recorded outcomes changed by late events.",
            labels=["channel", "goal", "from", "to"],
        ),
        "evaluated": GaugeMetricFamily(
            "sla_evaluation_timestamp_seconds",
            "Unix time of the last completed evaluation.",
        ),
        "duration": GaugeMetricFamily(
            "sla_evaluation_duration_seconds", "How long the last evaluation took."
        ),
        "branch": GaugeMetricFamily(
            "sla_branch_info",
            "The branch registry, for joining a branch to its region (value always 1).",
            labels=["branch", "name", "region", "timezone"],
        ),
    }


class SnapshotCollector(Collector):
    """Exposes a `Snapshot`; `describe` does not touch the database.

    Every configured (channel, goal, branch) is exposed from the start, at zero, so a
    series exists before its first claim and `increase()` sees the first breach.
    """

    def __init__(self, snapshot: Callable[[], Snapshot], config: SlaConfig | None = None):
        self.snapshot = snapshot
        self.config = config
        self.configured: set[tuple[str, str, str]] = set()
        self.reclassifications: list[tuple[str, str, str, str]] = []
        if config is not None:
            self.reclassifications = [
                (channel, goal, before, after)
                for channel, goal in config.channel_goals()
                for before in OUTCOMES
                for after in OUTCOMES
                if before != after
            ]
            self.configured = {
                (channel, goal, branch)
                for channel, goal in config.channel_goals()
                for branch in config.branches
            }

    def describe(self) -> Iterator[Metric]:
        yield from _families().values()

    def collect(self) -> Iterator[Metric]:
        snap = self.snapshot()
        if not snap.loaded:  # never expose counters at a made-up zero
            return
        out = _families()
        groups = set(self.configured) | {(c, g, b) for (c, g, b, _s) in snap.open_goals}
        groups |= {(c, g, b) for (n, c, g, b, _d) in snap.counters if n in (CLOSED, BREACHES)}
        for channel, goal, branch in sorted(groups):  # zeros too, so no series goes stale
            for status in OPEN_STATUSES:
                count = snap.open_goals.get((channel, goal, branch, status), 0)
                out["open"].add_metric([channel, goal, branch, status], count)  # type: ignore[attr-defined]
            for outcome in ("met", "breached"):
                value = snap.counters.get((CLOSED, channel, goal, branch, outcome), 0)
                out["closed"].add_metric([channel, goal, branch, outcome], value)  # type: ignore[attr-defined]
            value = snap.counters.get((BREACHES, channel, goal, branch, ""), 0)
            out["breaches"].add_metric([channel, goal, branch], value)  # type: ignore[attr-defined]
        reclassified = dict.fromkeys(self.reclassifications, 0)
        events = dict.fromkeys(EVENT_OUTCOMES, 0)
        for (name, channel, goal, _branch, detail), value in sorted(snap.counters.items()):
            if name == EVENTS:
                events[detail] = value
            elif name == RECLASSIFIED:
                before, after = detail.split(":", 1)
                key = (channel, goal, before, after)
                reclassified[key] = reclassified.get(key, 0) + value
        for outcome, value in events.items():
            out["events"].add_metric([outcome], value)  # type: ignore[attr-defined]
        for labels, value in sorted(reclassified.items()):
            out["reclassified"].add_metric(list(labels), value)  # type: ignore[attr-defined]
        if snap.evaluated_at is not None:
            out["evaluated"].add_metric([], snap.evaluated_at / MICROS)  # type: ignore[attr-defined]
        if snap.duration_us is not None:
            out["duration"].add_metric([], snap.duration_us / MICROS)  # type: ignore[attr-defined]
        if self.config is not None:
            for office in sorted(self.config.branches.values(), key=lambda b: b.code):
                info = [office.code, office.name, office.region, office.timezone]
                out["branch"].add_metric(info, 1)  # type: ignore[attr-defined]
        yield from out.values()


class HttpMetrics:
    """Request count and latency by method, route template and status."""

    def __init__(self, registry: CollectorRegistry):
        self.requests = Counter(
            "http_requests",
            "HTTP requests handled.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency.",
            ["method", "route"],
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)


class Exposition:
    """/metrics: the SLA families of the published snapshot, then the process's own metrics.

    With a thousand branches the SLA part is tens of thousands of series (hundreds of
    milliseconds to render). `publish` renders a snapshot in the thread that loaded it and
    only then serves it, so a scrape never renders, and never waits for a render: until the
    new text is ready it gets the previous snapshot's.
    """

    def __init__(self, snapshot: Snapshot, config: SlaConfig | None = None):
        self._snapshot = snapshot
        self.sla = CollectorRegistry(auto_describe=True)
        self.sla.register(SnapshotCollector(lambda: self._snapshot, config))
        self.process = CollectorRegistry(auto_describe=True)
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            self.process.register(collector)
        self.http = HttpMetrics(self.process)
        self._publishing = threading.Lock()
        self._rendered = generate_latest(self.sla)  # none for a snapshot not loaded yet

    def publish(self, snapshot: Snapshot) -> None:
        with self._publishing:
            self._snapshot = snapshot
            self._rendered = generate_latest(self.sla)

    def render(self) -> bytes:
        return self._rendered + generate_latest(self.process)
