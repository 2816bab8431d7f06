"""Coverage of the 95 % intervals, computed exactly by enumeration.

The coverage of an interval method at a true value is the probability of the outcomes whose
interval contains the truth: a sum over every binomial (or trinomial, or pair of them)
outcome of its probability. That is deterministic (no Monte Carlo error) and, with the
intervals computed once per n in one vectorised call of the code under test, fast. The
enumeration (outcomes, their probabilities, the sum) is written here independently of
kpitools; only the intervals come from the code under test.

Criterion for the default intervals (Wilson proportion, adjusted-Wald NPS, Newcombe
difference, adjusted-Wald NPS difference), for n in {30, 100, 300, 1000} over the grids of
true values below:

- the mean coverage over the grid lies in [94 %, 96 %];
- the minimum is at least 93 % for n ≥ 100 and at least 92 % at n = 30;
- the maximum is at most 97 % for n ≥ 100 and at most 99.5 % at n = 30.

Why not 93–97 % at every true value at n = 30: the coverage of any (non-randomised) interval
for a binomial proportion is a sum of binomial probabilities over the outcomes whose interval
contains p. As p crosses an interval end, an outcome enters or leaves that sum and the
coverage jumps by that outcome's probability, up to about 15 % at n = 30. The coverage is
therefore a saw-tooth in p whose teeth do not shrink to the nominal level; Brown, Cai &
DasGupta (2001) show it for every standard interval, with "unlucky" (n, p) pairs well below
nominal even for large n, and note that an interval can only stay above 95 % everywhere by
over-covering badly elsewhere (Clopper–Pearson). Wilson's interval at n = 30 covers 92.98 %
at p = 0.3 and 97.42 % at p = 0.1; the adjusted-Wald NPS interval, whose pseudo-counts
dominate when nearly everyone is a passive, covers 99.1 % at 5 % promoters and 5 %
detractors. A pointwise band of ±2 points is a property of the average, not of every
point, at n = 30; the criterion above asks the average to be right and bounds the worst case.

The new score NPS interval (Tango 1998) is held to the strict pointwise band [93 %, 97 %]
at every grid point and every n; it meets it (93.8–96.9 % at n = 30). On the finer slow grid
(shares down to 1 %) it still never falls below 93 %, but over-covers where fewer than five
promoters or detractors are expected (the same discreteness), so there the band is asserted
where n·pP and n·pD are at least 5.

The NPS-difference interval is enumerated exactly over pairs of trinomial outcomes
(outcomes with probability below 1e-14 in either group are left out; the mass left out is
asserted below 1e-9), grouped by the promoter − detractor count so that each pair of groups
is one vectorised search. The default run covers n = 30 and 100 on the whole grid and
n = 300 on a subset of ten pairs; n = 1000 (subset and whole grid), the whole grid at
n = 300 and the finer grids run under ``-m slow``. At n = 30 the adjusted-Wald NPS
difference falls below the 92 % minimum at three extreme pairs (one group nearly all
detractors, the other nearly all promoters); that shortfall is asserted as such and was
reported to the lead, see ``NPS_DIFF_SHORTFALL_N30``.

References
----------
Brown LD, Cai TT, DasGupta A (2001). Interval estimation for a binomial proportion.
Stat Sci 16:101–133.
Tango T (1998). Equivalence test and confidence interval for the difference in proportions
for the paired-sample design. Stat Med 17:891–908.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from scipy import stats
from scipy.special import gammaln

from kpitools.stats.intervals import (
    NPS_ADJUSTMENT,
    diff_proportions_ci,
    nps_ci,
    nps_diff_ci,
    proportion_ci,
    z_critical,
)

LEVEL = 0.95
SIZES = (30, 100, 300, 1000)
CUTOFF = 1e-14  # outcomes below this probability are left out of the NPS-difference sums


def _grid(step: float, low: float, high: float) -> tuple[float, ...]:
    return tuple(np.round(np.arange(low, high + step / 2, step), 2).tolist())


#: true proportions 0.05, 0.10, …, 0.95
P_GRID = _grid(0.05, 0.05, 0.95)
P_GRID_FINE = _grid(0.01, 0.01, 0.99)
#: true (promoter, detractor) shares, each 0.05 … 0.90, sum ≤ 0.95 (171 points)
NPS_GRID = tuple((pp, pd) for pp in _grid(0.05, 0.05, 0.9) for pd in _grid(0.05, 0.05, 0.9)
                 if pp + pd <= 0.95 + 1e-9)
NPS_GRID_FINE = tuple((pp, pd) for pp in _grid(0.01, 0.01, 0.98) for pd in _grid(0.01, 0.01, 0.98)
                      if pp + pd <= 0.99 + 1e-9)
#: truths of each group for the NPS difference (21 points; pairs of them, 231 unordered)
NPS_SHARES_COARSE = (0.05, 0.1, 0.3, 0.5, 0.7, 0.9)
NPS_GRID_COARSE = tuple((pp, pd) for pp in NPS_SHARES_COARSE for pd in NPS_SHARES_COARSE
                        if pp + pd <= 0.95 + 1e-9)
# The difference interval is symmetric in the groups when n_a = n_b, so unordered pairs.
DIFF_GRID = tuple((a, b) for i, a in enumerate(NPS_GRID_COARSE) for b in NPS_GRID_COARSE[i:])
DIFF_GRID_SUBSET = (
    ((0.3, 0.3), (0.3, 0.3)), ((0.5, 0.1), (0.5, 0.1)), ((0.05, 0.05), (0.05, 0.05)),
    ((0.9, 0.05), (0.9, 0.05)), ((0.3, 0.3), (0.5, 0.1)), ((0.1, 0.5), (0.5, 0.1)),
    ((0.05, 0.9), (0.1, 0.5)), ((0.7, 0.1), (0.9, 0.05)), ((0.05, 0.05), (0.3, 0.1)),
    ((0.05, 0.9), (0.9, 0.05)),
)


def criterion(n: int) -> tuple[float, float]:
    """(lowest allowed minimum, highest allowed maximum) for the default intervals."""
    return (0.92, 0.995) if n < 100 else (0.93, 0.97)


def check_default(coverage: np.ndarray, grid, n: int, label: str) -> None:
    low, high = criterion(n)
    worst, best = int(np.argmin(coverage)), int(np.argmax(coverage))
    where = (f"{label}, n={n}: mean {coverage.mean():.4f}, min {coverage[worst]:.4f} at "
             f"{grid[worst]}, max {coverage[best]:.4f} at {grid[best]}")
    assert 0.94 <= coverage.mean() <= 0.96, where
    assert coverage[worst] >= low, where
    assert coverage[best] <= high, where


def check_strict(coverage: np.ndarray, grid, n: int, label: str) -> None:
    outside = [(grid[i], round(float(c), 4)) for i, c in enumerate(coverage)
               if not 0.93 <= c <= 0.97]
    assert not outside, f"{label}, n={n}: coverage outside 93–97 % at {outside}"


# ------------------------------------------------------------------- single proportion


@cache
def _wilson_intervals(n: int):
    x = np.arange(n + 1)
    return (x, *proportion_ci(x, n, confidence_level=LEVEL))


def wilson_coverage(n: int, p: float) -> float:
    x, low, high = _wilson_intervals(n)
    return float(stats.binom.pmf(x, n, p)[(low <= p) & (p <= high)].sum())


@pytest.mark.parametrize("n", SIZES)
def test_wilson_coverage(n):
    coverage = np.array([wilson_coverage(n, p) for p in P_GRID])
    check_default(coverage, P_GRID, n, "wilson")


@pytest.mark.slow
@pytest.mark.parametrize("n", SIZES)
def test_wilson_coverage_fine_grid(n):
    # 0.01 … 0.99: the extremes p = 0.01, 0.99 at n = 100 (n·p = 1) dip to 92.06 %, so only
    # the mean is held to the criterion here and the minimum to 92 %.
    coverage = np.array([wilson_coverage(n, p) for p in P_GRID_FINE])
    assert 0.94 <= coverage.mean() <= 0.96
    assert coverage.min() >= 0.92
    assert coverage.max() <= 0.98


def test_coverage_enumeration_reproduces_known_values():
    # Wald interval, n = 30: the covered outcomes written out by hand.
    n, p = 30, 0.3
    x = np.arange(n + 1)
    phat = x / n
    half = z_critical(LEVEL) * np.sqrt(phat * (1 - phat) / n)
    covered = (phat - half <= p) & (p <= phat + half)
    wald = proportion_ci(x, n, method="wald")
    assert np.array_equal(covered, (wald[0] <= p) & (p <= wald[1]))
    # the classic result: Wald undercovers badly for small n·p (BCD 2001)
    assert stats.binom.pmf(x, n, 0.05)[(wald[0] <= 0.05) & (0.05 <= wald[1])].sum() < 0.8
    # Wilson's oscillation at n = 30 (BCD 2001, fig. 4): 0.9298 at p = 0.3, 0.9742 at 0.1
    assert wilson_coverage(30, 0.3) == pytest.approx(0.9298, abs=5e-5)
    assert wilson_coverage(30, 0.1) == pytest.approx(0.9742, abs=5e-5)


# ------------------------------------------------------------- difference (Newcombe)

D_GRID = tuple((p1, p2) for p1 in P_GRID for p2 in P_GRID)


@cache
def _newcombe_intervals(n: int):
    x = np.arange(n + 1)
    low, high = diff_proportions_ci(x[:, None], n, x[None, :], n, confidence_level=LEVEL)
    return x, low, high


def newcombe_coverage(n: int, p1: float, p2: float) -> float:
    x, low, high = _newcombe_intervals(n)
    w1, w2 = stats.binom.pmf(x, n, p1), stats.binom.pmf(x, n, p2)
    k1, k2 = np.flatnonzero(w1 > 1e-16), np.flatnonzero(w2 > 1e-16)
    d = p2 - p1  # axis 0 is the baseline a (true p1), axis 1 the group b (true p2): b − a
    covered = (low[np.ix_(k1, k2)] <= d + 1e-12) & (d - 1e-12 <= high[np.ix_(k1, k2)])
    return float(w1[k1] @ covered @ w2[k2])


@pytest.mark.parametrize("n", SIZES)
def test_newcombe_coverage(n):
    coverage = np.array([newcombe_coverage(n, p1, p2) for p1, p2 in D_GRID])
    check_default(coverage, D_GRID, n, "newcombe")


# ------------------------------------------------------------------------------- NPS


@cache
def _trinomial_outcomes(n: int):
    """All (promoters, detractors) outcomes, promoter-major, with the log multinomial
    coefficient; outcome (i, j) sits at index i(n + 1) − i(i − 1)/2 + j."""
    pro, det = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="ij")
    ok = pro + det <= n
    pro, det = pro[ok], det[ok]
    log_coef = gammaln(n + 1) - gammaln(pro + 1) - gammaln(det + 1) - gammaln(n - pro - det + 1)
    return pro, det, log_coef


def trinomial_pmf(n: int, p_pro: float, p_det: float) -> np.ndarray:
    """Probabilities of every (promoters, detractors) outcome of `_trinomial_outcomes(n)`."""
    pro, det, log_coef = _trinomial_outcomes(n)
    pas = n - pro - det
    return np.exp(log_coef + pro * np.log(p_pro) + det * np.log(p_det)
                  + pas * np.log(1.0 - p_pro - p_det))


def trinomial_support(n: int, p_pro: float, p_det: float):
    """Indices and probabilities of the outcomes inside the box where each count's
    binomial tail is above 1e-17 (the mass outside is below 1e-15)."""
    pro, det, log_coef = _trinomial_outcomes(n)
    lo_p, hi_p = stats.binom.ppf([1e-17, 1 - 1e-17], n, p_pro).astype(int)
    lo_d, hi_d = stats.binom.ppf([1e-17, 1 - 1e-17], n, p_det).astype(int)
    rows = np.arange(max(lo_p - 1, 0), min(hi_p + 1, n) + 1)
    index = [i * (n + 1) - i * (i - 1) // 2 + np.arange(max(lo_d - 1, 0), min(hi_d + 1, n - i) + 1)
             for i in rows]
    index = np.concatenate(index)
    pas = n - pro[index] - det[index]
    w = np.exp(log_coef[index] + pro[index] * np.log(p_pro) + det[index] * np.log(p_det)
               + pas * np.log(1.0 - p_pro - p_det))
    return index, w


@cache
def _nps_intervals(n: int, method: str):
    pro, det, _ = _trinomial_outcomes(n)
    return nps_ci(pro, n - pro - det, det, confidence_level=LEVEL, method=method)


@cache
def nps_coverage_all(n: int, grid=NPS_GRID, methods=("adjusted_wald", "score")):
    """Exact coverage of each method's nps_ci at every truth of ``grid``."""
    intervals = {m: _nps_intervals(n, m) for m in methods}
    out = {m: [] for m in methods}
    for p_pro, p_det in grid:
        index, weights = trinomial_support(n, p_pro, p_det)
        assert weights.sum() == pytest.approx(1.0, abs=1e-12)
        truth = p_pro - p_det
        for m, (low, high) in intervals.items():
            covered = (low[index] <= truth + 1e-12) & (truth - 1e-12 <= high[index])
            out[m].append(weights[covered].sum())
    return {m: np.array(v) for m, v in out.items()}


