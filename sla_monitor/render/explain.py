"""`sla-monitor claim ID --explain`: each goal's deadline as a timeline of local days, for the
terminal, in the reader's language (docs/explain.md)."""

from __future__ import annotations

from datetime import date, time

from babel.dates import format_date
from rich.console import Console
from rich.table import Table
from rich.text import Text

from sla_monitor.domain.explanation import ExplainedDay, Explanation, Pause
from sla_monitor.domain.midnights import DAY_UNITS
from sla_monitor.domain.timeutil import Instant, to_datetime
from sla_monitor.render.i18n import (
    _,
    deadline_text,
    decimal,
    language,
    moment_text,
    n_,
    span,
    zone_name,
)

# A goal long past its deadline would list every day since: beyond this many, one row says them.
LATE_DAYS_SHOWN = 14


def day_text(day: date) -> str:
    """A date as the claim view writes it: "Sen 16 Mar 2026"."""
    return format_date(day, "EEE d MMM y", locale=language())


def target_text(e: Explanation) -> str:
    """The goal's target in the reader's words: "5 hari kerja"."""
    n = e.amount
    words = {
        "working_days": n_("{n} working day", "{n} working days", n),
        "working_hours": n_("{n} working hour", "{n} working hours", n),
        "hours": n_("{n} hour", "{n} hours", n),
        "minutes": n_("{n} minute", "{n} minutes", n),
    }
    return words[e.unit].format(n=n)


def print_explanations(
    console: Console, goals: list[tuple[str, Explanation | None]], as_of: Instant
) -> None:
    """The timeline of every goal; a goal without a deadline says why it has none."""
    for goal_id, e in goals:
        console.print()
        if e is None:
            console.print(
                Text(
                    _("{goal}: no deadline to explain (not started, or cancelled)").format(
                        goal=goal_id
                    )
                )
            )
            continue
        print_explanation(console, goal_id, e, as_of)


def print_explanation(console: Console, goal_id: str, e: Explanation, as_of: Instant) -> None:
    zone = e.zone
    where = f"{zone.key} ({zone_name(to_datetime(e.due_at, zone))})"
    calendar = e.calendar if e.calendar is not None else _("none: every hour counts")
    console.print(
        Text(
            _("Why {goal} is due when it is: {target}, calendar {calendar}, zone {zone}").format(
                goal=goal_id, target=target_text(e), calendar=calendar, zone=where
            ),
            style="bold",
        )
    )
    console.print(Text(_clock_sentence(e)))
    if e.office_hours is not None:
        console.print(
            Text(_("Office hours: {hours} on working days.").format(hours=_hours(e.office_hours)))
        )
    console.print(_days_table(e))
    for number, pause in enumerate(e.pauses, start=1):
        console.print(Text(_pause_sentence(number, pause, e)))
    console.print(Text(_due_sentence(e, as_of), style="bold"))


def _due_sentence(e: Explanation, as_of: Instant) -> str:
    """The deadline as people read it ("end of ... (24:00 WIB)"), and the day it falls on;
    a paused goal's is labelled a projection."""
    due = deadline_text(e.due_at, e.zone)
    if e.projected:
        line = _("Due (projection): {due}, as if the paused clock resumed at {as_of}.").format(
            due=due, as_of=moment_text(as_of, e.zone)
        )
    else:
        line = _("Due: {due}.").format(due=due)
    reached = next((d.number for d in e.days if d.date == e.due_day), None)
    if e.calendar is None or reached is None:
        return line
    return " ".join((line, _("The target is reached on working day {n}.").format(n=reached)))


def _clock_sentence(e: Explanation) -> str:
    """When and by which event the clock started, and whether its start day counts."""
    event = e.started_by
    values = {
        "moment": moment_text(event.occurred_at, e.zone),
        "type": event.type,
        "event": event.event_id,
    }
    if e.reset:
        started = _("The clock restarted from zero at {moment} ({type}, event {event}).")
    else:
        started = _("The clock started at {moment} ({type}, event {event}).")
    rule = (
        _("Its start day counts.")
        if e.start_day_counted
        else _("Its start day is not counted: day 1 is the first working day after it.")
    )
    return f"{started.format(**values)} {rule}"


def _hours(hours: tuple[time, time]) -> str:
    opens, closes = hours
    end = "24:00" if closes == time(0) else closes.strftime("%H:%M")
    return f"{opens.strftime('%H:%M')}-{end}"


