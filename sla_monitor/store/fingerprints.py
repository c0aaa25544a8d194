"""The calendar fingerprints goals were computed with, each kept once (docs/calendar.md)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from sla_monitor.domain.calendar_data import HOLIDAYS_VERSION, Fingerprint
from sla_monitor.domain.timeutil import Instant
from sla_monitor.store.tables import FINGERPRINTS, GOALS


@dataclass(frozen=True)
class StoredFingerprint:
    fingerprint: Fingerprint
    holidays_version: str  # the `holidays` release it was first computed with
    first_used_at: Instant


def keep(*, session: Session, fingerprints: Iterable[Fingerprint], now: Instant) -> None:
    """Store the fingerprints not stored yet, in the caller's transaction."""
    wanted = {f.digest: f for f in fingerprints}
    if not wanted:
        return
    c = FINGERPRINTS.c
    query = select(c.digest).where(c.digest.in_(sorted(wanted)))
    for (digest,) in session.connection().execute(query):
        del wanted[digest]
    if not wanted:
        return
    postgres = session.get_bind().dialect.name == "postgresql"
    statement = (postgresql if postgres else sqlite).insert(FINGERPRINTS)
    # Another writer may store the same fingerprint at the same moment: either row will do.
    session.execute(
        statement.on_conflict_do_nothing(index_elements=["digest"]),
        [
            {
                "digest": digest,
                "calendar_id": f.calendar,
                "holidays_version": HOLIDAYS_VERSION,
                "dates": f.to_json(),
                "first_used_at": now,
            }
            for digest, f in sorted(wanted.items())
        ],
    )


def stored(*, session: Session, in_use: bool = False) -> list[StoredFingerprint]:
    """Every fingerprint kept, oldest first; with `in_use`, only those some goal still
    names (a scan of the goals for one no goal names: for the occasional `calendar diff`)."""
    c = FINGERPRINTS.c
    query = select(c.digest, c.calendar_id, c.holidays_version, c.dates, c.first_used_at)
    if in_use:
        g = GOALS.c
        query = query.where(exists().where(g.calendar_fingerprint == c.digest))
    rows = session.connection().execute(query.order_by(c.first_used_at, c.digest))
    return [
        StoredFingerprint(Fingerprint.from_json(calendar_id, dates), version, first_used_at)
        for _digest, calendar_id, version, dates, first_used_at in rows
    ]
