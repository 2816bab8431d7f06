"""Tests of kpitools.stats.power: published values (R power.prop.test), statsmodels as an
independent
computation, simulated power, round trips, validation and hypothesis monotonicity."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import power_proportions_2indep, proportion_effectsize

import kpitools as kt
from kpitools.stats.power import (
    SAMPLE_SIZE_COLUMNS,
    nps_minimum_detectable_change,
    nps_power,
    nps_sample_size,
    proportion_minimum_detectable_change,
    proportion_power,
    proportion_sample_size,
)
from kpitools.stats.significance import nps_test, two_proportion_test

POWER_CASES = json.loads(
    (Path(__file__).parents[1] / "reference" / "power_refcases.json").read_text())


# ------------------------------------------------------------------- published values


@pytest.mark.parametrize("case", POWER_CASES, ids=[c["id"] for c in POWER_CASES])
def test_published_power_prop_test_examples(case):
    # R stats::power.prop.test solves the Fleiss pooled-null / unpooled-alternative equation
    inputs = case["inputs"]
    level = 1 - inputs["sig_level"]
    p1 = inputs["p1"]
    if case["function"] == "proportion_power":
        got = proportion_power(100 * p1, 100 * (inputs["p2"] - p1), inputs["n"],
                               confidence_level=level, method=case["method"])
        assert got == pytest.approx(case["expected"], abs=case["tolerance"])
    elif case["function"] == "proportion_sample_size":
        ss = proportion_sample_size(100 * p1, 100 * (inputs["p2"] - p1), power=inputs["power"],
                                    confidence_level=level, method=case["method"])
        # the published n is unrounded: ours is its ceiling, and the power equation holds at
        # the published n to the printed precision
        low_n = case["expected"] - case["tolerance"]
        high_n = case["expected"] + case["tolerance"]
        assert ss.n_a == ss.n_b == math.ceil(case["expected"])
        assert proportion_power(100 * p1, 100 * (inputs["p2"] - p1), low_n) <= inputs["power"]
        assert proportion_power(100 * p1, 100 * (inputs["p2"] - p1), high_n) >= inputs["power"]
    else:
        mdc = proportion_minimum_detectable_change(100 * p1, inputs["n"], power=inputs["power"],
                                                   confidence_level=level,
                                                   method=case["method"])
        assert p1 + mdc / 100 == pytest.approx(case["expected"], abs=case["tolerance"])


# ------------------------------------------------------------ statsmodels (independent)

PROPORTION_SETTINGS = [
    # baseline %, change pp, power, confidence, ratio n_b/n_a, alternative
    (80, 5, 0.8, 0.95, 1.0, "two-sided"),
    (50, -10, 0.9, 0.95, 1.0, "two-sided"),
    (30, 4, 0.8, 0.90, 2.0, "greater"),
    (92, -3, 0.85, 0.99, 0.5, "less"),
    (10, 2, 0.8, 0.95, 1.0, "two-sided"),
]
SM_ALTERNATIVE = {"two-sided": "two-sided", "greater": "larger", "less": "smaller"}


@pytest.mark.parametrize("base,change,power,level,ratio,alternative", PROPORTION_SETTINGS)
def test_arcsine_sample_size_matches_statsmodels_normal_ind_power(base, change, power, level,
                                                                  ratio, alternative):
    h = proportion_effectsize((base + change) / 100, base / 100)
    nobs1 = NormalIndPower().solve_power(effect_size=h, alpha=1 - level, power=power,
                                         ratio=ratio, alternative=SM_ALTERNATIVE[alternative])
    ss = proportion_sample_size(base, change, power=power, confidence_level=level, ratio=ratio,
                                alternative=alternative, method="arcsine")
    assert ss.n_a == math.ceil(nobs1)
    assert ss.n_b == math.ceil(ratio * nobs1)
    sm_power = NormalIndPower().power(effect_size=h, nobs1=ss.n_a, alpha=1 - level,
                                      ratio=ss.n_b / ss.n_a,
                                      alternative=SM_ALTERNATIVE[alternative])
    assert ss.achieved_power == pytest.approx(sm_power, rel=1e-9)


@pytest.mark.parametrize("base,change,power,level,ratio,alternative", PROPORTION_SETTINGS)
def test_fleiss_power_matches_statsmodels_power_proportions_2indep(base, change, power, level,
                                                                   ratio, alternative):
    n_a = 250
    n_b = ratio * n_a
    # statsmodels: prop2 is the reference (our baseline a), nobs1 belongs to p1 = prop2 + diff
    sm = power_proportions_2indep(change / 100, base / 100, n_b, ratio=n_a / n_b,
                                  alpha=1 - level, alternative=SM_ALTERNATIVE[alternative],
                                  return_results=False)
    ours = proportion_power(base, change, n_a, n_b, confidence_level=level,
                            alternative=alternative, method="fleiss")
    assert ours == pytest.approx(sm, rel=1e-9)


def test_fleiss_sample_size_reaches_power_and_is_minimal():
    for base, change, power, level, ratio, alternative in PROPORTION_SETTINGS:
        ss = proportion_sample_size(base, change, power=power, confidence_level=level,
                                    ratio=ratio, alternative=alternative)

        def sm_power(n_a, ratio=ratio, base=base, change=change, level=level,
                     alternative=alternative):
            return power_proportions_2indep(change / 100, base / 100, ratio * n_a,
                                            ratio=1 / ratio, alpha=1 - level,
                                            alternative=SM_ALTERNATIVE[alternative],
                                            return_results=False)

        assert sm_power(ss.n_a) >= power
        assert sm_power(ss.n_a - 1) < power


def test_fleiss_continuity_correction_formula_for_equal_groups():
    # Fleiss, Levin & Paik (2003) eq. 4.15 for k = 1: n = n'/4 · (1 + sqrt(1 + 4/(n'·|Δ|)))²
    p1, p2 = 0.80, 0.85
    z_a, z_b = stats.norm.isf(0.025), stats.norm.ppf(0.8)
    pbar = (p1 + p2) / 2
    n_prime = (z_a * math.sqrt(2 * pbar * (1 - pbar))
               + z_b * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p2 - p1) ** 2
    n_cc = n_prime / 4 * (1 + math.sqrt(1 + 4 / (n_prime * abs(p2 - p1)))) ** 2
    assert proportion_sample_size(80, 5).n_a == math.ceil(n_prime)
    assert proportion_sample_size(80, 5, method="fleiss_cc").n_a == math.ceil(n_cc)
    assert n_cc > n_prime


def _nps_sd(p_pro, p_det):
    """SD of the +1/0/−1 score, from the shares (written out independently)."""
    values = np.array([1.0, 0.0, -1.0])
    probs = np.array([p_pro, 1 - p_pro - p_det, p_det])
    mean = (values * probs).sum()
    return math.sqrt((probs * (values - mean) ** 2).sum())


@pytest.mark.parametrize("pro,det,change,power,level,ratio,alternative", [
    (45, 20, 10, 0.8, 0.95, 1.0, "two-sided"),
    (30, 40, -5, 0.9, 0.95, 1.0, "two-sided"),
    (60, 10, 8, 0.8, 0.90, 1.5, "greater"),
    (25, 25, -12, 0.8, 0.99, 0.5, "less"),
])
def test_nps_sample_size_matches_statsmodels_two_sample_z(pro, det, change, power, level, ratio,
                                                          alternative):
    delta = change / 100
    sd_a = _nps_sd(pro / 100, det / 100)
    sd_b = _nps_sd(pro / 100 + delta / 2, det / 100 - delta / 2)  # "split" shift
    for shift, sd_b_used in (("equal_variance", sd_a), ("split", sd_b)):
        # unequal variances as one effective SD: σ²(1 + 1/k) = σa² + σb²/k
        sd_eff = math.sqrt((sd_a**2 + sd_b_used**2 / ratio) / (1 + 1 / ratio))
        nobs1 = NormalIndPower().solve_power(effect_size=delta / sd_eff, alpha=1 - level,
                                             power=power, ratio=ratio,
                                             alternative=SM_ALTERNATIVE[alternative])
        ss = nps_sample_size(pro, det, change, power=power, confidence_level=level,
                             ratio=ratio, alternative=alternative, shift=shift)
        assert ss.n_a == math.ceil(nobs1), shift
        assert ss.n_b == math.ceil(ratio * nobs1), shift
        assert ss.achieved_power >= power


def test_nps_shift_options_set_group_b_shares():
    # promoters-only shift: b has pP + Δ, same detractors
    sd_a, sd_b = _nps_sd(0.45, 0.20), _nps_sd(0.55, 0.20)
    z = stats.norm.isf(0.025) + stats.norm.ppf(0.8)
    expected = math.ceil(z**2 * (sd_a**2 + sd_b**2) / 0.1**2)
    assert nps_sample_size(45, 20, 10, shift="promoters").n_a == expected
    sd_b = _nps_sd(0.45, 0.10)
    expected = math.ceil(z**2 * (sd_a**2 + sd_b**2) / 0.1**2)
    assert nps_sample_size(45, 20, 10, shift="detractors").n_a == expected


# --------------------------------------------------------------------- round trips


@pytest.mark.parametrize("shift", ["split", "equal_variance", "promoters", "detractors"])
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_nps_minimum_detectable_change_round_trip(shift, alternative):
    n = 400
    mdc = nps_minimum_detectable_change(45, 20, n, power=0.8, alternative=alternative,
                                        shift=shift)
    assert (mdc < 0) == (alternative == "less")
    assert nps_power(45, 20, mdc, n, alternative=alternative, shift=shift) == pytest.approx(
        0.8, abs=1e-8)
    assert nps_sample_size(45, 20, mdc, alternative=alternative, shift=shift).n_a in (n, n + 1)


def test_nps_mdc_equal_variance_closed_form():
    n_a, n_b = 350, 500
    sd = _nps_sd(0.40, 0.25)
    z = stats.norm.isf(0.05) + stats.norm.ppf(0.9)  # one-sided 95 %, power 90 %
    expected = 100 * z * sd * math.sqrt(1 / n_a + 1 / n_b)
    got = nps_minimum_detectable_change(40, 25, n_a, n_b, power=0.9, alternative="greater",
                                        shift="equal_variance")
    assert got == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize("method", ["fleiss", "fleiss_cc", "arcsine"])
def test_proportion_minimum_detectable_change_round_trip(method):
    mdc = proportion_minimum_detectable_change(70, 300, power=0.8, method=method)
    assert proportion_power(70, mdc, 300, method=method) == pytest.approx(0.8, abs=1e-8)
    assert proportion_sample_size(70, mdc, method=method).n_a in (300, 301)
    drop = proportion_minimum_detectable_change(70, 300, alternative="less", method=method)
    assert drop < 0


# ---------------------------------------------------------------- simulated power


def test_simulated_power_of_the_nps_test_at_the_planned_n():
    ss = nps_sample_size(45, 20, 10, power=0.8)  # split shift: b has 50 % / 15 %
    rng = np.random.default_rng(20260217)
    reps = 2000
    a = rng.multinomial(ss.n_a, [0.45, 0.35, 0.20], size=reps)
    b = rng.multinomial(ss.n_b, [0.50, 0.35, 0.15], size=reps)
    rejected = [nps_test(tuple(x), tuple(y), method="wald").pvalue < 0.05
                for x, y in zip(a, b, strict=True)]
    # Monte Carlo SE ≈ 0.9 %; ±3 % is 3.4 SE
    assert np.mean(rejected) == pytest.approx(0.8, abs=0.03)


def test_simulated_power_of_the_two_proportion_test_at_the_planned_n():
    ss = proportion_sample_size(80, 5, power=0.8)
    rng = np.random.default_rng(11)
    reps = 2000
    ka = rng.binomial(ss.n_a, 0.80, size=reps)
    kb = rng.binomial(ss.n_b, 0.85, size=reps)
    rejected = [two_proportion_test(int(x), ss.n_a, int(y), ss.n_b, test="z").pvalue < 0.05
                for x, y in zip(ka, kb, strict=True)]
    assert np.mean(rejected) == pytest.approx(0.8, abs=0.03)


def test_simulated_power_curve_for_a_small_n():
    # a smaller n with power near 50 %: the formula still tracks the simulation
    n = 300
    predicted = nps_power(40, 30, 10, n)
    rng = np.random.default_rng(5)
    a = rng.multinomial(n, [0.40, 0.30, 0.30], size=3000)
    b = rng.multinomial(n, [0.45, 0.30, 0.25], size=3000)
    sa = (a[:, 0] - a[:, 2]) / n
    sb = (b[:, 0] - b[:, 2]) / n
    va = (a[:, 0] + a[:, 2]) / n - sa**2
    vb = (b[:, 0] + b[:, 2]) / n - sb**2
    z = (sb - sa) / np.sqrt(va / n + vb / n)
    simulated = np.mean(np.abs(z) > stats.norm.isf(0.025))
    assert simulated == pytest.approx(predicted, abs=0.03)


# ---------------------------------------------------------------- results and API


def test_sample_size_result_frame_and_repr():
    ss = kt.nps_sample_size(45, 20, 10)
    frame = ss.to_frame()
    assert tuple(frame.columns) == SAMPLE_SIZE_COLUMNS
    assert len(frame) == 1 and frame.loc[0, "n_total"] == ss.n_a + ss.n_b
    assert repr(ss) == ("<NPS sample size: n_a=876, n_b=876 to detect +10.0 points from 25.0 "
                        "with 80% power at 95% confidence (two-sided, nps_z_split)>")
    assert "<table" in ss._repr_html_()
    assert ss.baseline == pytest.approx(25.0) and ss.unit == "points"
    assert kt.proportion_sample_size(80, 5).unit == "%"


def test_exported_from_kpitools_and_stats():
    for name in ("nps_sample_size", "nps_power", "nps_minimum_detectable_change",
                 "proportion_sample_size", "proportion_power",
                 "proportion_minimum_detectable_change"):
        assert getattr(kt, name) is getattr(kt.stats, name)
        assert name in kt.__all__


# ------------------------------------------------------------------------ validation


@pytest.mark.parametrize("call,message", [
    (lambda: nps_sample_size(45, 20, 0), "change must be a non-zero number of NPS points, got 0"),
    (lambda: nps_sample_size(0.45, 0.2, 10, shift="split"),
     "a change of 10 points with shift='split' gives impossible shares in group b"),
    (lambda: nps_sample_size(70, 40, 10),
     "promoters_pct + detractors_pct must not exceed 100, got 70 + 40"),
    (lambda: nps_sample_size(145, 20, 10), "promoters_pct must be in percent (0–100), got 145"),
    (lambda: nps_sample_size(45, 20, -10, alternative="greater"),
     "alternative='greater' tests an increase (b − a > 0) but change=-10 is negative"),
    (lambda: nps_sample_size(45, 20, 10, alternative="less"),
     "alternative='less' tests a decrease (b − a < 0) but change=10 is positive"),
    (lambda: nps_sample_size(45, 20, 10, power=80), "power must be in (0, 1), got 80"),
    (lambda: nps_sample_size(45, 20, 10, ratio=0),
     "ratio must be a positive number (n_b / n_a), got 0"),
    (lambda: nps_sample_size(45, 20, 10, shift="up"),
     "shift='up' is not valid; choose one of 'split', 'promoters', 'detractors', "
     "'equal_variance'"),
    (lambda: nps_power(45, 20, 10, 0), "n_a must be a positive number of responses, got 0"),
    (lambda: proportion_sample_size(80, 25),
     "baseline_pct + change must be in 0–100, got 80 + 25"),
    (lambda: proportion_sample_size(80, 5, method="cohen"),
     "method='cohen' is not valid; choose one of 'fleiss', 'fleiss_cc', 'arcsine'"),
    (lambda: proportion_sample_size(80, 5, confidence_level=95),
     "confidence_level must be in (0, 1), got 95"),
    (lambda: proportion_minimum_detectable_change(100, 50),
     "baseline_pct=100 leaves no room for a change in this direction"),
    (lambda: proportion_minimum_detectable_change(50, 3, power=0.99),
     "no change up to 50 reaches the requested power with this sample size"),
])
def test_validation_messages(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


# ---------------------------------------------------------------- property tests


@st.composite
def proportion_plan(draw):
    """A baseline (%) and a change (points) valid for the test below, which also asks for
    ``change * 1.5``: both ``base + change`` and ``base + 1.5 * change`` stay within 100."""
    base = draw(st.floats(5, 90))
    change = draw(st.floats(1, min(9.0, (100.0 - base) / 1.5)))
    return base, change


@st.composite
def nps_plan(draw):
    """Baseline promoter and detractor shares (%) and an NPS change (points) that keep group
    b's shares possible for ``change`` and for ``change * 1.5`` (the test asks for both).

    With ``shift="split"`` group b has promoters ``pro + c/2`` and detractors ``det - c/2``
    (their sum is unchanged, so ``pro + det <= 100`` keeps it valid); ``c = 1.5 * change``
    must therefore satisfy ``0.75 * change <= det`` and ``0.75 * change <= 100 - pro``.
    """
    pro = draw(st.floats(20, 60))
    det = draw(st.floats(10, min(35.0, 100.0 - pro)))
    change = draw(st.floats(2, min(15.0, det / 0.75, (100.0 - pro) / 0.75)))
    return pro, det, change


@settings(max_examples=60, deadline=None)
@given(plan=proportion_plan(), power=st.floats(0.5, 0.95),
       method=st.sampled_from(["fleiss", "fleiss_cc", "arcsine"]))
def test_proportion_sample_size_monotone(plan, power, method):
    base, change = plan
    ss = proportion_sample_size(base, change, power=power, method=method)
    assert ss.achieved_power >= power - 1e-9
    assert 0.0 <= ss.achieved_power <= 1.0
    assert proportion_sample_size(base, change * 1.5, power=power, method=method).n_a <= ss.n_a
    assert proportion_sample_size(base, change, power=min(power + 0.04, 0.99),
                                  method=method).n_a >= ss.n_a
    assert proportion_sample_size(base, change, power=power, confidence_level=0.99,
                                  method=method).n_a >= ss.n_a
    assert (proportion_power(base, change, ss.n_a * 2, method=method)
            >= proportion_power(base, change, ss.n_a, method=method))


@settings(max_examples=60, deadline=None)
@given(plan=nps_plan(), power=st.floats(0.5, 0.95),
       shift=st.sampled_from(["split", "equal_variance"]))
def test_nps_sample_size_monotone(plan, power, shift):
    pro, det, change = plan
    ss = nps_sample_size(pro, det, change, power=power, shift=shift)
    assert ss.achieved_power >= power - 1e-9
    assert nps_sample_size(pro, det, change * 1.5, power=power, shift=shift).n_a <= ss.n_a
    assert nps_sample_size(pro, det, change, power=min(power + 0.04, 0.99),
                           shift=shift).n_a >= ss.n_a
    assert 0.0 <= nps_power(pro, det, change, 10, shift=shift) <= 1.0
