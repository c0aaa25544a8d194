"""The delay before and around the clock (docs/rules.md#the-delay-before-and-around-the-clock),
computed by hand for a Jakarta claim of August 2026: Mon 17 Aug (Independence Day) and Tue 25
Aug (the Prophet's Birthday) are holidays; a working day counts 24 h of working time.
"""

from __future__ import annotations

from sla_monitor.domain.delay import (
    ClaimDelay,
    DelayCounted,
    claim_delay,
    delay_goal,
    delay_increments,
    delay_time,
)
from sla_monitor.domain.goals import ClockEvent
from sla_monitor.domain.policy import SlaConfig
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import parse_rfc3339

HOUR = 3600 * 1_000_000
DAY = 24 * HOUR


def events(*pairs: tuple[str, str]) -> list[ClockEvent]:
    return [ClockEvent(f"e{i}", kind, parse_rfc3339(at)) for i, (kind, at) in enumerate(pairs)]


SUBMITTED = "2026-08-14T10:00:00+07:00"  # a Friday
AUGUST = events(
    ("submitted", SUBMITTED),
    ("documents_completed", "2026-08-19T09:00:00+07:00"),  # Wednesday
    ("documents_incomplete", "2026-08-20T10:00:00+07:00"),  # Thursday: paused
    ("documents_completed", "2026-08-24T10:00:00+07:00"),  # Monday: resumed
    ("documents_incomplete", "2026-08-26T12:00:00+07:00"),  # Wednesday: paused
    ("documents_completed", "2026-08-27T12:00:00+07:00"),  # Thursday: resumed
    ("paid", "2026-08-31T15:00:00+07:00"),  # Monday
)


def delay(sla: SlaTimer, evs: list[ClockEvent]) -> ClaimDelay:
    goal = delay_goal(sla.config.policies[-1].goals)
    assert goal is not None and goal.id == "payment"
    time = delay_time(sla.calendars, goal, sla.config.branches["JKT"].zone)
    return claim_delay(parse_rfc3339(SUBMITTED), evs, goal, time)


def test_a_claim_computed_by_hand(sla: SlaTimer) -> None:
    d = delay(sla, AUGUST)
    assert d.first_complete_at == parse_rfc3339("2026-08-19T09:00:00+07:00")
    # Fri 14h, (Sat, Sun, Mon 17 skipped), Tue 24h, Wed 9h.
    assert d.wait == 47 * HOUR
    assert d.send_backs == 2
    # Thu 20 14h + Fri 21 24h + Mon 24 10h; then Wed 26 12h + Thu 27 12h.
    assert d.paused == 48 * HOUR + 24 * HOUR
    # Wed 19 15h, Thu-Fri 48h, Mon 24 24h, (Tue 25 skipped), Wed-Fri 72h, Mon 31 15h.
    assert d.clock == 174 * HOUR
    assert d.closed_at == parse_rfc3339("2026-08-31T15:00:00+07:00")
    # Fri 14h, Tue 18 24h, Wed-Fri 72h, Mon 24 24h, Wed-Fri 72h, Mon 31 15h.
    assert d.end_to_end == 221 * HOUR
    assert d.end_to_end_calendar == 17 * DAY + 5 * HOUR


def test_an_open_claim_counts_only_ended_pauses(sla: SlaTimer) -> None:
    d = delay(sla, AUGUST[:5])  # paused since Wed 26 12:00
    assert (d.send_backs, d.paused, d.clock, d.closed_at, d.end_to_end) == (
        2,
        48 * HOUR,
        None,
        None,
        None,
    )
    waiting = delay(sla, AUGUST[:1])
    assert (waiting.first_complete_at, waiting.wait, waiting.paused) == (None, None, 0)


def test_a_stop_while_paused_ends_the_pause(sla: SlaTimer) -> None:
    rejected = [*AUGUST[:5], *events(("rejected", "2026-08-27T12:00:00+07:00"))]
    rejected = [ClockEvent(f"x{i}", e.type, e.occurred_at) for i, e in enumerate(rejected)]
    d = delay(sla, rejected)
    assert d.paused == 48 * HOUR + 24 * HOUR
    assert d.clock == (15 + 48 + 24 + 36) * HOUR  # Wed 19 09:00 to Thu 27 12:00


def test_a_send_back_before_completion_is_counted_but_pauses_nothing(sla: SlaTimer) -> None:
    d = delay(
        sla,
        events(
            ("submitted", SUBMITTED),
            ("documents_incomplete", "2026-08-14T11:00:00+07:00"),
            ("documents_completed", "2026-08-18T10:00:00+07:00"),
        ),
    )
    assert (d.send_backs, d.paused, d.wait) == (1, 0, 14 * HOUR + 10 * HOUR)


def test_counted_once(sla: SlaTimer) -> None:
    d = delay(sla, AUGUST)
    first = delay_increments(None, d)
    assert first == [
        (DelayCounted.WAIT, "2.0", 1),  # 47/24 working days: the bucket <= 2
        (DelayCounted.WAIT, "sum", 47 * HOUR),
        (DelayCounted.END_TO_END, "10.0", 1),  # 9.2 working days
        (DelayCounted.END_TO_END, "sum", 221 * HOUR),
        (DelayCounted.SENT_BACK, "", 2),
    ]
    assert delay_increments(d, d) == []
    open_one = delay(sla, AUGUST[:3])
    assert delay_increments(open_one, d) == [
        (DelayCounted.END_TO_END, "10.0", 1),
        (DelayCounted.END_TO_END, "sum", 221 * HOUR),
        (DelayCounted.SENT_BACK, "", 1),
    ]


def test_no_goal_no_delay(config: SlaConfig) -> None:
    assert delay_goal(()) is None
