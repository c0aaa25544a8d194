"""Where an import's parsed batches go: into the store, each batch committed before it is
counted, or, for `import --dry-run`, into one transaction that is rolled back at the end.

A dry run classifies every event exactly as an import would (against the stored events and
the earlier batches of the same input: duplicates, conflicts, waiting claims) because it does
store them, in a transaction nobody else sees; it holds every claim meanwhile, so other
writers wait for it to end.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

from sla_monitor.domain.events import Event, EventError
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import Instant
from sla_monitor.services.accept_events import store_events
from sla_monitor.store.batches import IngestResult, ingest_in
from sla_monitor.store.db import session_scope
from sla_monitor.store.locks import lock_all_claims
from sla_monitor.store.waiting import stored_branches, unsubmitted

T = TypeVar("T")


@dataclass(frozen=True)
class ImportTarget:
    db: Engine
    sla: SlaTimer
    rehearsal: Session | None = None  # the dry run's transaction, rolled back at the end

    @property
    def dry_run(self) -> bool:
        return self.rehearsal is not None

    def store(self, items: Sequence[Event | EventError], received_at: Instant) -> IngestResult:
        """Store a parsed batch's valid events; `items[i]` is an event or why it is not one."""
        if self.rehearsal is None:
            return store_events(db=self.db, sla=self.sla, items=items, received_at=received_at)
        types = self.sla.config.goal_event_types
        return ingest_in(
            self.rehearsal, items=items, received_at=received_at, goal_event_types=types
        )

    def stored_branches(self, claim_ids: Collection[str]) -> dict[str, str]:
        """The branch the store knows for each of these claims (waiting.stored_branches)."""
        return self.read(lambda session: stored_branches(session=session, claim_ids=claim_ids))

    def unsubmitted(self, claim_ids: Collection[str]) -> set[str]:
        """Those of these claims with no stored submitted event (waiting.unsubmitted)."""
        return self.read(lambda session: unsubmitted(session=session, claim_ids=claim_ids))

    def read(self, query: Callable[[Session], T]) -> T:
        """A query of the store as this import sees it (a dry run: with what it stored)."""
        if self.rehearsal is not None:
            return query(self.rehearsal)
        with session_scope(self.db) as session:
            return query(session)


@contextmanager
def dry_run_target(db: Engine, sla: SlaTimer) -> Iterator[ImportTarget]:
    """A target whose every batch is stored in one transaction, rolled back however it ends."""
    with Session(db, expire_on_commit=False) as session:
        try:
            lock_all_claims(session)
            yield ImportTarget(db, sla, rehearsal=session)
        finally:
            session.rollback()
