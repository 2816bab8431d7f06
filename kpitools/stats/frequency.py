"""Statistics from frequency tables: each distinct value with the number of times it occurs.

A frequency table (group, value, count) is a sufficient statistic for every order statistic
of a group, so the quantile and its distribution-free interval come out of it exactly as
from the rows it counts — at any number of rows. Durations counted at whole-second
resolution (`kpitools.engines`) have few distinct values per group (a few thousand in a
quarter of tickets), so the table is small whatever the data's size.

* `frequency_quantile_ci`: `kpitools.stats.quantiles.grouped_quantile_ci` from a frequency
  table: the Hyndman–Fan type-7 quantile [HF96]_ and the order-statistic interval
  ``[X_(r), X_(s)]`` with binomial ranks [Conover99]_, found by a search in each group's
  cumulative counts instead of a sort of the rows.
* `frequency_moments`: count, mean and sum of squared deviations (two-pass, centred on
  each group's mean: no cancellation [CGL83]_).
* `frequency_kruskal`: the Kruskal–Wallis H test across groups [KW52]_ with mid-ranks of
  the distinct values and the tie correction, as ``scipy.stats.kruskal`` of the rows.

References
----------
.. [Conover99] Conover WJ (1999). Practical Nonparametric Statistics, 3rd ed. Wiley, §3.2.
.. [HF96] Hyndman RJ, Fan Y (1996). Sample quantiles in statistical packages. Am Stat
   50:361–365.
.. [CGL83] Chan TF, Golub GH, LeVeque RJ (1983). Algorithms for computing the sample
   variance: analysis and recommendations. Am Stat 37:242–247.
.. [KW52] Kruskal WH, Wallis WA (1952). Use of ranks in one-criterion variance analysis.
   J Am Stat Assoc 47:583–621.
"""

from __future__ import annotations

import numpy as np

from kpitools.core.validation import check_alternative, check_confidence_level
from kpitools.stats.quantiles import GroupedIntervals, intervals_from_ranks, rank_plan

__all__ = ["frequency_quantile_ci", "frequency_moments", "frequency_kruskal"]


