"""Tests of kpitools.stats.significance against independent computations (scipy, statsmodels, the
textbook formulas written out) and hypothesis property tests."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from kpitools.stats.intervals import nps_diff_ci
from kpitools.stats.significance import (
    adjust_pvalues,
    mann_whitney_test,
    mean_ci,
    nps_test,
    paired_t_test,
    pvalue_from_z,
    two_proportion_test,
    welch_test,
)

TABLES = [(56, 70, 48, 80), (84, 101, 89, 105), (15, 148, 30, 150), (40, 50, 20, 50),
          (300, 1000, 330, 1000)]


# ------------------------------------------------------------------ two proportions


@pytest.mark.parametrize("k1,n1,k2,n2", TABLES)
def test_z_test_equals_uncorrected_chi_square(k1, n1, k2, n2):
    table = [[k1, n1 - k1], [k2, n2 - k2]]
    chi2, p, _, _ = sps.chi2_contingency(table, correction=False)
    r = two_proportion_test(k1, n1, k2, n2, test="z")  # sample 1 is the baseline a
    assert r.test == "two_proportion_z"
    assert r.statistic**2 == pytest.approx(chi2, rel=1e-10)
    assert r.pvalue == pytest.approx(p, rel=1e-10)
    assert np.sign(r.statistic) == np.sign(k2 / n2 - k1 / n1)  # b − a
    assert r.estimate == pytest.approx(k2 / n2 - k1 / n1)


@pytest.mark.parametrize("k1,n1,k2,n2", TABLES)
@pytest.mark.parametrize("alternative,sm_alternative", [("greater", "larger"),
                                                         ("less", "smaller")])
def test_one_sided_z_test_matches_statsmodels(k1, n1, k2, n2, alternative, sm_alternative):
    # statsmodels tests p1 − p2: group 1 is our b, so it goes second
    z, p = proportions_ztest([k1, k2], [n1, n2], alternative=sm_alternative)
    r = two_proportion_test(k2, n2, k1, n1, test="z", alternative=alternative)
    assert (r.statistic, r.pvalue) == pytest.approx((z, p), rel=1e-10)


def _fisher_two_sided_by_hand(k1, n1, k2, n2):
    """Sum of hypergeometric probabilities no larger than the observed table's."""
    total_k, total_n = k1 + k2, n1 + n2
    support = np.arange(max(0, total_k - n2), min(n1, total_k) + 1)
    pmf = sps.hypergeom.pmf(support, total_n, total_k, n1)
    observed = sps.hypergeom.pmf(k1, total_n, total_k, n1)
    return float(pmf[pmf <= observed * (1 + 1e-7)].sum())


@pytest.mark.parametrize("k1,n1,k2,n2", [(9, 10, 3, 10), (1, 12, 6, 10), (0, 5, 4, 6),
                                         (3, 3, 0, 4)])
def test_fisher_exact_matches_hypergeometric_sum(k1, n1, k2, n2):
    # scipy's table has group 1 in the first row, the odds ratio of 1 to 2: our b to a
    r = two_proportion_test(k2, n2, k1, n1, test="fisher")
    assert r.test == "fisher_exact"
    assert r.measure == "odds_ratio"
    assert r.pvalue == pytest.approx(_fisher_two_sided_by_hand(k1, n1, k2, n2), rel=1e-9)
    ref = sps.fisher_exact([[k1, n1 - k1], [k2, n2 - k2]])
    assert r.statistic == pytest.approx(ref.statistic)
    greater = two_proportion_test(k2, n2, k1, n1, test="fisher", alternative="greater")
    # P(X >= k1) under the hypergeometric null
    assert greater.pvalue == pytest.approx(
        sps.hypergeom.sf(k1 - 1, n1 + n2, k1 + k2, n1), rel=1e-9)


def test_auto_uses_fisher_only_when_an_expected_count_is_below_five():
    # expected successes in group 1: 10 * 12/20 = 6, failures 4 -> Fisher
    assert two_proportion_test(9, 10, 3, 10).test == "fisher_exact"
    assert two_proportion_test(56, 70, 48, 80).test == "two_proportion_z"


