"""SERVQUAL gaps (perception − expectation) and Cronbach's alpha [PZB88]_ [Cronbach51]_.


References
----------
.. [PZB88] Parasuraman A, Zeithaml VA, Berry LL (1988). SERVQUAL: a multiple-item scale for
   measuring consumer perceptions of service quality. J Retailing 64(1):12–40.
.. [Cronbach51] Cronbach LJ (1951). Coefficient alpha and the internal structure of tests.
   Psychometrika 16:297–334.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from kpitools.core.errors import DataValidationError
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

__all__ = ["servqual", "cronbach_alpha", "SERVQUAL_DIMENSIONS"]

# ------------------------------------------------------------------------------ SERVQUAL


def cronbach_alpha(items: pd.DataFrame) -> float:
    """Cronbach's alpha of the item columns of ``items`` (complete rows only) [Cronbach51]_.

    ``alpha = k/(k − 1) · (1 − Σ var(item) / var(total))``.

    Examples
    --------
    >>> df = pd.DataFrame({"q1": [1, 2, 3, 4, 5], "q2": [2, 2, 3, 5, 5], "q3": [1, 3, 3, 4, 4]})
    >>> round(cronbach_alpha(df), 4)
    0.9538
    """
    data = items.dropna()
    k = data.shape[1]
    if k < 2:
        return float("nan")
    item_var = data.var(axis=0, ddof=1).sum()
    total_var = data.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - item_var / total_var))


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
                             cronbach_alpha(gap_frame[complete])))
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

