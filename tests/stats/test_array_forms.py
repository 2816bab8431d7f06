"""Array forms of the two-sample tests and of the multiplicity adjustment (issue 13): each
element equals the scalar function (`two_proportion_test`, `nps_diff_ci` + `nps_test`,
`welch_test`, `adjust_pvalues` per family) on random inputs, including empty and one-sided
tables, constant samples and small counts where Fisher's test is chosen."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from kpitools.stats.common import pvalue_from_z
from kpitools.stats.means import welch_test, welch_tests_from_moments
from kpitools.stats.multiplicity import adjust_pvalues, adjust_pvalues_by_family
from kpitools.stats.nps import (
    nps_diff_ci,
    nps_diff_tests,
    nps_score_diff_tests,
    nps_test,
)
from kpitools.stats.proportions import (
    pvalues_from_z,
    two_proportion_test,
    two_proportion_tests,
)

ALTERNATIVES = ("two-sided", "greater", "less")


def _equal(got: float, expected: float) -> bool:
    if np.isnan(expected):
        return bool(np.isnan(got))
    if np.isinf(expected):
        return got == expected
    return abs(got - expected) <= 1e-12 * max(1.0, abs(expected))


@pytest.mark.parametrize("method", ["holm", "benjamini_hochberg", "bonferroni", "none"])
def test_adjustment_by_family_equals_adjust_pvalues_per_family(method: str) -> None:
    rng = np.random.default_rng(0)
    for _ in range(100):
        n = int(rng.integers(1, 120))
        p = np.round(rng.random(n), 2)  # ties
        p[rng.random(n) < 0.1] = np.nan
        families = rng.integers(0, int(rng.integers(1, 40)), n)
        expected = np.full(n, np.nan)
        for f in np.unique(families):
            expected[families == f] = adjust_pvalues(p[families == f], method)
        np.testing.assert_array_equal(adjust_pvalues_by_family(p, families, method), expected)


def test_adjustment_by_family_checks_its_input() -> None:
    with pytest.raises(ValueError, match="families"):
        adjust_pvalues_by_family([0.1, 0.2], [0])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        adjust_pvalues_by_family([1.5], [0])


@pytest.mark.parametrize("test", ["auto", "z", "fisher"])
@pytest.mark.parametrize("alternative", ALTERNATIVES)
def test_two_proportion_tests_equal_the_scalar_test(test: str, alternative: str) -> None:
    rng = np.random.default_rng(1)
    m = 300
    na, nb = rng.integers(1, 50, m), rng.integers(1, 50, m)
    ka, kb = rng.binomial(na, rng.random(m)), rng.binomial(nb, rng.random(m))
    ka[:20], kb[10:30] = 0, nb[10:30]  # empty and full tables
    stat, p, names = two_proportion_tests(ka, na, kb, nb, test=test, alternative=alternative)
    for i in range(m):
        r = two_proportion_test(int(ka[i]), int(na[i]), int(kb[i]), int(nb[i]), test=test,
                                alternative=alternative)
        assert names[i] == r.test
        assert _equal(stat[i], r.statistic) and _equal(p[i], r.pvalue), i
    if test == "auto":
        assert {"fisher_exact", "two_proportion_z"} == set(names)


@pytest.mark.parametrize("alternative", ALTERNATIVES)
def test_pvalues_from_z_equal_the_scalar(alternative: str) -> None:
    z = np.array([-np.inf, -3.0, -0.5, 0.0, 0.7, 2.5, np.inf, np.nan])
    got = pvalues_from_z(z, alternative)
    assert all(_equal(g, pvalue_from_z(float(v), alternative)) for g, v in zip(got, z, strict=True))


@pytest.mark.parametrize("method", ["adjusted_wald", "wald"])
@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize("level", [0.8, 0.9, 0.95, 0.99])
def test_nps_diff_tests_equal_nps_diff_ci_and_nps_test(method: str, alternative: str,
                                                       level: float) -> None:
    rng = np.random.default_rng(2)
    m = 150
    a = [rng.integers(0, 15, m) for _ in range(3)]
    b = [rng.integers(0, 15, m) for _ in range(3)]
    a[1][:10], a[2][:10] = 0, 0  # all promoters
    b[0][5:15], b[1][5:15] = 0, 0  # all detractors
    for c in (a, b):
        c[1][c[0] + c[1] + c[2] == 0] = 1
    out = nps_diff_tests(tuple(a), tuple(b), confidence_level=level, method=method,
                         alternative=alternative)
    for i in range(m):
        ca, cb = tuple(int(v[i]) for v in a), tuple(int(v[i]) for v in b)
        low, high = nps_diff_ci(ca, cb, confidence_level=level, method=method,
                                alternative=alternative)
        t = nps_test(ca, cb, method=method, alternative=alternative)
        assert _equal(out["low"][i], low) and _equal(out["high"][i], high), i
        assert _equal(out["statistic"][i], t.statistic) and _equal(out["pvalue"][i], t.pvalue)
        assert _equal(out["observed"][i], t.estimate)
        assert _equal(out["standard_error"][i], t.standard_error)


@pytest.mark.parametrize("alternative", ["two-sided", *(pytest.param(a, marks=pytest.mark.slow)
                                                         for a in ALTERNATIVES[1:])])
def test_nps_score_diff_tests_equal_the_score_interval_and_test(alternative: str) -> None:
    rng = np.random.default_rng(4)
    m = 16
    a = [rng.integers(0, 12, m) for _ in range(3)]
    b = [rng.integers(0, 12, m) for _ in range(3)]
    a[1][:4], a[2][:4] = 0, 0  # all promoters
    b[0][2:6], b[1][2:6] = 0, 0  # all detractors
    a[0][6:8], a[2][6:8] = 0, 0  # only passives
    for i in (10, 11):  # equal tables: observed difference 0
        for v, w in zip(a, b, strict=True):
            w[i] = v[i]
    for c in (a, b):
        c[1][c[0] + c[1] + c[2] == 0] = 1
    level = {"two-sided": 0.95, "greater": 0.9, "less": 0.99}[alternative]
    out = nps_score_diff_tests(tuple(a), tuple(b), confidence_level=level,
                               alternative=alternative)
    for i in range(m):
        ca, cb = tuple(int(v[i]) for v in a), tuple(int(v[i]) for v in b)
        low, high = nps_diff_ci(ca, cb, confidence_level=level, method="score",
                                alternative=alternative)
        t = nps_test(ca, cb, method="score", alternative=alternative)
        assert _equal(out["low"][i], low) and _equal(out["high"][i], high), i
        assert _equal(out["statistic"][i], t.statistic) and _equal(out["pvalue"][i], t.pvalue)
        assert _equal(out["standard_error"][i], t.standard_error)


def test_nps_diff_tests_refuses_the_other_methods() -> None:
    with pytest.raises(ValueError, match="method"):
        nps_diff_tests(([1], [1], [1]), ([1], [1], [1]), method="score")


@pytest.mark.parametrize("alternative", ALTERNATIVES)
@pytest.mark.parametrize("level", [0.8, 0.95, 0.99])
def test_welch_from_moments_equals_welch_test(alternative: str, level: float) -> None:
    rng = np.random.default_rng(3)
    for i in range(150):
        na, nb = rng.integers(2, 30, 2)
        xa = rng.integers(1, 6, na).astype(float)
        xb = rng.integers(1, 6, nb).astype(float)
        if i % 7 == 0:
            xa[:] = 3.0  # constant samples: zero variance
        if i % 11 == 0:
            xb[:] = 3.0 if i % 2 else 4.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            r = welch_test(xa, xb, alternative=alternative)
            low, high = r.confidence_interval(level)
        out = welch_tests_from_moments([na], [xa.mean()], [xa.var(ddof=1)], [nb], [xb.mean()],
                                       [xb.var(ddof=1)], confidence_level=level,
                                       alternative=alternative)
        for key, expected in (("statistic", r.statistic), ("pvalue", r.pvalue),
                              ("low", low), ("high", high), ("difference", r.estimate)):
            assert _equal(float(out[key][0]), expected), (i, key, out[key][0], expected)


def test_welch_from_moments_needs_two_values() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        welch_tests_from_moments([1], [2.0], [0.0], [3], [2.0], [1.0])
