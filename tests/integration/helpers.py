"""Building and storing events in tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import parse_rfc3339
from sla_monitor.services.accept_events import accept_events
from sla_monitor.services.recompute import recompute_stale
from sla_monitor.store.batches import IngestResult

NOW = parse_rfc3339("2026-11-22T12:00:00+07:00")


def ev(event_id: str, claim_id: str, kind: str, at: str, **fields: Any) -> dict[str, Any]:
    return {"event_id": event_id, "claim_id": claim_id, "type": kind, "occurred_at": at, **fields}


def submitted(
    event_id: str, claim_id: str, at: str, channel: str = "online", branch: str = "JKT"
) -> dict[str, Any]:
    return ev(event_id, claim_id, "submitted", at, channel=channel, branch_code=branch)


def put(db: Engine, sla: SlaTimer, raws: list[dict[str, Any]], now: int = NOW) -> IngestResult:
    """Store the events as the API does: their claims are left stale, not recomputed."""
    return accept_events(db=db, sla=sla, raws=raws, now=now)


def store(db: Engine, sla: SlaTimer, *raws: dict[str, Any], now: int = NOW) -> IngestResult:
    """Store the events and recompute their claims' goals, as the running service does."""
    result = put(db, sla, list(raws), now)
    recompute_stale(db=db, sla=sla, now=now)
    return result