def nps_coverage(n: int, method: str, grid=NPS_GRID) -> np.ndarray:
    methods = ("adjusted_wald", "score") if method in ("adjusted_wald", "score") else (method,)
    return nps_coverage_all(n, grid, methods)[method]


def test_trinomial_enumeration_matches_scipy():
    pro, det, _ = _trinomial_outcomes(30)
    w = trinomial_pmf(30, 0.3, 0.2)
    counts = np.column_stack([pro, 30 - pro - det, det])
    assert np.allclose(w, stats.multinomial.pmf(counts, 30, [0.3, 0.5, 0.2]), rtol=1e-10)
    # the support box: right indices, and the whole mass
    for n, share in ((30, (0.05, 0.9)), (300, (0.3, 0.3)), (1000, (0.9, 0.05))):
        index, w_box = trinomial_support(n, *share)
        full = trinomial_pmf(n, *share)
        assert np.array_equal(w_box, full[index])
        assert w_box.sum() == pytest.approx(1.0, abs=1e-12)


# the largest n (2 s) runs in make test, not make test-fast
@pytest.mark.parametrize("n", [*SIZES[:-1], pytest.param(SIZES[-1], marks=pytest.mark.exhaustive)])
def test_nps_adjusted_wald_coverage(n):
    check_default(nps_coverage(n, "adjusted_wald"), NPS_GRID, n, "adjusted_wald")


