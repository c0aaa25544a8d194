"""The report and the backlog as one self-contained HTML page: inline CSS and SVG charts,
nothing fetched, printable on A4 (docs/reports.md#the-page-and-the-workbook).

Jinja2 autoescapes every value: claim ids and other event data are untrusted. Only the SVG
that pygal made (charts.py, which escapes its labels itself) is inlined as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from functools import lru_cache
from importlib import metadata
from typing import Any

from babel.dates import format_date, format_interval
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from sla_monitor.domain.backlog import BacklogItem
from sla_monitor.domain.midnights import DAY_UNITS
from sla_monitor.domain.policy import SlaConfig
from sla_monitor.domain.report import Breach, Report, SummaryRow
from sla_monitor.domain.timeutil import Instant
from sla_monitor.render import charts, i18n
from sla_monitor.render.documents import report_json
from sla_monitor.render.i18n import _, deadline_text, language, moment_text, span, status_name
from sla_monitor.services.trend import TrendDay

BREACH_LIMIT = 500  # rows of the breach list; the workbook and the CSV have them all
CHART_LIMIT = 20  # bars of the compliance chart: the worst groups
WORST_BRANCHES = 10
NOTHING = "\u2013"  # an en dash: no value (nothing closed, no deadline yet)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("sla_monitor.render", "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # newstyle gettext: {{ _("...") }} is autoescaped and takes its placeholders as keywords
    i18n.install_into(env)
    env.filters.update(pct=percent, num=number, days=working_days)
    env.globals.update(language=language)
    return env


def percent(value: float | None) -> str:
    return NOTHING if value is None else i18n.percent(value)


def number(value: float | None) -> str:
    return NOTHING if value is None else i18n.integer(int(value))


def working_days(units: int | None) -> str:
    """Working time as working days, to the hundredth (negative: still ahead)."""
    return NOTHING if units is None else i18n.decimal(units / DAY_UNITS)


def day_text(day: date, pattern: str = "d MMM y") -> str:
    return format_date(day, pattern, locale=language())


def period_text(first: date, last: date) -> str:
    if first == last:
        return day_text(first, "EEEE d MMMM y")
    return format_interval(first, last, "yMMMd", locale=language())


def grouping_text(by: str) -> str:
    if by == "branch":
        return _("by branch")
    return _("by region") if by == "region" else _("by channel")


def filters_text(filters: dict[str, list[str]]) -> str:
    """Every filter applied, or that there is none."""
    names = {"channel": _("Channel"), "branch": _("Branch"), "region": _("Region")}
    applied = [f"{names[key]}: {', '.join(values)}" for key, values in filters.items() if values]
    return "; ".join(applied) if applied else _("All channels and branches")


def status_title(status: str) -> str:
    """What a backlog of this status lists."""
    if status == "breached":
        return _("Open goals past their deadline")
    if status == "at_risk":
        return _("Open goals at risk")
    return _("Paused goals") if status == "paused" else _("All open goals")


def version() -> str:
    try:
        return metadata.version("sla-monitor")
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "?"


def report_page(
    report: Report, config: SlaConfig, *, by_branch: Report, trend: list[TrendDay]
) -> str:
    """The page of a report: `by_branch` is the same report by branch (the report itself
    when it is by branch), for the worst branches; `trend` its days."""
    data = report_json(report, config)
    zone = config.report_zone
    context = {
        "data": data,
        "period": period_text(report.day, report.last_day),
        "grouping": grouping_text(report.by),
        "filters": filters_text(data["filters"]),
        "as_of": deadline_text(report.as_of, zone),
        "several_goals": len(report.totals) > 1,
        "compliance": _compliance_chart(report.summary, report.by, config),
        "trend": _trend_charts(trend, several_goals=len(report.totals) > 1),
        "worst": _worst_branches(by_branch, config),
        "breaches": [_breach(b) for b in report.breaches[:BREACH_LIMIT]],
        "breach_count": report.breach_count,
        "footer": _footer(data, config),
        "version": version(),
    }
    return environment().get_template("report.html").render(context)


def group_label(by: str, group: str, config: SlaConfig) -> str:
    """A group as people name it: a branch by its code and name."""
    branch = config.branches.get(group) if by == "branch" else None
    return f"{group} {branch.name}" if branch else group


def _compliance_chart(rows: list[SummaryRow], by: str, config: SlaConfig) -> dict[str, Any]:
    """The worst groups' compliance (rows are worst first); groups that closed nothing have
    none and are left out."""
    measured = [r for r in rows if r.compliance is not None]
    several = len({r.goal for r in rows}) > 1
    shown = measured[:CHART_LIMIT]
    labels = [
        f"{group_label(by, r.group, config)}{f' · {r.goal}' if several else ''}  "
        f"{percent(r.compliance)}"
        for r in shown
    ]
    values = [r.compliance for r in shown if r.compliance is not None]
    svg = charts.compliance_bars(labels, values) if shown else ""
    return {
        "svg": Markup(svg),  # made by pygal, which escapes every label itself
        "shown": len(shown),
        "measured": len(measured),
        "unmeasured": len(rows) - len(measured),
    }


def _trend_charts(trend: list[TrendDay], *, several_goals: bool) -> dict[str, Any]:
    """Daily compliance (one line a goal, or all goals together) and new breaches a day."""
    reached = [t for t in trend if t.reached]
    days = [day_text(t.day, "d MMM") for t in reached]
    if several_goals:
        goals = [row.goal for row in reached[0].totals] if reached else []
        series = [(g, [_goal_row(t, g).compliance for t in reached]) for g in goals]
    else:
        series = [("", [t.overall.compliance for t in reached])]
    return {
        "compliance": Markup(charts.daily_line(days, series)),
        "new_breaches": Markup(
            charts.daily_bars(days, [t.overall.new_breaches for t in reached], number)
        ),
        "days": len(trend),
        "reached": len(reached),
    }


def _goal_row(day: TrendDay, goal: str) -> SummaryRow:
    return next(row for row in day.totals if row.goal == goal)


def _worst_branches(by_branch: Report, config: SlaConfig) -> list[dict[str, Any]]:
    """The branches with the lowest compliance (rows of a goal; a branch that closed
    nothing has none)."""
    rows = [r for r in by_branch.summary if r.compliance is not None][:WORST_BRANCHES]
    return [
        {
            "code": r.group,
            "name": config.branches[r.group].name if r.group in config.branches else NOTHING,
            "region": config.branches[r.group].region if r.group in config.branches else NOTHING,
            "row": r,
        }
        for r in rows
    ]


def _breach(b: Breach) -> dict[str, Any]:
    fact = b.fact
    assert fact.due_at is not None  # a breach has passed its deadline
    return {
        "claim": fact.claim_id,
        "channel": fact.channel,
        "branch": fact.branch_code,
        "goal": fact.goal_id,
        "kind": status_name(b.kind),
        "closed": b.kind == "closed_late",
        "due": deadline_text(fact.due_at, fact.zone),
        "stopped": NOTHING
        if fact.stopped_at is None
        else deadline_text(fact.stopped_at, fact.zone),
        "working": working_days(b.overdue_working),
        "calendar": span(b.overdue),
    }


def _footer(data: dict[str, Any], config: SlaConfig) -> dict[str, Any]:
    return {
        "policies": [(p.id, day_text(p.effective_from)) for p in config.policies],
        "calendars": list(config.calendars_in_use),
        "holidays": data["calendar_data"]["holidays_version"],
        "decrees": data["calendar_data"]["decrees"],
        "unknown": data["calendar_data"]["unknown"],
    }


def backlog_page(
    items: Iterable[BacklogItem], *, status: str, filters: dict[str, list[str]], as_of: Instant,
    config: SlaConfig,
) -> Iterator[str]:  # fmt: skip
    """The backlog page in pieces, one row at a time: a backlog of any size streams."""
    context = {
        "title": status_title(status),
        "filters": filters_text(filters),
        "as_of": deadline_text(as_of, config.report_zone),
        "rows": (_backlog_row(item) for item in items),
        "version": version(),
    }
    yield from environment().get_template("backlog.html").generate(context)


def _backlog_row(item: BacklogItem) -> dict[str, Any]:
    return {
        "claim": item.claim_id,
        "channel": item.channel,
        "branch": item.branch_code,
        "goal": item.goal_id,
        "status": status_name(item.status.value),
        "started": moment_text(item.started_at, item.zone),
        "due": NOTHING if item.due_at is None else deadline_text(item.due_at, item.zone),
        "working": working_days(item.overdue_working),
        "calendar": NOTHING if item.overdue is None else span(item.overdue),
    }
