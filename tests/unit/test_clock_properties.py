"""Properties of the SLA clock that must hold for every event history (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from sla_monitor.domain.calendar import Calendars
from sla_monitor.domain.goals import (
    ClockEvent,
    Phase,
    Status,
    event_order,
    prefix_traces,
    record,
    state_at,
    trace,
)
from sla_monitor.domain.policy import (
    Branch,
    CalendarSpec,
    Goal,
    HolidaySource,
    Policy,
    SlaConfig,
    parse_target,
)
from sla_monitor.domain.timer import Claim, SlaTimer
from sla_monitor.domain.timeutil import parse_rfc3339

BASE = parse_rfc3339("2026-03-09T00:00:00+07:00")
HOUR = 3_600_000_000
SPEC = CalendarSpec(
    id="default",
    weekdays=frozenset(range(5)),
    office_hours=None,
    holidays=HolidaySource("ID", ("public", "government")),
)
OFFICE = replace(SPEC, id="office", office_hours=(time(8), time(16)))
CALENDARS = Calendars({"default": SPEC, "office": OFFICE})
ZONES = [ZoneInfo("Asia/Jakarta"), ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jayapura")]
TARGETS = ["5 working days", "1 working day", "8 working hours", "36 hours", "90 minutes"]
TYPES = ["documents_completed", "documents_incomplete", "verified", "paid", "rejected", "cancelled"]


def goal(target: str, *, reset: bool = False) -> Goal:
    unit = parse_target(target)
    return Goal(
        id="payment",
        channels=frozenset({"online"}),
        start=frozenset({"documents_completed"}),
        pause=frozenset({"documents_incomplete"}),
        resume=frozenset({"documents_completed"}),
        reset=frozenset({"verified"}) if reset else frozenset(),
        stop=frozenset({"paid", "rejected"}),
        cancel=frozenset({"cancelled"}),
        target=unit,
        calendar="office" if unit.unit == "working_hours" else "default",
    )


events_strategy = st.lists(
    st.tuples(st.sampled_from(TYPES), st.integers(0, 24 * 40)),  # hours after BASE (40 days)
    min_size=1,
    max_size=12,
).map(lambda xs: [ClockEvent(f"e{i}", kind, BASE + h * HOUR) for i, (kind, h) in enumerate(xs)])


@settings(max_examples=300, deadline=None)
@given(
    events=events_strategy,
    target=st.sampled_from(TARGETS),
    zone=st.sampled_from(ZONES),
    pause_at=st.integers(0, 24 * 40),
    pause_hours=st.integers(1, 24 * 6),
)
def test_adding_a_pause_never_moves_the_deadline_earlier(
    events: list[ClockEvent], target: str, zone: ZoneInfo, pause_at: int, pause_hours: int
) -> None:
    g = goal(target)
    time = CALENDARS.working_time(g.target.unit, g.calendar, zone)
    # Only histories without a pause of their own, so the added pair is a clean pause.
    plain = [e for e in events if e.type not in ("documents_incomplete", "cancelled")]
    paused = [
        *plain,
        ClockEvent("p1", "documents_incomplete", BASE + pause_at * HOUR),
        ClockEvent("p2", "documents_completed", BASE + (pause_at + pause_hours) * HOUR),
    ]
    as_of = BASE + 24 * 60 * HOUR
    before = state_at(g, trace(g, plain), as_of, time)
    after = state_at(g, trace(g, paused), as_of, time)
    if (
        before.due_at is not None
        and after.due_at is not None
        and before.started_at == after.started_at
    ):
        assert after.due_at >= before.due_at


@settings(max_examples=300, deadline=None)
@given(
    events=events_strategy,
    target=st.sampled_from(TARGETS),
    zone=st.sampled_from(ZONES),
    reset=st.booleans(),
    later=st.integers(0, 24 * 30),
)
def test_the_materialised_record_agrees_with_the_full_computation(
    events: list[ClockEvent], target: str, zone: ZoneInfo, reset: bool, later: int
) -> None:
    g = goal(target, reset=reset)
    time = CALENDARS.working_time(g.target.unit, g.calendar, zone)
    tr = trace(g, events)
    stored = record(g, tr, time)
    as_of = max(e.occurred_at for e in events) + later * HOUR
    full = state_at(g, tr, as_of, time)
    assert stored.status_at(as_of) is full.status
    if stored.phase in (Phase.RUNNING, Phase.STOPPED):
        assert stored.due_at == full.due_at
    if stored.phase is Phase.PAUSED and full.status is Status.BREACHED:
        assert stored.due_at == full.due_at


@settings(max_examples=200, deadline=None)
@given(
    events=events_strategy, target=st.sampled_from(TARGETS), seed=st.randoms(use_true_random=False)
)
def test_arrival_order_and_repeats_change_nothing(
    events: list[ClockEvent], target: str, seed: object
) -> None:
    g = goal(target)
    time = CALENDARS.working_time(g.target.unit, g.calendar, ZONES[1])
    shuffled = [*events, *events[:3]]
    seed.shuffle(shuffled)  # type: ignore[attr-defined]
    as_of = BASE + 24 * 50 * HOUR
    assert state_at(g, trace(g, shuffled), as_of, time) == state_at(
        g, trace(g, events), as_of, time
    )


@settings(max_examples=200, deadline=None)
@given(events=events_strategy, cut=st.integers(0, 24 * 40))
def test_a_claim_viewed_as_of_a_past_instant_ignores_later_events(
    events: list[ClockEvent], cut: int
) -> None:
    g = goal("5 working days")
    config = SlaConfig(
        report_timezone="Asia/Jakarta",
        channels=("online",),
        calendars={"default": SPEC},
        policies=(Policy("p", date(2022, 7, 7), (g,)),),
        branches={"DPS": Branch("DPS", "Denpasar", "Bali", "Asia/Makassar")},
    )
    engine = SlaTimer(config, CALENDARS)
    claim = Claim("C1", "online", "DPS", BASE)
    as_of = BASE + cut * HOUR
    seen = engine.view(claim, events, as_of).goals[0]
    time = CALENDARS.working_time(g.target.unit, g.calendar, ZoneInfo("Asia/Makassar"))
    assert seen == state_at(g, trace(g, [e for e in events if e.occurred_at <= as_of]), as_of, time)
    if all(e.occurred_at > as_of for e in events):
        assert seen.status is Status.NOT_STARTED


@settings(max_examples=200, deadline=None)
@given(
    events=events_strategy,
    target=st.sampled_from(TARGETS),
    reset=st.booleans(),
    cut=st.integers(-24, 24 * 45),
)
def test_the_goal_version_valid_at_any_instant_is_the_view_then(
    events: list[ClockEvent], target: str, reset: bool, cut: int
) -> None:
    """What a past-day report reads instead of replaying: the stored version at as_of."""
    g = goal(target, reset=reset)
    config = SlaConfig(
        report_timezone="Asia/Jakarta",
        channels=("online",),
        calendars={"default": SPEC, "office": OFFICE},
        policies=(Policy("p", date(2022, 7, 7), (g,)),),
        branches={"DPS": Branch("DPS", "Denpasar", "Bali", "Asia/Makassar")},
    )
    engine = SlaTimer(config, CALENDARS)
    claim = Claim("C1", "online", "DPS", BASE + 5 * HOUR)
    _, (versions,) = engine.versions(claim, events)
    _, (final,) = engine.records(claim, events)
    assert versions[-1].record == final and versions[-1].valid_to is None
    for earlier, later in pairwise(versions):
        assert earlier.valid_to == later.valid_from and earlier.record != later.record
    as_of = BASE + cut * HOUR
    valid = [v for v in versions if v.valid_from <= as_of < (v.valid_to or as_of + 1)]
    view = engine.view(claim, events, as_of).goals[0]
    if as_of < claim.submitted_at:
        assert not valid and view.status is Status.NOT_STARTED
        return
    (version,) = valid
    assert version.record.status_at(as_of) is view.status
    if version.record.phase in (Phase.RUNNING, Phase.STOPPED):
        assert version.record.due_at == view.due_at


@settings(max_examples=300, deadline=None)
@given(events=events_strategy, reset=st.booleans())
def test_each_prefix_trace_is_the_trace_of_that_prefix_alone(
    events: list[ClockEvent], reset: bool
) -> None:
    """The one-pass traces a claim's versions are built from (also after a stop or cancel,
    when later events must change nothing: rule 6)."""
    g = goal("5 working days", reset=reset)
    ordered = sorted(events, key=event_order)
    prefixes = list(prefix_traces(g, ordered))
    assert len(prefixes) == len(ordered)
    for k, seen in enumerate(prefixes):
        assert seen == trace(g, ordered[: k + 1])
        assert seen == trace(g, list(reversed(ordered[: k + 1])))  # trace sorts for itself
