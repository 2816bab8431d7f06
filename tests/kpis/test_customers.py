"""Customer KPIs against plain pandas counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kpitools as kt
from kpitools.datasets import load_agents
from kpitools.kpis.customers import clv_from_values, customer_counts
from kpitools.kpis.volume import poisson_ci
from kpitools.stats.intervals import proportion_ci, z_critical


@pytest.fixture(scope="module")
def customers():
    from kpitools.datasets import load_customers
    return load_customers()


def plain_counts(df, t0, t1):
    end = df.end_date
    at_start = (df.start_date < t0) & (end.isna() | (end >= t0))
    at_end = (df.start_date < t1) & (end.isna() | (end >= t1))
    new = (df.start_date >= t0) & (df.start_date < t1) & at_end
    lost = at_start & end.notna() & (end < t1)
    return int(at_start.sum()), int(at_end.sum()), int(new.sum()), int(lost.sum())


def test_counts_crr_churn_growth_against_pandas(customers):
    p = kt.parse_period("2025Q3")
    s, e, n, lost = plain_counts(customers, p.start, p.end)
    c = customer_counts(customers, "2025Q3")
    assert (c.start, c.end, c.new, c.lost) == (s, e, n, lost)
    crr = kt.customer_retention(customers, "2025Q3")
    assert crr.estimate == pytest.approx(100 * (e - n) / s)
    low, high = proportion_ci(e - n, s)
    assert (crr.ci_low, crr.ci_high) == pytest.approx((100 * low, 100 * high))
    churn = kt.churn_rate(customers, "2025Q3")
    assert churn.estimate == pytest.approx(100 * lost / s)
    assert crr.estimate + churn.estimate == pytest.approx(100)
    assert kt.customer_growth(customers, "2025Q3").estimate == pytest.approx(100 * (e - s) / s)


def test_crr_from_counts_validation():
    with pytest.raises(ValueError, match=r"end − new = -5 must be between 0 and start = 100"):
        kt.crr_from_counts(100, 20, 25)


def test_nrr_against_pandas(customers):
    p = kt.parse_period("2025Q3")
    end = customers.end_date
    cohort = (customers.start_date < p.start) & (end.isna() | (end >= p.start))
    lost = cohort & end.notna() & (end < p.end)
    start_mrr = customers.mrr[cohort].sum()
    end_mrr = (customers.mrr + customers.expansion_mrr - customers.contraction_mrr)[
        cohort & ~lost].sum()
    r = kt.nrr(customers, "2025Q3", n_resamples=999)
    assert r.estimate == pytest.approx(100 * end_mrr / start_mrr)
    assert r.ci_low < r.estimate < r.ci_high


def test_clv_delta_method_by_hand():
    rng = np.random.default_rng(0)
    revenue = rng.gamma(2, 50, size=300)
    churned = rng.random(300) < 0.1
    fitted = clv_from_values(revenue, churned, margin=0.6)
    value, (low, high) = fitted.estimate, fitted.ci
    assert fitted.unit == "money" and fitted.to_frame()["estimate"].iloc[0] == value
    m, c = revenue.mean(), churned.mean()
    assert value == pytest.approx(0.6 * m / c)
    n = len(revenue)
    cov = np.cov(revenue, churned.astype(float))[0, 1] / n
    var = revenue.var(ddof=1) / n / m**2 + churned.var(ddof=1) / n / c**2 - 2 * cov / (m * c)
    z = z_critical(0.95)
    assert (low, high) == pytest.approx((value * np.exp(-z * np.sqrt(var)),
                                         value * np.exp(z * np.sqrt(var))))
    boot = clv_from_values(revenue, churned, margin=0.6, method="bootstrap", n_resamples=2000)
    assert boot.ci_low < value < boot.ci_high
    with pytest.raises(ValueError, match="no customer churned"):
        clv_from_values(revenue, np.zeros(300, bool))


def test_employee_turnover():
    from kpitools.datasets import load_agents
    agents = load_agents()
    p = kt.parse_period("2025Q3")
    end = agents.end_date
    head0 = ((agents.start_date < p.start) & (end.isna() | (end >= p.start))).sum()
    head1 = ((agents.start_date < p.end) & (end.isna() | (end >= p.end))).sum()
    leavers = (end.notna() & (end >= p.start) & (end < p.end)).sum()
    r = kt.employee_turnover(agents, "2025Q3")
    avg = (head0 + head1) / 2
    assert r.estimate == pytest.approx(100 * leavers / avg)
    low, high = poisson_ci(int(leavers), avg)
    assert (r.ci_low, r.ci_high) == pytest.approx((100 * low, 100 * high))


def test_summarize_and_compare_by_segment(customers):
    out = kt.summarize(customers, kpi="churn_rate", by="segment", period="2025Q3")
    assert sorted(out.segment) == sorted(customers.segment.unique())  # the loop checks each
    for _, row in out.iterrows():
        single = kt.churn_rate(customers[customers.segment == row.segment], "2025Q3")
        assert row.estimate == pytest.approx(single.estimate)
    cmp = kt.compare(customers, kpi="crr", group="segment", period="2025Q3")
    assert (cmp["method"] == "newcombe").all() and len(cmp) == 3
    nrr = kt.compare(customers, kpi="nrr", group="segment", period="2025Q3", n_resamples=300)
    assert ((nrr.pvalue >= 0) & (nrr.pvalue <= 1)).all()


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 500), st.data())
def test_crr_properties(start, data):
    kept = data.draw(st.integers(0, start))
    new = data.draw(st.integers(0, 100))
    r = kt.crr_from_counts(start, kept + new, new)
    # 1e-9 slack: intervals.proportion_ci's Wilson bounds at x = 0 and x = n are off by
    # ~1e-16 (rounding), not exactly 0 and 1
    assert 0 <= r.ci_low <= r.estimate + 1e-9 and r.estimate - 1e-9 <= r.ci_high <= 100


def test_bad_customer_input():
    df = pd.DataFrame({"customer_id": ["a", "b"], "start_date": pd.to_datetime(["2026-01-05",
                                                                               "2026-02-01"]),
                       "end_date": pd.to_datetime(["2025-12-01", None])})
    with pytest.raises(kt.DataValidationError, match=r"column 'end_date': 1 end_date before "
                                                     r"start_date \(row 0"):
        kt.churn_rate(df, "2026Q2")
    with pytest.raises(ValueError, match="period '2026Q7' is not valid"):
        kt.churn_rate(df, "2026Q7")


@pytest.mark.parametrize("kpi", ["nrr", "customer_retention", "churn_rate",
                                 "employee_turnover"])
def test_one_sided_intervals_end_at_the_natural_end_of_the_scale(customers, kpi):
    # NRR, retention, churn and turnover cannot be negative: "less" starts at 0, not -inf;
    # "greater" ends at the top of the scale (100 % for a proportion, inf for NRR and a rate)
    data = load_agents() if kpi == "employee_turnover" else customers
    extra = {"n_resamples": 999} if kpi == "nrr" else {}
    fn = getattr(kt, kpi)
    two = fn(data, "2025Q3", alternative="two-sided", **extra)
    less = fn(data, "2025Q3", alternative="less", **extra)
    greater = fn(data, "2025Q3", alternative="greater", **extra)
    top = 100.0 if kpi in ("customer_retention", "churn_rate") else np.inf
    assert less.ci_low == 0.0 and greater.ci_high == top
    assert 0.0 < less.ci_high < two.ci_high and two.ci_low < greater.ci_low < top
    assert less.estimate == greater.estimate == two.estimate


def test_one_sided_nrr_bound_is_the_bootstrap_quantile(customers):
    # the finite end is the (1 − α) percentile of the same replicates as the two-sided one
    two = kt.nrr(customers, "2025Q3", n_resamples=999, confidence_level=0.90)
    less = kt.nrr(customers, "2025Q3", n_resamples=999, alternative="less",
                  confidence_level=0.95)
    greater = kt.nrr(customers, "2025Q3", n_resamples=999, alternative="greater",
                     confidence_level=0.95)
    assert (greater.ci_low, less.ci_high) == pytest.approx((two.ci_low, two.ci_high))


def test_the_bootstrap_in_blocks_draws_what_one_matrix_draws(monkeypatch):
    """Resamples drawn a few rows at a time (bounded memory) give the replicates of one
    ``integers(0, n, size=(n_resamples, n))`` matrix."""
    import numpy as np

    from kpitools.kpis import customers as module

    values = np.random.default_rng(3).gamma(2.0, 50.0, 37)
    idx = np.random.default_rng(11).integers(0, 37, size=(101, 37))
    monkeypatch.setattr(module, "_DRAWS_AT_ONCE", 37 * 4)  # blocks of 4 resamples
    (sums,) = module._resampled_sums(37, 101, 11, values)
    np.testing.assert_array_equal(sums, values[idx].sum(axis=1))
