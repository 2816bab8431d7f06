"""The fast path of `logistic_regression` (issue 13 item 6): the separation check runs the
linear program only when the maximum-likelihood fit cannot prove that there is no separation,
and missing values, outcomes and indicators are found per distinct value instead of per row.

The numbers are compared with statsmodels on random inputs, the helpers with copies of the
previous row-by-row implementations, and the certificate with the linear program.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats as sps

import kpitools.research.regression as regression
from kpitools.core.errors import DataValidationError
from kpitools.research.prepare import (
    _surely_full_rank,
    binary_outcome,
    complete_rows,
    design_matrix,
)
from kpitools.research.regression import (
    SeparationError,
    _no_separation_certificate,
    detect_separation,
    logistic_regression,
)

_TRUE = {"1", "yes", "true", "y", "churned"}
_FALSE = {"0", "no", "false", "n", "stayed"}


# the previous implementations (kpitools 0.1), kept here as the reference ----------------

def _old_is_missing(series: pd.Series) -> np.ndarray:
    blank = series.map(lambda v: isinstance(v, str) and v.strip() == "").to_numpy(dtype=bool)
    return series.isna().to_numpy(dtype=bool) | blank


def _old_binary(series: pd.Series) -> np.ndarray:
    values = series.to_numpy(dtype=object)
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        if isinstance(v, bool | np.bool_):
            out[i] = float(v)
        elif isinstance(v, int | float | np.integer | np.floating):
            if v in (0, 1):
                out[i] = float(v)
        elif isinstance(v, str):
            word = v.strip().lower()
            if word in _TRUE:
                out[i] = 1.0
            elif word in _FALSE:
                out[i] = 0.0
    return out


_CELLS = st.sampled_from([0, 1, 2, 0.0, 1.0, 0.5, True, False, np.nan, None, "", "  ", "Yes",
                          " no ", "YES", "stayed", "x", "1", "0", pd.NA, pd.NaT])


@settings(max_examples=60, deadline=None)
@given(cells=st.lists(_CELLS, min_size=1, max_size=30),
       as_text=st.booleans(), as_category=st.booleans())
def test_missing_and_binary_checks_equal_the_row_by_row_versions(cells, as_text, as_category):
    series = pd.Series(cells, dtype=object)
    if as_text:  # text-only columns: the `str` dtype pandas gives read_csv text
        series = pd.Series([c if isinstance(c, str) else None for c in cells], dtype="str")
    elif as_category:
        series = pd.Series([c if isinstance(c, str) else None for c in cells],
                           dtype="category")
    frame = pd.DataFrame({"v": series})
    kept, excluded = complete_rows(frame, ["v"])
    old_missing = _old_is_missing(series)
    assert excluded["row"].tolist() == list(series.index[old_missing])
    assert kept.index.tolist() == list(series.index[~old_missing])
    assume(len(kept))
    expected = _old_binary(kept["v"])
    if np.isnan(expected).any() or np.unique(expected).size < 2:
        with pytest.raises(DataValidationError, match="column 'v'"):
            binary_outcome(kept["v"], column="v")
    else:
        np.testing.assert_array_equal(binary_outcome(kept["v"], column="v"), expected)


def test_an_outcome_with_no_usable_row_is_an_error_not_an_index_error():
    with pytest.raises(DataValidationError, match=r"column 'y': no usable rows"):
        binary_outcome(pd.Series([], dtype=object), column="y")


def test_binary_outcome_error_still_lists_rows_and_values():
    with pytest.raises(DataValidationError, match=r"column 'y'.*rows 1, 3: 'maybe', 2"):
        binary_outcome(pd.Series(["Yes", "maybe", "No", 2], dtype=object), column="y")
    with pytest.raises(DataValidationError, match=r"column 'y'.*row 2: 0.5"):
        binary_outcome(pd.Series([0.0, 1.0, 0.5]), column="y")


def test_design_matrix_indicators_equal_comparisons_per_level():
    frame = pd.DataFrame({"c": ["b", "a", "c", "a", "b"],
                          "k": pd.Categorical(["y", "x", "y", "y", "x"],
                                              categories=["z", "y", "x"]),
                          "v": [0.5, 1.0, 3.0, 2.0, 7.0]})
    design, source = design_matrix(frame, ["c", "k", "v"])
    assert list(design.columns) == ["c[b]", "c[c]", "k[x]", "v"]  # unused level z dropped
    assert design["c[b]"].tolist() == [1, 0, 0, 0, 1]
    assert design["c[c]"].tolist() == [0, 0, 1, 0, 0]
    assert design["k[x]"].tolist() == [0, 1, 0, 0, 1]
    assert source == {"c[b]": "c", "c[c]": "c", "k[x]": "k", "v": "v"}


# the fit equals statsmodels --------------------------------------------------------------

def _random_customers(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    nps = rng.integers(0, 11, n).astype(float)
    tenure = rng.uniform(0, 72, n)
    plan = rng.choice(["Basic", "Plus", "Pro", "Team"], n)
    region = rng.choice(["east", "north", "south"], n, p=[0.5, 0.3, 0.2])
    eta = 0.8 - 0.25 * nps - 0.02 * tenure + 0.4 * (plan == "Pro") - 0.3 * (region == "south")
    churn = np.where(rng.random(n) < 1 / (1 + np.exp(-eta)), "Yes", "No")
    df = pd.DataFrame({"churn": churn, "nps": nps, "tenure": tenure, "plan": plan,
                       "region": region})
    for column in ("nps", "plan", "region"):
        df.loc[rng.random(n) < 0.03, column] = None
    return df


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 100_000), n=st.integers(300, 3000))
def test_odds_ratios_and_cis_equal_statsmodels_on_random_data(seed, n):
    df = _random_customers(seed, n)
    fit = logistic_regression(df, "churn", "nps", covariates=["tenure", "plan", "region"])
    d = df.dropna()
    X = pd.get_dummies(d[["nps", "tenure", "plan", "region"]], columns=["plan", "region"],
                       drop_first=True, dtype=float)
    assume(X.shape[1] == 7)  # every level present
    ref = sm.Logit((d["churn"] == "Yes").to_numpy(float), sm.add_constant(X).to_numpy()
                   ).fit(disp=0)
    z = sps.norm.ppf(0.975)
    coef, se = ref.params[1:], ref.bse[1:]
    np.testing.assert_allclose(fit.table["estimate"], np.exp(coef), rtol=1e-8)
    np.testing.assert_allclose(fit.table["ci_low"], np.exp(coef - z * se), rtol=1e-8)
    np.testing.assert_allclose(fit.table["ci_high"], np.exp(coef + z * se), rtol=1e-8)
    assert fit.n == len(d) and fit.n_excluded == len(df) - len(d)
    assert fit.details["separation"] is False


def test_the_linear_program_is_skipped_when_the_fit_proves_no_separation(monkeypatch):
    calls = []
    real = regression.detect_separation

    def counting(X, y):
        calls.append(X.shape)
        return real(X, y)

    monkeypatch.setattr(regression, "detect_separation", counting)
    logistic_regression(_random_customers(7, 5000), "churn", "nps",
                        covariates=["tenure", "plan", "region"])
    assert calls == []


# separation is caught as before ------------------------------------------------------------

def _separated_customers(n: int, seed: int, kind: str) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = _random_customers(seed, n).dropna().reset_index(drop=True)
    if kind == "continuous":  # quasi-complete: below 5 all churn, above 5 none, 5 mixed
        usage = rng.integers(0, 11, len(df)).astype(float)
        df["usage"] = usage
        df.loc[usage < 5, "churn"] = "Yes"
        df.loc[usage > 5, "churn"] = "No"
    else:  # quasi-complete: nobody on the "Enterprise" plan churns
        df["usage"] = rng.uniform(0, 10, len(df))
        enterprise = rng.random(len(df)) < 0.1
        df.loc[enterprise, "plan"] = "Enterprise"
        df.loc[enterprise, "churn"] = "No"
    return df


@pytest.mark.parametrize("n", [400, 20_000])
def test_a_separating_continuous_predictor_is_still_caught(n):
    df = _separated_customers(n, 11, "continuous")
    with pytest.raises(SeparationError, match=r"column 'usage': separation: usage predicts"
                       ) as err:
        logistic_regression(df, "churn", "nps", covariates=["usage", "plan"])
    assert err.value.terms == ["usage"]


@pytest.mark.parametrize("n", [400, 20_000])
def test_a_separating_dummy_is_still_caught(n):
    df = _separated_customers(n, 12, "dummy")
    with pytest.raises(SeparationError, match=r"column 'plan': separation") as err:
        logistic_regression(df, "churn", "nps", covariates=["usage", "plan"])
    assert "plan[Enterprise]" in err.value.terms
    firth = logistic_regression(df, "churn", "nps", covariates=["usage", "plan"],
                                method="firth")
    assert firth.details["separation"] is True


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(10, 60), k=st.integers(1, 3))
def test_the_certificate_never_contradicts_the_linear_program(seed, n, k):
    """Whenever the fit proves "no separation", Konis's linear program finds none either."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(n), rng.integers(0, 4, (n, k)).astype(float)])
    y = (rng.random(n) < 0.4).astype(float)
    assume(0 < y.sum() < n and np.linalg.matrix_rank(X) == k + 1)
    try:
        beta = sm.Logit(y, X).fit(disp=0, maxiter=100, warn_convergence=False).params
    except Exception:  # noqa: BLE001 — statsmodels may refuse a separated design
        beta = np.zeros(k + 1)
    if _no_separation_certificate(X, y, beta):
        assert detect_separation(X, y) is None


