"""`empty_excluded` hands out copies of one template: each equals a freshly built table
(columns, dtypes, index, type) and changing one never changes the next."""

from __future__ import annotations

import pandas as pd

from kpitools.core.results import EXCLUDED_COLUMNS, ExcludedRows, empty_excluded


def test_empty_excluded_equals_a_fresh_table_and_copies_are_independent():
    fresh = ExcludedRows({c: pd.Series(dtype=object) for c in EXCLUDED_COLUMNS})
    first = empty_excluded()
    pd.testing.assert_frame_equal(first, fresh)
    assert type(first) is ExcludedRows and first.attrs == {}
    first.loc[0] = list(range(len(EXCLUDED_COLUMNS)))
    first.attrs["note"] = "changed"
    second = empty_excluded()
    pd.testing.assert_frame_equal(second, fresh)
    assert second.attrs == {} and second is not first
