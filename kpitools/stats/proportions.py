"""Proportions (CSAT top box, FCR, any rate of successes): intervals, differences, tests.

Everything here works in fractions (a proportion in [0, 1]); the KPI functions convert to
percent. The interval functions accept scalars or NumPy arrays (broadcast together) so that
grouped KPIs are computed for every group in one vectorised call, and return a
`kpitools.core.results.ConfidenceInterval` ``(low, high)`` (of arrays for array input).

Two samples are given baseline first, ``(k_a, n_a, k_b, n_b)``, and compared as
``p_b − p_a`` (`kpitools.stats.common`). One-sided intervals follow scipy:
``alternative="greater"`` gives ``(low, top of the scale)`` and ``alternative="less"`` gives
``(bottom of the scale, high)``, each at the full ``confidence_level``.

References
----------
.. [Wilson27] Wilson EB (1927). Probable inference, the law of succession, and statistical
   inference. J Am Stat Assoc 22:209–212.
.. [Newcombe98a] Newcombe RG (1998). Two-sided confidence intervals for the single
   proportion: comparison of seven methods. Stat Med 17:857–872.
.. [Newcombe98b] Newcombe RG (1998). Interval estimation for the difference between
   independent proportions: comparison of eleven methods. Stat Med 17:873–890.
.. [CP34] Clopper CJ, Pearson ES (1934). The use of confidence or fiducial limits illustrated
   in the case of the binomial. Biometrika 26:404–413.
.. [BCD01] Brown LD, Cai TT, DasGupta A (2001). Interval estimation for a binomial
   proportion. Stat Sci 16:101–133 (Jeffreys interval, Agresti–Coull).
.. [AC98] Agresti A, Coull BA (1998). Approximate is better than "exact" for interval
   estimation of binomial proportions. Am Stat 52:119–126.
.. [AC00] Agresti A, Caffo B (2000). Simple and effective confidence intervals for
   proportions and differences of proportions result from adding two successes and two
   failures. Am Stat 54:280–288.
.. [MN85] Miettinen O, Nurminen M (1985). Comparative analysis of two rates. Stat Med
   4:213–226.
.. [Mee84] Mee RW (1984). Confidence bounds for the difference between two probabilities.
   Biometrics 40:1175–1176; constrained MLE from Farrington CP, Manning G (1990). Stat Med
   9:1447–1454.
.. [Garner16] Garner W (2016). Constructing confidence intervals for the differences of
   binomial proportions in SAS. WUSS 2016, paper 127.
.. [Fleiss03] Fleiss JL, Levin B, Paik MC (2003). Statistical Methods for Rates and
   Proportions, 3rd ed., §2.4 (two-proportion z test with pooled variance).
.. [Fisher35] Fisher RA (1935). The logic of inductive inference. J R Stat Soc 98:39–82
   (exact test of a 2 × 2 table; here via scipy.stats.fisher_exact).
"""

from __future__ import annotations

from functools import partial
from typing import Literal

import numpy as np
from scipy import optimize, stats

from kpitools.core.results import ConfidenceInterval
from kpitools.core.validation import check_alternative, check_choice, check_confidence_level
from kpitools.stats.common import (
    SignificanceResult,
    as_interval,
    one_sided_bounds,
    pvalue_from_z,
    two_sided_level,
    z_critical,
)

__all__ = [
    "ProportionMethod",
    "DiffMethod",
    "ProportionTest",
    "PROPORTION_METHODS",
    "DIFF_METHODS",
    "PROPORTION_TESTS",
    "proportion_ci",
    "grouped_proportion_ci",
    "diff_proportions_ci",
    "two_proportion_test",
    "two_proportion_tests",
    "pvalues_from_z",
]

ProportionMethod = Literal[
    "wilson", "wilson_cc", "clopper_pearson", "jeffreys", "agresti_coull", "mid_p", "wald"
]
DiffMethod = Literal[
    "newcombe", "newcombe_cc", "agresti_caffo", "wald", "wald_cc", "miettinen_nurminen", "mee"
]
ProportionTest = Literal["auto", "z", "fisher"]