def test_the_certificate_proves_no_separation_on_an_ordinary_fit():
    df = _random_customers(3, 4000).dropna()
    X = sm.add_constant(df[["nps", "tenure"]].to_numpy(float))
    y = (df["churn"] == "Yes").to_numpy(float)
    beta = sm.Logit(y, X).fit(disp=0).params
    assert _no_separation_certificate(X, y, beta)
    assert not _no_separation_certificate(X, y, beta + 0.5)  # not at the optimum: unproven


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, 80), k=st.integers(1, 5),
       collinear=st.sampled_from([None, 0.0, 1e-12, 1e-9, 1e-6]))
def test_the_gram_rank_shortcut_never_contradicts_the_svd(seed, n, k, collinear):
    """`_surely_full_rank` says "full" only when numpy's SVD rank is full too."""
    rng = np.random.default_rng(seed)
    M = np.column_stack([np.ones(n), rng.normal(size=(n, k)) * rng.uniform(0.01, 100, k)])
    if collinear is not None and k >= 2:  # last column ≈ a combination of the others
        M[:, -1] = M[:, :-1] @ rng.normal(size=k) + collinear * rng.normal(size=n)
    if _surely_full_rank(M):
        assert np.linalg.matrix_rank(M) == M.shape[1]
    if collinear == 0.0 and k >= 2:
        assert not _surely_full_rank(M)


def test_the_gram_rank_shortcut_decides_an_ordinary_design():
    df = _random_customers(5, 5000).dropna()
    design, _ = design_matrix(df, ["nps", "tenure", "plan", "region"])
    assert _surely_full_rank(np.column_stack([np.ones(len(design)), design.to_numpy()]))
