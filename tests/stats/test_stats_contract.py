"""The comparison contract of kpitools.stats: explicit signatures, no bare tuples, baseline first
and b − a (b / a for ratios), one result family with confidence_interval() and to_frame()."""

from __future__ import annotations

import inspect
import math
import re
import typing

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from kpitools import stats
from kpitools.core.results import ConfidenceInterval
from kpitools.stats import quantiles
from kpitools.stats.common import SIGNIFICANCE_COLUMNS, SignificanceResult

PUBLIC_FUNCTIONS = [name for name in stats.__all__
                    if inspect.isfunction(getattr(stats, name))]
#: kpitools.stats.quantiles (durations) is walked too: it is public but not re-exported.
QUANTILE_FUNCTIONS = [name for name in quantiles.__all__
                      if inspect.isfunction(getattr(quantiles, name))]


def test_the_walk_finds_the_functions():
    assert {"proportion_ci", "diff_proportions_ci", "welch_test", "rate_ratio_test",
            "nps_test", "adjust_pvalues", "proportion_sample_size"} <= set(PUBLIC_FUNCTIONS)


@pytest.mark.parametrize("name", PUBLIC_FUNCTIONS)
def test_no_public_function_takes_var_keyword(name):
    sig = inspect.signature(getattr(stats, name))
    kinds = [p.kind for p in sig.parameters.values()]
    assert inspect.Parameter.VAR_KEYWORD not in kinds, name
    assert inspect.Parameter.VAR_POSITIONAL not in kinds, name


@pytest.mark.parametrize("name", PUBLIC_FUNCTIONS + [f"quantiles.{n}" for n in QUANTILE_FUNCTIONS])
def test_no_public_function_returns_a_bare_tuple(name):
    module = quantiles if name.startswith("quantiles.") else stats
    func = getattr(module, name.removeprefix("quantiles."))
    hints = typing.get_type_hints(func)
    assert "return" in hints, f"{name} has no return annotation"
    ret = hints["return"]
    assert ret is not tuple and typing.get_origin(ret) is not tuple, f"{name} -> {ret}"


def test_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError, match="unexpected keyword argument 'confidence'"):
        stats.proportion_ci(3, 10, confidence=0.9)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'confidence_level'"):
        stats.welch_test([1, 2, 3], [2, 3, 4], confidence_level=0.9)  # type: ignore[call-arg]


@pytest.mark.parametrize("func", [
    lambda **kw: stats.nps_ci(50, 30, 20, method="wald", **kw),
    lambda **kw: stats.nps_diff_ci((40, 30, 30), (50, 30, 20), **kw),
    lambda **kw: stats.nps_test((40, 30, 30), (50, 30, 20), method="score", **kw),
])
@pytest.mark.parametrize("option", [{"n_resamples": 999}, {"random_state": 3},
                                    {"random_state": None}])
def test_bootstrap_options_with_another_method_are_a_type_error(func, option):
    name = next(iter(option))
    with pytest.raises(TypeError, match=rf"{name} applies only to method='bootstrap', not "
                                        r"method='(wald|adjusted_wald|score)'"):
        func(**option)


def test_unknown_method_names_the_choices():
    with pytest.raises(ValueError, match=re.escape(
            "method='newcomb' is not valid; choose one of 'newcombe', 'newcombe_cc', ")):
        stats.diff_proportions_ci(1, 2, 1, 2, method="newcomb")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=re.escape("method='garwood' is not valid; choose one "
                                                   "of 'exact', 'score', 'wald', 'jeffreys'")):
        stats.poisson_ci(3, method="garwood")  # type: ignore[arg-type]


# ------------------------------------------------------------------------- direction


def test_diff_proportions_is_b_minus_a():
    # b = 56/70 = 0.8 is higher than the baseline a = 48/80 = 0.6: the interval is positive
    low, high = stats.diff_proportions_ci(48, 80, 56, 70)
    assert 0 < low < 0.2 < high
    low_s, high_s = stats.diff_proportions_ci(56, 70, 48, 80)
    assert (low_s, high_s) == pytest.approx((-high, -low))