@pytest.mark.parametrize("n", SIZES)
def test_nps_score_coverage_strict_band(n):
    coverage = nps_coverage(n, "score")
    check_strict(coverage, NPS_GRID, n, "score")
    assert 0.945 <= coverage.mean() <= 0.955


def test_score_beats_wald_where_wald_fails():
    # At n = 30 Wald falls to 87.9 % (10 % promoters, 85 % detractors); score does not.
    i = NPS_GRID.index((0.1, 0.85))
    assert nps_coverage(30, "wald")[i] < 0.90 < 0.93 <= nps_coverage(30, "score")[i]


@pytest.mark.slow
@pytest.mark.parametrize("n", SIZES)
def test_nps_coverage_fine_grid(n):
    # 0.01 steps down to 1 % promoters or detractors (4851 truths), beyond the criterion grid.
    # Measured: the adjusted-Wald default keeps mean 95.0–95.1 % and minimum ≥ 92.2 % (n = 30,
    # 18 % promoters, 1 % detractors). The score interval never falls below 93.3 %, and keeps
    # the strict band wherever n·pP and n·pD are both at least 5; with fewer expected
    # promoters or detractors it over-covers (discreteness: at n = 30 up to 99.97 % at 1 %
    # and 1 %, 88 truths above 97 %; at n = 100 only (1 %, 1 %), 98.6 %).
    adjusted = nps_coverage(n, "adjusted_wald", NPS_GRID_FINE)
    assert 0.94 <= adjusted.mean() <= 0.96
    assert adjusted.min() >= 0.92
    score = nps_coverage(n, "score", NPS_GRID_FINE)
    assert 0.945 <= score.mean() <= 0.955
    assert score.min() >= 0.93
    enough = [i for i, (pp, pd) in enumerate(NPS_GRID_FINE) if min(pp, pd) * n >= 5 - 1e-9]
    check_strict(score[enough], [NPS_GRID_FINE[i] for i in enough], n,
                 "score (fine grid, n·pP and n·pD ≥ 5)")


