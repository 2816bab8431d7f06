"""Integer keys by direct addressing (`keys._integer_codes`) give the codes and sorted
uniques of the hash-table path (`pd.factorize`, then the uniques sorted) exactly: same
values, same dtypes, for every NumPy integer dtype, negative values, the dtype's extremes,
sparse and dense ranges, one key or several; and `kt.summarize` gives the same table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kpitools as kt
from kpitools.tables import keys as keys_module
from kpitools.tables.keys import group_codes

DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]


def _hash_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys_module, "_DIRECT_SLACK", -(1 << 62))  # never direct


def _column(rng: np.random.Generator, dtype: str, rows: int) -> pd.Series:
    info = np.iinfo(dtype)
    kind = int(rng.integers(0, 4))
    if kind == 0:  # the dtype's extremes (a wide range for the wide dtypes)
        values = rng.choice(np.array([info.min, info.min + 1, 0, info.max - 1, info.max],
                                     dtype=dtype), rows)
    elif kind == 1:  # a narrow range far from zero
        base = int(rng.integers(info.min // 2, info.max // 2))
        values = (base + rng.integers(0, min(50, info.max - base), rows)).astype(dtype)
    elif kind == 2:  # ids with gaps (1,000,000 + 7 k)
        values = np.clip(1_000 + 7 * rng.integers(0, 3 * rows + 1, rows),
                         info.min, info.max).astype(dtype)
    else:  # everything in the dtype (sparse for the wide ones)
        values = rng.integers(info.min, info.max, rows, dtype=dtype, endpoint=True)
    return pd.Series(values)


@pytest.mark.parametrize("seed", range(40))
def test_integer_codes_equal_the_hash_path(monkeypatch, seed):
    rng = np.random.default_rng(700 + seed)
    dtype = DTYPES[seed % len(DTYPES)]
    column = _column(rng, dtype, int(rng.integers(1, 3000)))
    got_codes, got_uniques = keys_module._codes_of(column)
    with monkeypatch.context() as m:
        _hash_path(m)
        want_codes, want_uniques = keys_module._codes_of(column)
    assert got_codes.dtype == want_codes.dtype
    np.testing.assert_array_equal(got_codes, want_codes)
    pd.testing.assert_index_equal(got_uniques, want_uniques, exact=True)


def test_integer_codes_take_only_dense_numpy_integers():
    assert keys_module._integer_codes(pd.Series([1, 2**40], dtype="int64")) is None  # sparse
    assert keys_module._integer_codes(pd.Series([1, 2], dtype="Int64")) is None  # nullable
    assert keys_module._integer_codes(pd.Series([1.0, 2.0])) is None
    assert keys_module._integer_codes(pd.Series([], dtype="int64")) is None
    codes, uniques = keys_module._integer_codes(pd.Series([9, -3, 9], dtype="int16"))
    assert codes.tolist() == [1, 0, 1] and uniques.tolist() == [-3, 9]


@pytest.mark.filterwarnings("ignore::kpitools.core.errors.SmallSampleWarning")
@pytest.mark.parametrize("seed", range(6))
def test_group_codes_and_summarize_with_integer_keys_unchanged(monkeypatch, seed):
    rng = np.random.default_rng(800 + seed)
    rows = int(rng.integers(50, 4000))
    data = pd.DataFrame({
        "customer_id": 1_000_000 + 7 * rng.integers(0, rows // 3 + 1, rows),
        "site": rng.integers(-3, 4, rows).astype(("int8", "uint16", "int32")[seed % 3]),
        "team": pd.Categorical(rng.choice(["a", "b", None], rows)),
        "score": rng.integers(0, 11, rows),
    })
    keys = [["customer_id"], ["site", "customer_id"], ["team", "site"]][seed % 3]
    got_codes, got_frame = group_codes(data, keys)
    got = kt.summarize(data, kpi="nps", value="score", by=keys)
    with monkeypatch.context() as m:
        _hash_path(m)
        want_codes, want_frame = group_codes(data, keys)
        want = kt.summarize(data, kpi="nps", value="score", by=keys)
    np.testing.assert_array_equal(got_codes, want_codes)
    pd.testing.assert_frame_equal(got_frame, want_frame)
    pd.testing.assert_frame_equal(got, want)


def _former_frame(kc: keys_module.KeyCodes, positions: np.ndarray) -> pd.DataFrame:
    """`KeyCodes.frame` before categorical keys were built from their codes."""
    flat = positions if kc._present is None else kc._present[positions]
    unravelled = np.unravel_index(flat, kc._sizes)
    groups = pd.DataFrame({k: u.take(pos) for k, (_, u), pos
                           in zip(kc.keys, kc._per_key, unravelled, strict=True)})
    for k, dtype in zip(kc.keys, kc._dtypes, strict=True):
        if isinstance(dtype, pd.CategoricalDtype):
            groups[k] = groups[k].astype(dtype)
    return groups


@pytest.mark.parametrize("seed", range(12))
def test_key_frame_of_categorical_keys_equals_the_former_frame(monkeypatch, seed):
    rng = np.random.default_rng(950 + seed)
    rows = int(rng.integers(1, 500))
    levels = ["q1", "q3", "q2", "q4"]
    data = pd.DataFrame({
        "team": pd.Categorical(rng.choice(["b", "a", None, "c"], rows),
                               categories=["c", "a", "b", "unused"], ordered=seed % 2 == 1),
        "quarter": pd.Categorical(rng.choice(levels[:3], rows), categories=levels),
        "site": rng.integers(0, 5, rows),
        "code": pd.Categorical(rng.integers(0, 4, rows) * 10),
    })
    keys = [["team"], ["team", "quarter"], ["site", "team"], ["code", "quarter", "team"]][
        seed % 4]
    if seed % 3 == 2:  # renumbered positions (past the dense limit)
        monkeypatch.setattr(keys_module, "_DENSE_LIMIT", 1)
    kc = keys_module.KeyCodes(data, keys)
    positions = np.unique(kc.combined)
    got, want = kc.frame(positions), _former_frame(kc, positions)
    pd.testing.assert_frame_equal(got, want, check_exact=True, check_column_type=True)
    for k in keys:
        assert got[k].dtype == want[k].dtype


def test_integer_codes_take_ids_up_to_four_times_the_rows_apart():
    # 100k rows of ids 7 apart: the range (≈ 350k) is past twice the rows plus the slack
    # (the former limit) and within four times: direct addressing, equal to the hash path
    rng = np.random.default_rng(5)
    column = pd.Series(1_000_000 + 7 * rng.integers(0, 50_000, 100_000))
    span = int(column.max() - column.min()) + 1
    assert 2 * len(column) + keys_module._DIRECT_SLACK < span
    assert span <= keys_module._DIRECT_SPAN * len(column) + keys_module._DIRECT_SLACK
    direct = keys_module._integer_codes(column)
    assert direct is not None
    want_codes, want_uniques = pd.factorize(column, sort=True)
    np.testing.assert_array_equal(direct[0], want_codes)
    pd.testing.assert_index_equal(direct[1], pd.Index(want_uniques))
    wide = pd.Series(7 * np.arange(10_000) * keys_module._DIRECT_SPAN)  # range ≈ 28× rows
    assert 7 * 4 * 10_000 > keys_module._DIRECT_SPAN * 10_000 + keys_module._DIRECT_SLACK
    assert keys_module._integer_codes(wide) is None
