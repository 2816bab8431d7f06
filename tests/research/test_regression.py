"""Tests of kpitools.research.regression and kpitools.research.dose_response against
statsmodels/scipy and
hand formulas computed here on the same data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import optimize
from scipy import stats as sps

from kpitools.core.errors import DataValidationError
from kpitools.research.dose_response import (
    DOSE_RESPONSE_COLUMNS,
    churn_by_score,
    cochran_armitage,
    cochran_armitage_test,
)
from kpitools.research.regression import (
    MARGINAL_EFFECT_COLUMNS,
    REGRESSION_COLUMNS,
    SeparationError,
    detect_separation,
    logistic_regression,
)
from kpitools.stats.intervals import proportion_ci

TELCO = Path(__file__).parents[1] / "data" / "telco_extract.csv"


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    rng = np.random.default_rng(20260502)
    n = 800
    nps = rng.integers(0, 11, n)
    tenure = rng.uniform(1, 72, n)
    contract = rng.choice(["Month-to-Month", "One Year", "Two Year"], n, p=[0.5, 0.3, 0.2])
    eta = 1.2 - 0.3 * nps - 0.01 * tenure - 0.8 * (contract != "Month-to-Month")
    churn = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    df = pd.DataFrame({"nps": nps, "tenure": tenure, "contract": contract, "churn": churn})
    df.loc[[5, 9], "tenure"] = np.nan
    return df


def test_odds_ratios_equal_statsmodels_formula(customers):
    fit = logistic_regression(customers, "churn", "nps", covariates=["tenure", "contract"])
    d = customers.dropna()
    ref = smf.logit("churn ~ nps + tenure + C(contract)", data=d).fit(disp=0)
    names = {"nps": "nps", "tenure": "tenure",
             "contract[One Year]": "C(contract)[T.One Year]",
             "contract[Two Year]": "C(contract)[T.Two Year]"}
    table = fit.table.set_index("term")
    ci = ref.conf_int(0.05)
    for ours, theirs in names.items():
        assert table.loc[ours, "coef"] == pytest.approx(ref.params[theirs], rel=1e-6)
        assert table.loc[ours, "std_error"] == pytest.approx(ref.bse[theirs], rel=1e-5)
        assert table.loc[ours, "pvalue"] == pytest.approx(ref.pvalues[theirs], rel=1e-4)
        assert table.loc[ours, "estimate"] == pytest.approx(np.exp(ref.params[theirs]), rel=1e-6)
        assert table.loc[ours, "ci_low"] == pytest.approx(np.exp(ci.loc[theirs, 0]), rel=1e-5)
        assert table.loc[ours, "ci_high"] == pytest.approx(np.exp(ci.loc[theirs, 1]), rel=1e-5)
    assert (fit.n, fit.n_excluded, fit.n_events) == (798, 2, int(d["churn"].sum()))
    assert tuple(fit.table.columns) == REGRESSION_COLUMNS
    assert set(fit.table["measure"]) == {"odds_ratio"}


def test_average_marginal_effect_of_one_point(customers):
    """AME = mean(F(x+1) − F(x)); its SE by the delta method with a numerical gradient."""
    fit = logistic_regression(customers, "churn", "nps", covariates=["tenure"])
    d = customers.dropna()
    X = sm.add_constant(d[["nps", "tenure"]].astype(float)).to_numpy()
    ref = sm.Logit(d["churn"].to_numpy(), X).fit(disp=0)
    X1 = X.copy()
    X1[:, 1] += 1

    def ame(beta):
        return np.mean(1 / (1 + np.exp(-X1 @ beta)) - 1 / (1 + np.exp(-X @ beta)))

    beta = ref.params
    grad = optimize.approx_fprime(beta, ame, 1e-7)
    se = np.sqrt(grad @ ref.cov_params() @ grad)
    me = fit.marginal_effects.iloc[0]
    assert tuple(fit.marginal_effects.columns) == MARGINAL_EFFECT_COLUMNS
    assert me["estimate"] == pytest.approx(100 * ame(beta), rel=1e-6)
    assert me["std_error"] == pytest.approx(100 * se, rel=1e-4)
    assert me["ci_low"] == pytest.approx(100 * (ame(beta) - 1.959964 * se), rel=1e-4)
    assert me["unit"] == "percentage points" and me["contrast"] == "+1 point"


def test_nps_category_predictor_equals_statsmodels(customers):
    fit = logistic_regression(customers, "churn", "nps", predictor_type="nps_category")
    d = customers.copy()
    d["cat"] = np.where(d["nps"] <= 6, "detractor", np.where(d["nps"] <= 8, "passive",
                                                             "promoter"))
    ref = smf.logit("churn ~ C(cat, Treatment('detractor'))", data=d).fit(disp=0)
    table = fit.table.set_index("term")
    for level in ("passive", "promoter"):
        key = f"C(cat, Treatment('detractor'))[T.{level}]"
        assert table.loc[f"nps[{level}]", "estimate"] == pytest.approx(np.exp(ref.params[key]),
                                                                       rel=1e-6)
    # marginal effect of promoter vs detractor: difference of the fitted group rates
    rates = d.groupby("cat")["churn"].mean()
    me = fit.marginal_effects.set_index("term")
    assert me.loc["nps[promoter]", "estimate"] == pytest.approx(
        100 * (rates["promoter"] - rates["detractor"]), rel=1e-6)


def _firth_reference(X, y):
    """Maximize the penalized log-likelihood l(β) + ½ log|I(β)| directly (BFGS)."""

    def neg(beta):
        eta = X @ beta
        p = 1 / (1 + np.exp(-eta))
        info = X.T @ (X * (p * (1 - p))[:, None])
        return -(np.sum(y * eta - np.logaddexp(0, eta)) + 0.5 * np.linalg.slogdet(info)[1])

    return optimize.minimize(neg, np.zeros(X.shape[1]), method="BFGS",
                             options={"gtol": 1e-9}).x


def test_firth_equals_direct_maximization_of_penalized_likelihood():
    data = pd.read_csv(TELCO)
    fit = logistic_regression(data, "Churn Value", "Satisfaction Score",
                              covariates=["Tenure in Months"], method="firth")
    X = sm.add_constant(data[["Satisfaction Score", "Tenure in Months"]].astype(float))
    beta = _firth_reference(X.to_numpy(), data["Churn Value"].to_numpy(float))
    assert fit.table["coef"].tolist() == pytest.approx(beta[1:].tolist(), rel=1e-4)
    assert fit.details["intercept"] == pytest.approx(beta[0], rel=1e-4)
    assert fit.converged and np.isfinite(fit.table["ci_high"]).all()


def test_quasi_separation_in_telco_is_an_error_not_a_silent_estimate():
    data = pd.read_csv(TELCO)
    with pytest.raises(SeparationError, match=r"column 'Satisfaction Score': separation: "
                                              r"Satisfaction Score predicts 'Churn Value'"):
        logistic_regression(data, "Churn Value", "Satisfaction Score", covariates="Contract")


def test_complete_separation_names_the_predictor():
    df = pd.DataFrame({"x": [1, 2, 3, 4, 5, 6, 7, 8], "z": [0, 1, 0, 1, 1, 0, 1, 0],
                       "y": [1, 1, 1, 1, 0, 0, 0, 0]})
    with pytest.raises(SeparationError, match=r"column 'x': separation: x predicts 'y'") as err:
        logistic_regression(df, "y", "x", covariates="z")
    assert err.value.terms == ["x"]
    firth = logistic_regression(df, "y", "x", covariates="z", method="firth")
    assert np.isfinite(firth.table["coef"]).all() and firth.table["coef"].iloc[0] < 0


def test_separation_check_has_no_false_alarm(customers):
    d = customers.dropna()
    X = sm.add_constant(d[["nps", "tenure"]].astype(float)).to_numpy()
    assert detect_separation(X, d["churn"].to_numpy()) is None


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(8, 40))
def test_separation_check_agrees_with_a_threshold(seed, n):
    """One predictor: separated exactly when the two outcomes' ranges do not overlap."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 6, n).astype(float)
    y = (rng.random(n) < 0.5).astype(float)
    assume(y.min() < y.max() and x.min() < x.max())  # one outcome or a constant predictor
    ones, zeros = x[y == 1], x[y == 0]
    expected = ones.min() >= zeros.max() or ones.max() <= zeros.min()
    X = np.column_stack([np.ones(n), x])
    assert (detect_separation(X, y) is not None) == expected