def _check_table(values, counts, codes, n_groups: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.asarray(values, dtype=float)
    c = np.asarray(counts)
    g = np.asarray(codes, dtype=np.int64)
    if not (x.ndim == c.ndim == g.ndim == 1) or not (x.size == c.size == g.size):
        raise ValueError("values, counts and codes must be one-dimensional and of one length")
    if np.isnan(x).any() or np.isinf(x).any():
        raise ValueError("values contain NaN or ±inf; exclude them before counting")
    if c.size and (np.any(c < 0) or np.any(c != np.floor(c))):
        bad = c[(c < 0) | (c != np.floor(c))][:5].tolist()
        raise ValueError(f"counts must be non-negative whole numbers, got {bad}")
    if g.size and (g.min() < 0 or g.max() >= n_groups):
        raise ValueError(f"codes must lie in 0..{n_groups - 1}")
    return x, c.astype(np.int64), g


def frequency_quantile_ci(values, counts, codes, n_groups: int, q: float = 0.5, *,
                          confidence_level: float = 0.95, alternative: str = "two-sided",
                          bottom: float = -np.inf) -> GroupedIntervals:
    """The ``q`` quantile of every group, with its order-statistic interval, from counts.

    Equal to `kpitools.stats.quantiles.grouped_quantile_ci` on the rows the table counts
    (``np.repeat(values, counts)`` with their codes).

    Parameters
    ----------
    values : array of float
        The distinct values (a value may appear in several groups, or twice in one group).
    counts : array of int
        How many rows have each value.
    codes : array of int
        The group ``0..n_groups−1`` of each entry.
    n_groups : int
    q : float, default 0.5
    confidence_level : float, default 0.95
    alternative : {"two-sided", "less", "greater"}
    bottom : float, default -inf
        Lower end of the scale where no order statistic is low enough (0 for durations).

    Returns
    -------
    GroupedIntervals
        ``(estimate, low, high, n, coverage)`` per group; a group without rows has NaN and
        ``n = 0``.

    Notes
    -----
    With the entries sorted by (group, value) and ``C`` the cumulative counts, the k-th
    order statistic (1-based) of a group is the value of the first entry whose cumulative
    count within the group reaches k, found with ``numpy.searchsorted``. Estimate: type 7,
    ``X_(⌊h⌋+1) + (h − ⌊h⌋)(X_(⌊h⌋+2) − X_(⌊h⌋+1))`` with ``h = (n − 1) q`` [HF96]_;
    interval ranks from `kpitools.stats.quantiles.quantile_ci_ranks` [Conover99]_.

    Examples
    --------
    >>> res = frequency_quantile_ci([1.0, 2.0, 3.0], [2, 5, 3], [0, 0, 0], 1)
    >>> float(res.estimate[0]), int(res.n[0])
    (2.0, 10)
    """
    check_confidence_level(confidence_level)
    check_alternative(alternative)
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must be strictly between 0 and 1, got {q!r}")
    x, c, g = _check_table(values, counts, codes, n_groups)
    keep = c > 0
    x, c, g = x[keep], c[keep], g[keep]
    order = _group_value_order(x, g, n_groups)
    if order is not None:
        x, c, g = x[order], c[order], g[order]
    cum = np.cumsum(c)
    n = np.bincount(g, weights=c, minlength=n_groups).astype(np.int64)
    before = np.concatenate([[0], np.cumsum(n)[:-1]]).astype(np.int64)
    plan = rank_plan(n, q, confidence_level, alternative)
    if plan is None:
        return intervals_from_ranks(plan, np.empty(0), n, bottom)
    # the k-th (0-based) smallest value of each group with rows: the first entry whose
    # cumulative count passes the group's start plus k (an open end reads rank 0, unused)
    base = before[plan.has]
    at = x[np.searchsorted(cum, base + np.maximum(plan.ranks, 0) + 1, side="left")]
    return intervals_from_ranks(plan, at, n, bottom)


def _group_value_order(x: np.ndarray, g: np.ndarray, n_groups: int) -> np.ndarray | None:
    """The order sorting entries by (group, value); None when they are sorted already.

    Stable sorts on narrow group codes (NumPy's radix sort for 16-bit integers): by group
    alone when each group's values are already ascending (an engine's ``ORDER BY``),
    else by value and then by group.
    """
    if x.size < 2:
        return None
    dg = np.diff(g)
    if np.all((dg > 0) | ((dg == 0) & (np.diff(x) >= 0))):
        return None
    narrow = g.astype(np.int16 if n_groups < 2**15 else np.int32)
    by_group = np.argsort(narrow, kind="stable")
    xs, gs = x[by_group], narrow[by_group]
    if np.all((np.diff(gs) > 0) | (np.diff(xs) >= 0)):
        return by_group
    by_value = np.argsort(x, kind="stable")
    return by_value[np.argsort(narrow[by_value], kind="stable")]


def frequency_moments(values, counts, codes, n_groups: int
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count, mean and ``Σ (x − mean)²`` of every group from a frequency table.

    The same numbers as `kpitools.tables.keys.grouped_moments` on the rows the table
    counts: the means first, then the squared deviations from each group's mean weighted by
    the counts (two passes, no ``Σx² − (Σx)²/n`` cancellation [CGL83]_).

    Examples
    --------
    >>> count, mean, m2 = frequency_moments([1.0, 3.0], [1, 3], [0, 0], 1)
    >>> int(count[0]), float(mean[0]), float(m2[0])
    (4, 2.5, 3.0)
    """
    x, c, g = _check_table(values, counts, codes, n_groups)
    keep = c > 0
    x, g, w = x[keep], g[keep], c[keep].astype(float)
    count = np.bincount(g, weights=w, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(g, weights=w * x, minlength=n_groups) / count
    dev = x - mean[g] if g.size else x
    m2 = np.bincount(g, weights=w * dev * dev, minlength=n_groups)
    return count.astype(np.int64), mean, m2


def frequency_kruskal(values, counts, codes, n_groups: int) -> tuple[float, float]:
    """The Kruskal–Wallis H test [KW52]_ across ``n_groups`` groups from a frequency table.

    ``values[i]`` occurs ``counts[i]`` times in group ``codes[i]``. Each distinct value gets
    the mid-rank of its tied run among all answers, ``R_g`` is the sum of group ``g``'s
    ranks, ``H = 12 / (N (N + 1)) · Σ R_g² / n_g − 3 (N + 1)``, divided by the tie correction
    ``1 − Σ (t³ − t) / (N³ − N)``; the p-value is ``P(χ²_{k−1} > H)`` with ``k`` the groups
    with answers — what ``scipy.stats.kruskal`` gives of the answers themselves.

    Returns
    -------
    (statistic, pvalue)
        NaN for both with fewer than two groups with answers or a single distinct value.

    Examples
    --------
    >>> h, p = frequency_kruskal([1, 2, 5, 6, 3, 4], [1] * 6, [0, 0, 1, 1, 2, 2], 3)
    >>> round(h, 3), round(p, 4)
    (4.571, 0.1017)
    """
    from scipy.stats import chi2

    x, c, g = _check_table(values, counts, codes, n_groups)
    c = c.astype(float)
    keep = c > 0
    x, c, g = x[keep], c[keep], g[keep]
    n_g = np.bincount(g, weights=c, minlength=n_groups)
    k = int(np.count_nonzero(n_g))
    distinct, where = np.unique(x, return_inverse=True)
    if k < 2 or distinct.size < 2:
        return float("nan"), float("nan")
    t = np.bincount(where, weights=c, minlength=distinct.size)
    n = float(t.sum())
    midrank = np.cumsum(t) - (t - 1) / 2  # the mean rank of each tied run
    rank_sums = np.bincount(g, weights=c * midrank[where], minlength=n_groups)
    used = n_g > 0
    h = 12.0 / (n * (n + 1)) * float((rank_sums[used] ** 2 / n_g[used]).sum()) - 3 * (n + 1)
    h /= 1.0 - float((t ** 3 - t).sum()) / (n ** 3 - n)
    return float(h), float(chi2.sf(h, k - 1))
