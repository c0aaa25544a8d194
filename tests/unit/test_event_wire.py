"""JSONL lines decoded in C (domain/event_wire.py) are parsed exactly as the slow way parses
them: the same event, or the same rejection with the same message and event id, for any line.
The slow way (load_json, then parse_events) is the reference: it is the parser of every
other input, and the one the parser tests and fuzzers pin down."""

from __future__ import annotations

import json
from datetime import UTC, timedelta, timezone
from typing import Any

import pytest
from hypothesis import assume, event, example, given, settings
from hypothesis import strategies as st

from sla_monitor.domain.event_json import load_json
from sla_monitor.domain.event_wire import plain_batch, plain_values
from sla_monitor.domain.events import (
    FIELDS,
    Event,
    EventError,
    LocalTime,
    parse_events,
    parse_values,
)
from sla_monitor.domain.spelling import FileReading
from sla_monitor.domain.timeutil import MICROS, format_rfc3339
from sla_monitor.services.import_files import SourceLine, decoded, parse_lines
from tests.security.test_hostile_input import (
    BRANCHES,
    CHANNELS,
    EVENT_SHAPED,
    JSON_VALUE,
    NEAR_NOW,
    NEARLY_VALID,
    NOW,
    VALID,
    WITH_EXTRA,
)

READINGS = (
    None,
    FileReading.of(CHANNELS, BRANCHES, assume_local=False),
    FileReading.of(CHANNELS, BRANCHES, assume_local=True),
)
PLAIN = json.dumps(VALID, separators=(",", ":"))
# Valid events in the main, as a daily file holds them: most of the lines a fuzzer makes
# are refused, and the lines the C decoder takes are mostly valid ones.
TEXTS = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=12) | (
    st.text(st.characters(codec="utf-8", exclude_categories=("Cc",)), min_size=1, max_size=12)
)
RECENT = st.builds(
    format_rfc3339,
    st.integers(NOW - 30 * 86_400 * MICROS, NOW),
    st.sampled_from([UTC, timezone(timedelta(hours=7)), timezone(timedelta(hours=-5))]),
)
LIKELY = st.fixed_dictionaries(
    {
        "event_id": TEXTS,
        "claim_id": TEXTS,
        "type": st.sampled_from(["submitted", "Submitted", "paid", "documents_incomplete"]),
        "occurred_at": RECENT | RECENT.map(lambda stamp: stamp[:19]) | NEAR_NOW,
        "channel": st.sampled_from([*CHANNELS, "ONLINE", "nowhere"]),
        "branch_code": st.sampled_from([*BRANCHES[:3], BRANCHES[0].lower()]),
    },
    optional={
        "employer_id": TEXTS,
        "batch_id": TEXTS,
        "amount": st.integers(0, 10**7) | st.sampled_from([-1, 10**15, 10**15 + 1]),
    }
    | {"reason": st.text(st.characters(codec="utf-8"), max_size=40)},
)


def slow(text: str, reading: FileReading | None) -> Event | EventError:
    raws = [decoded(SourceLine(1, json=text))]
    return parse_events(raws, now=NOW, channels=CHANNELS, branches=BRANCHES, reading=reading)[0]


def fast(text: str, reading: FileReading | None) -> Event | EventError:
    lines = [SourceLine(1, json=text)]
    return parse_lines(lines, now=NOW, channels=CHANNELS, branches=BRANCHES, reading=reading)[0]


def assert_same(got: Event | EventError, expected: Event | EventError) -> None:
    assert type(got) is type(expected), (got, expected)
    if isinstance(expected, Event):
        assert got == expected
        return
    assert isinstance(got, EventError)
    assert (str(got), got.event_id) == (str(expected), expected.event_id)
    if isinstance(expected, LocalTime):
        assert isinstance(got, LocalTime)
        assert (got.event, got.wall, got.stamp) == (expected.event, expected.wall, expected.stamp)


@st.composite
def lines(draw: st.DrawFn) -> str:
    """A JSON line as a person's or a program's export might write it: any spacing, escaped
    or not, sometimes with a field given again, with a null, or cut short."""
    likely = draw(st.booleans())
    raw = draw(LIKELY if likely else NEARLY_VALID | EVENT_SHAPED | WITH_EXTRA)
    separators = draw(st.sampled_from([(",", ":"), (", ", ": "), (" ,", " : "), (",\t", ":")]))
    try:
        text = json.dumps(raw, ensure_ascii=draw(st.integers(0, 3)) == 0, separators=separators)
    except ValueError:  # an int json cannot print
        assume(False)
    if draw(st.integers(0, 3)) == 0 and raw:
        key = draw(st.sampled_from(sorted(raw)) | st.sampled_from(FIELDS))
        again = draw(JSON_VALUE | st.none())
        spaced = draw(st.sampled_from(["", " "]))
        text = f'{text[:-1]}{"," if raw else ""}"{key}"{spaced}:{json.dumps(again)}}}'
    if draw(st.integers(0, 9)) == 0:
        text = text[: draw(st.integers(0, len(text)))]
    return draw(st.sampled_from(["", " "])) + text + draw(st.sampled_from(["\n", "\r\n", ""]))


