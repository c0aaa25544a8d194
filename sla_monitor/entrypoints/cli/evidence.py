"""`sla-monitor evidence`: an offline evidence pack of a period's breaches (or of all its
goals), and checking a pack made earlier against the database (docs/explain.md#an-evidence-pack)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from sla_monitor.bootstrap import wall_clock
from sla_monitor.domain.evidence import MANIFEST, file_sha256
from sla_monitor.domain.periods import PeriodError, period_dates
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import format_rfc3339, local_date
from sla_monitor.entrypoints.cli.app import (
    Context,
    app,
    as_of_option,
    fail,
    friendly_errors,
    out,
    progress_bar,
)
from sla_monitor.entrypoints.cli.options import Branches, FirstDate, LastDate, PeriodAsOf
from sla_monitor.entrypoints.cli.output import current_umask
from sla_monitor.entrypoints.cli.reports import check_filters
from sla_monitor.render.i18n import _, n_, text
from sla_monitor.services.evidence import Mismatch, changed_claims, pack_claims, pack_goals
from sla_monitor.services.reports import Filters, Period, default_report_as_of
from sla_monitor.store.db import session_scope


class PackStatus(StrEnum):
    breached = "breached"
    all = "all"


@app.command(
    "evidence",
    epilog="Example: sla-monitor evidence --from 2026-03-01 --to 2026-03-31 --branch JKT "
    "--output pack-jkt-2026-03",
)
def evidence_command(
    ctx: typer.Context,
    first: FirstDate = None,
    last: LastDate = None,
    branch: Branches = None,
    status: Annotated[
        PackStatus,
        typer.Option(
            help="breached: the goals the period's report lists as breaches; all: every goal "
            "closed in the period or due in it."
        ),
    ] = PackStatus.breached,
    as_of: PeriodAsOf = None,
    target: Annotated[
        str | None,
        typer.Option("--output", help="The folder to create (new, or empty).", show_default=False),
    ] = None,
    check: Annotated[
        str | None,
        typer.Option(
            "--check",
            help="Check the pack in this folder against the database and its own files.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """An offline evidence pack of a period's breaches; --check DIR checks one."""
    context: Context = ctx.obj
    if check is not None:
        if first or last or target:
            fail(_("--check DIR checks a pack: give no --from, --to or --output with it"))
        check_pack(context, Path(check))
        return
    if first is None or last is None or target is None:
        fail(_("give --from, --to and --output DIR (or --check DIR)"))
    destination = Path(target)
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        fail(
            _("{folder}: exists and is not an empty folder; choose a new one").format(folder=target)
        )
    with friendly_errors():
        config = context.config()
        sla = SlaTimer(config)
        now = wall_clock()
        try:
            dates = period_dates(None, first, last, None, None, local_date(now, config.report_zone))
        except PeriodError as exc:
            fail(text(exc.text))
        filters = Filters(branches=tuple(branch or ()))
        check_filters(config, filters)
        period = Period(dates[0], dates[1], "branch", filters)
        moment = as_of_option(as_of, default_report_as_of(sla, dates[1], now))
        pack = {
            "from": dates[0].isoformat(),
            "to": dates[1].isoformat(),
            "timezone": config.report_timezone,
            "as_of": format_rfc3339(moment, config.report_zone),
            "status": status.value,
            "filters": filters.as_json(),
        }
        db = context.database(migrate=False)
        folder = Path(tempfile.mkdtemp(dir=destination.parent, prefix=f".{destination.name}."))
        try:
            with session_scope(db) as session:
                written = write_pack(session, sla, period, pack, moment, folder)
            os.chmod(folder, 0o777 & ~current_umask())
            os.replace(folder, destination)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    claims, goals = written
    out.print(
        n_(
            "evidence pack: {n} claim, {goals} goals, in {folder}",
            "evidence pack: {n} claims, {goals} goals, in {folder}",
            claims,
        ).format(n=claims, goals=goals, folder=target),
        highlight=False,
        markup=False,
    )


