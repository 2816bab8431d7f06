"""The fast paths of durations on pandas give the numbers of the former implementation.

- `grouped_quantile_ci` reads the order statistics from the buckets of the values' bits
  (`_bucketed_order_statistics`) from `_BUCKET_MIN_VALUES` values on: equal to the radix
  sort and partition path on random data (ties, zeros and −0.0, empty groups, groups of
  one, wide ranges, every alternative and several q), and NaN / negative / infinite
  values still take the former path;
- `seconds_between` subtracts int64 ticks without the overflow masks when every stamp is
  within ±2⁶² ticks: equal to pandas' ``(end − start).dt.total_seconds()`` with missing
  stamps, time zones and stamps far apart;
- `check_unique_ids` skips hashing integer ids in strict order: the same rows reported as
  ``Series.duplicated`` on ordered, reversed and shuffled ids with repeats.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import kpitools as kt
from kpitools.core.errors import SmallSampleWarning
from kpitools.stats import quantiles
from kpitools.tables.events import RowIssues, check_unique_ids, seconds_between


def _quantiles(monkeypatch, bucketed: bool, *args, **kwargs):
    with monkeypatch.context() as m:
        m.setattr(quantiles, "_BUCKET_MIN_VALUES", 0 if bucketed else 1 << 62)
        return quantiles.grouped_quantile_ci(*args, **kwargs)


def _values(rng: np.random.Generator, kind: int, n: int) -> np.ndarray:
    if kind == 0:  # whole seconds, long tail
        return np.round(60 * rng.lognormal(3.0, 1.5, n))
    if kind == 1:  # a few distinct values: many ties across bucket edges
        return rng.integers(0, 4, n).astype(float) * 60
    if kind == 2:  # tiny values, zeros and negative zeros
        x = rng.exponential(1e-3, n)
        x[rng.random(n) < 0.1] = 0.0
        x[rng.random(n) < 0.05] = -0.0
        return x
    return rng.lognormal(0.0, 6.0, n)  # many powers of two


@pytest.mark.parametrize("seed", range(40))
def test_bucketed_order_statistics_equal_the_partition_path(monkeypatch, seed):
    rng = np.random.default_rng(seed)
    n, groups = int(rng.integers(1, 4000)), int(rng.integers(2, 50))
    x = _values(rng, seed % 4, n)
    g = rng.integers(0, groups, n)
    g[g == 0] = 1  # an empty group
    g[0] = groups - 1 if not (g == groups - 1).sum() > 1 else g[0]
    q = (0.5, 0.9, 0.1, 0.99)[seed % 4]
    alternative = ("two-sided", "less", "greater")[seed % 3]
    level = (0.95, 0.8, 0.99)[seed % 3]
    kwargs = {"confidence_level": level, "alternative": alternative, "bottom": 0.0}
    old = _quantiles(monkeypatch, False, x, g, groups, q, **kwargs)
    new = _quantiles(monkeypatch, True, x, g, groups, q, **kwargs)
    for name, a, b in zip(old._fields, old, new, strict=True):
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_bucketed_path_is_taken_and_refuses_nan_negative_infinite(monkeypatch):
    rng = np.random.default_rng(7)
    x = np.round(60 * rng.lognormal(3.0, 1.2, 5000))
    g = rng.integers(0, 5, x.size)
    n = np.bincount(g, minlength=5)
    ranks = np.stack([n // 2, n // 3])
    got = quantiles._bucketed_order_statistics(x, g, n, ranks)
    assert got is None  # too few values by default
    monkeypatch.setattr(quantiles, "_BUCKET_MIN_VALUES", 0)
    got = quantiles._bucketed_order_statistics(x, g, n, ranks)
    expected = [[np.sort(x[g == k])[ranks[i, k]] for k in range(5)] for i in range(2)]
    np.testing.assert_array_equal(got, expected)
    for bad in (np.nan, -1.0, np.inf):
        y = x.copy()
        y[3] = bad
        assert quantiles._bucketed_order_statistics(y, g, n, ranks) is None
        old = _quantiles(monkeypatch, False, y, g, 5, 0.5)
        new = _quantiles(monkeypatch, True, y, g, 5, 0.5)
        for a, b in zip(old, new, strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("seed", range(6))
def test_summarize_frt_on_pandas_equals_the_partition_path(monkeypatch, seed):
    rng = np.random.default_rng(seed)
    rows = 6000
    team = rng.choice(np.array(["a", "b", "c", "d"], dtype=object), rows)
    seconds = np.where(team == "b", rng.integers(0, 4, rows) * 60,
                       np.round(60 * rng.lognormal(3.0, 1.5, rows)))
    start = (np.datetime64("2026-01-01", "ns")
             + rng.integers(0, 90 * 86400, rows).astype("timedelta64[s]"))
    end = start + seconds.astype("timedelta64[s]")
    end[rng.random(rows) < 0.05] = np.datetime64("NaT")
    team[0] = "one"
    df = pd.DataFrame({"ticket_id": np.arange(rows), "team": team, "created_at": start,
                       "first_response_at": end})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)  # the group of one
        with monkeypatch.context() as m:
            m.setattr(quantiles, "_BUCKET_MIN_VALUES", 1 << 62)
            old = kt.summarize(df, kpi="frt", by="team")
        monkeypatch.setattr(quantiles, "_BUCKET_MIN_VALUES", 0)
        new = kt.summarize(df, kpi="frt", by="team")
    pd.testing.assert_frame_equal(old, new)
    assert old.attrs["excluded"].equals(new.attrs["excluded"])


def _stamps(rng: np.random.Generator, n: int, unit: str, spread_days: float) -> np.ndarray:
    base = np.datetime64("2026-01-01", unit)
    ticks = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[unit]
    return base + (rng.uniform(-1, 1, n) * spread_days * 86400 * ticks).astype(
        f"timedelta64[{unit}]")


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
@pytest.mark.parametrize("tz", [None, "Europe/Paris"])
def test_seconds_between_equals_pandas(unit, tz):
    rng = np.random.default_rng(3)
    n = 2000
    a = pd.Series(_stamps(rng, n, unit, 30))
    b = pd.Series(_stamps(rng, n, unit, 30))
    a[rng.random(n) < 0.1] = pd.NaT
    b[rng.random(n) < 0.1] = pd.NaT
    if tz is not None:
        a, b = a.dt.tz_localize(tz), b.dt.tz_localize(tz)
    expected = (b - a).dt.total_seconds().to_numpy(dtype=float)
    np.testing.assert_array_equal(seconds_between(a, b), expected)


def test_seconds_between_far_apart_and_all_missing():
    # nanosecond stamps centuries apart: beyond ±2⁶² ticks, the checked path
    a = pd.Series(pd.to_datetime(["1700-01-01", "2026-01-01", None, "2200-01-01"]))
    b = pd.Series(pd.to_datetime(["2250-06-01", "2026-01-02", "2026-01-01", None]))
    expected = (b - a).dt.total_seconds().to_numpy(dtype=float)
    np.testing.assert_array_equal(seconds_between(a, b), expected)
    none = pd.Series(pd.to_datetime([None, None]))
    assert np.isnan(seconds_between(none, none)).all()


@pytest.mark.parametrize("order", ["increasing", "decreasing", "shuffled", "repeats"])
@pytest.mark.parametrize("dtype", ["int64", "uint16", "Int64"])
def test_check_unique_ids_reports_what_duplicated_reports(order, dtype):
    rng = np.random.default_rng(5)
    ids = np.arange(100, 400)
    if order == "decreasing":
        ids = ids[::-1]
    elif order == "shuffled":
        ids = rng.permutation(ids)
    elif order == "repeats":
        ids = np.sort(rng.integers(100, 300, 300))
    s = pd.Series(ids).astype(dtype)
    issues = RowIssues(s.index, invalid="exclude", missing="exclude")
    check_unique_ids(s, column="ticket_id", issues=issues)
    np.testing.assert_array_equal(issues.mask, s.duplicated(keep="first").to_numpy())


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_quantile_ci_ranks_of_repeated_sizes_equal_each_size_alone(alternative):
    rng = np.random.default_rng(9)
    n = rng.integers(1, 120, 5000)  # many groups, few sizes: computed once per size
    r, s, c = quantiles.quantile_ci_ranks(n, 0.9, confidence_level=0.9,
                                          alternative=alternative)
    for i in rng.choice(n.size, 40, replace=False):
        one = quantiles.quantile_ci_ranks(int(n[i]), 0.9, confidence_level=0.9,
                                          alternative=alternative)
        assert (r[i], s[i], c[i]) == (one.lower, one.upper, one.coverage)
    few = quantiles.quantile_ci_ranks(n[:200], 0.9, confidence_level=0.9,
                                      alternative=alternative)  # the direct path
    np.testing.assert_array_equal(few.lower, r[:200])
    np.testing.assert_array_equal(few.coverage, c[:200])


# ----------------------------------------------------------- integer ticks (summarize)

def _tick_cases(rng: np.random.Generator, n: int) -> np.ndarray:
    kind = int(rng.integers(0, 5))
    if kind == 4:  # many zeros (instant answers) beside a long tail
        zero = rng.random(n) < 0.3
        return np.where(zero, 0, np.round(60 * rng.lognormal(3.0, 1.5, n))).astype(np.int64)
    if kind == 0:  # whole seconds in ns, long tail
        return np.round(60 * rng.lognormal(3.0, 1.5, n)).astype(np.int64) * 10**9
    if kind == 1:  # a few distinct values: ties across bucket edges, zeros
        return rng.integers(0, 4, n).astype(np.int64) * 60
    if kind == 2:  # every power of two and its neighbours, up to 2⁶²
        e = rng.integers(0, 63, n)
        return (np.left_shift(np.int64(1), e) + rng.integers(-1, 2, n)).clip(0)
    return rng.integers(0, 2**62, n)


@pytest.mark.parametrize("seed", range(40))
def test_grouped_quantile_ci_ticks_equals_grouped_quantile_ci(monkeypatch, seed):
    rng = np.random.default_rng(100 + seed)
    if seed % 5 == 4:  # few cells: coarser buckets (down to one for every value)
        monkeypatch.setattr(quantiles, "_TICK_MAX_CELLS", int(rng.choice([40, 100, 400])))
    if seed % 3 == 1:  # buckets from a small sample's low end: many values below it
        monkeypatch.setattr(quantiles, "_TICK_SAMPLE", int(rng.integers(1, 200)))
        monkeypatch.setattr(quantiles, "_TICK_LOW_SHARE", float(rng.choice([0.0, 0.1, 0.5])))
    if seed % 2:  # the needed cells count as many: one sort of a (cell, value) key
        monkeypatch.setattr(quantiles, "_PARTITION_MAX_GROUPS", 1)
    n, groups = int(rng.integers(1, 5000)), int(rng.integers(1, 40))
    t = _tick_cases(rng, n)
    keep = rng.random(n) < 0.9
    t[~keep] = rng.integers(-2**63, 2**63 - 1, int((~keep).sum()))  # ignored, any value
    g = rng.integers(0, groups, n).astype((np.int16, np.int32, np.int64)[seed % 3])
    if groups > 2:
        g[g == 1] = 0  # an empty group
        g[0] = groups - 1  # a group of one, perhaps
    q = (0.5, 0.9, 0.1, 0.99)[seed % 4]
    alternative = ("two-sided", "less", "greater")[seed % 3]
    level = (0.95, 0.8, 0.99)[seed % 3]

    def scale(x):
        return (x / 10**9) / 60.0

    got = quantiles.grouped_quantile_ci_ticks(t, keep, g, groups, q, scale=scale,
                                              confidence_level=level,
                                              alternative=alternative, bottom=0.0)
    want = quantiles.grouped_quantile_ci(scale(t[keep]), g[keep], groups, q,
                                         confidence_level=level, alternative=alternative,
                                         bottom=0.0)
    assert got is not None
    for name, a, b in zip(want._fields, want, got, strict=True):
        np.testing.assert_array_equal(a, b, err_msg=name)


@pytest.mark.parametrize("zeros", [0.0, 0.3])
def test_grouped_quantile_ci_ticks_many_groups_sampled_buckets(zeros):
    """At the default sizes: a strided sample sets the lowest bucketed value, the groups
    are many (few buckets each) and the needed cells many (one key sort)."""
    rng = np.random.default_rng(17)
    n, groups = 300_000, 30_000
    seconds = np.round(60 * rng.lognormal(rng.uniform(2.5, 3.5, groups), 1.2)[
        rng.integers(0, groups, n)] * rng.lognormal(0, 0.3, n))
    t = np.where(rng.random(n) < zeros, 0, seconds).astype(np.int64) * 10**9
    keep = rng.random(n) < 0.98
    g = rng.integers(0, groups, n)

    def scale(x):
        return (x / 10**9) / 60.0

    got = quantiles.grouped_quantile_ci_ticks(t, keep, g, groups, scale=scale, bottom=0.0)
    want = quantiles.grouped_quantile_ci(scale(t[keep]), g[keep], groups, bottom=0.0)
    for name, a, b in zip(want._fields, want, got, strict=True):
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_grouped_quantile_ci_ticks_refuses_too_many_cells_and_other_dtypes():
    t = np.arange(10, dtype=np.int64)
    keep = np.ones(10, dtype=bool)
    g = np.zeros(10, dtype=np.int32)
    too_many = quantiles._TICK_MAX_CELLS + 1
    assert quantiles.grouped_quantile_ci_ticks(t, keep, g, too_many, scale=float) is None
    with pytest.raises(ValueError, match="non-negative"):
        quantiles.grouped_quantile_ci_ticks(t - 3, keep, g, 1, scale=float)
    with pytest.raises(TypeError, match="int64"):
        quantiles.grouped_quantile_ci_ticks(t.astype(float), keep, g, 1, scale=float)
    none_kept = quantiles.grouped_quantile_ci_ticks(t, ~keep, g, 2, scale=float)
    assert none_kept.n.tolist() == [0, 0] and np.isnan(none_kept.estimate).all()


@pytest.mark.parametrize("seed", range(6))
def test_picked_by_chunk_reads_a_sort_by_chunk_and_value(monkeypatch, seed):
    rng = np.random.default_rng(300 + seed)
    monkeypatch.setattr(quantiles, "_PARTITION_MAX_GROUPS", 2)
    n, chunks = int(rng.integers(1, 3000)), int(rng.integers(3, 200))
    x = _tick_cases(rng, n)
    c = rng.integers(0, chunks, n)
    c[c == 1] = 0  # an empty chunk
    at = rng.integers(0, n, int(rng.integers(1, 50)))
    got = quantiles._picked_by_chunk(x, c, chunks, at)
    if seed % 3 == 2:  # values too wide for the key beside the chunk: None
        wide = np.array([0, 2**62], dtype=np.int64)
        assert quantiles._picked_by_chunk(wide, np.array([0, 0]), 4, np.array([0])) is None
    if got is None:
        assert int(np.ptp(x)).bit_length() + (chunks - 1).bit_length() > 62
        return
    np.testing.assert_array_equal(got, x[np.lexsort((x, c))][at])


def _tickets(rng: np.random.Generator, rows: int, unit: str = "ns",
             tz: str | None = None) -> pd.DataFrame:
    team = rng.choice(np.array(["a", "b", "c", "d", "e"], dtype=object), rows)
    seconds = np.where(team == "b", rng.integers(0, 4, rows) * 60,
                       np.round(60 * rng.lognormal(3.0, 1.5, rows)))
    seconds[rng.random(rows) < 0.03] *= -1  # negative durations
    start = (np.datetime64("2026-01-01", unit)
             + rng.integers(0, 90 * 86400, rows).astype("timedelta64[s]"))
    if unit in ("ms", "us", "ns"):
        start = start + rng.integers(0, 1000, rows).astype("timedelta64[ms]")
    end = start + seconds.astype("timedelta64[s]")
    end[rng.random(rows) < 0.05] = np.datetime64("NaT")  # open tickets
    start[rng.random(rows) < 0.02] = np.datetime64("NaT")  # missing starts
    team[0] = "one"  # a group of one
    team[team == "e"] = "d"
    df = pd.DataFrame({
        "ticket_id": np.arange(rows),
        "team": pd.Categorical(team, categories=["a", "b", "c", "d", "e", "one"]),
        "channel": rng.choice(np.array(["mail", "chat"], dtype=object), rows),
        "created_at": start, "first_response_at": end})
    df.loc[5, "ticket_id"] = 3  # a duplicate id
    df.loc[rng.random(rows) < 0.01, "team"] = np.nan  # missing group names
    if tz is not None:
        for c in ("created_at", "first_response_at"):
            df[c] = df[c].dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    return df


def _both(monkeypatch, df, **kwargs):
    from kpitools.kpis import durations

    out = []
    for ticks in (False, True):
        with warnings.catch_warnings(record=True) as caught, monkeypatch.context() as m:
            warnings.simplefilter("always")
            m.setattr(durations, "_TICKS_MIN_ROWS", 0 if ticks else 1 << 62)
            calls: list[int] = []

            def counted(*a, _calls=calls, _real=durations.grouped_quantile_ci_ticks, **k):
                _calls.append(1)
                return _real(*a, **k)

            m.setattr(durations, "grouped_quantile_ci_ticks", counted)
            try:
                res = kt.summarize(df, kpi="frt", **kwargs)
            except Exception as err:  # noqa: BLE001 — the same error both ways
                res = err
        out.append((res, [(w.category, str(w.message)) for w in caught], bool(calls)))
    return out


@pytest.mark.parametrize("seed", range(8))
def test_summarize_frt_from_ticks_equals_float_seconds(monkeypatch, seed):
    rng = np.random.default_rng(200 + seed)
    unit = ("ns", "us", "ms", "s")[seed % 4]
    tz = "Europe/Paris" if seed % 3 == 2 else None
    df = _tickets(rng, int(rng.integers(50, 3000)), unit, tz)
    by = (["team"], ["team", "channel"], [])[seed % 3]
    kwargs = {"by": by or None, "invalid": "exclude",
              "statistic": ("median", "quantile")[seed % 2], "q": 0.9,
              "alternative": ("two-sided", "less", "greater")[seed % 3],
              "confidence_level": (0.95, 0.9)[seed % 2],
              "unit": (None, "seconds", "hours")[seed % 3]}
    if kwargs["statistic"] == "median":
        del kwargs["q"]
    (old, old_w, old_fast), (new, new_w, new_fast) = _both(monkeypatch, df, **kwargs)
    assert not old_fast and new_fast
    pd.testing.assert_frame_equal(old, new)
    assert sorted(old.attrs) == sorted(new.attrs)
    for name, value in old.attrs.items():
        if isinstance(value, pd.DataFrame | pd.Series):
            assert value.equals(new.attrs[name]), name
        else:
            assert value == new.attrs[name], name
    assert old_w == new_w


@pytest.mark.parametrize("case", ["negative", "missing start", "duplicate id", "bad policy"])
def test_summarize_frt_from_ticks_raises_as_before(monkeypatch, case):
    rng = np.random.default_rng(11)
    df = _tickets(rng, 400)
    kwargs = {"by": "team"}
    if case == "negative":
        df = df[~df["ticket_id"].duplicated()]
    elif case == "missing start":
        kwargs = {"by": "team", "invalid": "exclude", "missing": "raise"}
    elif case == "bad policy":
        kwargs = {"by": "team", "invalid": "bogus"}
    (old, _, _), (new, _, _) = _both(monkeypatch, df, **kwargs)
    assert isinstance(old, Exception)
    assert type(old) is type(new) and str(old) == str(new)


def test_summarize_frt_from_ticks_leaves_other_inputs_to_float_seconds(monkeypatch):
    rng = np.random.default_rng(12)
    df = _tickets(rng, 300)
    text = df.assign(created_at=df["created_at"].astype(str))
    for frame, kwargs in ((text, {}), (df, {"as_of": "2026-06-01"}),
                          (df, {"statistic": "mean", "n_resamples": 50})):
        (old, _, old_fast), (new, _, new_fast) = _both(
            monkeypatch, frame, by="team", invalid="exclude", **kwargs)
        assert not new_fast
        pd.testing.assert_frame_equal(old, new)
