"""Significance tests and multiplicity adjustment (count level or plain arrays, no pandas).

Direction follows scipy: for a difference ``x − y``, ``alternative="greater"`` tests
``x − y > 0``.

References
----------
.. [Fleiss03] Fleiss JL, Levin B, Paik MC (2003). Statistical Methods for Rates and
   Proportions, 3rd ed., §2.4 (two-proportion z test with pooled variance).
.. [Fisher35] Fisher RA (1935). The logic of inductive inference. J R Stat Soc 98:39–82
   (exact test of a 2 × 2 table; here via scipy.stats.fisher_exact).
.. [Welch47] Welch BL (1947). The generalization of "Student's" problem when several
   different population variances are involved. Biometrika 34:28–35.
.. [MW47] Mann HB, Whitney DR (1947). On a test of whether one of two random variables is
   stochastically larger than the other. Ann Math Stat 18:50–60.
.. [Holm79] Holm S (1979). A simple sequentially rejective multiple test procedure. Scand J
   Stat 6:65–70.
.. [BH95] Benjamini Y, Hochberg Y (1995). Controlling the false discovery rate. J R Stat Soc B
   57:289–300.
.. [Rocks16] Rocks B (2016). Interval estimation for the 'net promoter score'. Am Stat
   70:365–372.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import Literal, NamedTuple

import numpy as np
from scipy import stats

from kpitools.core.validation import check_alternative, check_choice, check_confidence_level
from kpitools.stats.intervals import NpsMethod, _check_counts, nps_diff_ci

__all__ = [
    "SignificanceResult",
    "PValueAdjustment",
    "ProportionTest",
    "PVALUE_ADJUSTMENTS",
    "PROPORTION_TESTS",
    "two_proportion_test",
    "nps_test",
    "mean_ci",
    "welch_test",
    "paired_t_test",
    "mann_whitney_test",
    "adjust_pvalues",
    "pvalue_from_z",
]

PValueAdjustment = Literal["holm", "benjamini_hochberg", "bonferroni", "none"]
ProportionTest = Literal["auto", "z", "fisher"]

PVALUE_ADJUSTMENTS: tuple[str, ...] = ("holm", "benjamini_hochberg", "bonferroni", "none")
PROPORTION_TESTS: tuple[str, ...] = ("auto", "z", "fisher")

#: ``test="auto"`` uses Fisher's exact test when an expected cell count is below this.
FISHER_EXPECTED_MIN = 5.0


class SignificanceResult(NamedTuple):
    """A test statistic, its p-value and the name of the test."""

    statistic: float
    pvalue: float
    test: str


def pvalue_from_z(z: float, alternative: str = "two-sided") -> float:
    """P-value of a standard-normal statistic ``z`` (scipy's direction).

    >>> round(pvalue_from_z(1.959964), 4)
    0.05
    >>> round(pvalue_from_z(1.644854, "greater"), 4)
    0.05
    """
    check_alternative(alternative)
    if np.isnan(z):
        return float("nan")
    if alternative == "greater":
        return float(stats.norm.sf(z))
    if alternative == "less":
        return float(stats.norm.cdf(z))
    return float(min(1.0, 2.0 * stats.norm.sf(abs(z))))


def two_proportion_test(
    k1: int,
    n1: int,
    k2: int,
    n2: int,
    *,
    test: ProportionTest = "auto",
    alternative: str = "two-sided",
) -> SignificanceResult:
    """Test ``p1 = p2`` for two independent proportions.

    Parameters
    ----------
    k1, n1, k2, n2 : int
        Successes and trials of sample 1 and sample 2.
    test : {"auto", "z", "fisher"}, default "auto"
        ``"z"``: two-proportion z test with pooled variance [Fleiss03]_ (equals Pearson's
        χ² without continuity correction). ``"fisher"``: Fisher's exact test [Fisher35]_,
        statistic = sample odds ratio. ``"auto"``: Fisher when any expected cell count is
        below 5, otherwise z.
    alternative : {"two-sided", "less", "greater"}
        ``"greater"`` tests ``p1 > p2``.

    Returns
    -------
    SignificanceResult(statistic, pvalue, test)

    Examples
    --------
    >>> r = two_proportion_test(56, 70, 48, 80)
    >>> r.test, round(r.statistic, 3), round(r.pvalue, 4)
    ('two_proportion_z', 2.65, 0.008)
    """
    check_choice("test", test, PROPORTION_TESTS)
    check_alternative(alternative)
    x1, m1 = (float(v) for v in _check_counts(k1, n1))
    x2, m2 = (float(v) for v in _check_counts(k2, n2))
    if test == "auto":
        pooled = (x1 + x2) / (m1 + m2)
        expected = np.array([m1 * pooled, m1 * (1 - pooled), m2 * pooled, m2 * (1 - pooled)])
        test = "fisher" if expected.min() < FISHER_EXPECTED_MIN else "z"
    if test == "fisher":
        table = [[int(x1), int(m1 - x1)], [int(x2), int(m2 - x2)]]
        res = stats.fisher_exact(table, alternative=alternative)
        return SignificanceResult(float(res.statistic), float(res.pvalue), "fisher_exact")
    pooled = (x1 + x2) / (m1 + m2)
    se = np.sqrt(pooled * (1 - pooled) * (1 / m1 + 1 / m2))
    diff = x1 / m1 - x2 / m2
    if se == 0:
        z = 0.0 if diff == 0 else float(np.sign(diff) * np.inf)
    else:
        z = float(diff / se)
    return SignificanceResult(z, pvalue_from_z(z, alternative), "two_proportion_z")


def nps_test(
    a: tuple[float, float, float],
    b: tuple[float, float, float],
    *,
    method: NpsMethod = "adjusted_wald",
    alternative: str = "two-sided",
) -> SignificanceResult:
    """Two-sample z test of ``NPS_b − NPS_a = 0`` from (promoters, passives, detractors) counts.

    The statistic is the difference divided by its standard error from the trinomial
    variances [Rocks16]_; with ``method="adjusted_wald"`` both the difference and the standard
    error use the pseudo-count-adjusted shares, so the test agrees with the adjusted-Wald
    interval of `kpitools.stats.intervals.nps_diff_ci` (p < 1 − confidence level exactly when the
    two-sided interval excludes 0). ``"bootstrap"`` uses the bootstrap standard error.
    ``"score"`` inverts the MOVER score interval of `kpitools.stats.intervals.nps_diff_ci`: the
    p-value is the largest 1 − confidence level at which that interval still contains 0
    (found by bisection), and the statistic is the normal quantile with that p-value.

    Examples
    --------
    >>> r = nps_test((40, 30, 30), (50, 30, 20), method="wald")
    >>> round(r.statistic, 3), round(r.pvalue, 4)
    (1.754, 0.0794)
    """
    check_alternative(alternative)
    if method == "score":
        return _nps_score_test(a, b, alternative)
    observed, _, _, se = nps_diff_ci(a, b, method=method)
    centre = observed
    if method == "adjusted_wald":
        from kpitools.stats.intervals import NPS_ADJUSTMENT

        add_det, add_pas, add_pro = NPS_ADJUSTMENT
        pa, _, da = a
        pb, _, db = b
        na, nb = sum(a) + 3.0, sum(b) + 3.0
        centre = (pb + add_pro - db - add_det) / nb - (pa + add_pro - da - add_det) / na
    if se == 0:
        z = 0.0 if centre == 0 else float(np.sign(centre) * np.inf)
    else:
        z = float(centre / se)
    return SignificanceResult(z, pvalue_from_z(z, alternative), f"nps_z_{method}")


def _nps_score_test(a, b, alternative: str) -> SignificanceResult:
    """P-value by inverting the MOVER score interval of NPS_b − NPS_a (two-sided first)."""
    observed = nps_diff_ci(a, b, method="score")[0]
    if observed == 0:
        p_two = 1.0
    else:
        def excludes_zero(level: float) -> bool:
            _, low, high, _ = nps_diff_ci(a, b, method="score", confidence_level=level)
            return low > 0 or high < 0

        lo, hi = 1e-12, 1 - 1e-12  # the interval widens with the level
        if excludes_zero(hi):
            p_two = 1 - hi
        elif not excludes_zero(lo):
            p_two = 1.0
        else:
            for _ in range(60):
                mid = (lo + hi) / 2
                if excludes_zero(mid):
                    lo = mid
                else:
                    hi = mid
            p_two = 1 - (lo + hi) / 2
    sign = float(np.sign(observed))
    z = sign * float(stats.norm.isf(p_two / 2)) if p_two < 1 else 0.0
    if alternative == "two-sided":
        p = p_two
    elif (alternative == "greater") == (observed > 0):
        p = p_two / 2
    else:
        p = 1 - p_two / 2
    return SignificanceResult(z, float(p), "nps_score_inverted")


@contextmanager
def _quiet_if_constant(*samples: np.ndarray):
    """Silence scipy's "Precision loss" warning when a sample has zero spread.

    Constant samples (every respondent answered 5) are common in small survey groups; scipy
    then warns about catastrophic cancellation although its result (a zero-width interval,
    t = ±inf or NaN) is exact.
    """
    with warnings.catch_warnings():
        if any(np.ptp(s) == 0 for s in samples):
            warnings.filterwarnings("ignore", "Precision loss occurred", RuntimeWarning)
        yield


def _as_float_array(values, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN; clean it first (kpitools excludes missing "
                         "values in the KPI functions)")
    if np.isinf(arr).any():
        raise ValueError(f"{name} contains ±inf; an infinite value is invalid data (the KPI "
                         "functions refuse or exclude it)")
    return arr


def mean_ci(
    values,
    *,
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
) -> tuple[float, float, float]:
    """Mean with Student's t confidence interval.

    Returns ``(mean, low, high)``; one-sided bounds are ±inf on the open side.

    Examples
    --------
    >>> m, low, high = mean_ci([1, 2, 3, 4, 5])
    >>> m, round(low, 4), round(high, 4)
    (3.0, 1.0368, 4.9632)
    """
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    x = _as_float_array(values, "values")
    n = x.size
    if n < 2:
        raise ValueError(f"a t interval needs at least 2 values, got {n}")
    mean = float(x.mean())
    se = float(x.std(ddof=1) / np.sqrt(n))
    with _quiet_if_constant(x):
        res = stats.ttest_1samp(x, popmean=mean, alternative=alternative)
        low, high = res.confidence_interval(confidence_level=level)
    if se == 0:
        low, high = (mean if alternative != "less" else -np.inf,
                     mean if alternative != "greater" else np.inf)
    return mean, float(low), float(high)


def welch_test(
    a,
    b,
    *,
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
) -> tuple[float, float, float, float, float]:
    """Welch's unequal-variance t test and CI of ``mean(b) − mean(a)`` [Welch47]_.

    Returns ``(difference, low, high, statistic, pvalue)``.

    Examples
    --------
    >>> d, low, high, t, p = welch_test([1, 2, 3, 4], [3, 4, 5, 6, 7])
    >>> d, round(t, 3), round(p, 4)
    (2.5, 2.611, 0.0349)
    """
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    x = _as_float_array(a, "a")
    y = _as_float_array(b, "b")
    if x.size < 2 or y.size < 2:
        raise ValueError("Welch's test needs at least 2 values in each sample")
    with _quiet_if_constant(x, y):
        res = stats.ttest_ind(y, x, equal_var=False, alternative=alternative)
        low, high = res.confidence_interval(confidence_level=level)
    return (float(y.mean() - x.mean()), float(low), float(high), float(res.statistic),
            float(res.pvalue))


def paired_t_test(
    before,
    after,
    *,
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
) -> tuple[float, float, float, float, float]:
    """Paired t test and CI of the mean of ``after − before``.

    Returns ``(mean difference, low, high, statistic, pvalue)``.

    Examples
    --------
    >>> d, low, high, t, p = paired_t_test([3, 4, 5, 6], [4, 6, 5, 8])
    >>> d, round(t, 3)
    (1.25, 2.611)
    """
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    x = _as_float_array(before, "before")
    y = _as_float_array(after, "after")
    if x.size != y.size:
        raise ValueError(f"paired samples must have the same length, got {x.size} and {y.size}")
    if x.size < 2:
        raise ValueError("a paired t test needs at least 2 pairs")
    with _quiet_if_constant(y - x):
        res = stats.ttest_rel(y, x, alternative=alternative)
        low, high = res.confidence_interval(confidence_level=level)
    return float((y - x).mean()), float(low), float(high), float(res.statistic), float(res.pvalue)


def mann_whitney_test(a, b, *, alternative: str = "two-sided") -> SignificanceResult:
    """Mann–Whitney U test that ``b`` tends to be larger (or smaller) than ``a`` [MW47]_.

    The statistic is U of ``b``; the p-value uses the normal approximation with tie and
    continuity correction (scipy ``method="asymptotic"``) because survey answers are heavily
    tied. It is the ordinal check next to Welch's t test on scale means.

    Examples
    --------
    >>> r = mann_whitney_test([1, 2, 2, 3], [3, 4, 4, 5])
    >>> r.statistic, round(r.pvalue, 4)
    (15.5, 0.0396)
    """
    check_alternative(alternative)
    x = _as_float_array(a, "a")
    y = _as_float_array(b, "b")
    if x.size == 0 or y.size == 0:
        raise ValueError("Mann–Whitney needs at least one value in each sample")
    res = stats.mannwhitneyu(y, x, alternative=alternative, method="asymptotic")
    return SignificanceResult(float(res.statistic), float(res.pvalue), "mann_whitney")


def adjust_pvalues(
    pvalues,
    method: PValueAdjustment = "holm",
) -> np.ndarray:
    """Adjust p-values for multiple comparisons.

    Parameters
    ----------
    pvalues : array-like of float
        NaN entries are passed through and not counted as tests.
    method : {"holm", "benjamini_hochberg", "bonferroni", "none"}, default "holm"
        ``"holm"``: Holm's step-down procedure [Holm79]_, controls the family-wise error
        rate with no assumptions. ``"benjamini_hochberg"``: step-up false-discovery-rate
        procedure [BH95]_. ``"bonferroni"``: ``min(1, m·p)``.

    Returns
    -------
    numpy.ndarray of adjusted p-values, in the input order.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, 0.03])
    array([0.03, 0.06, 0.06])
    >>> adjust_pvalues([0.01, 0.04, 0.03], method="benjamini_hochberg")
    array([0.03, 0.04, 0.04])
    """
    check_choice("method", method, PVALUE_ADJUSTMENTS)
    p = np.asarray(pvalues, dtype=float)
    if p.ndim != 1:
        p = p.ravel()
    if np.any((p < 0) | (p > 1)):
        raise ValueError("p-values must be in [0, 1]")
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    m = q.size
    if m == 0 or method == "none":
        out[ok] = q
        return out
    order = np.argsort(q, kind="mergesort")
    sorted_p = q[order]
    if method == "bonferroni":
        adjusted_sorted = np.minimum(sorted_p * m, 1.0)
    elif method == "holm":
        factors = m - np.arange(m)
        adjusted_sorted = np.minimum(np.maximum.accumulate(sorted_p * factors), 1.0)
    else:  # benjamini_hochberg
        factors = m / np.arange(1, m + 1)
        adjusted_sorted = np.minimum(np.minimum.accumulate((sorted_p * factors)[::-1])[::-1], 1.0)
    adjusted = np.empty(m)
    adjusted[order] = adjusted_sorted
    out[ok] = adjusted
    return out
