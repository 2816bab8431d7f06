"""Tests of the score NPS interval, ``nps_ci(..., method="score")`` (Tango 1998).

The NPS is ``p_promoters − p_detractors``, the difference of two cells of one multinomial:
the same structure as the difference of the discordant cells b and c of a paired 2 × 2
table with n pairs, for which Tango (1998) derived the score interval. So the published
paired-design values apply with promoters = b, detractors = c, passives = the concordant
pairs.

Checks: a published value; an independent implementation written out plainly (the
restricted maximum-likelihood estimate found by numerically maximising the trinomial
likelihood, not by the closed-form root the code uses; the limits by scanning a dense grid
of Δ and refining with brentq, which also checks that the set {Δ : |T(Δ)| ≤ z} is one
interval); the closed forms at the degenerate tables; vectorisation; one-sided limits;
hypothesis invariants; and the KPI layer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import optimize
from scipy.stats import norm

import kpitools as kt
from kpitools.stats.intervals import NPS_METHODS, nps_ci, nps_diff_ci

# Fagerland MW, Lydersen S, Laake P (2017). Statistical Analysis of Contingency Tables,
# ch. 8, example of Cavo et al. (2012): complete response before and after consolidation
# therapy, table [[59, 6], [16, 80]]; printed to 4 decimals by the authors' R package
# contingencytables (tests/testthat/test-ch8.R): Tango asymptotic score CI −0.1240 to
# −0.0054, Wald CI −0.1184 to −0.0058 (the Wald interval of the paired difference is the
# textbook NPS Wald interval, which checks the mapping b → promoters, c → detractors).
PUBLISHED = [
    pytest.param((6, 139, 16), "score", (-0.1240, -0.0054), id="FLL2017-Cavo2012-tango"),
    pytest.param((6, 139, 16), "wald", (-0.1184, -0.0058), id="FLL2017-Cavo2012-wald"),
]


@pytest.mark.parametrize("counts,method,expected", PUBLISHED)
def test_published_paired_example(counts, method, expected):
    low, high = nps_ci(*counts, method=method)
    assert (low, high) == pytest.approx(expected, abs=5e-5)  # printed to 4 decimals


# ------------------------------------------------------- independent implementation


def restricted_mle(pro: int, pas: int, det: int, delta: float) -> tuple[float, float]:
    """(p_promoter, p_detractor) maximising the trinomial likelihood under pP − pD = Δ.

    Numerical maximisation over the detractor share q (pP = q + Δ, passives 1 − 2q − Δ),
    on the feasible range max(0, −Δ) ≤ q ≤ (1 − Δ)/2.
    """
    q_low, q_high = max(0.0, -delta), (1.0 - delta) / 2.0
    if q_high - q_low < 1e-15:
        return q_low + delta, q_low

    def negative_loglik(q):
        terms = 0.0
        for count, prob in ((pro, q + delta), (det, q), (pas, 1.0 - 2.0 * q - delta)):
            if count:
                terms += count * np.log(max(prob, 1e-300))
        return -terms

    res = optimize.minimize_scalar(negative_loglik, bounds=(q_low, q_high), method="bounded",
                                   options={"xatol": 1e-13})
    q = res.x
    # the bounded search never returns the ends exactly: compare with them
    for end in (q_low, q_high):
        if negative_loglik(end) <= negative_loglik(q):
            q = end
    return q + delta, q


def score_statistic(pro: int, pas: int, det: int, delta: float) -> float:
    """Tango's T(Δ) = (pP_hat − pD_hat − Δ) / sqrt((pP~ + pD~ − Δ²)/n), at the restricted MLE."""
    n = pro + pas + det
    p_tilde, d_tilde = restricted_mle(pro, pas, det, delta)
    var = (p_tilde + d_tilde - delta**2) / n
    diff = (pro - det) / n - delta
    if var <= 0:
        return 0.0 if abs(diff) < 1e-15 else np.sign(diff) * np.inf
    return diff / np.sqrt(var)


def brute_force_interval(pro: int, pas: int, det: int, level: float = 0.95):
    """{Δ : |T(Δ)| ≤ z}: scanned on a grid of 401 points, ends refined by brentq."""
    z = norm.ppf(0.5 + level / 2)
    grid = np.linspace(-1.0, 1.0, 401)
    inside = np.array([abs(score_statistic(pro, pas, det, d)) <= z for d in grid])
    idx = np.flatnonzero(inside)
    assert idx.size, "empty acceptance set"
    # one interval: the accepted grid points are contiguous
    assert np.all(np.diff(idx) == 1), "acceptance set is not an interval"

    def refine(i_in: int, i_out: int) -> float:
        f = lambda d: abs(score_statistic(pro, pas, det, d)) - z  # noqa: E731
        return optimize.brentq(f, grid[i_out], grid[i_in], xtol=1e-13)

    low = grid[idx[0]] if idx[0] == 0 else refine(idx[0], idx[0] - 1)
    high = grid[idx[-1]] if idx[-1] == grid.size - 1 else refine(idx[-1], idx[-1] + 1)
    return low, high


