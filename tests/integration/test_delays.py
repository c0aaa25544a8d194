"""Each claim's delay stored with its goals, and the figures a report counts of them, on
SQLite and PostgreSQL (docs/rules.md#the-delay-before-and-around-the-clock). The claim of
tests/unit/test_delay.py, computed by hand there."""

from __future__ import annotations

from sqlalchemy import Engine, select

from sla_monitor.domain.delay import DelayCounted
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import parse_rfc3339
from sla_monitor.store import counters
from sla_monitor.store.db import session_scope
from sla_monitor.store.delays import closed_delays, stored
from sla_monitor.store.tables import DELAYS

from .helpers import ev, store, submitted

HOUR = 3600 * 1_000_000
AUGUST = [
    submitted("a1", "A", "2026-08-14T10:00:00+07:00"),
    ev("a2", "A", "documents_completed", "2026-08-19T09:00:00+07:00"),
    ev("a3", "A", "documents_incomplete", "2026-08-20T10:00:00+07:00"),
    ev("a4", "A", "documents_completed", "2026-08-24T10:00:00+07:00"),
    ev("a5", "A", "documents_incomplete", "2026-08-26T12:00:00+07:00"),
    ev("a6", "A", "documents_completed", "2026-08-27T12:00:00+07:00"),
]
PAID = ev("a7", "A", "paid", "2026-08-31T15:00:00+07:00")


def test_figures_are_written_with_the_goals_and_counted_once(db: Engine, sla: SlaTimer) -> None:
    store(db, sla, *AUGUST[:5])  # paused since Wed 26 12:00
    with session_scope(db) as session:
        open_one = stored(session, ["A"])["A"]
        assert (open_one.wait, open_one.send_backs, open_one.paused) == (47 * HOUR, 2, 48 * HOUR)
        assert open_one.closed_at is None
    store(db, sla, AUGUST[5], PAID)
    store(db, sla, ev("a8", "A", "verified", "2026-08-28T09:00:00+07:00"))  # changes nothing
    with session_scope(db) as session:
        closed = stored(session, ["A"])["A"]
        assert (closed.paused, closed.clock, closed.end_to_end) == (
            72 * HOUR,
            174 * HOUR,
            221 * HOUR,
        )
        assert closed.closed_at == parse_rfc3339("2026-08-31T15:00:00+07:00")
        seen = counters.read(session=session)
        assert session.execute(select(DELAYS.c.channel, DELAYS.c.branch_code)).all() == [
            ("online", "JKT")
        ]
    key = ("online", "", "JKT")
    assert seen[(DelayCounted.WAIT, *key, "2.0")] == 1
    assert seen[(DelayCounted.WAIT, *key, "sum")] == 47 * HOUR
    assert seen[(DelayCounted.END_TO_END, *key, "10.0")] == 1
    assert seen[(DelayCounted.SENT_BACK, *key, "")] == 2


def test_closed_in_the_window_by_as_of(db: Engine, sla: SlaTimer) -> None:
    store(
        db,
        sla,
        *AUGUST,
        PAID,
        submitted("b1", "B", "2026-08-24T10:00:00+08:00", channel="offline", branch="DPS"),
        ev("b2", "B", "documents_completed", "2026-08-24T11:00:00+08:00"),
        ev("b3", "B", "rejected", "2026-09-01T10:00:00+08:00"),
        submitted("c1", "C", "2026-08-24T10:00:00+07:00"),  # still waiting
    )
    start = parse_rfc3339("2026-08-01T00:00:00+07:00")
    end = parse_rfc3339("2026-09-01T00:00:00+07:00")
    with session_scope(db) as session:
        august = closed_delays(session=session, window_start=start, window_end=end, as_of=end)
        everything = closed_delays(
            session=session,
            window_start=start,
            window_end=end + 7 * 24 * HOUR,
            as_of=end + 7 * 24 * HOUR,
        )
        before_paid = closed_delays(
            session=session,
            window_start=start,
            window_end=end,
            as_of=parse_rfc3339("2026-08-31T14:59:59+07:00"),
        )
        dps = closed_delays(
            session=session,
            window_start=start,
            window_end=end + 7 * 24 * HOUR,
            as_of=end + 7 * 24 * HOUR,
            branches=["DPS"],
        )
    assert [(d.branch_code, d.send_backs, d.end_to_end) for d in august] == [("JKT", 2, 221 * HOUR)]
    assert sorted(d.branch_code for d in everything) == ["DPS", "JKT"]
    assert before_paid == []
    assert [(d.channel, d.wait, d.send_backs, d.paused) for d in dps] == [("offline", HOUR, 0, 0)]
