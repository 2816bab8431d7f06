"""Vectorised grouping: integer group codes for one or more key columns, and per-group counts.

Grouped KPIs are computed from counts in one pass (``numpy.bincount`` over combined group and
category codes) instead of ``groupby().apply`` with a Python function per group.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["normalize_keys", "KeyCodes", "group_codes", "grouped_counts"]

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
    """Codes and sorted unique values of one key column; a missing key is its own group (last).

    Categorical columns use their codes as they are; other columns are factorized without
    sorting (fast) and only the few unique values are sorted afterwards.
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy().astype(np.int64)
        uniques = pd.Index(column.cat.categories)
    else:
        raw_codes, raw_uniques = pd.factorize(column, sort=False, use_na_sentinel=True)
        uniques_index = pd.Index(raw_uniques)
        try:
            order = np.argsort(uniques_index.to_numpy(), kind="stable")
        except TypeError:  # mixed types: sort by their text
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


class KeyCodes:
    """Combined codes of several key columns over the product of their levels.

    ``combined[i]`` is row i's position in the product of the key levels (``n_combined``
    positions in all); `frame` turns positions back into key values. With too many
    combinations to count densely, positions are renumbered to the occurring groups only.
    """

    def __init__(self, data: pd.DataFrame, keys: Sequence[str]) -> None:
        self.keys = list(keys)
        n = len(data)
        if not self.keys:
            self.combined = np.zeros(n, dtype=np.int64)
            self.n_combined = 1
            self._per_key: list[tuple[np.ndarray, pd.Index]] = []
            self._sizes: list[int] = []
            self._present: np.ndarray | None = None
            return
        self._per_key = [_codes_of(data[k]) for k in self.keys]
        self._dtypes = [data[k].dtype for k in self.keys]
        self._sizes = [max(len(u), 1) for _, u in self._per_key]
        combined = self._per_key[0][0]
        for (codes, _), size in zip(self._per_key[1:], self._sizes[1:], strict=True):
            combined = combined * size + codes
        total = int(np.prod(self._sizes, dtype=np.float64))
        self._present = None
        if total <= _DENSE_LIMIT:
            self.combined, self.n_combined = combined, total
        else:
            present, dense = np.unique(combined, return_inverse=True)
            self._present = present
            self.combined, self.n_combined = dense.astype(np.int64), len(present)

    def frame(self, positions: np.ndarray) -> pd.DataFrame:
        """The key values of the given positions (one row each)."""
        if not self.keys:
            return pd.DataFrame(index=pd.RangeIndex(len(positions)))
        flat = positions if self._present is None else self._present[positions]
        unravelled = np.unravel_index(flat, self._sizes)
        groups = pd.DataFrame({k: u.take(pos) for k, (_, u), pos
                               in zip(self.keys, self._per_key, unravelled, strict=True)})
        for k, dtype in zip(self.keys, self._dtypes, strict=True):
            if isinstance(dtype, pd.CategoricalDtype):
                groups[k] = groups[k].astype(dtype)
        return groups


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
    kc = KeyCodes(data, keys)
    if not keys:
        return kc.combined, pd.DataFrame(index=pd.RangeIndex(1))
    present = np.flatnonzero(np.bincount(kc.combined, minlength=kc.n_combined))
    lookup = np.full(kc.n_combined, -1, dtype=np.int64)
    lookup[present] = np.arange(present.size)
    return lookup[kc.combined], kc.frame(present)


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