BRUTE_CASES = [
    (6, 139, 16), (1, 13, 7), (40, 100, 20), (50, 30, 20), (3, 2, 1), (0, 1, 0), (1, 0, 0),
    (0, 0, 1), (0, 30, 0), (30, 0, 0), (0, 0, 30), (29, 1, 0), (29, 0, 1), (0, 1, 29),
    (1, 0, 29), (15, 0, 15), (1, 28, 1), (0, 29, 1), (2, 0, 0), (1, 0, 1), (0, 2, 0),
    (27, 2, 1), (5, 20, 5), (300, 150, 50), (12, 0, 988), (1, 998, 1),
]


@pytest.mark.parametrize("counts", BRUTE_CASES, ids=[f"P{p}-N{a}-D{d}" for p, a, d in BRUTE_CASES])
def test_matches_independent_brute_force(counts):
    expected = brute_force_interval(*counts)
    assert nps_ci(*counts, method="score") == pytest.approx(expected, abs=1e-7)


@pytest.mark.parametrize("level", [0.8, 0.9, 0.99])
def test_matches_brute_force_at_other_levels(level):
    for counts in ((6, 139, 16), (0, 10, 0), (10, 0, 0), (3, 1, 4)):
        expected = brute_force_interval(*counts, level=level)
        got = nps_ci(*counts, method="score", confidence_level=level)
        assert got == pytest.approx(expected, abs=1e-7)


def test_degenerate_tables_have_the_closed_forms():
    z2 = norm.ppf(0.975) ** 2
    for n in (1, 2, 5, 30, 1000):
        # no promoters, no detractors: ±z²/(n + z²)
        assert nps_ci(0, n, 0, method="score") == pytest.approx((-z2 / (n + z2), z2 / (n + z2)))
        # all promoters: ((n − z²)/(n + z²), 1); all detractors: the mirror image
        assert nps_ci(n, 0, 0, method="score") == pytest.approx(((n - z2) / (n + z2), 1.0))
        assert nps_ci(0, 0, n, method="score") == pytest.approx((-1.0, -(n - z2) / (n + z2)))


def test_score_statistic_equals_z_at_the_limits():
    z = norm.ppf(0.975)
    for counts in ((6, 139, 16), (2, 5, 9), (70, 20, 10)):
        low, high = nps_ci(*counts, method="score")
        assert score_statistic(*counts, low) == pytest.approx(z, abs=1e-6)
        assert score_statistic(*counts, high) == pytest.approx(-z, abs=1e-6)


# ------------------------------------------------------------------- vectorisation


def test_vectorised_equals_scalar_calls_and_broadcasts():
    rng = np.random.default_rng(11)
    counts = np.vstack([rng.multinomial(n, [0.3, 0.4, 0.3]) for n in rng.integers(1, 400, 200)])
    counts = np.vstack([counts, [[0, 5, 0], [5, 0, 0], [0, 0, 5], [0, 1, 0], [1, 0, 0]]])
    low, high = nps_ci(counts[:, 0], counts[:, 1], counts[:, 2], method="score")
    assert low.shape == high.shape == (len(counts),)
    for i, (p, a, d) in enumerate(counts):
        assert (low[i], high[i]) == pytest.approx(nps_ci(p, a, d, method="score"), abs=1e-13)
    # broadcasting: a column of promoters against a row of detractors
    pro, det = np.arange(4)[:, None], np.arange(3)[None, :]
    low2, high2 = nps_ci(pro, 10, det, method="score")
    assert low2.shape == (4, 3)
    assert low2[3, 1] == pytest.approx(nps_ci(3, 10, 1, method="score")[0], abs=1e-14)
    assert high2[0, 2] == pytest.approx(nps_ci(0, 10, 2, method="score")[1], abs=1e-14)


def test_every_outcome_at_n30_contains_the_observed_nps():
    pro, det = np.meshgrid(np.arange(31), np.arange(31), indexing="ij")
    ok = pro + det <= 30
    low, high = nps_ci(pro[ok], 30 - pro[ok] - det[ok], det[ok], method="score")
    observed = (pro[ok] - det[ok]) / 30
    assert np.all((-1 <= low) & (low <= observed) & (observed <= high) & (high <= 1))
    assert np.all(low < high)