PROPORTION_METHODS: tuple[str, ...] = (
    "wilson", "wilson_cc", "clopper_pearson", "jeffreys", "agresti_coull", "mid_p", "wald",
)
DIFF_METHODS: tuple[str, ...] = (
    "newcombe", "newcombe_cc", "agresti_caffo", "wald", "wald_cc", "miettinen_nurminen", "mee",
)
PROPORTION_TESTS: tuple[str, ...] = ("auto", "z", "fisher")

#: ``test="auto"`` uses Fisher's exact test when an expected cell count is below this.
FISHER_EXPECTED_MIN = 5.0


def _check_counts(successes, n) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    if np.any(np.isnan(x)) or np.any(np.isnan(m)):
        raise ValueError("counts must not be NaN")
    if np.any(np.isinf(x)) or np.any(np.isinf(m)):
        raise ValueError(f"counts must be finite, got successes={successes!r}, n={n!r}")
    if np.any(m <= 0):
        raise ValueError(f"n must be positive, got {n!r}")
    if np.any(x < 0) or np.any(x > m):
        raise ValueError(f"successes must be between 0 and n, got successes={successes!r}, "
                         f"n={n!r}")
    if np.any(x != np.floor(x)) or np.any(m != np.floor(m)):
        raise ValueError(f"counts must be whole numbers, got successes={successes!r}, n={n!r}")
    return x, m


def proportion_ci(
    successes,
    n,
    *,
    confidence_level: float = 0.95,
    method: ProportionMethod = "wilson",
    alternative: str = "two-sided",
) -> ConfidenceInterval:
    """Confidence interval for a binomial proportion ``successes / n``.

    Parameters
    ----------
    successes, n : int or array of int
        Number of successes and of trials (broadcast together).
    confidence_level : float, default 0.95
    method : str, default "wilson"
        - ``"wilson"``: Wilson score interval [Wilson27]_ (Newcombe's method 3). Default:
          coverage close to nominal for all n and p [BCD01]_.
        - ``"wilson_cc"``: Wilson score with continuity correction (Newcombe's method 4)
          [Newcombe98a]_.
        - ``"clopper_pearson"``: "exact" beta-quantile interval [CP34]_; conservative.
        - ``"jeffreys"``: equal-tailed Beta(x + ½, n − x + ½) interval, with the bound set to
          0 (1) when x = 0 (x = n) [BCD01]_.
        - ``"agresti_coull"``: the z²/2-variant: add z²/2 successes and z²/2 failures, then
          Wald [AC98]_ [BCD01]_ (not the "add 2 and 2" shortcut, which equals it at 95 %).
        - ``"mid_p"``: mid-p exact interval (Newcombe's method 6) [Newcombe98a]_.
        - ``"wald"``: textbook p ± z·√(p(1−p)/n), clipped to [0, 1]; poor coverage, for
          reference only.
    alternative : {"two-sided", "less", "greater"}, default "two-sided"

    Returns
    -------
    ConfidenceInterval
        ``(low, high)`` as fractions: floats, or arrays for array input.

    See Also
    --------
    grouped_proportion_ci : the same for groups that may be empty (NaN there).

    Examples
    --------
    >>> low, high = proportion_ci(81, 263)
    >>> round(low, 4), round(high, 4)
    (0.2553, 0.3662)
    >>> proportion_ci(81, 263, alternative="greater")[1]
    1.0
    """
    level = check_confidence_level(confidence_level)
    check_choice("method", method, PROPORTION_METHODS)
    check_alternative(alternative)
    x, m = _check_counts(successes, n)
    level2 = two_sided_level(level, alternative)
    low, high = _proportion_two_sided(x, m, level2, method)
    low, high = one_sided_bounds(low, high, alternative, 0.0, 1.0)
    return as_interval(low, high)


