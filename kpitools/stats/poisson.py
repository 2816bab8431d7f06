"""Poisson counts and rates: intervals, the ratio of two rates and its exact test, overdispersion.

Counts get Poisson intervals (`poisson_ci`, exact Garwood by default); two rates are
compared baseline first by the ratio ``rate_b / rate_a`` with the exact conditional test
(`rate_ratio_test`, as R ``poisson.test``); `overdispersion_test` checks whether daily counts
vary more than a Poisson process allows (then Poisson intervals are too narrow).

References
----------
.. [Garwood36] Garwood F (1936). Fiducial limits for the Poisson distribution. Biometrika
   28:437–442.
.. [Ulm90] Ulm K (1990). A simple method to calculate the confidence interval of a
   standardized mortality ratio. Am J Epidemiol 131:373–375 (chi-square form of Garwood).
.. [BCD03] Brown LD, Cai TT, DasGupta A (2003). Interval estimation in exponential families.
   Stat Sinica 13:19–49 (Jeffreys interval for a Poisson mean).
.. [Barker02] Barker L (2002). A comparison of nine confidence intervals for a Poisson
   parameter when the expected number of events is ≤ 5. Am Stat 56:85–89 (score and Wald).
.. [PT] R Core Team. ``stats::poisson.test``: exact conditional test of a rate ratio via
   ``binom.test`` on count_b out of count_a + count_b.
.. [Fisher50] Fisher RA (1950). The significance of deviations from expectation in a Poisson
   series. Biometrics 6:17–24 (index of dispersion test).
.. [CT90] Cameron AC, Trivedi PK (1990). Regression-based tests for overdispersion in the
   Poisson model. J Econometrics 46:347–364.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from kpitools.core.results import ConfidenceInterval
from kpitools.core.validation import check_alternative, check_choice, check_confidence_level
from kpitools.stats.common import SignificanceResult, as_interval, two_sided_level, z_critical

__all__ = [
    "PoissonMethod",
    "POISSON_METHODS",
    "poisson_ci",
    "RateRatioResult",
    "rate_ratio_test",
    "OVERDISPERSION_COLUMNS",
    "OverdispersionResult",
    "overdispersion_test",
]

PoissonMethod = Literal["exact", "score", "wald", "jeffreys"]
POISSON_METHODS: tuple[str, ...] = ("exact", "score", "wald", "jeffreys")


def _check_poisson(count, exposure) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(count, dtype=float)
    e = np.asarray(exposure, dtype=float)
    if np.any(~np.isfinite(x)) or np.any(x < 0) or np.any(x != np.floor(x)):
        raise ValueError(f"count must be a non-negative whole number, got {count!r}")
    if np.any(~np.isfinite(e)) or np.any(e <= 0):
        raise ValueError(f"exposure must be positive and finite, got {exposure!r}")
    return x, e


def poisson_ci(count, exposure=1.0, *, confidence_level: float = 0.95,
               method: PoissonMethod = "exact", alternative: str = "two-sided"
               ) -> ConfidenceInterval:
    """Confidence interval for a Poisson rate ``count / exposure``.

    Parameters
    ----------
    count : int or array of int
        Number of events.
    exposure : float or array, default 1.0
        Time (days, agent-hours) or population (customers) over which they were counted.
    confidence_level : float, default 0.95
    method : {"exact", "score", "wald", "jeffreys"}, default "exact"
        - ``"exact"``: Garwood's interval [Garwood36]_, ``χ²_{α/2}(2x)/2`` to
          ``χ²_{1−α/2}(2x + 2)/2`` [Ulm90]_; guaranteed coverage (conservative). Default.
        - ``"score"``: inverts the score test, ``(x + z²/2 ± z√(x + z²/4)) / exposure``
          [Barker02]_.
        - ``"wald"``: ``(x ± z√x) / exposure``, clipped at 0; poor for small counts.
        - ``"jeffreys"``: Gamma(x + ½) quantiles [BCD03]_, lower bound 0 when x = 0.
    alternative : {"two-sided", "less", "greater"}
        ``"greater"`` gives ``(low, inf)``, ``"less"`` gives ``(0, high)``.

    Returns
    -------
    ConfidenceInterval
        ``(low, high)`` in events per unit of exposure: floats, or arrays for array input.

    Examples
    --------
    >>> low, high = poisson_ci(15, 400)
    >>> round(low, 6), round(high, 6)
    (0.020988, 0.061851)
    """
    level = check_confidence_level(confidence_level)
    check_choice("method", method, POISSON_METHODS)
    check_alternative(alternative)
    x, e = _check_poisson(count, exposure)
    level2 = two_sided_level(level, alternative)
    alpha = 1.0 - level2
    z = z_critical(level2)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "exact":
            low = np.where(x == 0, 0.0, stats.chi2.ppf(alpha / 2, 2 * x) / 2.0)
            high = stats.chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2.0
        elif method == "score":
            centre = x + z * z / 2.0
            half = z * np.sqrt(x + z * z / 4.0)
            low, high = centre - half, centre + half
        elif method == "wald":
            half = z * np.sqrt(x)
            low, high = np.maximum(x - half, 0.0), x + half
        else:
            low = np.where(x == 0, 0.0, stats.gamma.ppf(alpha / 2, x + 0.5))
            high = stats.gamma.ppf(1 - alpha / 2, x + 0.5)
    low, high = low / e, high / e
    if alternative == "greater":
        high = np.full_like(np.asarray(high, dtype=float), np.inf)
    elif alternative == "less":
        low = np.zeros_like(np.asarray(low, dtype=float))
    return as_interval(low, high)


@dataclass(frozen=True, eq=False)
class RateRatioResult(SignificanceResult):
    """Ratio of two Poisson rates, ``rate_b / rate_a``, with its exact conditional test.

    A `SignificanceResult` with ``measure="ratio"`` (``estimate`` is the rate ratio,
    ``statistic`` is ``count_b``, on which the test conditions given ``count_a + count_b``),
    and the interval at the ``confidence_level`` it was computed at.

    Attributes
    ----------
    ci_low, ci_high : float
        Exact interval of the ratio at ``confidence_level`` (`confidence_interval` gives
        other levels).
    confidence_level : float
    expected : float
        Expected ``count_b`` under the null.
    method : str
        ``"exact_conditional"``.
    count_a, exposure_a, count_b, exposure_b
        The inputs.
    """

    ci_low: float = math.nan
    ci_high: float = math.nan
    confidence_level: float = 0.95
    expected: float = math.nan
    method: str = "exact_conditional"
    count_a: int = 0
    exposure_a: float = math.nan
    count_b: int = 0
    exposure_b: float = math.nan

    @property
    def ci(self) -> ConfidenceInterval:
        """``(ci_low, ci_high)`` as a named tuple."""
        return ConfidenceInterval(self.ci_low, self.ci_high)

    def to_frame(self, confidence_level: float | None = None) -> pd.DataFrame:
        """One tidy row (`SIGNIFICANCE_COLUMNS`), at the result's own level by default."""
        level = self.confidence_level if confidence_level is None else confidence_level
        return super().to_frame(level)


