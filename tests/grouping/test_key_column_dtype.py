"""`frames._key_column` reads the dtype of plain scalars from a one-row Series instead of
inserting the scalar into a frame: the same column (values and dtype) as the former code
for every kind of key."""

from __future__ import annotations

import datetime
import decimal

import numpy as np
import pandas as pd
import pytest

from kpitools.grouping import frames


def _former_key_column(keys: pd.Series, rows: np.ndarray) -> pd.Series:
    values = np.asarray(keys, dtype=object)
    missing = np.asarray(pd.isna(keys))
    examples = {}
    if missing.any():
        examples["missing"] = values[np.argmax(missing)]
    present = values[~missing]
    if pd.api.types.is_object_dtype(keys.dtype):
        for v in present.tolist():
            examples.setdefault(type(v), v)
    elif present.size:
        examples["value"] = present[0]
    parts = []
    for v in examples.values():
        part = pd.DataFrame(index=pd.RangeIndex(1))
        part.insert(0, "key", v)
        parts.append(part)
    dtype = (parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True))["key"].dtype
    taken = values[rows]
    if pd.api.types.is_object_dtype(dtype):
        return pd.Series(taken, dtype=object)
    return pd.Series(taken).infer_objects().astype(dtype)


KEYS = {
    "str": pd.Series(["b", "a", "c"]),
    "object str": pd.Series(np.array(["b", "a", "c"], dtype=object)),
    "numpy str_": pd.Series(np.array([np.str_("x"), np.str_("y")], dtype=object)),
    "int64": pd.Series([3, 1, 2]),
    "int8": pd.Series(np.array([3, -1], dtype=np.int8)),
    "uint16": pd.Series(np.array([3, 1], dtype=np.uint16)),
    "float32": pd.Series(np.array([0.5, 1.5], dtype=np.float32)),
    "float": pd.Series([0.5, 2.0]),
    "bool": pd.Series([True, False]),
    "object bool": pd.Series(np.array([np.bool_(True), np.bool_(False)], dtype=object)),
    "categorical": pd.Series(pd.Categorical(["q1", "q2"])),
    "categorical ints": pd.Series(pd.Categorical([10, 20])),
    "with missing": pd.Series(["a", None, "b"]),
    "float with NaN": pd.Series([1.0, np.nan]),
    "mixed": pd.Series(np.array([1, "a", 2.5], dtype=object)),
    "timestamps": pd.Series(pd.to_datetime(["2026-01-01", "2026-02-01"])),
    "dates": pd.Series([datetime.date(2026, 1, 1), datetime.date(2026, 1, 2)]),
    "decimals": pd.Series([decimal.Decimal("1.5"), decimal.Decimal("2")]),
    "nullable Int64": pd.Series([1, None], dtype="Int64"),
    "string[python]": pd.Series(["a", "b"], dtype="string[python]"),
    "none only": pd.Series([None, None], dtype=object),
}


@pytest.mark.parametrize("kind", list(KEYS))
def test_key_column_equals_the_former_one(kind):
    keys = KEYS[kind]
    rows = np.random.default_rng(len(kind)).integers(0, len(keys), 12)
    got, want = frames._key_column(keys, rows), _former_key_column(keys, rows)
    assert got.dtype == want.dtype
    pd.testing.assert_series_equal(got, want, check_exact=True)
