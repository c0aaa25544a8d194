"""Properties of the explanation of a deadline that must hold for every claim (hypothesis):
it adds up to the claim view's figures (docs/explain.md)."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from sla_monitor.domain.explanation import explain
from sla_monitor.domain.goals import ClockEvent
from sla_monitor.domain.midnights import DAY_UNITS
from sla_monitor.domain.policy import Branch, Policy, SlaConfig
from sla_monitor.domain.timer import Claim, SlaTimer
from sla_monitor.domain.timeutil import local_date, start_of_day
from tests.unit.test_clock_properties import (
    BASE,
    CALENDARS,
    HOUR,
    OFFICE,
    SPEC,
    TARGETS,
    events_strategy,
    goal,
)

BRANCHES = {
    "JKT": Branch("JKT", "Jakarta", "DKI Jakarta", "Asia/Jakarta"),
    "DPS": Branch("DPS", "Denpasar", "Bali", "Asia/Makassar"),
    "DJJ": Branch("DJJ", "Jayapura", "Papua", "Asia/Jayapura"),
}
# Histories that mostly start a clock: a start at a random hour of the first ten days, then
# the clock properties' random events (a cancelled goal has nothing to explain).
started_histories = st.tuples(st.integers(0, 24 * 10), events_strategy).map(
    lambda pair: [
        ClockEvent("start", "documents_completed", BASE + pair[0] * HOUR),
        *(e for e in pair[1] if e.type != "cancelled"),
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    events=events_strategy | started_histories,
    target=st.sampled_from(TARGETS),
    branch=st.sampled_from(sorted(BRANCHES)),
    reset=st.booleans(),
    cut=st.integers(0, 24 * 50),
)
def test_the_explanation_adds_up_to_the_claim_view(
    events: list[ClockEvent], target: str, branch: str, reset: bool, cut: int
) -> None:
    g = goal(target, reset=reset)
    config = SlaConfig(
        report_timezone="Asia/Jakarta",
        channels=("online",),
        calendars={"default": SPEC, "office": OFFICE},
        policies=(Policy("p", date(2022, 7, 7), (g,)),),
        branches=BRANCHES,
    )
    timer = SlaTimer(config, CALENDARS)
    view = timer.view(Claim("C1", "online", branch, BASE - HOUR), events, BASE + cut * HOUR)
    (explanation,) = explain(timer, view, events)
    (state,) = view.goals
    assert (explanation is None) == (state.due_at is None)
    if explanation is None or state.started_at is None or state.due_at is None:
        return
    zone = ZoneInfo(BRANCHES[branch].timezone)
    days = explanation.days
    # Every local day once, from the start day on, through the due day.
    assert days[0].date == explanation.start_day == local_date(state.started_at, zone)
    assert [d.date for d in days] == [days[0].date + timedelta(days=k) for k in range(len(days))]
    assert days[-1].date >= explanation.due_day
    # The counted working time is the view's elapsed, on working days only.
    assert sum(d.counted for d in days) == explanation.elapsed == state.elapsed
    assert all(d.working for d in days if d.counted or d.number)
    numbers = [d.number for d in days if d.number is not None]
    if g.target.unit == "working_days":
        # A day split by a pause is one day counted on two dates, and a date may hold parts
        # of two working days (first_number to number): the numbers never skip, and each is
        # that of the working day in which the counted time falls. The due day's hours past
        # the target number nothing, so the next date may start past the day after it.
        spans = [(d.first_number, d.number) for d in days if d.number is not None]
        assert spans[0][0] == 1
        for (_, last), (first, end) in pairwise(spans):
            assert first is not None and first in (last, last + 1) and end >= first
        total = 0
        for d in days:
            total += d.counted + d.ahead
            # Until the due day, the target's own time: a deadline rounded to the end of its
            # day counts the day's last hours too, which number nothing.
            toward = min(total, state.target) if d.date <= explanation.due_day else total
            assert d.number is None or d.number == -(-toward // DAY_UNITS)
    else:
        assert numbers == list(range(1, len(numbers) + 1))
    # The target is reached on the due day: the last numbered day, unless counting went on
    # past the deadline (a late stop, or a view after it).
    reached = 0
    for d in days:
        reached += d.counted + d.ahead
        if reached >= state.target:
            assert d.date == explanation.due_day and d.number is not None
            break
    else:
        raise AssertionError("the target is never reached")
    last = max(d.date for d in days if d.number is not None)
    assert last == explanation.due_day or explanation.end > state.due_at
    if g.target.unit == "working_days":
        assert explanation.due_at == start_of_day(explanation.due_day + timedelta(days=1), zone)
        assert not explanation.start_day_counted and days[0].number is None
        # The due day is the day the target's last working day is complete.
        due = next(d for d in days if d.date == explanation.due_day)
        assert due.number == g.target.amount
