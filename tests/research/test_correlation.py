"""Tests of kpitools.research.correlation against scipy/statsmodels computed here on the same
data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from kpitools.core.errors import DataValidationError, SmallSampleWarning
from kpitools.research.correlation import (
    CORRELATION_COLUMNS,
    correlation,
    correlation_table,
)

Z975 = sps.norm.ppf(0.975)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(20260501)
    n = 300
    tenure = rng.uniform(0, 60, n)
    segment = rng.choice(["SMB", "Mid", "Ent"], n)
    score = np.clip(np.round(7 + 0.03 * tenure + rng.normal(0, 2, n)), 0, 10)
    churn = (rng.random(n) < 1 / (1 + np.exp(-(1.0 - 0.35 * score)))).astype(int)
    revenue = 100 + 5 * score + 0.5 * tenure + rng.normal(0, 10, n)
    df = pd.DataFrame({"score": score, "churn": churn, "revenue": revenue,
                       "tenure": tenure, "segment": segment})
    df.loc[[3, 17], "score"] = np.nan
    df.loc[40, "revenue"] = np.nan
    return df


def _complete(df, cols):
    return df.dropna(subset=cols)


def test_pearson_equals_scipy(frame):
    r = correlation(frame, "score", "revenue")
    d = _complete(frame, ["score", "revenue"])
    ref = sps.pearsonr(d["score"], d["revenue"])
    ci = ref.confidence_interval(0.95)  # scipy: Fisher z
    assert r.estimate == pytest.approx(ref.statistic, abs=1e-12)
    assert r.pvalue == pytest.approx(ref.pvalue, rel=1e-8)
    assert (r.ci_low, r.ci_high) == pytest.approx((ci.low, ci.high), abs=1e-12)
    assert (r.n, r.n_excluded) == (297, 3)
    assert sorted(r.excluded["row"]) == [3, 17, 40]
    assert set(r.excluded["reason"]) == {"missing"}


def test_pointbiserial_equals_scipy(frame):
    r = correlation(frame, "score", "churn", method="pointbiserial")
    d = _complete(frame, ["score", "churn"])
    ref = sps.pointbiserialr(d["churn"], d["score"])
    assert r.estimate == pytest.approx(ref.statistic, abs=1e-12)
    assert r.pvalue == pytest.approx(ref.pvalue, rel=1e-8)
    assert r.estimate < 0


def test_pointbiserial_accepts_yes_no(frame):
    words = frame.assign(churn=frame["churn"].map({1: "Yes", 0: "No"}))
    a = correlation(words, "score", "churn", method="pointbiserial")
    b = correlation(frame, "score", "churn", method="pointbiserial")
    assert a.estimate == pytest.approx(b.estimate)


def test_spearman_equals_scipy_with_both_ci_methods(frame):
    d = _complete(frame, ["score", "revenue"])
    ref = sps.spearmanr(d["score"], d["revenue"])
    n = len(d)
    rho = ref.statistic
    for ci_method, se in (("bonett_wright", math.sqrt((1 + rho**2 / 2) / (n - 3))),
                          ("fieller", math.sqrt(1.06 / (n - 3)))):
        r = correlation(frame, "score", "revenue", method="spearman", ci_method=ci_method)
        assert r.estimate == pytest.approx(rho, abs=1e-12)
        assert r.pvalue == pytest.approx(ref.pvalue, rel=1e-8)
        z = math.atanh(rho)
        assert r.ci_low == pytest.approx(math.tanh(z - Z975 * se), abs=1e-12)
        assert r.ci_high == pytest.approx(math.tanh(z + Z975 * se), abs=1e-12)
        assert r.ci_method == ci_method


def test_kendall_equals_scipy_with_fieller_ci(frame):
    r = correlation(frame, "score", "revenue", method="kendall")
    d = _complete(frame, ["score", "revenue"])
    ref = sps.kendalltau(d["score"], d["revenue"])
    n = len(d)
    se = math.sqrt(0.437 / (n - 4))
    z = math.atanh(ref.statistic)
    assert r.estimate == pytest.approx(ref.statistic, abs=1e-12)
    assert r.pvalue == pytest.approx(ref.pvalue, rel=1e-8)
    assert (r.ci_low, r.ci_high) == pytest.approx(
        (math.tanh(z - Z975 * se), math.tanh(z + Z975 * se)), abs=1e-12)


def test_partial_correlation_matches_ols(frame):
    """The t test of a partial correlation is the OLS t test of x in y ~ x + covariates."""
    r = correlation(frame, "score", "revenue", covariates=["tenure", "segment"])
    d = _complete(frame, ["score", "revenue", "tenure", "segment"])
    dummies = pd.get_dummies(d["segment"], drop_first=True, dtype=float)
    Z = sm.add_constant(pd.concat([d[["tenure"]], dummies], axis=1))
    ols = sm.OLS(d["revenue"], pd.concat([d[["score"]], Z], axis=1)).fit()
    rx = sm.OLS(d["score"], Z).fit().resid
    ry = sm.OLS(d["revenue"], Z).fit().resid
    k = Z.shape[1] - 1  # covariate columns besides the constant
    assert r.estimate == pytest.approx(np.corrcoef(rx, ry)[0, 1], abs=1e-12)
    assert r.statistic == pytest.approx(ols.tvalues["score"], rel=1e-9)
    assert r.pvalue == pytest.approx(ols.pvalues["score"], rel=1e-7)
    assert r.df == len(d) - 2 - k
    se = 1 / math.sqrt(len(d) - 3 - k)
    z = math.atanh(r.estimate)
    assert r.ci_low == pytest.approx(math.tanh(z - Z975 * se), abs=1e-12)
    assert r.covariates == ("tenure", "segment")
    assert r.to_frame()["covariates"].iloc[0] == "tenure, segment"


def test_partial_spearman_with_a_numeric_covariate(frame):
    """Ranks of x, y and the numeric covariate, residuals on OLS, Bonett–Wright CI (k = 3)."""
    r = correlation(frame, "score", "revenue", method="spearman",
                    covariates=["tenure", "segment"])
    d = _complete(frame, ["score", "revenue", "tenure", "segment"])
    dummies = pd.get_dummies(d["segment"], drop_first=True, dtype=float)
    Z = sm.add_constant(pd.concat([pd.Series(sps.rankdata(d["tenure"]), index=d.index,
                                             name="tenure"), dummies], axis=1))
    rx = sm.OLS(sps.rankdata(d["score"]), Z).fit().resid
    ry = sm.OLS(sps.rankdata(d["revenue"]), Z).fit().resid
    rho = np.corrcoef(rx, ry)[0, 1]
    k = Z.shape[1] - 1
    n = len(d)
    t = rho * math.sqrt((n - 2 - k) / (1 - rho**2))
    se = math.sqrt((1 + rho**2 / 2) / (n - 3 - k))
    z = math.atanh(rho)
    assert r.estimate == pytest.approx(rho, abs=1e-12)
    assert r.df == n - 2 - k
    assert r.pvalue == pytest.approx(2 * sps.t.sf(abs(t), n - 2 - k), rel=1e-8)
    assert (r.ci_low, r.ci_high) == pytest.approx(
        (math.tanh(z - Z975 * se), math.tanh(z + Z975 * se)), abs=1e-12)


def test_one_sided_interval_direction(frame):
    r = correlation(frame, "score", "revenue", alternative="greater")
    d = _complete(frame, ["score", "revenue"])
    ref = sps.pearsonr(d["score"], d["revenue"], alternative="greater")
    assert r.ci_high == 1.0
    assert r.pvalue == pytest.approx(ref.pvalue, rel=1e-8)
    assert r.ci_low == pytest.approx(ref.confidence_interval(0.95).low, abs=1e-12)
    less = correlation(frame, "score", "revenue", alternative="less")
    assert less.ci_low == -1.0


def test_table_adjusts_with_holm_and_bh(frame):
    table = correlation_table(frame, ["score", "tenure"], ["churn", "revenue"],
                              method="spearman")
    assert list(table.columns) == [*CORRELATION_COLUMNS, "pvalue_adjusted", "p_adjust_method"]
    assert len(table) == 4
    expected = multipletests(table["pvalue"], method="holm")[1]
    np.testing.assert_allclose(table["pvalue_adjusted"], expected, rtol=1e-12)
    bh = correlation_table(frame, ["score", "tenure"], ["churn", "revenue"],
                           method="spearman", adjust="benjamini_hochberg")
    np.testing.assert_allclose(bh["pvalue_adjusted"],
                               multipletests(bh["pvalue"], method="fdr_bh")[1], rtol=1e-12)


def test_table_with_several_methods(frame):
    table = correlation_table(frame, "score", "churn", method=["pointbiserial", "kendall"])
    assert table["method"].tolist() == ["pointbiserial", "kendall"]


def test_schema_of_to_frame(frame):
    row = correlation(frame, "score", "churn").to_frame()
    assert tuple(row.columns) == CORRELATION_COLUMNS


def test_repr_names_method_and_n(frame):
    text = repr(correlation(frame, "score", "churn", method="spearman"))
    assert "spearman" in text and "bonett_wright" in text and "n=298" in text


# bad input ---------------------------------------------------------------------------------

def test_non_binary_outcome_for_pointbiserial(frame):
    with pytest.raises(DataValidationError,
                       match=r"column 'revenue': the outcome must be binary"):
        correlation(frame, "score", "revenue", method="pointbiserial")


def test_constant_column_is_an_error(frame):
    with pytest.raises(DataValidationError, match=r"column 'flat': the variable is constant"):
        correlation(frame.assign(flat=5.0), "flat", "revenue")


def test_text_in_numeric_column_names_rows(frame):
    bad = frame.copy()
    bad["score"] = bad["score"].astype(object)
    bad.loc[7, "score"] = "n/a"
    with pytest.raises(DataValidationError, match=r"column 'score': 1 value not a number "
                                                  r"\(row 7: 'n/a'\)"):
        correlation(bad, "score", "revenue")


def test_unknown_column_and_method(frame):
    with pytest.raises(DataValidationError, match=r"column 'nps': no such column"):
        correlation(frame, "nps", "churn")
    with pytest.raises(ValueError, match=r"method='pearsonr' is not valid"):
        correlation(frame, "score", "churn", method="pearsonr")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"ci_method='wald' is not valid"):
        correlation(frame, "score", "churn", ci_method="wald")  # type: ignore[arg-type]


def test_inapplicable_arguments_are_type_errors(frame):
    # issue 11: an argument that does not apply is refused, never ignored
    with pytest.raises(TypeError, match=r"ci_method='fieller' does not apply to "
                                        r"method='pearson'"):
        correlation(frame, "score", "churn", ci_method="fieller")
    with pytest.raises(TypeError, match=r"covariates= does not apply to method='kendall'"):
        correlation(frame, "score", "churn", method="kendall", covariates="tenure")
    with pytest.raises(TypeError, match=r"reference= applies only with covariates="):
        correlation(frame, "score", "churn", reference={"tenure": 1})
    with pytest.raises(TypeError, match=r"not to 'tenure' \(numeric\)"):
        correlation(frame, "score", "revenue", covariates="tenure", reference={"tenure": 1})
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'level'"):
        correlation(frame, "score", "churn", level=0.9)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"ci_method='fieller' does not apply"):
        correlation_table(frame, "score", "churn", method=["pearson", "spearman"],
                          ci_method="fieller")


def test_too_few_rows_and_small_sample_warning():
    tiny = pd.DataFrame({"a": [1.0, 2, 3], "b": [2.0, 1, 4]})
    with pytest.raises(DataValidationError, match=r"3 complete rows; the pearson interval needs"):
        correlation(tiny, "a", "b")
    small = pd.DataFrame({"a": [1.0, 2, 3, 4, 5], "b": [2.0, 1, 4, 3, 6]})
    with pytest.warns(SmallSampleWarning, match="only 5 observations"):
        correlation(small, "a", "b")


# properties --------------------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(12, 80),
       method=st.sampled_from(["pearson", "spearman", "kendall"]),
       level=st.sampled_from([0.8, 0.9, 0.95]))
def test_properties(seed, n, method, level):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 11, n).astype(float)
    y = x * rng.uniform(-1, 1) + rng.normal(0, 3, n)
    assume(not (np.all(x == x[0]) or np.all(y == y[0])))  # a constant variable is an error
    df = pd.DataFrame({"x": x, "y": y})
    r = correlation(df, "x", "y", method=method, confidence_level=level)
    assert -1 <= r.ci_low <= r.estimate <= r.ci_high <= 1
    assert 0 <= r.pvalue <= 1
    shuffled = correlation(df.sample(frac=1, random_state=seed), "x", "y", method=method,
                           confidence_level=level)
    assert shuffled.estimate == pytest.approx(r.estimate, abs=1e-12)
    assert shuffled.pvalue == pytest.approx(r.pvalue, rel=1e-9, abs=1e-15)
    wider = correlation(df, "x", "y", method=method, confidence_level=0.99)
    assert wider.ci_low <= r.ci_low + 1e-12 and wider.ci_high >= r.ci_high - 1e-12
