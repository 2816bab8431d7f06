"""Builders shared by the KPI families: one copy of each.

- `compare_proportions`: two proportions compared, ``b − a`` in percentage points
  (Newcombe's interval and the two-proportion z / Fisher test), used by CSAT, CES top box,
  the operations rates, SLA attainment and the customer rates;
- `proportion_columns`: every group's proportion and its interval in % from array counts
  (the grouped Wilson interval of `kpitools.stats.proportions.grouped_proportion_ci`);
- `grouped_t_interval`: every group's Student's t interval of a mean;
- `group_table`: a per-group summary frame with the `ESTIMATE_COLUMNS`;
- `no_value`, `reject_options`: the argument checks of the registered KPIs.

References
----------
.. [Wilson27] Wilson EB (1927). Probable inference, the law of succession, and statistical
   inference. J Am Stat Assoc 22:209–212.
.. [Newcombe98b] Newcombe RG (1998). Interval estimation for the difference between
   independent proportions: comparison of eleven methods. Stat Med 17:873–890.
.. [Student08] Student (1908). The probable error of a mean. Biometrika 6(1):1–25.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kpitools.core.results import (
    ESTIMATE_COLUMNS,
    Comparison,
    as_excluded_rows,
    comparison_unit,
)
from kpitools.core.validation import check_alternative, check_choice, check_confidence_level
from kpitools.stats.proportions import (
    DIFF_METHODS,
    DiffMethod,
    ProportionMethod,
    ProportionTest,
    diff_proportions_ci,
    grouped_proportion_ci,
    two_proportion_test,
)

__all__ = [
    "compare_proportions",
    "proportion_columns",
    "grouped_t_interval",
    "group_table",
    "no_value",
    "reject_options",
]


def compare_proportions(ka: int, na: int, kb: int, nb: int, *, kpi: str = "proportion",
                        confidence_level: float = 0.95, alternative: str = "two-sided",
                        method: DiffMethod = "newcombe", test: ProportionTest = "auto",
                        label_a: str = "a", label_b: str = "b",
                        details: Mapping[str, Any] | None = None) -> Comparison:
    """Difference ``p_b − p_a`` (``a`` the baseline) in percentage points, its CI and test.

    Newcombe's hybrid score interval by default [Newcombe98b]_ (any method of
    `kpitools.stats.intervals.diff_proportions_ci`); the test is the pooled two-proportion z
    test, or Fisher's exact test when an expected count is below 5 (``test="auto"``).

    >>> c = compare_proportions(48, 80, 56, 70, kpi="fcr")
    >>> round(c.difference, 2), round(c.ci_low, 2), round(c.ci_high, 2), c.test, c.unit
    (20.0, 5.24, 33.39, 'two_proportion_z', 'percentage points')
    """
    level = check_confidence_level(confidence_level)
    check_choice("method", method, DIFF_METHODS)
    check_alternative(alternative)
    low, high = diff_proportions_ci(ka, na, kb, nb, confidence_level=level, method=method,
                                    alternative=alternative)
    res = two_proportion_test(ka, na, kb, nb, test=test, alternative=alternative)
    return Comparison(
        kpi=kpi, estimate_a=100.0 * ka / na, estimate_b=100.0 * kb / nb,
        difference=100.0 * (kb / nb - ka / na), ci_low=100.0 * low, ci_high=100.0 * high,
        statistic=res.statistic, pvalue=res.pvalue, method=method, test=res.test,
        confidence_level=level, unit=comparison_unit("%"), n_a=int(na), n_b=int(nb),
        alternative=alternative, label_a=label_a, label_b=label_b,
        details={"successes_a": int(ka), "successes_b": int(kb), **(details or {})})


def proportion_columns(k: Any, n: Any, *, confidence_level: float,
                       method: ProportionMethod = "wilson", alternative: str = "two-sided"
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every group's ``100 · k / n`` and its interval in % (NaN where ``n == 0``).

    One call of `kpitools.stats.proportions.grouped_proportion_ci` (Wilson's score
    interval by default [Wilson27]_) for all groups.

    Returns
    -------
    estimate, low, high : ndarray

    >>> est, low, high = proportion_columns([3, 0], [4, 0], confidence_level=0.95)
    >>> est.tolist(), np.round(low, 2).tolist()
    ([75.0, nan], [30.06, nan])
    """
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    low, high = (np.asarray(v, dtype=float) for v in grouped_proportion_ci(
        np.round(k), n, confidence_level=confidence_level, method=method,
        alternative=alternative))
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = 100.0 * k / n
    return estimate, 100.0 * low, 100.0 * high


