"""The `as_of` query parameter, parsed the same way by every route that takes it."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Query

from sla_monitor.domain.timeutil import Instant, TimestampError, parse_as_of, parse_rfc3339

EXAMPLE = "2026-04-01T00:00:00+07:00"


def as_of_query(what: str) -> Any:
    return Query(
        description=f"RFC 3339 instant (`+` written `%2B`) {what}",
        examples=[EXAMPLE],
    )


def as_of_or(text: str | None, default: Instant) -> Instant:
    """`as_of` as an instant, `default` when it is absent; else 422 saying why."""
    if text is None:
        return default
    try:
        return parse_as_of(text)
    except TimestampError as exc:
        raise HTTPException(422, f"as_of: {exc}{_plus_hint(text)}") from None


def _plus_hint(text: str) -> str:
    """How to write the offset when the URL turned its `+` into a space, as a form-encoded
    query does (`?as_of=...T10:00:00+07:00` arrives as `...T10:00:00 07:00`). The offset
    is last; an earlier space may be RFC 3339's own, between the date and the time."""
    head, space, offset = text.rpartition(" ")
    if not space:
        return ""
    meant = f"{head}+{offset}"
    try:
        parse_rfc3339(meant)  # the offset restored: out of range or not, the + was lost
    except TimestampError:
        return ""
    return (
        "; a '+' in a URL stands for a space, so the offset's '+' was lost: write it as "
        f"%2B, as in as_of={quote(meant, safe=':')}"
    )
