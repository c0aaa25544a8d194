"""Import with parse workers: the same result, line for line, as parsing inline.

The worker path only starts for an input longer than one batch, so these inputs span
several batches, with bad lines (invalid JSON, invalid events, duplicates and conflicts)
spread over them.
"""

from __future__ import annotations

import io
import json
import pickle

from sqlalchemy import Engine, text

from sla_monitor.domain.events import Event, EventError
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.services.import_files import ImportResult, SourceLine, import_lines, read_jsonl

from .helpers import NOW

BATCH = 7  # small, so 60 lines make many batches and several are in flight at once


def _lines() -> bytes:
    out = []
    for n in range(20):
        claim = f"C{n:03d}"
        out.append(
            {
                "event_id": f"{claim}-s",
                "claim_id": claim,
                "type": "submitted",
                "occurred_at": "2026-03-02T09:00:00+07:00",
                "channel": "online",
                "branch_code": "JKT",
            }
        )
        out.append(
            {
                "event_id": f"{claim}-d",
                "claim_id": claim,
                "type": "documents_completed",
                "occurred_at": "2026-03-02T10:00:00+07:00",
            }
        )
    text_lines = [json.dumps(e) for e in out]
    text_lines.insert(5, "{not json")
    text_lines.insert(17, json.dumps({**out[3], "occurred_at": "2026-03-02T10:00:00"}))
    text_lines.insert(30, json.dumps(out[8]))  # a duplicate
    text_lines.insert(44, json.dumps({**out[9], "type": "paid"}))  # the same id, other content
    text_lines.insert(44, "")  # blank lines are skipped, not rejected
    text_lines.append(json.dumps({**out[2], "event_id": "X", "nik": "3171"}))
    return ("\n".join(text_lines) + "\n").encode()


def _import(db: Engine, sla: SlaTimer, workers: int) -> ImportResult:
    lines = read_jsonl(io.BytesIO(_lines()), lambda _n: None)
    return import_lines(
        lines,
        source="f",
        db=db,
        sla=sla,
        clock=lambda: NOW,
        batch_size=BATCH,
        parse_workers=workers,
    )


def _stored(db: Engine) -> list[tuple[object, ...]]:
    with db.connect() as connection:
        events = connection.execute(
            text("SELECT event_id, claim_id, type, occurred_at FROM events ORDER BY event_id")
        )
        goals = connection.execute(
            text("SELECT claim_id, phase, due_at FROM claim_goals ORDER BY claim_id")
        )
        return [*map(tuple, events), *map(tuple, goals)]


def test_workers_give_the_same_result_as_inline_parsing(db: Engine, sla: SlaTimer) -> None:
    with_workers = _import(db, sla, workers=2)
    stored = _stored(db)
    with db.begin() as connection:
        for table in ("goal_versions", "claim_goals", "claims", "events", "metric_counters"):
            connection.execute(text(f"DELETE FROM {table}"))
    inline = _import(db, sla, workers=0)

    assert (with_workers.accepted, with_workers.duplicates) == (40, 1)
    assert with_workers.recomputed == inline.recomputed == 20
    assert with_workers.rejections == inline.rejections
    assert [(r.line, r.event_id) for r in with_workers.rejections] == [
        (6, None),
        (18, "C001-d"),
        (44, "C004-d"),
        (46, "X"),
    ]
    assert "no UTC offset" in with_workers.rejections[1].reason
    assert _stored(db) == stored


def test_what_crosses_to_a_worker_pickles_whole() -> None:
    event = Event("e", "c", "paid", 5, "online", "JKT", "emp", "b", 10, "why")
    assert pickle.loads(pickle.dumps(event)) == event
    error = pickle.loads(pickle.dumps(EventError("bad time", "e1")))
    assert (str(error), error.event_id) == ("bad time", "e1")
    line = SourceLine(3, raw={"a": 1}, error=None, json='{"b": 2}')
    assert pickle.loads(pickle.dumps(line)) == line
