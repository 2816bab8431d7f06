"""Tests of kpitools.research.survival: Kaplan–Meier by hand, log-rank by hand and against
statsmodels, Cox against statsmodels PHReg, the PH test by hand and on simulated data."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.duration.survfunc import survdiff

from kpitools.core.errors import DataValidationError
from kpitools.research.regression import SeparationError
from kpitools.research.survival import (
    KM_COLUMNS,
    PH_TEST_COLUMNS,
    cox_regression,
    kaplan_meier,
    logrank_test,
    proportional_hazards_test,
)

Z975 = sps.norm.ppf(0.975)

TOY = pd.DataFrame({"months": [1, 2, 2, 3, 4, 5, 5], "churned": [1, 1, 0, 1, 0, 1, 0]})


def test_kaplan_meier_hand_computed():
    # Distinct event times, at-risk counts and events of TOY:
    #   t=1: n=7, d=1      S = 6/7
    #   t=2: n=6, d=1      S = 6/7 · 5/6 = 5/7          (one censored at 2 as well)
    #   t=3: n=4, d=1      S = 5/7 · 3/4 = 15/28
    #   t=4: censored only (no row)
    #   t=5: n=2, d=1      S = 15/28 · 1/2 = 15/56
    # Greenwood: Var S(t) = S(t)² Σ d/(n(n − d)), terms 1/42, 1/30, 1/12, 1/2.
    curve = kaplan_meier(TOY, "months", "churned")
    assert tuple(curve.columns) == KM_COLUMNS
    assert curve["time"].tolist() == [0, 1, 2, 3, 5]
    assert curve["n_at_risk"].tolist() == [7, 7, 6, 4, 2]
    assert curve["n_events"].tolist() == [0, 1, 1, 1, 1]
    s = np.array([1, 6 / 7, 5 / 7, 15 / 28, 15 / 56])
    np.testing.assert_allclose(curve["estimate"], 100 * s, rtol=1e-12)
    sums = np.cumsum([0, 1 / 42, 1 / 30, 1 / 12, 1 / 2])
    np.testing.assert_allclose(curve["std_error"], 100 * s * np.sqrt(sums), rtol=1e-10)
    # log–log interval: S^exp(±z·√Σ / |log S|)
    se_theta = np.sqrt(sums[1:]) / np.abs(np.log(s[1:]))
    np.testing.assert_allclose(curve["ci_low"].iloc[1:], 100 * s[1:] ** np.exp(Z975 * se_theta),
                               rtol=1e-10)
    np.testing.assert_allclose(curve["ci_high"].iloc[1:],
                               100 * s[1:] ** np.exp(-Z975 * se_theta), rtol=1e-10)
    assert (curve["ci_low"] <= curve["estimate"]).all()
    assert (curve["estimate"] <= curve["ci_high"]).all()


def test_kaplan_meier_by_group_and_excluded_rows():
    df = pd.concat([TOY.assign(g="a"), TOY.assign(g="b", months=TOY["months"] * 2)],
                   ignore_index=True)
    df.loc[0, "g"] = None
    curves = kaplan_meier(df, "months", "churned", group="g")
    assert curves["group"].unique().tolist() == ["a", "b"]
    b = curves[curves["group"] == "b"]
    np.testing.assert_allclose(b["estimate"], kaplan_meier(TOY, "months", "churned")["estimate"])
    assert curves.attrs["n_excluded"] == 1


def _logrank_by_hand(time, event, group):
    o_minus_e = var = 0.0
    for t in np.unique(time[event == 1]):
        at_risk = time >= t
        n = at_risk.sum()
        n1 = (at_risk & (group == 1)).sum()
        d = ((time == t) & (event == 1)).sum()
        d1 = ((time == t) & (event == 1) & (group == 1)).sum()
        o_minus_e += d1 - d * n1 / n
        if n > 1:
            var += d * (n1 / n) * (1 - n1 / n) * (n - d) / (n - 1)
    return o_minus_e ** 2 / var


def test_logrank_hand_computed_and_statsmodels():
    rng = np.random.default_rng(7)
    n = 120
    group = rng.integers(0, 2, n)
    time = np.ceil(rng.exponential(10 / (1 + group)))  # ties on purpose
    event = (rng.random(n) < 0.8).astype(int)
    df = pd.DataFrame({"t": time, "e": event, "g": group})
    res = logrank_test(df, "t", "e", group="g")
    assert res.statistic == pytest.approx(_logrank_by_hand(time, event, group), rel=1e-9)
    chisq, p = survdiff(time, event, group)
    assert res.pvalue == pytest.approx(p, rel=1e-9)
    assert res.df == 1 and res.n_groups == 2
    assert res.groups["events"].sum() == event.sum()


def test_logrank_needs_two_groups_and_events():
    with pytest.raises(DataValidationError, match=r"column 'g': the log-rank test needs two"):
        logrank_test(TOY.assign(g="a"), "months", "churned", group="g")
    with pytest.raises(DataValidationError, match=r"no events"):
        logrank_test(TOY.assign(churned=0, g=list("aabbabb")), "months", "churned", group="g")


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 400
    score = rng.integers(1, 6, n).astype(float)
    seg = rng.choice(["SMB", "Mid", "Ent"], n)
    hazard = 0.05 * np.exp(-0.4 * (score - 3) + 0.3 * (seg == "SMB"))
    t = rng.exponential(1 / hazard)
    censor = rng.uniform(5, 40, n)
    return pd.DataFrame({"time": np.minimum(t, censor).round(1), "churned": (t <= censor)
                         .astype(int), "score": score, "segment": seg})


def test_cox_equals_phreg(cohort):
    fit = cox_regression(cohort, "time", "churned", "score", covariates="segment")
    ref = PHReg.from_formula("time ~ score + C(segment)", data=cohort, status=cohort["churned"],
                             ties="efron").fit()
    names = {"score": "score", "segment[Mid]": "C(segment)[T.Mid]",
             "segment[SMB]": "C(segment)[T.SMB]"}
    table = fit.table.set_index("term")
    ci = ref.conf_int()
    for ours, theirs in names.items():
        i = list(ref.model.exog_names).index(theirs)
        assert table.loc[ours, "estimate"] == pytest.approx(math.exp(ref.params[i]), rel=1e-6)
        assert table.loc[ours, "std_error"] == pytest.approx(ref.bse[i], rel=1e-5)
        assert table.loc[ours, "pvalue"] == pytest.approx(ref.pvalues[i], rel=1e-4, abs=1e-12)
        assert table.loc[ours, "ci_low"] == pytest.approx(math.exp(ci[i, 0]), rel=1e-5)
    assert table.loc["score", "estimate"] < 1
    assert set(fit.table["measure"]) == {"hazard_ratio"}
    assert fit.n_events == cohort["churned"].sum()


def test_ph_test_hand_computed_single_covariate():
    """Grambsch–Therneau with g(t) = log t, Schoenfeld residuals computed here from scratch."""
    rng = np.random.default_rng(3)
    n = 60
    x = rng.normal(size=n)
    t = rng.exponential(np.exp(-0.5 * x)) + rng.uniform(0, 1e-3, n)  # no ties
    e = (rng.random(n) < 0.75).astype(int)
    df = pd.DataFrame({"t": t, "e": e, "x": x})
    fit = cox_regression(df, "t", "e", "x", ph_transform="log")
    beta = fit.table["coef"].iloc[0]
    w = np.exp(beta * x)
    resid, info, times = [], 0.0, []
    for i in np.flatnonzero(e == 1):
        risk = t >= t[i]
        mean = np.sum(x[risk] * w[risk]) / np.sum(w[risk])
        second = np.sum(x[risk] ** 2 * w[risk]) / np.sum(w[risk])
        resid.append(x[i] - mean)
        info += second - mean ** 2
        times.append(t[i])
    resid, g = np.array(resid), np.log(times)
    g = g - g.mean()
    var = 1 / info
    d = len(resid)
    stat = d * var * (g @ resid) ** 2 / (g @ g)
    row = fit.details["ph_test"].iloc[0]
    assert tuple(fit.details["ph_test"].columns) == PH_TEST_COLUMNS
    assert row["statistic"] == pytest.approx(stat, rel=1e-5)
    assert row["pvalue"] == pytest.approx(sps.chi2.sf(stat, 1), rel=1e-4)
    assert row["rho"] == pytest.approx(np.corrcoef(g, resid)[0, 1], rel=1e-6)


def test_ph_test_flags_crossing_hazards_and_passes_proportional_ones():
    rng = np.random.default_rng(5)
    n = 600
    group = rng.integers(0, 2, n)
    # Weibull shapes 0.5 vs 3 with similar medians: the hazards cross
    crossing = np.where(group == 1, rng.weibull(0.5, n) * 10, rng.weibull(3.0, n) * 10)
    proportional = rng.exponential(10 / np.where(group == 1, 2.0, 1.0))
    for times, expect_small in ((crossing, True), (proportional, False)):
        df = pd.DataFrame({"t": times, "e": 1, "g": group})
        ph = cox_regression(df, "t", "e", "g").details["ph_test"]
        p = ph.loc[ph["term"] == "g", "pvalue"].iloc[0]
        assert (p < 0.001) if expect_small else (p > 0.05)


def test_ph_test_transforms(cohort):
    fit = cox_regression(cohort, "time", "churned", "score")
    for transform in ("km", "rank", "identity", "log"):
        ph = proportional_hazards_test(fit, transform=transform)
        assert ph["term"].tolist() == ["score", "GLOBAL"]
        assert ph["pvalue"].between(0, 1).all()
    with pytest.raises(ValueError, match=r"transform='loglog' is not valid"):
        proportional_hazards_test(fit, transform="loglog")  # type: ignore[arg-type]


def test_monotone_likelihood_is_an_error(cohort):
    df = cohort.copy()
    df.loc[df["segment"] == "Ent", "churned"] = 0
    with pytest.raises(SeparationError, match=r"column 'segment': monotone likelihood: no "
                                              r"events among the rows with segment\[Ent\]"):
        cox_regression(df, "time", "churned", "score", covariates="segment",
                       reference={"segment": "Mid"})


def test_all_censored_word_events_give_a_flat_curve():
    """Yes/No events that are all "No" are allowed, as all-0 numbers are (S = 100 %)."""
    words = TOY.assign(churned="No")
    curve = kaplan_meier(words, "months", "churned")
    assert curve["time"].tolist() == [0]
    assert curve["n_at_risk"].tolist() == [len(TOY)]
    assert curve["estimate"].tolist() == [100.0]
    everyone = kaplan_meier(TOY.assign(churned="Yes"), "months", "churned")
    # no censoring: S(t) is the share of the 7 still there after t (6, 4, 3, 2, 0 left)
    assert everyone["time"].tolist() == [0, 1, 2, 3, 4, 5]
    np.testing.assert_allclose(everyone["estimate"], 100 * np.array([7, 6, 4, 3, 2, 0]) / 7,
                               rtol=1e-12, atol=1e-12)


def test_bad_durations_and_events(cohort):
    bad = cohort.copy()
    bad.loc[4, "time"] = -1.0
    with pytest.raises(DataValidationError, match=r"column 'time': 1 duration\(s\) not a "
                                                  r"non-negative number \(row 4: -1.0\)"):
        kaplan_meier(bad, "time", "churned")
    with pytest.raises(DataValidationError, match=r"column 'score': the outcome must be binary"):
        cox_regression(cohort, "time", "score", "churned")
    with pytest.raises(DataValidationError, match=r"no events"):
        cox_regression(cohort.assign(churned=0), "time", "churned", "score")
    with pytest.raises(DataValidationError, match=r"column 'score': the predictor is constant"):
        cox_regression(cohort.assign(score=3), "time", "churned", "score")
