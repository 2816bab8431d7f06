"""Vectorised grouping: integer group codes for one or more key columns, and per-group counts.

Grouped KPIs are computed from counts in one pass (``numpy.bincount`` over combined group and
category codes) instead of ``groupby().apply`` with a Python function per group.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kpitools.core.errors import DataValidationError

__all__ = ["normalize_keys", "KeyCodes", "group_codes", "grouped_counts", "grouped_moments",
           "grouped_scale_counts", "fold_columns", "column_sums", "clean_by_position"]

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


def _code_dtype(n_values: int, *, at_least: type = np.int8) -> np.dtype:
    """The narrowest signed integer dtype (not narrower than ``at_least``) holding
    ``0..n_values``."""
    for dtype in (np.int8, np.int16, np.int32, np.int64):
        if np.iinfo(dtype).bits >= np.iinfo(at_least).bits and n_values <= np.iinfo(dtype).max:
            return np.dtype(dtype)
    raise OverflowError(f"{n_values} values do not fit in int64 codes")


#: Above this many distinct objects (by identity) in an object column, `_factorize`
#: factorizes the values directly instead of the object identities first.
_IDENTITY_LIMIT = 1 << 16


def _object_identities(values: np.ndarray) -> np.ndarray | None:
    """The object pointers of a C-contiguous object array, as an intp array sharing its
    memory (valid only while ``values`` is alive), or None for any other array."""
    if (values.dtype != object or values.ndim != 1 or not values.flags.c_contiguous
            or values.itemsize != ctypes.sizeof(ctypes.c_void_p) or not len(values)):
        return None
    buffer = (ctypes.c_ssize_t * len(values)).from_address(values.ctypes.data)
    return np.ctypeslib.as_array(buffer)


def _factorize(column: pd.Series) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """``pd.factorize(column, sort=False)`` as ``(codes, relabel, uniques)``: the codes of
    the values are ``relabel.take(codes)`` (−1 for a missing key).

    An object column (Python strings, as ``read_csv`` gives them) is factorized by object
    identity first: the same object is the same value, so rows that share one string object
    (pandas' CSV reader and Arrow share one object per distinct string) get one code through
    an integer hash table, several times faster than hashing the strings; the few distinct
    objects are then factorized by value, which merges equal values held by different
    objects. The result equals `pandas.factorize` (codes, and uniques in order of first
    appearance); with more than ``_IDENTITY_LIMIT`` distinct objects the column is
    factorized directly.
    """
    values = column.to_numpy() if column.dtype == object else None
    pointers = _object_identities(values) if values is not None else None
    if pointers is not None:
        codes, distinct = pd.factorize(pointers, sort=False)
        if len(distinct) <= _IDENTITY_LIMIT:
            objects = np.empty(len(distinct), dtype=object)
            for i, address in enumerate(distinct.tolist()):
                objects[i] = ctypes.cast(address, ctypes.py_object).value
            relabel, uniques = pd.factorize(objects, sort=False, use_na_sentinel=True)
            del pointers  # the view must not outlive ``values``
            return codes, relabel, pd.Index(uniques)
    codes, uniques = pd.factorize(column, sort=False, use_na_sentinel=True)
    relabel = np.arange(-1, len(uniques), dtype=np.intp)
    return codes, np.roll(relabel, -1), pd.Index(uniques)  # code −1 takes the last: −1


#: `_integer_codes` takes integer keys whose range spans at most `_DIRECT_SPAN` times the
#: rows plus this many values.
_DIRECT_SLACK = 1 << 16
#: ... and this many times the rows: its two tables over the range take at most 5 bytes per
#: value of the range (20 per row), less than the hash table of ``pd.factorize`` at a
#: million distinct keys, and the pass is 5–10× faster (ids 7 apart: 2M rows × 1M keys).
_DIRECT_SPAN = 4


def _integer_codes(column: pd.Series) -> tuple[np.ndarray, pd.Index] | None:
    """`_codes_of` of a NumPy integer column (no missing keys) by direct addressing: when
    its values span a range of at most `_DIRECT_SPAN` times the rows (plus `_DIRECT_SLACK`),
    a table over the range marks the values present; their running count is each value's
    code in sorted order, read for every row with one gather (no hash table, no sort). None
    otherwise.
    """
    dtype = column.dtype
    if not (isinstance(dtype, np.dtype) and dtype.kind in "iu" and dtype.itemsize <= 8
            and len(column)) or dtype == np.uint64:
        return None
    values = column.to_numpy()
    lo, hi = int(values.min()), int(values.max())
    span = hi - lo + 1
    if span > _DIRECT_SPAN * values.size + _DIRECT_SLACK:
        return None
    offset = np.subtract(values, lo, dtype=np.intp)
    seen = np.zeros(span, dtype=bool)
    seen[offset] = True
    present = np.flatnonzero(seen)
    code_dtype = _code_dtype(len(present))
    rank = np.zeros(span, dtype=code_dtype)
    rank[present] = np.arange(len(present), dtype=code_dtype)
    return rank[offset], pd.Index((present + lo).astype(dtype))


def _codes_of(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes and sorted unique values of one key column; a missing key is its own group (last).

    Categorical columns use their codes as they are (int8/int16 for up to 32,767 levels, no
    copy unless a key is missing); other columns are factorized without sorting (fast; object
    columns by object identity first, see `_factorize`) and only the few unique values are
    sorted afterwards. Codes stay in the narrowest integer dtype that holds them.
    """
    direct = _integer_codes(column)
    if direct is not None:
        return direct
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        uniques = pd.Index(column.cat.categories)
    else:
        raw_codes, relabel, uniques_index = _factorize(column)
        try:
            order = np.argsort(uniques_index.to_numpy(), kind="stable")
        except TypeError:  # mixed types: sort by their text
            order = np.argsort(uniques_index.astype(str).to_numpy(), kind="stable")
        dtype = _code_dtype(len(order))
        rank = np.empty(len(order) + 1, dtype=dtype)
        rank[order] = np.arange(len(order), dtype=dtype)
        rank[-1] = -1  # the sentinel −1 of a missing key indexes this last slot
        uniques = uniques_index.take(order)
        codes = rank.take(relabel).take(raw_codes)
    if codes.size and codes.min() < 0:
        missing = codes < 0
        codes = codes.astype(_code_dtype(len(uniques)), copy=True)
        codes[missing] = len(uniques)
        uniques = uniques.append(pd.Index([np.nan]))
    return codes, uniques


class KeyCodes:
    """Combined codes of several key columns over the product of their levels.

    ``combined[i]`` is row i's position in the product of the key levels (``n_combined``
    positions in all); `frame` turns positions back into key values. With too many
    combinations to count densely, positions are renumbered to the occurring groups only.
    ``combined`` is int32 whenever the positions fit (int64 otherwise): the per-key codes are
    never widened to int64 first. With dense positions it is made on first use only, so a
    fused pass (`grouped_scale_counts`) that combines the codes block by block with `block`
    never builds it.
    """

    def __init__(self, data: pd.DataFrame, keys: Sequence[str]) -> None:
        self.keys = list(keys)
        self.n_rows = len(data)
        self._combined: np.ndarray | None = None
        self._present: np.ndarray | None = None
        if not self.keys:
            self.n_combined = 1
            self._per_key: list[tuple[np.ndarray, pd.Index]] = []
            self._sizes: list[int] = []
            return
        self._per_key = [_codes_of(data[k]) for k in self.keys]
        self._dtypes = [data[k].dtype for k in self.keys]
        self._sizes = [max(len(u), 1) for _, u in self._per_key]
        total = int(np.prod(self._sizes, dtype=np.float64))
        self.n_combined = total
        if total > _DENSE_LIMIT:
            present, dense = np.unique(self._product(), return_inverse=True)
            self._present = present
            self._combined = dense.astype(_code_dtype(len(present), at_least=np.int32))
            self.n_combined = len(present)

    @classmethod
    def of_codes(cls, codes: np.ndarray, n_combined: int) -> KeyCodes:
        """Positions computed elsewhere (e.g. the cells of `kpitools.compare`), without keys
        (`frame` gives no columns)."""
        self = cls(pd.DataFrame(index=pd.RangeIndex(len(codes))), [])
        self._combined, self.n_combined = np.asarray(codes), int(n_combined)
        return self

    @property
    def dense(self) -> bool:
        """Whether positions are the product of the key levels (not renumbered)."""
        return self._present is None

    def _product(self) -> np.ndarray:
        total = int(np.prod(self._sizes, dtype=np.float64))
        dtype = _code_dtype(total, at_least=np.int32) if total < 2**62 else np.dtype(np.int64)
        combined = self._per_key[0][0].astype(dtype)
        for (codes, _), size in zip(self._per_key[1:], self._sizes[1:], strict=True):
            combined *= size
            combined += codes
        return combined

    @property
    def combined(self) -> np.ndarray:
        """Every row's position (int32 when the positions fit)."""
        if self._combined is None:
            self._combined = (np.zeros(self.n_rows, dtype=np.int32) if not self.keys
                              else self._product())
        return self._combined

    def block(self, start: int, stop: int, out: np.ndarray, scale: int = 1) -> np.ndarray:
        """``scale`` times the positions of rows ``start:stop``, written into ``out`` (an
        intp buffer of that length): combined from the per-key codes, or taken from
        `combined` when it exists."""
        if self._combined is not None or not self.keys:
            np.multiply(self.combined[start:stop], scale, out=out, dtype=np.intp)
            return out
        codes = [c for c, _ in self._per_key]
        if len(codes) == 1:
            np.multiply(codes[0][start:stop], scale, out=out, dtype=np.intp)
            return out
        np.multiply(codes[0][start:stop], self._sizes[1], out=out, dtype=np.intp)
        out += codes[1][start:stop]
        for more, size in zip(codes[2:], self._sizes[2:], strict=True):
            out *= size
            out += more[start:stop]
        if scale != 1:
            out *= scale
        return out

    def frame(self, positions: np.ndarray) -> pd.DataFrame:
        """The key values of the given positions (one row each)."""
        if not self.keys:
            return pd.DataFrame(index=pd.RangeIndex(len(positions)))
        flat = positions if self._present is None else self._present[positions]
        unravelled = np.unravel_index(flat, self._sizes)
        columns: dict[str, Any] = {}
        for k, (_, u), pos, dtype in zip(self.keys, self._per_key, unravelled, self._dtypes,
                                         strict=True):
            if isinstance(dtype, pd.CategoricalDtype):  # the codes are the positions
                n_levels = len(dtype.categories)  # (past them: the missing key's slot)
                codes = np.where(pos < n_levels, pos, -1)
                columns[k] = pd.Categorical.from_codes(codes, dtype=dtype)
            else:
                columns[k] = u.take(pos)
        return pd.DataFrame(columns)


def group_codes(data: pd.DataFrame, keys: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Dense group codes ``0..G-1`` for every row and the frame of the G key combinations.

    Groups are sorted by the key values (missing keys last) and only combinations that occur
    are returned. The codes are int32 (int64 only past 2**31 groups).

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
    if present.size == kc.n_combined:  # every combination occurs: the codes are dense
        return kc.combined, kc.frame(present)
    dtype = _code_dtype(present.size, at_least=np.int32)
    lookup = np.full(kc.n_combined, -1, dtype=dtype)
    lookup[present] = np.arange(present.size, dtype=dtype)
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
    wide = np.int64 if n_groups * n_categories > np.iinfo(np.int32).max else np.int32
    flat = np.bincount(codes.astype(wide) * n_categories + categories.astype(wide),
                       minlength=n_groups * n_categories)
    return flat.reshape(n_groups, n_categories)


#: With at most this many cells (groups × answers), `grouped_scale_counts` counts every
#: answer and folds the small table afterwards: the fold's passes over the rows cost more
#: than they save until the table leaves the CPU cache.
_FOLD_AFTER_SLOTS = 1 << 18

#: Rows per block of `grouped_scale_counts`: the block's temporaries stay in the CPU cache.
_BLOCK_ROWS = 1 << 16


def grouped_scale_counts(keys: KeyCodes, values: np.ndarray, lower: int, upper: int, *,
                         fold: np.ndarray | None = None
                         ) -> tuple[np.ndarray, np.ndarray | None] | None:
    """Counts of each whole answer ``lower..upper`` in each group, in one fused pass.

    Column ``j`` of the result counts the answer ``lower + j``; the last column counts the
    missing answers (NaN). The rows are read block by block: each block's group positions
    (`KeyCodes.block`) times the width plus the answer's column go into one
    ``numpy.bincount``, so no array as long as the data is made (no int64 copy of the codes
    or the answers, no mask) when the groups are few; with many groups one pass over the
    whole column counts them.

    Parameters
    ----------
    keys : KeyCodes
    values : ndarray of int or float
        One answer per row (NaN: missing).
    lower, upper : int
        The scale.
    fold : ndarray of int, optional
        Counts answers into fewer columns: ``fold[j]`` is the result column of answer
        ``lower + j`` (its last entry: of a missing answer), e.g. NPS detractors, passives,
        promoters and missing answers as columns 0–3. The same counts as `fold_columns` of
        the unfolded result, with a table ``upper − lower + 2`` times narrower to fill (at a
        million groups the wide table is most of the memory traffic).

    Returns
    -------
    counts, missing : ndarray, ndarray of bool or None
        ``counts`` has shape ``(keys.n_combined, upper − lower + 2)`` (with ``fold``:
        ``(keys.n_combined, fold.max() + 1)``); ``missing`` marks the rows with a missing
        answer (None when there are none). None instead of both when an answer is outside
        the scale or not a whole number: the caller's validation then says which.

    Examples
    --------
    >>> kc = KeyCodes(pd.DataFrame({"team": ["b", "a", "b", "b"]}), ["team"])
    >>> counts, missing = grouped_scale_counts(kc, np.array([1.0, 2.0, np.nan, 2.0]), 1, 2)
    >>> counts.tolist(), missing.tolist()
    ([[0, 1, 0], [1, 1, 1]], [False, False, True, False])
    >>> grouped_scale_counts(kc, np.array([1, 2, 3, 2]), 1, 2) is None
    True
    >>> folded, _ = grouped_scale_counts(kc, np.array([1.0, 2.0, np.nan, 2.0]), 1, 2,
    ...                                  fold=np.array([0, 0, 1]))
    >>> folded.tolist()
    [[1, 0], [2, 1]]
    """
    n = len(values)
    if fold is not None:
        fold = np.asarray(fold, dtype=np.intp)
        if fold.shape != (upper - lower + 2,) or fold.min() < 0:
            raise ValueError(f"fold needs {upper - lower + 2} column numbers >= 0, got "
                             f"{fold.tolist()}")
        if keys.n_combined * (upper - lower + 2) <= _FOLD_AFTER_SLOTS:
            # a small table: count every answer, then fold the table (no pass per row)
            found = grouped_scale_counts(keys, values, lower, upper)
            return None if found is None else (fold_columns(found[0], fold), found[1])
        width = int(fold.max()) + 1
        lower_slot = 0  # the answers go through the fold table: no offset to leave
    else:
        width = upper - lower + 2
        lower_slot = max(lower, 0)  # a scale from below 0 is shifted to start at 0
    n_slots = keys.n_combined * width
    counts: np.ndarray | None = None  # the first block's bincount, then the sum
    is_float = values.dtype.kind == "f"
    if not keys.dense:  # renumbered groups: one pass on the combined codes
        rows = max(n, 1)
    else:
        rows = min(max(_BLOCK_ROWS, 4 * n_slots), max(n, 1))
    index = np.empty(rows, dtype=np.intp)
    spare = np.empty(rows if is_float else 0, dtype=np.float64)
    any_missing = False
    for start in range(0, n, rows):
        stop = min(start + rows, n)
        block = values[start:stop]
        out = index[:stop - start]
        if is_float:
            low, high = np.fmin.reduce(block), np.fmax.reduce(block)
            if low < lower or high > upper:
                return None
            whole = spare[:stop - start]
            np.floor(block, out=whole)
            unequal = whole != block  # NaN too
            gap = np.isnan(block)
            if (unequal & ~gap).any():
                return None
            if gap.any():
                any_missing = True
                whole[gap] = upper + 1
            answer: np.ndarray = whole
        else:
            if block.min() < lower or block.max() > upper:
                return None
            answer = block
        keys.block(start, stop, out, width)
        if fold is not None:  # each answer's column, read from the fold table
            answer = fold.take(answer if lower == 0 and answer.dtype == np.intp
                               else np.subtract(answer, lower, dtype=np.intp,
                                                casting="unsafe"))
        elif lower < 0:
            answer = np.subtract(answer, lower, dtype=np.intp, casting="unsafe")
        np.add(out, answer, out=out, casting="unsafe")  # whole numbers only, checked above
        # unfolded from lower >= 0, slot + lower (no subtraction): the first `lower` slots
        # stay empty
        hits = np.bincount(out, minlength=n_slots + lower_slot)
        if counts is None:
            counts = hits.astype(np.int64, copy=False)
        else:
            counts += hits
    if counts is None:
        counts = np.zeros(n_slots + lower_slot, dtype=np.int64)
    missing = np.isnan(values) if any_missing else None
    return counts[lower_slot:].reshape(keys.n_combined, width), missing


def fold_columns(counts: np.ndarray, fold: np.ndarray) -> np.ndarray:
    """The columns of a count table summed into ``fold.max() + 1`` columns: column ``j`` of
    ``counts`` goes to column ``fold[j]`` (the `grouped_scale_counts` ``fold``).

    >>> fold_columns(np.array([[1, 2, 3], [4, 5, 6]]), np.array([1, 0, 1])).tolist()
    [[2, 4], [5, 10]]
    """
    fold = np.asarray(fold, dtype=np.intp)
    return np.stack([column_sums(counts, np.flatnonzero(fold == j))
                     for j in range(int(fold.max()) + 1)], axis=1)


def column_sums(counts: np.ndarray, columns: Sequence[int] | np.ndarray | slice
                ) -> np.ndarray:
    """Row sums of some columns of a 2-D count table, one column added at a time.

    The same numbers as ``counts[:, columns].sum(axis=1)``, about 4× faster on a tall, narrow
    table (100k groups × 12 answers): NumPy's reduction over a short inner axis pays a set-up
    per row, an add of whole columns does not.

    >>> column_sums(np.array([[1, 2, 3], [4, 5, 6]]), slice(1, 3)).tolist()
    [5, 11]
    >>> column_sums(np.array([[1, 2, 3], [4, 5, 6]]), [0, 2]).tolist()
    [4, 10]
    """
    picked = (range(counts.shape[1])[columns] if isinstance(columns, slice)
              else [int(c) for c in columns])
    if not len(picked):
        return np.zeros(counts.shape[0], dtype=counts.dtype)
    total = counts[:, picked[0]].copy()
    for j in picked[1:]:
        total += counts[:, j]
    return total


def grouped_moments(codes: np.ndarray, values: np.ndarray,
                    n_groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count, mean and sum of squared deviations from the mean of ``values`` in each group.

    Two passes of ``numpy.bincount``: the group sums give the means, then the squared
    deviations from each row's group mean are summed (the two-pass algorithm, which has no
    cancellation, unlike ``sum(x²) − sum(x)²/n``; Chan, Golub & LeVeque 1983). A constant
    group has exactly zero deviation. Empty groups have count 0 and NaN mean.

    Parameters
    ----------
    codes : ndarray of int
        Group code ``0..n_groups-1`` of each value.
    values : ndarray of float
        The values (no missing values).
    n_groups : int

    Returns
    -------
    count, mean, m2 : ndarray
        ``m2`` is ``Σ (x − mean)²``; the sample variance is ``m2 / (count − 1)``.

    References
    ----------
    Chan TF, Golub GH, LeVeque RJ (1983). Algorithms for computing the sample variance:
    analysis and recommendations. The American Statistician 37(3):242–247.

    Examples
    --------
    >>> n, mean, m2 = grouped_moments(np.array([0, 0, 1, 1, 1]),
    ...                               np.array([1.0, 3.0, 2.0, 2.0, 2.0]), 3)
    >>> n.tolist(), mean[:2].tolist(), m2[:2].tolist()
    ([2, 3, 0], [2.0, 2.0], [2.0, 0.0])
    """
    x = np.asarray(values, dtype=float)
    count = np.bincount(codes, minlength=n_groups)
    total = np.bincount(codes, weights=x, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
    deviation = x - mean[codes]
    m2 = np.bincount(codes, weights=deviation * deviation, minlength=n_groups)
    return count, mean, m2


def clean_by_position(
    cleaner: Callable[..., tuple[pd.Series, pd.DataFrame]],
    series: pd.Series,
    **kwargs: Any,
) -> tuple[pd.Series, np.ndarray, pd.DataFrame]:
    """Run a validator such as `kpitools.core.validation.clean_numeric` by row position.

    A frame may have a duplicate index (``pd.concat`` of two files keeps both 0, 1, 2, ...),
    so row labels cannot say which row a value came from. The validator runs on the values
    with a RangeIndex; the result is then given back its original labels.

    Returns
    -------
    clean : Series
        The usable values, labelled with the original row labels.
    positions : ndarray of int
        The position of each usable value in ``series``.
    excluded : DataFrame
        The validator's excluded rows, with the original labels in ``row``.

    Raises
    ------
    DataValidationError
        The validator's error, naming the original row labels.

    Examples
    --------
    >>> from kpitools.core.validation import clean_numeric
    >>> s = pd.Series([9, None, 3, None], index=[0, 1, 0, 1], name="score")
    >>> clean, positions, excluded = clean_by_position(clean_numeric, s, lower=0, upper=10)
    >>> positions.tolist(), excluded["row"].tolist()
    ([0, 2], [1, 1])
    """
    labels = series.index
    try:
        clean, excluded = cleaner(series.reset_index(drop=True), **kwargs)
    except DataValidationError as err:
        if not err.rows:
            raise
        rows = labels.take(np.asarray(err.rows, dtype=np.int64))
        raise DataValidationError(err.problem, column=err.column, rows=list(rows),
                                  values=err.values) from None
    positions = np.asarray(clean.index, dtype=np.int64)
    clean = clean.set_axis(labels.take(positions))
    if len(excluded):
        excluded = excluded.copy()
        excluded["row"] = labels.take(np.asarray(excluded["row"], dtype=np.int64)).to_numpy()
    return clean, positions, excluded
