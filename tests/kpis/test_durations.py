"""Duration KPIs: order-statistic CIs, bootstrap means, Hodges–Lehmann, censoring, bad input."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import kpitools as kt
from kpitools.core.errors import DataValidationError
from kpitools.core.results import ESTIMATE_COLUMNS
from kpitools.kpis.durations import (
    compare_durations,
    sla_attainment,
    summarize_durations,
)
from kpitools.stats.quantiles import (
    bootstrap_mean_ci,
    grouped_quantile_ci,
    hodges_lehmann,
    mann_whitney_cdf,
    median_ci,
    quantile_ci,
    quantile_ci_ranks,
)
from kpitools.tables.business_hours import BusinessHours

DATA = Path(__file__).parents[1] / "data" / "incidents_extract.csv"


def tickets(minutes, *, start="2026-07-01 09:00", **extra):
    created = pd.Timestamp(start)
    return pd.DataFrame({
        "ticket_id": [f"T{i}" for i in range(len(minutes))],
        "created_at": created,
        "first_response_at": created + pd.to_timedelta(minutes, unit="min"),
        **extra,
    })


# ------------------------------------------------------------------- order statistics


@pytest.mark.parametrize("n", [6, 10, 37, 100, 1001])
@pytest.mark.parametrize("q", [0.5, 0.9])
@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_quantile_ci_matches_scipy_quantile_test(n, q, level):
    # scipy.stats.quantile_test implements Conover's order-statistic interval independently
    x = np.random.default_rng(n).exponential(size=n)
    ref = stats.quantile_test(x, q=np.quantile(x, q), p=q).confidence_interval(level)
    _, low, high = quantile_ci(x, q, confidence_level=level)
    assert low == (ref.low if np.isfinite(ref.low) else -np.inf) or (
        np.isnan(ref.low) and low == -np.inf)
    assert high == ref.high or (np.isnan(ref.high) and high == np.inf)


def test_quantile_ranks_coverage_by_enumeration():
    # exact coverage F(s-1) - F(r-1) from the binomial pmf summed by hand
    n, q = 25, 0.5
    r, s, cov = quantile_ci_ranks(n, q)
    pmf = [stats.binom.pmf(i, n, q) for i in range(n + 1)]
    assert cov == pytest.approx(sum(pmf[r:s]))
    assert cov >= 0.95
    # each tail at most 2.5 %
    assert sum(pmf[:r]) <= 0.025 and sum(pmf[s:]) <= 0.025


def test_median_estimate_is_numpy_median():
    x = np.random.default_rng(3).lognormal(size=41)
    est, low, high = median_ci(x)
    assert est == np.median(x)
    assert low <= est <= high


def test_grouped_quantiles_equal_per_group_calls():
    rng = np.random.default_rng(5)
    x = rng.exponential(size=500)
    g = rng.integers(0, 7, size=500)
    est, low, high, n, _ = grouped_quantile_ci(x, g, 8, 0.9)
    for k in range(7):
        e, lo, hi = quantile_ci(x[g == k], 0.9)
        assert (est[k], low[k], high[k]) == (e, lo, hi)
        assert est[k] == pytest.approx(np.quantile(x[g == k], 0.9))
    assert n[7] == 0 and np.isnan(est[7])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1e5, allow_nan=False), min_size=1, max_size=60),
       st.sampled_from([0.5, 0.75, 0.9]))
def test_quantile_ci_contains_estimate_and_widens(values, q):
    est, low, high = quantile_ci(values, q)
    assert low <= est <= high
    _, low99, high99 = quantile_ci(values, q, confidence_level=0.99)
    assert low99 <= low and high99 >= high
    shuffled = list(reversed(values))
    assert quantile_ci(shuffled, q) == (est, low, high)


def test_one_sided_intervals_follow_scipy_direction():
    x = np.arange(1.0, 101.0)
    _, low, high = median_ci(x, alternative="greater")
    assert high == np.inf and low > 40
    _, low, high = median_ci(x, alternative="less")
    assert low == -np.inf and high < 61


def test_median_ci_coverage_small_simulation():
    # coverage of the 95 % interval on skewed data, small run (the slow test runs more)
    rng = np.random.default_rng(11)
    true_median = np.log(2.0)
    x = rng.exponential(size=(400, 40))
    codes = np.repeat(np.arange(400), 40)
    _, low, high, _, _ = grouped_quantile_ci(x.ravel(), codes, 400)
    covered = np.mean((low <= true_median) & (true_median <= high))
    assert 0.93 <= covered <= 0.995


@pytest.mark.slow
def test_median_ci_coverage_large_simulation():
    rng = np.random.default_rng(12)
    for n in (15, 60, 250):
        reps = 20_000
        x = rng.lognormal(size=(reps, n))
        codes = np.repeat(np.arange(reps), n)
        _, low, high, _, cov = grouped_quantile_ci(x.ravel(), codes, reps)
        covered = np.mean((low <= 1.0) & (1.0 <= high))
        assert covered >= 0.95 - 3 * np.sqrt(0.95 * 0.05 / reps)
        assert covered == pytest.approx(cov[0], abs=0.01)


# -------------------------------------------------------------------------- bootstrap


def test_bootstrap_mean_is_seeded_and_close_to_t_interval():
    x = np.random.default_rng(2).gamma(2.0, 10.0, size=400)
    a = bootstrap_mean_ci(x, n_resamples=4000, random_state=1)
    b = bootstrap_mean_ci(x, n_resamples=4000, random_state=1)
    assert a == b
    t_low, t_high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    assert a[0] == pytest.approx(x.mean())
    assert a[1] == pytest.approx(t_low, rel=0.02) and a[2] == pytest.approx(t_high, rel=0.02)


def test_grouped_bootstrap_mean_restarts_the_seed_per_group():
    # Regression: summarize(statistic="mean") drew all groups from one random stream, so a
    # group's interval depended on the other groups and differed from duration_kpi on the
    # group alone. Reference: a plain numpy percentile bootstrap of each group, seed 0.
    rng = np.random.default_rng(11)
    created = pd.Timestamp("2026-07-01 09:00")
    minutes = np.round(rng.exponential(30.0, size=70), 1)
    t = pd.DataFrame({"team": ["x"] * 30 + ["y"] * 40, "created_at": created,
                      "first_response_at": created + pd.to_timedelta(minutes, unit="min")})
    out = kt.summarize(t, kpi="frt", by="team", statistic="mean", n_resamples=2000)
    for team, block in (("x", minutes[:30]), ("y", minutes[30:])):
        draws = np.random.default_rng(0).random((2000, block.size))
        boot = block[(draws * block.size).astype(np.int64)].mean(axis=1)
        low, high = np.quantile(boot, [0.025, 0.975])
        row = out[out.team == team].iloc[0]
        assert row.ci_low == pytest.approx(low, rel=1e-12)
        assert row.ci_high == pytest.approx(high, rel=1e-12)
        alone = kt.frt(t[t.team == team], statistic="mean", n_resamples=2000)
        assert (alone.ci_low, alone.ci_high) == (row.ci_low, row.ci_high)


def test_bootstrap_mean_agrees_with_scipy_bootstrap():
    x = np.random.default_rng(4).exponential(5.0, size=300)
    _, low, high = bootstrap_mean_ci(x, n_resamples=9999, random_state=0)
    ref = stats.bootstrap((x,), np.mean, method="percentile", n_resamples=9999,
                          random_state=0).confidence_interval
    assert low == pytest.approx(ref.low, rel=0.02) and high == pytest.approx(ref.high, rel=0.02)


# --------------------------------------------------------------------- Hodges–Lehmann


@pytest.mark.parametrize("m,n", [(3, 4), (5, 5), (4, 7)])
def test_mann_whitney_cdf_by_enumeration(m, n):
    counts = np.zeros(m * n + 1)
    for chosen in itertools.combinations(range(m + n), m):
        ranks_a = np.array(chosen)
        # U = number of (a, b) pairs with b above a
        u = sum(1 for i in range(m + n) if i not in chosen for a in ranks_a if i > a)
        counts[u] += 1
    expected = np.cumsum(counts) / counts.sum()
    assert np.allclose(mann_whitney_cdf(m, n), expected)


def test_hodges_lehmann_against_brute_force():
    rng = np.random.default_rng(8)
    a = rng.exponential(10, size=150)
    b = rng.exponential(14, size=170)
    diffs = np.sort((b[None, :] - a[:, None]).ravel())
    shift, low, high, method = hodges_lehmann(a, b)
    assert shift == pytest.approx(np.median(diffs))
    # normal-approximation ranks (Hollander–Wolfe 4.3), computed here independently
    m, n = a.size, b.size
    sigma = np.sqrt(m * n * (m + n + 1) / 12)
    k = int(np.floor(m * n / 2 + 0.5 - stats.norm.ppf(0.975) * sigma))
    assert low == diffs[k - 1] and high == diffs[m * n - k]
    assert method == "hodges_lehmann_normal"


def test_hodges_lehmann_exact_small_sample():
    a = [1.1, 2.3, 3.2, 4.8, 5.1]
    b = [3.5, 4.4, 5.9, 6.2, 7.7, 8.1]
    diffs = np.sort((np.array(b)[None, :] - np.array(a)[:, None]).ravel())
    cdf = mann_whitney_cdf(5, 6)
    k = int(np.flatnonzero(cdf <= 0.025)[-1]) + 1
    shift, low, high, method = hodges_lehmann(a, b)
    assert method == "hodges_lehmann_exact"
    assert (low, high) == (diffs[k - 1], diffs[30 - k])
    assert shift == pytest.approx(np.median(diffs))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=2, max_size=25),
       st.lists(st.integers(0, 50), min_size=2, max_size=25))
def test_swapping_groups_negates_shift(a, b):
    s1, lo1, hi1, _ = hodges_lehmann(a, b)
    s2, lo2, hi2, _ = hodges_lehmann(b, a)
    assert s1 == pytest.approx(-s2)
    assert (lo1, hi1) == pytest.approx((-hi2, -lo2))
    assert lo1 <= s1 <= hi1


# --------------------------------------------------------------------- DataFrame layer


def test_frt_against_plain_pandas_and_reports_open_tickets():
    minutes = [4, 7, 9, 12, 15, 18, 25, 31, 40, 55, None, 90, None]
    df = tickets(minutes)
    r = kt.frt(df)
    plain = ((df.first_response_at - df.created_at).dt.total_seconds() / 60).dropna()
    assert r.estimate == plain.median()
    assert r.n == 11 and r.details["n_open"] == 2 and r.n_excluded == 2
    assert set(r.excluded["reason"]) == {"open (censored): no first response yet"}
    assert r.unit == "minutes" and r.method == "order_statistic"


def test_statistics_mean_and_p90():
    df = tickets(list(np.random.default_rng(0).exponential(30, size=200)))
    plain = (df.first_response_at - df.created_at).dt.total_seconds() / 60
    mean = kt.frt(df, statistic="mean", n_resamples=2000)
    assert mean.estimate == pytest.approx(plain.mean())
    assert mean.ci_low < mean.estimate < mean.ci_high
    p90 = kt.frt(df, statistic="quantile", q=0.9)
    assert p90.kpi == "frt_p90" and p90.estimate == pytest.approx(plain.quantile(0.9))
    t = kt.frt(df, statistic="mean", method="t")
    ref = stats.t.interval(0.95, 199, loc=plain.mean(), scale=stats.sem(plain))
    assert (t.ci_low, t.ci_high) == pytest.approx(ref)


def test_resolution_time_aht_asa():
    calls = pd.DataFrame({
        "call_id": [f"K{i}" for i in range(12)],
        "offered_at": pd.Timestamp("2026-07-01 10:00"),
        "answered_at": [pd.Timestamp("2026-07-01 10:01")] * 11 + [pd.NaT],
        "wait_seconds": [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 300],
        "talk_seconds": [300] * 11 + [None], "hold_seconds": [30] * 11 + [None],
        "acw_seconds": [30] * 11 + [None],
    })
    aht = kt.aht(calls, statistic="mean", n_resamples=500)
    assert aht.estimate == pytest.approx(6.0) and aht.n == 11 and aht.n_excluded == 1
    asa = kt.asa(calls)
    assert asa.estimate == 60.0 and asa.unit == "seconds"
    assert "abandoned" in asa.excluded["reason"].iloc[0]


def test_sla_attainment_counts_known_misses():
    df = tickets([10, 30, None, 120, None] + [5] * 10)
    df.loc[4, "created_at"] = pd.Timestamp("2026-07-01 11:50")  # open, only 10 min old
    r = sla_attainment(df, target=60, as_of="2026-07-01 12:00")
    # 13 answered tickets (12 within 60 min) + the open 09:00 ticket, 180 min old: a miss
    assert (r.details["within"], r.n) == (12, 14)
    assert r.details["n_open_undecided"] == 1 and r.n_excluded == 1
    low, high = kt.intervals.proportion_ci(12, 14)
    assert (r.ci_low, r.ci_high) == pytest.approx((100 * low, 100 * high))


def test_business_hours_frt():
    df = pd.DataFrame({"created_at": pd.to_datetime(["2026-07-03 16:30"] * 10),
                       "first_response_at": pd.to_datetime(["2026-07-06 09:30"] * 10)})
    hours = BusinessHours.weekdays("09:00", "17:00")
    assert kt.frt(df, business_hours=hours).estimate == 60.0
    assert kt.frt(df).estimate == pytest.approx((3 * 24 - 7) * 60)


def test_summarize_equals_per_group_and_schema():
    from kpitools.datasets import load_tickets
    t = load_tickets()
    out = kt.summarize(t, kpi="frt", by="channel")
    assert list(out.columns) == ["channel", *ESTIMATE_COLUMNS]
    assert sorted(out.channel) == sorted(t.channel.unique())  # the loop checks each
    for _, row in out.iterrows():
        single = kt.frt(t[t.channel == row.channel])
        assert (row.estimate, row.ci_low, row.ci_high, row.n) == (
            single.estimate, single.ci_low, single.ci_high, single.n)
    mean = summarize_durations(t, ["channel"], "frt", statistic="mean", n_resamples=300)
    assert sorted(mean.channel) == sorted(t.channel.unique())
    for _, row in mean.iterrows():
        assert row.estimate == pytest.approx(
            ((t.first_response_at - t.created_at).dt.total_seconds() / 60)[
                t.channel == row.channel].mean())


def test_compare_durations_through_kt_compare():
    from kpitools.datasets import load_tickets
    t = load_tickets()
    out = kt.compare(t, kpi="frt", group="channel", baseline="chat")
    assert set(out["group_b"]) == {"email", "phone"}
    assert (out["test"] == "mann_whitney").all()
    email = out[out.group_b == "email"].iloc[0]
    a = ((t.first_response_at - t.created_at).dt.total_seconds() / 60)[t.channel == "chat"]
    b = ((t.first_response_at - t.created_at).dt.total_seconds() / 60)[t.channel == "email"]
    assert email.pvalue == pytest.approx(
        stats.mannwhitneyu(b, a, method="asymptotic").pvalue)
    assert email.ci_low <= email.difference <= email.ci_high
    boot = compare_durations(t[t.channel == "chat"], t[t.channel == "email"],
                             method="bootstrap", n_resamples=300)
    assert boot.difference == pytest.approx(b.median() - a.median())
    welch = compare_durations(t[t.channel == "chat"], t[t.channel == "email"],
                              statistic="mean", method="welch")
    assert welch.test == "welch_t"
    assert welch.pvalue == pytest.approx(stats.ttest_ind(b, a, equal_var=False).pvalue)


# ------------------------------------------------------------------------- bad input


def test_resolution_before_creation_raises_naming_row():
    df = tickets([5] * 12)
    df.loc[3, "first_response_at"] = pd.Timestamp("2026-07-01 08:00")
    with pytest.raises(DataValidationError,
                       match=r"column 'first_response_at': 1 first_response_at before "
                             r"created_at \(negative duration\) \(row 3: "):
        kt.frt(df)
    r = kt.frt(df, invalid="exclude")
    assert r.n == 11 and r.n_excluded == 1
    assert r.excluded["row"].tolist() == [3]


def test_unparseable_timestamp_and_day_first_text():
    df = pd.DataFrame({"ticket_id": [f"T{i}" for i in range(12)],
                       "created_at": ["2026-07-01 09:00"] * 12,
                       "first_response_at": ["2026-07-01 09:30"] * 11 + ["29/07/2026 10:00"]})
    with pytest.raises(DataValidationError, match=r"column 'first_response_at': 1 timestamps "
                                                  r"that cannot be parsed .*row 11: "
                                                  r"'29/07/2026 10:00'"):
        kt.frt(df)
    assert kt.frt(df, invalid="exclude").n_excluded == 1


def test_duplicate_ids():
    df = tickets([5] * 12)
    df.loc[7, "ticket_id"] = "T2"
    with pytest.raises(DataValidationError, match=r"column 'ticket_id': 1 duplicate ids .*"
                                                  r"row 7: 'T2'"):
        kt.frt(df)
    assert kt.frt(df, invalid="exclude").n == 11


def test_time_zone_mix_within_and_across_columns():
    df = pd.DataFrame({"created_at": ["2026-07-01T09:00:00+02:00"] * 11 + ["2026-07-01T09:00"],
                       "first_response_at": ["2026-07-01T09:30:00+02:00"] * 12})
    with pytest.raises(DataValidationError, match=r"column 'created_at': 1 time-zone-naive "
                                                  r"timestamps mixed .*row 11"):
        kt.frt(df)
    df2 = tickets([5] * 12)
    df2["first_response_at"] = df2["first_response_at"].dt.tz_localize("UTC")
    with pytest.raises(DataValidationError, match=r"column 'created_at': time-zone mix"):
        kt.frt(df2)
    assert kt.frt(df2, tz="Europe/Berlin").estimate == pytest.approx(5 + 120)


def test_negative_seconds_and_unknown_options():
    calls = pd.DataFrame({"wait_seconds": [10] * 11 + [-4],
                          "answered_at": pd.Timestamp("2026-07-01")})
    with pytest.raises(DataValidationError, match=r"column 'wait_seconds': 1 negative "
                                                  r"durations \(row 11: -4\)"):
        kt.asa(calls)
    with pytest.raises(ValueError, match=r"statistic='avg' is not valid"):
        kt.frt(tickets([1] * 12), statistic="avg")
    with pytest.raises(ValueError, match=r"columns: 'created' is not a column role"):
        kt.frt(tickets([1] * 12), columns={"created": "x"})


# -------------------------------------------------------------------------- real data


def _incidents():
    return pd.read_csv(DATA)


def test_real_incidents_frt_and_resolution_against_pandas():
    raw = _incidents()
    cols = {"ticket_id": "number", "created_at": "opened_at",
            "first_response_at": "first_active_at"}
    with pytest.raises(DataValidationError, match=r"first_active_at before opened_at"):
        kt.frt(raw, columns=cols)
    r = kt.frt(raw, columns=cols, invalid="exclude", unit="hours")
    opened = pd.to_datetime(raw.opened_at)
    active = pd.to_datetime(raw.first_active_at)
    hours = (active - opened).dt.total_seconds() / 3600
    valid = hours[hours >= 0]
    assert r.estimate == pytest.approx(valid.median())
    assert r.n == len(valid)
    assert r.details["n_open"] == int(active.isna().sum())
    assert r.n_excluded == int(active.isna().sum()) + int((hours < 0).sum())
    res = kt.resolution_time(raw, columns={"ticket_id": "number", "created_at": "opened_at"},
                             unit="hours", statistic="quantile", q=0.9)
    resolved = (pd.to_datetime(raw.resolved_at) - opened).dt.total_seconds() / 3600
    assert res.estimate == pytest.approx(resolved.dropna().quantile(0.9))
    with pytest.warns(kt.SmallSampleWarning, match="fewer than 10 observations"):
        by = kt.summarize(raw, kpi="resolution_time", by="priority", unit="hours",
                          columns={"ticket_id": "number", "created_at": "opened_at"})
    plain = resolved.groupby(raw.priority).median()
    assert np.allclose(by.set_index("priority")["estimate"], plain.loc[by.priority])


@pytest.mark.parametrize("dtype", ["Int64", "float64", "int64"])
def test_numeric_duration_columns_list_their_exclusions_as_text_columns_do(dtype):
    """A numeric column of seconds (no text, so no blanks to look for) gives the same
    estimate and the same excluded rows — row, column, value, reason — as the same values
    in a column of objects, which is read value by value."""
    import kpitools as kt

    talk = [300, 240, None, -5, 410, 1e9, 275, 90, 610, 333] * 3
    if dtype == "int64":
        talk = [0 if v is None else int(v) for v in talk]
    if dtype == "float64":
        talk = [np.inf if v == 1e9 else v for v in talk]
    calls = pd.DataFrame({"call_id": range(30), "talk_seconds": pd.array(talk, dtype=dtype),
                          "offered_at": pd.Timestamp("2026-01-05"),
                          "answered_at": pd.Timestamp("2026-01-05 00:00:20")})
    as_text = calls.astype({"talk_seconds": object})
    got = kt.summarize(calls, kpi="aht", statistic="mean", invalid="exclude")
    want = kt.summarize(as_text, kpi="aht", statistic="mean", invalid="exclude")
    pd.testing.assert_frame_equal(got, want)
    pd.testing.assert_frame_equal(got.attrs["excluded"], want.attrs["excluded"])
    assert len(got.attrs["excluded"]) == {"Int64": 6, "float64": 9, "int64": 3}[dtype]
