"""Private helpers shared by the research modules (correlation, regression, survival).

They pick the columns a model needs, exclude incomplete rows (counted and listed, never
dropped in silence), check that an outcome is binary and that a predictor varies, and build a
numeric design matrix with one indicator column per non-reference level of a categorical
covariate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from kpitools.core.errors import DataValidationError
from kpitools.core.results import EXCLUDED_COLUMNS, empty_excluded

__all__ = [
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


def _is_missing(series: pd.Series) -> np.ndarray:
    blank = series.map(lambda v: isinstance(v, str) and v.strip() == "").to_numpy(dtype=bool)
    return series.isna().to_numpy(dtype=bool) | blank


def complete_rows(data: pd.DataFrame, columns: Sequence[str]) -> tuple[pd.DataFrame,
                                                                         pd.DataFrame]:
    """Keep the rows with a value in every column; list the others (first missing column).

    Returns the complete rows (original index kept) and the table of excluded rows
    ``row, column, value, reason`` with reason ``"missing"``.
    """
    keep = np.ones(len(data), dtype=bool)
    pieces = []
    for column in columns:
        miss = _is_missing(data[column]) & keep
        if miss.any():
            pieces.append(pd.DataFrame({
                "row": data.index[miss].to_numpy(), "column": column,
                "value": data[column].to_numpy(dtype=object)[miss], "reason": "missing",
            }, columns=list(EXCLUDED_COLUMNS)))
            keep &= ~miss
    excluded = pd.concat(pieces, ignore_index=True) if pieces else empty_excluded()
    return data.loc[keep, list(columns)], excluded


def binary_outcome(series: pd.Series, *, column: str,
                   require_both: bool = True) -> np.ndarray:
    """Return a 0/1 float array; raise naming the rows and values unless exactly binary.

    Accepts booleans, the numbers 0 and 1, and the words yes/no, true/false, churned/stayed
    (any case). With ``require_both`` (the default) a column holding only one of the two
    values is an error too.
    """
    values = series.to_numpy(dtype=object)
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        if isinstance(v, bool | np.bool_):
            out[i] = float(v)
        elif isinstance(v, int | float | np.integer | np.floating):
            if v in (0, 1):
                out[i] = float(v)
        elif isinstance(v, str):
            word = v.strip().lower()
            if word in _TRUE:
                out[i] = 1.0
            elif word in _FALSE:
                out[i] = 0.0
    bad = np.isnan(out)
    if bad.any():
        raise DataValidationError(
            f"the outcome must be binary (0/1, True/False or Yes/No); "
            f"{int(bad.sum())} other value{'s' if bad.sum() > 1 else ''}",
            column=column, rows=list(series.index[bad]), values=list(values[bad]))
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


def design_matrix(frame: pd.DataFrame, columns: Sequence[str], *,
                  reference: Mapping[str, Any] | None = None,
                  categorical: Sequence[str] = ()) -> tuple[pd.DataFrame, dict[str, str]]:
    """Numeric design columns (no intercept) for ``columns`` of ``frame``.

    A numeric column enters as it is; a categorical one (text, category, bool, or named in
    ``categorical``) as one 0/1 column per level other than its reference, named
    ``"column[level]"``. The reference is ``reference[column]`` when given, else the first
    level (category order, or sorted). Returns the design and a map from design column to
    the source column.
    """
    reference = dict(reference or {})
    parts: dict[str, np.ndarray] = {}
    source: dict[str, str] = {}
    for column in columns:
        series = frame[column]
        if column in categorical or is_categorical(series):
            if isinstance(series.dtype, pd.CategoricalDtype):
                levels = [lv for lv in series.cat.categories if (series == lv).any()]
            else:
                levels = sorted(pd.unique(series.astype(object)), key=lambda v: str(v))
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
                parts[name] = (series.astype(object) == level).to_numpy(dtype=float)
                source[name] = column
        else:
            parts[column] = numeric_column(series, column=column, role="covariate")
            source[column] = column
    design = pd.DataFrame(parts, index=frame.index)
    if design.shape[1]:
        rank = np.linalg.matrix_rank(np.column_stack([np.ones(len(design)), design.to_numpy()]))
        if rank < design.shape[1] + 1:
            raise DataValidationError(
                "the predictors are collinear (one is a linear combination of the others and "
                f"the intercept): {', '.join(design.columns)}", column=None)
    return design, source
