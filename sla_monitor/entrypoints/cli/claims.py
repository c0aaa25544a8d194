"""`sla-monitor claim`: one claim's events, goals, deadlines and status."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer

from sla_monitor.bootstrap import wall_clock
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.entrypoints.cli.app import Context, app, as_of_option, fail, friendly_errors, out
from sla_monitor.entrypoints.cli.options import AsJson, AsOf
from sla_monitor.entrypoints.cli.output import write_text
from sla_monitor.render import documents, tables
from sla_monitor.render.explain import print_explanations
from sla_monitor.render.i18n import _, n_
from sla_monitor.services.claim_view import ClaimDetail, WaitingClaim, claim_detail
from sla_monitor.store.db import session_scope


class ClaimFormat(StrEnum):
    text = "text"
    html = "html"


@app.command("claim", epilog="Example: sla-monitor claim DEMO-2603-000015 --explain")
def claim_command(
    ctx: typer.Context,
    claim_id: Annotated[str, typer.Argument(metavar="CLAIM_ID", help="The claim to show.")],
    as_json: AsJson = False,
    as_of: AsOf = None,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="After the view, each goal's deadline day by day: the days counted, skipped "
            "and paused (docs/explain.md).",
        ),
    ] = False,
    output_format: Annotated[
        ClaimFormat,
        typer.Option(
            "--format",
            help="text, or html: each goal's timeline as a printable page "
            "(docs/explain.md#the-printable-timeline).",
        ),
    ] = ClaimFormat.text,
    target: Annotated[
        str | None,
        typer.Option("--output", help="Write the html page to this file.", show_default=False),
    ] = None,
) -> None:
    """One claim's events, goals, deadlines and status."""
    context: Context = ctx.obj
    if target is not None and output_format is not ClaimFormat.html:
        fail(_("--output writes the printable timeline: add --format html"))
    if as_json and output_format is ClaimFormat.html:
        fail(_("choose one of --json and --format html"))
    with friendly_errors():
        config = context.config()
        sla = SlaTimer(config)
        moment = as_of_option(as_of, wall_clock())
        db = context.database(migrate=False)
        with session_scope(db) as session:
            detail = claim_detail(session=session, sla=sla, claim_id=claim_id, as_of=moment)
    if detail is None:
        fail(_("no claim {claim!r}: no event of it is stored").format(claim=claim_id), code=1)
    if isinstance(detail, WaitingClaim):
        waiting = n_(
            "claim {claim!r} has not been submitted yet: {n} event is waiting for its "
            "submitted event",
            "claim {claim!r} has not been submitted yet: {n} events are waiting for its "
            "submitted event",
            detail.waiting,
        )
        fail(waiting.format(claim=claim_id, n=detail.waiting), code=1)
    assert isinstance(detail, ClaimDetail)
    if output_format is ClaimFormat.html:
        from sla_monitor.render.timeline import timeline_page  # loaded only for a page

        write_text(target, [timeline_page(detail, config)])
    elif as_json:
        out.print_json(json.dumps(documents.claim_json(detail, config)))
    else:
        tables.print_claim(out, detail, config)
        if explain:
            goals = [g.goal_id for g in detail.view.goals]
            timelines = list(zip(goals, detail.explanations, strict=True))
            print_explanations(out, timelines, detail.view.as_of)