def rate_ratio_test(count_a: int, exposure_a: float, count_b: int, exposure_b: float, *,
                    null_value: float = 1.0, confidence_level: float = 0.95,
                    alternative: str = "two-sided") -> RateRatioResult:
    """Exact conditional test and interval for the ratio of two Poisson rates, b / a [PT]_.

    Changed in 0.2.0: the baseline comes first, ``(count_a, exposure_a, count_b,
    exposure_b)``, and the ratio is ``rate_b / rate_a`` (0.1 took the numerator first:
    ``rate_ratio_test(c1, e1, c2, e2)`` is now ``rate_ratio_test(c2, e2, c1, e1)``).

    Given ``n = count_a + count_b`` events, ``count_b`` is Binomial(n, p) with
    ``p = r·e_b / (r·e_b + e_a)`` for rate ratio r. The p-value is the exact binomial test of
    ``p0 = null·e_b / (null·e_b + e_a)`` (scipy ``binomtest``, the same two-sided rule as R's
    ``binom.test``), and the interval maps the Clopper–Pearson interval of p through
    ``r = p/(1 − p) · e_a/e_b``. This is R's ``poisson.test(c(count_b, count_a),
    c(e_b, e_a))``.

    Parameters
    ----------
    count_a, exposure_a : int, float
        Events and exposure of the baseline (e.g. last period).
    count_b, exposure_b : int, float
        Events and exposure of the group compared with it (e.g. this period).
    null_value : float, default 1.0
    confidence_level : float, default 0.95
        Level of ``ci_low``, ``ci_high``.
    alternative : {"two-sided", "less", "greater"}
        ``"greater"`` tests ratio > null_value.

    Returns
    -------
    RateRatioResult

    Examples
    --------
    R ``poisson.test(c(11, 21), c(800, 3011))``: ratio 1.971488, p = 0.07967:

    >>> r = rate_ratio_test(21, 3011, 11, 800)
    >>> round(r.estimate, 6), round(r.pvalue, 5), round(r.ci_low, 4), round(r.ci_high, 4)
    (1.971488, 0.07967, 0.8584, 4.2773)
    >>> r.measure
    'ratio'
    """
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    xa, ea = (float(v) for v in _check_poisson(count_a, exposure_a))
    xb, eb = (float(v) for v in _check_poisson(count_b, exposure_b))
    if not null_value > 0:
        raise ValueError(f"null_value must be positive, got {null_value!r}")
    n = int(xa + xb)
    ratio = (xb / eb) / (xa / ea) if xa > 0 else np.inf
    p0 = null_value * eb / (null_value * eb + ea)
    interval = partial(_rate_ratio_interval, int(xa), ea, int(xb), eb, alternative)
    common = dict(test="exact_conditional_rate_ratio", alternative=alternative,
                  measure="ratio", null_value=float(null_value), n_a=xa, n_b=xb,
                  interval=interval, confidence_level=level, method="exact_conditional",
                  count_a=int(xa), exposure_a=ea, count_b=int(xb), exposure_b=eb)
    if n == 0:
        return RateRatioResult(statistic=0.0, pvalue=1.0, estimate=np.nan, ci_low=0.0,
                               ci_high=np.inf, expected=0.0, **common)  # type: ignore[arg-type]
    res = stats.binomtest(int(xb), n, p0, alternative=alternative)
    low, high = interval(level)
    return RateRatioResult(statistic=xb, pvalue=float(res.pvalue), estimate=float(ratio),
                           ci_low=low, ci_high=high, expected=float(n * p0),
                           **common)  # type: ignore[arg-type]


