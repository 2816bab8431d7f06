"""Cronbach's alpha with Feldt's interval (issue 10, deliverable 3).

Reference values: the example of Feldt, Woodruff & Salih (1987) — alpha = .79, 26 items,
41 examinees, two-sided 90 % interval — computed here from the F quantiles with scipy
(formulas 6 and 7 of the paper: df1 = n − 1, df2 = (n − 1)(k − 1)), the alpha itself from
the covariance matrix with numpy, and the coverage by simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import f as f_dist

import kpitools as kt
from kpitools.core.errors import DataValidationError
from kpitools.kpis.survey import feldt_interval
from kpitools.kpis.survey.servqual import RELIABILITY_COLUMNS


def test_feldt_interval_of_the_published_example():
    a, k, n = 0.79, 26, 41
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1 - (1 - a) * f_dist.ppf(0.95, df1, df2)
    high = 1 - (1 - a) * f_dist.ppf(0.05, df1, df2)
    assert feldt_interval(a, n, k, confidence_level=0.90) == pytest.approx((low, high),
                                                                           abs=1e-12)
    assert (round(low, 2), round(high, 2)) == (0.70, 0.86)
    wide = feldt_interval(a, n, k, confidence_level=0.99)
    assert wide[0] < low and wide[1] > high


def _items(rng: np.random.Generator, n: int, k: int, loading: float = 1.0) -> pd.DataFrame:
    true = rng.normal(size=(n, 1))
    return pd.DataFrame(loading * true + rng.normal(size=(n, k)),
                        columns=[f"q{i}" for i in range(k)])


def test_alpha_from_the_covariance_matrix_and_the_result_object():
    df = _items(np.random.default_rng(1), 60, 4)
    cov = np.cov(df.to_numpy(), rowvar=False)
    alpha = 4 / 3 * (1 - np.trace(cov) / cov.sum())
    res = kt.cronbach_alpha(df, confidence_level=0.9)
    assert res.estimate == pytest.approx(alpha)
    assert float(res) == pytest.approx(alpha)
    assert (res.n, res.k, res.method, res.n_excluded) == (60, 4, "feldt", 0)
    assert res.ci == pytest.approx(feldt_interval(alpha, 60, 4, confidence_level=0.9))
    assert res.ci_low < res.estimate < res.ci_high
    frame = res.to_frame()
    assert list(frame.columns) == list(RELIABILITY_COLUMNS)
    assert frame.loc[0, "k"] == 4 and frame.loc[0, "ci_high"] == res.ci_high
    assert "Cronbach's alpha" in repr(res) and "feldt" in res._repr_html_()


def test_rows_missing_an_item_are_counted_and_listed():
    df = _items(np.random.default_rng(2), 30, 3)
    df.loc[[4, 9], "q1"] = np.nan
    df.loc[9, "q2"] = np.nan
    res = kt.cronbach_alpha(df)
    assert (res.n, res.n_excluded) == (28, 2)
    assert sorted(res.excluded["row"].tolist()) == [4, 9, 9]
    assert res.estimate == pytest.approx(kt.cronbach_alpha(df.dropna()).estimate)
    with pytest.raises(DataValidationError, match="q1"):
        kt.cronbach_alpha(df, missing="raise")


def test_text_that_is_not_a_number_names_column_row_and_value():
    df = pd.DataFrame({"q1": [1, 2, 3], "q2": [2, "lots", 3]})
    with pytest.raises(DataValidationError, match=r"q2.*lots") as info:
        kt.cronbach_alpha(df)
    assert "1" in str(info.value)  # the row


def test_one_item_or_one_row_gives_nan_not_an_error():
    assert np.isnan(kt.cronbach_alpha(pd.DataFrame({"q": [1, 2, 3]})).estimate)
    res = kt.cronbach_alpha(pd.DataFrame({"a": [1.0], "b": [2.0]}))
    assert np.isnan(res.estimate) and np.isnan(res.ci_low)


def test_feldt_interval_covers_about_95_percent_for_normal_items():
    """Parallel normal items: true alpha = k·ρ/(1 + (k − 1)·ρ) with ρ = 1/(1 + 1) here."""
    rng = np.random.default_rng(20261201)
    k, n, reps = 5, 40, 600
    rho = 0.5
    true = k * rho / (1 + (k - 1) * rho)
    x = rng.normal(size=(reps, n, 1)) + rng.normal(size=(reps, n, k))
    item_var = x.var(axis=1, ddof=1).sum(axis=1)
    total_var = x.sum(axis=2).var(axis=1, ddof=1)
    alphas = k / (k - 1) * (1 - item_var / total_var)
    covered = 0
    for a in alphas:
        low, high = feldt_interval(float(a), n, k)
        covered += low <= true <= high
    # 600 replications: the binomial SD of the coverage is 0.9 points
    assert covered / reps == pytest.approx(0.95, abs=0.03)
    # and the function itself agrees with the vectorised alpha on one replicate
    one = pd.DataFrame(x[0])
    assert kt.cronbach_alpha(one).estimate == pytest.approx(alphas[0])
