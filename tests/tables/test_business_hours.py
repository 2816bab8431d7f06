"""Business-hours durations against a minute-by-minute count."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools.tables.business_hours import BusinessHours, business_seconds


def brute_force_minutes(start, end, open_days, open_from, open_to, holidays=()):
    """Count open minutes one minute at a time (independent of the vectorised code)."""
    minutes = pd.date_range(start, end, freq="min", inclusive="left")
    if len(minutes) == 0:
        return 0
    hol = {pd.Timestamp(h).date() for h in holidays}
    tod = minutes.hour * 60 + minutes.minute
    ok = (np.isin(minutes.day_of_week, open_days) & (tod >= open_from) & (tod < open_to)
          & ~np.isin(minutes.date, list(hol)))
    return int(ok.sum())


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 60 * 24 * 20), st.integers(0, 60 * 24 * 12))
def test_matches_brute_force(offset, length):
    base = pd.Timestamp("2026-03-20 00:00")
    start = base + pd.Timedelta(minutes=offset)
    end = start + pd.Timedelta(minutes=length)
    holidays = ["2026-04-03", "2026-04-06"]
    hours = BusinessHours.weekdays("08:30", "17:00", holidays=holidays)
    got = business_seconds(pd.Series([start]), pd.Series([end]), hours)[0] / 60
    assert got == brute_force_minutes(start, end, [0, 1, 2, 3, 4], 510, 1020, holidays)


def test_lunch_break_weekend_and_missing():
    hours = BusinessHours({"mon": [("09:00", "12:00"), ("13:00", "17:00")],
                           "sat": ("10:00", "14:00")})
    assert hours.weekly_hours == 11.0
    start = pd.Series(pd.to_datetime(["2026-07-06 11:00", "2026-07-04 09:00", None]))
    end = pd.Series(pd.to_datetime(["2026-07-06 14:00", "2026-07-06 09:30", "2026-07-06 00:00"]))
    got = business_seconds(start, end, hours) / 3600
    assert got[0] == 2.0 and got[1] == 4.5 and np.isnan(got[2])


def test_time_zone_conversion():
    hours = BusinessHours.weekdays("09:00", "17:00", tz="America/New_York")
    # 13:00 UTC = 09:00 in New York (EDT); 15:00 UTC = 11:00
    start = pd.Series(pd.to_datetime(["2026-07-06 13:00"]).tz_localize("UTC"))
    end = pd.Series(pd.to_datetime(["2026-07-06 15:00"]).tz_localize("UTC"))
    assert business_seconds(start, end, hours)[0] == 2 * 3600


def test_vectorised_on_100k_tickets_quickly():
    rng = np.random.default_rng(0)
    start = pd.Series(pd.Timestamp("2026-01-01") + pd.to_timedelta(
        rng.integers(0, 365 * 24 * 60, 100_000), unit="min"))
    end = start + pd.to_timedelta(rng.exponential(600, 100_000), unit="min")
    hours = BusinessHours.weekdays()
    out = business_seconds(start, end, hours)
    calendar = (end - start).dt.total_seconds().to_numpy()
    assert (out >= 0).all() and (out <= calendar + 1e-6).all()


@pytest.mark.parametrize("schedule,match", [
    ({"mon": ("17:00", "09:00")}, "closing time must be after opening time"),
    ({"funday": ("09:00", "17:00")}, "weekday 'funday' is not valid"),
    ({"mon": ("9am", "17:00")}, "opening time '9am' is not 'HH:MM'"),
    ({"mon": [("09:00", "13:00"), ("12:00", "17:00")]}, "opening intervals overlap"),
])
def test_bad_schedules(schedule, match):
    with pytest.raises(ValueError, match=match):
        BusinessHours(schedule)
