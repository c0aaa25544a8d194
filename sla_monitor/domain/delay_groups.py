"""The delay figures of many closed claims by group, computed column by column with numpy:
a national month holds hundreds of thousands of closed claims. One sort of each figure by
(group, value) gives every group's quantiles, the values `nearest_rank` picks from a sorted
list (docs/rules.md#the-delay-before-and-around-the-clock). numpy is loaded only by a report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from sla_monitor.domain.delay_figures import MEDIAN, P90, ClosedDelay, DelayRow

Ints = npt.NDArray[np.int64]


def _ranks(counts: Ints, p: Fraction) -> Ints:
    """`nearest_rank`'s rank for each count, max(1, ⌈p·n⌉), in integers (no rounding)."""
    ceiling = -(-(p.numerator * counts) // p.denominator)
    return np.maximum(1, ceiling)


Quantiles = list[tuple[int | None, int | None]]  # median and 90th percentile, a group each


def _quantiles(column: Sequence[int | None], group: Ints, groups: int) -> Quantiles:
    """Each group's median and 90th percentile of a figure, its missing values left out."""
    # A float column turns None into NaN in C; every amount is below 2**53 microseconds
    # (285 years), so each value is exact as a float and back as an integer.
    values = np.array(column, dtype=np.float64)
    known = ~np.isnan(values)
    found, in_group = values[known].astype(np.int64), group[known]
    found = found[np.lexsort((found, in_group))]  # by group, then by value
    counts = np.bincount(in_group, minlength=groups)
    if not found.size:
        return [(None, None)] * groups
    starts = np.cumsum(counts) - counts
    last = found.size - 1  # a group with no values points anywhere: its pick is dropped
    median, p90 = (found[np.minimum(starts + _ranks(counts, p) - 1, last)] for p in (MEDIAN, P90))
    return [
        (int(m), int(q)) if n else (None, None) for m, q, n in zip(median, p90, counts, strict=True)
    ]


@dataclass(frozen=True)
class _Columns:
    """The closed claims' figures, a column each."""

    wait: Sequence[int | None]
    send_backs: Ints
    paused: Ints
    clock: Sequence[int | None]
    end_to_end: Sequence[int | None]
    end_to_end_calendar: Sequence[int | None]


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
    clocks = np.array(columns.clock, dtype=np.float64)
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
    claims: Iterable[ClosedDelay], key: Callable[[str, str], str], groups: Sequence[str]
) -> tuple[list[DelayRow], DelayRow]:
    """Per group (`key` of a claim's channel and branch), in the order of `groups` and then of
    any other, the figures of the claims closed in a report's window; and those of all."""
    rows = list(claims)
    names = {g: i for i, g in enumerate(groups)}
    # `key` is asked once a channel and branch, not once a claim.
    pairs: dict[tuple[str, str], int] = {}
    pair_of = [pairs.setdefault((c[0], c[1]), len(pairs)) for c in rows]
    group_of = [names.setdefault(key(channel, branch), len(names)) for channel, branch in pairs]
    group = np.array(group_of, dtype=np.int64)[np.array(pair_of, dtype=np.int64)]
    _, _, wait, send_backs, paused, clock, end_to_end, calendar = (
        zip(*rows, strict=True) if rows else [()] * len(ClosedDelay._fields)
    )
    columns = _Columns(
        wait,
        np.array(send_backs, dtype=np.int64),
        np.array(paused, dtype=np.int64),
        clock,
        end_to_end,
        calendar,
    )
    everyone = np.zeros(len(rows), dtype=np.int64)
    return _rows(columns, group, list(names)), _rows(columns, everyone, [""])[0]