def grouped_proportion_ci(
    successes,
    n,
    *,
    confidence_level: float = 0.95,
    method: ProportionMethod = "wilson",
    alternative: str = "two-sided",
) -> ConfidenceInterval:
    """`proportion_ci` per group, NaN for groups without trials (``n == 0``).

    The one interval of the grouped KPI summaries: ``successes`` and ``n`` are arrays with
    one entry per group (e.g. from ``numpy.bincount``), and a group with no trials gets
    ``(nan, nan)`` instead of an error. Counts are validated as in `proportion_ci`
    (whole numbers, ``0 ≤ successes ≤ n``).

    Returns
    -------
    ConfidenceInterval
        ``(low, high)`` arrays of the shape of ``n``, as fractions.

    Examples
    --------
    >>> low, high = grouped_proportion_ci([81, 0], [263, 0])
    >>> round(float(low[0]), 4), bool(np.isnan(high[1]))
    (0.2553, True)
    """
    level = check_confidence_level(confidence_level)
    check_choice("method", method, PROPORTION_METHODS)
    check_alternative(alternative)
    k = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    k, m = np.broadcast_arrays(k, m)
    low = np.full(m.shape, np.nan)
    high = np.full(m.shape, np.nan)
    has = m > 0
    if np.any(np.isnan(m)) or np.any(m < 0):
        raise ValueError(f"n must be non-negative counts per group, got {n!r}")
    if has.any():
        lo, hi = proportion_ci(k[has], m[has], confidence_level=level, method=method,
                               alternative=alternative)
        low[has], high[has] = lo, hi
    return ConfidenceInterval(low, high)  # type: ignore[arg-type]


def _proportion_two_sided(x: np.ndarray, m: np.ndarray, level: float, method: str):
    alpha = 1.0 - level
    z = z_critical(level)
    p = x / m
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "wilson":
            denom = m + z * z
            centre = (x + z * z / 2.0) / denom
            half = z / denom * np.sqrt(x * (m - x) / m + z * z / 4.0)
            # exact limits at the boundary (the formula gives them up to rounding)
            low = np.where(x == 0, 0.0, centre - half)
            high = np.where(x == m, 1.0, centre + half)
        elif method == "wilson_cc":
            denom = 2.0 * (m + z * z)
            low_root = np.sqrt(np.maximum(z * z - 2.0 - 1.0 / m + 4.0 * p * (m * (1 - p) + 1), 0))
            high_root = np.sqrt(np.maximum(z * z + 2.0 - 1.0 / m + 4.0 * p * (m * (1 - p) - 1), 0))
            low = (2 * m * p + z * z - 1 - z * low_root) / denom
            high = (2 * m * p + z * z + 1 + z * high_root) / denom
            low = np.where(x == 0, 0.0, low)
            high = np.where(x == m, 1.0, high)
        elif method == "clopper_pearson":
            low = np.where(x == 0, 0.0, stats.beta.ppf(alpha / 2, x, m - x + 1))
            high = np.where(x == m, 1.0, stats.beta.ppf(1 - alpha / 2, x + 1, m - x))
        elif method == "jeffreys":
            low = np.where(x == 0, 0.0, stats.beta.ppf(alpha / 2, x + 0.5, m - x + 0.5))
            high = np.where(x == m, 1.0, stats.beta.ppf(1 - alpha / 2, x + 0.5, m - x + 0.5))
        elif method == "agresti_coull":
            n_tilde = m + z * z
            p_tilde = (x + z * z / 2.0) / n_tilde
            half = z * np.sqrt(p_tilde * (1 - p_tilde) / n_tilde)
            low, high = p_tilde - half, p_tilde + half
        elif method == "mid_p":
            low, high = _mid_p(x, m, alpha)
        else:  # wald
            half = z * np.sqrt(p * (1 - p) / m)
            low, high = p - half, p + half
    return np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)


