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
        assert "customer_id" in full.tickets.columns  # read only by NIA, in no report
        pd.testing.assert_frame_equal(lean.tickets, full.tickets.drop(columns=["customer_id"]))
        pd.testing.assert_frame_equal(lean.calls, full.calls)
    head = rp.headline_table(full.surveys, period="2026Q3")
    pd.testing.assert_frame_equal(rp.headline_table(lean.surveys, period="2026Q3").data,
                                  head.data)
    for period in ("2026Q3", "2026-08"):  # the ticket sections do not read the customer
        ops = rp.operations_table(full.tickets, full.calls, period=period)
        lean_ops = rp.operations_table(lean.tickets, lean.calls, period=period)
        pd.testing.assert_frame_equal(lean_ops.data, ops.data)
        assert lean_ops.notes == ops.notes
        pd.testing.assert_frame_equal(
            rp.channel_operations_table(lean.tickets, period=period).data,
            rp.channel_operations_table(full.tickets, period=period).data)
