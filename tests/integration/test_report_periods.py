"""Reports of a period, grouped by channel, branch or region (docs/rules.md#reports).

A period is counted by the rules of a day applied to the whole window, so its closed, met,
breached and new breaches are the sums of its days' figures.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import parse_rfc3339
from sla_monitor.render.documents import report_json
from sla_monitor.services.demo import demo_events
from sla_monitor.services.reports import Filters, Period, default_report_as_of, period_report
from sla_monitor.store.db import session_scope

from .helpers import store

LATER = parse_rfc3339("2026-06-01T00:00:00Z")
MARCH = (date(2026, 3, 1), date(2026, 3, 31))
ADDED = ("closed", "met", "breached", "new_breaches")


@pytest.fixture
def demo_month(db: Engine, sla: SlaTimer) -> Engine:
    store(db, sla, *demo_events(config=sla.config, per_day=15, seed=3, now=LATER), now=LATER)
    return db


def report(db: Engine, sla: SlaTimer, period: Period) -> dict[str, Any]:
    as_of = default_report_as_of(sla, period.last, LATER)
    with session_scope(db) as session:
        return report_json(
            period_report(session=session, sla=sla, period=period, as_of=as_of), sla.config
        )


def keyed(rows: list[dict[str, Any]], *keys: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {tuple(r[k] for k in keys): r for r in rows}


@pytest.mark.parametrize(("by", "keys"), [("channel", ("channel",)), ("branch", ("branch_code",))])
def test_a_period_counts_the_sums_of_its_days(
    demo_month: Engine, sla: SlaTimer, by: str, keys: tuple[str, ...]
) -> None:
    month = report(demo_month, sla, Period(*MARCH, by=by))
    days: Counter[tuple[Any, ...]] = Counter()
    day = MARCH[0]
    while day <= MARCH[1]:
        for key, row in keyed(
            report(demo_month, sla, Period(day, day, by=by))["summary"], *keys, "goal"
        ).items():
            for field in ADDED:
                days[(*key, field)] += row[field]
        day += timedelta(days=1)
    rows = keyed(month["summary"], *keys, "goal")
    assert sum(r["closed"] for r in rows.values()) > 100  # the month has something to count
    for key, row in rows.items():
        assert {f: row[f] for f in ADDED} == {f: days[(*key, f)] for f in ADDED}, key
    assert (month["date"], month["from"], month["to"], month["by"]) == (
        None,
        "2026-03-01",
        "2026-03-31",
        by,
    )


def test_branch_and_region_rows_name_their_group_and_add_up_to_the_totals(
    demo_month: Engine, sla: SlaTimer
) -> None:
    by_branch = report(demo_month, sla, Period(*MARCH, by="branch"))
    first = by_branch["summary"][0]
    office = sla.config.branches[first["branch_code"]]
    assert (first["branch_name"], first["region"]) == (office.name, office.region)
    assert len(by_branch["summary"]) == len(sla.config.branches)  # every branch, even if idle
    compliance = [r["compliance"] for r in by_branch["summary"] if r["compliance"] is not None]
    assert compliance == sorted(compliance)  # worst first; nothing closed comes last
    idle = [r["compliance"] is None for r in by_branch["summary"]]
    assert idle == sorted(idle)  # the branches that closed nothing come after the others
    by_region = report(demo_month, sla, Period(*MARCH, by="region"))
    regions = {b.region for b in sla.config.branches.values()}
    assert {r["region"] for r in by_region["summary"]} == regions
    for data in (by_branch, by_region):
        (total,) = data["totals"]
        for name in (*ADDED, "open_breached", "at_risk"):
            assert total[name] == sum(r[name] for r in data["summary"]), name
    assert by_region["totals"] == by_branch["totals"]


def test_filters_narrow_the_rows_and_are_stated(demo_month: Engine, sla: SlaTimer) -> None:
    region = sla.config.branches["DPS"].region
    narrowed = report(
        demo_month,
        sla,
        Period(*MARCH, by="branch", filters=Filters(channels=("online",), regions=(region,))),
    )
    assert narrowed["filters"] == {"channel": ["online"], "branch": [], "region": [region]}
    codes = {r["branch_code"] for r in narrowed["summary"]}
    assert codes == {c for c, b in sla.config.branches.items() if b.region == region}
    assert all(b["channel"] == "online" and b["branch_code"] in codes for b in narrowed["breaches"])
    everything = report(demo_month, sla, Period(*MARCH, by="branch"))
    whole = keyed(everything["summary"], "branch_code", "goal")
    # Narrowed to one channel, no branch can count more than it did for every channel.
    for key, row in keyed(narrowed["summary"], "branch_code", "goal").items():
        assert all(row[f] <= whole[key][f] for f in ADDED), key
