"""An import computes its claims' goals from the events it stored, without reading them back,
and reads a claim's history from the store whenever what it kept is not all of it."""

from __future__ import annotations

import io
import json
from typing import Any

from sqlalchemy import Engine, text

from sla_monitor.domain.goals import ClockEvent
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import parse_rfc3339
from sla_monitor.services.import_files import import_lines, read_jsonl
from sla_monitor.services.kept_histories import KeptHistories
from sla_monitor.services.verify import verify
from sla_monitor.store.db import session_scope
from sla_monitor.store.queries import histories

from .helpers import NOW, ev, put, store, submitted

DAY = "2026-11-1{}T09:00:00+07:00"


def claim_events(claim_id: str, *, first: int = 0, last: int = 3) -> list[dict[str, Any]]:
    """A claim's lifecycle, or the steps first..last-1 of it."""
    steps = [
        submitted(f"{claim_id}-0", claim_id, DAY.format(0)),
        ev(f"{claim_id}-1", claim_id, "documents_incomplete", DAY.format(1)),
        ev(f"{claim_id}-2", claim_id, "documents_completed", DAY.format(2)),
        ev(f"{claim_id}-3", claim_id, "paid", DAY.format(3)),
    ]
    return steps[first : last + 1]


def imported(
    db: Engine, sla: SlaTimer, events: list[dict[str, Any]], kept_events: int = 1000
) -> int:
    data = "".join(json.dumps(e) + "\n" for e in events).encode()
    result = import_lines(
        read_jsonl(io.BytesIO(data), lambda _n: None),
        source="f",
        db=db,
        sla=sla,
        clock=lambda: NOW,
        batch_size=3,
        kept_events=kept_events,
    )
    assert result.rejections == []
    return result.recomputed


def test_kept_events_are_a_claims_history_only_when_they_are_all_of_it(
    db: Engine, sla: SlaTimer
) -> None:
    put(db, sla, claim_events("OLD", last=1))  # stored before: the caller kept none of them
    put(db, sla, claim_events("NEW") + claim_events("OLD", first=2))
    kept = KeptHistories()
    with session_scope(db) as session:
        stored = histories(session=session, claim_ids=["NEW", "OLD"])
    kept.claims["NEW"] = list(stored["NEW"])
    kept.claims["OLD"] = [e for e in stored["OLD"] if e.event_id >= "OLD-2"]
    kept.claims["GONE"] = [ClockEvent("GONE-0", "submitted", parse_rfc3339(DAY.format(0)))]
    with session_scope(db) as session:
        found = histories(session=session, claim_ids=["NEW", "OLD", "GONE"], known=kept.claims)
    assert found["NEW"] is kept.claims["NEW"]  # not read back
    assert sorted(found["OLD"], key=str) == sorted(stored["OLD"], key=str)  # read: 4 stored
    assert len(found["OLD"]) == 4
    assert found["GONE"] == []  # kept, but the store holds none of it: the store decides


def test_an_import_over_stored_claims_stores_what_a_full_recomputation_gives(
    db: Engine, sla: SlaTimer
) -> None:
    store(db, sla, *claim_events("OLD", last=1))  # recomputed already, from an earlier import
    put(db, sla, claim_events("WAITS", first=1, last=1))  # waiting for its submitted
    events = (
        claim_events("NEW")
        + claim_events("OLD", first=2)
        + claim_events("WAITS", first=0, last=0)
        + claim_events("WAITS", first=2)
    )
    assert imported(db, sla, events) == 3
    check = verify(db=db, sla=sla)
    assert (check.claims, check.differences, check.stale) == (3, [], 0)
    with db.connect() as connection:
        query = text("SELECT claim_id, phase FROM claim_goals WHERE goal_id = 'payment'")
        phases = {claim_id: phase for claim_id, phase in connection.execute(query)}
    assert phases == {"NEW": "stopped", "OLD": "stopped", "WAITS": "stopped"}


def test_claims_past_the_limit_are_read_back_and_stored_the_same(db: Engine, sla: SlaTimer) -> None:
    events = claim_events("A") + claim_events("B") + claim_events("C")
    assert imported(db, sla, events, kept_events=2) == 3  # only A is kept
    check = verify(db=db, sla=sla)
    assert (check.claims, check.differences) == (3, [])


def test_kept_histories_keep_every_event_of_the_claims_they_began_with() -> None:
    from sla_monitor.domain.events import Event

    def event(event_id: str, claim_id: str) -> Event:
        return Event(
            event_id=event_id, claim_id=claim_id, type="paid", occurred_at=0, channel=None,
            branch_code=None, employer_id=None, batch_id=None, amount=None, reason=None,
        )  # fmt: skip

    kept = KeptHistories(limit=2)
    kept.add([event("A-0", "A"), event("B-0", "B"), event("C-0", "C"), event("A-1", "A")])
    assert {c: [e.event_id for e in es] for c, es in kept.claims.items()} == {
        "A": ["A-0", "A-1"],
        "B": ["B-0"],
    }
    assert kept.size == 3
