"""The import's floors measure what they say: the raw write puts every row of the store into
a fresh store of the same schema, and the SLA core runs over every submitted claim."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.engine import make_url

from bench import floors, workload
from sla_monitor.config import load_config
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.store.db import make_engine, upgrade
from tests.conftest import postgres_schema_url


def filled(url: str, sla: SlaTimer) -> None:
    db = make_engine(url)
    upgrade(db)
    workload.fill_store(db=db, sla=sla, workload=workload.Workload(60, seed=3))
    db.dispose()


def test_the_rows_written_raw_are_the_stores_rows(tmp_path: Path, db_url: str) -> None:
    sla = SlaTimer(load_config(workload.write_config(tmp_path / "config", branches=20)))
    filled(db_url, sla)
    source = make_engine(db_url)
    stored = floors.stored_rows(source)
    source.dispose()
    names = {s.table for s in stored}
    assert {"events", "claims", "claim_goals", "goal_versions", "metric_counters"} <= names
    if db_url.startswith("sqlite"):
        target_url = f"sqlite:///{tmp_path / 'floor.db'}"
        upgrade(make_engine(target_url))
        seconds = floors.write_sqlite(stored, Path(make_url(target_url).database or ""))
        check(target_url, stored, seconds)
    else:
        for target_url in postgres_schema_url():
            upgrade(make_engine(target_url))
            schema = target_url.rsplit("%3D", 1)[1]
            conninfo = make_url(target_url).set(drivername="postgresql")
            seconds = floors.write_postgres(stored, conninfo.render_as_string(False), schema)
            check(target_url, stored, seconds)


def check(url: str, stored: list[floors.StoredRows], seconds: float) -> None:
    assert seconds > 0
    target = make_engine(url)
    again = {s.table: sorted(map(repr, s.rows)) for s in floors.stored_rows(target)}
    target.dispose()
    assert again == {s.table: sorted(map(repr, s.rows)) for s in stored}


def test_the_core_runs_over_each_submitted_claim_once(tmp_path: Path) -> None:
    config = load_config(workload.write_config(tmp_path / "config", branches=20))
    path = tmp_path / "events.jsonl"
    events = list(workload.events(config, workload.Workload(40, seed=4)))
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    claims = floors.histories(path)
    submitted = {e["claim_id"] for e in events if e["type"] == "submitted"}
    assert sorted(c.claim_id for c, _ in claims) == sorted(submitted)
    distinct = {e["event_id"] for e in events if e["claim_id"] in submitted}
    assert sum(len(history) for _, history in claims) == len(distinct) < len(events)
    assert floors.core_seconds(SlaTimer(config), claims) > 0
