"""The one event parser (docs/events.md), shared by HTTP ingest and file import.

It checks what one event can say about itself. What depends on other events (the
claim's channel and branch, duplicates, a second `submitted`) is checked by the store.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from sla_monitor.domain.event_json import load_json as load_json
from sla_monitor.domain.event_text import field_name, shown, text_field
from sla_monitor.domain.event_text import is_plain_text as is_plain_text
from sla_monitor.domain.event_times import EARLIEST as EARLIEST
from sla_monitor.domain.event_times import MAX_FUTURE as MAX_FUTURE
from sla_monitor.domain.event_times import LocalWall, check_range, occurred_at
from sla_monitor.domain.local_times import local_instant_of
from sla_monitor.domain.policy import EVENT_TYPES
from sla_monitor.domain.spelling import FileReading, did_you_mean, in_brackets
from sla_monitor.domain.timeutil import Instant, format_rfc3339

MAX_AMOUNT = 10**15
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
_STRICT = FileReading(types={})  # over HTTP: every value exactly as configured
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

    def __reduce__(self) -> tuple[Callable[..., EventError], tuple[object, ...]]:
        # An exception pickles its args only; the event_id must survive a parse worker.
        return EventError, (str(self), self.event_id)


class Event(msgspec.Struct, frozen=True, gc=False):
    """A valid event. A Struct rather than a dataclass: built in C, ten times faster, and
    every event of an import is built once; it pickles as a plain tuple (parse workers), and
    holds only text and numbers, so the collector need not track it."""

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

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k, v in msgspec.structs.asdict(self).items() if v is not None}
        out["occurred_at"] = format_rfc3339(self.occurred_at)
        return out

    def differences(self, other: Event) -> list[str]:
        """Fields whose parsed values differ (an instant is the same whatever its offset)."""
        return [f for f in FIELDS if getattr(self, f) != getattr(other, f)]


class LocalTime(EventError):
    """An event valid in every other way whose time has no offset, read with --assume-local:
    its instant is the time in its claim's branch zone, which the importer may learn only from
    later events (`resolve_local`). Left unresolved, it is the rejection it says."""

    def __init__(self, event: Event, wall: datetime, stamp: str):
        super().__init__(
            f"occurred_at {stamp!r} has no UTC offset, and the branch of claim "
            f"{event.claim_id!r} is not known to read it in: give this row a branch_code, import "
            "the claim's submitted event with it, or write the time with its offset (+07:00)",
            event.event_id,
        )
        self.event, self.wall, self.stamp = event, wall, stamp  # event.occurred_at: unset (0)

    def __reduce__(self) -> tuple[Callable[..., EventError], tuple[object, ...]]:
        return LocalTime, (self.event, self.wall, self.stamp)


def resolve_local(pending: LocalTime, zone: ZoneInfo, now: Instant) -> Event:
    """The pending event at its local time in `zone`, checked as any other instant."""
    try:
        instant = local_instant_of(pending.wall, zone)
        if not EARLIEST <= instant <= now + MAX_FUTURE:  # written out only to say why not
            check_range(instant, format_rfc3339(instant, zone), now)
    except ValueError as exc:
        raise EventError(f"occurred_at {exc}", pending.event.event_id) from None
    e = pending.event  # not dataclasses.replace: a file of local times has one an event
    return Event(
        e.event_id,
        e.claim_id,
        e.type,
        instant,
        e.channel,
        e.branch_code,
        e.employer_id,
        e.batch_id,
        e.amount,
        e.reason,
    )


def parse_events(
    raws: Iterable[object | EventError],
    *,
    now: Instant,
    channels: Collection[str],
    branches: Collection[str],
    reading: FileReading | None = None,
) -> list[Event | EventError]:
    """Parse a batch; an item that is already an error (unreadable input) stays one."""
    return [
        raw if isinstance(raw, EventError) else _parsed(raw, now, channels, branches, reading)
        for raw in raws
    ]


def parse_event(
    raw: object,
    *,
    now: Instant,
    channels: Collection[str],
    branches: Collection[str],
    reading: FileReading | None = None,
) -> Event:
    """Validate one raw event (a JSON object, or a CSV row with empty cells removed); with a
    `reading`, as `sla-monitor import` reads a file (spelling.FileReading)."""
    item = _parsed(raw, now, channels, branches, reading)
    if isinstance(item, EventError):
        raise item
    return item


def parse_values(
    values: Sequence[object],
    *,
    now: Instant,
    channels: Collection[str],
    branches: Collection[str],
    reading: FileReading | None = None,
) -> Event | EventError:
    """The event whose fields hold `values`, in the order of FIELDS (absent: None), or why
    not: for input already known to name no other field (event_wire.py)."""
    try:
        return _checked(values, now, channels, branches, reading)
    except ValueError as exc:
        return _rejection(exc, values[0])


def _parsed(
    raw: object,
    now: Instant,
    channels: Collection[str],
    branches: Collection[str],
    reading: FileReading | None,
) -> Event | EventError:
    """The event, or why not, returned rather than raised: an error kept in a batch keeps
    no traceback (and the frames it holds), and a file of local times has one an event."""
    if not isinstance(raw, Mapping):
        return EventError(f"an event must be a JSON object, got {type(raw).__name__}")
    try:
        _refuse_unknown_fields(raw)
        return _checked(tuple(map(raw.get, FIELDS)), now, channels, branches, reading)
    except ValueError as exc:
        return _rejection(exc, raw.get("event_id"))


def _rejection(exc: ValueError, given: object) -> EventError:
    # Named in the rejection only when it is a usable id: the response must be valid JSON.
    usable = given if isinstance(given, str) and is_plain_text(given, max_len=128) else None
    return EventError(str(exc), usable)


def _refuse_unknown_fields(raw: Mapping[str, Any]) -> None:
    unknown = sorted(field_name(k) for k in raw if k not in _KNOWN)
    if unknown:
        personal = [name for name in unknown if name.lower() in PERSONAL_DATA]
        if personal:
            raise ValueError(
                f"field(s) {', '.join(personal)} look like personal data, which sla-monitor does "
                "not accept or store; remove them"
            )
        # A misspelt field is named with the field it most likely means, as a misspelt
        # column of a spreadsheet's header is (services/table_rows.py).
        named = [f"{name}{in_brackets(did_you_mean(name, FIELDS))}" for name in unknown]
        raise ValueError(f"unknown field(s) {', '.join(named)}; allowed: {', '.join(FIELDS)}")


def _amount(value: Any) -> int | None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_AMOUNT
    ):
        raise ValueError(
            f"'amount' must be a whole number of Rupiah from 0 to 10^15, got {shown(value)}"
        )
    return value


def _checked(
    values: Sequence[Any],
    now: Instant,
    channels: Collection[str],
    branches: Collection[str],
    reading: FileReading | None,
) -> Event | LocalTime:
    """Every rule of one event, on the values of its fields (in the order of FIELDS)."""
    event_id, claim_id, kind, stamp, channel, branch, employer, batch, amount, reason = values
    folds = reading or _STRICT
    event_id = text_field("event_id", event_id, max_len=128, required=True)
    claim_id = text_field("claim_id", claim_id, max_len=64, required=True)
    kind = text_field("type", kind, max_len=64, required=True)
    assert event_id is not None and claim_id is not None and kind is not None
    if (
        kind not in EVENT_TYPES
        and (kind := folds.types.get(kind.casefold(), kind)) not in EVENT_TYPES
    ):
        raise ValueError(
            f"unknown type {kind!r}; use one of {', '.join(EVENT_TYPES)}"
            + did_you_mean(kind, EVENT_TYPES)
        )
    local: LocalWall | None = None
    try:
        instant = occurred_at(stamp, now, reading)
    except LocalWall as wall:
        instant, local = 0, wall  # its instant comes with the claim's branch
    channel = text_field("channel", channel, max_len=64, required=kind == "submitted")
    if channel is not None and channel not in channels:
        channel = folds.channels.get(channel.casefold(), channel)
        if channel not in channels:
            raise ValueError(
                f"unknown channel {channel!r}; configured: {', '.join(channels)}"
                + did_you_mean(channel, channels)
            )
    branch = text_field("branch_code", branch, max_len=32, required=kind == "submitted")
    if branch is not None and branch not in branches:
        branch = folds.branches.get(branch.casefold(), branch)
        if branch not in branches:
            raise ValueError(
                f"branch_code {branch!r} is not in the branch registry (branches.toml)"
                + did_you_mean(branch, branches)
                + "; `sla-monitor branches` lists it"
            )
    amount = _amount(amount)  # checked before the fields below: the first fault is named
    event = Event(
        event_id,
        claim_id,
        kind,
        instant,
        channel,
        branch,
        text_field("employer_id", employer, max_len=64, required=False),
        text_field("batch_id", batch, max_len=64, required=False),
        amount,
        text_field("reason", reason, max_len=500, required=False, multiline=True),
    )
    return event if local is None else LocalTime(event, local.wall, local.stamp)
