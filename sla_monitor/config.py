"""sla.toml and branches.toml → typed, validated configuration (docs/configuration.md).

Every error names the file, the entry and the problem, because the program refuses to
start on a bad configuration and the operator must be able to fix it from the message.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, time
from fractions import Fraction
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sla_monitor.config_reader import ConfigError, Reader
from sla_monitor.domain.policy import (
    EVENT_TYPES,
    LANGUAGES,
    WEEKDAYS,
    Branch,
    CalendarSpec,
    Goal,
    HolidaySource,
    Policy,
    SlaConfig,
    parse_target,
)


def load_config(config_dir: Path) -> SlaConfig:
    sla_path = config_dir / "sla.toml"
    branches_path = config_dir / "branches.toml"
    config = parse_sla(_read_toml(sla_path), source=str(sla_path))
    branches = parse_branches(_read_toml(branches_path), source=str(branches_path))
    return SlaConfig(
        report_timezone=config.report_timezone,
        channels=config.channels,
        calendars=config.calendars,
        policies=config.policies,
        branches=branches,
        language=config.language,
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def parse_sla(data: dict[str, Any], *, source: str) -> SlaConfig:
    top = Reader(data, source)
    top.check_keys({"report_timezone", "language", "channels", "calendars", "policies"})
    report_timezone = _zone(top, "report_timezone")
    language = _language(top)
    channels = top.str_list("channels", required=True)
    if len(set(channels)) != len(channels):
        raise top.fail("'channels' lists a channel twice")
    calendars_data = Reader(data.get("calendars", {}), f"{source}: [calendars]")
    calendars = {
        cid: _calendar(cid, raw, f"{source}: [calendars.{cid}]")
        for cid, raw in calendars_data.data.items()
    }
    raw_policies = data.get("policies")
    if not isinstance(raw_policies, list) or not raw_policies:
        raise top.fail("at least one [[policies]] entry is needed")
    policies = []
    for index, raw in enumerate(raw_policies):
        where = f"{source}: policies[{index}]"
        policies.append(_policy(raw, where, set(channels), calendars))
    ids = [p.id for p in policies]
    if len(set(ids)) != len(ids):
        raise top.fail("two policies share an id")
    dates = [p.effective_from for p in policies]
    if len(set(dates)) != len(dates):
        raise top.fail("two policies share an effective_from date")
    return SlaConfig(
        report_timezone=report_timezone,
        channels=channels,
        calendars=calendars,
        policies=tuple(sorted(policies, key=lambda p: p.effective_from)),
        language=language,
    )


def read_language(config_dir: Path) -> str:
    """sla.toml's `language` alone, for what a command says before it reads the whole file."""
    sla_path = config_dir / "sla.toml"
    return _language(Reader(_read_toml(sla_path), str(sla_path)))


def _language(reader: Reader) -> str:
    language = reader.text("language", default="id")
    if language not in LANGUAGES:
        raise reader.fail(
            f"unknown language {language!r} in 'language'; use id (Indonesian) or en (English)"
        )
    return language


def _zone(reader: Reader, key: str) -> str:
    name = reader.text(key)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise reader.fail(
            f"unknown time zone {name!r} in '{key}' (use an IANA name such as Asia/Jakarta)"
        ) from None
    return name


def _clock(reader: Reader, text: object) -> time:
    if text == "24:00":
        return time(0)
    try:
        if not isinstance(text, str) or not re.fullmatch(r"\d{2}:\d{2}", text):
            raise ValueError
        return time.fromisoformat(text)
    except ValueError:
        raise reader.fail(f'office_hours holds {text!r}; use HH:MM, e.g. "08:00"') from None


def _calendar(cid: str, raw: Any, where: str) -> CalendarSpec:
    reader = Reader(raw, where)
    reader.check_keys(
        {
            "weekdays",
            "office_hours",
            "holidays",
            "extra_holidays",
            "extra_working_days",
            "decree_years",
        }
    )
    names = reader.str_list("weekdays") or WEEKDAYS[:5]
    bad = [n for n in names if n not in WEEKDAYS]
    if bad:
        raise reader.fail(f"unknown weekday(s) {bad}; use {', '.join(WEEKDAYS)}")
    office = None
    if "office_hours" in raw:
        pair = raw["office_hours"]
        if not isinstance(pair, list) or len(pair) != 2:
            raise reader.fail('office_hours must be a pair like ["08:00", "16:00"]')
        opens, closes = _clock(reader, pair[0]), _clock(reader, pair[1])
        if closes != time(0) and closes <= opens:
            raise reader.fail("office_hours must close after they open")
        office = (opens, closes)
    holidays = None
    if raw.get("holidays"):
        hol = Reader(raw["holidays"], f"{where}.holidays")
        hol.check_keys({"country", "categories", "subdiv"})
        holidays = HolidaySource(
            country=hol.text("country"),
            categories=hol.str_list("categories") or ("public",),
            subdiv=raw["holidays"].get("subdiv"),
        )
        _check_holiday_source(hol, holidays)
    return CalendarSpec(
        id=cid,
        weekdays=frozenset(WEEKDAYS.index(n) for n in names),
        office_hours=office,
        holidays=holidays,
        extra_holidays=reader.dates("extra_holidays"),
        extra_working_days=reader.dates("extra_working_days"),
        decree_years=reader.years("decree_years"),
    )


