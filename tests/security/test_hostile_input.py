"""Hostile input never causes a server error and never stores anything (docs/events.md, docs/api.md).

Three layers, from the inside out:

1. the one event parser and the JSON reader, fuzzed with hypothesis: `parse_event` returns an
   `Event` that satisfies docs/events.md or raises `EventError` (nothing else), `load_json` returns or
   raises `ValueError`/`RecursionError`, and a valid event changed in one field is rejected with
   a message that names the field;
2. the HTTP API, fuzzed by schemathesis from its own `/openapi.json`, in process, with a valid
   bearer token so that bodies reach the parser: no generated request gets a 5xx, and whatever
   it does get stored is a valid event;
3. explicit hostile requests against the running app (beyond tests/api/test_api.py): each is
   answered with a clear 4xx, or a 200 that rejects the event with a message naming the
   problem, and afterwards the tables hold nothing but a valid neighbour sent on purpose.

The API tests run on SQLite and PostgreSQL (the `db` fixture).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, assume, example, given, note, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from sla_monitor.config import load_config
from sla_monitor.domain.events import (
    EARLIEST,
    FIELDS,
    MAX_AMOUNT,
    MAX_FUTURE,
    PERSONAL_DATA,
    Event,
    EventError,
    load_json,
    parse_event,
)
from sla_monitor.domain.policy import EVENT_TYPES
from sla_monitor.domain.timer import SlaTimer
from sla_monitor.domain.timeutil import MICROS, format_rfc3339, parse_rfc3339
from sla_monitor.entrypoints.api.app import create_app
from sla_monitor.entrypoints.scheduler import Monitor
from sla_monitor.store.tables import ClaimRow, EventRow

CONFIG = load_config(Path(__file__).parents[2] / "config")
CHANNELS = CONFIG.channels
BRANCHES = tuple(CONFIG.branches)
NOW = parse_rfc3339("2026-11-22T12:00:00+07:00")  # the server's clock in every test here
WIB = timezone(timedelta(hours=7))
TOKEN = "test-writer-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {**AUTH, "Content-Type": "application/json"}
MAX_BODY = 2 * 1024 * 1024  # create_app's default limit
MIB = 1024 * 1024

# The 4 fields every event needs, and the 2 a `submitted` needs as well (docs/events.md).
REQUIRED = ("event_id", "claim_id", "type", "occurred_at", "channel", "branch_code")
# A `submitted` event with every field: valid, so that one change makes it invalid.
VALID: dict[str, Any] = {
    "event_id": "E-1",
    "claim_id": "C-1",
    "type": "submitted",
    "occurred_at": "2026-11-20T09:00:00+07:00",
    "channel": "online",
    "branch_code": "JKT",
    "employer_id": "EMP-1",
    "batch_id": "B-1",
    "amount": 1_500_000,
    "reason": "all documents complete",
}
# RFC 3339 as docs/events.md means it: ASCII digits, an offset, nothing after it.
STRICT_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})",
    re.ASCII,
)
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def parse(raw: object) -> Event:
    return parse_event(raw, now=NOW, channels=CHANNELS, branches=BRANCHES)


def rejection(raw: object) -> str:
    with pytest.raises(EventError) as caught:
        parse(raw)
    return str(caught.value)


# --- strategies ----------------------------------------------------------------------------

# Every Unicode scalar value but the surrogates: control characters (Cc) included.
CHARS = st.characters(exclude_categories=("Cs",))
TEXT = st.text(CHARS, max_size=24)
SPECIAL_TEXT = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\t",
        "\n",
        "\x1b[31m",
        "\x7f",
        "\u0085",
        "\u2028",
        "\u202e",
        "\ufeff",
        "null",
        "NaN",
        "0",
        "E1",
        "x" * 65,
        "x" * 129,
        "x" * 501,
        *EVENT_TYPES,
        "SUBMITTED",
        *CHANNELS,
        *BRANCHES[:3],
        "jkt",
        "2026-11-20T09:00:00+07:00",
        "2026-11-20T09:00:00",
        "0001-01-01T00:00:00+07:00",
        "9999-12-31T23:59:59-05:00",
    ]
)
# Integers a JSON document can carry (Python's json refuses more than 4300 digits).
JSON_INTS = (
    st.integers()
    | st.integers(min_value=-(2**130), max_value=2**130)
    | st.sampled_from(
        [-1, 0, MAX_AMOUNT, MAX_AMOUNT + 1, 2**31, 2**53 + 1, 2**63, -(2**63) - 1, 2**64, 10**400]
    )
)
# And integers only a Python caller can pass (CSV import, direct callers).
# (Built by a function: hypothesis cannot print a strategy holding such an int.)
INTS = JSON_INTS | st.sampled_from([4300, 5000, -5000]).map(
    lambda e: 10 ** abs(e) * (1 if e > 0 else -1)
)
FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from([0.0, -0.0, 1.0, 1e400])
KEYS = (
    TEXT
    | st.sampled_from(FIELDS)
    | st.sampled_from(sorted(PERSONAL_DATA))
    | st.sampled_from(["NIK", "Nama", "EMAIL", "Event_ID", "type ", "events"])
)


def json_like(ints: st.SearchStrategy[int]) -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | ints | FLOATS | TEXT | SPECIAL_TEXT
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=6),
        max_leaves=24,
    )


ANY_VALUE = json_like(INTS)
JSON_VALUE = json_like(JSON_INTS)
OFFSETS = st.sampled_from(["Z", "z", "+00:00", "-00:00", "+07:00", "+09:00", "-05:00"]) | (
    st.tuples(st.sampled_from("+-"), st.integers(0, 25), st.integers(0, 60)).map(
        lambda t: f"{t[0]}{t[1]:02d}:{t[2]:02d}"
    )
)


@st.composite
def rfc3339_shaped(draw: st.DrawFn) -> str:
    """Strings shaped like RFC 3339 with any field at or beyond its range, any offset."""
    year = draw(
        st.sampled_from([0, 1, 1969, 1970, 1999, 2000, 2026, 2027, 9999]) | st.integers(0, 9999)
    )
    month, day = draw(st.integers(0, 13)), draw(st.integers(0, 32))
    hour, minute, second = (
        draw(st.integers(0, 24)),
        draw(st.integers(0, 60)),
        draw(st.integers(0, 60)),
    )
    fraction = draw(st.sampled_from(["", ".5", ".000001", ".999999999", ".1234567890123"]))
    separator = draw(st.sampled_from("Tt "))
    offset = draw(OFFSETS | st.just(""))
    return (
        f"{year:04d}-{month:02d}-{day:02d}{separator}{hour:02d}:{minute:02d}:{second:02d}"
        f"{fraction}{offset}"
    )


@st.composite
def range_edges(draw: st.DrawFn) -> str:
    """The first and the last day a datetime can hold, with an offset that may leave them."""
    day = draw(st.sampled_from(["0001-01-01", "9999-12-31"]))
    hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    return f"{day}T{hour:02d}:{minute:02d}:00{draw(OFFSETS)}"


def _in_zone(instant: int, hours: int) -> str:
    return format_rfc3339(instant, timezone(timedelta(hours=hours)))


# Real instants around every boundary the parser has: 2000-01-01 and now + 5 minutes.
INSTANTS = st.one_of(
    st.integers(EARLIEST - 86_400 * MICROS, NOW + 2 * MAX_FUTURE),
    st.integers(-2, 2).map(lambda s: EARLIEST + s * MICROS),
    st.integers(-2, 2).map(lambda s: NOW + MAX_FUTURE + s * MICROS),
)
NEAR_NOW = st.builds(_in_zone, INSTANTS, st.integers(-12, 14))
_DIGIT_SCRIPTS = (0xFF10, 0x0660, 0x06F0, 0x0966, 0x1D7CE)  # fullwidth, Arabic-Indic, ...


@st.composite
def foreign_digits(draw: st.DrawFn) -> str:
    """A real timestamp with one digit written in another script, or a trailing newline:
    not RFC 3339, whatever a lenient regex makes of it."""
    stamp = draw(NEAR_NOW)
    if draw(st.booleans()):
        return stamp + "\n"
    positions = [i for i, ch in enumerate(stamp) if ch.isdigit()]
    at = draw(st.sampled_from(positions))
    script = draw(st.sampled_from(_DIGIT_SCRIPTS))
    return stamp[:at] + chr(script + int(stamp[at])) + stamp[at + 1 :]


TIMESTAMPS = NEAR_NOW | rfc3339_shaped() | range_edges() | foreign_digits() | TEXT
PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    "event_id": st.sampled_from(["E-1", "E-2", "x" * 128]) | TEXT,
    "claim_id": st.sampled_from(["C-1", "x" * 64]) | TEXT,
    "type": st.sampled_from(EVENT_TYPES) | TEXT,
    "occurred_at": TIMESTAMPS,
    "channel": st.sampled_from(CHANNELS) | TEXT,
    "branch_code": st.sampled_from(BRANCHES) | TEXT,
    "employer_id": TEXT,
    "batch_id": TEXT,
    "amount": st.integers(0, MAX_AMOUNT) | INTS | FLOATS | st.booleans(),
    "reason": st.text(CHARS, max_size=600) | SPECIAL_TEXT,
}


def _value(name: str) -> st.SearchStrategy[Any]:
    return PLAUSIBLE[name] | ANY_VALUE


# Events with any subset of the fields, some with extra keys; and events with all the
# required fields, mostly plausible, so that accepted events are common enough to check.
EVENT_SHAPED = st.fixed_dictionaries({}, optional={name: _value(name) for name in FIELDS})
EXTRA_KEYS = st.dictionaries(KEYS, ANY_VALUE, min_size=1, max_size=2)
WITH_EXTRA = st.tuples(EVENT_SHAPED, EXTRA_KEYS).map(lambda t: {**t[1], **t[0]})
NEARLY_VALID = st.fixed_dictionaries(
    {
        "event_id": st.sampled_from(["E-1", "x" * 128]),
        "claim_id": st.sampled_from(["C-1", "x" * 64]),
        "type": st.sampled_from(EVENT_TYPES),
        "occurred_at": TIMESTAMPS,
    },
    optional={name: PLAUSIBLE[name] for name in FIELDS[4:]},
)


# --- 1. the parser -------------------------------------------------------------------------


def _show(value: object) -> str:
    try:
        return f"{value!r:.300}"
    except ValueError:  # an int too long to print
        return "<a value holding an integer of more than 4300 digits>"


def assert_satisfies_spec(event: Event, raw: Mapping[str, Any]) -> None:
    """What an accepted event must be (docs/events.md): checked independently of the parser."""
    assert set(raw) <= set(FIELDS), f"accepted unknown fields {set(raw) - set(FIELDS)}"
    assert event.type in EVENT_TYPES
    assert EARLIEST <= event.occurred_at <= NOW + MAX_FUTURE, format_rfc3339(event.occurred_at)
    stamp = raw["occurred_at"]
    assert isinstance(stamp, str) and STRICT_RFC3339.fullmatch(stamp), (
        f"accepted occurred_at {stamp!r}, which is not an RFC 3339 timestamp"
    )
    for name, longest in (("event_id", 128), ("claim_id", 64)):
        value = getattr(event, name)
        assert isinstance(value, str) and 1 <= len(value) <= longest, name
        assert not CONTROL.search(value), name
        assert value == raw[name]
    if event.type == "submitted":
        assert event.channel is not None and event.branch_code is not None
    assert event.channel is None or event.channel in CHANNELS
    assert event.branch_code is None or event.branch_code in BRANCHES
    assert event.amount is None or (
        type(event.amount) is int and 0 <= event.amount <= MAX_AMOUNT
    ), event.amount
    assert event.reason is None or 1 <= len(event.reason) <= 500


@settings(max_examples=600, deadline=None)
@given(raw=ANY_VALUE | EVENT_SHAPED | WITH_EXTRA | NEARLY_VALID)
# Found by hand in timeutil.parse_rfc3339: a date at the edge of datetime's range, with an
# offset that moves it past the edge, raises OverflowError instead of TimestampError.
@example(raw=VALID | {"occurred_at": "0001-01-01T00:00:00+07:00"})
@example(raw=VALID | {"occurred_at": "9999-12-31T23:59:59-05:00"})
# Python's `\d` and `$`: digits of any script and a trailing newline pass the RFC 3339 regex.
@example(raw=VALID | {"occurred_at": "\uff12\uff10\uff12\uff16-11-20T09:00:00+07:00"})
@example(raw=VALID | {"occurred_at": "2026-11-20T09:00:00+07:00\n"})
def test_the_parser_returns_a_valid_event_or_raises_event_error(raw: Any) -> None:
    note(f"raw = {_show(raw)}")
    try:
        event = parse(raw)
    except EventError as exc:
        assert str(exc).strip(), "a rejection must say why"
        return
    except Exception as exc:
        raise AssertionError(
            f"parse_event raised {type(exc).__name__} ({exc}), not EventError, for {_show(raw)}"
        ) from exc
    assert_satisfies_spec(event, raw)


@settings(max_examples=400, deadline=None)
@given(
    data=st.text()
    | st.binary()
    | JSON_VALUE.map(lambda v: json.dumps(v))
    | st.tuples(JSON_VALUE.map(lambda v: json.dumps(v)), st.integers(0, 60)).map(
        lambda t: t[0][: t[1]]  # truncated JSON
    )
    | st.tuples(JSON_VALUE.map(lambda v: json.dumps(v)), st.binary(max_size=3)).map(
        lambda t: t[0].encode() + t[1]  # JSON followed by stray bytes
    )
    | st.sampled_from(["NaN", "-Infinity", '{"a": 1, "a": 1}', "1" * 5000, "1e99999"])
)
@example(data="[" * 100_000)  # absurd nesting: RecursionError, which the API answers 422
@example(data="[" * 100_000 + "]" * 100_000)
@example(data=b"\xff\xfe{\x00}\x00")
@example(data='"\\ud800"')
def test_load_json_returns_or_raises_value_error(data: str | bytes) -> None:
    with contextlib.suppress(ValueError, RecursionError):  # UnicodeDecodeError included
        load_json(data)


def test_the_valid_event_is_accepted() -> None:
    assert parse(VALID).to_json() == VALID | {"occurred_at": "2026-11-20T02:00:00Z"}


@pytest.mark.parametrize("name", FIELDS)
def test_dropping_a_field_is_rejected_by_name_if_it_is_required(name: str) -> None:
    raw = {k: v for k, v in VALID.items() if k != name}
    if name in REQUIRED:
        message = rejection(raw)
        assert f"'{name}'" in message and "required" in message
    else:
        assert getattr(parse(raw), name) is None


@settings(max_examples=200, deadline=None)
@given(key=st.text(CHARS, min_size=1, max_size=24) | KEYS, value=ANY_VALUE)
def test_an_unknown_field_is_rejected_by_name(key: str, value: Any) -> None:
    assume(key not in FIELDS)
    message = rejection(VALID | {key: value})
    assert key in message
    if key.lower() in PERSONAL_DATA:
        assert "personal data" in message
    else:
        assert "unknown field" in message


def _wrong_type(name: str, value: Any) -> bool:
    if value is None:  # null is absent (docs/events.md): a type change only for a required field
        return name in REQUIRED
    if name == "amount":
        return isinstance(value, bool) or not isinstance(value, int)
    return not isinstance(value, str)


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(FIELDS), value=JSON_VALUE)
def test_a_field_of_another_type_is_rejected_by_name(name: str, value: Any) -> None:
    assume(_wrong_type(name, value))
    message = rejection(VALID | {name: value})
    assert f"'{name}'" in message


# --- the app --------------------------------------------------------------------------------


def make_app(db: Engine, sla: SlaTimer) -> FastAPI:
    """The app as `serve` builds it, with a clock fixed at NOW and one writer token."""
    monitor = Monitor(db=db, sla=sla, interval=30, clock=lambda: NOW, holder="security-test")
    return create_app(
        db=db, sla=sla, clock=lambda: NOW, monitor=monitor, api_tokens=[TOKEN], run_scheduler=False
    )


@pytest.fixture
def client(db: Engine, sla: SlaTimer) -> Iterator[TestClient]:
    # A server error is answered 500 instead of raised here, so the test can say what it got
    # and still look at the tables.
    with TestClient(make_app(db, sla), raise_server_exceptions=False) as test_client:
        yield test_client


TABLES = ("events", "claims", "claim_goals", "goal_versions")


def stored(db: Engine) -> dict[str, set[str]]:
    """The ids each table holds: event ids for `events`, claim ids for the rest."""
    with db.connect() as connection:
        return {
            table: {
                row[0]
                for row in connection.execute(
                    text(f"SELECT {'event_id' if table == 'events' else 'claim_id'} FROM {table}")
                )
            }
            for table in TABLES
        }


def assert_nothing_stored(db: Engine) -> None:
    assert stored(db) == {table: set() for table in TABLES}


# A valid event sent beside a hostile one: docs/events.md says it must not be lost.
NEIGHBOUR = {
    "event_id": "OK-1",
    "claim_id": "OK",
    "type": "submitted",
    "occurred_at": "2026-11-20T09:00:00+07:00",
    "channel": "online",
    "branch_code": "JKT",
}


def assert_only_the_neighbour_stored(db: Engine) -> None:
    tables = stored(db)
    assert tables["events"] == {"OK-1"}
    assert tables["claims"] == {"OK"}
    assert tables["claim_goals"] <= {"OK"} and tables["goal_versions"] <= {"OK"}


# --- 2. schemathesis -------------------------------------------------------------------------


@pytest.fixture
def api_schema(db: Engine, sla: SlaTimer) -> Any:
    monitor = Monitor(db=db, sla=sla, interval=30, clock=lambda: NOW, holder="security-test")
    monitor.tick()  # an evaluation at NOW, so /readyz answers 200 rather than a designed 503
    app = create_app(
        db=db, sla=sla, clock=lambda: NOW, monitor=monitor, api_tokens=[TOKEN], run_scheduler=False
    )
    return schemathesis.openapi.from_asgi("/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


def assert_stored_events_are_valid(db: Engine, body: Any) -> None:
    """Generated events that happen to be valid are stored: check that they are valid."""
    raws = body.get("events", []) if isinstance(body, dict) and "events" in body else [body]
    ids = [
        r["event_id"] for r in raws if isinstance(r, dict) and isinstance(r.get("event_id"), str)
    ]
    with Session(db) as session:
        rows = session.exec(select(EventRow).where(col(EventRow.event_id).in_(ids))).all()
        assert rows, f"accepted, but none of {ids} is stored"
        for row in rows:
            assert row.type in EVENT_TYPES
            assert EARLIEST <= row.occurred_at <= NOW + MAX_FUTURE
            assert 1 <= len(row.event_id) <= 128 and 1 <= len(row.claim_id) <= 64
            assert not CONTROL.search(row.event_id + row.claim_id)
            assert row.channel is None or row.channel in CHANNELS
            assert row.branch_code is None or row.branch_code in BRANCHES
            assert row.amount is None or 0 <= row.amount <= MAX_AMOUNT
        for claim in session.exec(select(ClaimRow)).all():
            assert claim.channel in CHANNELS and claim.branch_code in BRANCHES


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_generated_request_gets_a_server_error(case: Any, db: Engine) -> None:
    try:
        response = case.call(headers=AUTH)
    except Exception as exc:  # the app raised: the client got a 500
        pytest.fail(
            f"{case.method} {case.formatted_path} raised {type(exc).__name__}: {exc}\n"
            f"query: {case.query!r:.300}\nbody: {case.body!r:.500}"
        )
    case.validate_response(response, checks=[not_a_server_error])
    assert response.status_code < 500
    if case.path == "/v1/events" and response.status_code == 200 and response.json()["accepted"]:
        assert_stored_events_are_valid(db, case.body)


# --- 3. explicit hostile requests ------------------------------------------------------------


@dataclass(frozen=True)
class Hostile:
    """One hostile event: a valid `submitted` event with `changes`, or raw JSON `text`."""

    id: str
    says: tuple[str, ...]  # words the rejection must contain
    changes: dict[str, Any] = field(default_factory=dict)
    text: str | None = None
    secret: str | None = None  # a personal value the response must not echo
    unreadable: bool = False  # invalid Unicode: a 422 for the whole body is a fair answer

    def json(self) -> str:
        if self.text is not None:
            return self.text
        return json.dumps(
            {**NEIGHBOUR, "event_id": "H-1", "claim_id": "H"} | self.changes, ensure_ascii=True
        )


def ahead(seconds: int) -> str:
    return format_rfc3339(NOW + seconds * MICROS, WIB)


_BASE_TEXT = json.dumps({**NEIGHBOUR, "event_id": "H-1", "claim_id": "H"})[:-1]
HOSTILE_EVENTS = [
    # timestamps far in the past and far in the future
    Hostile(
        "year-0001-utc", ("occurred_at", "before 2000"), {"occurred_at": "0001-01-01T00:00:00Z"}
    ),
    Hostile(
        "year-0001-plus-offset", ("occurred_at",), {"occurred_at": "0001-01-01T00:00:00+07:00"}
    ),
    Hostile("year-1970", ("occurred_at", "before 2000"), {"occurred_at": "1970-01-01T00:00:00Z"}),
    Hostile(
        "a-second-before-2000",
        ("occurred_at", "before 2000"),
        {"occurred_at": "2000-01-01T06:59:59+07:00"},
    ),
    Hostile(
        "year-9999-utc", ("occurred_at", "5 minutes ahead"), {"occurred_at": "9999-12-31T23:59:59Z"}
    ),
    Hostile(
        "year-9999-minus-offset", ("occurred_at",), {"occurred_at": "9999-12-31T23:59:59-05:00"}
    ),
    Hostile("ten-minutes-ahead", ("occurred_at", "5 minutes ahead"), {"occurred_at": ahead(600)}),
    Hostile(
        "five-minutes-and-a-second-ahead",
        ("occurred_at", "5 minutes ahead"),
        {"occurred_at": ahead(301)},
    ),
    # not RFC 3339, however a lenient regex reads it
    Hostile(
        "fullwidth-digits",
        ("occurred_at",),
        {"occurred_at": "\uff12\uff10\uff12\uff16-11-20T09:00:00+07:00"},
    ),
    Hostile(
        "arabic-indic-digits",
        ("occurred_at",),
        {"occurred_at": "\u0662\u0660\u0662\u0666-\u0661\u0661-\u0662\u0660T09:00:00+07:00"},
    ),
    Hostile("trailing-newline", ("occurred_at",), {"occurred_at": "2026-11-20T09:00:00+07:00\n"}),
    # unknown fields
    Hostile("unknown-field", ("colour", "unknown field"), {"colour": "blue"}),
    Hostile("field-name-in-another-case", ("Event_ID", "unknown field"), {"Event_ID": "H-2"}),
    Hostile("field-name-with-a-space", ("type ", "unknown field"), {"type ": "paid"}),
    Hostile(
        "nested-unknown-field",
        ("meta", "unknown field"),
        {"meta": {"nik": "3171234567890001"}},
        secret="3171234567890001",
    ),
    Hostile("escape-sequence-as-field-name", ("\x1b[2J", "unknown field"), {"\x1b[2J": 1}),
    # personal data
    Hostile(
        "nik", ("nik", "personal data"), {"nik": "3171234567890001"}, secret="3171234567890001"
    ),
    Hostile(
        "nama", ("nama", "personal data"), {"nama": "Siti Aminah binti Hasan"}, secret="Siti Aminah"
    ),
    Hostile(
        "email",
        ("email", "personal data"),
        {"email": "siti.aminah@example.co.id"},
        secret="siti.aminah@",
    ),
    Hostile(
        "NIK-in-capitals",
        ("NIK", "personal data"),
        {"NIK": "3171234567890001"},
        secret="3171234567890001",
    ),
    Hostile(
        "nik-and-email",
        ("nik", "email", "personal data"),
        {"nik": "3171234567890001", "email": "a@b.id"},
        secret="3171234567890001",
    ),
    # huge values, each under the body limit
    Hostile("huge-reason", ("'reason'", "500"), {"reason": "r" * MIB}),
    Hostile("huge-event-id", ("'event_id'", "128"), {"event_id": "e" * (MIB // 2)}),
    Hostile("huge-claim-id", ("'claim_id'", "64"), {"claim_id": "c" * (MIB // 2)}),
    Hostile("huge-field-name", ("unknown field",), {"k" * (MIB // 4): 1}),
    Hostile("huge-amount-float", ("'amount'",), text=_BASE_TEXT + ', "amount": 1e400}'),
    Hostile("amount-past-bigint", ("'amount'",), {"amount": 2**63}),
    Hostile("amount-as-string", ("'amount'",), {"amount": "1500000"}),
    Hostile(
        "moderately-nested-reason",
        ("'reason'",),
        text=_BASE_TEXT + ', "reason": ' + "[" * 300 + "]" * 300 + "}",
    ),
    # control characters and invalid Unicode inside valid JSON
    Hostile("nul-in-event-id", ("'event_id'", "control character"), {"event_id": "H\x00-1"}),
    Hostile("nul-in-reason", ("'reason'", "control character"), {"reason": "ok\x00"}),
    Hostile("lone-surrogate-in-event-id", ("event_id",), {"event_id": "H-\ud800"}, unreadable=True),
    Hostile("lone-surrogate-in-claim-id", ("claim_id",), {"claim_id": "H\udfff"}, unreadable=True),
    Hostile("lone-surrogate-in-reason", ("reason",), {"reason": "ok \ud83d"}, unreadable=True),
    Hostile("lone-surrogate-in-type", ("type",), {"type": "paid\udc00"}, unreadable=True),
    Hostile("lone-surrogate-as-field-name", ("field",), {"\ud800": 1}, unreadable=True),
    Hostile("type-in-capitals", ("unknown type",), {"type": "SUBMITTED"}),
]


def assert_rejected(response: Any, index: int, case: Hostile, accepted: int) -> None:
    """A 200 rejecting item `index` with a message naming the problem (or, for invalid
    Unicode, a 422 for the whole body)."""
    assert response.status_code < 500, f"{case.id}: {response.status_code} {response.text:.300}"
    if case.unreadable and response.status_code == 422:
        assert response.json()["detail"]
        return
    assert response.status_code == 200, f"{case.id}: {response.status_code} {response.text:.300}"
    body = response.json()
    if body["accepted"] != accepted:
        pytest.fail(f"{case.id}: the hostile event was accepted and stored: {body}")
    assert body["duplicates"] == 0, body
    assert [r["index"] for r in body["rejected"]] == [index], body
    error = body["rejected"][0]["error"]
    for word in case.says:
        assert word in error, f"{case.id}: {word!r} not in {error[:300]!r}"
    if case.secret:
        assert case.secret not in response.text, "a personal value is echoed back"


@pytest.mark.parametrize("case", HOSTILE_EVENTS, ids=[c.id for c in HOSTILE_EVENTS])
def test_a_hostile_event_is_rejected_by_reason_and_only_its_neighbour_stored(
    client: TestClient, db: Engine, case: Hostile
) -> None:
    alone = client.post("/v1/events", content=case.json().encode(), headers=JSON)
    assert_rejected(alone, 0, case, accepted=0)
    assert_nothing_stored(db)

    batch = '{"events": [' + json.dumps(NEIGHBOUR) + ", " + case.json() + "]}"
    beside = client.post("/v1/events", content=batch.encode(), headers=JSON)
    assert_rejected(beside, 1, case, accepted=1)
    if beside.status_code == 422:  # the whole body refused as unreadable: nothing at all
        assert_nothing_stored(db)
    else:
        assert_only_the_neighbour_stored(db)


def _batch(*texts: str) -> bytes:
    return ('{"events": [' + ", ".join(texts) + "]}").encode()


_NEIGHBOUR_TEXT = json.dumps(NEIGHBOUR)
_HOSTILE_TEXT = json.dumps({**NEIGHBOUR, "event_id": "H-1", "claim_id": "H"})
DEEP = 100_000
HOSTILE_BODIES: list[tuple[str, bytes, str]] = [
    # deeply nested JSON, closed properly, next to a valid event: the body is unreadable
    ("deep-arrays-in-a-batch", _batch(_NEIGHBOUR_TEXT, "[" * DEEP + "]" * DEEP), "not valid JSON"),
    (
        "deep-objects-in-a-field",
        (_HOSTILE_TEXT[:-1] + ', "reason": ' + '{"a": ' * DEEP + "1" + "}" * DEEP + "}").encode(),
        "not valid JSON",
    ),
    # invalid UTF-8 inside an otherwise valid batch
    (
        "lone-continuation-byte",
        _batch(_NEIGHBOUR_TEXT, '{"event_id": "H\x80"}').replace(b"\xc2\x80", b"\x80"),
        "UTF-8",
    ),
    ("overlong-slash", _batch(_NEIGHBOUR_TEXT).replace(b"OK-1", b"OK\xc0\xaf1"), "UTF-8"),
    (
        "utf-8-encoded-surrogate",
        _batch(_NEIGHBOUR_TEXT).replace(b"OK-1", b"OK\xed\xa0\x801"),
        "UTF-8",
    ),
    ("truncated-sequence-at-the-end", _batch(_NEIGHBOUR_TEXT) + b"\xe2\x82", "UTF-8"),
    (
        "latin-1",
        json.dumps({**NEIGHBOUR, "reason": "Jos\u00e9"}, ensure_ascii=False).encode("latin-1"),
        "UTF-8",
    ),
    ("utf-16", _NEIGHBOUR_TEXT.encode("utf-16"), "UTF-8"),
    # numbers JSON has no room for
    ("nan", (_HOSTILE_TEXT[:-1] + ', "amount": NaN}').encode(), "NaN"),
    ("infinity", (_HOSTILE_TEXT[:-1] + ', "amount": Infinity}').encode(), "Infinity"),
    (
        "minus-infinity-in-a-batch",
        _batch(_NEIGHBOUR_TEXT, _HOSTILE_TEXT[:-1] + ', "amount": -Infinity}'),
        "Infinity",
    ),
    (
        "a-5000-digit-integer",
        (_HOSTILE_TEXT[:-1] + ', "amount": ' + "9" * 5000 + "}").encode(),
        "not valid JSON",
    ),
    # a key given twice inside a batch, and bodies that are no event at all
    (
        "key-twice-in-a-batch",
        _batch(_NEIGHBOUR_TEXT, '{"event_id": "H-1", "event_id": "OK-1"}'),
        "given twice",
    ),
    ("empty", b"", "not valid JSON"),
    ("whitespace", b" \r\n\t ", "not valid JSON"),
    ("null", b"null", "must be an event object"),
    ("a-string", b'"OK-1"', "must be an event object"),
    ("events-null", b'{"events": null}', "no other field"),
]


@pytest.mark.parametrize(
    ("body", "says"),
    [(body, says) for _, body, says in HOSTILE_BODIES],
    ids=[name for name, _, _ in HOSTILE_BODIES],
)
def test_a_hostile_body_gets_422_and_nothing_is_stored(
    client: TestClient, db: Engine, body: bytes, says: str
) -> None:
    response = client.post("/v1/events", content=body, headers=JSON)
    assert response.status_code == 422, f"{response.status_code} {response.text:.300}"
    assert says in response.json()["detail"]
    assert_nothing_stored(db)


def test_oversized_bodies_get_413_and_nothing_is_stored(client: TestClient, db: Engine) -> None:
    def padded(size: int) -> bytes:
        """A batch with one valid event, padded with whitespace to `size` bytes."""
        head = _batch(_NEIGHBOUR_TEXT)
        return head[:-2] + b" " * (size - len(head)) + head[-2:]

    over = padded(MAX_BODY + 1)
    declared = client.post("/v1/events", content=over, headers=JSON)  # with Content-Length
    assert declared.status_code == 413 and "larger than" in declared.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit holds while streaming
        for start in range(0, len(over), 64 * 1024):
            yield over[start : start + 64 * 1024]

    streamed = client.post("/v1/events", content=chunks(), headers=JSON)
    assert "content-length" not in streamed.request.headers
    assert streamed.status_code == 413 and "larger than" in streamed.json()["detail"]

    # A Content-Length that lies low does not let a larger body through.
    lying = client.post("/v1/events", content=over, headers={**JSON, "Content-Length": "100"})
    assert lying.request.headers["content-length"] == "100"
    assert lying.status_code in (400, 413), f"{lying.status_code} {lying.text:.300}"
    assert_nothing_stored(db)

    # The limit is the limit: a body of exactly MAX_BODY bytes is read, and its event stored.
    exact = client.post("/v1/events", content=padded(MAX_BODY), headers=JSON)
    assert exact.status_code == 200 and exact.json()["accepted"] == 1
    assert_only_the_neighbour_stored(db)


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": b"Bearer \xff\xfe\xfd"},  # not ASCII
        {"Authorization": "Bearer " + "t" * 64 * 1024},  # huge
        {"Authorization": f"Bearer {TOKEN}\x00"},  # the token and a NUL
        {"Authorization": f"Bearer {TOKEN[:-1]}"},  # all but the last character
        {"Authorization": "Bearer "},
        {"Authorization": f"bearer{TOKEN}"},
    ],
    ids=["non-ascii", "huge", "nul", "prefix", "empty", "no-space"],
)
def test_hostile_credentials_get_401_and_nothing_is_stored(
    client: TestClient, db: Engine, headers: dict[str, Any]
) -> None:
    response = client.post(
        "/v1/events",
        content=_NEIGHBOUR_TEXT.encode(),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code in (400, 401), f"{response.status_code} {response.text:.300}"
    assert_nothing_stored(db)


@pytest.mark.parametrize(
    ("path", "params", "statuses"),
    [
        # as_of outside what a datetime can hold once an offset or a zone is applied
        ("/v1/claims/OK", {"as_of": "0001-01-01T00:00:00+07:00"}, {422}),
        ("/v1/claims/OK", {"as_of": "9999-12-31T23:59:59-05:00"}, {422}),
        # valid instants, absurd but readable: the claim as it was then, or a refusal
        ("/v1/claims/OK", {"as_of": "0001-01-01T00:00:00Z"}, {200, 404, 422}),
        ("/v1/claims/OK", {"as_of": "9999-12-31T23:59:59Z"}, {200, 404, 422}),
        ("/v1/claims/OK", {"as_of": "2026-11-20T09:00:00+07:00\x00"}, {422}),
        ("/v1/claims/OK", {"as_of": "x" * 10_000}, {422}),
        # claim ids that no claim can have
        ("/v1/claims/%FF%FE", {}, {404}),
        ("/v1/claims/%ED%A0%80", {}, {404}),
        ("/v1/claims/OK%00", {}, {404}),
        ("/v1/claims/..%2F..%2Fetc%2Fpasswd", {}, {404}),
        ("/v1/claims/" + "c" * 10_000, {}, {404}),
    ],
    ids=[
        "as-of-year-0001-plus-offset",
        "as-of-year-9999-minus-offset",
        "as-of-year-0001",
        "as-of-year-9999",
        "as-of-with-nul",
        "as-of-huge",
        "invalid-utf-8-claim-id",
        "surrogate-claim-id",
        "nul-claim-id",
        "traversal-claim-id",
        "huge-claim-id",
    ],
)
def test_hostile_claim_reads_get_no_server_error(
    client: TestClient, db: Engine, path: str, params: dict[str, str], statuses: set[int]
) -> None:
    client.post("/v1/events", json=NEIGHBOUR, headers=AUTH)  # a claim to read
    response = client.get(path, params=params)
    assert response.status_code in statuses, f"{response.status_code} {response.text:.300}"
    if response.status_code != 200:
        assert response.json()["detail"]
    assert_only_the_neighbour_stored(db)