def _mid_p(x: np.ndarray, m: np.ndarray, alpha: float):
    xb, mb = np.broadcast_arrays(x, m)
    low = np.empty(xb.shape)
    high = np.empty(xb.shape)
    for idx in np.ndindex(xb.shape):
        k, size = xb[idx], mb[idx]

        def upper_tail(prob, k=k, size=size):  # P(X > k) + P(X = k)/2 − α/2
            return stats.binom.sf(k, size, prob) + 0.5 * stats.binom.pmf(k, size, prob) - alpha / 2

        def lower_tail(prob, k=k, size=size):  # P(X < k) + P(X = k)/2 − α/2
            below = stats.binom.cdf(k - 1, size, prob)
            return below + 0.5 * stats.binom.pmf(k, size, prob) - alpha / 2

        eps = 1e-12
        low[idx] = 0.0 if k == 0 else optimize.brentq(upper_tail, eps, 1 - eps, xtol=1e-12)
        high[idx] = 1.0 if k == size else optimize.brentq(lower_tail, eps, 1 - eps, xtol=1e-12)
    return low, high


def diff_proportions_ci(
    k_a,
    n_a,
    k_b,
    n_b,
    *,
    confidence_level: float = 0.95,
    method: DiffMethod = "newcombe",
    alternative: str = "two-sided",
) -> ConfidenceInterval:
    """Confidence interval for the difference of two independent proportions, ``p_b − p_a``.

    Changed in 0.2.0: the baseline ``a`` comes first and the interval is of ``p_b − p_a``
    (0.1 gave ``p1 − p2`` for ``(k1, n1, k2, n2)``, the opposite sign).

    Parameters
    ----------
    k_a, n_a : int or array of int
        Successes and trials of the baseline ``a``.
    k_b, n_b : int or array of int
        Successes and trials of the group ``b``.
    confidence_level : float, default 0.95
    method : str, default "newcombe"
        - ``"newcombe"``: Newcombe's hybrid score interval from two Wilson intervals (method
          10) [Newcombe98b]_. Default: good coverage, never outside [−1, 1].
        - ``"newcombe_cc"``: the same from continuity-corrected Wilson intervals (method 11).
        - ``"agresti_caffo"``: add one success and one failure to each sample, then Wald
          [AC00]_; clipped to [−1, 1] (statsmodels does not clip) and widened to contain
          the observed difference when the shrunken interval would miss it (tiny n).
        - ``"wald"``: textbook Wald interval, clipped; for reference only.
        - ``"wald_cc"``: Wald with continuity correction ½(1/n_a + 1/n_b), clipped [Garner16]_.
        - ``"miettinen_nurminen"``: score interval inverting the Miettinen–Nurminen statistic
          (variance × N/(N − 1)) [MN85]_; our own root finding (statsmodels 0.15.0 is wrong).
        - ``"mee"``: the same score interval without the N/(N − 1) factor [Mee84]_.
    alternative : {"two-sided", "less", "greater"}
        ``"greater"``: ``(low, 1)``, the lower bound of ``p_b − p_a``.

    Returns
    -------
    ConfidenceInterval
        ``(low, high)`` of ``p_b − p_a`` as fractions in [−1, 1] (arrays for array input).

    Examples
    --------
    Newcombe's example 56/70 against 48/80, with 48/80 as the baseline (his p1 − p2 is
    ``p_b − p_a`` here):

    >>> low, high = diff_proportions_ci(48, 80, 56, 70)
    >>> round(low, 4), round(high, 4)
    (0.0524, 0.3339)
    """
    level = check_confidence_level(confidence_level)
    check_choice("method", method, DIFF_METHODS)
    check_alternative(alternative)
    # the formulas below are written for p1 − p2: sample 1 is b, sample 2 the baseline a
    x1, m1 = _check_counts(k_b, n_b)
    x2, m2 = _check_counts(k_a, n_a)
    level2 = two_sided_level(level, alternative)
    z = z_critical(level2)
    p1, p2 = x1 / m1, x2 / m2
    d = p1 - p2
    if method in ("newcombe", "newcombe_cc"):
        single = "wilson" if method == "newcombe" else "wilson_cc"
        l1, u1 = _proportion_two_sided(x1, m1, level2, single)
        l2, u2 = _proportion_two_sided(x2, m2, level2, single)
        low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
        high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    elif method == "agresti_caffo":
        q1, q2 = (x1 + 1) / (m1 + 2), (x2 + 1) / (m2 + 2)
        half = z * np.sqrt(q1 * (1 - q1) / (m1 + 2) + q2 * (1 - q2) / (m2 + 2))
        low, high = q1 - q2 - half, q1 - q2 + half
        # like the adjusted-Wald NPS interval: never exclude the observed difference (this
        # only bites for a handful of trials, e.g. 1/1 against 0/1)
        low, high = np.minimum(low, d), np.maximum(high, d)
    elif method in ("wald", "wald_cc"):
        half = z * np.sqrt(p1 * (1 - p1) / m1 + p2 * (1 - p2) / m2)
        if method == "wald_cc":
            half = half + 0.5 * (1 / m1 + 1 / m2)
        low, high = d - half, d + half
    else:
        low, high = _score_diff_ci(x1, m1, x2, m2, z, mn=(method == "miettinen_nurminen"))
    low, high = np.clip(low, -1.0, 1.0), np.clip(high, -1.0, 1.0)
    low, high = one_sided_bounds(low, high, alternative, -1.0, 1.0)
    return as_interval(low, high)