@settings(max_examples=1000, deadline=None)
@given(text=lines(), reading=st.sampled_from(READINGS))
@example(text=PLAIN.replace('"E-1"', '"E-1","event_id":"E-2"'), reading=None)
@example(text=PLAIN.replace('"E-1"', '"E-1", "event_id" :"E-2"'), reading=None)
@example(text=PLAIN.replace('"EMP-1"', 'null,"employer_id":"EMP-2"'), reading=None)
@example(text=PLAIN.replace('"EMP-1"', '"EMP-2","employer_id":null'), reading=None)
@example(text=PLAIN.replace('"EMP-1"', '"EMP-2","employ\\u0065r_id":"EMP-3"'), reading=None)
@example(text=PLAIN.replace("1500000", "1500000.0"), reading=None)
@example(text=PLAIN.replace("1500000", "NaN"), reading=None)
@example(text=PLAIN.replace("complete", "complete\t"), reading=None)
@example(text=PLAIN.replace("complete", "\x7f"), reading=None)
@example(text=PLAIN.replace("+07:00", ""), reading=READINGS[2])
@example(text=PLAIN.replace("online", "ONLINE"), reading=READINGS[1])
def test_a_line_decoded_in_c_is_parsed_as_the_slow_way_parses_it(
    text: str, reading: FileReading | None
) -> None:
    event(
        f"plain: {plain_values(text) is not None}, valid: {isinstance(slow(text, reading), Event)}"
    )
    assert_same(fast(text, reading), slow(text, reading))


@pytest.mark.parametrize(
    "text",
    [
        PLAIN,
        json.dumps(VALID, indent=None),  # ", " and ": " between fields
        json.dumps({**VALID, "reason": "dokumen lengkap ✓"}, ensure_ascii=False),
        json.dumps({k: v for k, v in VALID.items() if k != "amount"}),
        json.dumps({**VALID, "channel": "nowhere"}),  # refused by the rules, in C's company
    ],
)
def test_a_plain_line_is_decoded_in_c(text: str) -> None:
    assert plain_values(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        PLAIN.replace('"E-1"', '"E-1","event_id":"E-2"'),  # a field given twice
        PLAIN.replace('"E-1"', '"E-1" ,"event_id" : "E-1"'),
        PLAIN.replace('"EMP-1"', "null"),  # null is absent, but may hide a field given twice
        PLAIN.replace("complete", "complete\\n"),  # an escape could spell a name twice
        json.dumps({**VALID, "reason": "dokumen lengkap ✓"}),  # \u2713
        PLAIN.replace("1500000", "1.5e6"),  # a type the parser names
        PLAIN.replace('"B-1"', "7"),
        PLAIN.replace('"batch_id"', '"nik"'),  # a field the parser names
        PLAIN[:-1],  # malformed
        "[]",
    ],
)
def test_a_line_the_decoder_cannot_vouch_for_goes_the_slow_way(text: str) -> None:
    assert plain_values(text) is None


def test_a_batch_keeps_its_order_whichever_way_each_line_goes() -> None:
    texts = [PLAIN, PLAIN.replace("complete", "complete\\n"), "{", PLAIN.replace("E-1", "E-9")]
    batch = [SourceLine(n, json=text) for n, text in enumerate(texts, start=1)]
    batch.insert(2, SourceLine(9, error="not valid UTF-8 (byte 3)"))
    batch.insert(1, SourceLine(8, raw={**VALID, "event_id": "E-8"}))  # a CSV row
    got = parse_lines(batch, now=NOW, channels=CHANNELS, branches=BRANCHES)
    for item, line in zip(got, batch, strict=True):
        assert_same(item, slow_item(line))


def slow_item(line: SourceLine) -> Any:
    return parse_events([decoded(line)], now=NOW, channels=CHANNELS, branches=BRANCHES)[0]


@st.composite
def bodies(draw: st.DrawFn) -> str:
    """An HTTP body: one event object, or a batch of them, as lines() writes each, sometimes
    with "events" given again or another field beside it."""
    events = [draw(lines()).strip() for _ in range(draw(st.integers(0, 4)))]
    if draw(st.booleans()) and events:
        return events[0]
    text = '{"events": [' + ", ".join(events) + "]}"
    if draw(st.integers(0, 5)) == 0:
        text = text[:-1] + ', "events": ' + draw(st.sampled_from(["[]", "null", "1"])) + "}"
    return text


def slow_body(text: str) -> list[Event | EventError] | None:
    """The events of a body as POST /v1/events reads it the slow way; None: it is refused."""
    try:
        data = load_json(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    raws = data["events"] if set(data) == {"events"} else [data]
    if not isinstance(raws, list):
        return None
    return parse_events(raws, now=NOW, channels=CHANNELS, branches=BRANCHES)


@settings(max_examples=200, deadline=None)
@given(text=bodies())
@example(text='{"events": [' + PLAIN + "]}")
@example(text='{"events": [' + PLAIN + '], "events": []}')
@example(text='{"events": [], "events": [' + PLAIN + "]}")
@example(text="{}")
def test_a_body_decoded_in_c_is_parsed_as_the_slow_way_parses_it(text: str) -> None:
    plain = plain_batch(text, limit=1000)
    event(f"plain: {plain is not None}")
    if plain is None:
        return  # the slow way reads it, or refuses it with its reason
    expected = slow_body(text)
    assert expected is not None, "a body the slow way refuses was decoded in C"
    got = [parse_values(v, now=NOW, channels=CHANNELS, branches=BRANCHES) for v in plain]
    assert len(got) == len(expected)
    for item, reference in zip(got, expected, strict=True):
        assert_same(item, reference)


def test_a_batch_over_the_limit_goes_the_slow_way_which_refuses_it() -> None:
    text = '{"events": [' + ", ".join([PLAIN] * 3) + "]}"
    assert plain_batch(text, limit=3) is not None
    assert plain_batch(text, limit=2) is None
