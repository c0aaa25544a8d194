"""The terminal timeline of `claim --explain` (docs/explain.md), rendered without a database."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from rich.console import Console

from sla_monitor.domain.timeutil import parse_rfc3339
from sla_monitor.render import i18n
from sla_monitor.render.explain import print_explanations
from tests.unit.test_explanation import explained, goal

START = (
    ("submitted", "2026-02-02T09:00:00+07:00"),
    ("documents_completed", "2026-02-02T10:00:00+07:00"),
)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    before = i18n.language()
    i18n.set_language("en")
    yield
    i18n.set_language(before)


def rendered(as_of: str, *history: tuple[str, str], **goal_sets: tuple[str, ...]) -> str:
    e, _state = explained(goal(**goal_sets), as_of, *history)
    console = Console(width=200, record=True, color_system=None)
    print_explanations(console, [("payment", e)], parse_rfc3339(as_of))
    return console.export_text()


def test_a_goal_long_past_its_deadline_sums_up_the_days_after_it() -> None:
    text = rendered("2026-04-01T12:00:00+07:00", *START)
    assert re.search(r"Mon 9 Feb 2026\s+working day 5\s+◀ due day\s+1d 00h 00m", text)
    assert "Tue 10 Feb 2026 - Wed 1 Apr 2026" in text
    assert "51 days after the due day, 30 of them working days" in text
    assert text.count("29d 12h 00m") == 1  # Feb 10 to Apr 1: Imlek, Nyepi and Lebaran skipped
    assert "Wed 11 Feb 2026" not in text


def test_a_reset_and_a_working_day_wholly_paused() -> None:
    text = rendered(
        "2026-02-10T12:00:00+07:00",
        *START,
        ("documents_incomplete", "2026-02-02T12:00:00+07:00"),
        ("verified", "2026-02-03T12:00:00+07:00"),
        ("documents_incomplete", "2026-02-04T00:00:00+07:00"),
        ("documents_completed", "2026-02-06T00:00:00+07:00"),
        reset=("verified",),
    )
    assert "The clock restarted from zero at Tue 3 Feb 2026 12:00 WIB (verified, event E3)." in text
    assert re.search(r"Wed 4 Feb 2026\s+not counted: paused", text)
    assert re.search(r"Fri 6 Feb 2026\s+working day 1\s+1d 00h 00m", text)
    assert "Pause 1: Wed 4 Feb 2026 00:00 WIB to Fri 6 Feb 2026 00:00 WIB" in text
    assert "2d 00h 00m of working time not counted." in text


def test_goals_without_a_deadline_say_so() -> None:
    console = Console(width=200, record=True, color_system=None)
    print_explanations(console, [("payment", None)], 0)
    assert "payment: no deadline to explain (not started, or cancelled)" in console.export_text()
