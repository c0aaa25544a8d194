"""A deterministic month of synthetic JHT claims, so a newcomer sees a meaningful report.

Realistic in shape, not in numbers: the three channels, every branch, incomplete
documents, rejections, cancellations, late payments, claims still open, events delivered
out of order and a few delivered twice. The same seed always gives the same events.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from datetime import date, datetime, time, timedelta
from typing import Any

from sla_monitor.domain.calendar import working_dates
from sla_monitor.domain.policy import Branch, SlaConfig
from sla_monitor.domain.timeutil import Instant, format_rfc3339, from_datetime

DEFAULT_MONTH = date(2026, 3, 1)  # includes Nyepi, Idul Fitri and their cuti bersama
CHANNEL_WEIGHTS = {"online": 0.62, "offline": 0.35, "collective": 0.03}
EMPLOYERS = [f"EMP-{n:05d}" for n in range(1, 41)]


class _Month:
    def __init__(self, config: SlaConfig, month: date, rng: random.Random):
        self.config, self.rng = config, rng
        self.days = working_dates(config.calendars["default"], month.year, month.year + 1)
        self.branches = list(config.branches.values())
        # Larger offices first in the file get more claims: a simple, stable skew.
        self.branch_weights = [1.0 / (1 + i / 6) for i in range(len(self.branches))]
        channels = [c for c in config.channels if c in CHANNEL_WEIGHTS] or list(config.channels)
        self.channels = channels
        self.channel_weights = [CHANNEL_WEIGHTS.get(c, 0.1) for c in channels]

    def working_day_after(self, day: date, count: int) -> date:
        return self.days[bisect_right(self.days, day) + count - 1]

    def at(self, day: date, branch: Branch, start_hour: float, end_hour: float) -> Instant:
        second = self.rng.randint(int(start_hour * 3600), int(end_hour * 3600))
        moment = datetime.combine(day, time(0), tzinfo=branch.zone) + timedelta(seconds=second)
        return from_datetime(moment)


def demo_events(
    *,
    config: SlaConfig,
    month: date = DEFAULT_MONTH,
    per_day: int = 120,
    seed: int = 2022,
    now: Instant,
) -> list[dict[str, Any]]:
    """Every event of the demo month, in delivery order (shuffled, with a few repeats)."""
    rng = random.Random(seed)
    world = _Month(config, month, rng)
    events: list[dict[str, Any]] = []
    serial = 0
    day = month
    while day.month == month.month:
        weekend = day.weekday() >= 5
        count = per_day // 4 if weekend else per_day
        claims = 0
        while claims < count:
            channel = "online" if weekend else rng.choices(world.channels, world.channel_weights)[0]
            branch = rng.choices(world.branches, world.branch_weights)[0]
            group = rng.randint(5, 25) if channel == "collective" else 1
            employer, batch = rng.choice(EMPLOYERS), f"BATCH-{day:%y%m%d}-{serial:05d}"
            for _ in range(group):
                serial += 1
                claim_id = f"DEMO-{day:%y%m}-{serial:06d}"
                extra = (
                    {"employer_id": employer, "batch_id": batch} if channel == "collective" else {}
                )
                events.extend(_claim(world, claim_id, channel, branch, day, extra))
            claims += group
        day += timedelta(days=1)
    events = [e for e in events if e["_at"] <= now]
    for e in events:
        del e["_at"]
    repeats = rng.sample(events, k=len(events) // 100)
    events.extend(dict(e) for e in repeats)
    rng.shuffle(events)
    return events


def claim_event(
    claim_id: str, seq: int, kind: str, at: Instant, branch: Branch, fields: dict[str, Any]
) -> dict[str, Any]:
    """One synthetic event of a claim, its time in RFC 3339 in the branch's zone."""
    return {
        "event_id": f"{claim_id}-{seq:02d}",
        "claim_id": claim_id,
        "type": kind,
        "occurred_at": format_rfc3339(at, branch.zone),
        **fields,
    }