def test_two_proportion_test_is_b_minus_a_and_greater_means_b_higher():
    r = stats.two_proportion_test(48, 80, 56, 70, test="z", alternative="greater")
    assert r.statistic > 0 and r.estimate == pytest.approx(0.8 - 0.6)
    assert r.pvalue < 0.01
    fisher = stats.two_proportion_test(48, 80, 56, 70, test="fisher")
    assert fisher.measure == "odds_ratio" and fisher.null_value == 1.0
    assert fisher.estimate == pytest.approx((56 / 14) / (48 / 32))  # odds of b over odds of a


def test_rate_ratio_is_b_over_a_with_measure_ratio():
    r = stats.rate_ratio_test(10, 10.0, 30, 10.0)  # b has three times the rate of a
    assert r.estimate == pytest.approx(3.0)
    assert r.measure == "ratio" and r.null_value == 1.0
    assert r.statistic == 30  # count_b
    assert r.ci_low < 3.0 < r.ci_high
    assert r.confidence_interval(r.confidence_level) == pytest.approx(r.ci)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 40), st.integers(1, 40), st.floats(1, 200), st.floats(1, 200))
def test_rate_ratio_swap_inverts(ka, kb, ea, eb):
    r = stats.rate_ratio_test(ka, ea, kb, eb)
    s = stats.rate_ratio_test(kb, eb, ka, ea)
    if ka > 0:
        assert s.estimate == pytest.approx(1.0 / r.estimate)
        assert (s.ci_low, s.ci_high) == pytest.approx(
            (1.0 / r.ci_high, 1.0 / r.ci_low if r.ci_low > 0 else math.inf))
    assert s.pvalue == pytest.approx(r.pvalue)


@pytest.mark.parametrize("func", [stats.welch_test, stats.mann_whitney_test])
def test_mean_tests_are_b_against_a(func):
    a, b = [1.0, 2.0, 3.0, 2.0], [5.0, 6.0, 7.0, 6.5]
    r = func(a, b, alternative="greater")
    assert r.pvalue < 0.05
    assert func(a, b, alternative="less").pvalue > 0.95


# -------------------------------------------------------------------- result family


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 60).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.integers(1, 60).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_z_test_and_its_mee_interval_are_dual(a, b, level):
    # Mee's interval inverts the score statistic whose value at Δ = 0 is the pooled z:
    # 0 is outside the interval exactly when p < 1 − level
    r = stats.two_proportion_test(*a, *b, test="z")
    low, high = r.confidence_interval(level)
    alpha = 1 - level
    if abs(r.pvalue - alpha) > 1e-6:
        assert (r.pvalue < alpha) == (low > 0 or high < 0)


def test_interval_functions_return_confidence_intervals():
    ci = stats.proportion_ci(81, 263)
    assert isinstance(ci, ConfidenceInterval) and isinstance(ci.low, float)
    arr = stats.proportion_ci(np.array([81, 15]), np.array([263, 148]))
    assert isinstance(arr, ConfidenceInterval) and arr.low.shape == (2,)
    for ci in (stats.diff_proportions_ci(1, 4, 3, 4), stats.nps_ci(5, 3, 2),
               stats.nps_diff_ci((4, 3, 3), (5, 3, 2)), stats.mean_ci([1, 2, 3]),
               stats.poisson_ci(15, 400)):
        assert isinstance(ci, ConfidenceInterval)
        low, high = ci
        assert low <= high


def test_grouped_proportion_ci_is_nan_for_empty_groups_and_wilson_elsewhere():
    low, high = stats.grouped_proportion_ci(np.array([81.0, 0.0, 15.0]),
                                            np.array([263.0, 0.0, 148.0]))
    assert np.isnan(low[1]) and np.isnan(high[1])
    ref = sps.binomtest(81, 263).proportion_ci(method="wilson")
    assert (low[0], high[0]) == pytest.approx((ref.low, ref.high))
    ref = sps.binomtest(15, 148).proportion_ci(method="wilson")
    assert (low[2], high[2]) == pytest.approx((ref.low, ref.high))
    with pytest.raises(ValueError, match="successes must be between 0 and n"):
        stats.grouped_proportion_ci([3, 0], [2, 0])