def _constrained_mle(p1: float, p2: float, n1: float, n2: float,
                     delta: float) -> tuple[float, float]:
    """Maximum-likelihood (p1, p2) under p1 − p2 = delta (Farrington–Manning closed form)."""
    theta = n2 / n1
    a = 1.0 + theta
    b = -(1.0 + theta + p1 + theta * p2 + delta * (theta + 2.0))
    c = delta * delta + delta * (2.0 * p1 + theta + 1.0) + p1 + theta * p2
    d = -p1 * delta * (1.0 + delta)
    v = b**3 / (27.0 * a**3) - b * c / (6.0 * a * a) + d / (2.0 * a)
    inner = b * b / (9.0 * a * a) - c / (3.0 * a)
    u = np.sign(v) * np.sqrt(max(inner, 0.0))
    if u == 0.0:
        cos_arg = 1.0
    else:
        cos_arg = float(np.clip(v / u**3, -1.0, 1.0))
    w = (np.pi + np.arccos(cos_arg)) / 3.0
    q1 = 2.0 * u * np.cos(w) - b / (3.0 * a)
    q1 = min(max(q1, 0.0), 1.0)
    q2 = min(max(q1 - delta, 0.0), 1.0)
    return q1, q2


def _score_statistic(x1, n1, x2, n2, delta: float, mn: bool) -> float:
    p1, p2 = x1 / n1, x2 / n2
    q1, q2 = _constrained_mle(p1, p2, n1, n2, delta)
    var = q1 * (1 - q1) / n1 + q2 * (1 - q2) / n2
    if mn:
        total = n1 + n2
        var *= total / (total - 1.0)
    diff = p1 - p2 - delta
    if var <= 0.0:
        return np.inf * np.sign(diff) if diff != 0 else 0.0
    return diff / np.sqrt(var)


def _score_diff_ci(x1, m1, x2, m2, z: float, *, mn: bool):
    shape = np.broadcast(x1, m1, x2, m2).shape
    b = [np.broadcast_to(v, shape) for v in (x1, m1, x2, m2)]
    low = np.empty(shape)
    high = np.empty(shape)
    eps = 1e-10
    for idx in np.ndindex(shape):
        a1, n1, a2, n2 = (float(v[idx]) for v in b)
        d_hat = a1 / n1 - a2 / n2

        def f(delta, a1=a1, n1=n1, a2=a2, n2=n2):
            return _score_statistic(a1, n1, a2, n2, delta, mn)

        # Z(delta) decreases in delta; the lower limit solves Z = z, the upper Z = −z.
        lo_end, hi_end = -1.0 + eps, 1.0 - eps
        if f(lo_end) - z <= 0 or d_hat <= lo_end:
            low[idx] = -1.0
        else:
            low[idx] = optimize.brentq(lambda t: f(t) - z, lo_end, min(d_hat, hi_end), xtol=1e-12)
        if f(hi_end) + z >= 0 or d_hat >= hi_end:
            high[idx] = 1.0
        else:
            high[idx] = optimize.brentq(lambda t: f(t) + z, max(d_hat, lo_end), hi_end, xtol=1e-12)
    return low, high