def test_bad_outcomes_and_predictors(customers):
    with pytest.raises(DataValidationError, match=r"column 'nps': the outcome must be binary"):
        logistic_regression(customers, "nps", "tenure")
    with pytest.raises(DataValidationError, match=r"column 'churn': the outcome has only one"):
        logistic_regression(customers.assign(churn=0), "churn", "nps")
    with pytest.raises(DataValidationError, match=r"column 'nps': the predictor is constant"):
        logistic_regression(customers.assign(nps=7), "churn", "nps")
    with pytest.raises(DataValidationError, match=r"column 'contract': the covariate is constant"):
        logistic_regression(customers.assign(contract="One Year"), "churn", "nps",
                            covariates="contract")
    with pytest.raises(DataValidationError, match=r"the predictors are collinear"):
        logistic_regression(customers.assign(nps2=customers["nps"] * 2), "churn", "nps",
                            covariates="nps2")
    with pytest.raises(DataValidationError, match=r"not whole numbers in 0–10 \(row 0: 11\)"):
        logistic_regression(customers.assign(nps=[11, *customers["nps"][1:]]), "churn", "nps",
                            predictor_type="nps_category")
    with pytest.raises(ValueError, match=r"method='ridge' is not valid"):
        logistic_regression(customers, "churn", "nps", method="ridge")  # type: ignore[arg-type]


