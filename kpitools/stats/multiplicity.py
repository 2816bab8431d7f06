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

__all__ = ["PValueAdjustment", "PVALUE_ADJUSTMENTS", "adjust_pvalues", "adjust_pvalues_by_family"]

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


def adjust_pvalues_by_family(
    pvalues,
    families,
    method: PValueAdjustment = "holm",
) -> np.ndarray:
    """`adjust_pvalues` within each family, for many families at once.

    ``families`` gives each p-value's family (any integer labels); the result equals
    ``adjust_pvalues`` applied to each family's p-values separately (the same step-down
    [Holm79]_ or step-up [BH95]_ arithmetic, the same stable order of ties), without a
    Python loop over the families: one sort by (family, p-value), then the running maximum
    (Holm) or minimum (Benjamini–Hochberg) within each family.

    Parameters
    ----------
    pvalues : array-like of float
        NaN entries are passed through and not counted as tests.
    families : array-like of int
        The family of each p-value (same length).
    method : {"holm", "benjamini_hochberg", "bonferroni", "none"}, default "holm"

    Returns
    -------
    numpy.ndarray of adjusted p-values, in the input order.

    Examples
    --------
    >>> adjust_pvalues_by_family([0.01, 0.04, 0.03, 0.01, 0.04], [0, 0, 0, 1, 1])
    array([0.03, 0.06, 0.06, 0.02, 0.04])
    """
    check_choice("method", method, PVALUE_ADJUSTMENTS)
    p = np.asarray(pvalues, dtype=float).ravel()
    fam = np.asarray(families).ravel()
    if fam.shape != p.shape:
        raise ValueError(f"families has {fam.size} entries for {p.size} p-values")
    if np.any((p < 0) | (p > 1)):
        raise ValueError("p-values must be in [0, 1]")
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    if ok.size == 0:
        return out
    q = p[ok]
    if method == "none":
        out[ok] = q
        return out
    # family labels as 0..k-1, then sort by (family, p); lexsort is stable like mergesort
    _, fam_code = np.unique(fam[ok], return_inverse=True)
    order = np.lexsort((q, fam_code))
    sorted_p, sorted_f = q[order], fam_code[order]
    starts = np.flatnonzero(np.r_[True, sorted_f[1:] != sorted_f[:-1]])
    sizes = np.diff(np.r_[starts, sorted_f.size])
    m = np.repeat(sizes, sizes).astype(float)
    rank = np.arange(sorted_f.size) - np.repeat(starts, sizes)  # 0-based rank in family
    if method == "bonferroni":
        adjusted_sorted = np.minimum(sorted_p * m, 1.0)
    elif method == "holm":
        adjusted_sorted = np.minimum(
            _segment_accumulate(sorted_p * (m - rank), starts, sizes, np.maximum), 1.0)
    else:  # benjamini_hochberg: running minimum from the largest p down
        scaled = sorted_p * (m / (rank + 1))
        reversed_ = _segment_accumulate(scaled[::-1], *_reversed_segments(starts, sizes),
                                        np.minimum)
        adjusted_sorted = np.minimum(reversed_[::-1], 1.0)
    adjusted = np.empty(q.size)
    adjusted[order] = adjusted_sorted
    out[ok] = adjusted
    return out


def _reversed_segments(starts: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and sizes of the same segments in the reversed array."""
    total = int(sizes.sum())
    rev_sizes = sizes[::-1]
    rev_starts = total - (starts + sizes)[::-1]
    return rev_starts, rev_sizes


def _segment_accumulate(values: np.ndarray, starts: np.ndarray, sizes: np.ndarray,
                        ufunc: np.ufunc) -> np.ndarray:
    """``ufunc.accumulate`` within each contiguous segment, exactly (no offsets added).

    Few long segments: one ``accumulate`` per segment; many short ones: one vectorised step
    per position within a segment (at most the longest segment's length).
    """
    out = values.copy()
    if starts.size <= int(sizes.max()):
        for s, k in zip(starts.tolist(), sizes.tolist(), strict=True):
            out[s:s + k] = ufunc.accumulate(out[s:s + k])
        return out
    for step in range(1, int(sizes.max())):
        at = starts[sizes > step] + step
        out[at] = ufunc(out[at], out[at - 1])
    return out
