"""Each claim's delay stored with its goals, and the figures a report counts of them, on
SQLite and PostgreSQL (docs/rules.md#the-delay-before-and-around-the-clock). The claim of
tests/unit/test_delay.py, computed by hand there."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from sla_monitor.domain.delay import DelayCounted
from sla_monitor.domain.delay_figures import ClosedDelay
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

        def closed(*args: Any, **kwargs: Any) -> list[ClosedDelay]:
            return [ClosedDelay(*row) for row in closed_delays(session, *args, **kwargs)]

        august = closed((start, end), end)
        week = end + 7 * 24 * HOUR
        everything = closed((start, week), week)
        before_paid = closed((start, end), parse_rfc3339("2026-08-31T14:59:59+07:00"))
        dps = closed((start, week), week, branches=["DPS"])
    assert [(d.branch_code, d.send_backs, d.end_to_end) for d in august] == [("JKT", 2, 221 * HOUR)]
    assert sorted(d.branch_code for d in everything) == ["DPS", "JKT"]
    assert before_paid == []
    assert [(d.channel, d.wait, d.send_backs, d.paused) for d in dps] == [("offline", HOUR, 0, 0)]


def claim(
    n: int, branch: str, waited: int, sent_back: int, paid_day: int
) -> list[dict[str, object]]:
    """A claim submitted Mon 2 Nov 2026 09:00 WIB, complete `waited` whole days later (no
    holiday in November 2026 before the 24th), sent back and completed again on that day, paid
    on `paid_day` November at 15:00 local."""
    cid, zone = f"K{n}", "+08:00" if branch == "DPS" else "+07:00"
    channel = "offline" if branch == "DPS" else "online"
    day = 2 + waited
    out = [
        submitted(f"{cid}-s", cid, f"2026-11-02T09:00:00{zone}", channel=channel, branch=branch),
        ev(f"{cid}-c", cid, "documents_completed", f"2026-11-{day:02d}T09:00:00{zone}"),
    ]
    for k in range(sent_back):  # an hour of pause each
        out.append(
            ev(f"{cid}-i{k}", cid, "documents_incomplete", f"2026-11-{day:02d}T1{k}:00:00{zone}")
        )
        out.append(
            ev(f"{cid}-r{k}", cid, "documents_completed", f"2026-11-{day:02d}T1{k}:30:00{zone}")
        )
    out.append(ev(f"{cid}-p", cid, "paid", f"2026-11-{paid_day:02d}T15:00:00{zone}"))
    return out


def test_report_figures_are_the_same_on_both_databases(db: Engine, sla: SlaTimer) -> None:
    from datetime import date

    from sla_monitor.render.documents import report_json
    from sla_monitor.services.reports import Period, period_report

    # JKT: waits of 0, 1, 2 (Mon-Wed) and 3 working days; DPS: one claim, waiting 1 day.
    for n, (branch, waited, sent_back) in enumerate(
        [("JKT", 0, 0), ("JKT", 1, 2), ("JKT", 2, 0), ("JKT", 3, 3), ("DPS", 1, 2)]
    ):
        store(
            db,
            sla,
            *claim(n, branch, waited, sent_back, 12),
            now=parse_rfc3339("2026-11-30T00:00:00Z"),
        )
    with session_scope(db) as session:
        report = period_report(
            session=session,
            sla=sla,
            period=Period(date(2026, 11, 1), date(2026, 11, 30), by="branch"),
            as_of=parse_rfc3339("2026-12-01T00:00:00+07:00"),
        )
    data = report_json(report, sla.config)
    rows = {r["group"]: r for r in data["delay"]}
    jkt, dps, total = rows["JKT"], rows["DPS"], data["delay_totals"]
    # Nearest rank of 4: the median is the 2nd smallest, the 90th percentile the 4th.
    assert (jkt["closed"], jkt["wait_median_working_days"], jkt["wait_p90_working_days"]) == (
        4,
        1.0,
        3.0,
    )
    # Mon 2 09:00 to Thu 12 15:00: 15 h + 7 working days + 15 h = 8.25; 10 days 6 h.
    assert jkt["end_to_end_median_working_days"] == jkt["end_to_end_p90_working_days"] == 8.25
    assert jkt["end_to_end_median_days"] == 10.25
    assert (jkt["sent_back_twice"], jkt["sent_back_twice_share"]) == (2, 0.5)
    # Paused 2 and 3 half hours, of clocks from completion to Thu 12 15:00: 15 h on the
    # day, 7, 6, 5 or 4 whole working days (the weekend of 7-8 skipped), 15 h on the 12th.
    clocks = sum(15 + 24 * days + 15 for days in (7, 6, 5, 4))  # hours
    assert jkt["paused_share"] == round(2.5 / clocks, 6)
    assert (dps["closed"], dps["sent_back_twice_share"], dps["wait_median_working_days"]) == (
        1,
        1.0,
        1.0,
    )
    assert (total["closed"], total["sent_back_twice"], total["wait_median_working_days"]) == (
        5,
        3,
        1.0,
    )
    assert [r["group"] for r in data["delay"]][:2] == list(sla.config.branches)[:2]


def test_verify_compares_the_figures_and_recompute_rewrites_them(db: Engine, sla: SlaTimer) -> None:
    from sqlalchemy import delete, update

    from sla_monitor.services.verify import recompute_all, verify

    store(db, sla, *AUGUST, PAID, submitted("b1", "B", "2026-08-24T10:00:00+07:00"))
    assert verify(db=db, sla=sla).differences == []
    with db.begin() as connection:
        connection.execute(update(DELAYS).where(DELAYS.c.claim_id == "A").values(send_backs=5))
        connection.execute(delete(DELAYS).where(DELAYS.c.claim_id == "B"))
    found = [
        (d.claim_id, d.field, d.stored, d.recomputed) for d in verify(db=db, sla=sla).differences
    ]
    assert found == [("A", "delay.send_backs", 5, 2), ("B", "delay.row", "missing", "present")]
    recompute_all(db=db, sla=sla, now=parse_rfc3339("2026-11-30T00:00:00Z"))
    assert verify(db=db, sla=sla).differences == []
