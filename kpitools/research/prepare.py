"""Private helpers shared by the research modules (correlation, regression, survival).

They pick the columns a model needs, exclude incomplete rows (counted and listed, never
dropped in silence), check that an outcome is binary and that a predictor varies, and build a
numeric design matrix with one indicator column per non-reference level of a categorical
covariate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from kpitools.core.errors import DataValidationError
from kpitools.core.results import EXCLUDED_COLUMNS, empty_excluded

__all__ = [
    "CompleteRows",
    "Design",
    "as_list",
    "require_columns",
    "complete_rows",
    "binary_outcome",
    "numeric_column",
    "design_matrix",
    "is_categorical",
]

_TRUE = {"1", "yes", "true", "y", "churned"}
_FALSE = {"0", "no", "false", "n", "stayed"}


def as_list(columns: str | Sequence[str] | None) -> list[str]:
    """``None`` → ``[]``, ``"a"`` → ``["a"]``, a sequence → a list."""
    if columns is None:
        return []
    if isinstance(columns, str):
        return [columns]
    return [str(c) for c in columns]


def require_columns(data: Any, columns: Sequence[str], *, what: str) -> pd.DataFrame:
    """Raise unless ``data`` is a DataFrame holding every name in ``columns``."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"{what} needs a pandas DataFrame, got {type(data).__name__}")
    for column in columns:
        if column not in data.columns:
            shown = ", ".join(map(str, data.columns[:12]))
            more = ", …" if len(data.columns) > 12 else ""
            raise DataValidationError(
                f"no such column in the data (columns: {shown}{more})", column=column)
    seen: set[str] = set()
    for column in columns:
        if column in seen:
            raise DataValidationError(f"column used twice in {what}", column=column)
        seen.add(column)
    return data


def _is_blank(value: Any) -> bool:
    return isinstance(value, str) and value.strip() == ""


def _per_distinct(series: pd.Series, fn: Any, fill: Any, dtype: Any) -> np.ndarray:
    """``fn`` applied to every value of ``series``, computed once per distinct value.

    Missing values (factorize's sentinel) get ``fill``. Values that cannot be hashed fall
    back to one call per value.
    """
    try:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    except TypeError:  # unhashable values (lists, dicts): one call per value
        return np.fromiter((fn(v) for v in series.to_numpy(dtype=object)), dtype=dtype,
                           count=len(series))
    mapped = np.fromiter((fn(v) for v in uniques), dtype=dtype, count=len(uniques))
    mapped = np.append(mapped, np.array([fill], dtype=dtype))
    return mapped[codes]  # code -1 picks the appended fill


def _is_missing(series: pd.Series) -> np.ndarray:
    """Missing (NaN, None, NaT, NA) or a blank string, vectorised per distinct value."""
    missing = series.isna().to_numpy(dtype=bool)
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        blank_levels = np.fromiter((_is_blank(v) for v in dtype.categories), dtype=bool,
                                   count=len(dtype.categories))
        if blank_levels.any():
            codes = series.cat.codes.to_numpy()
            missing = missing | ((codes >= 0) & blank_levels[np.maximum(codes, 0)])
        return missing
    if (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
            or pd.api.types.is_datetime64_any_dtype(dtype)
            or pd.api.types.is_timedelta64_dtype(dtype)):
        return missing  # no strings possible
    return missing | _per_distinct(series, _is_blank, False, bool)


class CompleteRows(NamedTuple):
    """The rows of a model with a value in every column, and the rows left out."""

    data: pd.DataFrame
    #: ``row, column, value, reason`` (reason ``"missing"``), one row per excluded row.
    excluded: pd.DataFrame


class Design(NamedTuple):
    """Numeric design columns of a model and the source column of each."""

    matrix: pd.DataFrame
    #: design column → the data column it comes from
    source: dict[str, str]


