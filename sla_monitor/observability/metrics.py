"""Prometheus exposition (docs/metrics.md): the latest snapshot as text, plus HTTP metrics.

A scrape reads the in-memory snapshot the evaluation built, never the claims, so it costs
the same with a thousand claims or thirty million. Labels carry channel, goal, branch and
status only: never a claim id, an employer or an amount.

With a thousand branches the SLA families are tens of thousands of series. They are written
here straight from the snapshot in the Prometheus text format (0.0.4), each series' name and
labels formatted once and reused, rather than built as client-library samples on every
render (about 10 µs a series): the render shares the serving process's interpreter lock with
every scrape. The text is byte for byte what `prometheus_client.generate_latest` writes for
the same families (a test checks it).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, time

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

from sla_monitor.domain.calendar_data import decree_statuses
from sla_monitor.domain.policy import SlaConfig
from sla_monitor.domain.recording import Counted, Snapshot
from sla_monitor.domain.timeutil import MICROS, local_date, local_instant
from sla_monitor.observability.delay_metrics import DelaySeries
from sla_monitor.observability.text_format import Family, Series, TextFormat

OPEN_STATUSES = ("on_track", "at_risk", "paused", "breached")
OUTCOMES = ("met", "breached", "cancelled")  # what a recorded outcome can be reclassified between
EVENT_OUTCOMES = ("accepted", "duplicate", "rejected")


OPEN = Family(
    "sla_open_claims",
    "gauge",
    "Open claim goals by status at the last evaluation.",
    ("channel", "goal", "branch", "status"),
)
CLOSED_CLAIMS = Family(
    "sla_closed_claims_total",
    "counter",
    "Claim goals closed (stopped), by the outcome first recorded.",
    ("channel", "goal", "branch", "outcome"),
)
BREACHES_TOTAL = Family(
    "sla_breaches_total",
    "counter",
    "Claim goals that passed their deadline, counted once when first recorded.",
    ("channel", "goal", "branch"),
)
EVENTS_TOTAL = Family("sla_events_total", "counter", "Events received, by outcome.", ("outcome",))
RECLASSIFIED_TOTAL = Family(
    "sla_reclassified_total",
    "counter",
    "Recorded outcomes changed by late events.",
    ("channel", "goal", "from", "to"),
)
EVALUATED = Family(
    "sla_evaluation_timestamp_seconds", "gauge", "Unix time of the last completed evaluation.", ()
)
DURATION = Family(
    "sla_evaluation_duration_seconds", "gauge", "How long the last evaluation took.", ()
)
BRANCH_INFO = Family(
    "sla_branch_info",
    "gauge",
    "The branch registry, for joining a branch to its region (value always 1).",
    ("branch", "name", "region", "timezone"),
)

DECREE_KNOWN = Family(
    "sla_calendar_decree_known",
    "gauge",
    "1 when the year's decree (SKB) on cuti bersama is known to the calendar (in the holiday "
    "data, or reviewed in decree_years), else 0; for the current and the next year.",
    ("calendar", "year"),
)
YEAR_START = Family(
    "sla_calendar_year_start_timestamp_seconds",
    "gauge",
    "Unix time at which the year begins in report_timezone, for the years of "
    "sla_calendar_decree_known.",
    ("year",),
)


class SnapshotSeries:
    """Which series a snapshot shows, and their values: the one definition of the SLA families.

    Every configured (channel, goal, branch) is exposed from the start, at zero, so a
    series exists before its first claim and `increase()` sees the first breach.
    """

    def __init__(self, config: SlaConfig | None = None):
        self.config = config
        self._decrees: dict[int, tuple[list[Series], list[Series]]] = {}
        self.configured: set[tuple[str, str, str]] = set()
        self.reclassifications: list[tuple[str, str, str, str]] = []
        self.branches: list[Series] = []
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
            self.branches = [
                ((office.code, office.name, office.region, office.timezone), 1)
                for office in sorted(config.branches.values(), key=lambda b: b.code)
            ]
        self._ordered = sorted(self.configured)

    def of(self, snap: Snapshot) -> Iterator[tuple[Family, list[Series]]]:
        """Each family with its series; nothing for a snapshot not loaded yet (counters at a
        made-up zero would look like a reset)."""
        yield from self.counted(snap)
        yield from self.stamps(snap)

    def counted(self, snap: Snapshot) -> Iterator[tuple[Family, list[Series]]]:
        """The families of the open-goal counts and the counters: the same for two
        snapshots with the same counts and counters."""
        if not snap.loaded:
            return
        groups = {(c, g, b) for (c, g, b, _s) in snap.open_goals}
        groups |= {
            (c, g, b)
            for (n, c, g, b, _d) in snap.counters
            if n in (Counted.CLOSED, Counted.BREACHES)
        }
        ordered = self._ordered
        if not groups <= self.configured:
            ordered = sorted(self.configured | groups)
        opened: list[Series] = []
        closed: list[Series] = []
        breached: list[Series] = []
        open_goals, counters = snap.open_goals, snap.counters
        for channel, goal, branch in ordered:  # zeros too, so no series goes stale
            for status in OPEN_STATUSES:
                count = open_goals.get((channel, goal, branch, status), 0)
                opened.append(((channel, goal, branch, status), count))
            for outcome in ("met", "breached"):
                value = counters.get((Counted.CLOSED, channel, goal, branch, outcome), 0)
                closed.append(((channel, goal, branch, outcome), value))
            value = counters.get((Counted.BREACHES, channel, goal, branch, ""), 0)
            breached.append(((channel, goal, branch), value))
        reclassified = dict.fromkeys(self.reclassifications, 0)
        events = dict.fromkeys(EVENT_OUTCOMES, 0)
        for (name, channel, goal, _branch, detail), value in sorted(counters.items()):
            if name == Counted.EVENTS:
                events[detail] = value
            elif name == Counted.RECLASSIFIED:
                before, after = detail.split(":", 1)
                key = (channel, goal, before, after)
                reclassified[key] = reclassified.get(key, 0) + value
        yield OPEN, opened
        yield CLOSED_CLAIMS, closed
        yield BREACHES_TOTAL, breached
        yield EVENTS_TOTAL, [((outcome,), value) for outcome, value in events.items()]
        yield RECLASSIFIED_TOTAL, sorted(reclassified.items())

    def stamps(self, snap: Snapshot) -> Iterator[tuple[Family, list[Series]]]:
        """The families of when and how long the last evaluation ran, the branch registry and
        the decrees known."""
        if not snap.loaded:
            return
        evaluated: list[Series] = (
            [] if snap.evaluated_at is None else [((), snap.evaluated_at / MICROS)]
        )
        yield EVALUATED, evaluated
        duration: list[Series] = (
            [] if snap.duration_us is None else [((), snap.duration_us / MICROS)]
        )
        yield DURATION, duration
        yield BRANCH_INFO, self.branches
        if self.config is not None and snap.evaluated_at is not None:
            known, starts = self.decrees(
                local_date(snap.evaluated_at, self.config.report_zone).year
            )
            yield DECREE_KNOWN, known
            yield YEAR_START, starts

    def decrees(self, year: int) -> tuple[list[Series], list[Series]]:
        """Whether the decrees of `year` and the next are known, and when those years begin."""
        found = self._decrees.get(year)
        if found is None:
            assert self.config is not None
            zone = self.config.report_zone
            years = (year, year + 1)
            known: list[Series] = [
                ((s.calendar, str(s.year)), 1 if s.known else 0)
                for s in decree_statuses(self.config, years)
            ]
            starts: list[Series] = [
                ((str(y),), local_instant(date(y, 1, 1), time(0), zone) / MICROS) for y in years
            ]
            found = self._decrees[year] = (known, starts)
        return found


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

    `publish` writes a snapshot's text in the thread that loaded it and only then serves
    it, so a scrape never renders the SLA families, and never waits for them: until the new
    text is ready it gets the previous snapshot's.
    """

    def __init__(self, snapshot: Snapshot, config: SlaConfig | None = None):
        self.series = SnapshotSeries(config)
        self.delays = DelaySeries(config)  # the delay before and around the clock
        self.text = TextFormat()
        self.process = CollectorRegistry(auto_describe=True)
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            self.process.register(collector)
        self.http = HttpMetrics(self.process)
        self._publishing = threading.Lock()
        # The text of the last counts and counters, with them: rendered again only when they
        # change. Every replica loads a snapshot each interval, and most change only their
        # stamps; rendering some 90,000 series each time held the interpreter for a third of
        # a second at 1M claims, which a scrape at that moment waited for.
        self._counted: tuple[Snapshot, bytes, bytes] | None = None
        self._rendered = self.render_sla(snapshot)  # empty for a snapshot not loaded yet

    def render_sla(self, snapshot: Snapshot) -> bytes:
        last = self._counted
        if last is None or not _same_counts(last[0], snapshot):
            counted = self.text.write(self.series.counted(snapshot))
            last = self._counted = (snapshot, counted, self.delays.render(snapshot))
        return last[1] + self.text.write(self.series.stamps(snapshot)) + last[2]

    def publish(self, snapshot: Snapshot) -> None:
        with self._publishing:
            self._rendered = self.render_sla(snapshot)

    def render(self) -> bytes:
        return self._rendered + generate_latest(self.process)


def _same_counts(before: Snapshot, now: Snapshot) -> bool:
    """The same open-goal counts and counters (compared in C, a few milliseconds)."""
    return (
        before.loaded == now.loaded
        and before.open_goals == now.open_goals
        and before.counters == now.counters
    )
