"""Events from a file a person made (docs/events.md#files-jsonl-csv-and-excel): the letter
case of a type, channel or branch forgiven, a suggestion for any other unknown value, and
times without an offset read, on request, in the zone of the claim's branch."""

from __future__ import annotations

import pickle
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sla_monitor.domain.events import (
    Event,
    EventError,
    LocalTime,
    parse_event,
    resolve_local,
)
from sla_monitor.domain.local_times import local_instant_of, wall_clock
from sla_monitor.domain.spelling import FileReading, did_you_mean
from sla_monitor.domain.timeutil import parse_rfc3339

NOW = parse_rfc3339("2026-11-22T10:00:00+07:00")
CHANNELS = ("online", "offline", "collective")
BRANCHES = ("JKT", "DPS", "JYP")
FILE = FileReading.of(CHANNELS, BRANCHES, assume_local=False)
LOCAL = FileReading.of(CHANNELS, BRANCHES, assume_local=True)
JAKARTA = ZoneInfo("Asia/Jakarta")


def parse(reading: FileReading | None, **fields: Any) -> Event:
    raw = {
        "event_id": "E1",
        "claim_id": "C1",
        "type": "submitted",
        "occurred_at": "2026-11-20T09:00:00+07:00",
        "channel": "online",
        "branch_code": "JKT",
        **fields,
    }
    return parse_event(raw, now=NOW, channels=CHANNELS, branches=BRANCHES, reading=reading)


def rejected(reading: FileReading | None, **fields: Any) -> str:
    with pytest.raises(EventError) as caught:
        parse(reading, **fields)
    return str(caught.value)


def test_a_file_may_write_type_channel_and_branch_in_any_letter_case() -> None:
    event = parse(FILE, type="Submitted", channel="ONLINE", branch_code="jkt")
    assert (event.type, event.channel, event.branch_code) == ("submitted", "online", "JKT")
    assert event == parse(None)  # the same event as written exactly


def test_over_http_the_letter_case_still_matters() -> None:
    assert "unknown type 'Submitted'" in rejected(None, type="Submitted")
    assert "unknown channel 'Online'" in rejected(None, channel="Online")
    assert "branch_code 'jkt' is not in the branch registry" in rejected(None, branch_code="jkt")


@pytest.mark.parametrize("reading", [None, FILE])
def test_an_unknown_value_gets_the_closest_valid_one(reading: FileReading | None) -> None:
    assert rejected(reading, type="submited").endswith("; did you mean 'submitted'?")
    assert "unknown channel 'onlne'; configured: online, offline, collective; did you mean " in (
        rejected(reading, channel="onlne")
    )
    branch = rejected(reading, branch_code="DPX")
    assert "'DPX' is not in the branch registry (branches.toml); did you mean 'DPS'?" in branch
    assert branch.endswith("`sla-monitor branches` lists it")
    assert "did you mean" not in rejected(reading, type="zzzzzz")


def test_did_you_mean_ignores_case_and_says_nothing_when_nothing_is_close() -> None:
    assert did_you_mean("APPROVE", ("approved", "paid")) == "; did you mean 'approved'?"
    assert did_you_mean("x", ("approved", "paid")) == ""


@pytest.mark.parametrize(
    ("stamp", "wall"),
    [
        ("2026-11-10 10:00", datetime(2026, 11, 10, 10, 0)),
        ("2026-11-10T10:00:30", datetime(2026, 11, 10, 10, 0, 30)),
        ("2026-11-10 10:00:30.25", datetime(2026, 11, 10, 10, 0, 30, 250_000)),
        ("10/11/2026 09:15", datetime(2026, 11, 10, 9, 15)),
        ("10/11/2026 9.15.20", datetime(2026, 11, 10, 9, 15, 20)),
        ("1/3/2026 09:15", datetime(2026, 3, 1, 9, 15)),
    ],
)
def test_local_stamps_as_spreadsheets_write_them(stamp: str, wall: datetime) -> None:
    assert wall_clock(stamp) == wall


@pytest.mark.parametrize("stamp", ["2026-11-10", "11/10/2026", "2026-11-10T10:00+07:00", "soon"])
def test_other_texts_are_not_local_stamps(stamp: str) -> None:
    assert wall_clock(stamp) is None


def test_a_local_stamp_of_a_day_that_does_not_exist_says_so() -> None:
    with pytest.raises(ValueError, match="not a real date"):
        wall_clock("31/11/2026 09:00")
    assert "occurred_at '31/11/2026 09:00' is not a real date" in rejected(
        LOCAL, occurred_at="31/11/2026 09:00"
    )


def test_without_the_flag_a_local_time_is_refused_naming_the_flag() -> None:
    for stamp in ("2026-11-20 09:00:00", "20/11/2026 09:00"):
        message = rejected(FILE, occurred_at=stamp)
        assert "has no UTC offset; add one such as +07:00 or Z, or import with --assume-local" in (
            message
        )
    # Over HTTP the flag means nothing: the message is the one it always was.
    assert rejected(None, occurred_at="2026-11-20 09:00:00").endswith(
        "has no UTC offset; add one such as +07:00 or Z"
    )
    assert "not an RFC 3339 timestamp" in rejected(None, occurred_at="20/11/2026 09:00")


def test_with_the_flag_a_local_time_waits_for_its_branch_zone() -> None:
    with pytest.raises(LocalTime) as caught:
        parse(LOCAL, type="paid", occurred_at="20/11/2026 09:00", channel=None, branch_code=None)
    pending = caught.value
    assert pending.wall == datetime(2026, 11, 20, 9, 0) and pending.event.event_id == "E1"
    # Unresolved, it is the rejection that says why.
    assert "the branch of claim 'C1' is not known" in str(pending)
    event = resolve_local(pending, JAKARTA, NOW)
    assert event == parse(None, type="paid", channel=None, branch_code=None)
    assert resolve_local(pending, ZoneInfo("Asia/Jayapura"), NOW).occurred_at == parse_rfc3339(
        "2026-11-20T09:00:00+09:00"
    )
    assert pickle.loads(pickle.dumps(pending)).wall == pending.wall  # crosses to a worker


def test_a_pending_event_is_checked_in_every_other_field_first() -> None:
    assert "unknown type" in rejected(LOCAL, type="nope", occurred_at="2026-11-20 09:00")


def test_a_time_with_an_offset_is_never_reinterpreted() -> None:
    event = parse(LOCAL, occurred_at="2026-11-20T09:00:00+08:00", branch_code="JKT")
    assert event.occurred_at == parse_rfc3339("2026-11-20T01:00:00Z")


def test_a_local_time_in_the_future_is_refused_once_placed() -> None:
    with pytest.raises(LocalTime) as caught:
        parse(LOCAL, occurred_at="2026-11-22 11:00")
    with pytest.raises(EventError, match=r"2026-11-22T11:00:00\+07:00 is more than 5 minutes"):
        resolve_local(caught.value, JAKARTA, NOW)


def test_a_time_that_a_zone_skips_or_repeats_is_refused() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    with pytest.raises(ValueError, match="does not exist in Europe/Berlin"):
        local_instant_of(datetime(2026, 3, 29, 2, 30), berlin)
    with pytest.raises(ValueError, match="happens twice in Europe/Berlin"):
        local_instant_of(datetime(2026, 10, 25, 2, 30), berlin)
    assert local_instant_of(datetime(2026, 3, 29, 12, 0), berlin) == parse_rfc3339(
        "2026-03-29T12:00:00+02:00"
    )
