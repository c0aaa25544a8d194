"""The event parser (docs/events.md): what one event can say about itself."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sla_monitor.domain.events import Event, EventError, parse_event
from sla_monitor.domain.timeutil import TimestampError, parse_as_of, parse_rfc3339

NOW = parse_rfc3339("2026-11-22T10:00:00+07:00")
CHANNELS = ("online", "offline", "collective")
BRANCHES = ("JKT", "DPS")


def parse(**fields: Any) -> Event:
    raw = {
        "event_id": "E1",
        "claim_id": "C1",
        "type": "submitted",
        "occurred_at": "2026-11-20T09:00:00+07:00",
        "channel": "online",
        "branch_code": "JKT",
    }
    raw.update(fields)
    present = {k: v for k, v in raw.items() if v is not ...}
    return parse_event(present, now=NOW, channels=CHANNELS, branches=BRANCHES)


def rejected(**fields: Any) -> str:
    with pytest.raises(EventError) as caught:
        parse(**fields)
    return str(caught.value)


def test_a_complete_submitted_event_is_parsed() -> None:
    event = parse(amount=0, reason="multi\nline reason", employer_id="EMP-1", batch_id="B1")
    assert event.occurred_at == parse_rfc3339("2026-11-20T02:00:00Z")
    assert (event.channel, event.branch_code, event.amount) == ("online", "JKT", 0)


def test_the_same_instant_in_another_offset_is_the_same_event() -> None:
    assert parse() == parse(occurred_at="2026-11-20T10:00:00+08:00")
    assert parse(reason=None) == parse()  # null equals absent


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"event_id": ...}, "'event_id' is required"),
        ({"event_id": ""}, "1 to 128"),
        ({"event_id": "x" * 129}, "1 to 128"),
        ({"event_id": 7}, "must be a string"),
        ({"claim_id": "c" * 65}, "1 to 64"),
        ({"type": "approved_maybe"}, "unknown type"),
        ({"occurred_at": "2026-11-20T09:00:00"}, "no UTC offset"),
        ({"occurred_at": "20/11/2026 09:00"}, "not an RFC 3339"),
        ({"occurred_at": "2026-02-30T09:00:00+07:00"}, "not a real date"),
        ({"occurred_at": 1763600000}, "must be an RFC 3339 string"),
        ({"occurred_at": "2026-11-22T10:05:01+07:00"}, "more than 5 minutes ahead"),
        ({"occurred_at": "1999-12-31T23:00:00Z"}, "before"),
        ({"channel": ...}, "'channel' is required"),
        ({"channel": "fax"}, "unknown channel 'fax'"),
        ({"branch_code": ...}, "'branch_code' is required"),
        ({"branch_code": "XXX"}, "not in the branch registry"),
        ({"amount": True}, "'amount' must be a whole number"),
        ({"amount": 1.5}, "'amount' must be a whole number"),
        ({"amount": "100"}, "'amount' must be a whole number"),
        ({"amount": -1}, "'amount' must be a whole number"),
        ({"reason": "r" * 501}, "1 to 500"),
        ({"nik": "3171234567890001"}, "personal data"),
        ({"colour": "blue"}, "unknown field(s) colour; allowed: event_id"),
        # a misspelt field is named with the field it most likely means
        ({"reasons": "x"}, "unknown field(s) reasons (did you mean 'reason'?); allowed"),
        ({"Batch-ID": "B1", "zz": 1}, "(s) Batch-ID (did you mean 'batch_id'?), zz; allowed"),
        ({"claim_id": "C\x00"}, "control character"),
    ],
)
def test_bad_events_are_rejected_with_a_reason(fields: dict[str, Any], message: str) -> None:
    assert message in rejected(**fields)


def test_exactly_five_minutes_ahead_is_accepted() -> None:
    assert parse(occurred_at="2026-11-22T10:05:00+07:00").occurred_at == NOW + 300_000_000


def test_channel_and_branch_are_optional_after_submitted() -> None:
    event = parse(type="paid", channel=..., branch_code=...)
    assert event.channel is None and event.branch_code is None


def test_the_rejection_carries_the_event_id_when_readable() -> None:
    with pytest.raises(EventError) as caught:
        parse(type="nope")
    assert caught.value.event_id == "E1"
    with pytest.raises(EventError) as caught:
        parse_event(["not", "an", "object"], now=NOW, channels=CHANNELS, branches=BRANCHES)
    assert caught.value.event_id is None and "JSON object" in str(caught.value)


def test_fractions_beyond_microseconds_are_cut() -> None:
    cut = parse(occurred_at="2026-11-20T02:00:00.123456789Z").occurred_at
    assert cut == parse_rfc3339("2026-11-20T02:00:00.123456Z")


def test_differences_name_the_fields() -> None:
    assert parse().differences(parse(type="paid", amount=5)) == ["type", "amount"]


def test_timestamps_are_ascii_whole_and_in_range() -> None:
    for text, problem in [
        ("\uff12\uff10\uff12\uff16-11-20T09:00:00+07:00", "not an RFC 3339 timestamp"),
        ("2026-11-20T09:00:00+07:00\n", "not an RFC 3339 timestamp"),
        ("0001-01-01T00:00:00+07:00", "outside the years 1 to 9999"),
        ("9999-12-31T23:59:59-05:00", "outside the years 1 to 9999"),
    ]:
        with pytest.raises(TimestampError, match=problem):
            parse_rfc3339(text)
    with pytest.raises(TimestampError, match="outside 2000-2100"):
        parse_as_of("9999-12-31T23:59:59Z")
    assert parse_as_of("2100-12-31T23:59:59Z") == parse_rfc3339("2100-12-31T23:59:59Z")


def test_messages_about_hostile_values_never_fail_and_stay_short() -> None:
    base = {
        "event_id": "E1",
        "claim_id": "C1",
        "type": "paid",
        "occurred_at": "2026-03-02T09:00:00Z",
    }
    cases = [
        ({**base, "amount": 10**5000}, "'amount' must be a whole number"),
        ({**base, "reason": "a\ud800b"}, "'reason' contains a lone surrogate"),
        ({**base, "\ud800": 1}, "unknown field(s) \\ud800"),
    ]
    for raw, problem in cases:
        with pytest.raises(EventError) as raised:
            parse_event(raw, now=NOW, channels=["online"], branches=["JKT"])
        message = str(raised.value)
        assert problem in message and len(message) < 300
        message.encode("utf-8")  # storable and returnable as JSON
    with pytest.raises(EventError) as raised:
        parse_event({**base, "event_id": "x\ud800"}, now=NOW, channels=[], branches=[])
    assert raised.value.event_id is None  # not echoed: the response must be valid JSON


def _datetime_reference(text: str) -> int | str:
    """RFC 3339 → µs through datetime objects, as the parser did before its integer form."""
    import re
    from datetime import UTC, datetime, timedelta

    from sla_monitor.domain.timeutil import from_datetime

    match = re.fullmatch(
        r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
        r"(?:([Zz])|([+-])(\d{2}):(\d{2}))",
        text,
        re.ASCII,
    )
    assert match is not None
    y, mo, d, h, mi, s, frac, zulu, sign, oh, om = match.groups()
    if int(oh or 0) > 23 or int(om or 0) > 59:
        return "offset"
    offset = timedelta(0) if zulu else timedelta(hours=int(oh), minutes=int(om))
    offset = -offset if sign == "-" else offset
    try:
        naive = datetime(
            int(y), int(mo), int(d), int(h), int(mi), int(s), int((frac or "0").ljust(6, "0")[:6])
        )
    except ValueError:
        return "not real"
    try:
        return from_datetime(naive.replace(tzinfo=UTC) - offset)
    except OverflowError:
        return "outside"


@given(
    year=st.sampled_from([1, 2, 1970, 2000, 2026, 2100, 9999]) | st.integers(0, 9999),
    month=st.integers(0, 13),
    day=st.integers(0, 32),
    hour=st.integers(0, 25),
    minute=st.integers(0, 61),
    second=st.integers(0, 61),
    fraction=st.sampled_from(["", ".5", ".000001", ".123456789"]),
    offset=st.sampled_from(["Z", "z", "+07:00", "-05:30", "+23:59", "-23:59", "+24:00", "+00:60"]),
)
def test_the_integer_parser_agrees_with_datetime_arithmetic(
    year: int, month: int, day: int, hour: int, minute: int, second: int, fraction: str, offset: str
) -> None:
    text = (
        f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}{fraction}{offset}"
    )
    expected = _datetime_reference(text)
    try:
        got: int | str = parse_rfc3339(text)
    except TimestampError as exc:
        message = str(exc)
        got = (
            "offset"
            if "impossible UTC offset" in message
            else "not real"
            if "not a real date" in message
            else "outside"
            if "outside the years" in message
            else message
        )
    assert got == expected
