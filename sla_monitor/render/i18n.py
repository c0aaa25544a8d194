"""The language of what people read: report, backlog and claim output in Indonesian or
English (docs/configuration.md#language). JSON and CSV keys and values are an interface and
stay English.

Messages are written in English in the code and translated by the gettext catalogues in
sla_monitor/locale/<language>/LC_MESSAGES/*.po, read as they are shipped (no compile step).
"""

from __future__ import annotations

import gettext
import io
from contextvars import ContextVar
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

from sla_monitor.domain.messages import Message
from sla_monitor.domain.policy import LANGUAGES
from sla_monitor.domain.timeutil import MICROS, Instant, seconds, to_datetime

SOURCE_LANGUAGE = "en"  # the language the messages are written in
LOCALE_DIR = Path(__file__).parent.parent / "locale"
# What people in Indonesia call the zones of its branches; any other zone shows its offset.
ZONE_NAMES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}
_language: ContextVar[str] = ContextVar("language", default="id")


def set_language(language: str) -> None:
    """Choose the language of every message rendered after this, in this context."""
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r}: choose one of {', '.join(LANGUAGES)}")
    _language.set(language)


def language() -> str:
    return _language.get()


@cache
def translations(language: str) -> gettext.NullTranslations:
    """Every catalogue of `language` merged (messages.po, and those of other outputs beside
    it); the source language has none: its messages are their own translation."""
    if language == SOURCE_LANGUAGE:
        return gettext.NullTranslations()
    merged: Translations | None = None
    for path in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        compiled = io.BytesIO()
        write_mo(compiled, catalog)  # leaves out fuzzy and untranslated entries
        compiled.seek(0)
        loaded = Translations(compiled, domain=path.stem)
        merged = loaded if merged is None else merged.merge(loaded)
    return merged if merged is not None else gettext.NullTranslations()


def _(message: str) -> str:
    """`message` in the chosen language."""
    return translations(_language.get()).gettext(message)


def n_(singular: str, plural: str, n: int) -> str:
    """`singular` or `plural`, in the chosen language's plural form for `n`."""
    return translations(_language.get()).ngettext(singular, plural, n)


def text(message: Message) -> str:
    """A message of the domain or the services in the chosen language."""
    return _(message.template).format(**message.values)


def install_into(environment: Any) -> None:
    """Give a Jinja2 environment (with the jinja2.ext.i18n extension) these translations:
    templates then write {{ _("...") }} and {{ ngettext("...", "...", n) }}."""
    environment.install_gettext_callables(gettext=_, ngettext=n_, newstyle=True)


# ----------------------------------------------------------------- numbers, spans and dates


def integer(value: int) -> str:
    """A count as people of the language write it (12.345 in Indonesian)."""
    return format_decimal(value, "#,##0", locale=_language.get())


def decimal(value: float, places: int = 2) -> str:
    """A decimal with `places` digits after the separator (1,25 in Indonesian)."""
    return format_decimal(value, "#,##0." + "0" * places, locale=_language.get())


def percent(value: float) -> str:
    """A share as a percentage to a tenth (95,2% in Indonesian)."""
    return format_percent(value, "#,##0.0%", locale=_language.get())


def span(micros: int) -> str:
    """A length of time, e.g. 2d 03h 15m; negative: still ahead. Whether it is working or
    calendar time is said by the column or sentence that shows it."""
    total = seconds(abs(micros))
    days, rest = divmod(total, 86_400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    if days:
        text = _("{days}d {hours:02d}h {minutes:02d}m").format(
            days=days, hours=hours, minutes=minutes
        )
    else:
        text = _("{hours}h {minutes:02d}m").format(hours=hours, minutes=minutes)
    return ("-" if micros < 0 else "") + text


def zone_name(moment: datetime) -> str:
    """WIB, WITA or WIT for the zones of Indonesia; the UTC offset for any other."""
    key = getattr(moment.tzinfo, "key", "")
    if key in ZONE_NAMES:
        return ZONE_NAMES[key]
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}" if minutes else "UTC"


def _day(moment: datetime) -> str:
    return format_date(moment.date(), "EEE d MMM y", locale=_language.get())


def moment_text(instant: Instant, zone: ZoneInfo) -> str:
    """An instant as people read it, in `zone`: "Mon 9 Mar 2026 14:30 WIB" (seconds only
    when there are some)."""
    local = to_datetime(instant - instant % MICROS, zone)
    pattern = (
        _("{hour:02d}:{minute:02d}:{second:02d}") if local.second else _("{hour:02d}:{minute:02d}")
    )
    clock = pattern.format(hour=local.hour, minute=local.minute, second=local.second)
    return _("{date} {time} {zone}").format(date=_day(local), time=clock, zone=zone_name(local))


def deadline_text(instant: Instant, zone: ZoneInfo) -> str:
    """A deadline as people read it: one at a local midnight is the end of the previous day
    ("end of Mon 9 Mar 2026 (24:00 WIB)"), because "due 10 Mar 00:00" reads as a day late."""
    local = to_datetime(instant, zone)
    if (local.hour, local.minute, local.second, local.microsecond) != (0, 0, 0, 0):
        return moment_text(instant, zone)
    before = to_datetime(instant - 1, zone)  # the last microsecond of the previous day
    return _("end of {date} (24:00 {zone})").format(date=_day(before), zone=zone_name(before))


# ---------------------------------------------------------- the words of the domain's values


def status_name(status: str) -> str:
    """A goal's status (or a breach's kind) as people say it; JSON keeps the value itself."""
    names = {
        "not_started": _("not started"),
        "on_track": _("on track"),
        "at_risk": _("at risk"),
        "paused": _("paused"),
        "breached": _("breached"),
        "met": _("met"),
        "cancelled": _("cancelled"),
        "open": _("open"),
        "closed_late": _("closed late"),
        "deadline_passed": _("deadline passed"),
    }
    return names.get(status, status)


def group_name(group: str) -> str:
    """What a report groups or filters by, as a word of a title or a column."""
    names = {"channel": _("channel"), "branch": _("branch"), "region": _("region")}
    return names.get(group, group)
