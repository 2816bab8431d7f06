"""Count KPIs: Poisson intervals (reference cases), rate ratio, overdispersion, volume."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import kpitools as kt
from kpitools.core.errors import DataValidationError
from kpitools.kpis.volume import (
    event_counts,
    overdispersion_test,
    poisson_ci,
    rate_ratio_test,
    ticket_volume,
    volume_by_weekday_hour,
)

REFCASES = json.loads((Path(__file__).parents[1] / "reference" / "refcases.json").read_text())
SINGLE = [c for c in REFCASES if c["kpi"] == "single_rate"]
RATIO = [c for c in REFCASES if c["kpi"] == "rate_ratio"]
# the reference's method words → our method names
_METHOD = {"exact-c": "exact", "score": "score", "wald": "wald", "jeff": "jeffreys"}


@pytest.mark.parametrize("case", SINGLE, ids=[c["id"] for c in SINGLE])
def test_single_rate_reference(case):
    # R DescTools PoissonCI / ratesci::jeffreysci, quoted in statsmodels' tests
    method = _METHOD[case["id"].rsplit("_", 1)[1]]
    low, high = poisson_ci(case["inputs"]["count"], case["inputs"]["exposure"],
                           confidence_level=1 - case["alpha"], method=method)
    assert (low, high) == pytest.approx(tuple(case["expected"]), abs=case["tolerance"])


@pytest.mark.parametrize("case", RATIO, ids=[c["id"] for c in RATIO])
def test_rate_ratio_reference(case):
    # R stats::poisson.test(c(11, 21), c(800, 3011))
    i = case["inputs"]
    # baseline first: the reference's (count1, exposure1) is the numerator, b
    r = rate_ratio_test(i["count2"], i["exposure2"], i["count1"], i["exposure1"])
    if case["id"].endswith("_ci"):
        assert (r.ci_low, r.ci_high) == pytest.approx(tuple(case["expected"]),
                                                      abs=case["tolerance"])
    else:
        p, ratio = case["expected"]
        assert r.pvalue == pytest.approx(p, abs=case["tolerance"])
        assert r.estimate == pytest.approx(ratio, abs=case["tolerance"])


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 5000), st.floats(0.1, 1e5),
       st.sampled_from(["exact", "score", "wald", "jeffreys"]))
def test_poisson_ci_contains_rate_and_widens(count, exposure, method):
    low, high = poisson_ci(count, exposure, method=method)
    assert 0 <= low <= count / exposure <= high
    low99, high99 = poisson_ci(count, exposure, method=method, confidence_level=0.99)
    assert low99 <= low + 1e-12 and high99 >= high - 1e-12


def test_one_sided_and_bad_counts():
    low, high = poisson_ci(10, alternative="greater")
    assert high == np.inf and low == pytest.approx(stats.chi2.ppf(0.05, 20) / 2)
    with pytest.raises(ValueError, match="count must be a non-negative whole number"):
        poisson_ci(2.5)
    with pytest.raises(ValueError, match="exposure must be positive"):
        poisson_ci(3, 0)
    with pytest.raises(ValueError, match="method='garwood' is not valid"):
        poisson_ci(3, method="garwood")


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 60), st.integers(1, 60), st.floats(1, 500), st.floats(1, 500))
def test_rate_ratio_pvalue_is_binomial_test(k1, k2, e1, e2):
    r = rate_ratio_test(k2, e2, k1, e1)  # baseline (k2, e2) first; ratio (k1/e1) / (k2/e2)
    ref = stats.binomtest(k1, k1 + k2, e1 / (e1 + e2))
    assert r.pvalue == pytest.approx(ref.pvalue)
    assert 0 <= r.pvalue <= 1
    assert r.ci_low <= r.estimate <= r.ci_high


def test_overdispersion_against_independent_computation():
    rng = np.random.default_rng(1)
    y = rng.negative_binomial(3, 0.2, size=120)  # mean 12, variance 60
    r = overdispersion_test(y)
    stat = ((y - y.mean()) ** 2).sum() / y.mean()
    assert r.statistic == pytest.approx(stat)
    assert r.pvalue == pytest.approx(stats.chi2.sf(stat, len(y) - 1))
    assert r.dispersion_index == pytest.approx(y.var(ddof=1) / y.mean())
    # Cameron–Trivedi auxiliary regression with statsmodels OLS (no intercept)
    mu = np.full(len(y), y.mean())
    ols = sm.OLS(((y - mu) ** 2 - y) / mu, mu).fit()
    assert r.ct_alpha == pytest.approx(ols.params[0])
    assert r.ct_statistic == pytest.approx(ols.tvalues[0])
    assert r.overdispersed
    poisson = overdispersion_test(rng.poisson(12, size=200))
    assert not poisson.overdispersed


def _tickets():
    from kpitools.datasets import load_tickets
    return load_tickets()


def test_volume_against_pandas():
    t = _tickets()
    out = ticket_volume(t, freq="M", by="channel")
    plain = t.groupby([t.created_at.dt.to_period("M"), "channel"]).size()
    got = out.set_index([out.period_start.dt.to_period("M"), "channel"])["n"]
    assert got.loc[plain.index].tolist() == plain.tolist()
    low, high = poisson_ci(out["n"].to_numpy())
    assert np.allclose(out["ci_low"], low) and np.allclose(out["ci_high"], high)
    daily = event_counts(t)
    assert daily.sum() == len(t)
    assert len(daily) == (t.created_at.max().normalize() - t.created_at.min().normalize()).days + 1
    grid = volume_by_weekday_hour(t)
    plain = t.groupby([t.created_at.dt.day_of_week, t.created_at.dt.hour]).size()
    got = grid.set_index(["weekday", "hour"])["count"]
    assert got.loc[plain.index].tolist() == plain.tolist() and len(grid) == 168


def test_volume_through_summarize_and_compare():
    t = _tickets()
    t["quarter"] = kt.period_labels(t.created_at)
    out = kt.summarize(t, kpi="ticket_volume", by="quarter", exposure="period_days",
                       period_column="quarter")
    q = out.iloc[0]
    days = kt.parse_period(q.quarter).days
    assert q.estimate == pytest.approx((t.quarter == q.quarter).sum() / days)
    cmp = kt.compare(t, kpi="ticket_volume", group="quarter", baseline="2025Q1",
                     exposure="period_days", period_column="quarter")
    row = cmp[cmp.group_b == "2025Q2"].iloc[0]
    ref = rate_ratio_test((t.quarter == "2025Q1").sum(), 90, (t.quarter == "2025Q2").sum(), 91)
    assert row.measure == "ratio" and row.unit == "ratio"
    assert (row.difference, row.pvalue) == pytest.approx((ref.estimate, ref.pvalue))
    direct = kt.compare_volume(t, "2025Q1", "2025Q2")
    assert direct.difference == pytest.approx(ref.estimate)
    resolved = kt.summarize(t, kpi="resolved_volume", by="channel")
    assert resolved["n"].sum() == t.resolved_at.notna().sum()


def test_complaints_per_1000():
    r = kt.complaints_per_1000(15, 400)
    low, high = poisson_ci(15, 400)
    assert (r.estimate, r.ci_low, r.ci_high) == pytest.approx((37.5, 1000 * low, 1000 * high))
    df = pd.DataFrame({"complaint": [True] * 15 + [False] * 85, "team": ["a"] * 100})
    out = kt.summarize(df, kpi="complaints_per_1000", value="complaint", customers=400)
    assert out["estimate"].iloc[0] == pytest.approx(37.5)


def test_volume_bad_input():
    df = pd.DataFrame({"ticket_id": ["a", "b", "c"],
                       "created_at": ["2026-07-01 10:00", "tomorrow", "2026-07-02 10:00"]})
    with pytest.raises(DataValidationError,
                       match=r"column 'created_at': 1 timestamps that cannot be parsed"):
        ticket_volume(df)
    out = ticket_volume(df, invalid="exclude", freq="D")
    assert out["n"].sum() == 2 and out.attrs["n_excluded"] == 1