# --------------------------------------------------------------------- NPS difference


def _adjusted_moments(pro, det, n):
    """Adjusted-Wald centre and variance of one sample's NPS (vectorised nps_diff_ci)."""
    add_det, add_pas, add_pro = NPS_ADJUSTMENT
    m = n + add_det + add_pas + add_pro
    p_pro, p_det = (pro + add_pro) / m, (det + add_det) / m
    centre = p_pro - p_det
    return centre, (p_pro + p_det - centre**2) / m


def _difference_interval(a, b, n_a, n_b, z):
    """Vectorised nps_diff_ci(a, b) (adjusted Wald): NPS_b − NPS_a with its limits."""
    ca, va = _adjusted_moments(a[0], a[2], n_a)
    cb, vb = _adjusted_moments(b[0], b[2], n_b)
    half = z * np.sqrt(va + vb)
    observed = (b[0] - b[2]) / n_b - (a[0] - a[2]) / n_a
    # boundary convention of nps_diff_ci: the interval never excludes the observed value
    return np.minimum(cb - ca - half, observed), np.maximum(cb - ca + half, observed)


def test_vectorised_difference_interval_equals_nps_diff_ci():
    rng = np.random.default_rng(3)
    z = z_critical(LEVEL)
    cases = [((n_a, 0, 0), (0, 0, n_b)) for n_a, n_b in ((30, 30), (5, 7), (1, 1))]
    cases += [((0, 0, 30), (30, 0, 0)), ((29, 1, 0), (0, 1, 29)), ((0, 30, 0), (0, 30, 0))]
    for _ in range(40):
        n_a, n_b = rng.integers(1, 200, 2)
        cases.append((tuple(rng.multinomial(n_a, [0.4, 0.3, 0.3])),
                      tuple(rng.multinomial(n_b, [0.2, 0.5, 0.3]))))
    for a, b in cases:
        low, high = _difference_interval(np.array(a), np.array(b), sum(a), sum(b), z)
        low_ref, high_ref = nps_diff_ci(a, b, confidence_level=LEVEL)
        assert (low, high) == pytest.approx((low_ref, high_ref), abs=1e-12), (a, b)