# dose–response -----------------------------------------------------------------------------

def test_churn_by_score_equals_groupby_and_wilson(customers):
    table = churn_by_score(customers, "nps", "churn")
    assert tuple(table.columns) == DOSE_RESPONSE_COLUMNS
    grouped = customers.groupby("nps")["churn"].agg(["size", "sum"])
    assert table["score"].tolist() == grouped.index.tolist()
    assert table["n"].tolist() == grouped["size"].tolist()
    assert table["events"].tolist() == grouped["sum"].tolist()
    low, high = proportion_ci(grouped["sum"].to_numpy(), grouped["size"].to_numpy())
    np.testing.assert_allclose(table["ci_low"], 100 * low)
    np.testing.assert_allclose(table["ci_high"], 100 * high)
    np.testing.assert_allclose(table["estimate"], 100 * grouped["sum"] / grouped["size"])
    assert (table["unit"] == "%").all() and (table["method"] == "wilson").all()


def test_cochran_armitage_equals_n_r_squared(customers):
    """z² = N·r² with r the Pearson correlation of score and outcome over individuals."""
    res = cochran_armitage_test(customers, "nps", "churn")
    r = sps.pearsonr(customers["nps"], customers["churn"]).statistic
    assert res.statistic ** 2 == pytest.approx(len(customers) * r ** 2, rel=1e-10)
    assert np.sign(res.statistic) == np.sign(r)
    assert res.pvalue == pytest.approx(2 * sps.norm.sf(abs(res.statistic)))
    less = cochran_armitage_test(customers, "nps", "churn", alternative="less")
    assert less.pvalue == pytest.approx(res.pvalue / 2)


def test_cochran_armitage_published_example():
    # Agresti A (2002) Categorical Data Analysis, 2nd ed., Table 3.7 (Graubard & Korn 1987):
    # infant malformation by mother's alcohol consumption, scores (0, 0.5, 1.5, 4, 7);
    # M² = (n − 1) r² = 6.57, P = 0.0104 (two-sided 0.01). The Cochran–Armitage z² is
    # n r² = M²·n/(n − 1), the same to the printed precision (n = 32,574).
    present = [48, 38, 5, 1, 1]
    absent = [17066, 14464, 788, 126, 37]
    totals = [a + p for a, p in zip(absent, present, strict=True)]
    z, p = cochran_armitage(present, totals, [0, 0.5, 1.5, 4.0, 7.0])
    n = sum(totals)
    assert z ** 2 * (n - 1) / n == pytest.approx(6.57, abs=0.005)
    assert p == pytest.approx(0.0104, abs=0.0005)


def test_trend_test_validates():
    with pytest.raises(ValueError, match="at least two distinct scores"):
        cochran_armitage([1, 2], [5, 5], [3, 3])
    with pytest.raises(ValueError, match="0 ≤ events ≤ totals"):
        cochran_armitage([6, 2], [5, 5], [1, 2])