def grouped_t_interval(count: np.ndarray, mean: np.ndarray, m2: np.ndarray, *,
                       confidence_level: float, alternative: str,
                       scale: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Student's t interval of every group's mean, vectorised, clipped to ``scale``.

    The same interval as `kpitools.stats.means.mean_ci` (that is,
    `scipy.stats.ttest_1samp` ``.confidence_interval``) group by group:
    ``mean + t_{n−1}(p) · s/√n`` with the quantile from ``scipy.special.stdtrit`` at
    ``p = (1 − level)/2`` and ``1 − (1 − level)/2`` (two-sided), ``level`` (``"less"``, lower
    end −∞) or ``1 − level`` (``"greater"``, upper end +∞) [Student08]_. A group with zero
    variance gets ``(mean, mean)`` (its open side stays infinite), a group of fewer than 2
    values NaN; then the ends are clipped to the scale, as `kpitools.csat` and `kpitools.ces`
    do.

    Parameters
    ----------
    count, mean, m2 : ndarray
        Per group: number of values, mean and sum of squared deviations from the mean (see
        `kpitools.tables.keys.grouped_moments`).
    confidence_level : float
    alternative : {"two-sided", "less", "greater"}
    scale : (low, high)

    Returns
    -------
    low, high : ndarray

    Examples
    --------
    >>> low, high = grouped_t_interval(np.array([5, 1]), np.array([3.0, 4.0]),
    ...                                np.array([10.0, 0.0]), confidence_level=0.95,
    ...                                alternative="two-sided", scale=(1, 5))
    >>> np.round(low, 4).tolist(), np.round(high, 4).tolist()
    ([1.0368, nan], [4.9632, nan])
    """
    from scipy import special

    count = np.asarray(count, dtype=float)
    low = np.full(count.shape, np.nan)
    high = np.full(count.shape, np.nan)
    ok = count >= 2
    if ok.any():
        n, centre = count[ok], mean[ok]
        df = n - 1.0
        se = np.sqrt(m2[ok] / df / n)
        if alternative == "less":
            lo = np.full(n.shape, -np.inf)
            hi = special.stdtrit(df, confidence_level) * se + centre
        elif alternative == "greater":
            lo = special.stdtrit(df, 1.0 - confidence_level) * se + centre
            hi = np.full(n.shape, np.inf)
        else:
            tail = (1.0 - confidence_level) / 2.0
            lo = special.stdtrit(df, tail) * se + centre
            hi = special.stdtrit(df, 1.0 - tail) * se + centre
        constant = se == 0
        if alternative != "less":
            lo = np.where(constant, centre, lo)
        if alternative != "greater":
            hi = np.where(constant, centre, hi)
        low[ok], high[ok] = lo, hi
    return np.maximum(low, scale[0]), np.minimum(high, scale[1])


def group_table(groups: pd.DataFrame, columns: Mapping[str, Any],
                excluded: pd.DataFrame | None = None) -> pd.DataFrame:
    """The group columns, then `ESTIMATE_COLUMNS` from ``columns``; excluded rows in attrs."""
    table = groups.reset_index(drop=True).copy()
    for name in ESTIMATE_COLUMNS:
        table[name] = columns[name]
    table.attrs["excluded"] = as_excluded_rows(excluded)
    return table


def no_value(kpi: str, value: str | None) -> None:
    """A KPI that reads its columns by role takes no ``value=`` (ValueError naming it)."""
    if value is not None:
        raise ValueError(f"kpi={kpi!r} reads its columns by role; map yours with "
                         f"columns={{...}} instead of value={value!r}")


def reject_options(kpi: str, options: Mapping[str, Any], *, what: str = "option") -> None:
    """TypeError naming the KPI and every option it does not take (none is ignored)."""
    if options:
        names = ", ".join(f"{k}=" for k in sorted(options))
        raise TypeError(f"kpi={kpi!r} does not take the {what}(s) {names}")
