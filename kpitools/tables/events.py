"""Validation of event tables (tickets, calls, customers): timestamps, ids and flags.

The operations KPIs share one policy for bad rows, ``invalid``:

* ``"raise"`` (default): the first problem raises a `DataValidationError` naming the column,
  the rows and the values (``column 'resolved_at': 2 timestamps before created_at (rows 4,
  9: ...)``);
* ``"exclude"``: the rows are left out, counted in ``n_excluded`` and listed with their reason
  in ``result.excluded``.

Problems covered: unparseable timestamps, a mix of time-zone-aware and naive timestamps
(within a column or across columns), an end before its start (negative duration), duplicate
ids, and flags that are not yes/no. Missing values follow the separate ``missing`` policy
(``"exclude"`` by default, as everywhere in kpitools); a missing *end* timestamp is not
missing data but an open (censored) item, which the KPI functions count and report.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from kpitools.core.errors import DataValidationError
from kpitools.core.results import EXCLUDED_COLUMNS, as_excluded_rows, empty_excluded
from kpitools.core.validation import check_choice

__all__ = [
    "InvalidPolicy",
    "RowIssues",
    "parse_timestamps",
    "align_time_zones",
    "clean_flag",
    "check_unique_ids",
    "utc_offset_text",
    "TZ_SUFFIX_PATTERN",
]

InvalidPolicy = Literal["raise", "exclude"]

#: A time-zone suffix at the end of a timestamp's text: ``Z``, ``±HH:MM``, ``±HHMM``, or a
#: short ``±HH`` after a time (``"2024-03-01 10:00+01"``; a date alone, ``"2024-03-01"``,
#: does not end in one). Also run by Arrow (RE2), so no look-arounds.
TZ_SUFFIX_PATTERN = r"(Z|[+-]\d{2}:?\d{2}|\d:\d{2}(?::\d{2}(?:[.,]\d+)?)? ?[+-]\d{2})$"
_TZ_SUFFIX = re.compile(TZ_SUFFIX_PATTERN)
_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


def utc_offset_text(text: str) -> str | None:
    """The time-zone offset at the end of a timestamp's ``text``, as ``"Z"`` or ``"±HH:MM"``
    (``"+01"``, ``"+0100"`` and ``"+01:00"`` are one offset); None when it has none.

    >>> [utc_offset_text(t) for t in ("2024-03-01 10:00+01", "2024-03-01T10:00:00-0530",
    ...                               "2024-03-01 10:00Z", "2024-03-01 10:00", "2024-03-01")]
    ['+01:00', '-05:30', 'Z', None, None]
    """
    match = _TZ_SUFFIX.search(text.strip())
    if match is None:
        return None
    tail = match.group(1)
    if tail == "Z":
        return "Z"
    at = max(tail.rfind("+"), tail.rfind("-"))
    digits = tail[at + 1:].replace(":", "")
    return f"{tail[at]}{digits[:2]}:{digits[2:] or '00'}"


def _aware_by_value(strings: pd.Series, format: str) -> np.ndarray:
    """Which values parse as time-zone aware, one value at a time (the slow path, taken only
    when pandas refuses the column as a whole; a value that does not parse counts as naive)."""
    def aware(v: Any) -> bool:
        if v is None or (isinstance(v, float) and v != v):
            return False
        try:
            return pd.to_datetime(v, format=format).tzinfo is not None
        except (ValueError, TypeError):
            return False

    return strings.map(aware).to_numpy(dtype=bool)


class RowIssues:
    """Collects rows to exclude (with reasons) or raises at the first problem.

    Parameters
    ----------
    index : Index
        Row labels of the table.
    invalid : {"raise", "exclude"}
        Policy for invalid rows.
    missing : {"exclude", "raise"}
        Policy for missing values.
    """

    def __init__(self, index: pd.Index, *, invalid: str = "raise",
                 missing: str = "exclude") -> None:
        self.index = index
        self.invalid = check_choice("invalid", invalid, ("raise", "exclude"))
        self.missing = check_choice("missing", missing, ("exclude", "raise"))
        self.mask = np.zeros(len(index), dtype=bool)
        self._parts: list[pd.DataFrame] = []

    def add(self, mask: np.ndarray, *, column: str | None, values: Any, reason: str,
            kind: Literal["invalid", "missing", "open", "definition"] = "invalid") -> None:
        """Register rows selected by ``mask`` (only those not already excluded).

        ``kind="open"`` (open, censored items) and ``kind="definition"`` (rows outside the
        KPI's denominator by definition, e.g. short abandons) are always excluded and listed,
        never an error, whatever the policies.
        """
        mask = np.asarray(mask, dtype=bool) & ~self.mask
        if not mask.any():
            return
        if isinstance(values, pd.Series | pd.Index):
            picked = pd.Series(values).iloc[np.flatnonzero(mask)].astype(object).to_numpy()
        else:
            picked = np.asarray(values, dtype=object)[mask]
        policy = {"invalid": self.invalid, "missing": self.missing}.get(kind, "exclude")
        if policy == "raise":
            n = int(mask.sum())
            suffix = " (missing='raise')" if kind == "missing" else ""
            raise DataValidationError(f"{n} {reason}{suffix}", column=column,
                                      rows=list(self.index[mask]),
                                      values=list(picked))
        self.mask |= mask
        self._parts.append(pd.DataFrame({
            "row": self.index[mask].to_numpy(), "column": column,
            "value": picked, "reason": reason,
        }, columns=list(EXCLUDED_COLUMNS)))

    def excluded(self) -> pd.DataFrame:
        """The table ``row, column, value, reason`` of every excluded row."""
        if not self._parts:
            return empty_excluded()
        return as_excluded_rows(pd.concat(self._parts, ignore_index=True))

    @property
    def n_excluded(self) -> int:
        return int(self.mask.sum())


def _has_tz_text(values: pd.Series) -> np.ndarray:
    return values.map(lambda v: isinstance(v, str) and bool(_TZ_SUFFIX.search(v.strip()))
                      ).to_numpy(dtype=bool)


def _text_flags(values: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """``(missing, has time-zone suffix)`` of a column of text, vectorised with pyarrow.

    The same answers as ``v.strip() == ""`` and ``_TZ_SUFFIX.search(v.strip())`` per value,
    computed by Arrow kernels instead of a Python call per row; None (use the per-value
    path) without pyarrow, when a value is not text, or for non-ASCII text or the control
    characters ``\x1c``–``\x1f`` (where Python's and Arrow's notions of whitespace and
    digits differ).
    """
    if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
        return None
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - pyarrow is optional
        return None
    try:
        arr = pa.array(values, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):  # pragma: no cover - defensive
        return None
    if arr.null_count < len(arr) and not (
            pc.all(pc.string_is_ascii(arr)).as_py()
            and not pc.any(pc.match_substring_regex(arr, "[\x1c-\x1f]")).as_py()):
        return None
    stripped = pc.utf8_trim_whitespace(arr)
    missing = pc.fill_null(pc.or_(pc.is_null(arr), pc.equal(stripped, "")), True)
    aware = pc.fill_null(pc.match_substring_regex(stripped, _TZ_SUFFIX.pattern), False)
    return (np.asarray(missing.to_numpy(zero_copy_only=False), dtype=bool),
            np.asarray(aware.to_numpy(zero_copy_only=False), dtype=bool))


def parse_timestamps(values: pd.Series, *, column: str, issues: RowIssues,
                     format: str | None = None) -> pd.Series:
    """Parse one column of timestamps; missing stay NaT, bad rows go to ``issues``.

    Accepted: a datetime64 column (naive or time-zone aware), or text/objects parsed with
    ``format`` (default ISO 8601, so day-first dates are never guessed). Within a column,
    time-zone-aware and naive values must not be mixed (``"2026-01-05 10:00+01:00"`` next to
    ``"2026-01-05 10:00"``): that is reported as invalid, because the naive ones cannot be
    placed on the time line. Aware values are converted to UTC.

    Returns
    -------
    Series of datetime64 (naive, or UTC when the column is time-zone aware).
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return values
    series = values
    flags = _text_flags(series)
    if flags is not None:
        is_missing, aware = flags
    else:
        is_missing = series.isna().to_numpy() | series.map(
            lambda v: isinstance(v, str) and v.strip() == "").to_numpy(dtype=bool)
        as_ts = series.map(lambda v: isinstance(v, pd.Timestamp | np.datetime64)
                           or hasattr(v, "tzinfo"))
        aware = np.zeros(len(series), dtype=bool)
        if as_ts.any():
            aware |= series.map(lambda v: getattr(v, "tzinfo", None) is not None
                                ).to_numpy(bool)
        aware |= _has_tz_text(series)
    present = ~is_missing
    n_aware = int((aware & present).sum())
    n_present = int(present.sum())
    if 0 < n_aware < n_present:
        minority = aware if n_aware <= n_present - n_aware else (~aware & present)
        kind = "time-zone-aware" if n_aware <= n_present - n_aware else "time-zone-naive"
        issues.add(minority & present, column=column, values=series,
                   reason=f"{kind} timestamps mixed with the column's other time-zone "
                          "convention (time-zone mix)")
    use = present & ~issues.mask
    strings = series.where(use, None)
    utc = n_aware > 0 and n_aware >= n_present - n_aware
    how = format if format is not None else "ISO8601"
    try:
        parsed = pd.to_datetime(strings.astype(object), errors="coerce", utc=utc, format=how)
    except ValueError:  # "Mixed timezones": offsets the suffix test did not see
        aware = _aware_by_value(strings, how) & use
        n_aware, n_use = int(aware.sum()), int(use.sum())
        minority = aware if n_aware <= n_use - n_aware else (~aware & use)
        kind = "time-zone-aware" if n_aware <= n_use - n_aware else "time-zone-naive"
        issues.add(minority, column=column, values=series,
                   reason=f"{kind} timestamps mixed with the column's other time-zone "
                          "convention (time-zone mix)")
        use = use & ~issues.mask
        strings = series.where(use, None)
        parsed = pd.to_datetime(strings.astype(object), errors="coerce",
                                utc=bool(n_aware) and n_aware > n_use - n_aware, format=how)
    bad = use & parsed.isna().to_numpy()
    issues.add(bad, column=column, values=series,
               reason="timestamps that cannot be parsed"
                      + (f" with format {format!r}" if format else " (expected ISO 8601)"))
    return parsed.where(~pd.Series(bad, index=parsed.index))


def _tz_of(values: pd.Series) -> Any:
    return getattr(values.dt, "tz", None)


def align_time_zones(columns: dict[str, pd.Series], *,
                     tz: str | None = None) -> dict[str, pd.Series]:
    """Make several parsed timestamp columns comparable, or raise on a time-zone mix.

    All naive: returned as they are (or, with ``tz``, localised to it). All aware: converted
    to UTC. Some aware, some naive: `DataValidationError` naming the naive column, unless
    ``tz`` says where the naive ones are, in which case they are localised to ``tz``.
    """
    aware = {name: _tz_of(s) is not None for name, s in columns.items()}
    if all(aware.values()):
        return {name: s.dt.tz_convert("UTC") for name, s in columns.items()}
    if not any(aware.values()):
        if tz is None:
            return columns
        return {name: s.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT").dt.tz_convert(
            "UTC") for name, s in columns.items()}
    if tz is None:
        naive = [n for n, a in aware.items() if not a]
        aware_names = [n for n, a in aware.items() if a]
        raise DataValidationError(
            f"time-zone mix: these timestamps are naive while {aware_names} are time-zone "
            "aware; localise them or pass tz=... to say which zone the naive ones are in",
            column=naive[0])
    out = {}
    for name, s in columns.items():
        if aware[name]:
            out[name] = s.dt.tz_convert("UTC")
        else:
            out[name] = s.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT").dt.tz_convert(
                "UTC")
    return out