# ------------------------------------------------------------------------ one-sided


def test_one_sided_bounds_use_the_two_sided_level_trick():
    one = nps_ci(50, 30, 20, method="score", confidence_level=0.95, alternative="greater")
    two = nps_ci(50, 30, 20, method="score", confidence_level=0.90)
    assert one == (pytest.approx(two[0], abs=1e-14), 1.0)
    one = nps_ci(50, 30, 20, method="score", confidence_level=0.95, alternative="less")
    assert one == (-1.0, pytest.approx(two[1], abs=1e-14))
    # the one-sided 95 % lower bound solves T = z at the one-sided 1.645
    z = norm.ppf(0.95)
    low = nps_ci(50, 30, 20, method="score", alternative="greater")[0]
    assert score_statistic(50, 30, 20, low) == pytest.approx(z, abs=1e-6)


# ----------------------------------------------------------------------- properties

counts_st = st.tuples(st.integers(0, 400), st.integers(0, 400), st.integers(0, 400)).filter(
    lambda c: sum(c) > 0)


@settings(max_examples=150, deadline=None)
@given(counts=counts_st, level=st.floats(0.5, 0.999))
def test_contains_estimate_and_stays_in_scale(counts, level):
    pro, pas, det = counts
    low, high = nps_ci(pro, pas, det, method="score", confidence_level=level)
    est = (pro - det) / (pro + pas + det)
    assert -1.0 <= low <= est <= high <= 1.0


@settings(max_examples=100, deadline=None)
@given(counts=counts_st, l1=st.floats(0.5, 0.999), l2=st.floats(0.5, 0.999))
def test_higher_level_gives_wider_interval(counts, l1, l2):
    assume(abs(l1 - l2) > 1e-6)
    small, large = sorted((l1, l2))
    lo_s, hi_s = nps_ci(*counts, method="score", confidence_level=small)
    lo_l, hi_l = nps_ci(*counts, method="score", confidence_level=large)
    assert lo_l <= lo_s + 1e-12 and hi_l >= hi_s - 1e-12


@settings(max_examples=100, deadline=None)
@given(counts=counts_st)
def test_swapping_promoters_and_detractors_mirrors_the_interval(counts):
    pro, pas, det = counts
    low, high = nps_ci(pro, pas, det, method="score")
    low_m, high_m = nps_ci(det, pas, pro, method="score")
    assert (low_m, high_m) == pytest.approx((-high, -low), abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(counts=counts_st)
def test_score_interval_is_never_wider_than_the_scale_and_shrinks_with_n(counts):
    # ten times the answers in the same shares: a narrower interval
    low, high = nps_ci(*counts, method="score")
    low10, high10 = nps_ci(*(10 * c for c in counts), method="score")
    assert high10 - low10 < high - low


# ------------------------------------------------------------------- KPI layer


def test_method_is_listed_and_default_unchanged():
    assert "score" in NPS_METHODS
    assert nps_ci(50, 30, 20) == nps_ci(50, 30, 20, method="adjusted_wald")


def test_nps_from_counts_and_summarize_accept_score():
    r = kt.nps_from_counts(6, 139, 16, method="score")
    assert r.method == "score"
    assert (r.ci_low, r.ci_high) == pytest.approx((-12.40, -0.54), abs=5e-3)
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"team": np.repeat(["a", "b", "c"], 40),
                       "nps": rng.integers(0, 11, 120)})
    table = kt.summarize(df, kpi="nps", value="nps", by="team", method="score")
    assert (table["method"] == "score").all() and len(table) == 3
    for _, row in table.iterrows():
        s = df.loc[df["team"] == row["team"], "nps"]
        low, high = nps_ci(int((s >= 9).sum()), int(s.between(7, 8).sum()), int((s <= 6).sum()),
                           method="score")
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((100 * low, 100 * high))


def test_difference_with_score_is_the_mover_interval_not_wald():
    a, b = (40, 30, 30), (50, 30, 20)
    low, high = nps_diff_ci(a, b, method="score")
    wl, wh = nps_diff_ci(a, b, method="wald")
    la, ua = nps_ci(*a, method="score")
    lb, ub = nps_ci(*b, method="score")
    ea, eb = 0.1, 0.3
    assert low == pytest.approx(eb - ea - np.hypot(eb - lb, ua - ea))
    assert high == pytest.approx(eb - ea + np.hypot(ub - eb, ea - la))
    assert (low, high) != pytest.approx((wl, wh))
