"""The Prometheus text format (0.0.4) of families of series, byte for byte what
`prometheus_client.generate_latest` writes for them (a test checks it), each series' name
and labels formatted once: with a thousand branches the SLA families are tens of thousands
of series, and the render shares the serving process's interpreter lock with every scrape."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from prometheus_client.utils import floatToGoString

# How the client library writes a value (Go's float format); untyped in the library.
go_float: Callable[[float], str] = floatToGoString


@dataclass(frozen=True)
class Family:
    name: str  # as exposed: a counter's ends in _total
    kind: str  # "gauge" or "counter"
    help: str
    labels: tuple[str, ...]


Series = tuple[tuple[str, ...], float]  # label values in the family's order, and the value


def _label_value(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


class TextFormat:
    """Families of series → the Prometheus text format, as `generate_latest` writes it.

    A series' name and labels (label names sorted, values escaped) are formatted the first
    time it is written and kept: with a fixed branch registry the series are the same at
    every render, and only their values change.
    """

    def __init__(self) -> None:
        self._heads: dict[tuple[str, tuple[str, ...]], str] = {}
        self._numbers: dict[float, str] = {}

    def _head(self, family: Family, values: tuple[str, ...]) -> str:
        pairs = sorted(zip(family.labels, values, strict=True))
        labels = ",".join(f'{name}="{_label_value(value)}"' for name, value in pairs)
        head = f"{family.name}{{{labels}}} " if labels else f"{family.name} "
        self._heads[(family.name, values)] = head
        return head

    def write(self, families: Iterator[tuple[Family, list[Series]]]) -> bytes:
        out: list[str] = []
        heads, numbers = self._heads, self._numbers
        for family, series in families:
            help_text = family.help.replace("\\", r"\\").replace("\n", r"\n")
            out.append(f"# HELP {family.name} {help_text}\n# TYPE {family.name} {family.kind}\n")
            name = family.name
            for values, value in series:
                head = heads.get((name, values)) or self._head(family, values)
                number = numbers.get(value)
                if number is None:
                    number = numbers[value] = go_float(value)
                out.append(f"{head}{number}\n")
            if len(numbers) > 100_000:  # timestamps and durations never repeat
                numbers.clear()
        return "".join(out).encode("utf-8")
