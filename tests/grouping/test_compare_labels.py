"""`frames._labels_of` (the ``group_a``/``group_b`` columns of the vectorised compare)
infers the dtype from the distinct labels used and then takes them: the same Series as
inferring from every row (`_as_scalars`), for labels of every kind."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest

from kpitools.grouping import frames

POOLS = {
    "str": ["2024Q3", "2024Q4", "2025Q1"],
    "int": [1, 2, 3],
    "big int": [1, 2**63, 5],
    "float": [0.5, 1.0, 2.5],
    "bool": [True, False],
    "mixed": [1, "a", 2.5],
    "int and str": [7, "7"],
    "int and float": [1, 2.5],
    "timestamps": [pd.Timestamp("2026-01-01"), pd.Timestamp("2026-02-01")],
    "timestamps tz": [pd.Timestamp("2026-01-01", tz="UTC"),
                      pd.Timestamp("2026-01-01", tz="Europe/Paris")],
    "dates": [datetime.date(2026, 1, 1), datetime.date(2026, 1, 2)],
    "periods": [pd.Period("2026Q1"), pd.Period("2026Q2")],
    "numpy ints": [np.int8(1), np.int64(2)],
}


@pytest.mark.parametrize("kind", list(POOLS))
@pytest.mark.parametrize("seed", range(4))
def test_labels_of_equals_inferring_every_row(kind, seed):
    rng = np.random.default_rng(seed)
    pool = POOLS[kind]
    labels = np.empty(len(pool) + 2, dtype=object)
    labels[:] = [*pool, pool[0], pool[-1]]
    which = rng.integers(0, len(labels) - (seed % 2) * 2, int(rng.integers(1, 40)))
    got = frames._labels_of(labels, which)
    want = frames._as_scalars(labels[which])
    assert got.dtype == want.dtype
    pd.testing.assert_series_equal(got, want, check_exact=True)
