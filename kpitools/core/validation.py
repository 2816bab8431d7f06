"""Validation helpers shared by every public function.

Each public function validates its input first, through these helpers, so that every error
message has the same shape (see `kpitools.core.errors.DataValidationError`) and every excluded row
is counted and listed, never dropped in silence.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from kpitools.core.errors import DataValidationError, SmallSampleWarning
from kpitools.core.results import EXCLUDED_COLUMNS, ExcludedRows, empty_excluded

__all__ = [
    "MissingPolicy",
    "Alternative",
    "SMALL_SAMPLE_N",
    "check_confidence_level",
    "check_choice",
    "check_alternative",
    "check_count",
    "as_series",
    "clean_numeric",
    "excluded_frame",
    "require_nonempty",
    "warn_if_small",
]

MissingPolicy = Literal["exclude", "raise"]
Alternative = Literal["two-sided", "less", "greater"]

#: Below this many observations a result carries a `SmallSampleWarning`.
SMALL_SAMPLE_N = 10


def check_confidence_level(confidence_level: float) -> float:
    """Return ``confidence_level`` as a float, or raise if it is not strictly in (0, 1).

    >>> check_confidence_level(0.9)
    0.9
    """
    try:
        level = float(confidence_level)
    except (TypeError, ValueError):
        raise ValueError(f"confidence_level must be a number in (0, 1), got "
                         f"{confidence_level!r}") from None
    if not 0.0 < level < 1.0 or math.isnan(level):
        raise ValueError(f"confidence_level must be in (0, 1), got {confidence_level!r}")
    return level


def check_choice(name: str, value: Any, valid: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``valid``; otherwise raise a ValueError listing them.

    There is no prefix matching or case folding: the name must be exact.

    >>> check_choice("method", "wilson", ("wilson", "jeffreys"))
    'wilson'
    """
    valid = tuple(valid)
    if not isinstance(value, str) or value not in valid:
        listed = ", ".join(repr(v) for v in valid)
        raise ValueError(f"{name}={value!r} is not valid; choose one of {listed}")
    return value


def check_alternative(alternative: Any) -> str:
    """Validate ``alternative`` against scipy's three names."""
    return check_choice("alternative", alternative, ("two-sided", "less", "greater"))


def check_count(name: str, value: Any, *, minimum: int = 0) -> int:
    """Return ``value`` as an int if it is a whole number ≥ ``minimum``; else raise ValueError.

    >>> check_count("n", 12.0)
    12
    """
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a whole number, got {value!r}") from None
    if not math.isfinite(as_float) or as_float != int(as_float):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if as_float < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
    return int(as_float)


def as_series(values: Any, *, name: str | None = None) -> pd.Series:
    """Turn a Series, array, list or scalar sequence into a Series that keeps row labels."""
    if isinstance(values, pd.Series):
        return values
    if isinstance(values, pd.DataFrame):
        raise TypeError("expected one column of values, got a DataFrame; pass df['column']")
    if np.isscalar(values):
        raise TypeError(f"expected a sequence of values, got the scalar {values!r}")
    return pd.Series(list(values) if not isinstance(values, np.ndarray) else values, name=name)


def excluded_frame(series: pd.Series, mask: np.ndarray, reason: str,
                   column: str | None) -> pd.DataFrame:
    """The standard table of excluded rows for the rows of ``series`` selected by ``mask``."""
    if not mask.any():
        return empty_excluded()
    picked = series[mask]
    return ExcludedRows(
        {
            "row": picked.index.to_numpy(),
            "column": column,
            "value": picked.to_numpy(dtype=object),
            "reason": reason,
        },
        columns=list(EXCLUDED_COLUMNS),
    )


