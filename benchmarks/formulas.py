"""The statistics the peers compute, written once, vectorised over groups, from counts.

These are the textbook formulas kpitools documents (adjusted-Wald NPS interval, Wilson
interval, adjusted-Wald NPS difference with its z test, Holm's step-down, binomial ranks of
the order-statistic quantile interval). They are re-implemented here, independently of
kpitools' internals, so that a peer does the same work as kpitools and the benchmark can
check that both give the same numbers.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

Z95 = float(stats.norm.ppf(0.975))
#: pseudo-counts of the adjusted-Wald NPS interval: detractors, passives, promoters
ADJ_DET, ADJ_PAS, ADJ_PRO = 0.75, 1.5, 0.75


def nps_adjusted_wald(pro, det, n, z: float = Z95):
    """NPS (points) and its adjusted-Wald interval from promoter/detractor/total counts."""
    pro = np.asarray(pro, dtype=float)
    det = np.asarray(det, dtype=float)
    n = np.asarray(n, dtype=float)
    observed = (pro - det) / n
    m = n + (ADJ_DET + ADJ_PAS + ADJ_PRO)
    p_pro, p_det = (pro + ADJ_PRO) / m, (det + ADJ_DET) / m
    centre = p_pro - p_det
    half = z * np.sqrt((p_pro + p_det - centre**2) / m)
    low = np.clip(np.minimum(centre - half, observed), -1.0, 1.0)
    high = np.clip(np.maximum(centre + half, observed), -1.0, 1.0)
    return 100.0 * observed, 100.0 * low, 100.0 * high


def wilson(k, n, z: float = Z95):
    """Share (%) and its Wilson interval from success counts and totals."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    denom = n + z * z
    centre = (k + z * z / 2.0) / denom
    half = z / denom * np.sqrt(k * (n - k) / n + z * z / 4.0)
    low = np.clip(np.where(k == 0, 0.0, centre - half), 0.0, 1.0)
    high = np.clip(np.where(k == n, 1.0, centre + half), 0.0, 1.0)
    return 100.0 * k / n, 100.0 * low, 100.0 * high


def nps_diff_adjusted_wald(pro_a, det_a, n_a, pro_b, det_b, n_b, z: float = Z95):
    """NPS_b − NPS_a (points), adjusted-Wald interval, z statistic and two-sided p-value."""
    pro_a, det_a, n_a, pro_b, det_b, n_b = (np.asarray(v, dtype=float) for v in
                                            (pro_a, det_a, n_a, pro_b, det_b, n_b))
    observed = (pro_b - det_b) / n_b - (pro_a - det_a) / n_a
    add = ADJ_DET + ADJ_PAS + ADJ_PRO
    ma, mb = n_a + add, n_b + add
    pa, da = (pro_a + ADJ_PRO) / ma, (det_a + ADJ_DET) / ma
    pb, db = (pro_b + ADJ_PRO) / mb, (det_b + ADJ_DET) / mb
    se = np.sqrt((pa + da - (pa - da) ** 2) / ma + (pb + db - (pb - db) ** 2) / mb)
    centre = (pb - db) - (pa - da)
    low = np.clip(np.minimum(centre - z * se, observed), -2.0, 2.0)
    high = np.clip(np.maximum(centre + z * se, observed), -2.0, 2.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        zstat = np.where(se == 0, np.where(centre == 0, 0.0, np.sign(centre) * np.inf),
                         centre / se)
    pvalue = np.minimum(1.0, 2.0 * stats.norm.sf(np.abs(zstat)))
    return 100.0 * observed, 100.0 * low, 100.0 * high, zstat, pvalue


def holm_rows(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment within each row of a 2-D array of p-values."""
    m = p.shape[1]
    order = np.argsort(p, axis=1, kind="stable")
    sorted_p = np.take_along_axis(p, order, axis=1)
    adj = np.minimum(np.maximum.accumulate(sorted_p * (m - np.arange(m)), axis=1), 1.0)
    out = np.empty_like(adj)
    np.put_along_axis(out, order, adj, axis=1)
    return out


def median_ranks(n, level: float = 0.95):
    """1-based ranks (r, s) of the order statistics bounding the median (binomial, Conover).

    ``r = 0`` means no order statistic is low enough (bound: 0, the bottom of the scale);
    ``s = n + 1`` none high enough (bound: +inf).
    """
    n = np.asarray(n, dtype=np.int64)
    tail = (1.0 - level) / 2.0
    r = np.clip(stats.binom.ppf(tail, n, 0.5).astype(np.int64), 0, n)
    s = np.clip(stats.binom.ppf(1.0 - tail, n, 0.5).astype(np.int64) + 1, 1, n + 1)
    return r, s


def bounds_from_sorted(xs: np.ndarray, start: np.ndarray, n: np.ndarray):
    """Lower/upper interval ends from values sorted within contiguous groups."""
    r, s = median_ranks(n)
    low = np.where(r > 0, xs[start + np.maximum(r, 1) - 1], 0.0)
    high = np.where(s <= n, xs[start + np.minimum(s, n) - 1], np.inf)
    return low, high
