"""The one event parser (docs/events.md), shared by HTTP ingest and file import.

It checks what one event can say about itself. What depends on other events (the
claim's channel and branch, duplicates, a second `submitted`) is checked by the store.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sla_monitor.domain.policy import EVENT_TYPES
from sla_monitor.domain.timeutil import (
    MICROS,
    Instant,
    TimestampError,
    format_rfc3339,
    parse_rfc3339,
)

MAX_FUTURE = 5 * 60 * MICROS
MAX_AMOUNT = 10**15
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # a reason may hold tabs and newlines
EARLIEST = parse_rfc3339("2000-01-01T00:00:00Z")
FIELDS = (
    "event_id",
    "claim_id",
    "type",
    "occurred_at",
    "channel",
    "branch_code",
    "employer_id",
    "batch_id",
    "amount",
    "reason",
)
_KNOWN = frozenset(FIELDS)
# Keys that look like personal data get a message that says why they are refused.
PERSONAL_DATA = {
    "nik",
    "name",
    "nama",
    "full_name",
    "nama_lengkap",
    "birth_date",
    "tanggal_lahir",
    "phone",
    "telepon",
    "email",
    "address",
    "alamat",
    "kpj",
    "npwp",
    "account_number",
    "nomor_rekening",
    "mother_name",
    "nama_ibu",
}


class EventError(ValueError):
    """An event that is rejected; `event_id` when it could be read."""

    def __init__(self, message: str, event_id: str | None = None):
        super().__init__(message)
        self.event_id = event_id

    def __reduce__(self) -> tuple[type[EventError], tuple[str, str | None]]:
        # An exception pickles its args only; the event_id must survive a parse worker.
        return EventError, (str(self), self.event_id)


@dataclass(frozen=True)
class Event:
    event_id: str
    claim_id: str
    type: str
    occurred_at: Instant
    channel: str | None = None
    branch_code: str | None = None
    employer_id: str | None = None
    batch_id: str | None = None
    amount: int | None = None
    reason: str | None = None

    def __reduce__(self) -> tuple[Callable[..., Event], tuple[object, ...]]:
        # Parse workers send events by the thousand: a plain tuple pickles several times
        # faster than a dataclass's state dict.
        return Event, tuple(getattr(self, name) for name in FIELDS)

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if v is not None}
        out["occurred_at"] = format_rfc3339(self.occurred_at)
        return out

    def differences(self, other: Event) -> list[str]:
        """Fields whose parsed values differ (an instant is the same whatever its offset)."""
        return [f for f in FIELDS if getattr(self, f) != getattr(other, f)]


def parse_events(
    raws: Iterable[object | EventError],
    *,
    now: Instant,
    channels: Collection[str],
    branches: Collection[str],
) -> list[Event | EventError]:
    """Parse a batch; an item that is already an error (unreadable input) stays one."""
    items: list[Event | EventError] = []
    for raw in raws:
        if isinstance(raw, EventError):
            items.append(raw)
            continue
        try:
            items.append(parse_event(raw, now=now, channels=channels, branches=branches))
        except EventError as exc:
            items.append(exc)
    return items


def load_json(text: str | bytes) -> Any:
    """JSON as events are read everywhere: a key given twice, NaN or Infinity is an error."""
    if isinstance(text, bytes | bytearray):
        text = text.decode(json.detect_encoding(text), "surrogatepass")
    return _DECODER.decode(text)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)  # in C; only a shorter dict needs the slow search for the culprit
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"field {key!r} is given twice")
            seen.add(key)
    return out


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a valid JSON number")


# One decoder for every event: json.loads with options builds a new one on each call.
_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicate_keys, parse_constant=_reject_constant)


def is_plain_text(value: str, *, max_len: int, multiline: bool = False) -> bool:
    """1 to max_len characters, no control characters, and storable as UTF-8 (no lone
    surrogate, which JSON's \\ud800 escapes can smuggle in)."""
    if not value or len(value) > max_len:
        return False
    if (_CONTROL_IN_TEXT if multiline else _CONTROL).search(value):
        return False
    return value.isascii() or _encodable(value)


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(value: object, width: int = 40) -> str:
    """A value quoted in a message: repr, escaped, cut; never fails, whatever its size."""
    try:
        text = repr(value)
    except ValueError:  # an int too long to print
        text = f"<{type(value).__name__} too large to show>"
    return text[:width]


def _name(key: object) -> str:
    """A field name quoted in a message, safe to return as JSON and to log."""
    return str(key).encode("utf-8", "backslashreplace").decode("utf-8")[:64]


def _text(
    raw: Mapping[str, Any], key: str, *, max_len: int, required: bool, multiline: bool = False
) -> str | None:
    value = raw.get(key)
    if value is None:
        if required:
            raise ValueError(f"'{key}' is required")
        return None
    # The common case, printable ASCII within the length, in three C calls: for ASCII text,
    # isprintable() is False exactly for the control characters refused below.
    if type(value) is str and 0 < len(value) <= max_len and value.isascii() and value.isprintable():
        return value
    if not isinstance(value, str):
        raise ValueError(f"'{key}' must be a string, got {type(value).__name__} {_shown(value)}")
    if not value or len(value) > max_len:
        raise ValueError(f"'{key}' must be 1 to {max_len} characters long, got {len(value)}")
    if (_CONTROL_IN_TEXT if multiline else _CONTROL).search(value):
        raise ValueError(f"'{key}' contains a control character")
    if not (value.isascii() or _encodable(value)):
        raise ValueError(f"'{key}' contains a lone surrogate, which is not a character")
    return value


def parse_event(
    raw: object,
    *,
    now: Instant,
    channels: Collection[str],
    branches: Collection[str],
) -> Event:
    """Validate one raw event (a JSON object, or a CSV row with empty cells removed)."""
    if not isinstance(raw, Mapping):
        raise EventError(f"an event must be a JSON object, got {type(raw).__name__}")
    given = raw.get("event_id")
    # Named in the rejection only when it is a usable id: the response must be valid JSON.
    event_id = given if isinstance(given, str) and is_plain_text(given, max_len=128) else None
    try:
        return _parse(raw, now=now, channels=channels, branches=branches)
    except ValueError as exc:
        raise EventError(str(exc), event_id) from None


def _refuse_unknown_fields(raw: Mapping[str, Any]) -> None:
    unknown = [_name(k) for k in raw if k not in _KNOWN]
    if unknown:
        personal = [k for k in unknown if k.lower() in PERSONAL_DATA]
        if personal:
            raise ValueError(
                f"field(s) {', '.join(personal)} look like personal data, which sla-monitor does "
                "not accept or store; remove them"
            )
        raise ValueError(
            f"unknown field(s) {', '.join(sorted(unknown))}; allowed: {', '.join(FIELDS)}"
        )


def _occurred_at(raw: Mapping[str, Any], now: Instant) -> Instant:
    """The event's instant: RFC 3339 with an offset, not ahead of `now`, not absurdly early."""
    stamp = raw.get("occurred_at")
    if stamp is None:
        raise ValueError("'occurred_at' is required")
    if not isinstance(stamp, str):
        raise ValueError(
            "'occurred_at' must be an RFC 3339 string such as 2026-03-02T09:30:00+07:00"
        )
    try:
        occurred_at = parse_rfc3339(stamp)
    except TimestampError as exc:
        raise ValueError(f"occurred_at {exc}") from None
    if occurred_at > now + MAX_FUTURE:
        raise ValueError(
            f"occurred_at {stamp} is more than 5 minutes ahead of this server's clock "
            f"({format_rfc3339(now)}); check the sender's clock"
        )
    if occurred_at < EARLIEST:
        raise ValueError(
            f"occurred_at {stamp} is before {format_rfc3339(EARLIEST)}, "
            "too early to be a JHT claim event"
        )
    return occurred_at


def _parse(
    raw: Mapping[str, Any], *, now: Instant, channels: Collection[str], branches: Collection[str]
) -> Event:
    _refuse_unknown_fields(raw)
    event_id = _text(raw, "event_id", max_len=128, required=True)
    claim_id = _text(raw, "claim_id", max_len=64, required=True)
    kind = _text(raw, "type", max_len=64, required=True)
    assert event_id is not None and claim_id is not None and kind is not None
    if kind not in EVENT_TYPES:
        raise ValueError(f"unknown type {kind!r}; use one of {', '.join(EVENT_TYPES)}")
    occurred_at = _occurred_at(raw, now)
    channel = _text(raw, "channel", max_len=64, required=kind == "submitted")
    if channel is not None and channel not in channels:
        raise ValueError(f"unknown channel {channel!r}; configured: {', '.join(channels)}")
    branch = _text(raw, "branch_code", max_len=32, required=kind == "submitted")
    if branch is not None and branch not in branches:
        raise ValueError(f"branch_code {branch!r} is not in the branch registry (branches.toml)")
    amount = raw.get("amount")
    if amount is not None and (
        isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= MAX_AMOUNT
    ):
        raise ValueError(
            f"'amount' must be a whole number of Rupiah from 0 to 10^15, got {_shown(amount)}"
        )
    return Event(
        event_id=event_id,
        claim_id=claim_id,
        type=kind,
        occurred_at=occurred_at,
        channel=channel,
        branch_code=branch,
        employer_id=_text(raw, "employer_id", max_len=64, required=False),
        batch_id=_text(raw, "batch_id", max_len=64, required=False),
        amount=amount,
        reason=_text(raw, "reason", max_len=500, required=False, multiline=True),
    )
