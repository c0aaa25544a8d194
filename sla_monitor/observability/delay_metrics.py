"""The delay before and around the clock as Prometheus metrics (docs/metrics.md#the-delay-before-and-around-the-clock):
the histograms of the wait before the clock and of end-to-end time, and the documents sent
back, per channel and branch.

Their values are counters kept in the database (domain.delay.DelayCounted), counted once when
a claim's figures are first written, so every replica exposes the same. A histogram is
written here in the text format as the client library writes one (buckets, count, sum; a
test checks it byte for byte): its buckets are stored one count each and exposed cumulated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sla_monitor.domain.delay import END_TO_END_BUCKETS, WAIT_BUCKETS, DelayCounted, bucket_label
from sla_monitor.domain.midnights import DAY_UNITS
from sla_monitor.domain.policy import SlaConfig
from sla_monitor.domain.recording import CounterKey, Snapshot
from sla_monitor.observability.text_format import Family, Series, TextFormat, go_float

LABELS = ("channel", "branch")
WAIT = Family(
    "sla_claim_wait_working_days",
    "histogram",
    "Working days from a claim's submission to its first complete documents, when the SLA "
    "clock starts; observed once, when the documents are first complete.",
    LABELS,
)
END_TO_END = Family(
    "sla_claim_end_to_end_working_days",
    "histogram",
    "Working days from a claim's submission to its payment or rejection; observed once.",
    LABELS,
)
SENT_BACK = Family(
    "sla_documents_sent_back_total",
    "counter",
    "Claim documents sent back as incomplete (documents_incomplete events), counted once.",
    LABELS,
)
HISTOGRAMS = (
    (WAIT, DelayCounted.WAIT, WAIT_BUCKETS),
    (END_TO_END, DelayCounted.END_TO_END, END_TO_END_BUCKETS),
)
NAMES = frozenset(DelayCounted)


def _labels(pairs: Sequence[tuple[str, str]]) -> str:
    return ",".join(f'{name}="{value}"' for name, value in sorted(pairs))


class DelaySeries:
    """The delay families of a snapshot, for every configured channel and branch from the
    start (at zero, so `increase()` sees the first observation)."""

    def __init__(self, config: SlaConfig | None = None):
        self.configured: set[tuple[str, str]] = set()
        if config is not None:
            self.configured = {(c, b) for c in config.channels for b in config.branches}
        self.text = TextFormat()

    def render(self, snap: Snapshot) -> bytes:
        if not snap.loaded:
            return b""
        counters = snap.counters
        pairs = sorted(self.configured | {(c, b) for (n, c, _g, b, _d) in counters if n in NAMES})
        sent: list[Series] = [
            ((c, b), counters.get((DelayCounted.SENT_BACK, c, "", b, ""), 0)) for c, b in pairs
        ]
        out = [self.text.write(iter([(SENT_BACK, sent)]))]
        for family, name, bounds in HISTOGRAMS:
            out.append(histogram_text(family, name, bounds, pairs, counters).encode("utf-8"))
        return b"".join(out)


def histogram_text(
    family: Family,
    name: str,
    bounds: Sequence[float],
    pairs: Sequence[tuple[str, str]],
    counters: Mapping[CounterKey, int],
) -> str:
    """One histogram family: per (channel, branch), its cumulated buckets, count and sum (in
    working days), as `generate_latest` writes a HistogramMetricFamily."""
    lines = [f"# HELP {family.name} {family.help}\n# TYPE {family.name} histogram\n"]
    for channel, branch in pairs:
        group = (("channel", _escape(channel)), ("branch", _escape(branch)))
        total = 0
        for bound in (*bounds, float("inf")):
            label = bucket_label(bound)
            total += counters.get((name, channel, "", branch, label), 0)
            le = go_float(bound)
            lines.append(
                f"{family.name}_bucket{{{_labels((*group, ('le', le)))}}} {go_float(total)}\n"
            )
        labels = _labels(group)
        days = counters.get((name, channel, "", branch, "sum"), 0) / DAY_UNITS
        lines.append(f"{family.name}_count{{{labels}}} {go_float(total)}\n")
        lines.append(f"{family.name}_sum{{{labels}}} {go_float(days)}\n")
    return "".join(lines)


def _escape(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")
