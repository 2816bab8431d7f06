"""Statistics from frequency tables equal the same statistics on the rows they count."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools.stats.frequency import frequency_kruskal, frequency_moments, frequency_quantile_ci
from kpitools.stats.quantiles import grouped_quantile_ci
from kpitools.tables.keys import grouped_moments

tables = st.lists(
    st.tuples(st.integers(0, 3), st.integers(0, 40), st.integers(0, 6)),  # group, value, count
    min_size=1, max_size=40)


def expand(table):
    codes = np.array([g for g, _, _ in table], dtype=np.int64)
    values = np.array([v for _, v, _ in table], dtype=float)
    counts = np.array([c for _, _, c in table], dtype=np.int64)
    return codes, values, counts, np.repeat(values, counts), np.repeat(codes, counts)


@settings(max_examples=200, deadline=None)
@given(tables, st.sampled_from([0.1, 0.5, 0.9]), st.sampled_from([0.8, 0.95, 0.99]),
       st.sampled_from(["two-sided", "less", "greater"]))
def test_quantile_ci_equals_the_expanded_rows(table, q, level, alternative):
    codes, values, counts, rows, row_codes = expand(table)
    got = frequency_quantile_ci(values, counts, codes, 4, q, confidence_level=level,
                                alternative=alternative, bottom=0.0)
    want = grouped_quantile_ci(rows, row_codes, 4, q, confidence_level=level,
                               alternative=alternative, bottom=0.0)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True)


@settings(max_examples=200, deadline=None)
@given(tables)
def test_moments_equal_the_expanded_rows(table):
    codes, values, counts, rows, row_codes = expand(table)
    got = frequency_moments(values, counts, codes, 4)
    want = grouped_moments(row_codes, rows, 4)
    for a, b in zip(got, want, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True)


def test_large_offset_variance_is_exact():
    # values near 1e9 with a spread of 1: sum of squares minus square of sums loses it all
    values = np.array([1e9, 1e9 + 1, 1e9 + 2])
    count, mean, m2 = frequency_moments(values, [1, 1, 1], [0, 0, 0], 1)
    assert m2[0] == 2.0  # by hand: 1 + 0 + 1


def test_bad_counts_are_refused_naming_them():
    with pytest.raises(ValueError, match=r"\[-1\]"):
        frequency_quantile_ci([1.0], [-1], [0], 1)
    with pytest.raises(ValueError, match="NaN"):
        frequency_moments([np.nan], [1], [0], 1)


@settings(max_examples=200, deadline=None)
@given(tables)
def test_kruskal_equals_scipy_on_the_expanded_rows(table):
    from scipy import stats

    codes, values, counts, rows, row_codes = expand(table)
    got = frequency_kruskal(values, counts, codes, 4)
    samples = [rows[row_codes == g] for g in range(4) if (row_codes == g).any()]
    if len(samples) < 2 or np.unique(rows).size < 2:
        assert np.isnan(got[0]) and np.isnan(got[1])
        return
    want = stats.kruskal(*samples)
    np.testing.assert_allclose(got, (want.statistic, want.pvalue), rtol=1e-9, atol=1e-12)


def test_kruskal_by_hand():
    # ranks 1, 2 | 3, 4: H = 12 / (4 · 5) · (3² / 2 + 7² / 2) − 3 · 5 = 2.4, no ties
    h, p = frequency_kruskal([1, 2, 3, 4], [1, 1, 1, 1], [0, 0, 1, 1], 2)
    assert h == pytest.approx(2.4)
    assert p == pytest.approx(math.erfc(math.sqrt(2.4 / 2)))  # P(χ²₁ > x) = erfc(√(x/2))


def test_kruskal_weights_are_counts():
    # the value 1 twice in group 0 is two answers: the same as listing it twice
    a = frequency_kruskal([1, 3, 2, 4], [2, 1, 1, 1], [0, 0, 1, 1], 2)
    b = frequency_kruskal([1, 1, 3, 2, 4], [1, 1, 1, 1, 1], [0, 0, 0, 1, 1], 2)
    np.testing.assert_allclose(a, b, rtol=1e-12)
