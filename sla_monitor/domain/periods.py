"""The local dates a report covers, from the ways a person names a period: one date, two
dates, a month or an ISO week (docs/cli.md#report, docs/api.md#get-v1reports)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sla_monitor.domain.messages import Message, message


class PeriodError(ValueError):
    """A period named twice, half or badly; `parameter` is the option or query parameter at
    fault, without its prefix."""

    def __init__(self, parameter: str, text: Message) -> None:
        super().__init__(str(text))
        self.parameter = parameter
        self.text = text


def period_dates(
    day: str | None,
    first: str | None,
    last: str | None,
    month: str | None,
    week: str | None,
    today: date,
    *,
    prefix: str = "--",
) -> tuple[date, date]:
    """The first and last local date the options name; yesterday when they name none.

    `prefix` is how messages write a name: `--from` for the command line, `from` over HTTP.
    """
    given = [(name, value) for name, value in (("date", day), ("from", first), ("to", last),
             ("month", month), ("week", week)) if value is not None]  # fmt: skip
    chosen = [name for name, _ in given]
    if len(chosen) > 1 and set(chosen) != {"from", "to"}:
        first_name, second_name = (prefix + name for name in chosen[:2])
        raise PeriodError(
            chosen[-1],
            message(
                "choose one period: {first} and {second} were both given",
                first=first_name,
                second=second_name,
            ),
        )
    if first is not None or last is not None:
        if first is None or last is None:
            missing = "from" if first is None else "to"
            raise PeriodError(
                missing,
                message(
                    "{p}from and {p}to go together: give both dates (the last is included)",
                    p=prefix,
                ),
            )
        start, end = _date("from", first, prefix), _date("to", last, prefix)
        if end < start:
            raise PeriodError(
                "to",
                message("{p}to {last} is before {p}from {first}", p=prefix, last=last, first=first),
            )
        return start, end
    if month is not None:
        if not re.fullmatch(r"\d{4}-\d{2}", month):
            raise PeriodError(
                "month",
                message("{p}month {month!r} is not a month like 2026-03", p=prefix, month=month),
            )
        start = _date("month", f"{month}-01", prefix)
        following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return start, following - timedelta(days=1)
    if week is not None:
        found = re.fullmatch(r"(\d{4})-W(\d{2})", week)
        try:
            if found is None:
                raise ValueError(week)
            start = date.fromisocalendar(int(found[1]), int(found[2]), 1)
        except ValueError:
            raise PeriodError(
                "week",
                message("{p}week {week!r} is not an ISO week like 2026-W12", p=prefix, week=week),
            ) from None
        return start, start + timedelta(days=6)
    one = _date("date", day, prefix) if day is not None else today - timedelta(days=1)
    return one, one


def _date(name: str, text: str, prefix: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PeriodError(
            name,
            message(
                "{p}{name} {text!r} is not a date like 2026-11-24", p=prefix, name=name, text=text
            ),
        ) from None
