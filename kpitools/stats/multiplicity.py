"""Multiplicity: adjusting the p-values of a family of comparisons.

References
----------
.. [Holm79] Holm S (1979). A simple sequentially rejective multiple test procedure. Scand J
   Stat 6:65–70.
.. [BH95] Benjamini Y, Hochberg Y (1995). Controlling the false discovery rate. J R Stat Soc B
   57:289–300.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from kpitools.core.validation import check_choice

__all__ = ["PValueAdjustment", "PVALUE_ADJUSTMENTS", "adjust_pvalues"]

PValueAdjustment = Literal["holm", "benjamini_hochberg", "bonferroni", "none"]
PVALUE_ADJUSTMENTS: tuple[str, ...] = ("holm", "benjamini_hochberg", "bonferroni", "none")


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
