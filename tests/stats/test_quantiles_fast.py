"""The fast grouped quantiles (radix sort + partition) equal the former full-sort version.

`_lexsort_reference` is the implementation before issue 13 (one ``np.lexsort`` by group and
value, then indexing); every path of `grouped_quantile_ci` (one group, few large groups
partitioned block by block, many small groups sorted once, codes past 16 bits) must give the
same numbers on random inputs with ties, NaN, groups of one value and empty groups.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools.core import parallel
from kpitools.stats import quantiles
from kpitools.stats.quantiles import grouped_quantile_ci, quantile_ci_ranks


def _lexsort_reference(x, g, n_groups, q, level=0.95, alternative="two-sided", bottom=0.0):
    x = np.asarray(x, dtype=float)
    g = np.asarray(g, dtype=np.int64)
    xs = x[np.lexsort((x, g))]
    n = np.bincount(g, minlength=n_groups).astype(np.int64)
    start = np.concatenate([[0], np.cumsum(n)[:-1]]).astype(np.int64)
    est, low, high, cov = (np.full(n_groups, np.nan) for _ in range(4))
    has = n > 0
    if has.any():
        nh, sh = n[has], start[has]
        h = (nh - 1) * q
        lo = np.floor(h).astype(np.int64)
        hi = np.minimum(lo + 1, nh - 1)
        est[has] = xs[sh + lo] + (h - lo) * (xs[sh + hi] - xs[sh + lo])
        r, s, c = quantile_ci_ranks(nh, q, confidence_level=level, alternative=alternative)
        r, s = np.atleast_1d(r), np.atleast_1d(s)
        low[has] = np.where(r > 0, xs[sh + np.maximum(r, 1) - 1], bottom)
        high[has] = np.where(s <= nh, xs[sh + np.minimum(s, nh) - 1], np.inf)
        cov[has] = c
    return est, low, high, n, cov


def _assert_same(got, want):
    for name, a, b in zip(("estimate", "low", "high", "n", "coverage"), got, want,
                          strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=name)


def _data(rng, rows, n_groups, *, ties=True, nan_share=0.0, empty=0):
    g = rng.integers(0, n_groups - empty, rows) if n_groups > empty else np.zeros(rows, int)
    if ties:
        x = np.round(rng.lognormal(2.0, 1.0, rows))  # whole minutes: many ties
    else:
        x = rng.lognormal(2.0, 1.0, rows)
    if nan_share:
        x[rng.random(rows) < nan_share] = np.nan
    return x, g


@pytest.mark.parametrize("rows, n_groups", [
    (20_000, 7),        # few large groups: partition path
    (200_000, 400),     # the benchmark's shape, smaller
    (3_000, 1_500),     # many small groups: one sort
    (50_000, 40_000),   # codes past int16: two-digit radix
    (200_000, 70_000),  # codes past 16 bits
])
@pytest.mark.parametrize("q", [0.5, 0.9, 0.1])
def test_equal_to_lexsort_version(rows, n_groups, q):
    rng = np.random.default_rng(rows + n_groups)
    x, g = _data(rng, rows, n_groups, empty=3)
    got = grouped_quantile_ci(x, g, n_groups, q, bottom=0.0)
    _assert_same(got, _lexsort_reference(x, g, n_groups, q))


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
def test_equal_with_nan_singletons_and_empty_groups(alternative):
    rng = np.random.default_rng(7)
    x, g = _data(rng, 5_000, 30, nan_share=0.05, empty=4)
    # groups of one value and a group of one NaN
    x = np.concatenate([x, [3.0, np.nan, 5.0]])
    g = np.concatenate([g, [26, 27, 28]]).astype(np.int64)
    n_groups = 30
    got = grouped_quantile_ci(x, g, n_groups, 0.5, alternative=alternative, bottom=0.0)
    want = _lexsort_reference(x, g, n_groups, 0.5, alternative=alternative)
    _assert_same(got, want)
    assert got.n[29] == 0 and np.isnan(got.estimate[29])


def test_both_paths_agree_on_the_same_data(monkeypatch):
    rng = np.random.default_rng(3)
    x, g = _data(rng, 30_000, 50, nan_share=0.01, empty=2)
    partitioned = grouped_quantile_ci(x, g, 50, 0.75)
    monkeypatch.setattr(quantiles, "_PARTITION_MAX_GROUPS", 0)
    sorted_once = grouped_quantile_ci(x, g, 50, 0.75)
    _assert_same(partitioned, sorted_once)
    _assert_same(sorted_once, _lexsort_reference(x, g, 50, 0.75, bottom=-np.inf))


def test_narrow_codes_are_accepted_and_not_modified():
    x = np.array([5.0, 1.0, 3.0, 2.0, 4.0, 9.0])
    for dtype in (np.int8, np.int16, np.int32, np.uint16, np.int64):
        g = np.array([1, 0, 1, 0, 1, 0], dtype=dtype)
        before = g.copy()
        got = grouped_quantile_ci(x, g, 3, 0.5)
        np.testing.assert_array_equal(g, before)
        assert got.estimate[:2].tolist() == [2.0, 4.0]  # medians of {1,2,9} and {5,3,4}
        assert got.n.tolist() == [3, 3, 0]


def test_codes_outside_the_groups_are_refused():
    with pytest.raises(ValueError, match="group code 5 at position 1"):
        grouped_quantile_ci([1.0, 2.0], [0, 5], 3)
    with pytest.raises(ValueError, match="group code -1 at position 0"):
        grouped_quantile_ci([1.0, 2.0], [-1, 0], 3)
    with pytest.raises(TypeError, match="integers"):
        grouped_quantile_ci([1.0, 2.0], [0.0, 1.0], 3)


def test_estimate_is_numpys_type7_quantile():
    # independent: numpy's default ("linear", Hyndman–Fan 7) quantile per group
    rng = np.random.default_rng(11)
    x, g = _data(rng, 4_000, 12, ties=False)
    got = grouped_quantile_ci(x, g, 12, 0.9)
    want = [np.quantile(x[g == k], 0.9) for k in range(12)]
    np.testing.assert_allclose(got.estimate, want, rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(data=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 20)), min_size=1,
                     max_size=200),
       q=st.floats(0.05, 0.95), small=st.booleans())
def test_property_equal_to_lexsort_version(data, q, small):
    g = np.array([d[0] for d in data], dtype=np.int64)
    x = np.array([float(d[1]) for d in data])
    n_groups = 7
    if small:  # force the partition path even for tiny groups
        old = quantiles._PARTITION_MIN_SIZE
        quantiles._PARTITION_MIN_SIZE = 0
        try:
            got = grouped_quantile_ci(x, g, n_groups, q)
        finally:
            quantiles._PARTITION_MIN_SIZE = old
    else:
        got = grouped_quantile_ci(x, g, n_groups, q)
    _assert_same(got, _lexsort_reference(x, g, n_groups, q, bottom=-np.inf))


def _sorted_reference(t: np.ndarray, keep: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The kept values in (group, value) order, by a plain lexsort."""
    kept, groups = t[keep], g[keep]
    return kept[np.lexsort((kept, groups))]


