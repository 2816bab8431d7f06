"""SERVQUAL gaps (perception − expectation) and Cronbach's alpha [PZB88]_ [Cronbach51]_.


References
----------
.. [PZB88] Parasuraman A, Zeithaml VA, Berry LL (1988). SERVQUAL: a multiple-item scale for
   measuring consumer perceptions of service quality. J Retailing 64(1):12–40.
.. [Cronbach51] Cronbach LJ (1951). Coefficient alpha and the internal structure of tests.
   Psychometrika 16:297–334.
.. [Feldt65] Feldt LS (1965). The approximate sampling distribution of Kuder-Richardson
   reliability coefficient twenty. Psychometrika 30:357–370.
.. [FWS87] Feldt LS, Woodruff DJ, Salih FA (1987). Statistical inference for coefficient
   alpha. Applied Psychological Measurement 11:93–103.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kpitools.core.display import format_ci, format_number
from kpitools.core.errors import DataValidationError
from kpitools.core.results import ConfidenceInterval, empty_excluded
from kpitools.core.validation import (
    MissingPolicy,
    check_confidence_level,
    clean_numeric,
    require_nonempty,
    warn_if_small,
)
from kpitools.stats.significance import (
    mean_ci,
)
from kpitools.tables.keys import (
    clean_by_position,
)

__all__ = ["servqual", "cronbach_alpha", "feldt_interval", "ReliabilityEstimate",
           "RELIABILITY_COLUMNS", "SERVQUAL_DIMENSIONS"]

# ------------------------------------------------------------------------------ SERVQUAL


@dataclass(frozen=True)
class ReliabilityEstimate:
    """Cronbach's alpha of a multi-item scale with its confidence interval.

    Attributes
    ----------
    estimate : float
        Cronbach's alpha (NaN with fewer than two items, two complete rows or a constant
        total).
    ci_low, ci_high : float
        The two-sided interval at ``confidence_level`` (``method``).
    n : int
        Respondents used (complete rows).
    k : int
        Items.
    n_excluded : int
        Rows left out because an item was missing; listed in ``excluded``.
    method : str
        ``"feldt"``: Feldt's F-based interval [Feldt65]_ [FWS87]_.
    confidence_level : float
    excluded : DataFrame
        ``row, column, value, reason`` of every missing item answer of an excluded row.
    """

    estimate: float
    ci_low: float
    ci_high: float
    n: int
    k: int
    n_excluded: int
    method: str
    confidence_level: float
    kpi: str = "cronbach_alpha"
    excluded: pd.DataFrame = field(default_factory=empty_excluded, compare=False, repr=False)

    @property
    def ci(self) -> ConfidenceInterval:
        """The interval as a ``(low, high)`` named tuple."""
        return ConfidenceInterval(self.ci_low, self.ci_high)

    def __float__(self) -> float:
        return float(self.estimate)

    def to_frame(self) -> pd.DataFrame:
        """One tidy row: ``kpi, estimate, ci_low, ci_high, confidence_level, method, n, k,
        n_excluded``."""
        return pd.DataFrame([{c: getattr(self, c) for c in RELIABILITY_COLUMNS}],
                            columns=list(RELIABILITY_COLUMNS))

    def __repr__(self) -> str:
        excluded = f", {self.n_excluded} excluded" if self.n_excluded else ""
        return (f"<Cronbach's alpha {format_number(self.estimate, digits=3)}, "
                f"{self.confidence_level:.0%} CI "
                f"{format_ci(self.ci_low, self.ci_high, digits=3)} ({self.method}), "
                f"k={self.k}, n={self.n}{excluded}>")

    def _repr_html_(self) -> str:
        rows = [("Estimate", format_number(self.estimate, digits=3)),
                (f"{self.confidence_level:.0%} CI",
                 format_ci(self.ci_low, self.ci_high, digits=3)),
                ("Method", html.escape(self.method)), ("Items (k)", f"{self.k:,}"),
                ("n", f"{self.n:,}"), ("Excluded rows", f"{self.n_excluded:,}")]
        body = "".join(f"<tr><th style='text-align:left'>{a}</th><td>{b}</td></tr>"
                       for a, b in rows)
        return f"<table class='kpitools-result'><caption>Cronbach's alpha</caption>{body}</table>"


#: Columns of `ReliabilityEstimate.to_frame`.
RELIABILITY_COLUMNS = ("kpi", "estimate", "ci_low", "ci_high", "confidence_level", "method",
                       "n", "k", "n_excluded")


def feldt_interval(alpha: float, n: int, k: int, *,
                   confidence_level: float = 0.95) -> tuple[float, float]:
    """Feldt's two-sided confidence interval of Cronbach's alpha [Feldt65]_ [FWS87]_.

    Under the two-way (respondents × items) normal model, ``(1 − α)/(1 − α̂)`` follows an
    F distribution with ``n − 1`` and ``(n − 1)(k − 1)`` degrees of freedom, so
    ``L = 1 − (1 − α̂)·F_{1−γ/2}`` and ``U = 1 − (1 − α̂)·F_{γ/2}`` with
    ``γ = 1 − confidence_level`` (Feldt, Woodruff & Salih 1987, formulas 6 and 7).

    >>> low, high = feldt_interval(0.79, 41, 26, confidence_level=0.90)
    >>> round(low, 3), round(high, 3)
    (0.705, 0.862)
    """
    from scipy.stats import f as f_dist

    level = check_confidence_level(confidence_level)
    if n < 2 or k < 2 or not np.isfinite(alpha):
        return float("nan"), float("nan")
    df1, df2 = n - 1, (n - 1) * (k - 1)
    gamma = 1 - level
    low = 1 - (1 - alpha) * float(f_dist.ppf(1 - gamma / 2, df1, df2))
    high = 1 - (1 - alpha) * float(f_dist.ppf(gamma / 2, df1, df2))
    return low, high


def cronbach_alpha(items: pd.DataFrame, *, confidence_level: float = 0.95,
                   missing: MissingPolicy = "exclude") -> ReliabilityEstimate:
    """Cronbach's alpha of the item columns of ``items`` [Cronbach51]_, with Feldt's
    interval [Feldt65]_ [FWS87]_.

    ``alpha = k/(k − 1) · (1 − Σ var(item) / var(total))`` on the complete rows (a row
    missing any item is excluded, counted in ``n_excluded`` and listed in ``excluded``;
    ``missing="raise"`` raises instead). The interval is `feldt_interval`: exact under
    normally distributed items with equal error variances (essentially tau-equivalent),
    approximate otherwise.

    Parameters
    ----------
    items : DataFrame
        One column per item, one row per respondent; numbers (text that is not a number
        raises a `DataValidationError` naming the column, rows and values).
    confidence_level : float, default 0.95
    missing : {"exclude", "raise"}, default "exclude"

    Returns
    -------
    ReliabilityEstimate
        ``estimate, ci_low, ci_high, n, k, n_excluded, method, confidence_level``;
        ``float(result)`` is the estimate. NaN estimate and interval with fewer than two
        items or two complete rows, or a constant total.

    Examples
    --------
    >>> df = pd.DataFrame({"q1": [1, 2, 3, 4, 5], "q2": [2, 2, 3, 5, 5], "q3": [1, 3, 3, 4, 4]})
    >>> res = cronbach_alpha(df)
    >>> round(res.estimate, 4), res.n, res.k, res.method
    (0.9538, 5, 3, 'feldt')
    """
    level = check_confidence_level(confidence_level)
    if not isinstance(items, pd.DataFrame):
        raise TypeError(f"items must be a DataFrame with one column per item, got "
                        f"{type(items).__name__}")
    columns: dict[Any, pd.Series] = {}
    excluded_parts = []
    for col in items.columns:
        clean, excluded = clean_numeric(items[col], column=str(col), missing=missing)
        columns[col] = clean.reindex(items.index)
        if len(excluded):
            excluded_parts.append(excluded)
    data = pd.DataFrame(columns, index=items.index)
    complete = data.notna().all(axis=1).to_numpy()
    data = data[complete]
    excluded_rows = (pd.concat(excluded_parts, ignore_index=True) if excluded_parts
                     else empty_excluded())
    n, k = len(data), data.shape[1]
    estimate = float("nan")
    if k >= 2 and n >= 2:
        item_var = float(data.var(axis=0, ddof=1).sum())
        total_var = float(data.sum(axis=1).var(ddof=1))
        if total_var > 0:
            estimate = k / (k - 1) * (1 - item_var / total_var)
    low, high = feldt_interval(estimate, n, k, confidence_level=level)
    return ReliabilityEstimate(estimate=estimate, ci_low=low, ci_high=high, n=n, k=k,
                               n_excluded=int((~complete).sum()), method="feldt",
                               confidence_level=level, excluded=excluded_rows)


SERVQUAL_DIMENSIONS = ("reliability", "assurance", "responsiveness", "empathy", "tangibles")


def servqual(
    data: pd.DataFrame,
    items: Mapping[str, Sequence[tuple[str, str]]],
    *,
    weights: Mapping[str, float] | None = None,
    scale: tuple[int, int] = (1, 7),
    confidence_level: float = 0.95,
    missing: MissingPolicy = "exclude",
) -> pd.DataFrame:
    """SERVQUAL gaps (perception − expectation) by dimension and overall [PZB88]_.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    items : mapping dimension → list of (expectation column, perception column)
        Usually the five dimensions reliability, assurance, responsiveness, empathy and
        tangibles; any names are accepted.
    weights : mapping dimension → importance points, optional
        Points summing to 100; the overall gap is then the weighted mean of dimension
        gaps, otherwise the plain mean.
    scale : (low, high), default (1, 7)
        Likert scale of every item.
    confidence_level : float, default 0.95
    missing : {"exclude", "raise"}
        A respondent missing any item of a dimension is excluded from that dimension (and
        from the overall gap); they are counted in ``n_excluded``.

    Returns
    -------
    DataFrame
        One row per dimension, then ``"overall"``: ``dimension, kpi, estimate, ci_low,
        ci_high, confidence_level, method, unit, n, n_excluded, statistic, pvalue,
        expectation, perception, cronbach_alpha``. ``estimate`` is the mean gap with a paired
        t interval; ``statistic``/``pvalue`` test perception = expectation (paired t).
        ``cronbach_alpha`` is computed on the item gap scores of the dimension.

    Examples
    --------
    >>> df = pd.DataFrame({"e1": [6, 7, 6, 5, 6, 7, 6, 5, 6, 7],
    ...                    "p1": [5, 6, 6, 4, 5, 6, 6, 4, 5, 6],
    ...                    "e2": [7, 7, 6, 6, 7, 7, 6, 6, 7, 7],
    ...                    "p2": [5, 7, 5, 5, 6, 7, 5, 5, 6, 6]})
    >>> out = servqual(df, {"reliability": [("e1", "p1"), ("e2", "p2")]})
    >>> out[["dimension", "estimate", "n"]]
         dimension  estimate   n
    0  reliability     -0.85  10
    1      overall     -0.85  10
    """
    from scipy import stats as sps

    level = check_confidence_level(confidence_level)
    if not items:
        raise ValueError("items must map at least one dimension to (expectation, perception) "
                         "column pairs")
    if weights is not None:
        unknown = set(weights) - set(items)
        if unknown:
            raise ValueError(f"weights name unknown dimensions: {sorted(unknown)}")
        total = float(sum(weights.values()))
        if abs(total - 100.0) > 1e-6:
            raise ValueError(f"importance weights must sum to 100 points, got {total:g}")
    lo, hi = scale
    rows = []
    gaps: dict[str, pd.Series] = {}
    for dimension, pairs in items.items():
        if not pairs:
            raise ValueError(f"dimension {dimension!r} has no items")
        item_gaps = {}
        exp_cols, per_cols = [], []
        for e_col, p_col in pairs:
            for col in (e_col, p_col):
                if col not in data.columns:
                    raise DataValidationError(f"column not found in data (dimension "
                                              f"{dimension!r})", column=col)
            # by row position: a duplicate index (as after pd.concat) is fine
            answers = []
            for col in (e_col, p_col):
                clean, positions, _ = clean_by_position(
                    clean_numeric, data[col], column=col, lower=lo, upper=hi, integer=True,
                    missing=missing, scale_text=f"{lo}–{hi}")
                full = np.full(len(data), np.nan)
                full[positions] = clean.to_numpy(dtype=float)
                answers.append(full)
            item_gaps[p_col] = answers[1] - answers[0]
            exp_cols.append(e_col)
            per_cols.append(p_col)
        gap_frame = pd.DataFrame(item_gaps)
        complete = gap_frame.notna().all(axis=1).to_numpy()
        dim_gap = gap_frame[complete].mean(axis=1)
        gaps[dimension] = dim_gap
        expectation = data[exp_cols].iloc[complete].astype(float).mean(axis=1)
        perception = data[per_cols].iloc[complete].astype(float).mean(axis=1)
        rows.append(_gap_row(dimension, dim_gap, expectation, perception,
                             len(data) - int(complete.sum()), level, sps,
                             cronbach_alpha(gap_frame[complete]).estimate))
    all_gaps = pd.DataFrame(gaps)
    complete = all_gaps.notna().all(axis=1)
    if weights is None:
        overall = all_gaps[complete].mean(axis=1)
    else:
        w = pd.Series({d: weights.get(d, 0.0) for d in items}) / 100.0
        overall = (all_gaps[complete] * w).sum(axis=1)
    rows.append(_gap_row("overall", overall, None, None, len(data) - int(complete.sum()),
                         level, sps, float("nan"), weighted=weights is not None))
    return pd.DataFrame(rows)


def _gap_row(dimension, gap, expectation, perception, n_excluded, level, sps, alpha,
             weighted=False):
    n = len(gap)
    require_nonempty(n, what=f"SERVQUAL dimension {dimension!r}", n_excluded=n_excluded)
    warn_if_small(n, what=f"SERVQUAL {dimension}", stacklevel=4)
    x = gap.to_numpy(dtype=float)
    if n >= 2 and x.std(ddof=1) > 0:
        mean = float(x.mean())
        low, high = mean_ci(x, confidence_level=level)
        res = sps.ttest_1samp(x, 0.0)
        stat, p = float(res.statistic), float(res.pvalue)
    else:
        mean, low, high, stat, p = float(x.mean()), float("nan"), float("nan"), float("nan"), \
            float("nan")
    return {
        "dimension": dimension, "kpi": "servqual_gap", "estimate": mean, "ci_low": low,
        "ci_high": high, "confidence_level": level,
        "method": "t_weighted" if weighted else "t", "unit": "gap points", "n": n,
        "n_excluded": n_excluded, "statistic": stat, "pvalue": p,
        "expectation": float(expectation.mean()) if expectation is not None else float("nan"),
        "perception": float(perception.mean()) if perception is not None else float("nan"),
        "cronbach_alpha": alpha,
    }