def test_unknown_test_name_is_rejected():
    with pytest.raises(ValueError, match=re.escape(
            "test='chi2' is not valid; choose one of 'auto', 'z', 'fisher'")):
        two_proportion_test(1, 2, 1, 2, test="chi2")


# --------------------------------------------------------------------------------- NPS


def _scores(counts):
    pro, pas, det = counts
    return np.repeat([1.0, 0.0, -1.0], [pro, pas, det])


@pytest.mark.parametrize("a,b", [((40, 30, 30), (50, 30, 20)), ((10, 5, 2), (3, 4, 12)),
                                 ((200, 150, 90), (230, 120, 80))])
def test_nps_wald_z_is_the_unpooled_z_of_the_score_means(a, b):
    sa, sb = _scores(a), _scores(b)
    se = np.sqrt(sa.var() / sa.size + sb.var() / sb.size)
    z = (sb.mean() - sa.mean()) / se
    r = nps_test(a, b, method="wald")
    assert r.statistic == pytest.approx(z)
    assert r.pvalue == pytest.approx(2 * sps.norm.sf(abs(z)))


@pytest.mark.parametrize("a,b", [((40, 30, 30), (50, 30, 20)), ((10, 5, 2), (3, 4, 12)),
                                 ((20, 10, 10), (26, 8, 6)), ((5, 0, 0), (0, 0, 5))])
def test_nps_adjusted_wald_test_agrees_with_its_interval(a, b):
    r = nps_test(a, b)
    low, high = nps_diff_ci(a, b)
    assert (r.pvalue < 0.05) == (low > 0 or high < 0)
    assert r.confidence_interval(0.95) == (low, high)


def test_pvalue_from_z_directions():
    assert pvalue_from_z(1.959963984540054) == pytest.approx(0.05)
    assert pvalue_from_z(-1.6448536269514722, "less") == pytest.approx(0.05)
    assert pvalue_from_z(-1.6448536269514722, "greater") == pytest.approx(0.95)
    assert np.isnan(pvalue_from_z(float("nan")))


# ------------------------------------------------------------------------------- means

X = np.array([3.1, 4.5, 2.2, 5.0, 4.1, 3.3, 2.9, 4.8])
Y = np.array([4.2, 5.1, 5.9, 4.4, 6.3, 5.5, 4.9, 6.0, 5.2, 3.8, 5.7])


@pytest.mark.parametrize("level", [0.9, 0.95])
def test_mean_ci_is_the_student_t_interval(level):
    low, high = mean_ci(X, confidence_level=level)
    half = sps.t.ppf(0.5 + level / 2, X.size - 1) * X.std(ddof=1) / np.sqrt(X.size)
    assert (low, high) == pytest.approx((X.mean() - half, X.mean() + half))


def test_mean_ci_one_sided_is_open_on_one_side():
    low, high = mean_ci(X, alternative="greater")
    assert high == np.inf
    assert low == pytest.approx(X.mean() - sps.t.ppf(0.95, X.size - 1) * X.std(ddof=1)
                                / np.sqrt(X.size))


def test_welch_matches_the_welch_satterthwaite_formulas():
    va, vb = X.var(ddof=1) / X.size, Y.var(ddof=1) / Y.size
    d = Y.mean() - X.mean()
    t = d / np.sqrt(va + vb)
    df = (va + vb) ** 2 / (va**2 / (X.size - 1) + vb**2 / (Y.size - 1))
    half = sps.t.ppf(0.975, df) * np.sqrt(va + vb)
    got = welch_test(X, Y)
    assert (got.estimate, *got.confidence_interval(0.95), got.statistic, got.pvalue, got.df) \
        == pytest.approx((d, d - half, d + half, t, 2 * sps.t.sf(abs(t), df), df))
    half90 = sps.t.ppf(0.95, df) * np.sqrt(va + vb)
    assert got.confidence_interval(0.9) == pytest.approx((d - half90, d + half90))


