"""The Hodges–Lehmann shift selected on frequency tables (`hodges_lehmann_counted`,
`kth_difference_counted`): every ordered difference equals the brute-force one, and the
shift, interval and method equal those selected on the values written out — which
`hodges_lehmann` now uses for samples with many ties (durations in whole seconds)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools.stats import quantiles
from kpitools.stats.quantiles import (
    hodges_lehmann,
    hodges_lehmann_counted,
    kth_difference_counted,
)

samples = st.lists(st.integers(0, 12), min_size=1, max_size=40).map(
    lambda v: np.asarray(v, dtype=float) / 2)


@settings(max_examples=60, deadline=None)
@given(a=samples, b=samples)
def test_every_ordered_difference_equals_brute_force(a, b):
    differences = np.sort((b[None, :] - a[:, None]).ravel())
    av, ac = np.unique(a, return_counts=True)
    bv, bc = np.unique(b, return_counts=True)
    for k in range(1, differences.size + 1):
        assert kth_difference_counted(av, ac, bv, bc, k) == differences[k - 1]
    assert kth_difference_counted(av, ac, bv, bc, 0) == -np.inf
    assert kth_difference_counted(av, ac, bv, bc, differences.size + 1) == np.inf


@settings(max_examples=60, deadline=None)
@given(a=samples, b=samples, alternative=st.sampled_from(["two-sided", "less", "greater"]),
       level=st.sampled_from([0.8, 0.95, 0.99]))
def test_shift_and_interval_equal_the_values_written_out(a, b, alternative, level):
    av, ac = np.unique(a, return_counts=True)
    bv, bc = np.unique(b, return_counts=True)
    got = hodges_lehmann_counted(av, ac, bv, bc, confidence_level=level,
                                 alternative=alternative)
    old = quantiles._COUNTED_HL_SHARE
    quantiles._COUNTED_HL_SHARE = -1.0  # the selection on every value
    try:
        want = hodges_lehmann(a, b, confidence_level=level, alternative=alternative)
    finally:
        quantiles._COUNTED_HL_SHARE = old
    assert tuple(got) == tuple(want)


def test_many_ties_take_the_counts_and_give_the_same_result(monkeypatch):
    """Two samples of 200,000 and 150,000 whole seconds (a few thousand distinct): the
    shift and interval are those selected on every value."""
    rng = np.random.default_rng(3)
    a = np.round(rng.exponential(600, 200_000))
    b = np.round(rng.exponential(660, 150_000))
    calls = []
    counted = quantiles.hodges_lehmann_counted
    monkeypatch.setattr(quantiles, "hodges_lehmann_counted",
                        lambda *args, **kw: calls.append(1) or counted(*args, **kw))
    got = hodges_lehmann(a, b)
    assert calls == [1]
    monkeypatch.setattr(quantiles, "_COUNTED_HL_SHARE", -1.0)
    want = hodges_lehmann(a, b)
    assert tuple(got) == tuple(want)
    assert got.method == "hodges_lehmann_normal" and got.low < got.shift < got.high


def test_distinct_values_go_through_every_value(monkeypatch):
    monkeypatch.setattr(quantiles, "hodges_lehmann_counted",
                        lambda *args, **kw: pytest.fail("counts used without ties"))
    rng = np.random.default_rng(1)
    shift, low, high, method = hodges_lehmann(rng.normal(0, 1, 3000), rng.normal(1, 1, 3000))
    assert low < shift < high and abs(shift - 1) < 0.15 and method == "hodges_lehmann_normal"
