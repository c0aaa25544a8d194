"""The periodic evaluation: what time alone changes, and the metrics snapshot (docs/metrics.md).

Events change goals when they arrive (store.batches, then services.recompute), and the
counts of open goals by status with them (store.open_counts). Between events only time
moves a goal, on_track -> at_risk -> breached, at instants already stored (`at_risk_at`,
`due_at`), so an evaluation reads indexed ranges of those instants: it records the breaches
whose deadline has passed and moves the counts from the last evaluation to now, into a small
snapshot that every replica serves.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from sla_monitor.domain.recording import CountKey, Snapshot
from sla_monitor.domain.timeutil import Instant
from sla_monitor.store import counters, evaluator, open_counts
from sla_monitor.store.breaches import record_passed_deadlines
from sla_monitor.store.db import session_scope

log = logging.getLogger("sla_monitor.evaluation")


@dataclass(frozen=True)
class Evaluation:
    breaches_recorded: int
    open_goals: int
    recounted: bool = False  # the counts were rebuilt from every open goal
    # With a recount of counts that were kept: the groups where they differed (should be none).
    drift: dict[CountKey, tuple[int, int]] = field(default_factory=dict)


def evaluate(
    *,
    db: Engine,
    now: Instant,
    clock: Callable[[], Instant] | None = None,
    recount: bool = False,
) -> Evaluation:
    """Record passed deadlines and bring the open-goal counts to `now`, in one transaction.

    The counts move from the last evaluation by the goals whose instants passed since; they
    are rebuilt from every open goal when asked (`recount`), when there are none yet, or when
    `now` is earlier than the instant they describe. A recount of kept counts also compares
    the two and logs every difference.
    """
    with session_scope(db) as session:
        since = evaluator.hold_for_evaluation(session)
        recounting = recount or since is None or now < since
        # The deadlines passed since the last evaluation; all of them on a recount, which
        # also records any an earlier range missed.
        recorded = record_passed_deadlines(session, now, since=None if recounting else since)
        drift: dict[CountKey, tuple[int, int]] = {}
        if recounting:
            counts = open_counts.recount(session, now)
            if since is not None and now >= since:
                kept = open_counts.read(session)
                kept.update(open_counts.advance(session, since, now))
                drift = _differences(kept, counts)
            open_counts.replace_all(session, counts)
        else:
            assert since is not None
            open_counts.apply(session, open_counts.advance(session, since, now))
            open_counts.drop_zeros(session)
        duration = None if clock is None else clock() - now
        evaluator.stamp(session, evaluated_at=now, duration_us=duration)
        total = open_counts.total(session)
    if drift:
        shown = ", ".join(f"{k}: kept {a}, counted {b}" for k, (a, b) in list(drift.items())[:5])
        log.warning(
            "open goal counts had drifted from the goals in %d groups (now rebuilt): %s",
            len(drift),
            shown,
        )
    return Evaluation(recorded, total, recounting, drift)


def _differences(
    kept: Counter[CountKey], counted: Counter[CountKey]
) -> dict[CountKey, tuple[int, int]]:
    return {
        key: (kept[key], counted[key])
        for key in sorted(set(kept) | set(counted))
        if kept[key] != counted[key]
    }


def load_snapshot(*, db: Engine) -> Snapshot:
    with session_scope(db) as session:
        open_goals = dict(open_counts.read(session))
        values = counters.read(session=session)
        last = evaluator.last_evaluation(session)
    return Snapshot(
        open_goals=open_goals,
        counters=values,
        evaluated_at=last.evaluated_at,
        duration_us=last.duration_us,
        loaded=True,
    )