RESULTS = {
    "two_proportion_z": lambda: stats.two_proportion_test(48, 80, 56, 70, test="z"),
    "fisher": lambda: stats.two_proportion_test(9, 10, 3, 10, test="fisher"),
    "nps": lambda: stats.nps_test((40, 30, 30), (50, 30, 20)),
    "nps_score": lambda: stats.nps_test((40, 30, 30), (50, 30, 20), method="score"),
    "welch": lambda: stats.welch_test([1, 2, 3, 4], [3, 4, 5, 6, 7]),
    "paired": lambda: stats.paired_t_test([3, 4, 5, 6], [4, 6, 5, 8]),
    "mann_whitney": lambda: stats.mann_whitney_test([1, 2, 2, 3], [3, 4, 4, 5]),
    "rate_ratio": lambda: stats.rate_ratio_test(21, 3011, 11, 800),
}


@pytest.mark.parametrize("name", RESULTS)
def test_every_test_result_unpacks_and_has_one_tidy_row(name):
    r = RESULTS[name]()
    assert isinstance(r, SignificanceResult)
    statistic, pvalue, test = r
    assert (statistic, pvalue, test) == (r.statistic, r.pvalue, r.test)
    assert r[:2] == (r.statistic, r.pvalue)
    frame = r.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) == 1
    assert tuple(frame.columns) == SIGNIFICANCE_COLUMNS
    row = frame.iloc[0]
    assert row.pvalue == r.pvalue and row.test == r.test and row.measure == r.measure
    if r.has_interval:
        low, high = r.confidence_interval(0.9)
        assert (row.ci_low, row.ci_high) == pytest.approx(r.confidence_interval(0.95))
        assert row.ci_low <= low <= high <= row.ci_high  # 90 % inside 95 %
    else:
        assert np.isnan(row.ci_low)
        with pytest.raises(TypeError, match=f"{r.test} has no dual confidence interval"):
            r.confidence_interval()


def test_results_compare_equal_by_value_and_to_old_tuples():
    assert RESULTS["welch"]() == RESULTS["welch"]()
    assert RESULTS["welch"]() != RESULTS["paired"]()
    r = RESULTS["mann_whitney"]()
    assert r == (r.statistic, r.pvalue, "mann_whitney")


def test_significance_result_keeps_its_three_positional_fields():
    r = SignificanceResult(1.5, 0.2, "z")
    assert tuple(r) == (1.5, 0.2, "z") and len(r) == 3
    assert r.alternative == "two-sided" and math.isnan(r.estimate)


def test_sample_size_and_overdispersion_have_tidy_rows():
    ss = stats.proportion_sample_size(80, 5)
    frame = ss.to_frame()
    assert len(frame) == 1 and (frame.loc[0, "n_a"], frame.loc[0, "method"]) == (ss.n_a, "fleiss")
    od = stats.overdispersion_test([3, 5, 4, 6, 2, 5, 4, 3, 4, 5]).to_frame()
    assert len(od) == 1 and od.loc[0, "method"] == "index_of_dispersion"
    y = np.array([3, 5, 4, 6, 2, 5, 4, 3, 4, 5])
    assert od.loc[0, "dispersion_index"] == pytest.approx(y.var(ddof=1) / y.mean())


def test_quantile_results_are_named_and_unpack_as_before():
    x = np.arange(1.0, 101.0)
    res = quantiles.median_ci(x)
    est, low, high = res
    assert (est, low, high) == (res.estimate, res.low, res.high)
    # Conover's ranks for n = 100, q = 0.5 at 95 %: the 40th and 61st order statistics
    assert (low, high) == (40.0, 61.0)
    assert list(res.to_frame().columns) == ["estimate", "ci_low", "ci_high"]
    shift = quantiles.hodges_lehmann([1.0, 2.0, 3.0, 4.0], [11.0, 12.0, 13.0, 14.0])
    assert shift.shift == 10.0 and shift.low <= 10.0 <= shift.high  # b − a
    assert shift.to_frame()["shift"].iloc[0] == 10.0
    groups = quantiles.grouped_quantile_ci(x, np.repeat([0, 1], 50), 2)
    assert groups.to_frame()["n"].tolist() == [50, 50]
    means = quantiles.grouped_bootstrap_mean_ci(x, np.repeat([0, 1], 50), 2, n_resamples=200)
    np.testing.assert_allclose(means.estimate, [25.5, 75.5])
