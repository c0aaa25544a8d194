"""The running service's heart: the periodic tick, leadership, snapshot and readiness.

Every replica ticks every `evaluation_interval` seconds. The one holding the lease
evaluates; every replica then reloads the snapshot from the database, so all replicas
expose the same figures and a scrape never waits for the database.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from .engine import Engine as SlaEngine
from .evaluation import LEASE, Snapshot, evaluate, load_snapshot
from .store import lease
from .store.ingest import materialise_stale
from .timeutil import MICROS, Instant

log = logging.getLogger("sla_monitor.monitor")


class Monitor:
    def __init__(
        self,
        *,
        db: Engine,
        sla: SlaEngine,
        interval: float,
        clock: Callable[[], Instant],
        holder: str | None = None,
    ):
        self.db, self.sla, self.interval, self.clock = db, sla, interval, clock
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.snapshot = Snapshot()
        self.leading = False
        self.last_error: str | None = None
        self._lock = threading.Lock()
        self._scheduler: BackgroundScheduler | None = None
        self._on_snapshot: list[Callable[[Snapshot], object]] = []

    def on_snapshot(self, listener: Callable[[Snapshot], object]) -> None:
        """Give `listener` each snapshot as it is loaded, in the loading thread."""
        self._on_snapshot.append(listener)

    def _load_snapshot(self) -> None:
        snapshot = load_snapshot(db=self.db)
        for listener in self._on_snapshot:
            listener(snapshot)
        self.snapshot = snapshot

    @property
    def lease_ttl(self) -> int:
        return int(3 * self.interval * MICROS)

    def tick(self) -> None:
        """Evaluate if this replica leads, then reload the snapshot. Never raises."""
        with self._lock:
            started = self.clock()
            try:
                self.leading = lease.acquire(
                    db=self.db, name=LEASE, holder=self.holder, now=started, ttl=self.lease_ttl
                )
                if self.leading:
                    # Claims an interrupted import left stale are finished first.
                    materialise_stale(db=self.db, sla=self.sla, now=started)
                    evaluate(db=self.db, now=started, clock=self.clock)
                self._load_snapshot()
                self.last_error = None
            except SQLAlchemyError as exc:
                self.last_error = f"database unavailable: {type(exc).__name__}"
                log.warning("evaluation tick failed: %s", exc.__class__.__name__)

    def readiness(self) -> str | None:
        """None when ready; else the reason, for /readyz."""
        try:
            with self.db.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            return f"database unavailable: {type(exc).__name__}"
        evaluated = self.snapshot.evaluated_at
        if evaluated is None:
            return "no evaluation has completed yet"
        age = (self.clock() - evaluated) / MICROS
        if age > 3 * self.interval:
            return f"the last evaluation is {age:.0f} s old (interval {self.interval:g} s)"
        return None

    def start(self) -> None:
        # Serve the stored figures from the first scrape: counters that showed 0 until the
        # first tick would look like resets to Prometheus.
        try:
            self._load_snapshot()
        except SQLAlchemyError as exc:
            log.warning("could not load the metrics snapshot at start: %s", type(exc).__name__)
        scheduler = BackgroundScheduler(timezone=UTC)
        scheduler.add_job(
            self.tick,
            "interval",
            seconds=self.interval,
            next_run_time=datetime.now(UTC),
            max_instances=1,
            coalesce=True,
            id="evaluation",
        )
        scheduler.start()
        self._scheduler = scheduler

    def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
        try:
            lease.release(db=self.db, name=LEASE, holder=self.holder)
        except SQLAlchemyError:
            log.warning("could not release the evaluation lease; it expires by itself")