def clean_flag(values: pd.Series, *, column: str, issues: RowIssues) -> np.ndarray:
    """A yes/no column as float 1/0 with NaN for missing; bad values go to ``issues``.

    Accepted: booleans, 0/1, and the words true/false, yes/no, y/n, t/f (any case).
    Missing values are excluded under the ``missing`` policy of ``issues``.
    """
    out = np.full(len(values), np.nan)
    if pd.api.types.is_bool_dtype(values.dtype):
        mask = values.notna().to_numpy()
        out[mask] = values[mask].astype(bool).to_numpy(dtype=float)
    else:
        def code(v: Any) -> float:
            if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
                return np.nan
            if isinstance(v, bool | np.bool_):
                return float(v)
            if isinstance(v, int | float | np.integer | np.floating):
                return float(v) if v in (0, 1) else -1.0
            if isinstance(v, str):
                s = v.strip().lower()
                if s == "":
                    return np.nan
                return 1.0 if s in _TRUE else 0.0 if s in _FALSE else -1.0
            return -1.0

        out = np.array([code(v) for v in values.to_numpy(dtype=object)], dtype=float)
        bad = out == -1.0
        issues.add(bad, column=column, values=values,
                   reason="values are not yes/no flags (expected true/false, 1/0, yes/no)")
        out[bad] = np.nan
    missing = np.isnan(out)
    issues.add(missing, column=column, values=values,
               reason="missing values", kind="missing")
    return out


