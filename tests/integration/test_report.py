"""The daily report (docs/rules.md#reports) over stored claims, computed by hand for 24 November 2026.

No holidays fall in 16-25 November 2026. With "5 working days" and the start day not counted:
- started Mon 16 Nov  -> due at the end of Mon 23 = Tue 24 00:00 local
- started Tue 17 Nov  -> due at the end of Tue 24 = Wed 25 00:00 local
- started Wed 18 Nov  -> due at the end of Wed 25 = Thu 26 00:00 local
The window is Tue 24 Nov 00:00-24:00 WIB (17:00Z on the 23rd to 17:00Z on the 24th).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import parse_rfc3339
from sla_monitor.render.documents import report_csv, report_json
from sla_monitor.services.reports import daily_report, default_report_as_of
from sla_monitor.store.db import session_scope

from .helpers import ev, store, submitted

DAY = date(2026, 11, 24)
LATER = parse_rfc3339("2026-11-30T00:00:00Z")


@pytest.fixture
def november(db: Engine, sla: SlaTimer) -> Engine:
    result = store(
        db,
        sla,
        # C1: due Tue 24 00:00 WIB, paid 10:00 that day: closed late in the window.
        submitted("1a", "C1", "2026-11-16T08:00:00+07:00"),
        ev("1b", "C1", "documents_completed", "2026-11-16T09:00:00+07:00"),
        ev("1c", "C1", "paid", "2026-11-24T10:00:00+07:00", amount=5_000_000),
        # C2 (Denpasar, WITA): due Wed 25 00:00 WITA = Tue 24 23:00 WIB; open at the end of the day.
        submitted("2a", "C2", "2026-11-17T08:00:00+08:00", channel="offline", branch="DPS"),
        ev("2b", "C2", "documents_completed", "2026-11-17T09:00:00+08:00"),
        # C3: due Wed 25 00:00 WIB; paid Tue 24 15:00 on time.
        submitted("3a", "C3", "2026-11-17T08:00:00+07:00"),
        ev("3b", "C3", "documents_completed", "2026-11-17T09:00:00+07:00"),
        ev("3c", "C3", "paid", "2026-11-24T15:00:00+07:00"),
        # C4: due Thu 26; paid Tue 24 11:00.
        submitted("4a", "C4", "2026-11-18T08:00:00+07:00"),
        ev("4b", "C4", "documents_completed", "2026-11-18T09:00:00+07:00"),
        ev("4c", "C4", "paid", "2026-11-24T11:00:00+07:00"),
        # C5: cancelled: never closed, never breached.
        submitted("5a", "C5", "2026-11-16T08:00:00+07:00"),
        ev("5b", "C5", "documents_completed", "2026-11-16T09:00:00+07:00"),
        ev("5c", "C5", "cancelled", "2026-11-24T09:00:00+07:00"),
        # C6: collective, paid on time in the window.
        submitted("6a", "C6", "2026-11-19T08:00:00+07:00", channel="collective"),
        ev("6b", "C6", "documents_completed", "2026-11-19T09:00:00+07:00"),
        ev("6c", "C6", "paid", "2026-11-24T09:30:00+07:00"),
        # C7: started Tue 17, still open: at the end of Tue 24 it has used all 5 days (at risk).
        submitted("7a", "C7", "2026-11-17T08:00:00+07:00"),
        ev("7b", "C7", "documents_completed", "2026-11-17T10:00:00+07:00"),
        now=LATER,
    )
    assert result.rejected == []
    return db


def summary(
    db: Engine, sla: SlaTimer, as_of: str | None = None, **filters: str
) -> dict[str, dict[str, object]]:
    moment = parse_rfc3339(as_of) if as_of else default_report_as_of(sla, DAY, LATER)
    with session_scope(db) as session:
        report = daily_report(session=session, sla=sla, day=DAY, as_of=moment, **filters)  # type: ignore[arg-type]
    data = report_json(report, sla.config)
    return {
        "as_of": data["as_of"],
        "breaches": data["breaches"],
        **{r["channel"]: r for r in data["summary"]},
    }


def test_the_day_as_computed_by_hand(november: Engine, sla: SlaTimer) -> None:
    got = summary(november, sla)
    assert got["as_of"] == "2026-11-25T00:00:00+07:00"
    assert got["online"] == {
        "channel": "online",
        "goal": "payment",
        "closed": 3,
        "met": 2,
        "breached": 1,
        "compliance": 0.666667,
        "new_breaches": 1,
        "open_breached": 0,
        "at_risk": 1,
    }
    assert got["offline"] == {
        "channel": "offline",
        "goal": "payment",
        "closed": 0,
        "met": 0,
        "breached": 0,
        "compliance": None,
        "new_breaches": 1,
        "open_breached": 1,
        "at_risk": 0,
    }
    assert got["collective"]["closed"] == 1 and got["collective"]["compliance"] == 1.0
    assert got["breaches"] == [
        {
            "claim_id": "C1",
            "channel": "online",
            "branch_code": "JKT",
            "goal": "payment",
            "kind": "closed_late",
            "due_at": "2026-11-24T00:00:00+07:00",
            "stopped_at": "2026-11-24T10:00:00+07:00",
            "overdue_seconds": 36_000,
            "overdue_working_days": 0.42,  # 10 h of Tuesday 24 November, a working day
        },
        {
            "claim_id": "C2",
            "channel": "offline",
            "branch_code": "DPS",
            "goal": "payment",
            "kind": "deadline_passed",
            "due_at": "2026-11-25T00:00:00+08:00",
            "stopped_at": None,
            "overdue_seconds": 3_600,
            "overdue_working_days": 0.04,
        },
    ]


def test_a_past_as_of_replays_claims_with_later_events(november: Engine, sla: SlaTimer) -> None:
    got = summary(november, sla, as_of="2026-11-24T12:00:00+07:00")
    # At noon: C1 (10:00) and C4 (11:00) closed; C3 not yet paid and at risk (4.5 days used),
    # C7 at risk too; C2 (Denpasar) at risk, its deadline still ahead.
    assert (got["online"]["closed"], got["online"]["met"], got["online"]["at_risk"]) == (2, 1, 2)
    assert (
        got["offline"]["new_breaches"],
        got["offline"]["at_risk"],
        got["offline"]["open_breached"],
    ) == (0, 1, 0)
    assert [b["claim_id"] for b in got["breaches"]] == ["C1"]


def test_filters_by_channel_and_branch(november: Engine, sla: SlaTimer) -> None:
    by_channel = summary(november, sla, channel="offline")
    assert set(by_channel) == {"as_of", "breaches", "offline"}
    by_branch = summary(november, sla, branch_code="DPS")
    assert [b["claim_id"] for b in by_branch["breaches"]] == ["C2"]
    assert by_branch["online"]["closed"] == 0


def test_a_day_before_anything_happened_is_empty(november: Engine, sla: SlaTimer) -> None:
    with session_scope(november) as session:
        report = daily_report(
            session=session,
            sla=sla,
            day=date(2026, 11, 1),
            as_of=parse_rfc3339("2026-11-02T00:00:00+07:00"),
        )
    assert report.breaches == [] and all(r.closed == 0 and r.at_risk == 0 for r in report.summary)


def test_csv_lists_the_breaches(november: Engine, sla: SlaTimer) -> None:
    with session_scope(november) as session:
        report = daily_report(
            session=session, sla=sla, day=DAY, as_of=parse_rfc3339("2026-11-25T00:00:00+07:00")
        )
    lines = report_csv(report).splitlines()
    assert lines[0] == (
        "claim_id,channel,branch_code,goal,kind,due_at,stopped_at,overdue_seconds,"
        "overdue_working_days"
    )
    assert lines[2] == "C2,offline,DPS,payment,deadline_passed,2026-11-25T00:00:00+08:00,,3600,0.04"
