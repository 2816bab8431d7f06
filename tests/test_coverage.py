"""Coverage of the default 95 % intervals, computed exactly by enumeration.

The coverage of an interval method at a true value is the probability of the outcomes whose
interval contains the truth: a sum over every binomial (or trinomial, or pair of them)
outcome of its probability. That is deterministic and, with the intervals computed once per
n in one vectorised call, fast; no Monte Carlo error. The criterion (issue 2): each 95 %
interval covers between 93 % and 97 % at every grid point, for n in {30, 100, 300, 1000}.

Grid points where a default method misses the criterion are not removed from the grid: they
are marked ``xfail(strict=True)`` with the measured coverage in the reason, so the suite shows
them and flags any change. They were reported to the lead (see the project notes).
The NPS-difference interval is enumerated exactly for n = 30 and 100 (pairs of trinomial
outcomes, ignoring outcomes with probability below 1e-13 in either group); n = 300 (exact)
and n = 1000 (Monte Carlo, 200,000 draws) run under ``-m slow``.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from scipy import stats
from scipy.special import gammaln

from kpitools.intervals import (
    NPS_ADJUSTMENT,
    diff_proportions_ci,
    nps_ci,
    nps_diff_ci,
    proportion_ci,
    z_critical,
)

LEVEL = 0.95
LOW, HIGH = 0.93, 0.97
SIZES = (30, 100, 300, 1000)


def _param(args, known: dict, label: str):
    """pytest.param with an xfail mark if ``args`` is a known miss (value = measured)."""
    if args in known:
        reason = f"{label} {args}: measured coverage {known[args]:.2%} (outside 93–97 %)"
        return pytest.param(*args, marks=pytest.mark.xfail(strict=True, reason=reason))
    return pytest.param(*args)


def _check(coverage: float):
    assert LOW <= coverage <= HIGH, f"coverage {coverage:.4%}"


# ------------------------------------------------------------------- single proportion

P_GRID = tuple(np.round(np.arange(0.05, 0.951, 0.05), 2).tolist())
P_GRID_FINE = tuple(np.round(np.arange(0.01, 0.991, 0.01), 2).tolist())

#: Wilson's coverage oscillates with p (discreteness; Brown, Cai & DasGupta 2001, fig. 4).
WILSON_MISSES = {(30, 0.1): 0.9742, (30, 0.3): 0.9298, (30, 0.7): 0.9298, (30, 0.9): 0.9742}
WILSON_MISSES_FINE = {
    (30, 0.02): 0.9783, (30, 0.08): 0.9707, (30, 0.1): 0.9742, (30, 0.3): 0.9298,
    (30, 0.7): 0.9298, (30, 0.9): 0.9742, (30, 0.92): 0.9707, (30, 0.98): 0.9783,
    (100, 0.01): 0.9206, (100, 0.07): 0.9716, (100, 0.93): 0.9716, (100, 0.99): 0.9206,
}


@cache
def _wilson_intervals(n: int):
    x = np.arange(n + 1)
    return (x, *proportion_ci(x, n, confidence_level=LEVEL))


def wilson_coverage(n: int, p: float) -> float:
    x, low, high = _wilson_intervals(n)
    return float(stats.binom.pmf(x, n, p)[(low <= p) & (p <= high)].sum())


@pytest.mark.parametrize("n,p", [_param((n, p), WILSON_MISSES, "wilson")
                                 for n in SIZES for p in P_GRID])
def test_wilson_coverage(n, p):
    _check(wilson_coverage(n, p))


@pytest.mark.slow
@pytest.mark.parametrize("n,p", [_param((n, p), WILSON_MISSES_FINE, "wilson")
                                 for n in SIZES for p in P_GRID_FINE])
def test_wilson_coverage_fine_grid(n, p):
    _check(wilson_coverage(n, p))


def test_coverage_enumeration_reproduces_a_known_value():
    # Wald interval, n = 30: coverage can be written out for one p by hand.
    n, p = 30, 0.3
    x = np.arange(n + 1)
    phat = x / n
    half = z_critical(LEVEL) * np.sqrt(phat * (1 - phat) / n)
    covered = (phat - half <= p) & (p <= phat + half)
    wald = proportion_ci(x, n, method="wald")
    assert np.array_equal(covered, (wald[0] <= p) & (p <= wald[1]))
    # the classic result: Wald undercovers badly for small n·p (BCD 2001)
    assert stats.binom.pmf(x, n, 0.05)[(wald[0] <= 0.05) & (0.05 <= wald[1])].sum() < 0.8


# ------------------------------------------------------------- difference (Newcombe)

D_GRID = (0.05, 0.2, 0.5, 0.8, 0.95)
#: Newcombe's hybrid score interval at n = 30 for near-0/near-1 proportions: over-covers when
#: both are extreme on the same side, under-covers when on opposite sides.
NEWCOMBE_MISSES = {(30, 0.05, 0.05): 0.9929, (30, 0.95, 0.95): 0.9929,
                   (30, 0.05, 0.95): 0.9224, (30, 0.95, 0.05): 0.9224}


@cache
def _newcombe_intervals(n: int):
    x = np.arange(n + 1)
    low, high = diff_proportions_ci(x[:, None], n, x[None, :], n, confidence_level=LEVEL)
    return x, low, high


def newcombe_coverage(n: int, p1: float, p2: float) -> float:
    x, low, high = _newcombe_intervals(n)
    weights = np.outer(stats.binom.pmf(x, n, p1), stats.binom.pmf(x, n, p2))
    d = p1 - p2
    return float(weights[(low <= d + 1e-12) & (d - 1e-12 <= high)].sum())


@pytest.mark.parametrize("n,p1,p2", [_param((n, p1, p2), NEWCOMBE_MISSES, "newcombe")
                                     for n in SIZES for p1 in D_GRID for p2 in D_GRID])
def test_newcombe_coverage(n, p1, p2):
    _check(newcombe_coverage(n, p1, p2))


# ------------------------------------------------------------------------------- NPS

NPS_SHARES = (0.05, 0.1, 0.3, 0.5, 0.7, 0.9)
NPS_GRID = tuple((pp, pd) for pp in NPS_SHARES for pd in NPS_SHARES if pp + pd <= 0.95 + 1e-9)
_fine = np.round(np.arange(0.05, 0.951, 0.05), 2).tolist()
NPS_GRID_FINE = tuple((pp, pd) for pp in _fine for pd in _fine if pp + pd <= 0.95 + 1e-9)

#: The adjusted-Wald interval over-covers at n = 30 when nearly everyone is a passive or
#: nearly everyone in one camp (the pseudo-counts dominate); it never under-covers here.
NPS_MISSES = {(30, 0.05, 0.05): 0.9914, (30, 0.05, 0.9): 0.9731, (30, 0.9, 0.05): 0.9731}
NPS_MISSES_FINE = dict(NPS_MISSES)


@cache
def _trinomial_outcomes(n: int):
    pro, det = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    ok = pro + det <= n
    return pro[ok], det[ok]


def trinomial_pmf(n: int, p_pro: float, p_det: float, pro: np.ndarray, det: np.ndarray):
    pas = n - pro - det
    p_pas = 1.0 - p_pro - p_det
    log = (gammaln(n + 1) - gammaln(pro + 1) - gammaln(det + 1) - gammaln(pas + 1)
           + pro * np.log(p_pro) + det * np.log(p_det) + pas * np.log(p_pas))
    return np.exp(log)


@cache
def _nps_intervals(n: int):
    pro, det = _trinomial_outcomes(n)
    return nps_ci(pro, n - pro - det, det, confidence_level=LEVEL)


def nps_coverage(n: int, p_pro: float, p_det: float) -> float:
    pro, det = _trinomial_outcomes(n)
    low, high = _nps_intervals(n)
    truth = p_pro - p_det
    weights = trinomial_pmf(n, p_pro, p_det, pro, det)
    assert weights.sum() == pytest.approx(1.0, abs=1e-9)
    return float(weights[(low <= truth + 1e-12) & (truth - 1e-12 <= high)].sum())


@pytest.mark.parametrize("n,p_pro,p_det", [_param((n, *t), NPS_MISSES, "adjusted_wald")
                                           for n in SIZES for t in NPS_GRID])
def test_nps_adjusted_wald_coverage(n, p_pro, p_det):
    _check(nps_coverage(n, p_pro, p_det))


@pytest.mark.slow
@pytest.mark.parametrize("n,p_pro,p_det", [_param((n, *t), NPS_MISSES_FINE, "adjusted_wald")
                                           for n in SIZES for t in NPS_GRID_FINE])
def test_nps_adjusted_wald_coverage_fine_grid(n, p_pro, p_det):
    _check(nps_coverage(n, p_pro, p_det))


# --------------------------------------------------------------------- NPS difference


def _adjusted_moments(pro, det, n):
    """Adjusted-Wald centre and variance of one sample's NPS (vectorised nps_diff_ci)."""
    add_det, add_pas, add_pro = NPS_ADJUSTMENT
    m = n + add_det + add_pas + add_pro
    p_pro, p_det = (pro + add_pro) / m, (det + add_det) / m
    centre = p_pro - p_det
    return centre, (p_pro + p_det - centre**2) / m


