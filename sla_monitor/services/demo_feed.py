"""The synthetic claims `serve --demo` feeds: the demo month once if the store is empty,
then a few live claims a second, through the same import path as a file."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import Instant
from sla_monitor.services.demo import LiveFeed, demo_events
from sla_monitor.services.import_files import SourceLine, import_lines
from sla_monitor.store.db import session_scope
from sla_monitor.store.queries import claim_count

log = logging.getLogger("sla_monitor.demo")


class DemoFeeder:
    """A thread feeding synthetic claims until `stop`."""

    def __init__(self, *, db: Engine, sla: SlaTimer, clock: Callable[[], Instant]):
        self.db, self.sla, self.clock = db, sla, clock
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, name="demo-feeder", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=10)

    def feed(self, raws: list[dict[str, object]]) -> None:
        lines = iter([SourceLine(i + 1, raw=r) for i, r in enumerate(raws)])
        import_lines(lines, source="demo", db=self.db, sla=self.sla, clock=self.clock)

    def run(self) -> None:
        try:
            with session_scope(self.db) as session:
                empty = claim_count(session=session) == 0
            if empty:
                self.feed(demo_events(config=self.sla.config, per_day=40, now=self.clock()))
            live = LiveFeed(self.sla.config)
            while not self.stopping.wait(1.0):
                self.feed(live.tick(self.clock()))
        except OperationalError as exc:
            log.error(
                "demo feeder stopped: the database is unavailable (%s)",
                type(exc.orig or exc).__name__,
            )
