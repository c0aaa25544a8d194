"""Reproducible benchmarks for sla-monitor at the scale of docs/architecture.md#scale (see bench/README.md).

`bench.workload` generates a deterministic synthetic workload (configuration, events, filled
stores); `bench.run` measures every benchmark against its reference and writes a Markdown
table. Run `python -m bench.run --quick` for a small version that finishes in about a minute.
"""