def test_paired_t_is_one_sample_t_on_differences():
    before, after = X, X + np.array([0.5, -0.2, 0.9, 0.1, 0.4, 0.0, 0.7, 0.3])
    diff = after - before
    ref = sps.ttest_1samp(diff, 0.0)
    half = sps.t.ppf(0.975, diff.size - 1) * diff.std(ddof=1) / np.sqrt(diff.size)
    got = paired_t_test(before, after)
    assert (got.estimate, *got.confidence_interval(), got.statistic, got.pvalue) == \
        pytest.approx((diff.mean(), diff.mean() - half, diff.mean() + half, ref.statistic,
                       ref.pvalue))


def test_mann_whitney_normal_approximation_with_ties_by_hand():
    a = np.array([1, 2, 2, 3, 3, 3, 4, 5])
    b = np.array([2, 3, 4, 4, 5, 5, 5, 4, 3])
    ranks = sps.rankdata(np.concatenate([a, b]))
    u_b = ranks[a.size:].sum() - b.size * (b.size + 1) / 2
    n = a.size + b.size
    _, tie_counts = np.unique(np.concatenate([a, b]), return_counts=True)
    var = a.size * b.size / 12 * ((n + 1) - (tie_counts**3 - tie_counts).sum() / (n * (n - 1)))
    z = (abs(u_b - a.size * b.size / 2) - 0.5) / np.sqrt(var)
    r = mann_whitney_test(a, b)
    assert r.statistic == u_b
    assert r.pvalue == pytest.approx(2 * sps.norm.sf(z))


def test_constant_samples_do_not_warn():
    # every respondent answered 5: a zero-width interval, no scipy precision-loss warning
    assert mean_ci([5, 5, 5]) == (5.0, 5.0)
    r = welch_test([4, 4, 4], [5, 5, 5])
    assert (r.estimate, *r.confidence_interval(), r.statistic, r.pvalue) == (
        1.0, 1.0, 1.0, np.inf, 0.0)
    r = paired_t_test([1, 2, 3], [2, 3, 4])
    assert (r.estimate, *r.confidence_interval()) == (1.0, 1.0, 1.0)


def test_mean_validation_messages():
    with pytest.raises(ValueError, match="a t interval needs at least 2 values, got 1"):
        mean_ci([3.0])
    with pytest.raises(ValueError, match="values contains NaN"):
        mean_ci([3.0, np.nan, 4.0])
    with pytest.raises(ValueError, match="Welch's test needs at least 2 values in each sample"):
        welch_test([1.0], [2.0, 3.0])
    with pytest.raises(ValueError, match="paired samples must have the same length, got 3 "
                       "and 2"):
        paired_t_test([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="Mann–Whitney needs at least one value in each"):
        mann_whitney_test([], [1, 2])


# ------------------------------------------------------------------- multiplicity

PVALUES = [0.001, 0.04, 0.03, 0.2, 0.011, 0.5, 0.049, 0.9]


@pytest.mark.parametrize("ours,theirs", [("holm", "holm"), ("benjamini_hochberg", "fdr_bh"),
                                         ("bonferroni", "bonferroni")])
def test_adjust_pvalues_matches_statsmodels(ours, theirs):
    expected = multipletests(PVALUES, method=theirs)[1]
    np.testing.assert_allclose(adjust_pvalues(PVALUES, method=ours), expected, rtol=1e-12)


def test_adjust_pvalues_passes_nan_through_and_does_not_count_it():
    with_nan = PVALUES[:3] + [np.nan] + PVALUES[3:]
    got = adjust_pvalues(with_nan)
    assert np.isnan(got[3])
    np.testing.assert_allclose(np.delete(got, 3), multipletests(PVALUES, method="holm")[1])


def test_adjust_pvalues_validation():
    with pytest.raises(ValueError, match=re.escape(
            "method='fdr' is not valid; choose one of 'holm', 'benjamini_hochberg', "
            "'bonferroni', 'none'")):
        adjust_pvalues([0.1], method="fdr")
    with pytest.raises(ValueError, match=re.escape("p-values must be in [0, 1]")):
        adjust_pvalues([0.1, 1.2])


pvalue_lists = st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=30)


