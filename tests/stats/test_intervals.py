"""Tests of kpitools.stats.intervals: published reference values, scipy/statsmodels cross-checks,
one-sided conventions, validation messages and hypothesis property tests."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from statsmodels.stats.proportion import confint_proportions_2indep

from kpitools.stats.intervals import (
    DIFF_METHODS,
    NPS_METHODS,
    PROPORTION_METHODS,
    diff_proportions_ci,
    nps_ci,
    nps_diff_ci,
    nps_standard_error,
    nps_variance,
    proportion_ci,
)
from kpitools.stats.nps import nps_test


def boot(method: str) -> dict[str, int]:
    """999 resamples for the bootstrap (the option is refused by the other methods)."""
    return {"n_resamples": 999} if method == "bootstrap" else {}

REFCASES = json.loads((Path(__file__).parents[1] / "reference" / "refcases.json").read_text())

#: The kinds of reference case this module covers ("single_rate" and "rate_ratio" belong to
#: the operations tests).
INTERVAL_KPIS = ("proportion", "difference_of_proportions", "nps")
CASES = [c for c in REFCASES if c["kpi"] in INTERVAL_KPIS]


def method_from_text(kpi: str, text: str) -> str:
    """Map the method text of a reference case (the source's words) to our method name."""
    t = text.lower()
    if kpi == "proportion":
        table = [("wilson_score_cc", "wilson_cc"), ("wilson_score", "wilson"),
                 ("clopper_pearson", "clopper_pearson"), ("mid_p", "mid_p")]
        for prefix, name in table:
            if t.startswith(prefix):
                return name
    elif kpi == "difference_of_proportions":
        if "newcombe" in t:
            return "newcombe_cc" if "with cc" in t else "newcombe"
        if "agresti-caffo" in t:
            return "agresti_caffo"
        if "miettinen-nurminen" in t:
            return "miettinen_nurminen"
        if t.startswith("mee"):
            return "mee"
        if t.startswith("wald with continuity correction"):
            return "wald_cc"
        if t.startswith("wald"):
            return "wald"
    elif kpi == "nps" and "variance" in t:
        return "variance_se"
    raise LookupError(f"no method mapping for {kpi!r} case method {text!r}")


def test_case_filter_selects_the_interval_cases():
    kinds = {c["kpi"] for c in REFCASES}
    assert set(INTERVAL_KPIS) <= kinds
    assert len(CASES) == sum(c["kpi"] in INTERVAL_KPIS for c in REFCASES) > 50
    # every case maps to one of our methods (a new kind of case must not pass unnoticed)
    for case in CASES:
        name = method_from_text(case["kpi"], case["method"])
        assert name in PROPORTION_METHODS + DIFF_METHODS + ("variance_se",)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_reference_case(case):
    # Sources: Newcombe (1998a, 1998b) tables, Garner WUSS 2016 SAS output, R package NPS;
    # see case["source"] and tests/reference/SOURCE.md.
    method = method_from_text(case["kpi"], case["method"])
    level = 1.0 - case["alpha"]
    inputs = case["inputs"]
    if case["kpi"] == "proportion":
        got = proportion_ci(inputs["x"], inputs["n"], confidence_level=level, method=method)
    elif case["kpi"] == "difference_of_proportions":
        # The source gives p1 − p2; with sample 1 as the baseline a (first argument) we
        # give p2 − p1 = −(p1 − p2): the published interval negated and its ends swapped.
        low, high = diff_proportions_ci(inputs["x1"], inputs["n1"], inputs["x2"],
                                        inputs["n2"], confidence_level=level, method=method)
        got = (-high, -low)
    else:
        counts = (inputs["promoters"], inputs["passives"], inputs["detractors"])
        got = (nps_variance(*counts), nps_standard_error(*counts))
    np.testing.assert_allclose(got, case["expected"], rtol=0, atol=case["tolerance"])


# ------------------------------------------------------------------- independent cross-checks


@pytest.mark.parametrize("k1,n1,k2,n2", [(10, 10, 0, 20), (1, 1, 0, 1), (3, 4, 0, 3),
                                         (56, 70, 48, 80), (0, 5, 5, 5), (2, 9, 7, 8)])
def test_agresti_caffo_is_statsmodels_clipped_to_unit_range(k1, n1, k2, n2):
    low, high = diff_proportions_ci(k2, n2, k1, n1, method="agresti_caffo")  # p1 − p2
    sm_low, sm_high = confint_proportions_2indep(k1, n1, k2, n2, method="agresti-caffo",
                                                 compare="diff", alpha=0.05)
    assert -1.0 <= low <= high <= 1.0
    np.testing.assert_allclose([low, high], np.clip([sm_low, sm_high], -1.0, 1.0), atol=1e-12)


def test_agresti_caffo_clips_where_statsmodels_exceeds_one():
    _, sm_high = confint_proportions_2indep(10, 10, 0, 20, method="agresti-caffo",
                                            compare="diff")
    assert sm_high > 1.0  # statsmodels does not clip (see SOURCE.md)
    assert diff_proportions_ci(0, 20, 10, 10, method="agresti_caffo")[1] == 1.0
    assert diff_proportions_ci(10, 10, 0, 20, method="agresti_caffo")[0] == -1.0


SCIPY_METHODS = {"clopper_pearson": "exact", "wilson": "wilson", "wilson_cc": "wilsoncc"}


@pytest.mark.parametrize("method", sorted(SCIPY_METHODS))
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
@pytest.mark.parametrize("k,n", [(0, 20), (1, 29), (15, 148), (81, 263), (20, 20), (7, 9)])
@pytest.mark.parametrize("level", [0.9, 0.95])
def test_proportion_ci_matches_scipy_binomtest(method, alternative, k, n, level):
    ours = proportion_ci(k, n, confidence_level=level, method=method, alternative=alternative)
    ref = sps.binomtest(k, n, alternative=alternative).proportion_ci(
        confidence_level=level, method=SCIPY_METHODS[method])
    np.testing.assert_allclose(ours, (ref.low, ref.high), atol=1e-9)


def test_one_sided_intervals_follow_scipy_direction():
    low, high = proportion_ci(81, 263, alternative="greater")
    assert high == 1.0 and 0 < low < 81 / 263
    low, high = proportion_ci(81, 263, alternative="less")
    assert low == 0.0 and 81 / 263 < high < 1
    assert diff_proportions_ci(56, 70, 48, 80, alternative="greater")[1] == 1.0
    assert diff_proportions_ci(56, 70, 48, 80, alternative="less")[0] == -1.0
    assert nps_ci(50, 30, 20, alternative="greater")[1] == 1.0
    assert nps_ci(50, 30, 20, alternative="less")[0] == -1.0
    # a one-sided bound at level L is the two-sided bound at 2L − 1
    for method in NPS_METHODS:
        one = nps_ci(50, 30, 20, method=method, confidence_level=0.95, alternative="greater")
        two = nps_ci(50, 30, 20, method=method, confidence_level=0.90)
        assert one[0] == pytest.approx(two[0], abs=1e-12)


def test_nps_wald_interval_independent_formula():
    # (pP − pD) ± z·sqrt((pP + pD − (pP − pD)²)/n), written out with scipy's normal quantile
    pro, pas, det = 50, 30, 20
    n = pro + pas + det
    est = (pro - det) / n
    se = np.sqrt((pro / n + det / n - est**2) / n)
    z = sps.norm.ppf(0.975)
    assert nps_ci(pro, pas, det, method="wald") == pytest.approx((est - z * se, est + z * se))


def test_nps_adjusted_wald_adds_three_pseudo_responses():
    # Sauro & Lewis: 0.75 detractors, 1.5 passives, 0.75 promoters, then Wald
    pro, pas, det = 50 + 0.75, 30 + 1.5, 20 + 0.75
    n = pro + pas + det
    est = (pro - det) / n
    se = np.sqrt((pro / n + det / n - est**2) / n)
    z = sps.norm.ppf(0.975)
    assert nps_ci(50, 30, 20) == pytest.approx((est - z * se, est + z * se))


def test_nps_diff_wald_independent_formula():
    a, b = (40, 30, 30), (50, 30, 20)

    def mean_var(c):
        scores = np.repeat([1.0, 0.0, -1.0], c)
        return scores.mean(), scores.var(ddof=0) / scores.size

    (ma, va), (mb, vb) = mean_var(a), mean_var(b)
    z = sps.norm.ppf(0.975)
    low, high = nps_diff_ci(a, b, method="wald")
    test = nps_test(a, b, method="wald")
    d, se = test.estimate, test.standard_error
    assert d == pytest.approx(mb - ma)
    assert se == pytest.approx(np.sqrt(va + vb))
    assert (low, high) == pytest.approx((mb - ma - z * se, mb - ma + z * se))


def test_nps_bootstrap_is_seeded_and_close_to_wald():
    first = nps_ci(120, 50, 30, method="bootstrap", random_state=7)
    assert nps_ci(120, 50, 30, method="bootstrap", random_state=7) == first
    wald = nps_ci(120, 50, 30, method="wald")
    np.testing.assert_allclose(first, wald, atol=0.01)


def test_vectorised_call_equals_scalar_calls():
    k = np.array([0, 3, 15, 81])
    n = np.array([20, 29, 148, 263])
    for method in PROPORTION_METHODS:
        low, high = proportion_ci(k, n, method=method)
        for i in range(k.size):
            assert (low[i], high[i]) == pytest.approx(proportion_ci(int(k[i]), int(n[i]),
                                                                    method=method))


# ------------------------------------------------------------------------------- validation


def _names(names):
    return re.escape(", ".join(repr(v) for v in names))


def test_unknown_method_lists_the_valid_names():
    msg = ("method='wilsonn' is not valid; choose one of 'wilson', 'wilson_cc', "
           "'clopper_pearson', 'jeffreys', 'agresti_coull', 'mid_p', 'wald'")
    with pytest.raises(ValueError, match=re.escape(msg) + "$"):
        proportion_ci(3, 10, method="wilsonn")
    with pytest.raises(ValueError, match=re.escape(
            "method='score' is not valid; choose one of 'newcombe', 'newcombe_cc', "
            "'agresti_caffo', 'wald', 'wald_cc', 'miettinen_nurminen', 'mee'")):
        diff_proportions_ci(3, 10, 4, 10, method="score")
    with pytest.raises(ValueError, match="method='adjusted' is not valid; choose one of "
                       + _names(NPS_METHODS) + "$"):
        nps_ci(3, 2, 1, method="adjusted")
    with pytest.raises(ValueError, match="method='adjusted' is not valid; choose one of "
                       + _names(NPS_METHODS)):
        nps_diff_ci((3, 2, 1), (1, 2, 3), method="adjusted")


def test_no_prefix_matching_or_case_folding():
    with pytest.raises(ValueError, match="method='Wilson' is not valid"):
        proportion_ci(3, 10, method="Wilson")
    with pytest.raises(ValueError, match="method='wil' is not valid"):
        proportion_ci(3, 10, method="wil")


def test_bad_alternative_and_confidence_level():
    with pytest.raises(ValueError, match="alternative='two_sided' is not valid; choose one of "
                       "'two-sided', 'less', 'greater'"):
        proportion_ci(3, 10, alternative="two_sided")
    with pytest.raises(ValueError, match=re.escape("confidence_level must be in (0, 1), got 95")):
        proportion_ci(3, 10, confidence_level=95)
    with pytest.raises(ValueError, match=re.escape("confidence_level must be in (0, 1), got 1.0")):
        nps_ci(3, 2, 1, confidence_level=1.0)


@pytest.mark.parametrize("k,n,message", [
    (11, 10, "successes must be between 0 and n, got successes=11, n=10"),
    (-1, 10, "successes must be between 0 and n, got successes=-1, n=10"),
    (3, 0, "n must be positive, got 0"),
    (2.5, 10, "counts must be whole numbers, got successes=2.5, n=10"),
    (float("nan"), 10, "counts must not be NaN"),
])
def test_bad_counts_raise(k, n, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        proportion_ci(k, n)
    with pytest.raises(ValueError, match=re.escape(message)):
        diff_proportions_ci(k, n, 1, 2)


def test_bad_nps_counts_raise():
    with pytest.raises(ValueError, match="promoters must be non-negative counts"):
        nps_ci(-1, 2, 3)
    with pytest.raises(ValueError, match="detractors must be non-negative counts"):
        nps_variance(1, 2, float("nan"))
    with pytest.raises(ValueError, match=re.escape(
            "NPS needs at least one response (promoters + passives + detractors > 0)")):
        nps_ci(0, 0, 0)
    with pytest.raises(ValueError, match="passives must be non-negative counts"):
        nps_diff_ci((1, 1, 1), (1, -2, 1))


# ------------------------------------------------------------------------ property tests

levels = st.floats(min_value=0.5, max_value=0.999)


@st.composite
def binomial_counts(draw, max_n=400):
    n = draw(st.integers(min_value=1, max_value=max_n))
    return draw(st.integers(min_value=0, max_value=n)), n


@st.composite
def nps_counts(draw, max_n=400):
    return tuple(draw(st.integers(min_value=0, max_value=max_n)) for _ in range(3))


FAST_DIFF = [m for m in DIFF_METHODS if m not in ("miettinen_nurminen", "mee")]


@settings(max_examples=60, deadline=None)
@given(counts=binomial_counts(), level=levels, method=st.sampled_from(PROPORTION_METHODS))
def test_proportion_ci_contains_estimate_and_stays_in_scale(counts, level, method):
    k, n = counts
    low, high = proportion_ci(k, n, confidence_level=level, method=method)
    assert 0.0 <= low <= k / n + 1e-12
    assert k / n - 1e-12 <= high <= 1.0


@settings(max_examples=60, deadline=None)
@given(counts=binomial_counts(), l1=levels, l2=levels, method=st.sampled_from(PROPORTION_METHODS))
def test_proportion_ci_wider_level_gives_wider_interval(counts, l1, l2, method):
    k, n = counts
    small, large = sorted((l1, l2))
    lo_s, hi_s = proportion_ci(k, n, confidence_level=small, method=method)
    lo_l, hi_l = proportion_ci(k, n, confidence_level=large, method=method)
    assert lo_l <= lo_s + 1e-10 and hi_l >= hi_s - 1e-10


@settings(max_examples=60, deadline=None)
@given(a=binomial_counts(), b=binomial_counts(), level=st.floats(0.8, 0.999),
       method=st.sampled_from(DIFF_METHODS))
def test_diff_ci_contains_estimate_and_stays_in_scale(a, b, level, method):
    (k1, n1), (k2, n2) = a, b
    low, high = diff_proportions_ci(k1, n1, k2, n2, confidence_level=level, method=method)
    d = k2 / n2 - k1 / n1  # b − a
    assert -1.0 <= low <= d + 1e-9
    assert d - 1e-9 <= high <= 1.0


@settings(max_examples=60, deadline=None)
@given(a=binomial_counts(), b=binomial_counts(), l1=levels, l2=levels,
       method=st.sampled_from(DIFF_METHODS))
def test_diff_ci_wider_level_gives_wider_interval(a, b, l1, l2, method):
    (k1, n1), (k2, n2) = a, b
    small, large = sorted((l1, l2))
    lo_s, hi_s = diff_proportions_ci(k1, n1, k2, n2, confidence_level=small, method=method)
    lo_l, hi_l = diff_proportions_ci(k1, n1, k2, n2, confidence_level=large, method=method)
    assert lo_l <= lo_s + 1e-9 and hi_l >= hi_s - 1e-9


@settings(max_examples=60, deadline=None)
@given(a=binomial_counts(), b=binomial_counts(), level=levels,
       method=st.sampled_from(DIFF_METHODS))
def test_swapping_samples_negates_the_difference_and_mirrors_the_ci(a, b, level, method):
    (k1, n1), (k2, n2) = a, b
    low, high = diff_proportions_ci(k1, n1, k2, n2, confidence_level=level, method=method)
    low_s, high_s = diff_proportions_ci(k2, n2, k1, n1, confidence_level=level, method=method)
    assert low_s == pytest.approx(-high, abs=1e-9)
    assert high_s == pytest.approx(-low, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(counts=nps_counts(), level=st.floats(0.8, 0.999),
       method=st.sampled_from(NPS_METHODS))
def test_nps_ci_contains_estimate_and_stays_in_scale(counts, level, method):
    pro, pas, det = counts
    n = pro + pas + det
    assume(n > 0)
    # every method at every level and n, including adjusted_wald with all answers in one
    # category (see test_adjusted_wald_never_excludes_...)
    low, high = nps_ci(pro, pas, det, confidence_level=level, method=method, **boot(method))
    est = (pro - det) / n
    assert -1.0 <= low <= est + 1e-9
    assert est - 1e-9 <= high <= 1.0


@settings(max_examples=60, deadline=None)
@given(counts=nps_counts(), l1=levels, l2=levels, method=st.sampled_from(NPS_METHODS))
def test_nps_ci_wider_level_gives_wider_interval(counts, l1, l2, method):
    assume(sum(counts) > 0)
    small, large = sorted((l1, l2))
    lo_s, hi_s = nps_ci(*counts, confidence_level=small, method=method, **boot(method))
    lo_l, hi_l = nps_ci(*counts, confidence_level=large, method=method, **boot(method))
    assert lo_l <= lo_s + 1e-9 and hi_l >= hi_s - 1e-9


@settings(max_examples=60, deadline=None)
@given(a=nps_counts(), b=nps_counts(), level=levels,
       method=st.sampled_from(["adjusted_wald", "wald"]))
def test_nps_diff_swap_negates_and_mirrors(a, b, level, method):
    assume(sum(a) > 0 and sum(b) > 0)
    low, high = nps_diff_ci(a, b, confidence_level=level, method=method)
    low_s, high_s = nps_diff_ci(b, a, confidence_level=level, method=method)
    test, test_s = nps_test(a, b, method=method), nps_test(b, a, method=method)
    assert test_s.estimate == pytest.approx(-test.estimate, abs=1e-12)
    assert (low_s, high_s) == pytest.approx((-high, -low), abs=1e-12)
    assert test_s.standard_error == pytest.approx(test.standard_error)
    assert -2.0 <= low <= high <= 2.0


@pytest.mark.parametrize("counts,level", [((1, 0, 0), 0.95), ((0, 0, 4), 0.90),
                                          ((200, 0, 0), 0.80), ((0, 0, 200), 0.50)])
def test_adjusted_wald_never_excludes_an_all_promoter_or_all_detractor_estimate(counts, level):
    # the pseudo-counts alone would pull both limits off the observed ±100 here (the limit
    # on the observed side is moved to it): the interval reaches the observed value exactly
    pro, pas, det = counts
    est = (pro - det) / sum(counts)
    low, high = nps_ci(pro, pas, det, confidence_level=level)
    assert low <= est <= high
    observed_side, other_side = (high, low) if est > 0 else (low, high)
    assert observed_side == est
    assert abs(other_side) < 1.0  # a real interval, not the point ±100
