"""Issue 8: an ambiguous period ("2026", "2026-07", a date) is refused, never read as a quarter."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpitools.core.errors import DataValidationError
from kpitools.reports.sections import resolve_period
from kpitools.tables.periods import Period, parse_period, parse_quarter

SURVEYS = pd.DataFrame({"quarter": ["2026Q1", "2026Q2", "2026Q3"]})
HELP = "give the quarter, as 2026Q3 or 2026-Q3"


@pytest.mark.parametrize("text", ["2026Q3", "2026-Q3", "2026q3", "2026-q3", " 2026Q3 "])
def test_quarter_spellings(text):
    assert parse_quarter(text) == Period("quarter", 2026, 3)
    assert resolve_period(text, SURVEYS) == "2026Q3"


@pytest.mark.parametrize("text, what", [
    ("2026", "a year, not a quarter"),  # pandas: 2026Q1
    ("2026-07", "a month, not a quarter"),  # pandas: 2026Q3
    ("2026-07-15", "a date, not a quarter"),  # pandas: 2026Q3
    ("26Q3", "not a quarter"),  # pandas: 2026Q3
    ("2026-3", "not a quarter"),  # pandas: 2026Q1
    ("Q3 2026", "not a quarter"),
    ("2026Q5", "not a quarter"),
    ("", "not a quarter"),
])
def test_ambiguous_periods_are_refused(text, what):
    with pytest.raises(ValueError, match=f"period {text!r} is {what}: {HELP}$"):
        parse_quarter(text)
    with pytest.raises(DataValidationError,
                       match=f"period {text!r} is {what}: {HELP}, or last-complete$"):
        resolve_period(text, SURVEYS)


def test_non_quarter_periods_and_non_strings_are_refused():
    with pytest.raises(ValueError, match="period '2026' is a year, not a quarter"):
        parse_quarter(parse_period("2026"))
    with pytest.raises(ValueError, match="period 2026 is not a quarter"):
        parse_quarter(2026)
    assert parse_quarter(parse_period("2026Q1")) == Period("quarter", 2026, 1)


@given(st.integers(1000, 9999), st.integers(1, 4), st.sampled_from(["Q", "-Q", "q", "-q"]))
def test_every_quarter_label_round_trips(year, quarter, sep):
    label = f"{year}{sep}{quarter}"
    assert str(parse_quarter(label)) == f"{year}Q{quarter}"
