"""A JSONL line or an HTTP body decoded in C (msgspec), for the common case: flat objects
with no escape.

The decoder checks the JSON, the field names and the value types; the rules stay those of
events.py, run on the decoded values (`parse_values`). A line it cannot vouch for reading
exactly as event_json.load_json reads it (an escape, a field given twice or given null, a
value of another type, anything malformed) gets None, and is read the slow way
(load_json, then parse_events), which says why it is refused in the parser's own words.
"""

from __future__ import annotations

from collections.abc import Collection

import msgspec

from sla_monitor.domain.events import FIELDS, Event, EventError, parse_values
from sla_monitor.domain.spelling import FileReading
from sla_monitor.domain.timeutil import Instant

# The fields of an event, in the order of FIELDS: text, but for amount. Any other field or
# type (a number for a text, a float or a bool for amount, an object) fails the decoding.
_Wire = msgspec.defstruct(
    "_Wire",
    [(name, int | None if name == "amount" else str | None, None) for name in FIELDS],
    forbid_unknown_fields=True,
    gc=False,  # holds only text and numbers: no cycle for the collector to look for
)
_DECODE = msgspec.json.Decoder(_Wire).decode
_AMOUNT = FIELDS.index("amount")
# An HTTP batch: {"events": [...]}, each event as above.
_Batch = msgspec.defstruct(
    "_Batch",
    [("events", list[_Wire])],  # type: ignore[valid-type]  # _Wire is made from FIELDS above
    forbid_unknown_fields=True,
    gc=False,
)
_DECODE_BATCH = msgspec.json.Decoder(_Batch).decode


def plain_values(text: str) -> tuple[object, ...] | None:
    """The values of a line's fields in the order of FIELDS (None where absent), or None
    where only the slow way reads the line as it must be read."""
    # Without a backslash there is no escape: every quote opens or closes a string, and a
    # field name cannot be spelt two ways.
    if "\\" in text:
        return None
    try:
        values = msgspec.structs.astuple(_DECODE(text))
    except msgspec.MsgspecError:  # malformed, or a field or type the parser refuses
        return None
    # msgspec keeps the last value of a field given twice, where the parser refuses the
    # event: count the strings instead. Each string of a flat object is a field's name or a
    # text value, so a line without a repeated (or null) field has exactly 4 quotes for
    # each text field given and 2 for an amount (its name).
    return values if text.count('"') == _quotes(values) else None


def plain_batch(text: str, limit: int) -> list[tuple[object, ...]] | None:
    """The values of each event of an HTTP body (one event object, or {"events": [...]} with
    at most `limit`), as `plain_values` gives them; None: only the slow way reads the body
    as it must be read, or says why it is refused."""
    if "\\" in text:
        return None
    try:
        events = getattr(_DECODE_BATCH(text), "events")  # noqa: B009  # made by defstruct
        quotes = 2  # the name "events"
    except msgspec.MsgspecError:
        try:
            events, quotes = [_DECODE(text)], 0
        except msgspec.MsgspecError:
            return None
    if len(events) > limit:
        return None
    values = [msgspec.structs.astuple(event) for event in events]
    # As in plain_values: without an escape, a body with no repeated or null field has
    # exactly the quotes of its field names and text values.
    return values if text.count('"') == quotes + sum(map(_quotes, values)) else None


def _quotes(values: tuple[object, ...]) -> int:
    """The quotes of a flat event object whose fields hold `values` (None: not given)."""
    given = len(values) - values.count(None)
    return 4 * given - (0 if values[_AMOUNT] is None else 2)


def as_received(values: tuple[object, ...]) -> dict[str, object]:
    """The event object whose fields hold `values`, as it was received (for a log line)."""
    return {name: value for name, value in zip(FIELDS, values, strict=True) if value is not None}


def parse_plain(
    text: str,
    *,
    now: Instant,
    channels: Collection[str],
    branches: Collection[str],
    reading: FileReading | None = None,
) -> Event | EventError | None:
    """The event of one JSONL line, or why not; None: read it the slow way."""
    values = plain_values(text)
    if values is None:
        return None
    return parse_values(values, now=now, channels=channels, branches=branches, reading=reading)
