"""The delay figures computed column by column (domain.delay_groups) equal those of the plain
definition: each group's values sorted, `nearest_rank` of them, and plain sums."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from sla_monitor.domain.delay_figures import MEDIAN, P90, ClosedDelay, DelayRow, nearest_rank
from sla_monitor.domain.delay_groups import delay_rows

REGION = {"JKT": "Jawa", "BDG": "Jawa", "DPS": "Bali", "MKS": "Sulawesi", "JYP": "Papua"}
KEYS: dict[str, Callable[[str, str], str]] = {
    "channel": lambda channel, branch: channel,
    "branch": lambda channel, branch: branch,
    "region": lambda channel, branch: REGION[branch],
}
amounts = st.integers(0, 2**52)  # up to 142 years of microseconds
maybe = st.none() | amounts
claims = st.builds(
    ClosedDelay,
    st.sampled_from(["online", "office"]),
    st.sampled_from(sorted(REGION)),
    maybe,
    st.integers(0, 4),
    amounts,
    maybe,
    maybe,
    maybe,
)


def plain_row(group: str, found: Sequence[ClosedDelay]) -> DelayRow:
    def quantiles(values: list[int | None]) -> tuple[int | None, int | None]:
        ordered = sorted(v for v in values if v is not None)
        return nearest_rank(ordered, MEDIAN), nearest_rank(ordered, P90)

    timed = [c for c in found if c.clock is not None]
    return DelayRow(
        group,
        len(found),
        quantiles([c.wait for c in found]),
        quantiles([c.end_to_end for c in found]),
        quantiles([c.end_to_end_calendar for c in found]),
        sum(c.send_backs >= 2 for c in found),
        sum(c.paused for c in timed),
        sum(c.clock or 0 for c in timed),
    )


def plain(
    found: list[ClosedDelay], key: Callable[[str, str], str], groups: list[str]
) -> tuple[list[DelayRow], DelayRow]:
    by_group: dict[str, list[ClosedDelay]] = {g: [] for g in groups}
    for claim in found:
        by_group.setdefault(key(claim.channel, claim.branch_code), []).append(claim)
    return [plain_row(g, c) for g, c in by_group.items()], plain_row("", found)


@settings(max_examples=300, deadline=None)
@given(
    found=st.lists(claims, max_size=60),
    by=st.sampled_from(sorted(KEYS)),
    listed=st.lists(st.sampled_from(["online", "JKT", "Jawa", "Bali", "none"]), unique=True),
)
def test_grouped_figures_equal_the_plain_definition(
    found: list[ClosedDelay], by: str, listed: list[str]
) -> None:
    """Any claims, grouped any way, with groups listed that have no claim and claims whose
    group is not listed (it comes after those listed)."""
    assert delay_rows(found, KEYS[by], listed) == plain(found, KEYS[by], listed)


def test_ties_and_an_even_count_take_the_lower_middle_value() -> None:
    found = [
        ClosedDelay("online", "JKT", wait, 0, 0, None, None, None) for wait in (5, 1, 3, 3, 9, 7)
    ]
    rows, total = delay_rows(found, KEYS["branch"], ["JKT"])
    assert rows[0].wait == total.wait == (3, 9)  # ranks 3 and 6 of 1 3 3 5 7 9
    assert rows[0].end_to_end == (None, None)