def test_vectorised_difference_interval_equals_nps_diff_ci():
    rng = np.random.default_rng(3)
    z = z_critical(LEVEL)
    for _ in range(25):
        n_a, n_b = rng.integers(1, 200, 2)
        a = rng.multinomial(n_a, [0.4, 0.3, 0.3])
        b = rng.multinomial(n_b, [0.2, 0.5, 0.3])
        ca, va = _adjusted_moments(a[0], a[2], n_a)
        cb, vb = _adjusted_moments(b[0], b[2], n_b)
        half = z * np.sqrt(va + vb)
        _, low, high, _ = nps_diff_ci(tuple(a), tuple(b), confidence_level=LEVEL)
        assert (low, high) == pytest.approx((cb - ca - half, cb - ca + half), abs=1e-12)


def nps_diff_coverage_exact(n: int, a: tuple[float, float], b: tuple[float, float],
                            cutoff: float = 1e-13) -> float:
    pro, det = _trinomial_outcomes(n)
    z = z_critical(LEVEL)
    parts = []
    for p_pro, p_det in (a, b):
        w = trinomial_pmf(n, p_pro, p_det, pro, det)
        keep = w > cutoff
        centre, var = _adjusted_moments(pro[keep], det[keep], n)
        parts.append((w[keep], centre, var))
    (wa, ca, va), (wb, cb, vb) = parts
    assert wa.sum() > 1 - 1e-8 and wb.sum() > 1 - 1e-8
    truth = (b[0] - b[1]) - (a[0] - a[1])
    total = 0.0
    chunk = max(1, 4_000_000 // wb.size)
    for start in range(0, wa.size, chunk):
        sl = slice(start, start + chunk)
        diff = cb[None, :] - ca[sl, None]
        half = z * np.sqrt(va[sl, None] + vb[None, :])
        covered = np.abs(diff - truth) <= half + 1e-12
        total += float((wa[sl, None] * wb[None, :] * covered).sum())
    return total


DIFF_PAIRS = (
    ((0.3, 0.3), (0.3, 0.3)), ((0.5, 0.1), (0.5, 0.1)), ((0.05, 0.05), (0.05, 0.05)),
    ((0.9, 0.05), (0.9, 0.05)), ((0.3, 0.3), (0.4, 0.2)), ((0.5, 0.1), (0.3, 0.3)),
    ((0.1, 0.5), (0.5, 0.1)), ((0.05, 0.9), (0.2, 0.6)), ((0.7, 0.1), (0.9, 0.05)),
    ((0.05, 0.05), (0.3, 0.1)),
)
#: Both groups at the same extreme truth, n = 30: the adjusted-Wald difference over-covers.
NPS_DIFF_MISSES = {(30, (0.05, 0.05), (0.05, 0.05)): 0.9873,
                   (30, (0.9, 0.05), (0.9, 0.05)): 0.9882}


def _pair_id(value):
    if isinstance(value, tuple):
        return f"P{round(value[0] * 100)}D{round(value[1] * 100)}"
    return None


@pytest.mark.parametrize("n,a,b", [_param((n, a, b), NPS_DIFF_MISSES, "nps_diff")
                                   for n in (30, 100) for a, b in DIFF_PAIRS], ids=_pair_id)
def test_nps_difference_coverage(n, a, b):
    _check(nps_diff_coverage_exact(n, a, b))


@pytest.mark.slow
@pytest.mark.parametrize("a,b", DIFF_PAIRS, ids=_pair_id)
def test_nps_difference_coverage_n300(a, b):
    _check(nps_diff_coverage_exact(300, a, b, cutoff=1e-11))


@pytest.mark.slow
@pytest.mark.parametrize("a,b", DIFF_PAIRS, ids=_pair_id)
def test_nps_difference_coverage_n1000_monte_carlo(a, b):
    n, draws = 1000, 200_000
    rng = np.random.default_rng(2026)
    z = z_critical(LEVEL)
    xa = rng.multinomial(n, [a[0], 1 - a[0] - a[1], a[1]], size=draws)
    xb = rng.multinomial(n, [b[0], 1 - b[0] - b[1], b[1]], size=draws)
    ca, va = _adjusted_moments(xa[:, 0], xa[:, 2], n)
    cb, vb = _adjusted_moments(xb[:, 0], xb[:, 2], n)
    truth = (b[0] - b[1]) - (a[0] - a[1])
    coverage = float(np.mean(np.abs(cb - ca - truth) <= z * np.sqrt(va + vb)))
    _check(coverage)  # Monte Carlo standard error ≈ 0.05 %