def complete_rows(data: pd.DataFrame, columns: Sequence[str]) -> CompleteRows:
    """Keep the rows with a value in every column; list the others (first missing column).

    Returns the complete rows (original index kept) and the table of excluded rows
    ``row, column, value, reason`` with reason ``"missing"``.

    >>> kept, excluded = complete_rows(pd.DataFrame({"a": [1.0, None, 3.0]}), ["a"])
    >>> kept.index.tolist(), excluded["row"].tolist()
    ([0, 2], [1])
    """
    keep = np.ones(len(data), dtype=bool)
    pieces = []
    for column in columns:
        miss = _is_missing(data[column]) & keep
        if miss.any():
            pieces.append(pd.DataFrame({
                "row": data.index[miss].to_numpy(), "column": column,
                "value": data[column][miss].to_numpy(dtype=object), "reason": "missing",
            }, columns=list(EXCLUDED_COLUMNS)))
            keep &= ~miss
    excluded = pd.concat(pieces, ignore_index=True) if pieces else empty_excluded()
    return CompleteRows(data.loc[keep, list(columns)], excluded)


def _binary_value(v: Any) -> float:
    """1.0 / 0.0 for a recognised churn flag, NaN for anything else."""
    if isinstance(v, bool | np.bool_):
        return float(v)
    if isinstance(v, int | float | np.integer | np.floating):
        return float(v) if v in (0, 1) else math.nan
    if isinstance(v, str):
        word = v.strip().lower()
        if word in _TRUE:
            return 1.0
        if word in _FALSE:
            return 0.0
    return math.nan


def binary_outcome(series: pd.Series, *, column: str,
                   require_both: bool = True) -> np.ndarray:
    """Return a 0/1 float array; raise naming the rows and values unless exactly binary.

    Accepts booleans, the numbers 0 and 1, and the words yes/no, true/false, churned/stayed
    (any case). With ``require_both`` (the default) a column holding only one of the two
    values is an error too.
    """
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        out = series.to_numpy(dtype=float)
    elif isinstance(dtype, np.dtype) and dtype.kind in "iuf":
        out = series.to_numpy(dtype=float)
        out = np.where((out == 0.0) | (out == 1.0), out, np.nan)
    else:  # text, object, category, nullable: one decision per distinct value
        out = _per_distinct(series, _binary_value, np.nan, float)
    bad = np.isnan(out)
    if bad.any():
        values = series.to_numpy(dtype=object)
        raise DataValidationError(
            f"the outcome must be binary (0/1, True/False or Yes/No); "
            f"{int(bad.sum())} other value{'s' if bad.sum() > 1 else ''}",
            column=column, rows=list(series.index[bad]), values=list(values[bad]))
    if require_both and not len(out):
        raise DataValidationError("no usable rows: every row has a missing value",
                                  column=column)
    if require_both and np.unique(out).size < 2:
        raise DataValidationError(
            f"the outcome has only one value ({int(out[0])}) in all {len(out)} usable rows; "
            "nothing can predict it", column=column)
    return out


def numeric_column(series: pd.Series, *, column: str, role: str = "predictor") -> np.ndarray:
    """Return a float array of a numeric column (no missing values); raise on text or constant."""
    if pd.api.types.is_bool_dtype(series.dtype):
        values = series.astype(float).to_numpy()
    else:
        converted = pd.to_numeric(series, errors="coerce")
        bad = converted.isna().to_numpy()
        if bad.any():
            raise DataValidationError(
                f"{int(bad.sum())} value{'s' if bad.sum() > 1 else ''} not a number",
                column=column, rows=list(series.index[bad]), values=list(series[bad]))
        values = converted.astype(float).to_numpy()
    if values.size and np.all(values == values[0]):
        raise DataValidationError(
            f"the {role} is constant ({values[0]:g} in all {values.size} usable rows), so "
            "its effect cannot be estimated", column=column)
    return values


def is_categorical(series: pd.Series) -> bool:
    """True for text, category and boolean columns (they enter a model as indicators)."""
    dtype = series.dtype
    return (isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(dtype)
            or not pd.api.types.is_numeric_dtype(dtype))