def _support(n: int, share: tuple[float, float]):
    pro, det, _ = _trinomial_outcomes(n)
    index, w = trinomial_support(n, *share)
    keep = w > CUTOFF
    return pro[index[keep]], det[index[keep]], w[keep]


def nps_diff_coverage(n: int, a: tuple[float, float], b: tuple[float, float]) -> float:
    """Exact coverage of the adjusted-Wald NPS difference, both groups of size n.

    The core interval is ``C ± z·sqrt(va + vb)`` with ``C = (d_b − d_a)/(n + 3)`` depending
    only on the promoter − detractor counts d. For each d_b group (its vb sorted, weights
    cumulated) one search gives, for every outcome of group a at once, the weight of the
    b outcomes with ``va + vb ≥ (C − truth)²/z²``. The boundary convention (the observed
    difference is always inside) can only matter when ``|observed − C| ≤ 6/(n + 3)``
    exceeds the half-width, i.e. both variances below ``(6/(z(n + 3)))²``; those few pairs
    are enumerated directly.
    """
    z = z_critical(LEVEL)
    truth = (b[0] - b[1]) - (a[0] - a[1])
    pa, da_, wa = _support(n, a)
    pb, db_, wb = _support(n, b)
    assert wa.sum() > 1 - 1e-9 and wb.sum() > 1 - 1e-9
    ca, va = _adjusted_moments(pa, da_, n)
    cb, vb = _adjusted_moments(pb, db_, n)
    tol = 1e-12
    total = 0.0
    diff_b = pb - db_
    for d in np.unique(diff_b):
        in_group = diff_b == d
        order = np.argsort(vb[in_group])
        v_sorted = vb[in_group][order]
        tail = np.concatenate([np.cumsum(wb[in_group][order][::-1])[::-1], [0.0]])
        centre = cb[in_group][0] - ca  # C for every a outcome against this group
        # covered ⇔ |C − truth| ≤ z·sqrt(va + vb) ⇔ vb ≥ ((|C − truth| − tol)/z)² − va
        gap = np.maximum(np.abs(centre - truth) - tol, 0.0)
        need = (gap / z) ** 2 - va
        first = np.searchsorted(v_sorted, need * (1 - 1e-12) - 1e-300, side="left")
        total += float(wa @ tail[first])
    # boundary-convention correction, by direct enumeration of the few candidate pairs
    small = (6.0 / (z * (n + 3))) ** 2
    sa, sb = np.flatnonzero(va < small), np.flatnonzero(vb < small)
    if sa.size and sb.size:
        ga = (pa[sa, None], None, da_[sa, None])
        gb = (pb[None, sb], None, db_[None, sb])
        low, high = _difference_interval(ga, gb, n, n, z)
        half = z * np.sqrt(va[sa, None] + vb[None, sb])
        core = np.abs(cb[None, sb] - ca[sa, None] - truth) <= half + tol
        full = (low <= truth + tol) & (truth - tol <= high)
        total += float(wa[sa] @ (full.astype(float) - core) @ wb[sb])
    return total


