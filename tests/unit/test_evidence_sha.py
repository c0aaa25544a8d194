"""The events SHA-256 of docs/explain.md#the-events-sha-256: defined by the events alone."""

from __future__ import annotations

import hashlib

from sla_monitor.domain.events import Event
from sla_monitor.domain.evidence import canonical_line, events_sha256
from sla_monitor.domain.timeutil import parse_rfc3339

A = Event("e2", "JHT-1", "submitted", parse_rfc3339("2026-03-16T09:00:00+07:00"),
          channel="online", branch_code="JKT")  # fmt: skip
B = Event("e1", "JHT-1", "documents_incomplete", parse_rfc3339("2026-03-16T02:00:00Z"),
          reason="KTP tidak terbaca — ulang")  # fmt: skip


def test_the_lines_are_canonical_json_in_utc() -> None:
    assert canonical_line(A) == (
        '{"branch_code":"JKT","channel":"online","claim_id":"JHT-1","event_id":"e2",'
        '"occurred_at":"2026-03-16T02:00:00Z","type":"submitted"}'
    )
    assert "—" in canonical_line(B)  # as itself, not \u2014


def test_the_order_is_the_instant_then_the_event_id_whatever_the_stored_order() -> None:
    expected = hashlib.sha256(
        (canonical_line(B) + "\n" + canonical_line(A) + "\n").encode("utf-8")
    ).hexdigest()
    assert events_sha256([A, B]) == events_sha256([B, A]) == expected
    assert events_sha256([A]) != events_sha256([A, B])