def _days_table(e: Explanation) -> Table:
    table = Table(box=None, pad_edge=False, show_header=True, header_style="bold")
    table.add_column(_("date"))
    table.add_column(_("counted as"))
    table.add_column(_("working time counted"), justify="right")
    in_days = e.unit == "working_days"
    if in_days:
        table.add_column(_("total (working days)"), justify="right")
    if e.office_hours is not None:
        table.add_column(_("office hours"))
    late = [d for d in e.days if d.date > e.due_day]
    shown = e.days if len(late) <= LATE_DAYS_SHOWN else e.days[: len(e.days) - len(late)]
    for d in shown:
        counted = span(d.counted) if d.counted else ""
        cells = [Text(day_text(d.date)), Text(_what(d, e)), Text(counted)]
        if in_days:
            cells.append(Text(decimal(d.toward / DAY_UNITS) if d.number is not None else ""))
        if e.office_hours is not None:
            cells.append(Text(_hours(e.office_hours) if d.working else "-"))
        style = "bold reverse" if d.date == e.due_day else "italic" if d.date == e.start_day else ""
        table.add_row(*cells, style=style)
    if shown is not e.days:
        table.add_row(*_late_summary(late))
    return table


def _late_summary(late: list[ExplainedDay]) -> tuple[Text, Text, Text]:
    """The days after the due day in one row, when there are too many to list one by one."""
    numbers = [d.number for d in late if d.number is not None]
    summary = _("{days} days after the due day, {working} of them working days").format(
        days=len(late), working=len(numbers)
    )
    dates = f"{day_text(late[0].date)} - {day_text(late[-1].date)}"
    return Text(dates), Text(summary), Text(span(sum(d.counted for d in late)))


def _what(d: ExplainedDay, e: Explanation) -> str:
    """Why the day counts as it does: its number, or why it is skipped; then its marks."""
    marks = []
    if d.date == e.start_day and not e.start_day_counted:
        what = _("start day: not counted")
    elif d.number is not None:
        what = number_text(d, e)
        if d.reason == "extra_working_day":
            marks.append(extra_working_text(d))
    elif not d.working:
        what = _("skipped: {why}").format(why=closed_text(d))
    elif d.paused:
        what = _("not counted: paused")
    else:
        what = _("not counted")
    if d.paused and (d.number is not None or not d.working):
        marks.append(_("paused"))
    if d.ahead and not d.counted:
        marks.append(ahead_text(e))
    if d.date == e.due_day:
        marks.append(_("◀ due day"))
    return "  ".join([what, *marks])


def number_text(d: ExplainedDay, e: Explanation) -> str:
    """The day's place in the count: "working day 3", or "part of working day 1" for a
    working day that a pause splits over two dates."""
    if e.calendar is None:
        return _("day {n}").format(n=d.number)
    if d.first_number is not None and d.first_number != d.number:
        return _("parts of working days {first} and {n}").format(first=d.first_number, n=d.number)
    if e.unit == "working_days" and d.toward - d.toward_start < DAY_UNITS:
        return _("part of working day {n}").format(n=d.number)
    return _("working day {n}").format(n=d.number)


def closed_text(d: ExplainedDay) -> str:
    if d.reason == "holiday":
        return _("holiday — {name}").format(name=d.name) if d.name else _("holiday")
    if d.reason == "extra_holiday":
        return _("extra holiday (configuration)")
    return format_date(d.date, "EEEE", locale=language())  # the weekday it does not work on


def extra_working_text(d: ExplainedDay) -> str:
    if d.name:
        return _("extra working day (configuration), instead of: {name}").format(name=d.name)
    return _("extra working day (configuration)")


def ahead_text(e: Explanation) -> str:
    """What a day the clock has not reached yet is: ahead, projected, or after the stop."""
    if e.stopped:
        return _("(after the stop: places the deadline only)")
    return _("(projected)") if e.projected else _("(still to come)")


def _pause_sentence(number: int, p: Pause, e: Explanation) -> str:
    values = {
        "n": number,
        "start": moment_text(p.start, e.zone),
        "paused_by": f"{p.paused_by.type} {p.paused_by.event_id}",
        "working": span(p.working),
    }
    if p.end is None or p.resumed_by is None:
        return _(
            "Pause {n}: since {start} ({paused_by}), still paused; {working} of working time so far."
        ).format(**values)
    return _(
        "Pause {n}: {start} to {end} ({paused_by}, ended by {resumed_by}); "
        "{working} of working time not counted."
    ).format(
        **values,
        end=moment_text(p.end, e.zone),
        resumed_by=f"{p.resumed_by.type} {p.resumed_by.event_id}",
    )
