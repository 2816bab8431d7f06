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


@pytest.mark.parametrize("bad", ["2026q3", "Q3 2026", "2026-7", "2026Q5", "26Q1", "", None, 2026,
                                 "2026W14", "2026-W1", "2026-W54"])
def test_invalid_labels(bad):
    with pytest.raises(ValueError, match="is not valid; use a quarter '2026Q3', a month "
                                         "'2026-07', an ISO week '2026-W14' or a year '2026'"):
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


# ------------------------------------------------------------------- ISO weeks (issue 9)

@given(st.dates(min_value=__import__("datetime").date(1901, 1, 1),
                max_value=__import__("datetime").date(2099, 12, 31)))
def test_week_labels_and_bounds_match_the_iso_calendar(day):
    year, week, weekday = day.isocalendar()  # the standard library's ISO 8601 calendar
    label = period_labels(pd.to_datetime([day]), "week").iloc[0]
    assert label == f"{year}-W{week:02d}"
    p = parse_period(label)
    assert (p.kind, p.year, p.number) == ("week", year, week)
    monday = pd.Timestamp(day) - pd.Timedelta(days=weekday - 1)
    assert (p.start, p.end, p.days) == (monday, monday + pd.Timedelta(days=7), 7)
    assert p.contains([day]).tolist() == [True]
    assert str(p.previous()) == period_labels(pd.to_datetime([monday - pd.Timedelta(days=1)]),
                                              "week").iloc[0]


@given(st.integers(1901, 2099), st.integers(1, 53), st.integers(-120, 120))
def test_week_shift_matches_pandas(year, week, n):
    import datetime as dt

    if week > dt.date(year, 12, 28).isocalendar()[1]:
        return  # that year has 52 weeks: covered by test_week_53_only_where_it_exists
    p = Period("week", year, week)
    ref = pd.Timestamp(dt.date.fromisocalendar(year, week, 1)) + pd.Timedelta(weeks=n)
    iso = ref.isocalendar()
    assert str(p.shift(n)) == f"{iso[0]}-W{iso[1]:02d}"


def test_week_53_only_where_it_exists_and_last_year():
    # ISO years with 53 weeks: 2015, 2020, 2026 (a Thursday 1 January or leap-year Wednesday)
    assert str(parse_period("2020-W53")) == "2020-W53"
    with pytest.raises(ValueError, match=r"period '2025-W53' is not valid: week number of 2025 "
                                         r"must be in 1–52, got 53"):
        parse_period("2025-W53")
    assert str(parse_period("2026-W14").same_period_last_year()) == "2025-W14"
    assert str(parse_period("2026-W53").same_period_last_year()) == "2025-W52"
    assert str(parse_period("2021-W01").previous()) == "2020-W53"
    assert [str(p) for p in period_range("2026-W52", "2027-W02")] == [
        "2026-W52", "2026-W53", "2027-W01", "2027-W02"]
    with pytest.raises(ValueError, match="is a week, not a whole number of months"):
        _ = parse_period("2026-W14").months


def test_week_labels_of_aware_timestamps_use_their_own_calendar():
    t = pd.Series(pd.to_datetime(["2026-01-04 23:30", "2026-01-05 00:30"])).dt.tz_localize(
        "Europe/Prague")
    assert period_labels(t, "week").tolist() == ["2026-W01", "2026-W02"]


def test_month_previous_and_last_year_across_the_year_boundary():
    assert str(parse_period("2026-01").previous()) == "2025-12"
    assert str(parse_period("2026-03").same_period_last_year()) == "2025-03"
    assert parse_period("2026-02").days == 28 and parse_period("2024-02").days == 29
