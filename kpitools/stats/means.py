"""Means of scale answers and durations: the t interval, Welch's and the paired t test, and the
Mann–Whitney test as the ordinal check (plain arrays, no pandas).

Two samples are given baseline first, ``(a, b)``, and compared as ``mean(b) − mean(a)``
(`kpitools.stats.common`); ``alternative="greater"`` tests ``b > a``.

References
----------
.. [Student08] Student (1908). The probable error of a mean. Biometrika 6:1–25 (one-sample
   and paired t; here via scipy.stats.ttest_1samp and ttest_rel).
.. [Welch47] Welch BL (1947). The generalization of "Student's" problem when several
   different population variances are involved. Biometrika 34:28–35.
.. [MW47] Mann HB, Whitney DR (1947). On a test of whether one of two random variables is
   stochastically larger than the other. Ann Math Stat 18:50–60.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from scipy import stats

from kpitools.core.results import ConfidenceInterval
from kpitools.core.validation import check_alternative, check_confidence_level
from kpitools.stats.common import SignificanceResult

__all__ = [
    "mean_ci",
    "welch_test",
    "paired_t_test",
    "mann_whitney_test",
    "welch_tests_from_moments",
]


@contextmanager
def _quiet_if_constant(*samples: np.ndarray) -> Iterator[None]:
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
) -> ConfidenceInterval:
    """Student's t confidence interval of the mean [Student08]_.

    Changed in 0.2.0: returns the interval only (0.1 returned ``(mean, low, high)``).

    Parameters
    ----------
    values : array-like of float
        At least 2 finite values.
    confidence_level : float, default 0.95
    alternative : {"two-sided", "less", "greater"}
        One-sided bounds are ±inf on the open side (scipy).

    Returns
    -------
    ConfidenceInterval
        ``(low, high)``; a sample without spread gives ``(mean, mean)``.

    Examples
    --------
    >>> low, high = mean_ci([1, 2, 3, 4, 5])
    >>> round(low, 4), round(high, 4)
    (1.0368, 4.9632)
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
    return ConfidenceInterval(float(low), float(high))


class _ScipyInterval:
    """The ``confidence_interval`` of a scipy t-test result, as a `ConfidenceInterval`."""

    def __init__(self, result: Any) -> None:
        self._result = result

    def __call__(self, confidence_level: float) -> ConfidenceInterval:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", "Precision loss occurred", RuntimeWarning)
            ci = self._result.confidence_interval(confidence_level=confidence_level)
        return ConfidenceInterval(float(ci.low), float(ci.high))


def welch_test(a, b, *, alternative: str = "two-sided") -> SignificanceResult:
    """Welch's unequal-variance t test of ``mean(b) − mean(a)`` [Welch47]_.

    Changed in 0.2.0: returns a `SignificanceResult` (0.1 returned the tuple
    ``(difference, low, high, statistic, pvalue)`` and took ``confidence_level``; the
    interval is now ``result.confidence_interval(confidence_level)``).

    Parameters
    ----------
    a, b : array-like of float
        The baseline ``a`` and the group ``b``, at least 2 finite values each.
    alternative : {"two-sided", "less", "greater"}
        ``"greater"`` tests ``mean(b) > mean(a)``.

    Returns
    -------
    SignificanceResult
        ``statistic`` (t), ``pvalue``, ``test="welch_t"``, ``estimate`` (``mean(b) −
        mean(a)``), ``df`` (Welch–Satterthwaite), ``standard_error``, and
        ``confidence_interval(level)``, the Welch t interval (scipy ``ttest_ind``).

    Examples
    --------
    >>> r = welch_test([1, 2, 3, 4], [3, 4, 5, 6, 7])
    >>> r.estimate, round(r.statistic, 3), round(r.pvalue, 4)
    (2.5, 2.611, 0.0349)
    >>> low, high = r.confidence_interval(0.95)
    >>> round(low, 3), round(high, 3)
    (0.235, 4.765)
    """
    check_alternative(alternative)
    x = _as_float_array(a, "a")
    y = _as_float_array(b, "b")
    if x.size < 2 or y.size < 2:
        raise ValueError("Welch's test needs at least 2 values in each sample")
    with _quiet_if_constant(x, y):
        res = stats.ttest_ind(y, x, equal_var=False, alternative=alternative)
    se = float(np.sqrt(y.var(ddof=1) / y.size + x.var(ddof=1) / x.size))
    return SignificanceResult(
        float(res.statistic), float(res.pvalue), "welch_t", alternative=alternative,
        estimate=float(y.mean() - x.mean()), measure="difference", null_value=0.0,
        df=float(res.df), standard_error=se, n_a=float(x.size), n_b=float(y.size),
        interval=_ScipyInterval(res))