def _claim(
    world: _Month, claim_id: str, channel: str, branch: Branch, day: date, extra: dict[str, str]
) -> list[dict[str, Any]]:
    rng = world.rng
    steps: list[tuple[str, Instant, dict[str, Any]]] = []
    if channel == "online":
        submitted = world.at(day, branch, 6, 23)
        interview_day = world.working_day_after(day, rng.choice([1, 1, 2]))
        interview = world.at(interview_day, branch, 8, 15)
        steps += [
            ("submitted", submitted, extra),
            ("interview_scheduled", submitted + 600_000_000, {}),
        ]
        completed = interview + rng.randint(20, 60) * 60_000_000
    else:
        submitted = world.at(day, branch, 8, 14.5)
        steps.append(("submitted", submitted, extra))
        completed = submitted + rng.randint(15, 180) * 60_000_000
    steps.append(("documents_completed", completed, {}))
    clock_day = datetime.fromtimestamp(completed / 1e6, branch.zone).date()
    lateness = rng.random()
    delay = rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5]) if lateness > 0.1 else rng.randint(6, 9)
    if rng.random() < 0.18:  # documents found incomplete, completed again later
        gap_day = world.working_day_after(clock_day, 1)
        incomplete = world.at(gap_day, branch, 8, 15)
        steps.append(
            ("documents_incomplete", incomplete, {"reason": "surat keterangan kerja tidak terbaca"})
        )
        fixed = incomplete + rng.randint(1, 8) * 86_400_000_000
        steps.append(("documents_completed", fixed, {}))
        clock_day = datetime.fromtimestamp(fixed / 1e6, branch.zone).date()
    outcome = rng.random()
    finish_day = world.working_day_after(clock_day, delay)
    finish = world.at(finish_day, branch, 8, 16)
    if outcome < 0.02:
        steps.append(
            (
                "cancelled",
                world.at(world.working_day_after(clock_day, 1), branch, 8, 16),
                {"reason": "dibatalkan oleh peserta"},
            )
        )
    elif outcome < 0.06:
        steps.append(("rejected", finish, {"reason": "saldo JHT sudah dicairkan sebelumnya"}))
    elif outcome < 0.10:
        steps.append(("verified", finish - 7_200_000_000, {}))  # still waiting for approval
    else:
        steps += [
            ("verified", finish - 7_200_000_000, {}),
            ("approved", finish - 3_600_000_000, {}),
            ("paid", finish, {"amount": rng.randint(2_000, 150_000) * 1000}),
        ]
    out = []
    for seq, (kind, at, fields) in enumerate(steps, start=1):
        event = {**claim_event(claim_id, seq, kind, at, branch, fields), "_at": at}
        if kind == "submitted":
            event.update(channel=channel, branch_code=branch.code)
        out.append(event)
    return out


class LiveFeed:
    """A stream of synthetic claims happening now, for `serve --demo`: a few claims a
    second, most paid within a minute, some left open, some cancelled or rejected."""

    def __init__(self, config: SlaConfig, seed: int = 2022):
        self.rng = random.Random(seed)
        self.branches = list(config.branches.values())
        self.channels = list(config.channels)
        self.pending: list[tuple[Instant, dict[str, Any]]] = []
        self.serial = 0

    def tick(self, now: Instant) -> list[dict[str, Any]]:
        """The events that have happened by `now` and were not handed out yet."""
        for _ in range(self.rng.randint(1, 3)):
            self._new_claim(now)
        due = [event for at, event in self.pending if at <= now]
        self.pending = [(at, event) for at, event in self.pending if at > now]
        return due

    def _new_claim(self, now: Instant) -> None:
        self.serial += 1
        branch = self.rng.choice(self.branches)
        claim_id = f"LIVE-{now // 1_000_000}-{self.serial:06d}"
        steps: list[tuple[str, Instant, dict[str, Any]]] = [
            (
                "submitted",
                now,
                {"channel": self.rng.choice(self.channels), "branch_code": branch.code},
            ),
            ("documents_completed", now, {}),
        ]
        later = now + self.rng.randint(5, 60) * 1_000_000
        fate = self.rng.random()
        if fate < 0.05:
            steps.append(("cancelled", later, {}))
        elif fate < 0.10:
            steps.append(("rejected", later, {"reason": "data kepesertaan tidak sesuai"}))
        elif fate < 0.85:
            steps.append(("paid", later, {"amount": self.rng.randint(2_000, 150_000) * 1000}))
        for seq, (kind, at, fields) in enumerate(steps, start=1):
            self.pending.append((at, claim_event(claim_id, seq, kind, at, branch, fields)))
