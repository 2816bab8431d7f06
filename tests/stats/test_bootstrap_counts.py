"""The bootstrap of a mean drawn as multinomial counts of the distinct values
(`kpitools.stats.quantiles.bootstrap_means`, from `COUNTS_FROM` values): the same bootstrap
distribution as rows drawn one by one, 95 % intervals that cover 95 % of the time, and the
row draws — the same numbers as before — for small samples or many distinct values."""

from __future__ import annotations

import numpy as np
import pytest

from kpitools.stats import quantiles
from kpitools.stats.quantiles import (
    COUNTS_FROM,
    bootstrap_diff_ci,
    bootstrap_mean_diff_ci,
    bootstrap_means,
    grouped_bootstrap_mean_ci,
)


def _row_means(values: np.ndarray, n_resamples: int, seed: int) -> np.ndarray:
    """The row draws as the grouped bootstrap always made them (written out here)."""
    rng = np.random.default_rng(seed)
    size = values.size
    idx = (rng.random((n_resamples, size)) * size).astype(np.int64)
    return values[idx].sum(axis=1) / size


@pytest.mark.parametrize("size, distinct", [(200, 5), (COUNTS_FROM - 1, 7),
                                            (COUNTS_FROM, COUNTS_FROM // 16 + 1)])
def test_small_samples_and_many_distinct_values_draw_rows_as_before(size, distinct):
    rng = np.random.default_rng(4)
    values = rng.integers(0, distinct, size).astype(float)
    values[:distinct] = np.arange(distinct)  # every value held
    got = bootstrap_means(values, 300, np.random.default_rng(9))
    np.testing.assert_array_equal(got, _row_means(values, 300, 9))


def test_small_samples_keep_their_difference_interval():
    rng = np.random.default_rng(2)
    a, b = rng.integers(0, 50, 400).astype(float), rng.integers(0, 60, 300).astype(float)
    assert bootstrap_mean_diff_ci(a, b, n_resamples=500, random_state=3) == pytest.approx(
        tuple(bootstrap_diff_ci(a, b, lambda s: s.mean(axis=1), n_resamples=500,
                                random_state=3)), rel=0, abs=1e-12)


def test_counts_give_the_bootstrap_distribution_of_the_rows():
    """Many resamples of one sample of 12,000 skewed whole numbers (49 distinct): the
    resampled means by counts and by rows have the same mean and spread (to their Monte
    Carlo error), and both spreads are the standard error s/√n."""
    rng = np.random.default_rng(11)
    values = np.minimum(rng.geometric(0.15, 12_000), 49).astype(float)
    by_counts = bootstrap_means(values, 2000, np.random.default_rng(1))
    by_rows = _row_means(values, 2000, 2)
    se = values.std() / np.sqrt(values.size)
    assert abs(by_counts.mean() - values.mean()) < 4 * se / np.sqrt(2000)
    assert abs(by_rows.mean() - values.mean()) < 4 * se / np.sqrt(2000)
    # the sd of 2,000 resampled means has a relative standard error of ~1.6 %
    assert by_counts.std() == pytest.approx(se, rel=0.06)
    assert by_rows.std() == pytest.approx(se, rel=0.06)
    assert np.quantile(by_counts, [0.025, 0.975]) == pytest.approx(
        np.quantile(by_rows, [0.025, 0.975]), abs=0.5 * se)


def test_counts_are_drawn_once_per_distinct_value(monkeypatch):
    """The counts route draws one multinomial vector per resample over the distinct
    values (no row-sized draw): 1.25M values cost no more than 1,000 distinct ones."""
    values = np.repeat(np.arange(1000, dtype=float), 1250)
    shapes = []
    original = np.random.Generator.multinomial

    class Spy:
        def __init__(self, rng):
            self.rng = rng

        def multinomial(self, n, pvals, size):
            shapes.append((n, len(pvals), size))
            return original(self.rng, n, pvals, size=size)

        def random(self, *args):  # the row route must not be taken
            raise AssertionError("rows drawn")

    means = bootstrap_means(values, 50, Spy(np.random.default_rng(0)))  # type: ignore[arg-type]
    assert shapes == [(1_250_000, 1000, 50)]
    assert means.shape == (50,) and np.all(np.abs(means - values.mean()) < 5)


def _coverage(draw, truth: float, reps: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    hits = 0
    for i in range(reps):
        low, high = draw(rng, i)
        hits += low <= truth <= high
    return hits / reps


def test_interval_by_counts_covers_95_percent():
    """600 samples of 10,000 Poisson(3) + geometric talk-time-like whole numbers: the 95 %
    percentile interval of the mean (by counts, 499 resamples) covers the true mean
    92.5–97.5 % of the time (±2.8 standard errors of a 95 % coverage over 600 samples)."""
    truth = 3.0 + 1 / 0.2

    def draw(rng, i):
        x = (rng.poisson(3.0, COUNTS_FROM) + rng.geometric(0.2, COUNTS_FROM)).astype(float)
        _, low, high, _ = grouped_bootstrap_mean_ci(
            x, np.zeros(x.size, dtype=np.int64), 1, n_resamples=499, random_state=i)
        return low[0], high[0]
    coverage = _coverage(draw, truth, 600, 5)
    assert 0.925 <= coverage <= 0.975, coverage


def test_difference_interval_by_counts_covers_95_percent():
    """The same for the difference of two means (sizes 12,000 and 10,000, true shift 0.5)."""
    def draw(rng, i):
        a = rng.poisson(4.0, 12_000).astype(float)
        b = rng.poisson(4.5, 10_000).astype(float)
        _, low, high = bootstrap_mean_diff_ci(a, b, n_resamples=499, random_state=i)
        return low, high
    coverage = _coverage(draw, 0.5, 600, 6)
    assert 0.925 <= coverage <= 0.975, coverage


def test_difference_by_counts_when_one_sample_is_large(monkeypatch):
    """One large sample with few distinct values is enough for the counts route; the
    estimate is the difference of the two means whatever the route."""
    calls = []
    original = quantiles.bootstrap_means
    monkeypatch.setattr(quantiles, "bootstrap_means",
                        lambda v, k, rng: calls.append(v.size) or original(v, k, rng))
    rng = np.random.default_rng(8)
    a = rng.integers(0, 30, 50_000).astype(float)
    b = rng.normal(20, 5, 300)
    diff, low, high = bootstrap_mean_diff_ci(a, b, n_resamples=400)
    assert calls == [50_000, 300]
    assert diff == pytest.approx(b.mean() - a.mean(), abs=1e-12) and low < diff < high
