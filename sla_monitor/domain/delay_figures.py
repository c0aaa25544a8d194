"""A report's delay figures per group: the claims closed in its window, their median and 90th
percentile wait and end-to-end time, how many were sent back twice, and the share of their
clocks' time spent paused (docs/rules.md#the-delay-before-and-around-the-clock). They are
computed for many claims at once by domain.delay_groups.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple


class ClosedDelay(NamedTuple):
    """The figures of a claim paid or rejected in a report's window, with its group. A
    plain tuple: a national month's report reads hundreds of thousands of them."""

    channel: str
    branch_code: str
    wait: int | None
    send_backs: int
    paused: int
    clock: int | None
    end_to_end: int | None
    end_to_end_calendar: int | None


# A ClosedDelay as a store reads it: a plain tuple in the same order.
ClosedRow = tuple[str, str, int | None, int, int, int | None, int | None, int | None]

MEDIAN, P90 = Fraction(1, 2), Fraction(9, 10)


def nearest_rank(ordered: Sequence[int], p: Fraction) -> int | None:
    """The p-quantile by nearest rank: the ⌈p·n⌉-th smallest value (the lower middle one for
    a median of an even count); None of no values. Always a value that occurred."""
    if not ordered:
        return None
    return ordered[max(1, math.ceil(p * len(ordered))) - 1]


@dataclass(frozen=True)
class DelayRow:
    """A report's figures of one group (or of all, `group` ""): working amounts in
    microseconds of working days, calendar amounts in microseconds."""

    group: str
    closed: int  # claims paid or rejected in the window
    wait: tuple[int | None, int | None]  # median and 90th percentile
    end_to_end: tuple[int | None, int | None]
    end_to_end_calendar: tuple[int | None, int | None]
    sent_back_twice: int  # claims sent back twice or more
    paused: int  # working time their clocks spent paused
    clock: int  # working time of their clocks from start to stop

    @property
    def sent_back_twice_share(self) -> float | None:
        return None if self.closed == 0 else self.sent_back_twice / self.closed

    @property
    def paused_share(self) -> float | None:
        return None if self.clock == 0 else self.paused / self.clock
