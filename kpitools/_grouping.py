"""Vectorised grouping: integer group codes for one or more key columns, and per-group counts.

Grouped KPIs are computed from counts in one pass (``numpy.bincount`` over combined group and
category codes) instead of ``groupby().apply`` with a Python function per group.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["normalize_keys", "group_codes", "grouped_counts"]

#: Above this many possible key combinations, fall back to ``np.unique`` on combined codes.
_DENSE_LIMIT = 5_000_000


def normalize_keys(by: str | Sequence[str] | None, data: pd.DataFrame) -> list[str]:
    """``by`` as a list of column names, each checked to exist in ``data``."""
    if by is None:
        return []
    keys = [by] if isinstance(by, str) else list(by)
    missing = [k for k in keys if k not in data.columns]
    if missing:
        listed = ", ".join(repr(c) for c in data.columns[:20])
        raise KeyError(f"grouping column(s) {missing} not in the data; columns are {listed}")
    if len(set(keys)) != len(keys):
        raise ValueError(f"grouping columns repeat: {keys}")
    return keys


def _codes_of(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes and sorted unique values of one key column; a missing key is its own group."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy().astype(np.int64)
        uniques = pd.Index(column.cat.categories)
        if (codes < 0).any():
            codes = np.where(codes < 0, len(uniques), codes)
            uniques = uniques.append(pd.Index([np.nan]))
        return codes, uniques
    codes, uniques = pd.factorize(column, sort=True, use_na_sentinel=False)
    return codes.astype(np.int64), pd.Index(uniques)


def group_codes(data: pd.DataFrame, keys: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Dense group codes ``0..G-1`` for every row and the frame of the G key combinations.

    Groups are sorted by the key values (missing keys last) and only combinations that occur
    are returned.

    Examples
    --------
    >>> df = pd.DataFrame({"team": ["b", "a", "b"], "q": [1, 1, 2]})
    >>> codes, groups = group_codes(df, ["team", "q"])
    >>> codes.tolist()
    [1, 0, 2]
    >>> groups.to_dict("list")
    {'team': ['a', 'b', 'b'], 'q': [1, 1, 2]}
    """
    n = len(data)
    if not keys:
        return np.zeros(n, dtype=np.int64), pd.DataFrame(index=pd.RangeIndex(1))
    per_key = [_codes_of(data[k]) for k in keys]
    sizes = [max(len(u), 1) for _, u in per_key]
    combined = np.zeros(n, dtype=np.int64)
    for codes, size in zip((c for c, _ in per_key), sizes):
        combined = combined * size + codes
    total = int(np.prod(sizes, dtype=np.float64))
    if total <= _DENSE_LIMIT:
        present = np.flatnonzero(np.bincount(combined, minlength=total))
        lookup = np.full(total, -1, dtype=np.int64)
        lookup[present] = np.arange(present.size)
        dense = lookup[combined]
    else:
        present, dense = np.unique(combined, return_inverse=True)
    positions = np.unravel_index(present, sizes)
    groups = pd.DataFrame({k: u.take(pos) if len(u) else [] for k, (_, u), pos
                           in zip(keys, per_key, positions)})
    for k in keys:
        if isinstance(data[k].dtype, pd.CategoricalDtype):
            groups[k] = groups[k].astype(data[k].dtype)
    return dense.astype(np.int64), groups


def grouped_counts(codes: np.ndarray, categories: np.ndarray, n_groups: int,
                   n_categories: int) -> np.ndarray:
    """Counts of each category in each group, shape ``(n_groups, n_categories)``.

    ``categories`` holds codes ``0..n_categories-1``; rows whose category is negative (e.g.
    excluded values) are not counted.

    >>> grouped_counts(np.array([0, 0, 1, 1]), np.array([0, 1, 1, -1]), 2, 2).tolist()
    [[1, 1], [0, 1]]
    """
    keep = categories >= 0
    if not keep.all():
        codes, categories = codes[keep], categories[keep]
    flat = np.bincount(codes * n_categories + categories.astype(np.int64),
                       minlength=n_groups * n_categories)
    return flat.reshape(n_groups, n_categories)