@pytest.mark.parametrize("rows, n_groups", [(5_000, 3), (60_000, 20_000), (200_000, 7),
                                            (30_000, 1)])
@pytest.mark.parametrize("share_kept", [1.0, 0.7])
@pytest.mark.parametrize("threads", [1, 3])
def test_ticks_at_positions_read_the_sorted_order(rows, n_groups, share_kept, threads,
                                                  monkeypatch):
    """`tick_cells` + `ticks_at_positions` give the values at any positions of the kept
    rows sorted by (group, value): few and many groups (partition and one-sort routes),
    rows not kept holding any integer (also negative), ties and zeros; the rows' passes
    in one thread or in parts (three threads here, whatever the machine)."""
    if threads > 1:
        monkeypatch.setattr(quantiles, "_THREADED_FROM", 1)
        monkeypatch.setattr(parallel, "cores", lambda: threads)
    rng = np.random.default_rng(rows + n_groups)
    t = np.where(rng.random(rows) < 0.1, rng.integers(0, 3, rows),
                 np.round(rng.lognormal(8.0, 2.0, rows))).astype(np.int64)
    keep = rng.random(rows) < share_kept
    t[~keep] = rng.integers(-10**12, 10**12, int((~keep).sum()))
    g = rng.integers(0, n_groups, rows)
    cells = quantiles.tick_cells(t, keep, g, n_groups)
    assert cells is not None
    np.testing.assert_array_equal(cells.n, np.bincount(g[keep], minlength=n_groups))
    want = _sorted_reference(t, keep, g)
    pos = np.unique(rng.integers(0, want.size, 3_000))
    np.testing.assert_array_equal(quantiles.ticks_at_positions(t, cells, pos), want[pos])
    every = np.arange(want.size)  # every position: the whole sorted order
    np.testing.assert_array_equal(quantiles.ticks_at_positions(t, cells, every), want)


@settings(max_examples=60, deadline=None)
@given(data=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 10**9), st.booleans()),
                     min_size=1, max_size=300))
def test_property_ticks_at_positions_equal_a_sort(data):
    g = np.array([d[0] for d in data], dtype=np.int64)
    t = np.array([d[1] for d in data], dtype=np.int64)
    keep = np.array([d[2] for d in data])
    cells = quantiles.tick_cells(t, keep, g, 5)
    want = _sorted_reference(t, keep, g)
    got = quantiles.ticks_at_positions(t, cells, np.arange(want.size))
    np.testing.assert_array_equal(got, want)


def test_tick_cells_refuse_what_they_cannot_order():
    t = np.array([1, 2, 3], dtype=np.int64)
    with pytest.raises(TypeError, match="int64"):
        quantiles.tick_cells(t.astype(float), np.ones(3, bool), np.zeros(3, int), 1)
    with pytest.raises(ValueError, match="non-negative"):
        quantiles.tick_cells(np.array([1, -2, 3]), np.ones(3, bool), np.zeros(3, int), 1)
    assert quantiles.tick_cells(t, np.ones(3, bool), np.zeros(3, int),
                                quantiles._TICK_MAX_CELLS + 1) is None


@pytest.mark.parametrize("spread", ["narrow", "each chunk far apart"])
@pytest.mark.parametrize("threads", [1, 2])
def test_picked_by_chunk_reads_the_sorted_order(spread, threads, monkeypatch):
    """The one-sort route keys each value by (chunk, value less the smallest of all) or,
    when that does not fit in 62 bits, less its chunk's smallest; sorted in one piece or
    in ranges of chunks in threads: the same values as a lexsort."""
    if threads > 1:
        monkeypatch.setattr(quantiles, "_THREADED_FROM", 1)
        monkeypatch.setattr(parallel, "cores", lambda: threads)
    rng = np.random.default_rng(5)
    n_chunks = quantiles._PARTITION_MAX_GROUPS + 1_000
    chunk = rng.integers(0, n_chunks, 40_000)
    x = rng.integers(0, 1_000, chunk.size).astype(np.int64)
    if spread != "narrow":
        x += chunk.astype(np.int64) << 49  # all values: 62 bits, each chunk's: 10
    order = np.lexsort((x, chunk))
    at = np.sort(rng.choice(chunk.size, 500, replace=False))
    got = quantiles._picked_by_chunk(x, chunk, n_chunks, at)
    np.testing.assert_array_equal(got, x[order][at])
