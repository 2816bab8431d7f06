"""Issue 8: an ambiguous period ("2026", "2026-07", a date) is refused, never read as a quarter."""

from __future__ import annotations

import re

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
    if text == "2026-07":  # reports take a month too (issue 9); a year or a date never
        from kpitools.datasets import load_surveys

        assert resolve_period(text, load_surveys()) == "2026-07"
        return
    with pytest.raises(DataValidationError, match=re.escape(f"period {text!r} is ")):
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


# ------------------------------------- report periods: quarters, months, ISO weeks (issue 9)

@pytest.mark.parametrize("text, label", [
    ("2026Q1", "2026Q1"), ("2026-q1", "2026Q1"), ("2026-03", "2026-03"), (" 2026-12 ", "2026-12"),
    ("2026-W14", "2026-W14"), ("2026W14", "2026-W14"), ("2026-w01", "2026-W01"),
    ("2026-W53", "2026-W53"),
])
def test_report_periods_accept_quarters_months_and_weeks(text, label):
    from kpitools.tables.periods import parse_report_period

    assert str(parse_report_period(text)) == label


REPORT_HELP = "give a quarter \\(2026Q3 or 2026-Q3\\), a month \\(2026-07\\) or an ISO week " \
              "\\(2026-W14\\)"


@pytest.mark.parametrize("text, what", [
    ("2026", "is a year, which is ambiguous here"),
    ("2026-03-15", "is a date, not a period"),
    ("2026-3", "is not a quarter, month or week"),
    ("Mar 2026", "is not a quarter, month or week"),
    ("", "is not a quarter, month or week"),
])
def test_report_periods_refuse_years_dates_and_the_rest(text, what):
    from kpitools.tables.periods import parse_report_period

    with pytest.raises(ValueError, match=f"period {text!r} {what}: {REPORT_HELP}$"):
        parse_report_period(text)


def test_report_period_refuses_a_week_the_year_does_not_have():
    from kpitools.tables.periods import parse_report_period

    with pytest.raises(ValueError, match="period '2025-W53' is not a week: week number of 2025 "
                                         "must be in 1–52, got 53"):
        parse_report_period("2025-W53")
    with pytest.raises(ValueError, match="period '2026' is a year"):
        parse_report_period(parse_period("2026"))
