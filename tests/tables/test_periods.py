"""Calendar periods: parsing, navigation, labels."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpitools.tables.periods import Period, parse_period, period_labels, period_range


@pytest.mark.parametrize("text,kind,start,end", [
    ("2026Q3", "quarter", "2026-07-01", "2026-10-01"),
    ("2026Q4", "quarter", "2026-10-01", "2027-01-01"),
    ("2026-02", "month", "2026-02-01", "2026-03-01"),
    ("2026", "year", "2026-01-01", "2027-01-01"),
])
def test_parse_and_bounds(text, kind, start, end):
    p = parse_period(text)
    assert p.kind == kind and str(p) == text
    assert (p.start, p.end) == (pd.Timestamp(start), pd.Timestamp(end))


def test_previous_and_same_period_last_year():
    assert str(parse_period("2026Q1").previous()) == "2025Q4"
    assert str(parse_period("2026-01").previous()) == "2025-12"
    assert str(parse_period("2026").previous()) == "2025"
    assert str(parse_period("2026Q3").same_period_last_year()) == "2025Q3"
    assert str(parse_period("2024-02").same_period_last_year()) == "2023-02"


@given(st.integers(1900, 2100), st.integers(1, 4), st.integers(-30, 30))
def test_shift_matches_pandas(year, quarter, n):
    ours = Period("quarter", year, quarter).shift(n)
    ref = pd.Period(f"{year}Q{quarter}", freq="Q") + n
    assert str(ours) == str(ref)
    assert ours.days == (ref.end_time.normalize() - ref.start_time).days + 1


@pytest.mark.parametrize("bad", ["2026q3", "Q3 2026", "2026-7", "2026Q5", "26Q1", "", None, 2026])
def test_invalid_labels(bad):
    with pytest.raises(ValueError, match="is not valid; use a quarter '2026Q3', a month "
                                         "'2026-07' or a year '2026'"):
        parse_period(bad)


def test_kind_requirement_and_range():
    with pytest.raises(ValueError, match=r"period '2026-07' is a month, expected a quarter"):
        parse_period("2026-07", kind="quarter")
    assert [str(p) for p in period_range("2025-11", "2026-02")] == [
        "2025-11", "2025-12", "2026-01", "2026-02"]
    with pytest.raises(ValueError, match="same kind"):
        period_range("2025Q4", "2026-02")


def test_period_labels_against_pandas():
    t = pd.Series(pd.to_datetime(["2026-01-01", "2026-03-31 23:59", "2026-12-31", None],
                                  format="ISO8601"))
    assert period_labels(t).tolist() == ["2026Q1", "2026Q1", "2026Q4", None]
    assert period_labels(t, "month").tolist()[:3] == [
        str(v) for v in t.dt.to_period("M")[:3]]
    assert parse_period("2026Q1").contains(t).tolist() == [True, True, False, False]
