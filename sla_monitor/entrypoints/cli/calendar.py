"""`sla-monitor calendar`: a calendar's dates, whether its decrees are known, and what a
change of configuration or of holiday data moves (docs/calendar.md)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine

from sla_monitor.config import load_config
from sla_monitor.domain.calendar import Calendars
from sla_monitor.domain.calendar_data import (
    HOLIDAYS_VERSION,
    Fingerprint,
    calendar_dates,
    changed_dates,
    decree_status,
)
from sla_monitor.domain.policy import FIRST_YEAR, LAST_YEAR, CalendarSpec, SlaConfig
from sla_monitor.domain.timeutil import MICROS, Instant, format_rfc3339
from sla_monitor.entrypoints.cli.app import (
    Context,
    app,
    err,
    fail,
    friendly_errors,
    out,
    warn,
)
from sla_monitor.entrypoints.cli.help import SlaTyper
from sla_monitor.entrypoints.cli.options import AsJson
from sla_monitor.render import calendar_view
from sla_monitor.store.db import session_scope
from sla_monitor.store.fingerprints import stored as stored_fingerprints

calendar_app = SlaTyper(
    help="The dates a working calendar closes and opens, and what changed in them.",
    epilog="Example: sla-monitor calendar --year 2026",
    invoke_without_command=True,
)
app.add_typer(calendar_app, name="calendar")


def _calendar_spec(config: SlaConfig, calendar_id: str) -> CalendarSpec:
    spec = config.calendars.get(calendar_id)
    if spec is None:
        fail(f"--calendar {calendar_id!r} is not defined; defined: {', '.join(config.calendars)}")
    return spec


@calendar_app.callback()
def calendar_command(
    ctx: typer.Context,
    year: Annotated[int, typer.Option(help="The year to list.")] = date.today().year,
    calendar_id: Annotated[
        str, typer.Option("--calendar", help="Calendar id in sla.toml.")
    ] = "default",
    as_json: AsJson = False,
) -> None:
    """List a calendar's holidays, cuti bersama and extra working days, in date order, each
    with its source, and say whether the year's decree (SKB) on cuti bersama is known."""
    if ctx.invoked_subcommand is not None:
        return
    context: Context = ctx.obj
    with friendly_errors():
        config = context.config()
    spec = _calendar_spec(config, calendar_id)
    entries = calendar_dates(spec, year)
    status = decree_status(spec, year)
    if as_json:
        body = {
            "calendar": calendar_id,
            "year": year,
            "holidays_version": HOLIDAYS_VERSION,
            "decree": None if status is None else status.to_json(),
            "dates": [
                {
                    "date": e.day.isoformat(),
                    "weekday": f"{e.day:%a}",
                    "working": e.working,
                    "source": e.source,
                    "name": e.name,
                }
                for e in entries
            ],
        }
        out.print_json(json.dumps(body, ensure_ascii=False))
    else:
        calendar_view.print_calendar(out, spec, year, entries)
    if status is None:
        warn(f"calendar {calendar_id!r} takes no holidays from data: only its configuration")
    elif status.known:
        err.print(status.describe(), highlight=False, markup=False)
    else:
        warn(status.describe())


@calendar_app.command(
    "diff", epilog="Example: sla-monitor calendar diff --from-config previous-config"
)
def calendar_diff_command(
    ctx: typer.Context,
    from_config: Annotated[
        Path | None,
        typer.Option(
            help="A folder with the previous sla.toml and branches.toml. Without it: the "
            "calendars stored goals were computed in, against the current ones.",
            show_default=False,
        ),
    ] = None,
    calendar_id: Annotated[
        str | None, typer.Option("--calendar", help="Only this calendar.", show_default=False)
    ] = None,
    first_year: Annotated[
        int, typer.Option("--from-year", help="First year compared.")
    ] = date.today().year - 5,
    last_year: Annotated[
        int, typer.Option("--to-year", help="Last year compared.")
    ] = date.today().year + 1,
) -> None:
    """The dates that are working in one version of a calendar and closed in the other.

    Exit 0 when nothing differs, 1 when some date does. Then `verify` shows the claims it
    moves and `recompute --changes FILE` applies it (docs/calendar.md).
    """
    context: Context = ctx.obj
    if not FIRST_YEAR <= first_year <= last_year <= LAST_YEAR:
        fail(f"--from-year and --to-year must be in order, within {FIRST_YEAR}-{LAST_YEAR}")
    years = range(first_year, last_year + 1)
    with friendly_errors():
        config = context.config()
        if from_config is not None:
            pairs = _from_configuration(from_config, config)
        else:
            pairs = _from_store(context.database(migrate=False), config)
    if calendar_id is not None:
        _calendar_spec(config, calendar_id)
        pairs = [p for p in pairs if p[1].calendar == calendar_id]
    calendars = Calendars(config.calendars)
    differing = outside = 0
    for label, old, old_spec in pairs:
        spec = config.calendars[old.calendar]
        new = calendars.fingerprint(old.calendar)
        if new.digest == old.digest:
            continue
        changes = changed_dates(old, new, years)
        if not changes and old.weekdays == new.weekdays and old.office_hours == new.office_hours:
            outside += 1
            continue
        differing += 1
        calendar_view.print_calendar_diff(out, label, old, new, changes, spec, old_spec)
    if differing:
        out.print(
            "next: `sla-monitor verify` lists the claims this moves; "
            "`sla-monitor recompute --changes FILE` applies it (docs/calendar.md)"
        )
    elif outside:
        out.print(
            f"no date differs in {first_year}-{last_year}; the calendars differ in other "
            "years (--from-year, --to-year)"
        )
    elif from_config is not None:
        out.print("the calendars are the same in both configurations")
    else:
        out.print("every stored goal was computed in the current calendars")
    raise typer.Exit(1 if differing else 0)


Pair = tuple[str, Fingerprint, CalendarSpec | None]  # what it is, its dates, its names


def _from_configuration(folder: Path, config: SlaConfig) -> list[Pair]:
    """The calendars of the configuration in `folder`, for those still configured."""
    before = load_config(folder)
    calendars = Calendars(before.calendars)
    return [
        (str(folder), calendars.fingerprint(cid), before.calendars[cid])
        for cid in before.calendars
        if cid in config.calendars
    ]


def _from_store(db: Engine, config: SlaConfig) -> list[Pair]:
    """The calendars some stored goal was computed in (no names: the store keeps dates)."""
    with session_scope(db) as session:
        kept = stored_fingerprints(session=session, in_use=True)
    return [
        (
            f"stored {k.fingerprint.digest} (first used {to_second(k.first_used_at, config)}, "
            f"holidays {k.holidays_version})",
            k.fingerprint,
            None,
        )
        for k in kept
        if k.fingerprint.calendar in config.calendars
    ]


def to_second(instant: Instant, config: SlaConfig) -> str:
    return format_rfc3339(instant - instant % MICROS, config.report_zone)
