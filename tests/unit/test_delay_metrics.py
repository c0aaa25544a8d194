"""The delay metrics' text is what the Prometheus client library writes for the same
histograms and counter (docs/metrics.md#the-delay-before-and-around-the-clock)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

from sla_monitor.config import load_config
from sla_monitor.domain.delay import END_TO_END_BUCKETS, WAIT_BUCKETS, DelayCounted
from sla_monitor.domain.recording import Snapshot
from sla_monitor.observability.delay_metrics import END_TO_END, SENT_BACK, WAIT, DelaySeries
from sla_monitor.observability.metrics import Exposition

CONFIG = Path(__file__).parent.parent.parent / "config"
DAY = 86_400 * 1_000_000


def snapshot() -> Snapshot:
    counters: Counter[tuple[str, str, str, str, str]] = Counter()
    counters[(DelayCounted.WAIT, "online", "", "JKT", "0.5")] = 2
    counters[(DelayCounted.WAIT, "online", "", "JKT", "+Inf")] = 1
    counters[(DelayCounted.WAIT, "online", "", "JKT", "sum")] = 30 * DAY + DAY // 2
    counters[(DelayCounted.END_TO_END, "online", "", "JKT", "10.0")] = 1
    counters[(DelayCounted.END_TO_END, "online", "", "JKT", "sum")] = 9 * DAY
    counters[(DelayCounted.SENT_BACK, "online", "", "JKT", "")] = 4
    return Snapshot(counters=counters, loaded=True)


class Library(Collector):
    def __init__(self, pairs: list[tuple[str, str]], snap: Snapshot):
        self.pairs, self.snap = pairs, snap

    def collect(self) -> Iterator[Metric]:
        c = self.snap.counters
        sent = CounterMetricFamily(
            SENT_BACK.name[: -len("_total")], SENT_BACK.help, labels=["channel", "branch"]
        )
        for channel, branch in self.pairs:
            sent.add_metric(
                [channel, branch], c.get((DelayCounted.SENT_BACK, channel, "", branch, ""), 0)
            )
        yield sent
        for family, name, bounds in (
            (WAIT, DelayCounted.WAIT, WAIT_BUCKETS),
            (END_TO_END, DelayCounted.END_TO_END, END_TO_END_BUCKETS),
        ):
            metric = HistogramMetricFamily(family.name, family.help, labels=["channel", "branch"])
            for channel, branch in self.pairs:
                total, buckets = 0, []
                for bound in (*bounds, float("inf")):
                    label = "+Inf" if bound == float("inf") else repr(float(bound))
                    total += c.get((name, channel, "", branch, label), 0)
                    buckets.append((label, total))
                metric.add_metric(
                    [channel, branch], buckets, c.get((name, channel, "", branch, "sum"), 0) / DAY
                )
            yield metric


def test_the_text_is_the_client_librarys_byte_for_byte() -> None:
    config = load_config(CONFIG)
    series = DelaySeries(config)
    pairs = sorted((c, b) for c in config.channels for b in config.branches)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(Library(pairs, snapshot()))
    expected = generate_latest(registry)
    assert series.render(snapshot()) == expected
    assert (
        b'sla_claim_wait_working_days_bucket{branch="JKT",channel="online",le="0.5"} 2.0'
        in expected
    )
    assert (
        b'sla_claim_wait_working_days_bucket{branch="JKT",channel="online",le="+Inf"} 3.0'
        in expected
    )
    assert b'sla_claim_wait_working_days_sum{branch="JKT",channel="online"} 30.5' in expected
    assert b'sla_documents_sent_back_total{branch="JKT",channel="online"} 4.0' in expected


def test_exposed_with_the_other_families_and_no_claim_id() -> None:
    config = load_config(CONFIG)
    text = Exposition(snapshot(), config).render().decode()
    assert 'sla_claim_end_to_end_working_days_count{branch="JKT",channel="online"} 1.0' in text
    assert "claim_id" not in text
    assert Exposition(Snapshot(), config).render_sla(Snapshot()) == b""


def test_a_snapshot_with_the_same_counts_reuses_their_text_and_shows_its_stamps() -> None:
    """Most snapshots change only when the evaluation ran: their counts and counters are
    rendered once, and the text is what rendering everything gives."""
    config = load_config(CONFIG)
    first = replace(snapshot(), evaluated_at=DAY, duration_us=1_000)
    exposition = Exposition(first, config)
    later = replace(first, counters=Counter(first.counters), evaluated_at=2 * DAY)
    whole = exposition.text.write(exposition.series.of(later)) + exposition.delays.render(later)
    calls: list[Snapshot] = []
    counted = exposition.series.counted
    exposition.series.counted = lambda snap: calls.append(snap) or counted(snap)  # type: ignore[method-assign]
    exposition.publish(later)
    assert exposition.render_sla(later) == whole
    assert calls == []  # the same counts: not rendered again
    more = Counter(later.counters)
    more[(DelayCounted.SENT_BACK, "online", "", "JKT", "")] += 1
    changed = replace(later, counters=more)
    exposition.publish(changed)
    assert len(calls) == 1
    assert b'sla_documents_sent_back_total{branch="JKT",channel="online"} 5.0' in (
        exposition.render()
    )
