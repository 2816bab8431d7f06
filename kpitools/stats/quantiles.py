"""Array-level statistics of durations: quantile CIs, bootstrap mean, Hodges–Lehmann shift.

Everything here takes plain arrays of numbers (no pandas) and is vectorised:

* `quantile_ci` / `median_ci`: distribution-free confidence interval of a quantile from two
  order statistics, with ranks from the binomial distribution [Conover99]_ [HM91]_;
  `grouped_quantile_ci` does every group at once: a radix sort by group code, then
  ``np.partition`` at the four ranks needed (or one sort when the groups are many and small).
* `bootstrap_mean_ci`: seeded percentile bootstrap of the mean [ET93]_, vectorised over
  resamples (`grouped_bootstrap_mean_ci` restarts the seed for every group). A sample of
  `COUNTS_FROM` values or more with at most 1/16 as many distinct values (durations in
  whole seconds) is resampled as multinomial counts of its distinct values: the same
  bootstrap distribution at a cost that does not grow with n (`bootstrap_means`).
* `hodges_lehmann`: the Hodges–Lehmann estimate of the shift between two samples with its
  distribution-free interval from the Mann–Whitney distribution [HL63]_ [HWC14]_, exact for
  small untied samples, normal approximation otherwise; found by selection on the sorted
  samples, so it works on a million rows without forming the n·m pairwise differences.
* `bootstrap_diff_ci`: seeded percentile bootstrap of a difference of medians, means or
  quantiles; `bootstrap_mean_diff_ci` the difference of means, by counts where that applies.

References
----------
.. [Conover99] Conover WJ (1999). Practical Nonparametric Statistics, 3rd ed. Wiley, §3.2
   (confidence interval for a quantile from order statistics).
.. [HM91] Hahn GJ, Meeker WQ (1991). Statistical Intervals: A Guide for Practitioners.
   Wiley, §5.2 (distribution-free intervals for a percentile).
.. [ET93] Efron B, Tibshirani RJ (1993). An Introduction to the Bootstrap. Chapman & Hall,
   ch. 13 (percentile interval); ch. 20–21 (a bootstrap sample as its resampling vector:
   the numbers of times each observation is drawn, multinomial with equal probabilities).
.. [HL63] Hodges JL, Lehmann EL (1963). Estimates of location based on rank tests. Ann Math
   Stat 34:598–611.
.. [HWC14] Hollander M, Wolfe DA, Chicken E (2014). Nonparametric Statistical Methods, 3rd
   ed. Wiley, §4.3 (two-sample location shift: estimator and confidence interval).
.. [HF96] Hyndman RJ, Fan Y (1996). Sample quantiles in statistical packages. Am Stat
   50:361–365 (definition 7, numpy's default "linear", is the point estimate here).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from kpitools.core import parallel
from kpitools.core.validation import check_alternative, check_confidence_level

__all__ = [
    "IntervalEstimate",
    "ShiftEstimate",
    "HodgesLehmannRanks",
    "QuantileRanks",
    "GroupedIntervals",
    "GroupedMeans",
    "quantile_ci_ranks",
    "quantile_ci",
    "median_ci",
    "grouped_quantile_ci",
    "grouped_quantile_ci_ticks",
    "bootstrap_mean_ci",
    "grouped_bootstrap_mean_ci",
    "hodges_lehmann",
    "hodges_lehmann_ranks",
    "hodges_lehmann_counted",
    "kth_difference_counted",
    "mann_whitney_cdf",
    "bootstrap_diff_ci",
    "bootstrap_mean_diff_ci",
    "bootstrap_means",
    "COUNTS_FROM",
]

#: Exact Mann–Whitney distribution for the Hodges–Lehmann interval up to this n_a·n_b.
EXACT_HL_MAX_PAIRS = 2500
#: Bootstrap draws are made in chunks of at most this many indices.
_CHUNK_CELLS = 4_000_000
#: Values in a sample from which the bootstrap of its mean draws multinomial counts of its
#: distinct values (when they are at most 1/`_COUNTS_SHARE` as many): below, every
#: resample draws its rows one by one, as it always has (the same intervals as before for
#: the same seed).
COUNTS_FROM = 10_000
#: A multinomial draw costs ~90 ns per distinct value, a row ~5 ns while the sample fits
#: in the cache (~60 ns past it): counts pay from 16 values per distinct value on.
_COUNTS_SHARE = 16


class HodgesLehmannRanks(NamedTuple):
    """Ranks (1-based, None for an open side) of the ordered differences that bound a
    Hodges–Lehmann interval, and the method name."""

    low: int | None
    high: int | None
    method: str


class IntervalEstimate(NamedTuple):
    """An estimate with its confidence limits; unpacks as ``estimate, low, high``."""

    estimate: float
    low: float
    high: float

    def to_frame(self) -> pd.DataFrame:
        """One tidy row: ``estimate, ci_low, ci_high``."""
        return pd.DataFrame([{"estimate": self.estimate, "ci_low": self.low,
                              "ci_high": self.high}])


class ShiftEstimate(NamedTuple):
    """A shift ``b − a`` with its interval and method; unpacks as ``shift, low, high, method``."""

    shift: float
    low: float
    high: float
    method: str

    def to_frame(self) -> pd.DataFrame:
        """One tidy row: ``shift, ci_low, ci_high, method``."""
        return pd.DataFrame([{"shift": self.shift, "ci_low": self.low, "ci_high": self.high,
                              "method": self.method}])


class QuantileRanks(NamedTuple):
    """1-based order-statistic ranks of a quantile interval and its exact coverage."""

    lower: np.ndarray | int
    upper: np.ndarray | int
    coverage: np.ndarray | float

    def to_frame(self) -> pd.DataFrame:
        """One row per sample size: ``lower_rank, upper_rank, coverage``."""
        return pd.DataFrame({"lower_rank": np.atleast_1d(self.lower),
                             "upper_rank": np.atleast_1d(self.upper),
                             "coverage": np.atleast_1d(self.coverage)})


class GroupedIntervals(NamedTuple):
    """Per-group estimates, limits and sizes (arrays, one element per group code).

    ``coverage`` is the exact coverage of order-statistic intervals, NaN for the bootstrap.
    """

    estimate: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n: np.ndarray
    coverage: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        """One row per group code: ``group, estimate, ci_low, ci_high, n, coverage``."""
        return pd.DataFrame({"group": np.arange(len(self.estimate)), "estimate": self.estimate,
                             "ci_low": self.low, "ci_high": self.high, "n": self.n,
                             "coverage": self.coverage})


class GroupedMeans(NamedTuple):
    """Per-group bootstrap means, limits and sizes (arrays, one element per group code)."""

    estimate: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        """One row per group code: ``group, estimate, ci_low, ci_high, n``."""
        return pd.DataFrame({"group": np.arange(len(self.estimate)), "estimate": self.estimate,
                             "ci_low": self.low, "ci_high": self.high, "n": self.n})


def _levels(confidence_level: float, alternative: str) -> tuple[float, float]:
    """Tail probabilities (lower, upper) that the interval may miss."""
    alpha = 1.0 - confidence_level
    if alternative == "two-sided":
        return alpha / 2.0, alpha / 2.0
    if alternative == "greater":
        return alpha, 0.0
    return 0.0, alpha


def quantile_ci_ranks(n, q: float = 0.5, *, confidence_level: float = 0.95,
                      alternative: str = "two-sided") -> QuantileRanks:
    """Ranks ``(r, s)`` of the order statistics that bound the ``q`` quantile, and coverage.

    For a sample of size n from a continuous distribution, the number B of observations
    below the true quantile ξ_q is Binomial(n, q), so
    ``P(X_(r) ≤ ξ_q ≤ X_(s)) = F(s − 1) − F(r − 1)`` with F the Binomial(n, q) cdf
    [Conover99]_. ``r`` is the binomial ``α/2`` quantile and ``s`` one more than the ``1 − α/2``
    quantile, so that each tail has probability at most ``α/2`` (the interval is
    conservative). ``r = 0`` means no order statistic is low enough (the lower bound is the
    bottom of the scale); ``s = n + 1`` means none is high enough (upper bound +∞).

    Parameters
    ----------
    n : int or array of int
    q : float, default 0.5
    confidence_level : float, default 0.95
    alternative : {"two-sided", "less", "greater"}

    Returns
    -------
    QuantileRanks
        ``(lower, upper, coverage)``: arrays (or scalars) of 1-based ranks and the exact
        coverage; unpacks as ``r, s, coverage``.

    Examples
    --------
    >>> r, s, coverage = quantile_ci_ranks(100, 0.5)
    >>> int(r), int(s), round(float(coverage), 4)
    (40, 61, 0.9648)
    """
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must be strictly between 0 and 1, got {q!r}")
    m = np.asarray(n, dtype=np.int64)
    if np.any(m < 1):
        raise ValueError("quantile intervals need at least one observation")
    if m.ndim == 1 and m.size > 256:  # many groups, few sizes: each size once
        sizes, where = np.unique(m, return_inverse=True)
        if sizes.size * 2 < m.size:
            r, s, c = quantile_ci_ranks(sizes, q, confidence_level=level,
                                        alternative=alternative)
            return QuantileRanks(np.asarray(r)[where], np.asarray(s)[where],
                                 np.asarray(c)[where])
    low_tail, high_tail = _levels(level, alternative)
    if low_tail > 0:
        r = stats.binom.ppf(low_tail, m, q).astype(np.int64)
    else:
        r = np.zeros_like(m)
    if high_tail > 0:
        s = stats.binom.ppf(1.0 - high_tail, m, q).astype(np.int64) + 1
    else:
        s = m + 1
    r = np.clip(r, 0, m)
    s = np.clip(s, 1, m + 1)
    coverage = stats.binom.cdf(s - 1, m, q) - np.where(r > 0, stats.binom.cdf(r - 1, m, q), 0.0)
    if np.ndim(r) == 0:
        return QuantileRanks(int(r), int(s), float(coverage))
    return QuantileRanks(r, s, coverage)


def _check_values(values) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    if x.ndim != 1:
        raise ValueError("values must be one-dimensional")
    if np.isnan(x).any():
        raise ValueError("values contain NaN; the KPI functions exclude missing values first")
    if np.isinf(x).any():
        raise ValueError("values contain ±inf; an infinite duration is invalid (the KPI "
                         "functions refuse or exclude it, as a negative one)")
    if x.size == 0:
        raise ValueError("no values")
    return x


def quantile_ci(values, q: float = 0.5, *, confidence_level: float = 0.95,
                alternative: str = "two-sided", bottom: float = -np.inf
                ) -> IntervalEstimate:
    """The ``q`` quantile with its distribution-free order-statistic interval.

    Parameters
    ----------
    values : array-like of float
    q : float, default 0.5
        0.5 for the median, 0.9 for p90.
    confidence_level : float, default 0.95
    alternative : {"two-sided", "less", "greater"}
        ``"greater"`` gives ``(low, +inf)``, ``"less"`` ``(bottom, high)``.
    bottom : float, default -inf
        Lower end of the scale, used when no order statistic is low enough (0 for
        durations).

    Returns
    -------
    IntervalEstimate
        ``(estimate, low, high)``: the type-7 sample quantile [HF96]_ and the interval
        ``[X_(r), X_(s)]`` with ranks from `quantile_ci_ranks` [Conover99]_ [HM91]_.

    Examples
    --------
    >>> quantile_ci([5, 1, 4, 2, 3, 9, 7, 6, 8, 10])
    IntervalEstimate(estimate=5.5, low=2.0, high=9.0)
    """
    x = _check_values(values)
    res = grouped_quantile_ci(x, np.zeros(x.size, dtype=np.int64), 1, q,
                              confidence_level=confidence_level, alternative=alternative,
                              bottom=bottom)
    return IntervalEstimate(float(res[0][0]), float(res[1][0]), float(res[2][0]))


def median_ci(values, *, confidence_level: float = 0.95, alternative: str = "two-sided",
              bottom: float = -np.inf) -> IntervalEstimate:
    """The median with its order-statistic (binomial) interval; see `quantile_ci`.

    >>> median_ci(range(1, 101))
    IntervalEstimate(estimate=50.5, low=40.0, high=61.0)
    """
    return quantile_ci(values, 0.5, confidence_level=confidence_level,
                       alternative=alternative, bottom=bottom)


class RankPlan(NamedTuple):
    """The order statistics a grouped quantile and its interval read, per group with rows.

    ``ranks`` holds, per group with rows (``has``), four 0-based ranks: the two that the
    type-7 estimate interpolates between (``⌊h⌋`` and ``⌊h⌋ + 1``, ``h = (n − 1) q``) and the
    interval's lower and upper order statistics (−1 where that end is open).
    """

    has: np.ndarray
    h: np.ndarray
    ranks: np.ndarray
    open_low: np.ndarray
    open_high: np.ndarray
    coverage: np.ndarray


def rank_plan(n: np.ndarray, q: float, confidence_level: float, alternative: str
              ) -> RankPlan | None:
    """The `RankPlan` of groups of sizes ``n`` (None when every group is empty).

    >>> plan = rank_plan(np.array([5, 0]), 0.5, 0.9, "two-sided")
    >>> plan.ranks[:, 0].tolist()
    [2, 3, 0, 4]
    """
    has = n > 0
    if not has.any():
        return None
    nh = n[has]
    h = (nh - 1) * q
    lo = np.floor(h).astype(np.int64)
    hi = np.minimum(lo + 1, nh - 1)
    r, s, coverage = quantile_ci_ranks(nh, q, confidence_level=confidence_level,
                                       alternative=alternative)
    r, s = np.atleast_1d(r), np.atleast_1d(s)
    open_low, open_high = r <= 0, s > nh
    ranks = np.stack([lo, hi, np.where(open_low, -1, r - 1), np.where(open_high, -1, s - 1)])
    return RankPlan(has, h, ranks, open_low, open_high, np.atleast_1d(coverage))


def intervals_from_ranks(plan: RankPlan | None, at: np.ndarray, n: np.ndarray,
                         bottom: float) -> GroupedIntervals:
    """`GroupedIntervals` from the values ``at`` (shape of ``plan.ranks``) at the planned
    order statistics; an open lower end is ``bottom``, an open upper end ``inf``."""
    est, low, high, cov = (np.full(n.shape, np.nan) for _ in range(4))
    if plan is not None:
        has, lo = plan.has, plan.ranks[0]
        est[has] = at[0] + (plan.h - lo) * (at[1] - at[0])
        low[has] = np.where(plan.open_low, bottom, at[2])
        high[has] = np.where(plan.open_high, np.inf, at[3])
        cov[has] = plan.coverage
    return GroupedIntervals(est, low, high, n, cov)


def grouped_quantile_ci(values, codes, n_groups: int, q: float = 0.5, *,
                        confidence_level: float = 0.95, alternative: str = "two-sided",
                        bottom: float = -np.inf) -> GroupedIntervals:
    """`quantile_ci` for every group at once, without a loop of sorts over groups.

    Only four order statistics of each group are read (the two around the type-7 point
    estimate [HF96]_ and the two interval ranks [Conover99]_), so the values are put in
    group order by a radix sort of the group codes and each group's block is then
    partitioned (``np.partition``, linear time) at those ranks; with many small groups the
    values are instead sorted once and then stably by group. Either way the numbers are
    the order statistics a full sort by (group, value) gives.

    Parameters
    ----------
    values : array of float
    codes : array of int
        Group code ``0..n_groups−1`` of each value.
    n_groups : int

    Returns
    -------
    GroupedIntervals
        ``(estimate, low, high, n, coverage)``: arrays of length ``n_groups``; a group without
        values has NaN estimates and n = 0.

    Examples
    --------
    >>> res = grouped_quantile_ci([3.0, 1.0, 2.0, 10.0, 30.0, 20.0], [0, 0, 0, 1, 1, 1], 3)
    >>> res.estimate.tolist()[:2], res.n.tolist()
    ([2.0, 20.0], [3, 3, 0])
    """
    check_confidence_level(confidence_level)
    check_alternative(alternative)
    x = np.asarray(values, dtype=float)
    g = np.asarray(codes)
    if g.shape != x.shape:
        raise ValueError(f"codes have shape {g.shape}, values {x.shape}")
    if g.size and not np.issubdtype(g.dtype, np.integer):
        raise TypeError(f"codes must be integers, got dtype {g.dtype}")
    if g.size and (int(g.min()) < 0 or int(g.max()) >= n_groups):
        bad = int(np.flatnonzero((g < 0) | (g >= n_groups))[0])
        raise ValueError(f"group code {int(g[bad])!r} at position {bad} is outside "
                         f"0..{n_groups - 1}")
    if n_groups == 1 and x.size:
        return _single_quantile_ci(x, q, confidence_level, alternative, bottom)
    n = np.bincount(g, minlength=n_groups).astype(np.int64)
    plan = rank_plan(n, q, confidence_level, alternative)
    if plan is None:
        return intervals_from_ranks(plan, np.empty(0), n, bottom)
    ranks = plan.ranks
    at = _bucketed_order_statistics(x, g, n, ranks)
    if at is None:
        xs = _grouped_order_statistics(x, g, n, ranks)
        at = xs[(np.cumsum(n) - n)[plan.has] + np.maximum(ranks, 0)]
    return intervals_from_ranks(plan, at, n, bottom)


#: Partition group by group (rather than sort everything) up to this many groups ...
_PARTITION_MAX_GROUPS = 5_000
#: ... when the groups hold at least this many values on average.
_PARTITION_MIN_SIZE = 64


def _group_order(g: np.ndarray, n_groups: int) -> np.ndarray:
    """Stable order of the rows by group code: a radix sort on 16-bit digits.

    NumPy's stable sort is a radix sort (linear time) for integers of 16 bits or less; codes
    of up to 32,767 groups take one such pass, larger ones two (low digit, then high digit:
    the least-significant-digit radix sort).
    """
    if n_groups <= np.iinfo(np.int16).max:
        return np.argsort(g.astype(np.int16, copy=False), kind="stable")
    wide = g.astype(np.int64, copy=False)
    order = np.argsort((wide & 0xFFFF).astype(np.uint16), kind="stable")
    if n_groups <= 1 << 16:
        return order
    high = (wide[order] >> 16).astype(np.uint16)
    if n_groups <= 1 << 32:
        return order[np.argsort(high, kind="stable")]
    return order[np.argsort(wide[order] >> 16, kind="stable")]


def _grouped_order_statistics(x: np.ndarray, g: np.ndarray, n: np.ndarray,
                              ranks: np.ndarray) -> np.ndarray:
    """``x`` in blocks by group code, each block right at its ``ranks`` (0-based, −1: none).

    ``ranks`` has one row per order statistic needed and one column per non-empty group.
    Few, large groups: one radix sort by group, then each block is partitioned at its ranks
    (``np.partition``: the values there are the order statistics, the rest is unordered).
    Many small groups: the values are sorted once and then stably by group, so every block
    is sorted. NaN sort last in both, as in ``np.lexsort((x, g))``.
    """
    present = np.flatnonzero(n)
    if present.size <= _PARTITION_MAX_GROUPS and x.size >= _PARTITION_MIN_SIZE * present.size:
        xs = x[_group_order(g, n.size)]
        start = (np.cumsum(n) - n)[present].tolist()
        size = n[present].tolist()
        for a, m, kth in zip(start, size, ranks.T.tolist(), strict=True):
            xs[a:a + m].partition(sorted({k for k in kth if k >= 0}))
        return xs
    by_value = np.argsort(x)
    return x[by_value[_group_order(g[by_value], n.size)]]


#: The bucket of a non-negative double: its bits shifted right by 49 — the exponent and
#: the top 3 bits of the mantissa (8 buckets per power of two), in the order of the values.
_BUCKET_SHIFT = 49
#: The buckets path is taken from this many values on ...
_BUCKET_MIN_VALUES = 200_000
#: ... while groups × buckets stays below this.
_BUCKET_MAX_CELLS = 1 << 24


def _bucketed_order_statistics(x: np.ndarray, g: np.ndarray, n: np.ndarray,
                               ranks: np.ndarray) -> np.ndarray | None:
    """The values at ``ranks`` (as `_grouped_order_statistics`: one row per order statistic,
    one column per non-empty group, 0-based, −1: none → NaN) without ordering every value.

    Non-negative finite values only (durations; None otherwise, and for few values or too
    many groups × buckets): each value's bucket is read from its bits (`_BUCKET_SHIFT`: a
    non-negative double's bits, as an integer, grow with it), the values are counted per
    group and bucket (one ``bincount``), each rank is found in its group's cumulative bucket
    counts, and only the values in the buckets holding a rank are ordered
    (`_grouped_order_statistics` on those blocks). The values read are the same as from a
    full sort by (group, value): every value of a lower bucket is smaller, of a higher one
    larger.
    """
    present = np.flatnonzero(n)
    if x.size < _BUCKET_MIN_VALUES or not present.size:
        return None
    smallest, largest = x.min(), x.max()
    if not (smallest >= 0.0 and largest < np.inf):  # NaN, negative or infinite values
        return None
    first = max(int(np.float64(smallest).view(np.int64)) >> _BUCKET_SHIFT, 0)
    width = (int(np.float64(largest).view(np.int64)) >> _BUCKET_SHIFT) - first + 1
    groups = n.size
    if groups * width > _BUCKET_MAX_CELLS or present.size * width * 4 > _BUCKET_MAX_CELLS:
        return None
    key = x.view(np.int64) >> _BUCKET_SHIFT
    np.maximum(key, first, out=key)  # −0.0 (sign bit set) with 0.0
    key -= first
    key += np.multiply(g, width, dtype=np.int64)
    counts = np.bincount(key, minlength=groups * width).reshape(groups, width)
    cum = np.cumsum(counts[present], axis=1)  # (groups present, buckets)
    wanted = ranks >= 0
    rank = np.where(wanted, ranks, 0)
    # the bucket holding each rank: how many buckets end at or before it
    bucket = (cum[None, :, :] <= rank[:, :, None]).sum(axis=2)
    ends = np.concatenate([np.zeros((present.size, 1), dtype=cum.dtype), cum], axis=1)
    before = ends[np.arange(present.size)[None, :], bucket]  # values in lower buckets
    cell = present[None, :] * width + bucket
    cells, chunk = np.unique(cell[wanted], return_inverse=True)
    lookup = np.full(groups * width, -1, dtype=np.int32)
    lookup[cells] = np.arange(cells.size, dtype=np.int32)
    row_chunk = lookup[key]
    del key
    rows = np.flatnonzero(row_chunk >= 0)
    sub, sub_chunk = x[rows], row_chunk[rows]
    del row_chunk, rows
    size = np.bincount(sub_chunk, minlength=cells.size).astype(np.int64)
    slots = np.full((len(ranks), cells.size), -1, dtype=np.int64)
    kind = np.nonzero(wanted)[0]
    slots[kind, chunk] = (rank - before)[wanted]
    xs = _grouped_order_statistics(sub, sub_chunk, size, slots)
    start = np.cumsum(size) - size
    out = np.full(ranks.shape, np.nan)
    out[wanted] = xs[start[chunk] + (rank - before)[wanted]]
    return out


#: `grouped_quantile_ci_ticks`: a non-negative int64's bucket comes from the bits of its
#: float64 value (which grow with it) shifted right by `_TICK_PRESHIFT` (the exponent and
#: the top 12 mantissa bits: 4,096 steps per power of two), less those of the lowest value
#: given its own buckets, mapped linearly onto the buckets (fixed point, `_TICK_FRACTION`
#: bits): at most 16 buckets per power of two, fewer when groups × buckets would exceed
#: `_TICK_MAX_CELLS`. Values below the lowest (zeros, the smallest 0.1 % of a sample) share
#: the first bucket.
_TICK_PRESHIFT = 40
_TICK_FINEST = 1 << 8  # pre-shifted steps per bucket at the finest: 16 per power of two
_TICK_FRACTION = 20
#: Groups × buckets up to this many cells (a bincount of int64).
_TICK_MAX_CELLS = 1 << 22
#: Rows per block of the two passes (their temporaries stay in the cache).
_TICK_BLOCK = 1 << 16
#: The lowest value with its own buckets: the smallest positive one of about this many kept
#: rows taken at an even stride, after the lowest `_TICK_LOW_SHARE` of them.
_TICK_SAMPLE = 1 << 13
_TICK_LOW_SHARE = 0.001


def grouped_quantile_ci_ticks(ticks: np.ndarray, keep: np.ndarray, codes: np.ndarray,
                              n_groups: int, q: float = 0.5, *,
                              scale: Callable[[np.ndarray], np.ndarray],
                              confidence_level: float = 0.95, alternative: str = "two-sided",
                              bottom: float = -np.inf) -> GroupedIntervals | None:
    """`grouped_quantile_ci` of ``scale(ticks[keep])`` by ``codes[keep]``, from int64 ticks.

    For durations kept as integer clock ticks (``end − start`` of datetime64 columns): the
    order statistics are read on the integers and only the few needed are scaled, so no
    float column of every row is built. ``scale`` must be non-decreasing (e.g. ticks →
    seconds → minutes): then the k-th smallest of ``scale(t)`` is ``scale`` of the k-th
    smallest ``t``, and the result equals ``grouped_quantile_ci(scale(ticks[keep]),
    codes[keep], n_groups, q, ...)`` exactly.

    Two passes over the rows in blocks: (1) each kept row's cell, group × bucket (from the
    bits of its float value: up to 16 buckets per power of two, spread evenly from a
    sample's low end to the largest value, fewer when the groups are many), counted by one
    ``bincount``; the ranks are found in the cumulative counts; (2) the rows of the cells
    holding a rank are gathered and partitioned at their ranks
    (`_grouped_order_statistics`), or, when those cells are many, sorted by one int64
    (cell, value) key of which only the needed positions are read.

    Parameters
    ----------
    ticks : array of int64
        Non-negative where ``keep`` (`ValueError` otherwise; other rows are ignored, any
        value).
    keep : array of bool
    codes : array of int
        Group code ``0..n_groups−1`` of every row.
    n_groups : int
    scale : callable
        Non-decreasing map of an int64 array to the values (float array).

    Returns
    -------
    GroupedIntervals or None
        None when the groups alone exceed `_TICK_MAX_CELLS` (use `grouped_quantile_ci`).
    """
    check_confidence_level(confidence_level)
    check_alternative(alternative)
    cells = tick_cells(ticks, keep, codes, n_groups)
    if cells is None:
        return None
    n = cells.n
    plan = rank_plan(n, q, confidence_level, alternative)
    if plan is None:
        return intervals_from_ranks(plan, np.empty(0), n, bottom)
    ranks = plan.ranks
    wanted = ranks >= 0
    # each wanted rank's position among all kept rows in (group, value) order
    base = (np.cumsum(n) - n)[np.flatnonzero(plan.has)]
    found = ticks_at_positions(np.asarray(ticks), cells, (base[None, :] + ranks)[wanted])
    at = np.full(ranks.shape, np.nan)
    at[wanted] = scale(found)
    return intervals_from_ranks(plan, at, n, bottom)


#: Rows from which the passes of `tick_cells` and `ticks_at_positions` run in threads,
#: one consecutive part of the rows each (NumPy's loops release the GIL; the parts'
#: results are joined in order, so the result does not depend on the number of threads).
_THREADED_FROM = 1 << 22


class TickCells(NamedTuple):
    """The first pass of `grouped_quantile_ci_ticks` (`tick_cells`): every row's cell,
    group × bucket (``cells`` for a row not kept), the kept rows per cell, and per group."""

    cell: np.ndarray
    counts: np.ndarray
    n: np.ndarray


def tick_cells(ticks: np.ndarray, keep: np.ndarray, codes: np.ndarray, n_groups: int
               ) -> TickCells | None:
    """Each kept row's cell, group × bucket, where the cells' order (groups, then buckets)
    is that of the values within a group: the first pass of `grouped_quantile_ci_ticks`,
    counted by one ``bincount`` (in blocks of `_TICK_BLOCK` rows).

    ``ticks`` int64, non-negative where ``keep`` (other rows: any value); ``codes`` the
    group of every row, ``0..n_groups−1``. None when the groups alone exceed
    `_TICK_MAX_CELLS`. `ticks_at_positions` then reads the values at any positions of the
    kept rows in (group, value) order.

    Examples
    --------
    >>> ticks = np.array([30, 10, 20, 5, 99], dtype=np.int64)
    >>> got = tick_cells(ticks, np.array([1, 1, 1, 1, 0], bool), np.array([0, 0, 0, 1, 1]), 2)
    >>> got.n.tolist(), ticks_at_positions(ticks, got, np.array([0, 2, 3])).tolist()
    ([3, 1], [10, 30, 5])
    """
    t = np.asarray(ticks)
    if t.dtype != np.int64:
        raise TypeError(f"ticks must be int64, got dtype {t.dtype}")
    keep = np.asarray(keep, dtype=bool)
    g = np.asarray(codes)
    if not (g.shape == t.shape == keep.shape):
        raise ValueError(f"ticks {t.shape}, keep {keep.shape} and codes {g.shape} differ")
    if n_groups < 1 or n_groups > _TICK_MAX_CELLS:
        return None
    size = t.size
    big = np.iinfo(np.int64).max
    smallest = int(t.min(where=keep, initial=big)) if size else big
    largest = int(t.max(where=keep, initial=0)) if size else 0
    if smallest == big:
        smallest = largest = 0
    if smallest < 0:
        raise ValueError("ticks must be non-negative where keep is true")
    low_step = _lowest_bucketed(t, keep, smallest) >> _TICK_PRESHIFT
    span = (int(np.float64(largest).view(np.int64)) >> _TICK_PRESHIFT) - low_step + 1
    width = max(1, min(_TICK_MAX_CELLS // n_groups, -(-span // _TICK_FINEST)))
    # step (0..span−1) → bucket (step · mul) >> _TICK_FRACTION, below width: non-decreasing
    # (any non-decreasing map below width gives the same result; only the speed differs)
    mul = np.int64(max(1, (width << _TICK_FRACTION) // span))
    # the finest buckets (few groups): step >> 8, one shift instead of the product
    down = _TICK_FINEST.bit_length() - 1 if width * _TICK_FINEST >= span else None
    cells = n_groups * width
    cell = np.empty(size, dtype=np.int32)
    step = np.int32(width)
    all_kept = bool(keep.all())

    def fill(start: int, stop: int) -> np.ndarray:
        buf = np.empty(min(stop - start, _TICK_BLOCK))
        bits = buf.view(np.int64)
        for a in range(start, stop, _TICK_BLOCK):
            e = min(a + _TICK_BLOCK, stop)
            m = e - a
            f, b, c = buf[:m], bits[:m], cell[a:e]
            np.copyto(f, t[a:e], casting="unsafe")  # int64 → float64: non-decreasing
            np.right_shift(b, _TICK_PRESHIFT, out=b)
            b -= low_step
            np.clip(b, 0, span - 1, out=b)  # (rows not kept: any value, then no cell)
            if down is None:
                b *= mul
                np.right_shift(b, _TICK_FRACTION, out=b)
            else:
                np.right_shift(b, down, out=b)
            np.multiply(g[a:e], step, out=c, casting="unsafe")
            np.add(c, b, out=c, casting="unsafe")
            if not all_kept:
                np.copyto(c, np.int32(cells), where=~keep[a:e])  # a cell past the groups
        return np.bincount(cell[start:stop], minlength=cells + 1)
    parts = parallel.by_parts(size, fill, block=_TICK_BLOCK,
                              threaded_from=_THREADED_FROM)
    counts = (parts[0] if len(parts) == 1 else np.sum(parts, axis=0))[:cells]
    return TickCells(cell, counts, counts.reshape(n_groups, width).sum(axis=1))


def ticks_at_positions(ticks: np.ndarray, cells: TickCells, pos: np.ndarray) -> np.ndarray:
    """The values (int64) at positions ``pos`` of the kept rows of `tick_cells` in
    (group, value) order: the cells holding them found in the cumulative counts, and only
    those cells' rows gathered (in blocks) and partitioned at their ranks, or, when the
    cells are many, sorted by one int64 (cell, value) key (`_picked_by_chunk`)."""
    t = np.asarray(ticks)
    cell, counts = cells.cell, cells.counts
    pos = np.asarray(pos, dtype=np.int64)
    if not pos.size:
        return np.zeros(0, dtype=np.int64)
    total = np.cumsum(counts)
    at_cell = np.searchsorted(total, pos, side="right")
    in_cell = pos - (total[at_cell] - counts[at_cell])
    needed, chunk = np.unique(at_cell, return_inverse=True)
    lookup = np.full(counts.size + 1, -1, dtype=np.int32)
    lookup[needed] = np.arange(needed.size, dtype=np.int32)

    def gather(start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        rows_parts, chunk_parts = [np.zeros(0, dtype=np.intp)], [np.zeros(0, np.int32)]
        for a in range(start, stop, _TICK_BLOCK):
            got = lookup[cell[a:min(a + _TICK_BLOCK, stop)]]
            idx = np.flatnonzero(got >= 0)
            rows_parts.append(idx + a)
            chunk_parts.append(got[idx])
        rows = np.concatenate(rows_parts)
        return t[rows], np.concatenate(chunk_parts)
    parts = parallel.by_parts(cell.size, gather, block=_TICK_BLOCK,
                              threaded_from=_THREADED_FROM)
    sub = np.concatenate([p[0] for p in parts])
    sub_chunk = np.concatenate([p[1] for p in parts])
    del parts
    sizes = np.bincount(sub_chunk, minlength=needed.size).astype(np.int64)
    start = np.cumsum(sizes) - sizes
    found = _picked_by_chunk(sub, sub_chunk, needed.size, start[chunk] + in_cell)
    if found is not None:
        return found
    # the ranks read in each needed cell (several ranks may share one): one row each
    order = np.lexsort((in_cell, chunk))
    run_start = np.ones(order.size, dtype=bool)
    run_start[1:] = chunk[order][1:] != chunk[order][:-1]
    step_no = np.arange(order.size)
    which = step_no - np.maximum.accumulate(np.where(run_start, step_no, 0))
    slots = np.full((int(which.max()) + 1, needed.size), -1, dtype=np.int64)
    slots[which, chunk[order]] = in_cell[order]
    xs = _grouped_order_statistics(sub, sub_chunk, sizes, slots)
    return xs[start[chunk] + in_cell]


def _lowest_bucketed(t: np.ndarray, keep: np.ndarray, smallest: int) -> int:
    """Float64 bits (as int64) of the lowest value given its own buckets: the low end of a
    sample of the positive kept values (`_TICK_SAMPLE` rows at an even stride, after the
    lowest `_TICK_LOW_SHARE`; ``smallest`` if higher or if there are none), so that zeros
    and a few very short durations do not stretch the buckets over many powers of two.
    (Any value gives the same result; only the speed depends on it.)"""
    stride = max(1, t.size // _TICK_SAMPLE)
    sample = t[::stride][keep[::stride]]
    sample = sample[sample > 0]
    low = smallest
    if sample.size:
        k = int(sample.size * _TICK_LOW_SHARE)
        low = max(low, int(np.partition(sample, k)[k]))
    return int(np.float64(low).view(np.int64))


def _picked_by_chunk(x: np.ndarray, chunk: np.ndarray, n_chunks: int, at: np.ndarray
                     ) -> np.ndarray | None:
    """The values at positions ``at`` of non-negative int64 ``x`` sorted by (chunk, value),
    from one sort of an int64 key (the chunk in the high bits, the value less its chunk's
    smallest in the low ones) when the chunks are many (`_grouped_order_statistics` would
    sort twice) and the key fits; None otherwise."""
    if n_chunks <= _PARTITION_MAX_GROUPS or not x.size:
        return None
    chunk_bits = (n_chunks - 1).bit_length()
    lowest = int(x.min())
    value_bits = (int(x.max()) - lowest).bit_length()
    if chunk_bits + value_bits <= 62:  # the values less the smallest of all fit
        offset = x - lowest
        smallest = np.full(n_chunks, lowest, dtype=np.int64)
    else:  # less each chunk's smallest
        smallest = np.full(n_chunks, np.iinfo(np.int64).max)
        np.minimum.at(smallest, chunk, x)
        offset = x - smallest[chunk]
        value_bits = int(offset.max()).bit_length()
        if chunk_bits + value_bits > 62:
            return None
    key = np.left_shift(chunk.astype(np.int64), value_bits)
    key |= offset
    del offset
    key = _sorted_keys(key, n_chunks, value_bits)
    got = key[at]
    return (got & ((1 << value_bits) - 1)) + smallest[got >> value_bits]


def _sorted_keys(key: np.ndarray, n_chunks: int, value_bits: int) -> np.ndarray:
    """``np.sort(key)`` of (chunk, value) keys; from `_THREADED_FROM` keys on, split by
    chunk into one range per core (every key of a range below the next range's) and the
    ranges sorted in threads."""
    parts = parallel.cores() if key.size >= _THREADED_FROM else 1
    if parts == 1:
        key.sort()
        return key
    cuts = [(n_chunks * i // parts) << value_bits for i in range(1, parts)]
    rank = np.searchsorted(np.asarray(cuts, dtype=np.int64), key, side="right")
    pieces = [key[rank == i] for i in range(parts)]
    del rank
    with ThreadPoolExecutor(parts, thread_name_prefix="kpitools-sort") as pool:
        list(pool.map(np.ndarray.sort, pieces))
    return np.concatenate(pieces)


def _single_quantile_ci(x: np.ndarray, q: float, confidence_level: float, alternative: str,
                        bottom: float) -> GroupedIntervals:
    """One group: select the needed order statistics with ``np.partition`` (O(n), no sort)."""
    n = x.size
    h = (n - 1) * q
    lo = int(np.floor(h))
    hi = min(lo + 1, n - 1)
    r, s, cov = quantile_ci_ranks(n, q, confidence_level=confidence_level,
                                  alternative=alternative)
    wanted = sorted({lo, hi} | ({int(r) - 1} if r > 0 else set())
                    | ({int(s) - 1} if s <= n else set()))
    part = np.partition(x, wanted)
    est = part[lo] + (h - lo) * (part[hi] - part[lo])
    low = part[r - 1] if r > 0 else bottom
    high = part[s - 1] if s <= n else np.inf
    one = np.ones(1)
    return GroupedIntervals(est * one, low * one, high * one, np.array([n], dtype=np.int64),
                            cov * one)


def _percentile(boot: np.ndarray, level: float, alternative: str, axis: int = 0):
    low_tail, high_tail = _levels(level, alternative)
    low = np.quantile(boot, low_tail, axis=axis) if low_tail > 0 else np.full(
        boot.shape[1 - axis] if boot.ndim == 2 else (), -np.inf)
    high = np.quantile(boot, 1.0 - high_tail, axis=axis) if high_tail > 0 else np.full(
        boot.shape[1 - axis] if boot.ndim == 2 else (), np.inf)
    return low, high


def grouped_bootstrap_mean_ci(values, codes, n_groups: int, *, confidence_level: float = 0.95,
                              alternative: str = "two-sided", n_resamples: int = 9999,
                              random_state=0) -> GroupedMeans:
    """Percentile-bootstrap interval of the mean of every group.

    Each resample draws, for every row of a group, a row of the same group with replacement;
    the draws of one group are a single vectorised matrix, made in chunks so that memory
    stays bounded. Seeded by ``random_state``: a seed (not a Generator) restarts for every
    group, so that a group's interval is the same whether it is computed alone
    (`bootstrap_mean_ci`, ``duration_kpi``) or among others (``summarize``).

    Returns
    -------
    GroupedMeans
        ``(estimate, low, high, n)``: arrays of length ``n_groups``.
    """
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    if int(n_resamples) < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples!r}")
    shared = random_state if isinstance(random_state, np.random.Generator) else None
    x = np.asarray(values, dtype=float)
    g = np.asarray(codes, dtype=np.int64)
    order = np.argsort(g, kind="stable")
    xs = x[order]
    n = np.bincount(g, minlength=n_groups).astype(np.int64)
    start = np.concatenate([[0], np.cumsum(n)[:-1]]).astype(np.int64)
    mean = np.full(n_groups, np.nan)
    low = np.full(n_groups, np.nan)
    high = np.full(n_groups, np.nan)
    has = n > 0
    if not has.any():
        return GroupedMeans(mean, low, high, n)
    sums = np.bincount(g, weights=x, minlength=n_groups)
    mean[has] = sums[has] / n[has]
    for grp in np.flatnonzero(has):
        rng = shared if shared is not None else np.random.default_rng(random_state)
        size = int(n[grp])
        block = xs[start[grp]:start[grp] + size]
        boot = bootstrap_means(block, int(n_resamples), rng)
        low[grp], high[grp] = _percentile(boot, level, alternative)
    return GroupedMeans(mean, low, high, n)


def bootstrap_means(values: np.ndarray, n_resamples: int, rng: np.random.Generator
                    ) -> np.ndarray:
    """The means of ``n_resamples`` bootstrap resamples of ``values`` (float array).

    Each resample draws ``n`` of the values with replacement [ET93]_. Below `COUNTS_FROM`
    values, or with more than ``n / 16`` distinct ones, the draws are rows (uniform
    indices, ``n`` per resample). Otherwise a resample is drawn as its resampling vector
    summed by distinct value: the numbers of times each distinct value ``v_j`` (held by
    ``c_j`` of the rows) is drawn are multinomial with ``n`` trials and probabilities
    ``c_j / n`` — the same distribution as the rows drawn one by one, so the same
    bootstrap — and the mean is ``Σ m_j v_j / n``. That costs the number of distinct
    values per resample instead of ``n``: 1.25M talk times in whole seconds (1,000
    distinct), 9,999 resamples: about 1 s against 13 minutes.

    >>> rng = np.random.default_rng(0)
    >>> means = bootstrap_means(np.repeat([1.0, 2.0, 4.0], 5000), 2000, rng)
    >>> bool(abs(means.mean() - 7 / 3) < 0.01), bool(abs(means.std() - 0.0102) < 0.001)
    (True, True)
    """
    size = values.size
    boot = np.empty(n_resamples)
    distinct = np.unique(values) if size >= COUNTS_FROM else values
    if size >= COUNTS_FROM and _COUNTS_SHARE * distinct.size <= size:
        held = np.bincount(np.searchsorted(distinct, values), minlength=distinct.size)
        chance = held / size
        chunk = max(1, _CHUNK_CELLS // distinct.size)
        done = 0
        while done < n_resamples:
            k = min(chunk, n_resamples - done)
            drawn = rng.multinomial(size, chance, size=k)
            boot[done:done + k] = (drawn @ distinct) / size
            done += k
        return boot
    chunk = max(1, _CHUNK_CELLS // size)
    done = 0
    while done < n_resamples:
        k = min(chunk, n_resamples - done)
        idx = (rng.random((k, size)) * size).astype(np.int64)
        boot[done:done + k] = values[idx].sum(axis=1) / size
        done += k
    return boot


def bootstrap_mean_ci(values, *, confidence_level: float = 0.95, alternative: str = "two-sided",
                      n_resamples: int = 9999, random_state=0) -> IntervalEstimate:
    """Mean with a seeded percentile-bootstrap interval [ET93]_.

    Returns
    -------
    (mean, low, high)

    Examples
    --------
    >>> m, low, high = bootstrap_mean_ci([3, 5, 4, 8, 12, 2, 7, 30, 5, 6], n_resamples=2000)
    >>> m, low < m < high
    (8.2, True)
    """
    x = _check_values(values)
    mean, low, high, _ = grouped_bootstrap_mean_ci(
        x, np.zeros(x.size, dtype=np.int64), 1, confidence_level=confidence_level,
        alternative=alternative, n_resamples=n_resamples, random_state=random_state)
    return IntervalEstimate(float(mean[0]), float(low[0]), float(high[0]))


# ------------------------------------------------------------------------- Hodges–Lehmann


def mann_whitney_cdf(m: int, n: int) -> np.ndarray:
    """Exact null cdf of the Mann–Whitney U statistic for samples of sizes m and n (no ties).

    The counts of U = 0 … m·n are the coefficients of the Gaussian binomial coefficient
    ``[m+n choose m]_q = ∏_{i=1..m} (1 − q^{n+i}) / (1 − q^i)``, computed exactly with integers.

    >>> mann_whitney_cdf(2, 2).tolist()
    [0.16666666666666666, 0.3333333333333333, 0.6666666666666666, 0.8333333333333334, 1.0]
    """
    m, n = (int(m), int(n)) if m <= n else (int(n), int(m))
    coeff = [1]
    for i in range(1, m + 1):
        # multiply by (1 − q^{n+i})
        shift = n + i
        grown = coeff + [0] * shift
        for k in range(len(coeff)):
            grown[k + shift] -= coeff[k]
        # divide by (1 − q^i): c_new[k] = grown[k] + c_new[k − i]
        for k in range(i, len(grown)):
            grown[k] += grown[k - i]
        while grown and grown[-1] == 0:
            grown.pop()
        coeff = grown
    total = sum(coeff)
    cum = np.cumsum(np.array(coeff, dtype=object))
    return np.array([float(c) / float(total) for c in cum], dtype=float)


def _count_le(a_sorted: np.ndarray, b_sorted: np.ndarray, d: float) -> int:
    """Number of pairs with ``b_j − a_i ≤ d``."""
    return int(a_sorted.size * b_sorted.size
               - np.searchsorted(a_sorted, b_sorted - d, side="left").sum())


def _kth_difference(a_sorted: np.ndarray, b_sorted: np.ndarray, k: int) -> float:
    """The k-th smallest (1-based) of the pairwise differences ``b_j − a_i``, by selection.

    Bisection on the value with a sorted-search count (O((n + m) log n) per step) narrows
    the range ``(lo, hi]`` until it holds at most ~50,000 differences; those are then
    gathered and sorted. Memory stays O(n + m + 50,000): the n·m differences are never all
    formed. Pairs are classified by the same comparison (``a_i ≥ b_j − d``) throughout, so
    the counts are consistent in floating point.
    """
    total = a_sorted.size * b_sorted.size
    if k <= 0:
        return -np.inf
    if k > total:
        return np.inf
    lo = float(b_sorted[0] - a_sorted[-1]) - 1.0
    hi = float(b_sorted[-1] - a_sorted[0]) + 1.0
    c_lo, c_hi = 0, total
    while c_hi - c_lo > 50_000:
        mid = lo + (hi - lo) / 2.0
        if mid <= lo or mid >= hi:
            break
        c = _count_le(a_sorted, b_sorted, mid)
        if c >= k:
            hi, c_hi = mid, c
        else:
            lo, c_lo = mid, c
    left = np.searchsorted(a_sorted, b_sorted - hi, side="left")
    right = np.searchsorted(a_sorted, b_sorted - lo, side="left")
    sizes = right - left
    n_cand = int(sizes.sum())
    if n_cand > 5_000_000:  # a huge tie: every candidate has the same value
        has = sizes > 0
        return float((b_sorted[has] - a_sorted[right[has] - 1]).min())
    j_idx = np.repeat(np.arange(b_sorted.size), sizes)
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    i_idx = np.repeat(left, sizes) + (np.arange(n_cand) - starts)
    values = np.sort(b_sorted[j_idx] - a_sorted[i_idx])
    return float(values[k - c_lo - 1])


def kth_difference_counted(a_values: np.ndarray, a_counts: np.ndarray,
                           b_values: np.ndarray, b_counts: np.ndarray, k: int) -> float:
    """The k-th smallest (1-based) of the pairwise differences ``b_j − a_i`` of two samples
    given as frequency tables: sorted distinct values and how many times each occurs (each
    distinct pair stands for ``count_a · count_b`` pairs of values).

    The selection of `_kth_difference` (bisection on the value, the pairs classified by
    the same comparison ``a ≥ b − d``, then the candidates sorted), counting with the
    frequencies: O((K_a + K_b) log K_a) a step for K distinct values instead of
    O((n + m) log n), until at most 50,000 distinct pairs are candidates. It returns
    exactly what `_kth_difference` returns on the samples written out.

    >>> kth_difference_counted(np.array([1.0, 2.0]), np.array([2, 1]),
    ...                        np.array([3.0]), np.array([2]), 3)
    2.0
    """
    m, n = int(a_counts.sum()), int(b_counts.sum())
    total = m * n
    if k <= 0:
        return -np.inf
    if k > total:
        return np.inf
    below = np.concatenate([[0], np.cumsum(a_counts, dtype=np.int64)])
    b_weight = np.asarray(b_counts, dtype=np.int64)

    def count_le(d: float) -> int:  # pairs with a_i ≥ b_j − d
        return int((b_weight * (m - below[np.searchsorted(a_values, b_values - d,
                                                            side="left")])).sum())
    lo = float(b_values[0] - a_values[-1]) - 1.0
    hi = float(b_values[-1] - a_values[0]) + 1.0
    c_lo = 0
    while True:
        left = np.searchsorted(a_values, b_values - hi, side="left")
        right = np.searchsorted(a_values, b_values - lo, side="left")
        if int((right - left).sum()) <= 50_000:
            break
        mid = lo + (hi - lo) / 2.0
        if mid <= lo or mid >= hi:  # (lo, hi] holds one value: its pairs, gathered
            break
        c = count_le(mid)
        if c >= k:
            hi = mid
        else:
            lo, c_lo = mid, c
    sizes = right - left
    n_cand = int(sizes.sum())
    j_idx = np.repeat(np.arange(b_values.size), sizes)
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    i_idx = np.repeat(left, sizes) + (np.arange(n_cand) - starts)
    values = b_values[j_idx] - a_values[i_idx]
    order = np.argsort(values, kind="stable")
    held = np.cumsum(np.asarray(a_counts, dtype=np.int64)[i_idx[order]] * b_weight[j_idx[order]])
    return float(values[order][np.searchsorted(held, k - c_lo, side="left")])


def hodges_lehmann_counted(a_values: np.ndarray, a_counts: np.ndarray, b_values: np.ndarray,
                           b_counts: np.ndarray, *, confidence_level: float = 0.95,
                           alternative: str = "two-sided") -> ShiftEstimate:
    """`hodges_lehmann` of two samples given as frequency tables (sorted distinct values,
    whole counts ≥ 1): the same shift, interval and method, selected with
    `kth_difference_counted` [HL63]_ [HWC14]_.

    >>> hodges_lehmann_counted(np.array([1.0, 2.0]), np.array([3, 3]),
    ...                        np.array([2.0, 4.0]), np.array([3, 3])).shift
    1.5
    """
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    m, n = int(a_counts.sum()), int(b_counts.sum())
    total = m * n
    half = total // 2

    def kth(k: int) -> float:
        return kth_difference_counted(a_values, a_counts, b_values, b_counts, k)
    shift = kth(half + 1) if total % 2 else 0.5 * (kth(half) + kth(half + 1))
    pooled, at = np.unique(np.concatenate([a_values, b_values]), return_inverse=True)
    tie_counts = np.zeros(pooled.size, dtype=np.int64)
    np.add.at(tie_counts, at.reshape(-1), np.concatenate([a_counts, b_counts]).astype(np.int64))
    low_rank, high_rank, method = hodges_lehmann_ranks(m, n, tie_counts, confidence_level=level,
                                                       alternative=alternative)
    low = kth(low_rank) if low_rank is not None else -np.inf
    high = kth(high_rank) if high_rank is not None else np.inf
    return ShiftEstimate(float(shift), float(low), float(high), method)


#: `hodges_lehmann` selects on the distinct values with their counts
#: (`hodges_lehmann_counted`) when the two samples have at most this many distinct values
#: per value (ties: durations in whole seconds).
_COUNTED_HL_SHARE = 0.25


def hodges_lehmann(a, b, *, confidence_level: float = 0.95, alternative: str = "two-sided"
                   ) -> ShiftEstimate:
    """Hodges–Lehmann estimate of the shift ``b − a`` with its distribution-free interval.

    Parameters
    ----------
    a, b : array-like of float
        Baseline sample ``a`` and comparison sample ``b``.
    confidence_level : float, default 0.95
    alternative : {"two-sided", "less", "greater"}

    Returns
    -------
    (shift, low, high, method)
        ``shift`` is the median of all ``b_j − a_i`` [HL63]_; the interval is
        ``[D_(k), D_(nm+1−k)]`` of the ordered differences, with ``k`` the largest rank such
        that ``P(U ≤ k − 1) ≤ α/2`` under the Mann–Whitney null distribution [HWC14]_ §4.3:
        exact (``method="hodges_lehmann_exact"``) when n·m ≤ 2500 and there are no ties,
        otherwise the normal approximation with continuity and tie correction
        (``"hodges_lehmann_normal"``).

    Notes
    -----
    The shift is the difference of *locations* under the shift model, not the difference of
    the two sample medians; for skewed durations both are reported by the KPI comparison.

    Examples
    --------
    >>> shift, low, high, method = hodges_lehmann([1.1, 2.3, 3.2, 4.8, 5.1],
    ...                                           [3.5, 4.4, 5.9, 6.2, 7.7, 8.1])
    >>> round(shift, 2), round(low, 2), round(high, 2), method
    (2.8, -0.4, 5.4, 'hodges_lehmann_exact')
    """
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    x = np.sort(_check_values(a))
    y = np.sort(_check_values(b))
    m, n = x.size, y.size
    total = m * n
    half = total // 2
    if m and n:
        xv, xc = np.unique(x, return_counts=True)
        yv, yc = np.unique(y, return_counts=True)
        if xv.size + yv.size <= _COUNTED_HL_SHARE * (m + n):  # many ties: by the counts
            return hodges_lehmann_counted(xv, xc, yv, yc, confidence_level=level,
                                          alternative=alternative)
    if total % 2:
        shift = _kth_difference(x, y, half + 1)
    else:
        shift = 0.5 * (_kth_difference(x, y, half) + _kth_difference(x, y, half + 1))
    _, tie_counts = np.unique(np.concatenate([x, y]), return_counts=True)
    low_rank, high_rank, method = hodges_lehmann_ranks(m, n, tie_counts, confidence_level=level,
                                                       alternative=alternative)
    low = _kth_difference(x, y, low_rank) if low_rank is not None else -np.inf
    high = _kth_difference(x, y, high_rank) if high_rank is not None else np.inf
    return ShiftEstimate(float(shift), float(low), float(high), method)


def hodges_lehmann_ranks(m: int, n: int, tie_counts: np.ndarray, *,
                         confidence_level: float = 0.95, alternative: str = "two-sided"
                         ) -> HodgesLehmannRanks:
    """Ranks of the ordered differences ``b_j − a_i`` that bound the Hodges–Lehmann interval.

    ``(low_rank, high_rank, method)``: the interval is ``[D_(low_rank), D_(high_rank)]``
    of the ``m·n`` ordered differences (1-based; None for an open side), with
    ``low_rank = k`` and ``high_rank = m·n + 1 − k``, ``k`` the largest rank with
    ``P(U ≤ k − 1) ≤ tail`` under the Mann–Whitney null distribution [HWC14]_ §4.3: exact
    when ``m·n ≤ EXACT_HL_MAX_PAIRS`` and no ``tie_counts`` (the pooled values' numbers of
    rows) exceeds 1, else the normal approximation with continuity and tie correction.
    Shared by `hodges_lehmann` and the frequency-table version of `kpitools.engines`.

    >>> hodges_lehmann_ranks(5, 6, np.ones(11))
    HodgesLehmannRanks(low=4, high=27, method='hodges_lehmann_exact')
    """
    low_tail, high_tail = _levels(confidence_level, alternative)
    total = m * n
    if total <= EXACT_HL_MAX_PAIRS and not bool((tie_counts > 1).any()):
        cdf = mann_whitney_cdf(m, n)
        method = "hodges_lehmann_exact"

        def rank(tail: float) -> int:
            # largest k with P(U ≤ k − 1) ≤ tail
            ok = np.flatnonzero(cdf <= tail + 1e-12)
            return int(ok[-1]) + 1 if ok.size else 0
    else:
        method = "hodges_lehmann_normal"
        big_n = m + n
        tie_term = float(((tie_counts**3 - tie_counts).sum()) / (big_n * (big_n - 1)))
        sigma = np.sqrt(m * n / 12.0 * ((big_n + 1) - tie_term))

        def rank(tail: float) -> int:
            z = stats.norm.isf(tail)
            return max(int(np.floor(total / 2.0 + 0.5 - z * sigma)), 0)

    low_rank = rank(low_tail) if low_tail > 0 else None
    high_rank = total + 1 - rank(high_tail) if high_tail > 0 else None
    return HodgesLehmannRanks(low_rank, high_rank, method)


def bootstrap_diff_ci(a, b, statistic: Callable[[np.ndarray], np.ndarray], *,
                      confidence_level: float = 0.95, alternative: str = "two-sided",
                      n_resamples: int = 2000, random_state=0) -> IntervalEstimate:
    """Percentile-bootstrap interval of ``statistic(b) − statistic(a)`` [ET93]_.

    ``statistic`` maps a 2-D array of resamples (one per row) to one value per row, e.g.
    ``lambda s: np.median(s, axis=1)``. Samples are resampled independently, in chunks;
    seeded by ``random_state``.

    Returns
    -------
    (difference, low, high)

    Examples
    --------
    >>> d, low, high = bootstrap_diff_ci([1, 2, 3, 4, 5], [3, 4, 5, 6, 7, 8],
    ...                                  lambda s: np.median(s, axis=1), n_resamples=500)
    >>> d, low <= d <= high
    (2.5, True)
    """
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    x = _check_values(a)
    y = _check_values(b)
    rng = np.random.default_rng(random_state)
    observed = float(statistic(y[None, :])[0] - statistic(x[None, :])[0])
    boots = np.empty(int(n_resamples))
    chunk = max(1, _CHUNK_CELLS // (x.size + y.size))
    done = 0
    while done < n_resamples:
        k = min(chunk, int(n_resamples) - done)
        sa = x[rng.integers(0, x.size, size=(k, x.size))]
        sb = y[rng.integers(0, y.size, size=(k, y.size))]
        boots[done:done + k] = statistic(sb) - statistic(sa)
        done += k
    low, high = _percentile(boots, level, alternative)
    return IntervalEstimate(float(observed), float(low), float(high))


def bootstrap_mean_diff_ci(a, b, *, confidence_level: float = 0.95,
                           alternative: str = "two-sided", n_resamples: int = 2000,
                           random_state=0) -> IntervalEstimate:
    """Percentile-bootstrap interval of ``mean(b) − mean(a)`` [ET93]_.

    `bootstrap_diff_ci` with the mean, unless a sample has `COUNTS_FROM` values or more
    with at most 1/16 as many distinct ones: then each sample's resampled means come from
    `bootstrap_means` (multinomial counts of its distinct values where that applies, the
    same bootstrap distribution), ``a``'s first, then ``b``'s, from one seeded generator.

    >>> d, low, high = bootstrap_mean_diff_ci(np.repeat([1.0, 2.0], 10_000),
    ...                                       np.repeat([1.0, 3.0], 10_000))
    >>> d, bool(low < 0.5 < high), bool(high - low < 0.05)
    (0.5, True, True)
    """
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    x = _check_values(a)
    y = _check_values(b)

    def by_counts(v: np.ndarray) -> bool:
        return v.size >= COUNTS_FROM and _COUNTS_SHARE * np.unique(v).size <= v.size
    if not (by_counts(x) or by_counts(y)):
        return bootstrap_diff_ci(x, y, lambda s: s.mean(axis=1), confidence_level=level,
                                 alternative=alternative, n_resamples=n_resamples,
                                 random_state=random_state)
    rng = np.random.default_rng(random_state)
    means_a = bootstrap_means(x, int(n_resamples), rng)
    boots = bootstrap_means(y, int(n_resamples), rng) - means_a
    low, high = _percentile(boots, level, alternative)
    return IntervalEstimate(float(y.mean() - x.mean()), float(low), float(high))