def write_pack(
    session: Any, sla: SlaTimer, period: Period, pack: dict[str, Any], as_of: int, folder: Path
) -> tuple[int, int]:
    """Write every file of the pack into `folder`: (claims, goals)."""
    # The pages' templates and charts are loaded only for a pack (docs/cli.md#start-up).
    from sla_monitor.render.evidence import (
        claims_csv,
        goal_rows,
        index_page,
        manifest,
        safe_file_name,
    )
    from sla_monitor.render.timeline import timeline_page

    config = sla.config
    goals, breaches = pack_goals(
        session=session, sla=sla, period=period, as_of=as_of, status=pack["status"]
    )
    (folder / "claims").mkdir()
    files: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    claims: list[tuple[str, str, str]] = []
    with progress_bar(counting="items") as progress:
        task = progress.add_task(_("claims"), total=len(goals))
        for claim in pack_claims(
            session=session, sla=sla, goals=goals, breaches=breaches, as_of=as_of
        ):
            file = safe_file_name(claim.claim_id)
            page = timeline_page(claim.detail, config, goals=[g.goal_id for g in claim.goals])
            files[file] = _write(folder / file, page.encode("utf-8"))
            rows += goal_rows(claim, config, file)
            claims.append((claim.claim_id, file, claim.events_sha256))
            progress.advance(task)
    index = index_page(
        rows, period=(period.first, period.last), pack=pack, as_of=as_of, config=config
    )
    files["index.html"] = _write(folder / "index.html", index.encode("utf-8"))
    files["claims.csv"] = _write(folder / "claims.csv", claims_csv(rows).encode("utf-8"))
    document = manifest(pack=pack, claims=claims, files=files, config=config)
    _write(folder / MANIFEST, (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode())
    return len(claims), len(rows)


def _write(path: Path, content: bytes) -> str:
    path.write_bytes(content)
    os.chmod(path, 0o666 & ~current_umask())  # a pack is for sharing, like any new file of the user
    return file_sha256(content)


def check_pack(context: Context, folder: Path) -> None:
    """Each claim's events and each file against the manifest; exit 1 on any mismatch."""
    try:
        document = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        listed: dict[str, str] = document["files"]
    except (OSError, ValueError, KeyError, TypeError):
        fail(
            _("{folder}: no readable manifest.json, so not an evidence pack").format(folder=folder)
        )
    with friendly_errors():
        context.config()
        db = context.database(migrate=False)
        with session_scope(db) as session:
            found = changed_claims(session=session, manifest=document)
    found += changed_files(folder, listed)
    for mismatch in found:
        out.print(mismatch_text(mismatch), highlight=False, markup=False)
    claims = len(document.get("claims", []))
    if found:
        out.print(
            n_(
                "{n} mismatch: the pack no longer matches",
                "{n} mismatches: the pack no longer matches",
                len(found),
            ).format(n=len(found)),
            highlight=False,
            markup=False,
        )
        raise typer.Exit(1)
    out.print(
        _(
            "the pack matches: the stored events of its {claims} claims and its {files} files"
        ).format(claims=claims, files=len(listed)),
        highlight=False,
        markup=False,
    )


def changed_files(folder: Path, listed: dict[str, str]) -> list[Mismatch]:
    """Each file of the manifest that is missing or whose bytes changed, and each file in the
    folder that the manifest does not list."""
    root = folder.resolve()
    found = []
    for name, sha in sorted(listed.items()):
        path = (root / name).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            found.append(Mismatch("file_missing", name))
        elif file_sha256(path.read_bytes()) != sha:
            found.append(Mismatch("file_changed", name))
    present = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    found += [Mismatch("file_unlisted", n) for n in sorted(present - set(listed) - {MANIFEST})]
    return found


def mismatch_text(m: Mismatch) -> str:
    messages = {
        "events_changed": _("claim {subject!r}: its stored events changed since the pack was made"),
        "claim_gone": _("claim {subject!r}: no event of it is stored any more"),
        "file_changed": _("file {subject}: edited since the pack was made"),
        "file_missing": _("file {subject}: missing"),
        "file_unlisted": _("file {subject}: not in the pack when it was made"),
    }
    return messages[m.kind].format(subject=m.subject)
