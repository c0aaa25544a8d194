"""Bulk inserts store exactly what SQLAlchemy's own inserts store."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.exc import IntegrityError

from sla_monitor.domain.timeutil import parse_rfc3339
from sla_monitor.store.bulk import insert_rows
from sla_monitor.store.counters import add, read
from sla_monitor.store.db import session_scope
from sla_monitor.store.instants import naive_utc, sqlite_instant, sqlite_text
from sla_monitor.store.tables import EVENTS


def row(event_id: str, occurred_at: str) -> dict[str, object]:
    return {
        "event_id": event_id,
        "claim_id": "C1",
        "type": "verified",
        "occurred_at": parse_rfc3339(occurred_at),
        "channel": None,
        "branch_code": "JKT",
        "employer_id": None,
        "batch_id": None,
        "amount": 1500000,
        "reason": "tab\there, ünïcode",
        "received_at": parse_rfc3339("2026-03-02T02:00:00.000001Z"),
    }


def test_bulk_rows_equal_sqlalchemy_rows(db: Engine) -> None:
    stamps = ["2026-03-02T09:00:00+07:00", "1999-12-31T23:59:59.5Z", "2026-03-02T09:00:00.123456Z"]
    with session_scope(db) as session:
        session.execute(insert(EVENTS), [row(f"orm-{i}", s) for i, s in enumerate(stamps)])
        insert_rows(session, EVENTS, [row(f"bulk-{i}", s) for i, s in enumerate(stamps)])
    with db.connect() as connection:
        # The raw stored values, as another program would see them.
        stored = {
            r.event_id: tuple(r[1:])
            for r in connection.execute(
                text(
                    "SELECT event_id, CAST(occurred_at AS TEXT), CAST(received_at AS TEXT),"
                    " amount, reason, channel, branch_code FROM events"
                )
            )
        }
    for i in range(len(stamps)):
        assert stored[f"bulk-{i}"] == stored[f"orm-{i}"]
    # Compared with a bound instant the way every query compares: 09:00+07:00 is 02:00Z,
    # not after it; only the .123456 stamp is, once from each kind of insert.
    with session_scope(db) as session:
        later = session.execute(
            select(func.count()).where(EVENTS.c.occurred_at > parse_rfc3339("2026-03-02T02:00:00Z"))
        ).scalar_one()
    assert later == 2


@given(st.integers(-(10**16) * 6, 2 * 10**17))
def test_sqlite_text_is_sqlalchemys_text_and_reads_back(instant: int) -> None:
    text = sqlite_text(instant)
    assert text == naive_utc(instant).isoformat(" ", "microseconds")
    assert sqlite_instant(text) == instant


def test_a_unique_key_taken_by_a_bulk_insert_is_sqlalchemys_integrity_error(db: Engine) -> None:
    # PostgreSQL's COPY raises the driver's error; `transactions.retrying` runs a batch again
    # only on SQLAlchemy's, as it would for an INSERT.
    with session_scope(db) as session:
        insert_rows(session, EVENTS, [row("taken", "2026-03-02T09:00:00+07:00")])
    with pytest.raises(IntegrityError), session_scope(db) as session:
        insert_rows(session, EVENTS, [row("taken", "2026-03-02T10:00:00+07:00")])
    with db.connect() as connection:
        stored = connection.execute(select(func.count()).select_from(EVENTS)).scalar_one()
    assert stored == 1


def test_counters_are_added_to_by_one_driver_statement(
    db: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Text and numbers skip SQLAlchemy's compilation (an import adds thousands of counters a
    # chunk); the sums are what the upsert must give on either database.
    from sqlmodel import Session

    def compiled(*_: object, **__: object) -> None:
        raise AssertionError("the counters went through SQLAlchemy's compiled statement")

    key = ("sla_breaches_total", "online", "payment", "JKT", "")
    with session_scope(db) as session:
        add(session=session, increments={key: 2})
    with session_scope(db) as session:
        monkeypatch.setattr(Session, "execute", compiled)
        add(session=session, increments={key: 3, (*key[:4], "late"): 1})
    monkeypatch.undo()
    with session_scope(db) as session:
        assert read(session=session) == {key: 5, (*key[:4], "late"): 1}
