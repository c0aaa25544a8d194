"""Each event POST /v1/events rejects is logged with its index, its event_id and the reason,
and no other text of the event reaches the log (docs/api.md)."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from sla_monitor.domain.events import EventError, parse_events
from sla_monitor.domain.policy import SlaConfig
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.entrypoints.api.rejections import MASK, loggable_reason
from sla_monitor.observability.logs import JsonFormatter, TextFormatter

from .test_api import AUTH, NOW, Clock, event, make_client

SECRET = "Rahasia"  # in every value of the rejected events below but their event_id


def rejection_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage() == "ingest: rejected an event"]


def test_each_rejected_event_is_one_line_with_its_index_id_and_reason(
    db: Engine, sla: SlaTimer, caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = make_client(db, sla, Clock(NOW))
    batch: list[Any] = [
        event("E1"),
        event("E2", nama=f"Budi {SECRET}"),
        event("E3", "paid", amount=f"5000000 {SECRET}"),
        event("E4", f"submitted-{SECRET}"),
        f"text, {SECRET}",
        event("E6", claim_id=f"C-{SECRET}", channel=f"online-{SECRET}"),
        event("E7", occurred_at=f"2026-11-16T09:00:00+07:00 {SECRET}"),
        event("E8"),  # a second submitted for C1: the store's own reason
        {"event_id": "E9", f"x-{SECRET}\u2028forged log line": 1},
    ]
    caplog.set_level(logging.INFO, logger="sla_monitor.api")
    response = client.post("/v1/events", json={"events": batch}, headers=AUTH)
    rejected = response.json()["rejected"]
    assert [r["index"] for r in rejected] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert any(SECRET in r["error"] for r in rejected)  # the sender is told everything

    records = rejection_records(caplog)
    fields = [(r.index, r.event_id) for r in records]  # type: ignore[attr-defined]
    assert fields == [(r["index"], r["event_id"]) for r in rejected]
    reasons = {r.index: r.reason for r in records}  # type: ignore[attr-defined]
    assert reasons[1].startswith(f"field(s) {MASK} look like personal data, which sla-monitor")
    assert reasons[2].startswith("'amount' must be a whole number") and reasons[2].endswith(MASK)
    assert reasons[4] == "an event must be a JSON object, got str"
    assert reasons[7].startswith(f"claim {MASK} was already submitted by event {MASK}")
    assert records[3].event_id is None  # type: ignore[attr-defined]

    for formatter in (JsonFormatter(), TextFormatter()):
        lines = [formatter.format(record) for record in records]
        assert len("\n".join(lines).splitlines()) == len(records)
        for line in lines:
            assert SECRET.casefold() not in line.casefold() and "Budi" not in line, line
            assert "5000000" not in line and "forged" not in line, line
    json_line = json.loads(JsonFormatter().format(records[0]))
    assert (json_line["index"], json_line["event_id"]) == (1, "E2")


def test_an_accepted_batch_logs_no_rejection(
    db: Engine, sla: SlaTimer, caplog: pytest.LogCaptureFixture
) -> None:
    client, _ = make_client(db, sla, Clock(NOW))
    caplog.set_level(logging.INFO, logger="sla_monitor.api")
    client.post("/v1/events", json={"events": [event("E1")]}, headers=AUTH)
    assert rejection_records(caplog) == []


MARK = "Qz7"
marked = st.builds(lambda a, b: f"{a}{MARK}{b}", st.text(max_size=30), st.text(max_size=30))
values = st.recursive(
    marked | st.integers().map(lambda n: int(f"{abs(n)}7357")) | st.floats(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(marked, inner, max_size=3),
    max_leaves=6,
)
FIELD_NAMES = ("claim_id", "type", "occurred_at", "channel", "branch_code", "amount", "reason")


@settings(max_examples=300, deadline=None)
@given(
    changes=st.dictionaries(st.sampled_from(FIELD_NAMES) | marked, values, min_size=1),
)
def test_no_text_of_an_event_survives_in_its_logged_reason(
    config: SlaConfig, changes: dict[str, Any]
) -> None:
    """Whatever an event holds (here, a mark in every value and unknown field name, and 7357
    ending every number), its logged reason holds none of it."""
    raw = event("E1") | changes
    (item,) = parse_events([raw], now=NOW, channels=config.channels, branches=config.branches)
    if not isinstance(item, EventError):
        return
    vocabulary = {*config.channels, *config.branches, "E1"}
    reason = loggable_reason(str(item), raw, vocabulary | {"event_id"})
    assert MARK.casefold() not in reason.casefold() and "7357" not in reason, (str(item), reason)
    assert "\n" not in reason and "\r" not in reason
