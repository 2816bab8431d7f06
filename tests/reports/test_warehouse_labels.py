"""The warehouse reader's label columns equal the former conversion, on random inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpitools.engines.warehouse import _categorical_labels


@pytest.mark.parametrize("dtype", ["str", "object"])
@pytest.mark.parametrize("seed", range(4))
def test_categorical_labels_equal_the_former_conversion(dtype, seed):
    rng = np.random.default_rng(seed)
    pool = np.array(["b", "a", "Ä", "2026Q1", "", None, "a ", "Billing"], dtype=object)
    for k in range(25):
        n = int(rng.integers(0, 500))
        values = pd.Series(pool[rng.integers(0, 8 if k % 2 else 5, n)], dtype=dtype,
                           index=rng.permutation(n) + 3, name="team")
        want = values.astype(object).where(values.notna(), None).astype("category")
        pd.testing.assert_series_equal(_categorical_labels(values), want)


def test_without_identifiers_same_tables_less_columns(tmp_path):
    from kpitools.datasets import load_sample_data
    from kpitools.reports import sections as rp

    sample = load_sample_data()
    sample.surveys.to_parquet(tmp_path / "surveys.parquet")
    for source in (tmp_path, ""):
        full = rp.load_data(source)
        lean = rp.load_data(source, identifiers=False)
        assert {"response_id", "customer_id"} <= set(full.surveys.columns)
        pd.testing.assert_frame_equal(
            lean.surveys, full.surveys.drop(columns=["response_id", "customer_id"]))
        for name in ("tickets", "calls"):
            pd.testing.assert_frame_equal(lean.tables()[name], full.tables()[name])
    head = rp.headline_table(full.surveys, period="2026Q3")
    pd.testing.assert_frame_equal(rp.headline_table(lean.surveys, period="2026Q3").data,
                                  head.data)