def _rate_ratio_interval(count_a: int, exposure_a: float, count_b: int, exposure_b: float,
                         alternative: str, confidence_level: float) -> ConfidenceInterval:
    """Clopper–Pearson interval of ``count_b / (count_a + count_b)`` mapped to the ratio."""
    n = count_a + count_b
    if n == 0:
        return ConfidenceInterval(0.0, np.inf)
    ci = stats.binomtest(count_b, n, 0.5, alternative=alternative).proportion_ci(
        confidence_level=confidence_level, method="exact")

    def to_ratio(p: float) -> float:
        if p >= 1.0:
            return np.inf
        return p / (1.0 - p) * exposure_a / exposure_b

    return ConfidenceInterval(float(to_ratio(ci.low)), float(to_ratio(ci.high)))


#: Columns of `OverdispersionResult.to_frame`.
OVERDISPERSION_COLUMNS: tuple[str, ...] = (
    "method", "dispersion_index", "statistic", "df", "pvalue", "ct_alpha", "ct_statistic",
    "ct_pvalue", "n", "overdispersed",
)


@dataclass(frozen=True)
class OverdispersionResult:
    """Checks of whether counts are more variable than Poisson.

    Attributes
    ----------
    dispersion_index : float
        Sample variance / mean (1 under Poisson).
    statistic, df, pvalue : float
        Fisher's index-of-dispersion test: ``Σ(y − ȳ)²/ȳ ~ χ²(n − 1)``, one-sided
        (greater) [Fisher50]_.
    ct_alpha, ct_statistic, ct_pvalue : float
        Cameron–Trivedi regression test [CT90]_: OLS without intercept of
        ``((y − μ)² − y)/μ`` on μ (μ = mean count); ``ct_alpha > 0`` with a small one-sided
        p-value means overdispersion of the NB2 form ``Var = μ + α·μ²``.
    n : int
        Number of counts (e.g. days).
    overdispersed : bool
        Whether the index-of-dispersion p-value is below ``1 − confidence_level``.
    """

    dispersion_index: float
    statistic: float
    df: int
    pvalue: float
    ct_alpha: float
    ct_statistic: float
    ct_pvalue: float
    n: int
    overdispersed: bool
    method: str = "index_of_dispersion"

    def to_frame(self) -> pd.DataFrame:
        """One tidy row with the columns of ``OVERDISPERSION_COLUMNS``."""
        return pd.DataFrame([{c: getattr(self, c) for c in OVERDISPERSION_COLUMNS}],
                            columns=list(OVERDISPERSION_COLUMNS))