def clean_numeric(
    values: Any,
    *,
    column: str | None = None,
    lower: float | None = None,
    upper: float | None = None,
    integer: bool = False,
    missing: MissingPolicy = "exclude",
    scale_text: str | None = None,
) -> tuple[pd.Series, pd.DataFrame]:
    """Validate numeric answers; return the usable values and the table of excluded rows.

    Missing values (NaN, None, empty strings) are excluded and listed (``missing="exclude"``)
    or raise (``missing="raise"``). Malformed values (text that is not a number), values
    outside ``[lower, upper]`` and non-integers when ``integer=True`` always raise a
    `DataValidationError` naming the column, the rows and the values.

    Parameters
    ----------
    values : Series or array-like
        The answers; a Series keeps its index as row labels.
    column : str, optional
        Column name used in messages (defaults to the Series name).
    lower, upper : float, optional
        Inclusive bounds of the scale.
    integer : bool, default False
        Require whole numbers.
    missing : {"exclude", "raise"}, default "exclude"
    scale_text : str, optional
        How to describe the scale in messages, e.g. ``"0–10"``.

    Returns
    -------
    values : Series
        The usable values as floats (an integer column without missing values is returned
        as it is), with their original row labels.
    excluded : DataFrame
        ``row, column, value, reason`` for every excluded row.

    Examples
    --------
    >>> ok, excluded = clean_numeric([9, None, 3], lower=0, upper=10, column="score")
    >>> ok.tolist(), excluded["reason"].tolist()
    ([9.0, 3.0], ['missing'])
    """
    check_choice("missing", missing, ("exclude", "raise"))
    series = as_series(values)
    if column is None and series.name is not None:
        column = str(series.name)

    if pd.api.types.is_integer_dtype(series.dtype) and not series.hasnans:
        # fast path: whole numbers without missing values need only a range check
        if len(series) == 0 or (
            (lower is None or series.min() >= lower) and (upper is None or series.max() <= upper)
        ):
            return series, empty_excluded()
    if pd.api.types.is_bool_dtype(series.dtype):
        raise DataValidationError("boolean values where numbers are required", column=column,
                                  rows=list(series.index[:5]), values=list(series.iloc[:5]))
    if pd.api.types.is_numeric_dtype(series.dtype):
        numeric = series.astype(float)
        is_missing = numeric.isna().to_numpy()
        malformed = np.zeros(len(series), dtype=bool)
    else:
        stripped = series.map(lambda v: v.strip() if isinstance(v, str) else v)
        is_blank = stripped.map(lambda v: isinstance(v, str) and v == "").to_numpy(dtype=bool)
        is_missing = stripped.isna().to_numpy() | is_blank
        is_bool = stripped.map(lambda v: isinstance(v, bool | np.bool_)).to_numpy(dtype=bool)
        numeric = pd.to_numeric(stripped.where(~is_blank & ~is_bool, np.nan), errors="coerce")
        numeric = numeric.astype(float)
        malformed = (numeric.isna().to_numpy() & ~is_missing) | is_bool
    values_np = numeric.to_numpy()
    present = ~is_missing & ~malformed
    problems = []
    bad = malformed.copy()
    if malformed.any():
        problems.append(("not a number", "not numbers"))
    if integer:
        fractional = present & (values_np != np.floor(values_np))
        if fractional.any():
            problems.append(("not a whole number", "not whole numbers"))
            bad |= fractional
    if lower is not None or upper is not None:
        lo = -np.inf if lower is None else lower
        hi = np.inf if upper is None else upper
        with np.errstate(invalid="ignore"):
            outside = present & ((values_np < lo) | (values_np > hi))
        if outside.any():
            scale = scale_text or f"{lower}–{upper}"
            problems.append((f"outside {scale}", f"outside {scale}"))
            bad |= outside
    if bad.any():
        k = int(bad.sum())
        words = " or ".join(one if k == 1 else many for one, many in problems)
        raise DataValidationError(
            f"{k} value{'' if k == 1 else 's'} {words}", column=column,
            rows=list(series.index[bad]), values=list(series[bad]),
        )
    if is_missing.any():
        if missing == "raise":
            raise DataValidationError(
                f"{int(is_missing.sum())} missing value(s) (missing='raise')", column=column,
                rows=list(series.index[is_missing]), values=list(series[is_missing]),
            )
        excluded = excluded_frame(series, is_missing, "missing", column)
        return numeric[present], excluded
    return numeric, empty_excluded()


def require_nonempty(n: int, *, what: str, column: str | None = None,
                     n_excluded: int = 0) -> None:
    """Raise a `DataValidationError` when there are no usable observations."""
    if n <= 0:
        extra = f" ({n_excluded} rows excluded as missing)" if n_excluded else ""
        raise DataValidationError(f"no usable values for {what}{extra}", column=column)


def warn_if_small(n: int, *, what: str, minimum: int = SMALL_SAMPLE_N,
                  stacklevel: int = 3) -> None:
    """Issue a `SmallSampleWarning` when ``n`` is below ``minimum``."""
    if 0 < n < minimum:
        warnings.warn(
            f"{what}: only {n} observations; the interval and test are unreliable "
            f"below {minimum}",
            SmallSampleWarning,
            stacklevel=stacklevel,
        )


def first_rows(index: Sequence[Any], mask: np.ndarray) -> list[Any]:
    """Row labels of ``index`` where ``mask`` is true."""
    return list(np.asarray(index)[mask])
