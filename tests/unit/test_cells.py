"""Event text written to CSV never starts a spreadsheet formula."""

from __future__ import annotations

import pytest

from sla_monitor.render.cells import safe_cell


@pytest.mark.parametrize("text", ["=1+1", "+62 811", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_text_that_starts_a_formula_is_kept_as_text(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["KLM-001", "a=b", "", -3, 2.5, None])
def test_everything_else_is_unchanged(value: object) -> None:
    assert safe_cell(value) == value