def overdispersion_test(counts, *, confidence_level: float = 0.95) -> OverdispersionResult:
    """Test daily (or weekly) counts for overdispersion relative to Poisson.

    Parameters
    ----------
    counts : array-like of int
        One count per period, *including the zeros* (`event_counts` fills them in).
    confidence_level : float, default 0.95
        Sets the threshold of ``overdispersed``.

    Returns
    -------
    OverdispersionResult

    Notes
    -----
    Under a constant-rate Poisson process the variance equals the mean. Weekly seasonality
    (quiet weekends) alone makes daily ticket counts overdispersed; test within comparable
    days, or model the weekday effect, before reading a significant result as "bursty".

    Examples
    --------
    >>> r = overdispersion_test([3, 5, 4, 6, 2, 5, 4, 3, 4, 5])
    >>> round(r.dispersion_index, 3), r.overdispersed
    (0.35, False)
    """
    level = check_confidence_level(confidence_level)
    y = np.asarray(counts, dtype=float)
    if y.ndim != 1 or y.size < 2:
        raise ValueError("overdispersion_test needs at least 2 counts")
    if np.any(np.isnan(y)) or np.any(y < 0) or np.any(y != np.floor(y)):
        raise ValueError("counts must be non-negative whole numbers")
    n = y.size
    mean = float(y.mean())
    if mean == 0:
        raise ValueError("all counts are zero; dispersion is undefined")
    var = float(y.var(ddof=1))
    stat = float(((y - mean) ** 2).sum() / mean)
    pvalue = float(stats.chi2.sf(stat, n - 1))
    # Cameron–Trivedi: regress ((y − μ)² − y)/μ on μ without intercept (μ constant here).
    dep = ((y - mean) ** 2 - y) / mean
    alpha_hat = float(dep.sum() * mean / (n * mean * mean))
    resid = dep - alpha_hat * mean
    se = float(np.sqrt(resid.var(ddof=1) / (n * mean * mean))) if n > 1 else np.nan
    t_stat = alpha_hat / se if se > 0 else np.inf * np.sign(alpha_hat)
    ct_p = float(stats.t.sf(t_stat, n - 1))
    return OverdispersionResult(
        dispersion_index=var / mean, statistic=stat, df=n - 1, pvalue=pvalue,
        ct_alpha=alpha_hat, ct_statistic=float(t_stat), ct_pvalue=ct_p, n=n,
        overdispersed=bool(pvalue < 1.0 - level))
