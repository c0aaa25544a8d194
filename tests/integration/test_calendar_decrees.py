"""A calendar missing a year's decree is loud in the service: its log and /metrics.

The missing decree is simulated by a calendar without the `government` category (what a
`holidays` release without that year's cuti bersama gives); listing the years in
`decree_years` marks them reviewed and silences both.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from sla_monitor.domain.calendar_data import HOLIDAYS_VERSION
from sla_monitor.domain.policy import HolidaySource, SlaConfig
from sla_monitor.domain.recording import Snapshot
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import parse_rfc3339
from sla_monitor.entrypoints.scheduler import Monitor
from sla_monitor.observability.metrics import Exposition

from .helpers import NOW

DECEMBER = parse_rfc3339("2026-12-04T10:00:00+07:00")
NEW_YEAR = parse_rfc3339("2027-01-01T00:00:05+07:00")


def without_decrees(config: SlaConfig, *, reviewed: frozenset[int] = frozenset()) -> SlaConfig:
    spec = config.calendars["default"]
    spec = replace(spec, holidays=HolidaySource("ID", ("public",)), decree_years=reviewed)
    return replace(config, calendars={**config.calendars, "default": spec})


def decree_series(config: SlaConfig, at: int) -> dict[tuple[str, ...], float]:
    exposition = Exposition(Snapshot(loaded=True, evaluated_at=at), config)
    found = {}
    for family in text_string_to_metric_families(exposition.render().decode()):
        for sample in family.samples:
            if sample.name.startswith("sla_calendar_"):
                found[(sample.name, *sorted(sample.labels.items()))] = sample.value
    return found  # type: ignore[return-value]


def test_the_gauge_shows_the_current_and_next_year(config: SlaConfig) -> None:
    series = decree_series(config, DECEMBER)
    known = "sla_calendar_decree_known"
    assert series[(known, ("calendar", "default"), ("year", "2026"))] == 1
    assert series[(known, ("calendar", "default"), ("year", "2027"))] == 1
    start = "sla_calendar_year_start_timestamp_seconds"
    # 1 January 2027 00:00 in Jakarta is 31 December 2026 17:00 UTC.
    assert series[(start, ("year", "2027"))] == NEW_YEAR // 1_000_000 - 5
    assert len(series) == 4


def test_the_gauge_is_zero_for_a_year_whose_decree_is_missing(config: SlaConfig) -> None:
    series = decree_series(without_decrees(config), DECEMBER)
    assert series[("sla_calendar_decree_known", ("calendar", "default"), ("year", "2026"))] == 0
    assert series[("sla_calendar_decree_known", ("calendar", "default"), ("year", "2027"))] == 0
    reviewed = decree_series(without_decrees(config, reviewed=frozenset({2027})), DECEMBER)
    assert reviewed[("sla_calendar_decree_known", ("calendar", "default"), ("year", "2026"))] == 0
    assert reviewed[("sla_calendar_decree_known", ("calendar", "default"), ("year", "2027"))] == 1


def test_the_gauge_moves_on_with_the_year(config: SlaConfig) -> None:
    series = decree_series(config, NEW_YEAR)
    years = {dict(key[1:]).get("year") for key in series}
    assert years == {"2027", "2028"}


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    found = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    caplog.clear()
    return [m for m in found if m.startswith("calendar:")]


def test_serve_warns_at_start_and_at_each_new_year(
    db: Engine, config: SlaConfig, caplog: pytest.LogCaptureFixture
) -> None:
    now = [DECEMBER]
    monitor = Monitor(
        db=db, sla=SlaTimer(without_decrees(config)), interval=30, clock=lambda: now[0]
    )
    caplog.set_level(logging.WARNING, logger="sla_monitor")
    monitor.start()
    try:
        started = warnings(caplog)
    finally:
        monitor.stop()
    assert len(started) == 2, started
    assert "2026: NO decree on cuti bersama" in started[0]
    assert "2027: NO decree on cuti bersama" in started[1]
    monitor.tick()
    assert warnings(caplog) == []  # once a year, not once a tick
    now[0] = NEW_YEAR
    monitor.tick()
    again = warnings(caplog)
    assert [m.split(":")[1].strip() for m in again] == ["2027", "2028"], again


def test_reviewed_years_silence_the_warning(
    db: Engine, config: SlaConfig, caplog: pytest.LogCaptureFixture
) -> None:
    reviewed = without_decrees(config, reviewed=frozenset({2026, 2027}))
    monitor = Monitor(db=db, sla=SlaTimer(reviewed), interval=30, clock=lambda: DECEMBER)
    caplog.set_level(logging.WARNING, logger="sla_monitor")
    monitor.tick()
    assert warnings(caplog) == []
    # The default configuration knows both years from its data: nothing to say either.
    Monitor(db=db, sla=SlaTimer(config), interval=30, clock=lambda: DECEMBER).tick()
    assert warnings(caplog) == []


def test_every_goal_names_its_calendar_whose_dates_are_kept_once(db: Engine, sla: SlaTimer) -> None:
    from sqlalchemy import text

    from sla_monitor.store.db import session_scope
    from sla_monitor.store.fingerprints import stored

    from .helpers import ev, store, submitted

    for claim in ("C1", "C2"):  # two recomputations, one stored fingerprint
        store(
            db,
            sla,
            submitted(f"{claim}-1", claim, "2026-11-16T09:00:00+07:00"),
            ev(f"{claim}-2", claim, "documents_completed", "2026-11-16T10:00:00+07:00"),
        )
    current = sla.calendars.fingerprint("default")
    with db.connect() as connection:
        named = connection.execute(text("SELECT calendar_fingerprint FROM claim_goals")).scalars()
        assert list(named) == [current.digest, current.digest]
    with session_scope(db) as session:
        (kept,) = stored(session=session)
        assert stored(session=session, in_use=True) == [kept]
    assert kept.fingerprint == current
    assert kept.holidays_version == HOLIDAYS_VERSION
    assert kept.first_used_at == NOW


def test_downgrading_0010_drops_the_fingerprints(db: Engine, sla: SlaTimer) -> None:
    from alembic import command
    from sqlalchemy import inspect

    from sla_monitor.store.db import _alembic_config, head_revision, upgrade

    from .helpers import store, submitted

    store(db, sla, submitted("E1", "C1", "2026-11-16T09:00:00+07:00"))
    command.downgrade(_alembic_config(db), "0009")
    assert "calendar_fingerprint" not in {c["name"] for c in inspect(db).get_columns("claim_goals")}
    assert "calendar_fingerprints" not in inspect(db).get_table_names()
    assert upgrade(db) == ("0009", head_revision())
    store(db, sla, submitted("E2", "C2", "2026-11-16T09:00:00+07:00"))