def test_difference_coverage_matches_brute_force():
    # the grouped computation equals the plain double sum over all pairs of outcomes
    z = z_critical(LEVEL)
    for n, a, b in ((12, (0.3, 0.3), (0.5, 0.1)), (10, (0.9, 0.05), (0.05, 0.9)),
                    (8, (0.05, 0.05), (0.9, 0.05))):
        pro, det, _ = _trinomial_outcomes(n)
        wa, wb = trinomial_pmf(n, *a), trinomial_pmf(n, *b)
        low, high = _difference_interval((pro[:, None], None, det[:, None]),
                                         (pro[None, :], None, det[None, :]), n, n, z)
        truth = (b[0] - b[1]) - (a[0] - a[1])
        brute = float(wa @ ((low <= truth + 1e-12) & (truth - 1e-12 <= high)) @ wb)
        assert nps_diff_coverage(n, a, b) == pytest.approx(brute, abs=1e-12)


#: Reported to the lead: at n = 30 the adjusted-Wald NPS difference covers less than the
#: 92 % minimum when one group is nearly all detractors and the other nearly all promoters
#: (true differences of +145 to +170 points): 90.76 % at ((5 %, 90 %), (90 %, 5 %)) and
#: 91.35 % at ((5 %, 70 %), (90 %, 5 %)) and ((5 %, 90 %), (70 %, 5 %)) — (promoters,
#: detractors) of group a, then of group b. Asserted as exactly these points, no lower than
#: 90 %, so the shortfall stays visible and any change to it fails the test.
NPS_DIFF_SHORTFALL_N30 = frozenset({((0.05, 0.9), (0.9, 0.05)), ((0.05, 0.7), (0.9, 0.05)),
                                    ((0.05, 0.9), (0.7, 0.05))})


def test_nps_difference_coverage_n30():
    n = 30
    coverage = np.array([nps_diff_coverage(n, a, b) for a, b in DIFF_GRID])
    low, high = criterion(n)
    below = {DIFF_GRID[i] for i in np.flatnonzero(coverage < low)}
    assert below == NPS_DIFF_SHORTFALL_N30, sorted(below)
    assert coverage.min() >= 0.90
    rest = np.array([c for pair, c in zip(DIFF_GRID, coverage, strict=True) if pair not in below])
    check_default(rest, [pair for pair in DIFF_GRID if pair not in below], n,
                  "nps_diff adjusted_wald (outside the reported shortfall)")
    assert 0.94 <= coverage.mean() <= 0.96 and coverage.max() <= high