def two_proportion_test(
    k_a: int,
    n_a: int,
    k_b: int,
    n_b: int,
    *,
    test: ProportionTest = "auto",
    alternative: str = "two-sided",
) -> SignificanceResult:
    """Test ``p_a = p_b`` for two independent proportions (baseline ``a`` first).

    Changed in 0.2.0: the baseline comes first and the statistic is of ``p_b − p_a`` (the
    odds ratio of ``b`` to ``a`` for Fisher's test); 0.1 had ``p1 − p2``.

    Parameters
    ----------
    k_a, n_a : int
        Successes and trials of the baseline ``a``.
    k_b, n_b : int
        Successes and trials of the group ``b``.
    test : {"auto", "z", "fisher"}, default "auto"
        ``"z"``: two-proportion z test with pooled variance [Fleiss03]_ (equals Pearson's
        χ² without continuity correction). ``"fisher"``: Fisher's exact test [Fisher35]_,
        statistic = sample odds ratio of ``b`` to ``a``. ``"auto"``: Fisher when any
        expected cell count is below 5, otherwise z.
    alternative : {"two-sided", "less", "greater"}
        ``"greater"`` tests ``p_b > p_a``.

    Returns
    -------
    SignificanceResult
        ``statistic``, ``pvalue``, ``test`` (``"two_proportion_z"`` or ``"fisher_exact"``),
        ``estimate`` (``p_b − p_a``; the odds ratio for Fisher, ``measure="odds_ratio"``).
        For the z test, ``confidence_interval(level)`` is Mee's score interval
        (`diff_proportions_ci` ``method="mee"``), the interval dual to the pooled z test:
        it excludes 0 exactly when the p-value is below ``1 − level`` [Mee84]_. Fisher's
        test has no dual interval here (``TypeError``).

    Examples
    --------
    >>> r = two_proportion_test(48, 80, 56, 70)
    >>> r.test, round(r.statistic, 3), round(r.pvalue, 4), round(r.estimate, 2)
    ('two_proportion_z', 2.65, 0.008, 0.2)
    >>> low, high = r.confidence_interval(0.95)  # Mee [Garner16]_
    >>> round(low, 4), round(high, 4)
    (0.0533, 0.3377)
    """
    check_choice("test", test, PROPORTION_TESTS)
    check_alternative(alternative)
    xa, ma = (float(v) for v in _check_counts(k_a, n_a))
    xb, mb = (float(v) for v in _check_counts(k_b, n_b))
    if test == "auto":
        pooled = (xa + xb) / (ma + mb)
        expected = np.array([ma * pooled, ma * (1 - pooled), mb * pooled, mb * (1 - pooled)])
        test = "fisher" if expected.min() < FISHER_EXPECTED_MIN else "z"
    if test == "fisher":
        table = [[int(xb), int(mb - xb)], [int(xa), int(ma - xa)]]
        res = stats.fisher_exact(table, alternative=alternative)
        return SignificanceResult(
            float(res.statistic), float(res.pvalue), "fisher_exact", alternative=alternative,
            estimate=float(res.statistic), measure="odds_ratio", null_value=1.0, n_a=ma, n_b=mb)
    pooled = (xa + xb) / (ma + mb)
    se = float(np.sqrt(pooled * (1 - pooled) * (1 / ma + 1 / mb)))
    diff = xb / mb - xa / ma
    if se == 0:
        z = 0.0 if diff == 0 else float(np.sign(diff) * np.inf)
    else:
        z = float(diff / se)
    return SignificanceResult(
        z, pvalue_from_z(z, alternative), "two_proportion_z", alternative=alternative,
        estimate=float(diff), measure="difference", null_value=0.0, standard_error=se,
        n_a=ma, n_b=mb,
        interval=partial(_mee_interval, int(xa), int(ma), int(xb), int(mb), alternative))


