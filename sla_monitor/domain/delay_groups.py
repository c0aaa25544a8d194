"""The delay figures of many closed claims by group, computed column by column with numpy:
a national month holds hundreds of thousands of closed claims. One sort of each figure by
(group, value) gives every group's quantiles, the values `nearest_rank` picks from a sorted
list (docs/rules.md#the-delay-before-and-around-the-clock). numpy is loaded only by a report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from operator import itemgetter

import numpy as np
import numpy.typing as npt

from sla_monitor.domain.delay_figures import MEDIAN, P90, ClosedDelay, ClosedRow, DelayRow

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


def _ranks(counts: Ints, p: Fraction) -> Ints:
    """`nearest_rank`'s rank for each count, max(1, ⌈p·n⌉), in integers (no rounding)."""
    ceiling = -(-(p.numerator * counts) // p.denominator)
    return np.maximum(1, ceiling)


Quantiles = list[tuple[int | None, int | None]]  # median and 90th percentile, a group each


def _by_group_then_value(values: Ints, group: Ints, groups: int) -> Ints:
    """The values sorted by group, then by value: by value first, then stably by group, which
    numpy sorts in linear time (a radix sort) when the group fits 16 bits."""
    if groups == 1:
        return np.sort(values)
    by_value = np.argsort(values, kind="stable")
    codes = group[by_value].astype(np.int16 if groups < 2**15 else np.int64)
    return values[by_value[np.argsort(codes, kind="stable")]]


def _quantiles(values: Floats, group: Ints, groups: int) -> Quantiles:
    """Each group's median and 90th percentile of a figure, its missing values left out."""
    known = ~np.isnan(values)
    found, in_group = values[known].astype(np.int64), group[known]
    found = _by_group_then_value(found, in_group, groups)
    counts = np.bincount(in_group, minlength=groups)
    if not found.size:
        return [(None, None)] * groups
    starts = np.cumsum(counts) - counts
    last = found.size - 1  # a group with no values points anywhere: its pick is dropped
    median, p90 = (
        found[np.minimum(starts + _ranks(counts, p) - 1, last)].tolist() for p in (MEDIAN, P90)
    )
    return [
        (m, q) if n else (None, None) for m, q, n in zip(median, p90, counts.tolist(), strict=True)
    ]


@dataclass(frozen=True)
class _Columns:
    """The closed claims' figures, a column each. A figure that may be missing is a float
    column, NaN where it is: every amount is below 2**53 microseconds (285 years), so each
    value is exact as a float and back as an integer."""

    wait: Floats
    send_backs: Ints
    paused: Ints
    clock: Floats
    end_to_end: Floats
    end_to_end_calendar: Floats


def _rows(columns: _Columns, group: Ints, names: Sequence[str]) -> list[DelayRow]:
    """The figures of each group (`group`: each claim's index in `names`)."""
    size = len(names)
    wait, end_to_end, calendar = (
        _quantiles(column, group, size)
        for column in (columns.wait, columns.end_to_end, columns.end_to_end_calendar)
    )
    closed = np.bincount(group, minlength=size)
    twice = np.bincount(group[columns.send_backs >= 2], minlength=size)
    # The clocks that ran: their paused and total working time, summed in exact integers.
    clocks = columns.clock
    timed = ~np.isnan(clocks)
    paused, clock = np.zeros(size, np.int64), np.zeros(size, np.int64)
    np.add.at(paused, group[timed], columns.paused[timed])
    np.add.at(clock, group[timed], clocks[timed].astype(np.int64))
    return [
        DelayRow(
            name,
            int(closed[i]),
            wait[i],
            end_to_end[i],
            calendar[i],
            int(twice[i]),
            int(paused[i]),
            int(clock[i]),
        )
        for i, name in enumerate(names)
    ]


def delay_rows(
    claims: Iterable[ClosedRow], key: Callable[[str, str], str], groups: Sequence[str]
) -> tuple[list[DelayRow], DelayRow]:
    """Per group (`key` of a claim's channel and branch), in the order of `groups` and then of
    any other, the figures of the claims closed in a report's window; and those of all."""
    rows = list(claims)
    names = {g: i for i, g in enumerate(groups)}
    # `key` is asked once a channel and branch, not once a claim.
    pairs: dict[tuple[str, str], int] = {}
    pair_of = [pairs.setdefault((channel, branch), len(pairs)) for channel, branch, *_ in rows]
    group_of = [names.setdefault(key(channel, branch), len(names)) for channel, branch in pairs]
    group = np.array(group_of, dtype=np.int64)[np.array(pair_of, dtype=np.int64)]
    # A column at a time (itemgetter runs in C; zip(*rows) would call next() on every row).
    _, _, wait, send_backs, paused, clock, end_to_end, calendar = (
        list(map(itemgetter(i), rows)) for i in range(len(ClosedDelay._fields))
    )
    columns = _Columns(
        np.array(wait, dtype=np.float64),
        np.array(send_backs, dtype=np.int64),
        np.array(paused, dtype=np.int64),
        np.array(clock, dtype=np.float64),
        np.array(end_to_end, dtype=np.float64),
        np.array(calendar, dtype=np.float64),
    )
    everyone = np.zeros(len(rows), dtype=np.int64)
    return _rows(columns, group, list(names)), _rows(columns, everyone, [""])[0]
