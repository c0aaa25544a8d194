"""`sla-monitor verify` and `sla-monitor recompute`: the stored goals proven against their
events, and a changed configuration applied, recording every change."""

from __future__ import annotations

import json
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from sla_monitor.bootstrap import wall_clock
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import format_rfc3339
from sla_monitor.entrypoints.cli.app import (
    Context,
    app,
    count_claims,
    friendly_errors,
    out,
    progress_bar,
)
from sla_monitor.entrypoints.cli.calendar import to_second
from sla_monitor.services.recompute import recompute_stale
from sla_monitor.services.verify import Check, recompute_all, verify
from sla_monitor.store.db import session_scope
from sla_monitor.store.fingerprints import stored as stored_fingerprints


def _print_differences(check: Check, shown: int, verb: str) -> None:
    for d in check.differences[:shown]:
        plain = d.to_json()
        goal = f" goal {d.goal_id}" if d.goal_id else ""
        out.print(
            f"claim {d.claim_id}{goal}: {d.field} {verb} {plain['stored']} -> {plain['recomputed']}",
            highlight=False,
            markup=False,
        )
    if len(check.differences) > shown:
        out.print(f"... and {len(check.differences) - shown} more (--json lists them all)")


def _calendar_changes(check: Check, db: Engine, sla: SlaTimer) -> list[dict[str, object]]:
    """The calendars that changed since some goals were computed, for people and JSON."""
    if not check.outdated_goals:
        return []
    with session_scope(db) as session:
        kept = {k.fingerprint.digest: k for k in stored_fingerprints(session=session)}
    out: list[dict[str, object]] = []
    for (calendar_id, stored_digest), goals in sorted(
        check.outdated_goals.items(), key=lambda item: (item[0][0], item[0][1] or "")
    ):
        before = kept.get(stored_digest) if stored_digest else None
        out.append(
            {
                "calendar": calendar_id,
                "stored_fingerprint": stored_digest,
                "stored_first_used_at": None
                if before is None
                else to_second(before.first_used_at, sla.config),
                "stored_holidays_version": None if before is None else before.holidays_version,
                "current_fingerprint": sla.calendars.fingerprint(calendar_id).digest,
                "claims": check.outdated_claims[(calendar_id, stored_digest)],
                "goals": goals,
            }
        )
    return out


def _print_calendar_changes(changes: list[dict[str, object]], *, verb: str) -> None:
    for c in changes:
        counted = f"{c['claims']} claims ({c['goals']} goals)"
        if c["stored_fingerprint"] is None:
            out.print(
                f"{counted} {verb} computed before calendar fingerprints were kept: whether "
                f"calendar {c['calendar']!r} changed since is not known",
                highlight=False,
                markup=False,
            )
            continue
        since = (
            f", first used {c['stored_first_used_at']} with holidays {c['stored_holidays_version']}"
            if c["stored_first_used_at"]
            else ""
        )
        out.print(
            f"calendar {c['calendar']!r} changed since {counted} {verb} computed: they "
            f"{verb} computed in its version {c['stored_fingerprint']}{since}; it is now "
            f"{c['current_fingerprint']} (`sla-monitor calendar diff` lists the dates)",
            highlight=False,
            markup=False,
        )


@app.command("verify", epilog="Example: sla-monitor verify --json > differences.json")
def verify_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Every difference as JSON.")] = False,
    show: Annotated[int, typer.Option(min=0, help="Differences listed in the text output.")] = 50,
) -> None:
    """Recompute every claim from its events and compare with the stored goals (read only).

    Exit 0 when everything matches, 1 when anything differs.
    """
    context: Context = ctx.obj
    with friendly_errors():
        sla = SlaTimer(context.config())
        db = context.database(migrate=False)
        with progress_bar(counting="claims") as progress:
            task = progress.add_task("verify", total=count_claims(db))
            check = verify(db=db, sla=sla, progress=partial(progress.advance, task))
        calendars = _calendar_changes(check, db, sla)
    if as_json:
        body = {
            "claims": check.claims,
            "goals": check.goals,
            "claims_differing": check.claims_differing,
            "claims_pending": check.stale,
            "calendar_changes": calendars,
            "differences": [d.to_json() for d in check.differences],
        }
        out.print_json(json.dumps(body, ensure_ascii=False))
    else:
        _print_differences(check, show, "stored")
        _print_calendar_changes(calendars, verb="were")
        verdict = (
            "all match"
            if not check.differences
            else (f"{len(check.differences)} differences in {check.claims_differing} claims")
        )
        out.print(f"checked {check.claims} claims, {check.goals} goals: {verdict}")
        if check.stale:
            out.print(
                f"{check.stale} claims not checked: they have events their goals do not "
                "reflect yet (`sla-monitor serve` recomputes them within seconds, as does "
                "`sla-monitor recompute --stale`)"
            )
    raise typer.Exit(1 if check.differences else 0)


@app.command("recompute", epilog="Example: sla-monitor recompute --changes recompute-2026-03.jsonl")
def recompute_command(
    ctx: typer.Context,
    changes: Annotated[
        Path | None,
        typer.Option(help="Write every change applied as JSON lines (an audit record)."),
    ] = None,
    show: Annotated[int, typer.Option(min=0, help="Changes listed in the text output.")] = 50,
    stale: Annotated[
        bool,
        typer.Option(
            "--stale",
            help="Only the claims whose goals do not reflect all their events yet (what an "
            "interrupted import leaves, and `sla-monitor serve` does by itself).",
        ),
    ] = False,
) -> None:
    """Apply the current calendar and policies to stored claims, recording what changed.

    Metrics count reclassified outcomes once (sla_reclassified_total); reports read the
    rewritten goals at once.
    """
    context: Context = ctx.obj
    if stale:
        _recompute_stale(context)
        return
    with friendly_errors(), ExitStack() as stack:
        sla = SlaTimer(context.config())
        db = context.database(migrate=True)
        sink = stack.enter_context(changes.open("w", encoding="utf-8")) if changes else None
        moment = wall_clock()
        with progress_bar(counting="claims") as progress:
            task = progress.add_task("recompute", total=count_claims(db))
            check = recompute_all(
                db=db, sla=sla, now=moment, progress=partial(progress.advance, task)
            )
        if sink:
            for d in check.differences:
                record = {"recomputed_at": format_rfc3339(moment), **d.to_json()}
                sink.write(json.dumps(record, ensure_ascii=False) + "\n")
        calendars = _calendar_changes(check, db, sla)
    _print_differences(check, show, "changed")
    _print_calendar_changes(calendars, verb="had been")
    out.print(
        f"checked {check.claims} claims, {check.goals} goals: "
        f"changed {check.claims_differing} claims ({len(check.differences)} values)"
    )
    if calendars:
        out.print("every goal now records the current calendar it was checked in")


def _recompute_stale(context: Context) -> None:
    with friendly_errors():
        sla = SlaTimer(context.config())
        db = context.database(migrate=True)
        with progress_bar(counting="claims") as progress:
            task = progress.add_task("recompute stale claims", total=None)
            done = recompute_stale(
                db=db, sla=sla, now=wall_clock(), progress=partial(progress.advance, task)
            )
    out.print(f"recomputed the goals of {done} stale claims")
