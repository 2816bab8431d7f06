"""Narrow key codes (issue 13) give the same groups as the former int64 codes.

`_reference_group_codes` is the implementation before issue 13 (every code widened to
int64); `group_codes` must give equal codes and key frames on random keys with missing
values, unused categories, several keys, and combinations past the dense limit, while
keeping int32 codes and the categorical codes' own narrow dtype.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kpitools.tables import keys as keys_module
from kpitools.tables.keys import (
    KeyCodes,
    column_sums,
    fold_columns,
    group_codes,
    grouped_counts,
    grouped_scale_counts,
)


def _reference_codes_of(column):
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy().astype(np.int64)
        uniques = pd.Index(column.cat.categories)
    else:
        raw_codes, raw_uniques = pd.factorize(column, sort=False, use_na_sentinel=True)
        uniques_index = pd.Index(raw_uniques)
        try:
            order = np.argsort(uniques_index.to_numpy(), kind="stable")
        except TypeError:
            order = np.argsort(uniques_index.astype(str).to_numpy(), kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        uniques = uniques_index.take(order)
        codes = raw_codes.astype(np.int64)
        if len(order):
            codes = np.where(codes >= 0, rank.take(np.maximum(codes, 0)), -1)
    if (codes < 0).any():
        codes = np.where(codes < 0, len(uniques), codes)
        uniques = uniques.append(pd.Index([np.nan]))
    return codes, uniques


def _reference_group_codes(data, keys):
    per_key = [_reference_codes_of(data[k]) for k in keys]
    sizes = [max(len(u), 1) for _, u in per_key]
    combined = per_key[0][0]
    for (codes, _), size in zip(per_key[1:], sizes[1:], strict=True):
        combined = combined * size + codes
    present, dense = np.unique(combined, return_inverse=True)
    flat = np.unravel_index(present, sizes)
    frame = pd.DataFrame({k: u.take(pos) for k, (_, u), pos in zip(keys, per_key, flat,
                                                                   strict=True)})
    for k in keys:
        if isinstance(data[k].dtype, pd.CategoricalDtype):
            frame[k] = frame[k].astype(data[k].dtype)
    return dense.astype(np.int64), frame


def _random_frame(rng, rows, n_levels, *, kind):
    words = np.array([f"w{i:05d}" for i in range(n_levels)], dtype=object)
    picked = words[rng.integers(0, n_levels, rows)]
    picked[rng.random(rows) < 0.03] = None
    if kind == "object":
        return pd.Series(picked, dtype=object)
    if kind == "str":
        return pd.Series(picked).astype("str")
    if kind == "category":  # unused levels and missing keys
        return pd.Series(pd.Categorical(picked, categories=list(words) + ["unused"]))
    ints = rng.integers(0, n_levels, rows).astype(float)
    ints[rng.random(rows) < 0.03] = np.nan
    return pd.Series(ints)


@pytest.mark.parametrize("kinds, levels", [
    (("object",), (50,)),
    (("str",), (300,)),
    (("category",), (120,)),           # int8 categorical codes, 127 with missing
    (("category",), (40_000,)),        # int32 codes
    (("object", "category"), (30, 8)),
    (("int", "str", "category"), (12, 7, 5)),
    (("object", "object"), (3_000, 3_000)),  # product past the dense limit below
])
def test_equal_to_the_int64_version(kinds, levels, monkeypatch):
    monkeypatch.setattr(keys_module, "_DENSE_LIMIT", 1_000_000)
    rng = np.random.default_rng(sum(levels))
    rows = 20_000
    data = pd.DataFrame({f"k{i}": _random_frame(rng, rows, n, kind=kind)
                         for i, (kind, n) in enumerate(zip(kinds, levels, strict=True))})
    names = list(data.columns)
    codes, groups = group_codes(data, names)
    want_codes, want_groups = _reference_group_codes(data, names)
    np.testing.assert_array_equal(codes, want_codes)
    pd.testing.assert_frame_equal(groups, want_groups)
    assert codes.dtype == np.int32


def test_categorical_codes_are_not_widened_or_modified():
    cat = pd.Categorical(["b", None, "a", "b"], categories=["a", "b", "c"])
    data = pd.DataFrame({"team": cat})
    before = data["team"].cat.codes.to_numpy().copy()
    codes, uniques = keys_module._codes_of(data["team"])
    assert codes.dtype == np.int8 and codes.tolist() == [1, 3, 0, 1]
    assert list(uniques[:3]) == ["a", "b", "c"] and pd.isna(uniques[3])
    np.testing.assert_array_equal(data["team"].cat.codes.to_numpy(), before)
    kc = KeyCodes(data, ["team"])
    assert kc.combined.dtype == np.int32


def test_code_dtype_is_the_narrowest_that_fits():
    assert keys_module._code_dtype(127) == np.int8
    assert keys_module._code_dtype(128) == np.int16
    assert keys_module._code_dtype(40_000) == np.int32
    assert keys_module._code_dtype(5, at_least=np.int32) == np.int32
    assert keys_module._code_dtype(2**31) == np.int64


def test_grouped_counts_do_not_overflow_narrow_codes():
    codes = np.array([0, 1, 1, 2], dtype=np.int32)
    cats = np.array([1, 0, 1, -1], dtype=np.int8)
    got = grouped_counts(codes, cats, 3, 2)
    assert got.tolist() == [[0, 1], [1, 1], [0, 0]]


@pytest.mark.parametrize("seed", range(6))
def test_column_sums_equal_numpy_sums(seed):
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 50, (int(rng.integers(0, 40)), 12))
    for columns in (slice(9, 11), slice(0, 7), slice(0, -1), slice(5, 5), [0, 3, 11], []):
        got = column_sums(counts, columns)
        want = counts[:, columns].sum(axis=1)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    before = counts.copy()
    column_sums(counts, slice(0, 3))
    np.testing.assert_array_equal(counts, before)  # the input is not changed


def _reference_fold(counts, fold):
    # column j of the result: the sum of the columns i with fold[i] == j (a plain loop)
    out = np.zeros((counts.shape[0], max(fold) + 1), dtype=np.int64)
    for i, j in enumerate(fold):
        out[:, j] += counts[:, i]
    return out


@pytest.mark.parametrize("seed", range(16))
def test_folded_scale_counts_equal_the_folded_full_counts(monkeypatch, seed):
    # the fold counts answers straight into fewer columns: the same as counting every
    # answer and summing the columns; ints and floats with NaN, lower 0 or not, one block
    # or many, dense keys or keys renumbered past the dense limit
    rng = np.random.default_rng(4200 + seed)
    if seed % 2:
        monkeypatch.setattr(keys_module, "_BLOCK_ROWS", 61)
    if seed % 8 < 4:  # fold row by row (large tables), else fold the counted table
        monkeypatch.setattr(keys_module, "_FOLD_AFTER_SLOTS", -1)
    if seed % 4 == 3:
        monkeypatch.setattr(keys_module, "_DENSE_LIMIT", 4)
    lower, upper = [(0, 10), (1, 5), (-3, 3), (1, 7)][seed % 4]
    rows = int(rng.integers(1, 900))
    values = rng.integers(lower, upper + 1, rows)
    if seed % 3 == 0:
        values = values.astype(float)
        values[rng.random(rows) < 0.1] = np.nan
    elif seed % 3 == 1:
        values = values.astype(rng.choice(["int8", "int16", "int32"]))
    data = pd.DataFrame({"team": rng.choice(["a", "b", "c", "d"], rows),
                         "site": rng.integers(0, 5, rows)})
    kc = KeyCodes(data, ["team", "site"])
    width = upper - lower + 2
    fold = rng.integers(0, int(rng.integers(1, 5)), width)
    full, missing = grouped_scale_counts(kc, values, lower, upper)
    folded, folded_missing = grouped_scale_counts(kc, values, lower, upper, fold=fold)
    want = _reference_fold(full, fold)
    assert folded.dtype == np.int64
    np.testing.assert_array_equal(folded, want)
    np.testing.assert_array_equal(fold_columns(full, fold), want)
    assert (missing is None) == (folded_missing is None)
    if missing is not None:
        np.testing.assert_array_equal(missing, folded_missing)
    assert folded.sum() == rows


@pytest.mark.parametrize("fold_after", [-1, 1 << 18])  # fold row by row / after counting
def test_folded_scale_counts_refuse_what_the_full_counts_refuse(monkeypatch, fold_after):
    monkeypatch.setattr(keys_module, "_FOLD_AFTER_SLOTS", fold_after)
    kc = KeyCodes(pd.DataFrame({"team": ["a", "b"]}), ["team"])
    fold = np.array([0, 1, 1])  # answers 1, 2 and missing
    assert grouped_scale_counts(kc, np.array([1, 4]), 1, 2, fold=fold) is None  # outside
    assert grouped_scale_counts(kc, np.array([1.5, 2.0]), 1, 2, fold=fold) is None
    folded, missing = grouped_scale_counts(kc, np.array([1.0, np.nan]), 1, 2, fold=fold)
    assert folded.tolist() == [[1, 0], [0, 1]] and missing.tolist() == [False, True]
    with pytest.raises(ValueError, match="fold needs 3 column numbers"):
        grouped_scale_counts(kc, np.array([1, 2]), 1, 2, fold=np.array([0, 0, 1, 2]))
    with pytest.raises(ValueError, match="fold needs 3 column numbers"):
        grouped_scale_counts(kc, np.array([1, 2]), 1, 2, fold=np.array([0, -1, 1]))