@settings(max_examples=100, deadline=None)
@given(p=pvalue_lists)
def test_adjusted_pvalues_are_valid_and_ordered(p):
    raw = np.array(p)
    holm = adjust_pvalues(raw, "holm")
    bh = adjust_pvalues(raw, "benjamini_hochberg")
    bonf = adjust_pvalues(raw, "bonferroni")
    for adj in (holm, bh, bonf):
        assert np.all((adj >= 0) & (adj <= 1))
        assert np.all(adj >= raw - 1e-15)
    assert np.all(holm >= bh - 1e-15)
    assert np.all(bonf >= holm - 1e-15)
    # the adjustment does not depend on the order of the input
    order = np.argsort(raw)[::-1]
    np.testing.assert_allclose(adjust_pvalues(raw[order], "holm"), holm[order])


@st.composite
def two_samples(draw, max_n=300):
    n1 = draw(st.integers(1, max_n))
    n2 = draw(st.integers(1, max_n))
    return draw(st.integers(0, n1)), n1, draw(st.integers(0, n2)), n2


@settings(max_examples=100, deadline=None)
@given(s=two_samples(), test=st.sampled_from(["z", "fisher", "auto"]),
       alternative=st.sampled_from(["two-sided", "less", "greater"]))
def test_two_proportion_pvalue_in_unit_interval_and_swap_symmetric(s, test, alternative):
    k1, n1, k2, n2 = s
    r = two_proportion_test(k1, n1, k2, n2, test=test, alternative=alternative)
    assert 0.0 <= r.pvalue <= 1.0
    mirrored = {"two-sided": "two-sided", "less": "greater", "greater": "less"}[alternative]
    swapped = two_proportion_test(k2, n2, k1, n1, test=test, alternative=mirrored)
    assert swapped.pvalue == pytest.approx(r.pvalue, rel=1e-9, abs=1e-15)
    if r.test == "two_proportion_z":
        assert swapped.statistic == pytest.approx(-r.statistic) or (
            np.isnan(r.statistic) and np.isnan(swapped.statistic))


@st.composite
def nps_sample(draw, max_n=200):
    counts = tuple(draw(st.integers(0, max_n)) for _ in range(3))
    assume(sum(counts) > 0)
    return counts


@settings(max_examples=100, deadline=None)
@given(a=nps_sample(), b=nps_sample(), method=st.sampled_from(["adjusted_wald", "wald"]))
def test_nps_test_pvalue_in_unit_interval_and_swap_symmetric(a, b, method):
    r = nps_test(a, b, method=method)
    s = nps_test(b, a, method=method)
    assert 0.0 <= r.pvalue <= 1.0
    assert s.pvalue == pytest.approx(r.pvalue, abs=1e-12)
    assert s.statistic == pytest.approx(-r.statistic, abs=1e-12) or (
        np.isinf(r.statistic) and s.statistic == -r.statistic)


samples = st.lists(st.integers(1, 7), min_size=2, max_size=40).map(np.array)


@settings(max_examples=100, deadline=None)
@given(a=samples, b=samples)
def test_mean_tests_pvalues_and_swap_symmetry(a, b):
    assume(np.ptp(a) > 0 and np.ptp(b) > 0)
    r, r2 = welch_test(a, b), welch_test(b, a)
    (d, t, p), (low, high) = (r.estimate, r.statistic, r.pvalue), r.confidence_interval()
    (d2, t2, p2), (low2, high2) = (r2.estimate, r2.statistic, r2.pvalue), r2.confidence_interval()
    assert 0.0 <= p <= 1.0
    assert (d2, low2, high2, t2) == pytest.approx((-d, -high, -low, -t))
    assert p2 == pytest.approx(p)
    mw, mw2 = mann_whitney_test(a, b), mann_whitney_test(b, a)
    assert 0.0 <= mw.pvalue <= 1.0
    assert mw2.pvalue == pytest.approx(mw.pvalue)
    assert mw.statistic + mw2.statistic == a.size * b.size
