"""The running service's heart: the periodic tick, leadership, snapshot and readiness.

Every replica ticks every `evaluation_interval` seconds. The one holding the lease
evaluates; every replica then reloads the snapshot from the database, so all replicas
expose the same figures and a scrape never waits for the database.

Events are acknowledged once stored; the claims they touched are marked stale, and the
leader recomputes their goals in the background, woken by its own API and polling for the
other replicas' (a claim touched by many batches is recomputed once, not once a batch).
Each tick finishes that work before it evaluates, so every figure it publishes counts every
event stored before it began.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from sla_monitor.domain.calendar_data import decree_statuses
from sla_monitor.domain.recording import Snapshot
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import MICROS, Instant, local_date
from sla_monitor.services.evaluate import evaluate, load_snapshot
from sla_monitor.services.recompute import recompute_stale
from sla_monitor.store import evaluator
from sla_monitor.store.evaluator import LEASE

log = logging.getLogger("sla_monitor.monitor")
# How often the leader looks for claims stored stale by another replica (its own API wakes
# it at once): a query of one partial index, and the lag of a replica's events in reports.
RECOMPUTE_POLL = 1.0
# A pass starts once the posts pause this long, or once they have kept coming for as long as
# the last pass took (never longer than RECOMPUTE_GATHER_MAX): under a burst, a claim that
# many batches touch is then recomputed once, and the API has the process in between.
RECOMPUTE_GATHER = 0.5
RECOMPUTE_GATHER_MAX = 10.0
# The open-goal counts are kept current by every change (store.open_counts); the leader
# still counts them in full on its first evaluation and then this often, which checks
# them (any difference is logged) at the cost of one scan of the open goals.
RECOUNT_EVERY = 3600 * MICROS


def gather(
    woken: threading.Event,
    stopping: threading.Event,
    *,
    quiet: float,
    longest: float,
    monotonic: Callable[[], float] = time.monotonic,
) -> None:
    """Wait while `woken` keeps being set: until it stays unset for `quiet` seconds, `longest`
    seconds have passed, or `stopping` is set. Clears `woken`."""
    until = monotonic() + longest
    while True:
        woken.clear()
        remaining = until - monotonic()
        if remaining <= 0 or stopping.is_set() or not woken.wait(min(quiet, remaining)):
            return


class Monitor:
    def __init__(
        self,
        *,
        db: Engine,
        sla: SlaTimer,
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
        self._stale = threading.Event()  # set when this replica stored events
        self._stopping = threading.Event()
        self._recomputer: threading.Thread | None = None
        self._scheduler: BackgroundScheduler | None = None
        self._on_snapshot: list[Callable[[Snapshot], object]] = []
        self._recounted_at: Instant | None = None  # as leader; None when not leading
        self._decrees_checked: int | None = None  # the year whose decrees were last checked

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
            self.check_decrees(started)
            try:
                self.leading = evaluator.acquire(
                    db=self.db, name=LEASE, holder=self.holder, now=started, ttl=self.lease_ttl
                )
                if self.leading:
                    # Claims stored stale (by the API, or an interrupted import) first.
                    recompute_stale(db=self.db, sla=self.sla, now=started)
                    last = self._recounted_at
                    recount = last is None or started - last >= RECOUNT_EVERY
                    evaluate(db=self.db, now=started, clock=self.clock, recount=recount)
                    if recount:
                        self._recounted_at = started
                else:
                    self._recounted_at = None
                self._load_snapshot()
                self.last_error = None
            except SQLAlchemyError as exc:
                self.last_error = f"database unavailable: {type(exc).__name__}"
                log.warning("evaluation tick failed: %s", exc.__class__.__name__)

    def check_decrees(self, now: Instant) -> None:
        """Log a warning for each calendar that does not know this year's or next year's
        decree on cuti bersama: at start, and again when a new year begins."""
        config = self.sla.config
        year = local_date(now, config.report_zone).year
        if year == self._decrees_checked:
            return
        self._decrees_checked = year
        for status in decree_statuses(config, (year, year + 1)):
            if not status.known:
                log.warning("calendar: %s", status.describe())

    def wake(self) -> None:
        """Events were stored: have the leader recompute their claims' goals now."""
        self._stale.set()

    def recompute_stale(self) -> int:
        """Recompute the goals of the stale claims (one pass); returns how many. Never raises.
        Between passes an evaluation can take its turn, however fast events arrive."""
        with self._lock:
            try:
                return recompute_stale(db=self.db, sla=self.sla, now=self.clock())
            except SQLAlchemyError as exc:
                log.warning("recomputing stale claims failed: %s", exc.__class__.__name__)
                return 0

    def _recompute_loop(self) -> None:
        last_pass = 0.0
        while not self._stopping.is_set():
            self._stale.wait(RECOMPUTE_POLL)
            longest = min(max(RECOMPUTE_GATHER, last_pass), RECOMPUTE_GATHER_MAX)
            gather(self._stale, self._stopping, quiet=RECOMPUTE_GATHER, longest=longest)
            if self.leading and not self._stopping.is_set():
                started = time.monotonic()
                self.recompute_stale()
                last_pass = time.monotonic() - started

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
        self.check_decrees(self.clock())
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
        self._stopping.clear()
        self._recomputer = threading.Thread(
            target=self._recompute_loop, name="recomputer", daemon=True
        )
        self._recomputer.start()

    def stop(self) -> None:
        self._stopping.set()
        self._stale.set()
        if self._recomputer is not None:
            self._recomputer.join()
            self._recomputer = None
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
        try:
            evaluator.release(db=self.db, name=LEASE, holder=self.holder)
        except SQLAlchemyError:
            log.warning("could not release the evaluation lease; it expires by itself")