def check_unique_ids(ids: pd.Series, *, column: str, issues: RowIssues) -> None:
    """Duplicate ids are invalid: every repeat after the first occurrence is reported.

    Integer ids in strictly increasing or decreasing order (as exports list them) are
    unique without hashing them.
    """
    if isinstance(ids.dtype, np.dtype) and ids.dtype.kind in "iu" and len(ids) > 1:
        a = ids.to_numpy()
        if np.all(a[1:] > a[:-1]) or np.all(a[1:] < a[:-1]):
            return
    dup = ids.duplicated(keep="first").to_numpy() & ids.notna().to_numpy()
    issues.add(dup, column=column, values=ids,
               reason="duplicate ids (each id must appear once)")


_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}


def _utc_values(values: pd.Series) -> np.ndarray:
    """The datetime64 values of a naive or time-zone-aware column (UTC), without copying."""
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_convert(None)
    return values.to_numpy()


def seconds_between(start: pd.Series, end: pd.Series) -> np.ndarray:
    """``end − start`` in seconds as float (NaN where either is missing).

    Two datetime64 columns of the same unit and the same kind (both naive, or both time-zone
    aware) are subtracted as int64 ticks and divided by the ticks per second, which is what
    ``(end − start).dt.total_seconds()`` computes, without the intermediate timedelta column;
    anything else (other units, an overflow) goes through pandas as before.

    >>> s = pd.Series(pd.to_datetime(["2026-01-05 10:00:00", "2026-01-05 11:00:00", None]))
    >>> e = pd.Series(pd.to_datetime(["2026-01-05 10:01:30", None, "2026-01-05 12:00:00"]))
    >>> seconds_between(s, e).tolist()
    [90.0, nan, nan]
    """
    fast = (pd.api.types.is_datetime64_any_dtype(start.dtype)
            and pd.api.types.is_datetime64_any_dtype(end.dtype)
            and (getattr(start.dt, "tz", None) is None) == (getattr(end.dt, "tz", None) is None))
    if fast:
        a, b = _utc_values(start), _utc_values(end)
        unit = np.datetime_data(a.dtype)[0]
        if a.dtype == b.dtype and unit in _PER_SECOND:
            ai, bi = a.view(np.int64), b.view(np.int64)
            nat = np.iinfo(np.int64).min
            has_a, has_b = ai != nat, bi != nat
            lim = 1 << 62  # stamps within ±2⁶² ticks: their differences fit in int64
            if (ai.max(initial=0) < lim and bi.max(initial=0) < lim
                    and ai.min(where=has_a, initial=0) >= -lim
                    and bi.min(where=has_b, initial=0) >= -lim):
                out = (bi - ai) / _PER_SECOND[unit]
                has_a &= has_b
                out[~has_a] = np.nan
                return out
            missing = ~(has_a & has_b)
            diff = bi - ai  # wraps on overflow: checked below
            overflow = ((bi ^ ai) & (bi ^ diff)) < 0
            if not (overflow & ~missing).any():
                out = diff / _PER_SECOND[unit]
                out[missing] = np.nan
                return out
    delta = end - start
    return delta.dt.total_seconds().to_numpy(dtype=float)


def labels_to_rows(index: pd.Index, mask: np.ndarray) -> Sequence[Any]:
    """Row labels selected by ``mask``."""
    return list(index[mask])
