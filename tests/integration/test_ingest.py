"""The event store: idempotency, claim consistency, orphans, materialised goals (docs/rules.md, docs/events.md)."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from sla_monitor.domain.goals import GoalRecord, Phase, Status
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import format_rfc3339, parse_rfc3339
from sla_monitor.services.claim_view import ClaimDetail, WaitingClaim, claim_detail
from sla_monitor.store.db import session_scope
from sla_monitor.store.queries import waiting_events
from sla_monitor.store.tables import ClaimRow, EventRow, GoalRow

from .helpers import NOW, ev, put, store, submitted


def goal_record(row: GoalRow) -> GoalRecord:
    return GoalRecord(
        goal_id=row.goal_id,
        phase=Phase(row.phase),
        started_at=row.started_at,
        ended_at=row.ended_at,
        due_at=row.due_at,
        at_risk_at=row.at_risk_at,
        elapsed=row.elapsed_us,
        target=row.target_us,
    )


MON = "2026-11-16T09:00:00+07:00"


def count(db: Engine, table: type) -> int:
    with session_scope(db) as session:
        return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def goal_row(db: Engine, claim_id: str) -> GoalRow:
    with session_scope(db) as session:
        row = session.get(GoalRow, (claim_id, "payment"))
        assert row is not None
        return row


def test_a_claim_exists_once_submitted_and_its_goal_is_materialised(
    db: Engine, sla: SlaTimer
) -> None:
    result = store(db, sla, submitted("E1", "C1", MON), ev("E2", "C1", "documents_completed", MON))
    assert (result.accepted, result.duplicates, result.rejected) == (2, 0, [])
    row = goal_row(db, "C1")
    assert row.phase == Phase.RUNNING.value
    # Monday 16 Nov: day 1 is Tue 17, day 5 is Mon 23 -> due at Tue 24 00:00 WIB.
    assert format_rfc3339(row.due_at or 0) == "2026-11-23T17:00:00Z"
    assert row.policy_id == "sla-2022"


def test_duplicates_are_accepted_once_and_conflicts_rejected(db: Engine, sla: SlaTimer) -> None:
    store(db, sla, submitted("E1", "C1", MON))
    again = store(
        db,
        sla,
        submitted("E1", "C1", "2026-11-16T10:00:00+08:00"),  # the same instant, another offset
        {**submitted("E1", "C1", MON), "reason": None},  # null equals absent
        ev("E1", "C1", "paid", MON),
    )
    assert again.accepted == 0 and again.duplicates == 2
    assert [r.index for r in again.rejected] == [2]
    assert "already used for a different event" in again.rejected[0].error
    assert "type" in again.rejected[0].error
    assert count(db, EventRow) == 1


def test_duplicates_inside_one_batch(db: Engine, sla: SlaTimer) -> None:
    result = store(db, sla, submitted("E1", "C1", MON), submitted("E1", "C1", MON))
    assert (result.accepted, result.duplicates) == (1, 1)


def test_a_second_submitted_is_rejected(db: Engine, sla: SlaTimer) -> None:
    result = store(db, sla, submitted("E1", "C1", MON), submitted("E2", "C1", MON))
    assert result.accepted == 1
    assert "already submitted by event 'E1'" in result.rejected[0].error
    later = store(db, sla, submitted("E3", "C1", MON))
    assert "already submitted" in later.rejected[0].error


def test_channel_and_branch_must_match_the_claim(db: Engine, sla: SlaTimer) -> None:
    store(db, sla, submitted("E1", "C1", MON, channel="online", branch="JKT"))
    result = store(
        db,
        sla,
        ev("E2", "C1", "paid", MON, channel="offline"),
        ev("E3", "C1", "paid", MON, branch_code="DPS"),
        ev("E4", "C1", "documents_completed", MON, channel="online", branch_code="JKT"),
    )
    assert result.accepted == 1
    assert "channel 'online', but this event says 'offline'" in result.rejected[0].error
    assert "branch_code 'JKT', but this event says 'DPS'" in result.rejected[1].error


def test_a_bad_neighbour_costs_nothing(db: Engine, sla: SlaTimer) -> None:
    result = store(
        db,
        sla,
        submitted("E1", "C1", MON),
        {"event_id": "E2", "nik": "3171234567890001"},
        ev("E3", "C1", "documents_completed", MON),
    )
    assert result.accepted == 2
    assert [(r.index, r.event_id) for r in result.rejected] == [(1, "E2")]
    assert count(db, EventRow) == 2


def test_orphans_wait_for_their_submitted(db: Engine, sla: SlaTimer) -> None:
    result = store(db, sla, ev("E2", "C1", "documents_completed", MON), ev("E3", "C1", "paid", MON))
    assert result.accepted == 2
    with session_scope(db) as session:
        assert waiting_events(session=session) == 2
        assert claim_detail(session=session, sla=sla, claim_id="C1", as_of=NOW) == WaitingClaim(
            "C1", 2
        )
    assert count(db, ClaimRow) == 0
    store(db, sla, submitted("E1", "C1", "2026-11-16T08:00:00+07:00"))
    with session_scope(db) as session:
        assert waiting_events(session=session) == 0
        detail = claim_detail(session=session, sla=sla, claim_id="C1", as_of=NOW)
    assert isinstance(detail, ClaimDetail)
    assert detail.view.goals[0].status is Status.MET
    assert [e.event_id for e in detail.events] == ["E1", "E2", "E3"]


def test_waiting_events_pin_the_channel_for_the_submitted(db: Engine, sla: SlaTimer) -> None:
    store(db, sla, ev("E2", "C1", "documents_completed", MON, channel="offline"))
    result = store(db, sla, submitted("E1", "C1", MON, channel="online"))
    assert result.accepted == 0
    assert "has waiting events with channel 'offline'" in result.rejected[0].error
    assert store(db, sla, submitted("E1b", "C1", MON, channel="offline")).accepted == 1


def test_a_late_paid_event_turns_a_breach_into_met(db: Engine, sla: SlaTimer) -> None:
    early = "2026-11-02T09:00:00+07:00"  # Monday: due at the end of Monday 9 November
    store(db, sla, submitted("E1", "C1", early), ev("E2", "C1", "documents_completed", early))
    assert goal_record(goal_row(db, "C1")).status_at(NOW) is Status.BREACHED
    # Paid on time (Fri 6 Nov) but delivered after the deadline: event time wins.
    store(db, sla, ev("E3", "C1", "paid", "2026-11-06T11:00:00+07:00"), now=NOW)
    row = goal_row(db, "C1")
    assert row.phase == Phase.STOPPED.value
    assert goal_record(row).status_at(NOW) is Status.MET


def test_untracked_claims_have_no_goals(db: Engine, sla: SlaTimer) -> None:
    store(db, sla, submitted("E1", "OLD", "2021-01-04T09:00:00+07:00"))
    with session_scope(db) as session:
        claim = session.get(ClaimRow, "OLD")
        detail = claim_detail(session=session, sla=sla, claim_id="OLD", as_of=NOW)
    assert claim is not None and claim.policy_id is None
    assert (
        isinstance(detail, ClaimDetail)
        and detail.view.policy_id is None
        and detail.view.goals == ()
    )
    assert count(db, GoalRow) == 0


def test_claim_view_as_of_before_submission(db: Engine, sla: SlaTimer) -> None:
    # documents_completed stamped before the submitted event: before submission nothing runs.
    store(
        db,
        sla,
        ev("E0", "C1", "documents_completed", "2026-11-16T08:00:00+07:00"),
        submitted("E1", "C1", MON),
    )
    with session_scope(db) as session:
        before = claim_detail(session=session, sla=sla, claim_id="C1", as_of=parse_rfc3339(MON) - 1)
        after = claim_detail(session=session, sla=sla, claim_id="C1", as_of=parse_rfc3339(MON))
    assert isinstance(before, ClaimDetail) and before.view.goals[0].status is Status.NOT_STARTED
    assert isinstance(after, ClaimDetail) and after.view.goals[0].status is Status.ON_TRACK


def test_ingest_leaves_claims_stale_until_materialised(db: Engine, sla: SlaTimer) -> None:
    from sla_monitor.services.recompute import recompute_stale

    items = [submitted("E1", "C1", MON), ev("E2", "C1", "documents_completed", MON)]
    assert put(db, sla, items).accepted == 2
    with session_scope(db) as session:
        claim = session.get(ClaimRow, "C1")
        assert claim is not None and claim.stale
    assert count(db, GoalRow) == 0  # as an import interrupted before its end leaves it
    assert recompute_stale(db=db, sla=sla, now=NOW) == 1
    assert goal_row(db, "C1").phase == Phase.RUNNING.value
    with session_scope(db) as session:
        claim = session.get(ClaimRow, "C1")
        assert claim is not None and not claim.stale
    assert recompute_stale(db=db, sla=sla, now=NOW) == 0
    # A later event of a materialised claim makes it stale again, and it is recomputed once.
    paid = [ev("E3", "C1", "paid", "2026-11-20T10:00:00+07:00")]
    assert put(db, sla, paid).accepted == 1
    assert goal_row(db, "C1").phase == Phase.RUNNING.value
    assert recompute_stale(db=db, sla=sla, now=NOW) == 1
    assert goal_row(db, "C1").phase == Phase.STOPPED.value


def test_an_event_no_goal_reacts_to_is_stored_without_recomputing_its_claim(
    db: Engine, sla: SlaTimer
) -> None:
    """`verified` is in no goal's start, pause, resume, reset, stop or cancel: it cannot change
    a goal, so its claim is not marked for recomputation, and the goals still equal a replay."""
    from sla_monitor.services.recompute import recompute_stale
    from sla_monitor.services.verify import verify

    assert sla.config.goal_event_types == {
        "documents_completed",
        "documents_incomplete",
        "paid",
        "rejected",
        "cancelled",
    }
    store(db, sla, submitted("E1", "C1", MON), ev("E2", "C1", "documents_completed", MON))
    stored_goal = goal_row(db, "C1")
    assert put(db, sla, [ev("E3", "C1", "verified", "2026-11-17T10:00:00+07:00")]).accepted == 1
    with session_scope(db) as session:
        claim = session.get(ClaimRow, "C1")
        assert claim is not None and not claim.stale
    assert count(db, EventRow) == 3
    assert recompute_stale(db=db, sla=sla, now=NOW) == 0
    assert goal_row(db, "C1") == stored_goal
    check = verify(db=db, sla=sla)
    assert (check.claims, check.stale, check.differences) == (1, 0, [])
    # In the same batch as an event a goal reacts to, the claim is recomputed with both.
    batch = [
        ev("E4", "C1", "approved", "2026-11-18T10:00:00+07:00"),
        ev("E5", "C1", "paid", "2026-11-18T11:00:00+07:00"),
    ]
    assert put(db, sla, batch).accepted == 2
    assert recompute_stale(db=db, sla=sla, now=NOW) == 1
    assert goal_row(db, "C1").phase == Phase.STOPPED.value


def test_the_same_events_in_concurrent_batches_are_stored_once(db: Engine, sla: SlaTimer) -> None:
    """Four writers post overlapping batches at once: none fails, each event is stored once."""
    from concurrent.futures import ThreadPoolExecutor

    from sla_monitor.services.recompute import recompute_stale

    claims = [f"K{n}" for n in range(60)]
    events = [submitted(f"{c}-1", c, MON) for c in claims]
    events += [ev(f"{c}-2", c, "documents_completed", MON) for c in claims]
    batches = [events[i::3] + events[: len(events) // 2] for i in range(3)] + [events]

    def post(batch: list[dict[str, object]]) -> int:
        return put(db, sla, batch).accepted

    with ThreadPoolExecutor(4) as pool:
        accepted = sum(pool.map(post, batches))
    assert accepted == len(events)
    assert recompute_stale(db=db, sla=sla, now=NOW) == len(claims)
    assert count(db, EventRow) == len(events) and count(db, GoalRow) == len(claims)


def test_a_pass_of_materialisation_ends_while_events_keep_arriving(
    db: Engine, sla: SlaTimer
) -> None:
    """A claim made stale again behind the pass waits for the next pass, so a steady stream
    of posts can never hold up an evaluation that first finishes the stale claims."""
    from sla_monitor.services.recompute import recompute_stale

    first = [submitted(f"{c}1", c, MON) for c in ("A", "B", "C")]
    assert put(db, sla, first).accepted == 3
    posts = iter(range(10))

    def post_for_a(done: int) -> None:  # after every chunk, another event of claim A
        again = [ev(f"A-{next(posts)}", "A", "documents_completed", MON)]
        assert put(db, sla, again).accepted == 1

    assert recompute_stale(db=db, sla=sla, now=NOW, chunk=1, progress=post_for_a) == 3
    assert recompute_stale(db=db, sla=sla, now=NOW) == 1  # A, once, with all its events
    assert goal_row(db, "A").phase == Phase.RUNNING.value


def test_verify_counts_stale_claims_as_pending_and_compares_the_rest(
    db: Engine, sla: SlaTimer
) -> None:
    from sla_monitor.services.verify import verify

    store(db, sla, submitted("E1", "DONE", MON))  # stored and recomputed
    waiting = [submitted("E2", "WAITING", MON)]
    assert put(db, sla, waiting).accepted == 1  # not recomputed yet
    seen: list[int] = []
    check = verify(db=db, sla=sla, progress=seen.append)
    assert (check.claims, check.stale, check.differences) == (1, 1, [])
    assert sum(seen) == 2  # the progress bar counts every claim, checked or pending