def paired_t_test(before, after, *, alternative: str = "two-sided") -> SignificanceResult:
    """Paired t test of the mean of ``after − before`` [Student08]_.

    Changed in 0.2.0: returns a `SignificanceResult` (0.1 returned the tuple
    ``(mean difference, low, high, statistic, pvalue)`` and took ``confidence_level``).

    Parameters
    ----------
    before, after : array-like of float
        Paired values (the baseline ``before`` first), the same length, at least 2 pairs.
    alternative : {"two-sided", "less", "greater"}
        ``"greater"`` tests ``after > before``.

    Returns
    -------
    SignificanceResult
        ``statistic`` (t), ``pvalue``, ``test="paired_t"``, ``estimate`` (mean of
        ``after − before``), ``df`` (pairs − 1), ``standard_error``, and
        ``confidence_interval(level)`` (scipy ``ttest_rel``).

    Examples
    --------
    >>> r = paired_t_test([3, 4, 5, 6], [4, 6, 5, 8])
    >>> r.estimate, round(r.statistic, 3)
    (1.25, 2.611)
    """
    check_alternative(alternative)
    x = _as_float_array(before, "before")
    y = _as_float_array(after, "after")
    if x.size != y.size:
        raise ValueError(f"paired samples must have the same length, got {x.size} and {y.size}")
    if x.size < 2:
        raise ValueError("a paired t test needs at least 2 pairs")
    d = y - x
    with _quiet_if_constant(d):
        res = stats.ttest_rel(y, x, alternative=alternative)
    return SignificanceResult(
        float(res.statistic), float(res.pvalue), "paired_t", alternative=alternative,
        estimate=float(d.mean()), measure="difference", null_value=0.0, df=float(res.df),
        standard_error=float(d.std(ddof=1) / np.sqrt(d.size)), n_a=float(x.size),
        n_b=float(y.size), interval=_ScipyInterval(res))


def mann_whitney_test(a, b, *, alternative: str = "two-sided") -> SignificanceResult:
    """Mann–Whitney U test that ``b`` tends to be larger (or smaller) than ``a`` [MW47]_.

    The statistic is U of ``b``; the p-value uses the normal approximation with tie and
    continuity correction (scipy ``method="asymptotic"``) because survey answers are heavily
    tied. It is the ordinal check next to Welch's t test on scale means.

    Parameters
    ----------
    a, b : array-like of float
        The baseline ``a`` and the group ``b``.
    alternative : {"two-sided", "less", "greater"}
        ``"greater"``: ``b`` tends to be larger.

    Returns
    -------
    SignificanceResult
        ``statistic`` (U of ``b``), ``pvalue``, ``test="mann_whitney"``, ``measure="rank"``
        and ``estimate`` = U / (n_a·n_b), the probability that a value of ``b`` exceeds one
        of ``a`` (ties count ½). No dual interval (``confidence_interval`` raises
        ``TypeError``; `kpitools.stats.quantiles.hodges_lehmann` gives the shift).

    Examples
    --------
    >>> r = mann_whitney_test([1, 2, 2, 3], [3, 4, 4, 5])
    >>> r.statistic, round(r.pvalue, 4), r.estimate
    (15.5, 0.0396, 0.96875)
    """
    check_alternative(alternative)
    x = _as_float_array(a, "a")
    y = _as_float_array(b, "b")
    if x.size == 0 or y.size == 0:
        raise ValueError("Mann–Whitney needs at least one value in each sample")
    res = stats.mannwhitneyu(y, x, alternative=alternative, method="asymptotic")
    u = float(res.statistic)
    return SignificanceResult(u, float(res.pvalue), "mann_whitney", alternative=alternative,
                              estimate=u / (x.size * y.size), measure="rank", null_value=0.5,
                              n_a=float(x.size), n_b=float(y.size))


def welch_tests_from_moments(
    count_a,
    mean_a,
    var_a,
    count_b,
    mean_b,
    var_b,
    *,
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
) -> dict[str, np.ndarray]:
    """`welch_test` and its interval for arrays of per-sample moments [Welch47]_.

    Element ``i`` equals ``welch_test(a_i, b_i)`` and its ``confidence_interval`` for samples
    with these counts, means and variances (``ddof=1``), by scipy's own arithmetic
    (``ttest_ind(equal_var=False)``): Welch–Satterthwaite degrees of freedom (1 where they
    are undefined, both variances zero), ``t = (mean_b − mean_a)/se``, p-value and interval
    from Student's t (``scipy.special.stdtr``/``stdtrit``). Every count must be at least 2.

    Returns
    -------
    dict of ndarray
        ``difference``, ``low``, ``high``, ``statistic``, ``pvalue``, ``df`` and
        ``standard_error``.

    Examples
    --------
    >>> r = welch_tests_from_moments([4], [2.5], [5 / 3], [5], [5.0], [2.5])
    >>> round(float(r["statistic"][0]), 3), round(float(r["pvalue"][0]), 4)
    (2.611, 0.0349)
    """
    from scipy import special

    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    n2, m2, v2 = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (count_a, mean_a, var_a))
    n1, m1, v1 = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (count_b, mean_b, var_b))
    if np.any(n1 < 2) or np.any(n2 < 2):
        raise ValueError("Welch's test needs at least 2 values in each sample")
    vn1, vn2 = v1 / n1, v2 / n2
    with np.errstate(divide="ignore", invalid="ignore"):
        df = (vn1 + vn2) ** 2 / (vn1 ** 2 / (n1 - 1) + vn2 ** 2 / (n2 - 1))
        df = np.where(np.isnan(df), 1.0, df)
        se = np.sqrt(vn1 + vn2)
        d = m1 - m2
        t = np.divide(d, se)
    if alternative == "less":
        p = special.stdtr(df, t)
        low, high = np.broadcast_arrays(-np.inf, special.stdtrit(df, level))
    elif alternative == "greater":
        p = special.stdtr(df, -t)
        low, high = np.broadcast_arrays(special.stdtrit(df, 1 - level), np.inf)
    else:
        p = 2 * special.stdtr(df, -np.abs(t))
        tail = (1 - level) / 2
        low, high = special.stdtrit(df, tail), special.stdtrit(df, 1 - tail)
    with np.errstate(invalid="ignore"):
        low = low * se + d
        high = high * se + d
    return {"difference": d, "low": np.asarray(low, dtype=float),
            "high": np.asarray(high, dtype=float), "statistic": t, "pvalue": p, "df": df,
            "standard_error": se}