def _surely_full_rank(M: np.ndarray) -> bool:
    """True when ``np.linalg.matrix_rank(M)`` is certainly full, judged from ``MᵀM`` alone.

    `numpy.linalg.matrix_rank` counts the singular values above ``σ_max·max(n, k)·eps``.
    The eigenvalues of the Gram matrix ``MᵀM`` are the squared singular values; with ``δ``
    bounding the rounding of ``MᵀM`` (``γₙ‖M‖²_F``, Higham 2002 §3.1) and of the eigenvalue
    routine, ``λ_min − δ > (λ_max + δ)(max(n, k)·eps)²`` proves the rank full. Otherwise
    (near-collinear designs) the caller runs the SVD, so the decision is numpy's in every
    case, at the cost of one ``MᵀM`` instead of an SVD of the n × k matrix.
    """
    n, k = M.shape
    eps = np.finfo(float).eps
    if n < k or n * eps >= 0.5:
        return False
    gram = M.T @ M
    lam = np.linalg.eigvalsh(gram)
    delta = (n * eps / (1.0 - n * eps)) * float(np.trace(gram)) * 1.01 \
        + 10.0 * k * eps * float(lam[-1])
    tol = max(n, k) * eps
    return bool(lam[0] - delta > (lam[-1] + delta) * tol * tol)


def design_matrix(frame: pd.DataFrame, columns: Sequence[str], *,
                  reference: Mapping[str, Any] | None = None,
                  categorical: Sequence[str] = ()) -> Design:
    """Numeric design columns (no intercept) for ``columns`` of ``frame``.

    A numeric column enters as it is; a categorical one (text, category, bool, or named in
    ``categorical``) as one 0/1 column per level other than its reference, named
    ``"column[level]"``. The reference is ``reference[column]`` when given, else the first
    level (category order, or sorted). Returns the design and a map from design column to
    the source column.

    Raises
    ------
    TypeError
        ``reference`` names a column that is not a categorical column of the model (it
        would be ignored).

    >>> d = design_matrix(pd.DataFrame({"c": ["b", "a", "b"], "x": [1.0, 2.0, 4.0]}),
    ...                   ["c", "x"])
    >>> list(d.matrix.columns), d.source
    (['c[b]', 'x'], {'c[b]': 'c', 'x': 'x'})
    """
    reference = dict(reference or {})
    uses = {c for c in columns if c in categorical or is_categorical(frame[c])}
    stray = [str(c) for c in reference if c not in uses]
    if stray:
        kinds = ", ".join(f"{c!r} ({'numeric' if c in columns else 'not in the model'})"
                          for c in stray)
        raise TypeError(f"reference= applies to the categorical columns of the model "
                        f"({', '.join(map(repr, sorted(uses))) or 'none'}), not to {kinds}")
    parts: dict[str, np.ndarray] = {}
    source: dict[str, str] = {}
    for column in columns:
        series = frame[column]
        if column in categorical or is_categorical(series):
            # integer codes once per column, then one comparison per level
            if isinstance(series.dtype, pd.CategoricalDtype):
                codes = series.cat.codes.to_numpy()
                seen = np.bincount(codes[codes >= 0], minlength=len(series.cat.categories))
                level_code = {lv: i for i, lv in enumerate(series.cat.categories) if seen[i]}
            else:
                text = isinstance(series.dtype, pd.StringDtype) or series.dtype == object
                codes, uniques = pd.factorize(series if text else series.astype(object))
                level_code = {lv: i for i, lv in enumerate(uniques)}
            levels = list(level_code)
            if not isinstance(series.dtype, pd.CategoricalDtype):
                levels = sorted(levels, key=lambda v: str(v))
            if len(levels) < 2:
                raise DataValidationError(
                    f"the covariate is constant ({levels[0]!r} in all {len(series)} usable "
                    "rows), so its effect cannot be estimated", column=column)
            ref = reference.get(column, levels[0])
            if ref not in levels:
                raise DataValidationError(
                    f"reference level {ref!r} is not among the levels "
                    f"{', '.join(map(repr, levels))}", column=column)
            for level in levels:
                if level == ref:
                    continue
                name = f"{column}[{level}]"
                parts[name] = (codes == level_code[level]).astype(float)
                source[name] = column
        else:
            parts[column] = numeric_column(series, column=column, role="covariate")
            source[column] = column
    design = pd.DataFrame(parts, index=frame.index)
    if design.shape[1]:
        full = np.column_stack([np.ones(len(design)), design.to_numpy(dtype=float)])
        if not _surely_full_rank(full) and np.linalg.matrix_rank(full) < full.shape[1]:
            raise DataValidationError(
                "the predictors are collinear (one is a linear combination of the others and "
                f"the intercept): {', '.join(design.columns)}", column=None)
    return Design(design, source)
