"""The SLA families' text is exactly what the Prometheus client library writes for them."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

from sla_monitor.config import load_config
from sla_monitor.domain.policy import Branch, SlaConfig
from sla_monitor.domain.recording import Counted, Snapshot
from sla_monitor.observability.metrics import Family, Series, SnapshotSeries, TextFormat

CONFIG = Path(__file__).parent.parent.parent / "config"


class LibraryFamilies(Collector):
    """The same families and series, given to the client library as its own metric families."""

    def __init__(self, families: list[tuple[Family, list[Series]]]):
        self.families = families

    def collect(self) -> Iterator[Metric]:
        for family, series in self.families:
            labels = list(family.labels)
            metric: Metric
            if family.kind == "counter":
                assert family.name.endswith("_total")
                metric = CounterMetricFamily(
                    family.name[: -len("_total")], family.help, labels=labels
                )
            else:
                metric = GaugeMetricFamily(family.name, family.help, labels=labels)
            for values, value in series:
                metric.add_metric(list(values), value)
            yield metric


def library_text(families: list[tuple[Family, list[Series]]]) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(LibraryFamilies(families))
    return generate_latest(registry)


@pytest.fixture
def config() -> SlaConfig:
    config = load_config(CONFIG)
    # A branch whose name and region need escaping: quotes, a backslash, a newline, non-ASCII.
    config.branches["Q01"] = Branch(
        "Q01", 'Kantor "Cabang"\\Utama\nBaru', "Sulawesi — Utara", "Asia/Makassar"
    )
    return config


def busy_snapshot(config: SlaConfig) -> Snapshot:
    channel, goal = config.channel_goals()[0]
    branch = "Q01"
    counters: Counter[tuple[str, str, str, str, str]] = Counter()
    counters[(Counted.CLOSED, channel, goal, branch, "met")] = (
        12_345_678  # written with an exponent
    )
    counters[(Counted.CLOSED, channel, goal, branch, "breached")] = 3
    counters[(Counted.BREACHES, channel, goal, branch, "")] = 7
    counters[(Counted.BREACHES, channel, goal, "UNLISTED", "")] = 1  # a branch no longer configured
    counters[(Counted.EVENTS, "", "", "", "accepted")] = 99
    counters[(Counted.RECLASSIFIED, channel, goal, branch, "breached:met")] = 2
    return Snapshot(
        open_goals={(channel, goal, branch, "at_risk"): 5, (channel, goal, "X9", "breached"): 1},
        counters=counters,
        evaluated_at=1_764_000_000_123_456,
        duration_us=1_234_567,
        loaded=True,
    )


def test_the_text_is_the_client_librarys_byte_for_byte(config: SlaConfig) -> None:
    series = SnapshotSeries(config)
    text = TextFormat()
    snapshot = busy_snapshot(config)
    expected = library_text(list(series.of(snapshot)))
    assert text.write(series.of(snapshot)) == expected
    assert text.write(series.of(snapshot)) == expected  # again, from the kept series heads
    assert b'name="Kantor \\"Cabang\\"\\\\Utama\\nBaru"' in expected
    assert b"1.2345678e+07" in expected


def test_a_later_snapshot_changes_only_the_values(config: SlaConfig) -> None:
    series = SnapshotSeries(config)
    text = TextFormat()
    first = busy_snapshot(config)
    text.write(series.of(first))
    later = busy_snapshot(config)
    channel, goal = config.channel_goals()[0]
    later.open_goals[(channel, goal, "Q01", "at_risk")] = 6
    later = dataclasses.replace(later, evaluated_at=1_764_000_005_000_000)
    written = text.write(series.of(later))
    assert written == library_text(list(series.of(later)))
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(written.decode())
        for s in family.samples
    }
    key = (("branch", "Q01"), ("channel", channel), ("goal", goal))
    assert samples[("sla_open_claims", (*key, ("status", "at_risk")))] == 6
    assert (
        samples[
            (
                "sla_open_claims",
                (("branch", "X9"), ("channel", channel), ("goal", goal), ("status", "breached")),
            )
        ]
        == 1
    )
    assert (
        samples[
            ("sla_breaches_total", (("branch", "UNLISTED"), ("channel", channel), ("goal", goal)))
        ]
        == 1
    )
    assert samples[("sla_evaluation_timestamp_seconds", ())] == 1_764_000_005


def test_a_snapshot_not_loaded_shows_no_sla_series(config: SlaConfig) -> None:
    assert TextFormat().write(SnapshotSeries(config).of(Snapshot())) == b""
