"""The language of what people read: report, backlog and claim output in Indonesian or
English (docs/configuration.md#language). JSON and CSV keys are an interface and stay English.

Placeholder until the catalogues land: every message is its English source text.
"""

from __future__ import annotations

from contextvars import ContextVar
from zoneinfo import ZoneInfo

from sla_monitor.domain.timeutil import Instant, format_rfc3339

LANGUAGES = ("id", "en")
_language: ContextVar[str] = ContextVar("language", default="id")


def set_language(language: str) -> None:
    """Choose the language of every message rendered after this, in this context."""
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r}: choose one of {', '.join(LANGUAGES)}")
    _language.set(language)


def language() -> str:
    return _language.get()


def n_(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


def _(message: str) -> str:
    """`message` in the chosen language."""
    return message


def deadline_text(instant: Instant, zone: ZoneInfo) -> str:
    """A deadline as people read it: one at a local midnight is the end of the previous day
    ("end of Mon 9 Mar 2026 (24:00 WIB)"). Placeholder: the RFC 3339 instant."""
    return format_rfc3339(instant, zone)