@pytest.mark.exhaustive  # 1.3 s: make test, not make test-fast (n = 30 and 300 run there)
def test_nps_difference_coverage_n100():
    coverage = np.array([nps_diff_coverage(100, a, b) for a, b in DIFF_GRID])
    check_default(coverage, DIFF_GRID, 100, "nps_diff adjusted_wald")


def test_nps_difference_coverage_n300_subset():
    coverage = np.array([nps_diff_coverage(300, a, b) for a, b in DIFF_GRID_SUBSET])
    check_default(coverage, DIFF_GRID_SUBSET, 300, "nps_diff adjusted_wald")


@pytest.mark.slow
def test_nps_difference_coverage_n1000_subset():
    coverage = np.array([nps_diff_coverage(1000, a, b) for a, b in DIFF_GRID_SUBSET])
    check_default(coverage, DIFF_GRID_SUBSET, 1000, "nps_diff adjusted_wald")


@pytest.mark.slow
@pytest.mark.parametrize("n", (300, 1000))
def test_nps_difference_coverage_whole_grid(n):
    coverage = np.array([nps_diff_coverage(n, a, b) for a, b in DIFF_GRID])
    check_default(coverage, DIFF_GRID, n, "nps_diff adjusted_wald")


# ------------------------------------------- NPS difference, MOVER of two score intervals


def mover_diff_coverage(n: int, a: tuple[float, float], b: tuple[float, float]) -> float:
    """Exact coverage of nps_diff_ci(method="score"), both groups of size n, by summing the
    probabilities of every pair of outcomes whose square-and-add interval (written out here
    from the per-sample score limits) covers the true difference."""
    pro, det, _ = _trinomial_outcomes(n)
    low1, high1 = _nps_intervals(n, "score")
    est = (pro - det) / n
    ia, wa = trinomial_support(n, *a)
    ib, wb = trinomial_support(n, *b)
    ea, la, ua = est[ia][:, None], low1[ia][:, None], high1[ia][:, None]
    eb, lb, ub = est[ib][None, :], low1[ib][None, :], high1[ib][None, :]
    d = eb - ea
    low = d - np.sqrt((eb - lb) ** 2 + (ua - ea) ** 2)
    high = d + np.sqrt((ub - eb) ** 2 + (ea - la) ** 2)
    truth = (b[0] - b[1]) - (a[0] - a[1])
    covered = (low <= truth + 1e-12) & (truth - 1e-12 <= high)
    return float(wa @ covered @ wb)


def test_mover_written_out_equals_nps_diff_ci():
    n = 30
    pro, det, _ = _trinomial_outcomes(n)
    low1, high1 = _nps_intervals(n, "score")
    rng = np.random.default_rng(8)
    for i, j in rng.integers(0, len(pro), (25, 2)):
        a = (int(pro[i]), int(n - pro[i] - det[i]), int(det[i]))
        b = (int(pro[j]), int(n - pro[j] - det[j]), int(det[j]))
        ea, eb = (a[0] - a[2]) / n, (b[0] - b[2]) / n
        low = eb - ea - np.sqrt((eb - low1[j]) ** 2 + (high1[i] - ea) ** 2)
        high = eb - ea + np.sqrt((high1[j] - eb) ** 2 + (ea - low1[i]) ** 2)
        low_ref, high_ref = nps_diff_ci(a, b, confidence_level=LEVEL, method="score")
        assert (low_ref, high_ref) == pytest.approx((low, high), abs=1e-12)


def test_nps_difference_score_coverage_n30():
    # the alternative to the adjusted-Wald difference where it falls short at n = 30
    coverage = np.array([mover_diff_coverage(30, a, b) for a, b in DIFF_GRID])
    check_default(coverage, DIFF_GRID, 30, "nps_diff score (MOVER)")
    shortfall = [DIFF_GRID.index(pair) for pair in sorted(NPS_DIFF_SHORTFALL_N30)]
    assert (coverage[shortfall] >= 0.93).all()


@pytest.mark.slow
def test_nps_difference_score_coverage_n100_subset():
    coverage = np.array([mover_diff_coverage(100, a, b) for a, b in DIFF_GRID_SUBSET])
    check_default(coverage, DIFF_GRID_SUBSET, 100, "nps_diff score (MOVER)")