def _mee_interval(k_a: int, n_a: int, k_b: int, n_b: int, alternative: str,
                  confidence_level: float) -> ConfidenceInterval:
    return diff_proportions_ci(k_a, n_a, k_b, n_b, confidence_level=confidence_level,
                               method="mee", alternative=alternative)


def two_proportion_tests(
    k_a,
    n_a,
    k_b,
    n_b,
    *,
    test: ProportionTest = "auto",
    alternative: str = "two-sided",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`two_proportion_test` for arrays of count pairs: ``(statistic, pvalue, test)``.

    Element ``i`` equals ``two_proportion_test(k_a[i], n_a[i], k_b[i], n_b[i])``: the same
    choice of test (``"auto"``: Fisher's exact test [Fisher35]_ when an expected cell count
    is below 5, else the pooled z test [Fleiss03]_), the z test in array arithmetic and
    Fisher's test by `scipy.stats.fisher_exact` on the elements that need it.

    Returns
    -------
    statistic, pvalue : ndarray of float
    test : ndarray of str
        ``"two_proportion_z"`` or ``"fisher_exact"`` per element.

    Examples
    --------
    >>> stat, p, name = two_proportion_tests([48, 3], [80, 10], [56, 9], [70, 10])
    >>> np.round(stat, 3).tolist(), name.tolist()
    ([2.65, 21.0], ['two_proportion_z', 'fisher_exact'])
    """
    check_choice("test", test, PROPORTION_TESTS)
    check_alternative(alternative)
    xa, ma = _check_counts(k_a, n_a)
    xb, mb = _check_counts(k_b, n_b)
    xa, ma, xb, mb = (np.atleast_1d(v).astype(float) for v in
                      np.broadcast_arrays(xa, ma, xb, mb))
    pooled = (xa + xb) / (ma + mb)
    if test == "auto":
        expected = np.minimum(np.minimum(ma * pooled, ma * (1 - pooled)),
                              np.minimum(mb * pooled, mb * (1 - pooled)))
        fisher = expected < FISHER_EXPECTED_MIN
    else:
        fisher = np.full(xa.shape, test == "fisher")
    statistic = np.empty(xa.shape)
    pvalue = np.empty(xa.shape)
    z_at = ~fisher
    if z_at.any():
        pa, sa, sb, da, db = pooled[z_at], ma[z_at], mb[z_at], xa[z_at], xb[z_at]
        se = np.sqrt(pa * (1 - pa) * (1 / sa + 1 / sb))
        diff = db / sb - da / sa
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se == 0, np.where(diff == 0, 0.0, np.sign(diff) * np.inf), diff / se)
        statistic[z_at] = z
        pvalue[z_at] = pvalues_from_z(z, alternative)
    for i in np.flatnonzero(fisher).tolist():
        table = [[int(xb[i]), int(mb[i] - xb[i])], [int(xa[i]), int(ma[i] - xa[i])]]
        res = stats.fisher_exact(table, alternative=alternative)
        statistic[i], pvalue[i] = float(res.statistic), float(res.pvalue)
    names = np.where(fisher, "fisher_exact", "two_proportion_z")
    return statistic, pvalue, names


def pvalues_from_z(z, alternative: str = "two-sided") -> np.ndarray:
    """`kpitools.stats.common.pvalue_from_z` of an array of standard-normal statistics.

    >>> pvalues_from_z(np.array([1.959964, np.nan])).round(4).tolist()
    [0.05, nan]
    """
    check_alternative(alternative)
    z = np.asarray(z, dtype=float)
    if alternative == "greater":
        p = stats.norm.sf(z)
    elif alternative == "less":
        p = stats.norm.cdf(z)
    else:
        p = np.minimum(1.0, 2.0 * stats.norm.sf(np.abs(z)))
    return np.where(np.isnan(z), np.nan, p)
