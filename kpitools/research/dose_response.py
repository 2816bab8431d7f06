"""Dose–response: churn rate by satisfaction score, and the Cochran–Armitage trend test.

`churn_by_score` gives the churn rate at each score with a Wilson interval
(`kpitools.stats.intervals.proportion_ci`); `cochran_armitage_test` asks whether the rate moves
steadily with the score. `cochran_armitage` is the count-level core; both return a
`TrendTestResult`.

Examples
--------
>>> from kpitools.research.join import sample_retention_data
>>> data = sample_retention_data().data
>>> table = churn_by_score(data, "nps", "churned")
>>> table[["score", "n", "events"]].tail(3)
   score    n  events
5      8  280      42
6      9  265      33
7     10  269      23
>>> cochran_armitage_test(data, "nps", "churned")
<Cochran–Armitage trend test: z = -5.05, p=<0.001 (two-sided), n=1248, 8 scores>
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from kpitools.core.display import format_pvalue
from kpitools.core.results import ESTIMATE_COLUMNS, ConfidenceInterval, empty_excluded
from kpitools.core.validation import check_alternative, check_confidence_level
from kpitools.research.prepare import binary_outcome, complete_rows, numeric_column, require_columns
from kpitools.stats.intervals import ProportionMethod, proportion_ci

__all__ = [
    "DOSE_RESPONSE_COLUMNS",
    "TREND_TEST_COLUMNS",
    "TrendTestResult",
    "churn_by_score",
    "cochran_armitage",
    "cochran_armitage_test",
]

#: Columns of `churn_by_score`: the score, the standard estimate columns, then events.
DOSE_RESPONSE_COLUMNS: tuple[str, ...] = ("score", *ESTIMATE_COLUMNS, "events")
#: Columns of `TrendTestResult.to_frame`.
TREND_TEST_COLUMNS: tuple[str, ...] = ("test", "statistic", "pvalue", "alternative", "n",
                                       "n_excluded", "n_levels")


@dataclass(frozen=True)
class TrendTestResult:
    """Result of a trend test in proportions.

    Attributes
    ----------
    statistic : float
        The standardized statistic z (negative when the rate falls as the score rises).
    pvalue : float
    alternative : str
        ``"greater"`` tests a rate that rises with the score.
    method : str
        ``"cochran_armitage"``.
    n, n_excluded : int
    n_levels : int
        Number of distinct scores.
    table : DataFrame
        ``score, n, events`` per score.

    The scipy face: ``statistic`` and ``pvalue``; like the ``(z, pvalue)`` tuple of
    kpitools 0.1 it still unpacks, ``z, p = cochran_armitage(...)``.
    """

    statistic: float
    pvalue: float
    alternative: str
    method: str
    n: int
    n_excluded: int
    n_levels: int
    table: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)
    excluded: pd.DataFrame = field(default_factory=empty_excluded, repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        """One tidy row with the columns of `TREND_TEST_COLUMNS`."""
        return pd.DataFrame([{"test": self.method, "statistic": self.statistic,
                              "pvalue": self.pvalue, "alternative": self.alternative,
                              "n": self.n, "n_excluded": self.n_excluded,
                              "n_levels": self.n_levels}], columns=list(TREND_TEST_COLUMNS))

    def confidence_interval(self, confidence_level: float = 0.95) -> ConfidenceInterval:
        """The trend test has no interval: raises TypeError naming what gives one."""
        raise TypeError("the Cochran–Armitage test has no confidence interval; use "
                        "churn_by_score for the rate per score, or logistic_regression for "
                        "the odds ratio per point")

    def __iter__(self) -> Iterator[float]:  # the (z, pvalue) tuple of kpitools 0.1
        return iter((self.statistic, self.pvalue))

    def __repr__(self) -> str:
        return (f"<Cochran–Armitage trend test: z = {self.statistic:.2f}, "
                f"p={format_pvalue(self.pvalue)} ({self.alternative}), n={self.n}, "
                f"{self.n_levels} scores>")


def cochran_armitage(events: Any, totals: Any, scores: Any, *,
                     alternative: Literal["two-sided", "less", "greater"] = "two-sided"
                     ) -> TrendTestResult:
    """Cochran–Armitage test for a linear trend in proportions (count level).

    Parameters
    ----------
    events, totals : array-like of int
        Events (churned) and group sizes per level.
    scores : array-like of float
        The score of each level (e.g. the satisfaction score itself).
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
        ``"greater"``: the proportion rises with the score.

    Returns
    -------
    TrendTestResult
        ``statistic`` (z), ``pvalue``, ``n`` (Σ totals), ``n_levels`` and ``table`` (``score,
        n, events``); ``n_excluded`` is 0. It unpacks as ``z, pvalue``.

    Notes
    -----
    With ``N = Σnᵢ``, ``p̄ = Σxᵢ/N``: ``T = Σ tᵢ(xᵢ − nᵢp̄)``,
    ``Var T = p̄(1 − p̄)[Σ nᵢtᵢ² − (Σ nᵢtᵢ)²/N]``, ``z = T/√Var T`` referred to the
    standard normal [Cochran54]_ [Armitage55]_ [Agresti02]_. ``z² = N r²`` with ``r`` the
    Pearson correlation of score and outcome over individuals.

    References
    ----------
    .. [Cochran54] Cochran WG (1954). Some methods for strengthening the common χ² tests.
       Biometrics 10:417–451.
    .. [Armitage55] Armitage P (1955). Tests for linear trends in proportions and
       frequencies. Biometrics 11:375–386.
    .. [Agresti02] Agresti A (2002). Categorical Data Analysis, 2nd ed., §5.3.5.

    Examples
    --------
    >>> res = cochran_armitage([10, 6, 2], [50, 50, 50], [1, 2, 3])
    >>> round(res.statistic, 3), round(res.pvalue, 4)
    (-2.462, 0.0138)
    """
    check_alternative(alternative)
    x = np.asarray(events, dtype=float)
    m = np.asarray(totals, dtype=float)
    t = np.asarray(scores, dtype=float)
    if not (x.shape == m.shape == t.shape) or x.ndim != 1:
        raise ValueError("events, totals and scores must be 1-d and of equal length")
    if np.any(m <= 0) or np.any(x < 0) or np.any(x > m):
        raise ValueError("need 0 ≤ events ≤ totals and totals > 0 at every level")
    if np.unique(t).size < 2:
        raise ValueError("the trend test needs at least two distinct scores")
    total = m.sum()
    pbar = x.sum() / total
    T = float(np.sum(t * (x - m * pbar)))
    var = pbar * (1 - pbar) * (np.sum(m * t * t) - np.sum(m * t) ** 2 / total)
    if var <= 0:
        z = p = math.nan
    else:
        z = T / math.sqrt(var)
        if alternative == "two-sided":
            p = float(2 * stats.norm.sf(abs(z)))
        elif alternative == "greater":
            p = float(stats.norm.sf(z))
        else:
            p = float(stats.norm.cdf(z))
    table = pd.DataFrame({"score": t, "n": m, "events": x})
    if np.all(m % 1 == 0) and np.all(x % 1 == 0):
        table = table.astype({"n": int, "events": int})
    return TrendTestResult(statistic=z, pvalue=p, alternative=alternative,
                           method="cochran_armitage", n=int(total), n_excluded=0,
                           n_levels=len(t), table=table)


def _counts(data: pd.DataFrame, score: str, outcome: str):
    require_columns(data, [score, outcome], what="dose-response")
    frame, excluded = complete_rows(data, [score, outcome])
    s = numeric_column(frame[score], column=score, role="score")
    y = binary_outcome(frame[outcome], column=outcome)
    counts = (pd.DataFrame({"score": s, "y": y}).groupby("score")["y"]
              .agg(n="size", events="sum").reset_index())
    counts["events"] = counts["events"].astype(int)
    return counts, excluded


def churn_by_score(
    data: pd.DataFrame,
    score: str,
    outcome: str,
    *,
    confidence_level: float = 0.95,
    method: ProportionMethod = "wilson",
) -> pd.DataFrame:
    """Churn rate at each satisfaction score, with a confidence interval per score.

    Parameters
    ----------
    data : DataFrame
        One row per customer.
    score : str
        Satisfaction column (0–10, 1–5, ...).
    outcome : str
        Binary churn column.
    confidence_level : float, default 0.95
    method : str, default "wilson"
        Interval method of `kpitools.stats.intervals.proportion_ci` (Wilson score interval
        [Wilson27]_ by default).

    Returns
    -------
    DataFrame
        One row per observed score with the columns of `DOSE_RESPONSE_COLUMNS`: ``score``,
        ``kpi`` (``"churn_rate"``), ``estimate, ci_low, ci_high`` in %, ``confidence_level,
        method, unit, n, n_excluded`` (rows excluded for a missing value, the same on every
        row) and ``events``.

    References
    ----------
    .. [Wilson27] Wilson EB (1927). Probable inference, the law of succession, and
       statistical inference. J Am Stat Assoc 22:209–212.

    Examples
    --------
    >>> from kpitools.research.join import sample_retention_data
    >>> t = churn_by_score(sample_retention_data().data, "nps", "churned")
    >>> t.loc[t["score"] == 10, ["estimate", "ci_low", "ci_high"]].round(1)
       estimate  ci_low  ci_high
    7       8.6     5.8     12.5
    """
    level = check_confidence_level(confidence_level)
    counts, excluded = _counts(data, score, outcome)
    low, high = proportion_ci(counts["events"].to_numpy(), counts["n"].to_numpy(),
                              confidence_level=level, method=method)
    out = pd.DataFrame({
        "score": counts["score"].to_numpy(),
        "kpi": "churn_rate",
        "estimate": 100 * counts["events"].to_numpy() / counts["n"].to_numpy(),
        "ci_low": 100 * np.atleast_1d(low), "ci_high": 100 * np.atleast_1d(high),
        "confidence_level": level, "method": method, "unit": "%",
        "n": counts["n"].to_numpy(dtype=int), "n_excluded": len(excluded),
        "events": counts["events"].to_numpy(dtype=int),
    }, columns=list(DOSE_RESPONSE_COLUMNS))
    if (out["score"] % 1 == 0).all():
        out["score"] = out["score"].astype(int)
    return out


def cochran_armitage_test(
    data: pd.DataFrame,
    score: str,
    outcome: str,
    *,
    alternative: Literal["two-sided", "less", "greater"] = "two-sided",
) -> TrendTestResult:
    """Cochran–Armitage test of a linear trend of churn across satisfaction scores.

    The score values themselves are the trend scores. See `cochran_armitage` for the
    formula and references.

    Parameters
    ----------
    data : DataFrame
    score, outcome : str
        Satisfaction and binary churn columns.
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
        ``"less"``: churn falls as satisfaction rises.

    Returns
    -------
    TrendTestResult

    Examples
    --------
    >>> from kpitools.research.join import sample_retention_data
    >>> r = cochran_armitage_test(sample_retention_data().data, "nps", "churned",
    ...                           alternative="less")
    >>> r.pvalue < 0.001
    True
    """
    counts, excluded = _counts(data, score, outcome)
    res = cochran_armitage(counts["events"], counts["n"], counts["score"],
                           alternative=alternative)
    return TrendTestResult(statistic=res.statistic, pvalue=res.pvalue, alternative=alternative,
                           method="cochran_armitage", n=int(counts["n"].sum()),
                           n_excluded=len(excluded), n_levels=len(counts), table=counts,
                           excluded=excluded)
