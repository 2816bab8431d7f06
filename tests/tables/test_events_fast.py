"""Vectorised timestamp paths equal the per-value ones (issue 13).

`seconds_between` subtracts int64 ticks instead of building a timedelta column; text columns
are checked for blanks and time-zone suffixes by Arrow kernels instead of a Python call per
row. Both must give exactly what the former code gave: ``(end − start).dt.total_seconds()``
and the per-value lambdas (reached here by disabling the vectorised path).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpitools.core.errors import DataValidationError
from kpitools.tables import events
from kpitools.tables.events import RowIssues, parse_timestamps, seconds_between


def _stamps(rng, n, unit="ns"):
    base = np.datetime64("2026-01-01T00:00:00", unit)
    start = base + rng.integers(0, 90 * 86400 * 1000, n).astype("timedelta64[ms]")
    end = start + rng.integers(-5_000, 10**8, n).astype("timedelta64[ms]")
    start, end = start.astype(f"M8[{unit}]"), end.astype(f"M8[{unit}]")
    start[rng.random(n) < 0.05] = np.datetime64("NaT")
    end[rng.random(n) < 0.1] = np.datetime64("NaT")
    return pd.Series(start), pd.Series(end)


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
@pytest.mark.parametrize("tz", [None, "UTC", "Europe/Berlin"])
def test_seconds_between_equals_pandas_total_seconds(unit, tz):
    rng = np.random.default_rng(5)
    start, end = _stamps(rng, 5_000, unit)
    if tz is not None:
        start = start.dt.tz_localize("UTC").dt.tz_convert(tz)
        end = end.dt.tz_localize("UTC").dt.tz_convert("America/New_York")
    got = seconds_between(start, end)
    want = (end - start).dt.total_seconds().to_numpy(dtype=float)
    np.testing.assert_array_equal(got, want)
    assert np.isnan(got).sum() == (start.isna() | end.isna()).sum()


def test_seconds_between_mixed_units_falls_back_to_pandas():
    rng = np.random.default_rng(6)
    start, _ = _stamps(rng, 500, "us")
    _, end = _stamps(rng, 500, "ns")
    np.testing.assert_array_equal(seconds_between(start, end),
                                  (end - start).dt.total_seconds().to_numpy(dtype=float))


def test_seconds_between_overflow_is_not_wrapped():
    start = pd.Series(pd.to_datetime(["1678-01-01", "2026-01-01"]).as_unit("ns"))
    end = pd.Series(pd.to_datetime(["2262-01-01", "2026-01-02"]).as_unit("ns"))
    with pytest.raises(OverflowError):
        (end - start).dt.total_seconds()  # what pandas does, and so do we
    with pytest.raises(OverflowError):
        seconds_between(start, end)


_TEXT = ["2026-01-05T10:00:00", "2026-01-05 10:00:00Z", "2026-01-05T10:00:00+01:00",
         "2026-01-05T10:00:00-0530", "  2026-01-05T11:30:00  ", "", "   ", None, np.nan,
         "not a date", "2026-02-30T10:00:00", "2026-01-05",
         "\t2026-01-06T08:00:00+00:00\n", "2026-01-05 10:00+01", "2026-01-05T10:00:00.5 +05"]


def _parse(values, monkeypatch=None, slow=False, **kw):
    if slow:
        monkeypatch.setattr(events, "_text_flags", lambda v: None)
    issues = RowIssues(values.index, invalid="exclude")
    out = parse_timestamps(values, column="t", issues=issues, **kw)
    return out, issues.excluded(), issues.mask.copy()


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("as_str_dtype", [False, True])
def test_text_timestamps_equal_the_per_value_path(seed, as_str_dtype, monkeypatch):
    rng = np.random.default_rng(seed)
    pool = _TEXT if seed % 2 else [t for t in _TEXT if t is None or not isinstance(t, str)
                                   or "+" not in t and "Z" not in t and "-0530" not in t]
    values = pd.Series(rng.choice(np.array(pool, dtype=object), 300), dtype=object,
                       index=rng.permutation(300) + 1000)
    if as_str_dtype:
        values = values.astype("str")
    fast = _parse(values)
    slow = _parse(values, monkeypatch, slow=True)
    pd.testing.assert_series_equal(fast[0], slow[0])
    pd.testing.assert_frame_equal(fast[1], slow[1])
    np.testing.assert_array_equal(fast[2], slow[2])


def test_text_flags_is_used_for_plain_text_and_not_for_other_values():
    text = pd.Series(["2026-01-05T10:00:00Z", " ", None], dtype=object)
    missing, aware = events._text_flags(text)
    assert missing.tolist() == [False, True, True] and aware.tolist() == [True, False, False]
    mixed = pd.Series(["2026-01-05T10:00:00", pd.Timestamp("2026-01-05")], dtype=object)
    assert events._text_flags(mixed) is None
    # Unicode digits and separators: Python and Arrow disagree, so the per-value path
    assert events._text_flags(pd.Series(["2026-01-05T10:00+٠١:٠٠"])) is None
    assert events._text_flags(pd.Series(["2026-01-05T10:00\x1c"])) is None


def test_time_zone_mix_in_text_is_still_reported_with_rows():
    values = pd.Series(["2026-01-05T10:00:00+01:00", "2026-01-05T11:00:00+01:00",
                        "2026-01-05T12:00:00"], index=[7, 8, 9])
    issues = RowIssues(values.index)
    with pytest.raises(DataValidationError, match="time-zone mix") as err:
        parse_timestamps(values, column="created_at", issues=issues)
    assert err.value.rows == [9]