def _check_holiday_source(reader: Reader, source: HolidaySource) -> None:
    import holidays

    try:
        holidays.country_holidays(
            source.country, subdiv=source.subdiv, categories=source.categories, years=2000
        )
    except (NotImplementedError, ValueError, KeyError) as exc:
        raise reader.fail(f"the holidays package cannot provide {source}: {exc}") from None


def _policy(raw: Any, where: str, channels: set[str], calendars: dict[str, CalendarSpec]) -> Policy:
    reader = Reader(raw, where)
    reader.check_keys({"id", "effective_from", "goals"})
    pid = reader.text("id")
    where = f"{where.rsplit(':', 1)[0]}: policy {pid!r}"
    effective = raw.get("effective_from")
    if not isinstance(effective, date):
        raise ConfigError(f"{where}: effective_from must be a TOML date like 2022-07-07")
    raw_goals = raw.get("goals")
    if not isinstance(raw_goals, list) or not raw_goals:
        raise ConfigError(f"{where}: at least one [[policies.goals]] entry is needed")
    goals = [_goal(g, f"{where} goals[{i}]", channels, calendars) for i, g in enumerate(raw_goals)]
    if len({g.id for g in goals}) != len(goals):
        raise ConfigError(f"{where}: two goals share an id")
    return Policy(id=pid, effective_from=effective, goals=tuple(goals))


def _goal(raw: Any, where: str, channels: set[str], calendars: dict[str, CalendarSpec]) -> Goal:
    reader = Reader(raw, where)
    reader.check_keys(
        {
            "id",
            "channels",
            "start",
            "pause",
            "resume",
            "reset",
            "stop",
            "cancel",
            "target",
            "calendar",
            "at_risk",
        }
    )
    gid = reader.text("id")
    reader.where = where = f"{where} ({gid!r})"
    goal_channels = reader.str_list("channels", required=True)
    unknown = sorted(set(goal_channels) - channels)
    if unknown:
        raise reader.fail(f"channels {unknown} are not in the top-level 'channels' list")
    lists: dict[str, frozenset[str]] = {}
    for key in ("start", "pause", "resume", "reset", "stop", "cancel"):
        if key in ("start", "stop") and not raw.get(key):
            raise reader.fail(f"a goal needs a non-empty '{key}' list")
        values = reader.str_list(key)
        bad = [v for v in values if v not in EVENT_TYPES]
        if bad:
            raise reader.fail(f"'{key}' names unknown event type(s) {bad}")
        lists[key] = frozenset(values)
    if bool(lists["pause"]) != bool(lists["resume"]):
        raise reader.fail("'pause' and 'resume' go together: a paused clock must be able to resume")
    try:
        target = parse_target(raw.get("target", ""))
    except ValueError as exc:
        raise reader.fail(str(exc)) from None
    calendar = raw.get("calendar", "default")
    if target.uses_calendar and calendar not in calendars:
        raise reader.fail(f"unknown calendar {calendar!r}; defined: {sorted(calendars) or 'none'}")
    at_risk = raw.get("at_risk", 0.8)
    if isinstance(at_risk, bool) or not isinstance(at_risk, int | float) or not 0 < at_risk <= 1:
        raise reader.fail("at_risk must be a number in (0, 1], e.g. 0.8")
    return Goal(
        id=gid,
        channels=frozenset(goal_channels),
        target=target,
        calendar=calendar,
        at_risk=Fraction(str(at_risk)),
        **lists,
    )


def parse_branches(data: dict[str, Any], *, source: str) -> dict[str, Branch]:
    raw = data.get("branches")
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{source}: at least one [[branches]] entry is needed")
    branches: dict[str, Branch] = {}
    for index, entry in enumerate(raw):
        reader = Reader(entry, f"{source}: branches[{index}]")
        reader.check_keys({"code", "name", "region", "timezone"})
        code = reader.text("code")
        reader.where = f"{source}: branch {code!r}"
        if code in branches:
            raise reader.fail("this code is used by two branches")
        branches[code] = Branch(
            code=code,
            name=reader.text("name"),
            region=reader.text("region", default="-"),
            timezone=_zone(reader, "timezone"),
        )
    return branches


__all__ = ["ConfigError", "load_config", "parse_branches", "parse_sla", "read_language"]
