"""Duration KPIs: first response time, resolution time, handle time and speed of answer.

========================  ================================================  ==========
KPI                       duration                                          table
========================  ================================================  ==========
``frt``                   ``first_response_at − created_at``                tickets
``resolution_time``       ``resolved_at − created_at``                      tickets
``aht``                   ``talk_seconds + hold_seconds + acw_seconds``     calls
                          (the parts the table has: talk time alone when
                          there are no hold and after-call-work columns)
``asa``                   ``wait_seconds`` of answered calls                calls
========================  ================================================  ==========

Each is summarised by a ``statistic``: the **median** (default) with the distribution-free
order-statistic interval, the **mean** with a seeded percentile-bootstrap interval (or
Student's t), or any **quantile** (p90 by default) with its order-statistic interval; see
`kpitools.stats.quantiles`. `sla_attainment` gives the share of items within a target, with
Wilson's interval.

Open items are censored, not dropped: a ticket without a first response (or not yet resolved)
has no duration yet. It is counted in ``details["n_open"]``, listed in ``result.excluded``
with the reason ``"open (censored): ..."`` and included in ``n_excluded``. Leaving open items
out biases a median *down* when many are open, so the count is always shown; for an SLA, an
open ticket that has already waited longer than the target (at ``as_of``) is a known miss and
is counted as one.

Timestamps are calendar time by default; pass ``business_hours=BusinessHours(...)`` to count
only opening hours (`kpitools.tables.business_hours`).

Bad rows (an end before its start, a negative or infinite number of seconds, an unparseable
timestamp, a duplicate id, a time-zone mix) raise `DataValidationError` naming the column, rows
and values, or with ``invalid="exclude"`` are left out and reported.

References
----------
.. [Conover99] Conover WJ (1999). Practical Nonparametric Statistics, 3rd ed. Wiley, §3.2.
.. [ET93] Efron B, Tibshirani RJ (1993). An Introduction to the Bootstrap. Chapman & Hall.
.. [HWC14] Hollander M, Wolfe DA, Chicken E (2014). Nonparametric Statistical Methods, 3rd
   ed. Wiley, §4.3 (Hodges–Lehmann shift and interval).
.. [MW47] Mann HB, Whitney DR (1947). Ann Math Stat 18:50–60.
.. [Welch47] Welch BL (1947). Biometrika 34:28–35.
.. [Wilson27] Wilson EB (1927). J Am Stat Assoc 22:209–212.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from kpitools.core.errors import DataValidationError, KpiToolsWarning
from kpitools.core.results import ESTIMATE_COLUMNS, Comparison, KpiEstimate
from kpitools.core.validation import (
    check_alternative,
    check_choice,
    check_confidence_level,
    require_nonempty,
    warn_if_small,
)
from kpitools.kpis.catalogue import KpiDefinition, options_of, register_kpi
from kpitools.kpis.common import compare_proportions, proportion_columns
from kpitools.kpis.targets import GroupTargets, as_seconds
from kpitools.stats.intervals import DiffMethod, ProportionMethod, proportion_ci
from kpitools.stats.quantiles import (
    bootstrap_diff_ci,
    bootstrap_mean_diff_ci,
    grouped_bootstrap_mean_ci,
    grouped_quantile_ci,
    grouped_quantile_ci_ticks,
    hodges_lehmann,
)
from kpitools.stats.significance import ProportionTest, mann_whitney_test, mean_ci, welch_test
from kpitools.tables.business_hours import BusinessHours, business_seconds
from kpitools.tables.columns import require_columns, resolve_columns
from kpitools.tables.events import (
    RowIssues,
    align_time_zones,
    check_unique_ids,
    clean_flag,
    parse_timestamps,
    seconds_between,
)
from kpitools.tables.keys import group_codes

__all__ = [
    "PartialHandleTimeWarning",
    "DURATION_KPIS",
    "DURATION_UNITS",
    "DurationData",
    "duration_values",
    "duration_kpi",
    "frt",
    "resolution_time",
    "aht",
    "asa",
    "sla_attainment",
    "sla_row_outcomes",
    "compare_durations",
    "summarize_durations",
]

Statistic = Literal["median", "mean", "quantile"]
DurationUnit = Literal["seconds", "minutes", "hours", "days"]

DURATION_UNITS: dict[str, float] = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0,
                                    "days": 86400.0}


class PartialHandleTimeWarning(KpiToolsWarning):
    """Handle time summed from only some of its parts (talk time alone when the calls have
    no hold and after-call-work columns)."""


@dataclass(frozen=True)
class _Spec:
    table: str
    start: str | None
    end: str | None
    parts: tuple[str, ...]
    unit: str
    id_column: str
    description: str
    needs_answered: bool = False


#: The duration KPIs and where their durations come from.
DURATION_KPIS: dict[str, _Spec] = {
    "frt": _Spec("tickets", "created_at", "first_response_at", (), "minutes", "ticket_id",
                 "first response time"),
    "resolution_time": _Spec("tickets", "created_at", "resolved_at", (), "minutes",
                             "ticket_id", "resolution time"),
    "aht": _Spec("calls", None, None, ("talk_seconds", "hold_seconds", "acw_seconds"),
                 "minutes", "call_id", "average handle time (talk + hold + after-call work)"),
    "asa": _Spec("calls", None, None, ("wait_seconds",), "seconds", "call_id",
                 "speed of answer (waiting time of answered calls)", needs_answered=True),
}

_STATISTICS = ("median", "mean", "quantile")
_METHODS = {"median": ("order_statistic",), "quantile": ("order_statistic",),
            "mean": ("bootstrap", "t")}
_COMPARE_METHODS = {"median": ("hodges_lehmann", "bootstrap"), "quantile": ("bootstrap",),
                    "mean": ("bootstrap", "welch")}


@dataclass(frozen=True)
class DurationData:
    """Durations of one table, after validation.

    Attributes
    ----------
    seconds : numpy.ndarray
        Duration of each row in seconds; NaN for open, excluded or missing rows.
    usable : numpy.ndarray of bool
        Rows with a duration.
    open : numpy.ndarray of bool
        Open (censored) rows: started but without an end yet.
    elapsed_open : numpy.ndarray
        For open rows, the seconds elapsed from the start to ``as_of`` (NaN otherwise or
        without ``as_of``).
    issues : RowIssues
        Excluded rows (invalid, missing, open) with reasons.
    index : pandas.Index
    parts : tuple of str
        The columns summed into each duration (AHT: talk, hold and after-call work, those the
        table has); empty for timestamp KPIs and ``value=``.
    missing_parts : tuple of str
        The parts of AHT the table lacks (their columns are absent), so not summed.
    """

    seconds: np.ndarray
    usable: np.ndarray
    open: np.ndarray
    elapsed_open: np.ndarray
    issues: RowIssues
    index: pd.Index
    parts: tuple[str, ...] = ()
    missing_parts: tuple[str, ...] = ()

    @property
    def note(self) -> str | None:
        """One line when AHT is summed from only some of its parts, else None."""
        if not self.missing_parts:
            return None
        summed = " + ".join(self.parts)
        lacking = " and ".join(self.missing_parts)
        alone = "talk time alone" if len(self.parts) == 1 else summed
        return (f"AHT from {alone} ({summed}): the calls have no {lacking} column, so "
                f"{'they are' if len(self.missing_parts) > 1 else 'it is'} not included")

    def details(self) -> dict[str, Any]:
        """``parts`` summed (and ``note`` when some are missing), for a result's details."""
        if not self.parts:
            return {}
        out: dict[str, Any] = {"parts": self.parts}
        if self.note:
            out["note"] = self.note
        return out

    def warn(self, stacklevel: int = 3) -> None:
        """`PartialHandleTimeWarning` with `note`, when parts are missing."""
        if self.note:
            warnings.warn(self.note, PartialHandleTimeWarning, stacklevel=stacklevel)

    @property
    def n_open(self) -> int:
        return int(self.open.sum())


#: The options of `duration_values` that the duration KPIs pass on to it.
_PREPARE = ("columns", "value", "value_unit", "business_hours", "tz", "as_of", "invalid",
            "missing", "timestamp_format")


def _prepare_options(scope: dict[str, Any]) -> dict[str, Any]:
    """The `duration_values` options from a duration function's ``locals()``."""
    return {name: scope[name] for name in _PREPARE}


def _check_kpi(kpi: Any) -> _Spec:
    return DURATION_KPIS[check_choice("kpi", kpi, tuple(DURATION_KPIS))]


def _as_of_timestamp(as_of: Any, like: pd.Series) -> pd.Timestamp | None:
    if as_of is None:
        return None
    ts = pd.Timestamp(as_of)
    tz = getattr(like.dt, "tz", None)
    if tz is not None and ts.tzinfo is None:
        raise ValueError("as_of must be time-zone aware when the timestamps are")
    if tz is None and ts.tzinfo is not None:
        raise ValueError("as_of must be time-zone naive when the timestamps are")
    return ts


def duration_values(
    data: pd.DataFrame,
    kpi: str,
    *,
    columns: Mapping[str, str] | None = None,
    value: str | None = None,
    value_unit: DurationUnit = "seconds",
    business_hours: BusinessHours | None = None,
    tz: str | None = None,
    as_of: Any = None,
    invalid: Literal["raise", "exclude"] = "raise",
    missing: Literal["exclude", "raise"] = "exclude",
    timestamp_format: str | None = None,
) -> DurationData:
    """Validate a ticket or call table and compute each row's duration in seconds.

    Parameters
    ----------
    data : DataFrame
        One row per ticket (``frt``, ``resolution_time``) or call (``aht``, ``asa``).
    kpi : {"frt", "resolution_time", "aht", "asa"}
    columns : mapping, optional
        ``{canonical name: your column}``, see `kpitools.tables.columns`.
    value : str, optional
        A column of already computed durations (in ``value_unit``) to use instead.
    business_hours : BusinessHours, optional
        Count only opening hours (timestamp KPIs only).
    tz : str, optional
        Time zone of naive timestamps when other columns are time-zone aware.
    as_of : datetime-like, optional
        The time the data was extracted; open items get their elapsed time up to it.
    invalid : {"raise", "exclude"}, default "raise"
    missing : {"exclude", "raise"}, default "exclude"
    timestamp_format : str, optional
        ``strftime`` format of text timestamps (default ISO 8601; day-first dates are never
        guessed).

    Returns
    -------
    DurationData
    """
    spec = _check_kpi(kpi)
    check_choice("value_unit", value_unit, tuple(DURATION_UNITS))
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(data).__name__}")
    cols = resolve_columns(spec.table, columns)
    issues = RowIssues(data.index, invalid=invalid, missing=missing)
    n = len(data)
    id_col = cols[spec.id_column]
    if id_col in data.columns:
        check_unique_ids(data[id_col], column=id_col, issues=issues)
    open_mask = np.zeros(n, dtype=bool)
    elapsed = np.full(n, np.nan)
    parts: tuple[str, ...] = ()
    lacking: tuple[str, ...] = ()
    _exclude_abandoned(data, spec, cols, issues, timestamp_format)

    if value is not None:
        if value not in data.columns:
            raise DataValidationError("column not found", column=value)
        seconds = _numeric_seconds(data[value], value, issues) * DURATION_UNITS[value_unit]
    elif spec.start is not None and spec.end is not None:
        if business_hours is not None and not isinstance(business_hours, BusinessHours):
            raise TypeError("business_hours must be a kpitools.BusinessHours calendar")
        start_col, end_col = cols[spec.start], cols[spec.end]
        require_columns(data, cols, [spec.start, spec.end])
        start = parse_timestamps(data[start_col], column=start_col, issues=issues,
                                 format=timestamp_format)
        end = parse_timestamps(data[end_col], column=end_col, issues=issues,
                               format=timestamp_format)
        aligned = align_time_zones({start_col: start, end_col: end}, tz=tz)
        start, end = aligned[start_col], aligned[end_col]
        start_missing = start.isna().to_numpy() & ~issues.mask
        issues.add(start_missing, column=start_col, values=data[start_col],
                   reason="missing start timestamps", kind="missing")
        if business_hours is not None:
            seconds = business_seconds(start, end, business_hours)
        else:
            seconds = seconds_between(start, end)
        calendar = seconds if business_hours is None else seconds_between(start, end)
        negative = (calendar < 0) & ~issues.mask
        issues.add(negative, column=end_col, values=data[end_col],
                   reason=f"{end_col} before {start_col} (negative duration)")
        open_mask = end.isna().to_numpy() & ~issues.mask
        if open_mask.any():
            stamp = _as_of_timestamp(as_of, start)
            if stamp is not None:
                if business_hours is not None:
                    upto = pd.Series(np.repeat(stamp, n), index=start.index)
                    elapsed_all = business_seconds(start, upto, business_hours)
                else:
                    elapsed_all = (stamp - start).dt.total_seconds().to_numpy(dtype=float)
                elapsed = np.where(open_mask, elapsed_all, np.nan)
            what = "first response" if spec.end == "first_response_at" else "resolution"
            issues.add(open_mask, column=end_col, values=data[end_col],
                       reason=f"open (censored): no {what} yet", kind="open")
    else:
        seconds, parts, lacking = _call_seconds(data, spec, cols, issues)
    seconds = np.where(issues.mask, np.nan, seconds)
    usable = ~issues.mask & ~np.isnan(seconds)
    return DurationData(seconds=seconds, usable=usable, open=open_mask, elapsed_open=elapsed,
                        issues=issues, index=data.index, parts=parts, missing_parts=lacking)


_TICKS_PER_SECOND = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}
#: `summarize_durations` reads medians and quantiles from integer ticks from this many rows
#: on (below, the float seconds of `duration_values`; the numbers are the same).
_TICKS_MIN_ROWS = 100_000


def _tick_values(values: pd.Series) -> np.ndarray | None:
    """The int64 ticks (UTC for time-zone-aware columns) of a datetime64 column, without a
    copy where possible; None for anything else (text, objects, other dtypes)."""
    dtype = values.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert(None)
    elif not (isinstance(dtype, np.dtype) and dtype.kind == "M"):
        return None
    arr = values.to_numpy()
    if arr.dtype.kind != "M":
        return None
    return arr


@dataclass(frozen=True)
class _Ticks:
    """Durations as int64 clock ticks (`_duration_ticks`): ``ticks[~issues.mask]`` are the
    usable durations, ``ticks / per_second`` the seconds `duration_values` computes."""

    ticks: np.ndarray
    per_second: int
    open: np.ndarray
    issues: RowIssues


def _duration_ticks(data: Any, kpi: str, *, columns: Mapping[str, str] | None,
                    value: str | None, value_unit: DurationUnit,
                    business_hours: BusinessHours | None, tz: str | None, as_of: Any,
                    invalid: Literal["raise", "exclude"], missing: Literal["exclude", "raise"],
                    timestamp_format: str | None) -> _Ticks | None:
    """`duration_values` of a timestamp KPI on two datetime64 columns, as int64 ticks.

    The same checks in the same order, the same excluded rows, reasons and errors; None
    (use `duration_values`) for anything else: ``value=``, business hours, ``tz``,
    ``as_of``, text or mixed time-zone columns, other units, stamps beyond ±2⁶² ticks.
    """
    spec = _check_kpi(kpi)
    check_choice("value_unit", value_unit, tuple(DURATION_UNITS))
    if (not isinstance(data, pd.DataFrame) or value is not None or business_hours is not None
            or tz is not None or as_of is not None or spec.start is None
            or spec.end is None):
        return None
    cols = resolve_columns(spec.table, columns)
    start_col, end_col = cols[spec.start], cols[spec.end]
    if start_col not in data.columns or end_col not in data.columns:
        return None
    a, b = _tick_values(data[start_col]), _tick_values(data[end_col])
    if (a is None or b is None or a.dtype != b.dtype
            or (isinstance(data[start_col].dtype, pd.DatetimeTZDtype)
                != isinstance(data[end_col].dtype, pd.DatetimeTZDtype))):
        return None
    unit = np.datetime_data(a.dtype)[0]
    if unit not in _TICKS_PER_SECOND:
        return None
    ai, bi = a.view(np.int64), b.view(np.int64)
    nat = np.iinfo(np.int64).min
    a_nat, b_nat = ai == nat, bi == nat
    lim = 1 << 62  # stamps within ±2⁶² ticks: their differences fit in int64
    if not (ai.max(initial=0) < lim and bi.max(initial=0) < lim
            and ai.min(where=~a_nat, initial=0) >= -lim
            and bi.min(where=~b_nat, initial=0) >= -lim):
        return None
    issues = RowIssues(data.index, invalid=invalid, missing=missing)
    id_col = cols[spec.id_column]
    if id_col in data.columns:
        check_unique_ids(data[id_col], column=id_col, issues=issues)
    _exclude_abandoned(data, spec, cols, issues, timestamp_format)
    issues.add(a_nat & ~issues.mask, column=start_col, values=data[start_col],
               reason="missing start timestamps", kind="missing")
    ticks = bi - ai
    negative = (ticks < 0) & ~(a_nat | b_nat) & ~issues.mask
    issues.add(negative, column=end_col, values=data[end_col],
               reason=f"{end_col} before {start_col} (negative duration)")
    open_mask = b_nat & ~issues.mask
    if open_mask.any():
        what = "first response" if spec.end == "first_response_at" else "resolution"
        issues.add(open_mask, column=end_col, values=data[end_col],
                   reason=f"open (censored): no {what} yet", kind="open")
    return _Ticks(ticks, _TICKS_PER_SECOND[unit], open_mask, issues)


def _grouped_quantile_from_ticks(data: pd.DataFrame, kpi: str, keys: list[str], q: float, *,
                                 factor: float, level: float, alternative: str,
                                 prepare: dict[str, Any]
                                 ) -> tuple[tuple[np.ndarray, ...], np.ndarray, pd.DataFrame,
                                            _Ticks] | None:
    """The order-statistic columns of `summarize_durations` from integer ticks (`_Ticks`,
    `grouped_quantile_ci_ticks`): ``((estimate, low, high, n), codes, groups, ticks)``, or
    None where that path does not apply."""
    if not isinstance(data, pd.DataFrame) or len(data) < _TICKS_MIN_ROWS:
        return None
    tk = _duration_ticks(data, kpi, **prepare)
    if tk is None:
        return None
    codes, groups = group_codes(data, keys)
    per_second = tk.per_second

    def scale(t: np.ndarray) -> np.ndarray:  # as duration_values, then `/ factor`
        return (t / per_second) / factor

    res = grouped_quantile_ci_ticks(tk.ticks, ~tk.issues.mask, codes, len(groups), q,
                                    scale=scale, confidence_level=level,
                                    alternative=alternative, bottom=0.0)
    if res is None:
        return None
    return (res.estimate, res.low, res.high, res.n), codes, groups, tk


def _numeric_seconds(values: pd.Series, column: str, issues: RowIssues) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values.dtype):
        raise DataValidationError("boolean values where durations are required", column=column,
                                  rows=list(values.index[:5]), values=list(values.iloc[:5]))
    numeric = pd.to_numeric(values, errors="coerce").astype(float).to_numpy()
    raw: Any
    if pd.api.types.is_numeric_dtype(values.dtype):  # no text: blanks cannot occur
        # (the offending values are taken from the column itself, as objects, when listed)
        raw, is_missing = values, values.isna().to_numpy()
    else:
        raw = values.to_numpy(dtype=object)
        is_missing = values.isna().to_numpy() | np.array(
            [isinstance(v, str) and v.strip() == "" for v in raw], dtype=bool)
    issues.add(np.isnan(numeric) & ~is_missing, column=column, values=raw,
               reason="values are not numbers")
    issues.add(is_missing, column=column, values=raw, reason="missing values", kind="missing")
    with np.errstate(invalid="ignore"):
        issues.add(numeric < 0, column=column, values=raw, reason="negative durations")
    # ±inf (e.g. "inf" text or a division by zero upstream) is no duration: invalid, like a
    # negative one (refused, or excluded and listed with invalid="exclude")
    issues.add(np.isinf(numeric), column=column, values=raw, reason="infinite durations")
    return numeric


def _exclude_abandoned(data: pd.DataFrame, spec: _Spec, cols: dict[str, str],
                       issues: RowIssues, timestamp_format: str | None) -> None:
    """Leave abandoned calls (no ``answered_at`` timestamp) out, listed as excluded.

    ``answered_at`` is read as a timestamp, as `kpitools.answer_rate` reads it: text such as
    ``"Y"``/``"N"`` is refused (read as present, it would count every call as answered).
    Speed of answer is defined over answered calls only, so for ``asa`` the column is
    required, also with ``value=``: without it the waiting times of abandoned calls would be
    averaged in silence.
    """
    if spec.table != "calls":
        return
    answered_col = cols["answered_at"]
    flag_col = cols.get("answered", "answered")
    if answered_col not in data.columns and flag_col in data.columns:
        # an export with a yes/no "answered" flag instead of the answer time
        flag = clean_flag(data[flag_col], column=flag_col, issues=issues)
        issues.add(flag == 0.0, column=flag_col, values=data[flag_col],
                   reason="abandoned call (not answered, no handle time or speed of answer)",
                   kind="open")
        return
    if spec.needs_answered:
        require_columns(data, cols, ["answered_at"])
    elif answered_col not in data.columns:
        return
    answered_at = parse_timestamps(data[answered_col], column=answered_col, issues=issues,
                                   format=timestamp_format)
    abandoned = answered_at.isna().to_numpy()
    issues.add(abandoned, column=answered_col, values=data[answered_col],
               reason="abandoned call (not answered, no handle time or speed of answer)",
               kind="open")


def _call_seconds(data: pd.DataFrame, spec: _Spec, cols: dict[str, str], issues: RowIssues
                  ) -> tuple[np.ndarray, tuple[str, ...], tuple[str, ...]]:
    """The sum of the parts the table has, the columns summed and the parts it lacks.

    The first part (talk time for AHT) is required; a later part whose column is absent is
    left out of the sum and named (AHT from talk time alone). A part whose column is there
    but empty in some rows makes those rows missing, as before.
    """
    require_columns(data, cols, spec.parts[:1])
    present = tuple(p for p in spec.parts if cols[p] in data.columns)
    lacking = tuple(cols[p] for p in spec.parts if cols[p] not in data.columns)
    total = np.zeros(len(data))
    for part in present:
        total = total + _numeric_seconds(data[cols[part]], cols[part], issues)
    return total, tuple(cols[p] for p in present), lacking


def _check_statistic(statistic: Statistic, method: str | None,
                     q: float) -> tuple[Statistic, str]:
    check_choice("statistic", statistic, _STATISTICS)
    if method is None:
        method = _METHODS[statistic][0]
    check_choice("method", method, _METHODS[statistic])
    if statistic == "quantile" and not 0.0 < float(q) < 1.0:
        raise ValueError(f"q must be strictly between 0 and 1, got {q!r}")
    return statistic, method


def _label(kpi: str, statistic: str, q: float) -> str:
    if statistic == "quantile":
        pct = 100.0 * float(q)
        return f"{kpi}_p{pct:g}"
    return f"{kpi}_{statistic}"


def _unit(spec: _Spec, unit: str | None) -> tuple[str, float]:
    chosen = spec.unit if unit is None else unit
    check_choice("unit", chosen, tuple(DURATION_UNITS))
    return chosen, DURATION_UNITS[chosen]


def duration_kpi(
    data: pd.DataFrame,
    kpi: str = "frt",
    *,
    statistic: Statistic = "median",
    q: float = 0.9,
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
    method: str | None = None,
    unit: DurationUnit | None = None,
    n_resamples: int = 9999,
    random_state: int | np.random.Generator | None = 0,
    columns: Mapping[str, str] | None = None,
    value: str | None = None,
    value_unit: DurationUnit = "seconds",
    business_hours: BusinessHours | None = None,
    tz: str | None = None,
    as_of: Any = None,
    invalid: Literal["raise", "exclude"] = "raise",
    missing: Literal["exclude", "raise"] = "exclude",
    timestamp_format: str | None = None,
) -> KpiEstimate:
    """A duration KPI (``frt``, ``resolution_time``, ``aht``, ``asa``) with its interval.

    Parameters
    ----------
    data : DataFrame
        Tickets (``frt``, ``resolution_time``) or calls (``aht``, ``asa``).
    kpi : {"frt", "resolution_time", "aht", "asa"}, default "frt"
    statistic : {"median", "mean", "quantile"}, default "median"
    q : float, default 0.9
        The quantile when ``statistic="quantile"`` (0.9 = p90).
    confidence_level : float, default 0.95
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
    method : str, optional
        ``"order_statistic"`` for the median and quantiles (the only one: binomial ranks,
        [Conover99]_); for the mean ``"bootstrap"`` (default, percentile bootstrap,
        [ET93]_) or ``"t"`` (Student's t).
    unit : {"seconds", "minutes", "hours", "days"}, optional
        Unit of the result; minutes for frt/resolution_time/aht, seconds for asa.
    n_resamples : int, default 9999
        Bootstrap resamples (mean only).
    random_state : int, Generator or None, default 0
        Bootstrap seed.
    columns, value, value_unit, business_hours, tz, as_of, invalid, missing, timestamp_format
        How the table is read: see `duration_values`.

    Returns
    -------
    KpiEstimate
        ``kpi`` is e.g. ``"frt_median"``; ``details`` holds ``statistic``, ``q``, ``n_open``
        (open items left out), ``coverage`` (exact coverage of the order-statistic
        interval), ``business_hours`` (bool), and for AHT ``parts`` (the columns summed)
        and, when hold or after-call work is absent, ``note``; ``excluded`` lists open,
        invalid and missing rows with their reasons.

    Warns
    -----
    PartialHandleTimeWarning
        AHT of calls without a hold or after-call-work column: summed from the parts
        there are (talk time alone), and said so.

    Notes
    -----
    Median and quantile: point estimate is the Hyndman–Fan type-7 sample quantile; the
    interval is ``[X_(r), X_(s)]`` with ``r``, ``s`` binomial(n, q) quantiles, valid for any
    continuous distribution [Conover99]_. Coverage is at least the nominal level; where no
    order statistic qualifies (tiny n) the bound is 0 or +∞.

    Examples
    --------
    >>> from kpitools.datasets import load_tickets
    >>> tickets = load_tickets()
    >>> frt(tickets)
    <FRT_MEDIAN ...>
    """
    spec = _check_kpi(kpi)
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    statistic, method = _check_statistic(statistic, method, q)
    unit_name, factor = _unit(spec, unit)
    prepare = _prepare_options(locals())
    dd = duration_values(data, kpi, **prepare)
    dd.warn()
    x = dd.seconds[dd.usable] / factor
    require_nonempty(x.size, what=spec.description, n_excluded=dd.issues.n_excluded)
    warn_if_small(x.size, what=_label(kpi, statistic, q))
    codes = np.zeros(x.size, dtype=np.int64)
    coverage = np.nan
    if statistic == "mean":
        if method == "t":
            if x.size < 2:
                raise DataValidationError(f"a t interval needs at least 2 durations, got "
                                          f"{x.size}")
            est = float(x.mean())
            low, high = mean_ci(x, confidence_level=level, alternative=alternative)
            method_name = "t"
        else:
            m, lo, hi, _ = grouped_bootstrap_mean_ci(
                x, codes, 1, confidence_level=level, alternative=alternative,
                n_resamples=n_resamples, random_state=random_state)
            est, low, high = float(m[0]), float(lo[0]), float(hi[0])
            method_name = "bootstrap_percentile"
    else:
        qq = 0.5 if statistic == "median" else float(q)
        e, lo, hi, _, cov = grouped_quantile_ci(x, codes, 1, qq, confidence_level=level,
                                                alternative=alternative, bottom=0.0)
        est, low, high, coverage = float(e[0]), float(lo[0]), float(hi[0]), float(cov[0])
        method_name = "order_statistic"
    return KpiEstimate(
        kpi=_label(kpi, statistic, q), estimate=float(est), ci_low=float(low),
        ci_high=float(high), n=int(x.size), n_excluded=dd.issues.n_excluded,
        method=method_name, confidence_level=level, unit=unit_name,
        details={"statistic": statistic, "q": 0.5 if statistic == "median" else
                 (float(q) if statistic == "quantile" else None),
                 "n_open": dd.n_open, "coverage": coverage,
                 "business_hours": prepare.get("business_hours") is not None,
                 **dd.details()},
        excluded=dd.issues.excluded(),
    )


def frt(
    tickets: pd.DataFrame,
    *,
    statistic: Statistic = "median",
    q: float = 0.9,
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
    method: str | None = None,
    unit: DurationUnit | None = None,
    n_resamples: int = 9999,
    random_state: int | np.random.Generator | None = 0,
    columns: Mapping[str, str] | None = None,
    value: str | None = None,
    value_unit: DurationUnit = "seconds",
    business_hours: BusinessHours | None = None,
    tz: str | None = None,
    as_of: Any = None,
    invalid: Literal["raise", "exclude"] = "raise",
    missing: Literal["exclude", "raise"] = "exclude",
    timestamp_format: str | None = None,
) -> KpiEstimate:
    """First response time, ``first_response_at − created_at``: see `duration_kpi`.

    Tickets without a first response are open (censored): counted in ``details["n_open"]``
    and listed in ``excluded``, never dropped in silence.

    >>> import pandas as pd
    >>> created = pd.Timestamp("2026-07-01 09:00")
    >>> minutes = [4, 7, 9, 12, 15, 18, 25, 31, 40, 55, None, 90]
    >>> t = pd.DataFrame({"created_at": created,
    ...                   "first_response_at": created + pd.to_timedelta(minutes, unit="min")})
    >>> r = frt(t)
    >>> r.estimate, r.n, r.details["n_open"]
    (18.0, 11, 1)
    """
    return duration_kpi(
        tickets, "frt", statistic=statistic, q=q, confidence_level=confidence_level,
        alternative=alternative, method=method, unit=unit, n_resamples=n_resamples,
        random_state=random_state, **_prepare_options(locals()))


def resolution_time(
    tickets: pd.DataFrame,
    *,
    statistic: Statistic = "median",
    q: float = 0.9,
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
    method: str | None = None,
    unit: DurationUnit | None = None,
    n_resamples: int = 9999,
    random_state: int | np.random.Generator | None = 0,
    columns: Mapping[str, str] | None = None,
    value: str | None = None,
    value_unit: DurationUnit = "seconds",
    business_hours: BusinessHours | None = None,
    tz: str | None = None,
    as_of: Any = None,
    invalid: Literal["raise", "exclude"] = "raise",
    missing: Literal["exclude", "raise"] = "exclude",
    timestamp_format: str | None = None,
) -> KpiEstimate:
    """Resolution time, ``resolved_at − created_at``: see `duration_kpi`.

    Unresolved tickets are open (censored) and reported in ``details["n_open"]``.
    """
    return duration_kpi(
        tickets, "resolution_time", statistic=statistic, q=q, confidence_level=confidence_level,
        alternative=alternative, method=method, unit=unit, n_resamples=n_resamples,
        random_state=random_state, **_prepare_options(locals()))


def aht(
    calls: pd.DataFrame,
    *,
    statistic: Statistic = "median",
    q: float = 0.9,
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
    method: str | None = None,
    unit: DurationUnit | None = None,
    n_resamples: int = 9999,
    random_state: int | np.random.Generator | None = 0,
    columns: Mapping[str, str] | None = None,
    value: str | None = None,
    value_unit: DurationUnit = "seconds",
    business_hours: BusinessHours | None = None,
    tz: str | None = None,
    as_of: Any = None,
    invalid: Literal["raise", "exclude"] = "raise",
    missing: Literal["exclude", "raise"] = "exclude",
    timestamp_format: str | None = None,
) -> KpiEstimate:
    """Handle time per handled call, ``talk + hold + after-call work``: see `duration_kpi`.

    The catalogue's AHT is the *mean* handle time (``statistic="mean"``); the default median
    is the robust companion. Abandoned calls (no ``answered_at``) are not handled contacts
    and are listed as excluded.

    Calls without a ``hold_seconds`` or ``acw_seconds`` column (many exports have talk time
    only) give AHT from the parts there are: ``details["parts"]`` names the columns summed,
    ``details["note"]`` says what is missing, and a `PartialHandleTimeWarning` is issued
    (`kpitools.summarize` puts the note in ``attrs["notes"]`` instead). A column that is
    there but empty in some rows makes those rows missing (excluded and counted), as for
    any part. ``talk_seconds`` is required.

    >>> import pandas as pd
    >>> import warnings
    >>> calls = pd.DataFrame({"talk_seconds": [120, 300, 240, 180, 600, 90, 150, 420,
    ...                                        360, 200]})
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", PartialHandleTimeWarning)
    ...     r = aht(calls, unit="seconds")
    >>> r.estimate, r.details["parts"]
    (220.0, ('talk_seconds',))
    >>> print(r.details["note"])  # doctest: +NORMALIZE_WHITESPACE
    AHT from talk time alone (talk_seconds): the calls have no hold_seconds and
    acw_seconds column, so they are not included
    """
    return duration_kpi(
        calls, "aht", statistic=statistic, q=q, confidence_level=confidence_level,
        alternative=alternative, method=method, unit=unit, n_resamples=n_resamples,
        random_state=random_state, **_prepare_options(locals()))


def asa(
    calls: pd.DataFrame,
    *,
    statistic: Statistic = "median",
    q: float = 0.9,
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
    method: str | None = None,
    unit: DurationUnit | None = None,
    n_resamples: int = 9999,
    random_state: int | np.random.Generator | None = 0,
    columns: Mapping[str, str] | None = None,
    value: str | None = None,
    value_unit: DurationUnit = "seconds",
    business_hours: BusinessHours | None = None,
    tz: str | None = None,
    as_of: Any = None,
    invalid: Literal["raise", "exclude"] = "raise",
    missing: Literal["exclude", "raise"] = "exclude",
    timestamp_format: str | None = None,
) -> KpiEstimate:
    """Speed of answer: ``wait_seconds`` of answered calls, in seconds; see `duration_kpi`.

    ASA proper is the mean (``statistic="mean"``). Abandoned calls (no ``answered_at``) are
    listed as excluded. ``answered_at`` must be there and hold timestamps, as for
    `kpitools.answer_rate`: without it, or with ``"Y"``/``"N"`` text, a `DataValidationError`
    names the column (the waits of abandoned calls would otherwise be averaged in).
    Infinite waits are invalid, like negative ones.
    """
    return duration_kpi(
        calls, "asa", statistic=statistic, q=q, confidence_level=confidence_level,
        alternative=alternative, method=method, unit=unit, n_resamples=n_resamples,
        random_state=random_state, **_prepare_options(locals()))


SlaTarget = float | str | Mapping[Any, float | str] | GroupTargets


def _sla_targets(data: pd.DataFrame, dd: DurationData, target: Any, target_by: str | None,
                 target_unit: str) -> tuple[Any, dict[str, Any]]:
    """The SLA threshold in seconds — one number, or one per row from the row's group — and
    the details to record. Rows whose group has no target are added to ``dd.issues``."""
    check_choice("target_unit", target_unit, tuple(DURATION_UNITS))
    if not isinstance(target, GroupTargets | Mapping):
        if target_by is not None:
            raise TypeError("target_by= goes with per-group targets (target={group: "
                            "threshold, ...} or a GroupTargets)")
        seconds = as_seconds(target, target_unit)
        shown = float(target) if not isinstance(target, str) else target
        return seconds, {"target": shown, "target_unit": target_unit}
    if isinstance(target, GroupTargets):
        if target_by is not None and target_by != target.by:
            raise ValueError(f"target_by={target_by!r} differs from the targets' by="
                             f"{target.by!r}")
        groups = target
    else:
        if target_by is None:
            raise TypeError("per-group targets need target_by= (the column whose values pick "
                            "the target, e.g. target_by='priority')")
        groups = GroupTargets(target_by, dict(target))
    by = groups.by
    if by not in data.columns:
        shown = ", ".join(repr(c) for c in list(data.columns)[:20])
        raise DataValidationError(f"column not found (the column of the per-group SLA "
                                  f"targets); the data has {shown}", column=by)
    values = data[by]
    seconds = groups.seconds_for(values.to_numpy(dtype=object), unit=target_unit)
    missing = values.isna().to_numpy()
    dd.issues.add(missing, column=by, values=values, reason=f"missing {by} (no SLA target)",
                  kind="missing")
    listed = ", ".join(repr(k) for k in groups.values)
    dd.issues.add(np.isnan(seconds) & ~missing, column=by, values=values,
                  reason=f"{by} values without an SLA target (targets for {listed}, no "
                         "default)")
    unit = groups.unit or target_unit
    return seconds, {"target": dict(groups.values), "target_by": by,
                     "target_default": groups.default, "target_unit": unit}


def _sla_counts(dd: DurationData, target_seconds: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per-row (within target, decided) flags; open rows past the target are known misses.

    ``target_seconds`` is one number or one per row (NaN: no target, not decided)."""
    with np.errstate(invalid="ignore"):
        within = dd.usable & (dd.seconds <= target_seconds)
        known_miss = dd.open & (dd.elapsed_open > target_seconds)
    decided = (dd.usable & ~np.isnan(np.broadcast_to(target_seconds, dd.usable.shape))
               ) | known_miss
    return within, decided


def sla_row_outcomes(data: pd.DataFrame, kpi: str = "frt", *, target: SlaTarget,
                     target_by: str | None = None, target_unit: DurationUnit = "minutes",
                     columns: Mapping[str, str] | None = None, as_of: Any = None,
                     invalid: Literal["raise", "exclude"] = "raise",
                     missing: Literal["exclude", "raise"] = "exclude"
                     ) -> tuple[np.ndarray, np.ndarray, DurationData]:
    """Each row's SLA outcome as `sla_attainment` decides it: ``(within, decided, dd)`` —
    within its target, judged (a duration, or an open item already past its target at
    ``as_of``), and the `DurationData` of the rows (``dd.issues``: the exclusions, open
    items past their target among them). The options as in `sla_attainment` (timestamps
    only: no ``value``, business hours or ``tz``).

    >>> t = pd.DataFrame({"created_at": pd.to_datetime(["2026-07-01 09:00"] * 3),
    ...                   "first_response_at": pd.to_datetime(
    ...                       ["2026-07-01 09:10", None, "2026-07-01 11:00"])})
    >>> within, decided, _ = sla_row_outcomes(t, target=60, as_of="2026-07-01 12:00")
    >>> within.tolist(), decided.tolist()
    ([True, False, False], [True, True, True])
    """
    dd = duration_values(data, kpi, columns=columns, as_of=as_of, invalid=invalid,
                         missing=missing)
    target_seconds, _ = _sla_targets(data, dd, target, target_by, target_unit)
    within, decided = _sla_counts(dd, target_seconds)
    return within, decided, dd


def sla_attainment(
    data: pd.DataFrame,
    kpi: str = "frt",
    *,
    target: SlaTarget,
    target_by: str | None = None,
    target_unit: DurationUnit = "minutes",
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
    method: ProportionMethod = "wilson",
    columns: Mapping[str, str] | None = None,
    value: str | None = None,
    value_unit: DurationUnit = "seconds",
    business_hours: BusinessHours | None = None,
    tz: str | None = None,
    as_of: Any = None,
    invalid: Literal["raise", "exclude"] = "raise",
    missing: Literal["exclude", "raise"] = "exclude",
    timestamp_format: str | None = None,
) -> KpiEstimate:
    """Share of items whose duration is within ``target``, in %, with Wilson's interval.

    Parameters
    ----------
    data : DataFrame
    kpi : {"frt", "resolution_time", "aht", "asa"}, default "frt"
    target : float, str, mapping or GroupTargets
        The SLA threshold, in ``target_unit`` or as a duration text (``"4h"``); a duration
        equal to the threshold counts as met. Per-group thresholds: a mapping
        ``{"P1": "1h", "P2": "4h"}`` with ``target_by="priority"``, or a
        `kpitools.kpis.targets.GroupTargets` (e.g. ``GroupTargets.from_table(
        data.targets, "resolution_hours")`` from the ``[targets]`` of ``kpitools.toml``).
        Each row is judged against its own group's threshold; a row whose group has none
        (and no default) raises naming the column, rows and values, or with
        ``invalid="exclude"`` is excluded and listed; a row without a group is missing.
    target_by : str, optional
        The column whose values pick the threshold (with a mapping).
    target_unit : {"seconds", "minutes", "hours", "days"}, default "minutes"
    method : str, default "wilson"
        Any method of `kpitools.stats.intervals.proportion_ci` [Wilson27]_.
    columns, value, value_unit, business_hours, tz, as_of, invalid, missing, timestamp_format
        As in `duration_values`; pass ``as_of`` so that open items already past the target
        count as misses.

    Returns
    -------
    KpiEstimate
        ``estimate`` in %. Denominator: items with a duration, plus open items already past
        the target at ``as_of`` (known misses). Open items still within the target cannot be
        judged and are excluded (``details["n_open_undecided"]``).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"created_at": pd.to_datetime(["2026-07-01 09:00"] * 4),
    ...                   "first_response_at": pd.to_datetime(
    ...                       ["2026-07-01 09:10", "2026-07-01 09:30", None,
    ...                        "2026-07-01 11:00"])})
    >>> r = sla_attainment(t, target=60, as_of="2026-07-01 12:00")
    >>> r.estimate, r.n, r.details["n_known_misses"]
    (50.0, 4, 1)

    Thresholds by priority (P1 within 1 hour, P2 within 4 hours):

    >>> t["priority"] = ["P1", "P1", "P2", "P2"]
    >>> r = sla_attainment(t, target={"P1": "1h", "P2": "4h"}, target_by="priority",
    ...                    as_of="2026-07-01 12:00")
    >>> r.estimate, r.n, r.details["target_by"]
    (100.0, 3, 'priority')
    """
    spec = _check_kpi(kpi)
    level = check_confidence_level(confidence_level)
    prepare = _prepare_options(locals())
    dd = duration_values(data, kpi, **prepare)
    target_seconds, target_details = _sla_targets(data, dd, target, target_by, target_unit)
    within, decided = _sla_counts(dd, target_seconds)
    k, n = int(within.sum()), int(decided.sum())
    require_nonempty(n, what=f"{spec.description} SLA", n_excluded=dd.issues.n_excluded)
    low, high = proportion_ci(k, n, confidence_level=level, method=method,
                              alternative=alternative)
    known = int((decided & dd.open).sum())
    excluded = dd.issues.excluded()
    if known:
        rows = set(dd.index[decided & dd.open])
        excluded = excluded[~excluded["row"].isin(rows)].reset_index(drop=True)
    return KpiEstimate(
        kpi=f"{kpi}_sla", estimate=100.0 * k / n, ci_low=100.0 * low, ci_high=100.0 * high,
        n=n, n_excluded=dd.issues.n_excluded - known, method=method, confidence_level=level,
        unit="%", details={"within": k, **target_details,
                           "n_known_misses": known, "n_open_undecided": dd.n_open - known},
        excluded=excluded,
    )


# ------------------------------------------------------------------------------ compare


def compare_durations(
    a: pd.DataFrame,
    b: pd.DataFrame,
    kpi: str = "frt",
    *,
    statistic: Statistic = "median",
    q: float = 0.9,
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
    method: str | None = None,
    unit: DurationUnit | None = None,
    n_resamples: int = 2000,
    random_state: int | np.random.Generator | None = 0,
    label_a: str = "a",
    label_b: str = "b",
    columns: Mapping[str, str] | None = None,
    value: str | None = None,
    value_unit: DurationUnit = "seconds",
    business_hours: BusinessHours | None = None,
    tz: str | None = None,
    as_of: Any = None,
    invalid: Literal["raise", "exclude"] = "raise",
    missing: Literal["exclude", "raise"] = "exclude",
    timestamp_format: str | None = None,
) -> Comparison:
    """Compare a duration KPI between a baseline ``a`` and a group ``b``.

    Parameters
    ----------
    a, b : DataFrame
        The two groups' tickets or calls.
    statistic : {"median", "mean", "quantile"}, default "median"
    method : str, optional
        Median: ``"hodges_lehmann"`` (default: the Hodges–Lehmann shift of ``b`` over ``a``
        with its distribution-free interval [HWC14]_) or ``"bootstrap"`` (percentile
        bootstrap of ``median_b − median_a``). Mean: ``"bootstrap"`` (default) or
        ``"welch"`` (Welch's t interval). Quantile: ``"bootstrap"``.
    n_resamples, random_state
        Bootstrap resamples and seed.
    columns, value, value_unit, business_hours, tz, as_of, invalid, missing, timestamp_format
        As in `duration_values`.

    Returns
    -------
    Comparison
        ``estimate_a``, ``estimate_b``: the statistic in each group. ``difference``: the
        Hodges–Lehmann shift for ``method="hodges_lehmann"`` (the median of all pairwise
        differences ``b_j − a_i``, *not* ``median_b − median_a``, which is in
        ``details["difference_of_statistics"]``), otherwise ``estimate_b − estimate_a``.
        Test: Mann–Whitney U [MW47]_ for medians and quantiles, Welch's t [Welch47]_ for
        means. ``details["n_open_a"]``, ``details["n_open_b"]``: open items left out.

    Examples
    --------
    >>> from kpitools.datasets import load_tickets
    >>> t = load_tickets()
    >>> c = compare_durations(t[t.channel == "email"], t[t.channel == "chat"])
    >>> c.method, c.test
    ('hodges_lehmann_normal', 'mann_whitney')
    """
    spec = _check_kpi(kpi)
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    check_choice("statistic", statistic, _STATISTICS)
    if method is None:
        method = _COMPARE_METHODS[statistic][0]
    check_choice("method", method, _COMPARE_METHODS[statistic])
    unit_name, factor = _unit(spec, unit)
    prepare = _prepare_options(locals())
    da = duration_values(a, kpi, **prepare)
    db = duration_values(b, kpi, **prepare)
    da.warn()
    x = da.seconds[da.usable] / factor
    y = db.seconds[db.usable] / factor
    require_nonempty(x.size, what=f"{spec.description} of {label_a}")
    require_nonempty(y.size, what=f"{spec.description} of {label_b}")
    qq = 0.5 if statistic == "median" else float(q)

    def stat(s: np.ndarray) -> np.ndarray:
        if statistic == "mean":
            return s.mean(axis=1)
        return np.quantile(s, qq, axis=1)

    est_a = float(stat(x[None, :])[0])
    est_b = float(stat(y[None, :])[0])
    if method == "hodges_lehmann":
        diff, low, high, method_name = hodges_lehmann(x, y, confidence_level=level,
                                                      alternative=alternative)
    elif method == "welch":
        if x.size < 2 or y.size < 2:
            raise DataValidationError("Welch's test needs at least 2 durations in each group")
        welch = welch_test(x, y, alternative=alternative)
        diff = welch.estimate
        low, high = welch.confidence_interval(level)
        method_name = "welch"
    elif statistic == "mean":  # by counts of the distinct values in large samples
        diff, low, high = bootstrap_mean_diff_ci(x, y, confidence_level=level,
                                                 alternative=alternative,
                                                 n_resamples=n_resamples,
                                                 random_state=random_state)
        method_name = "bootstrap_percentile"
    else:
        diff, low, high = bootstrap_diff_ci(x, y, stat, confidence_level=level,
                                            alternative=alternative, n_resamples=n_resamples,
                                            random_state=random_state)
        method_name = "bootstrap_percentile"
    if statistic == "mean":
        if x.size < 2 or y.size < 2:
            raise DataValidationError("Welch's test needs at least 2 durations in each group")
        welch = welch_test(x, y, alternative=alternative)
        t_stat, pvalue = welch.statistic, welch.pvalue
        statistic_value, test = t_stat, "welch_t"
    else:
        res = mann_whitney_test(x, y, alternative=alternative)
        statistic_value, pvalue, test = res.statistic, res.pvalue, res.test
    return Comparison(
        kpi=_label(kpi, statistic, q), estimate_a=est_a, estimate_b=est_b,
        difference=float(diff), ci_low=float(low), ci_high=float(high),
        statistic=float(statistic_value), pvalue=float(pvalue), method=method_name,
        test=test, confidence_level=level, unit=unit_name, n_a=int(x.size), n_b=int(y.size),
        alternative=alternative, label_a=label_a, label_b=label_b,
        details={"difference_of_statistics": est_b - est_a, "n_open_a": da.n_open,
                 "n_open_b": db.n_open, "n_excluded_a": da.issues.n_excluded,
                 "n_excluded_b": db.issues.n_excluded, **da.details()},
    )


def compare_sla(a: pd.DataFrame, b: pd.DataFrame, kpi: str = "frt", *, target: SlaTarget,
                target_by: str | None = None,
                target_unit: DurationUnit = "minutes", confidence_level: float = 0.95,
                alternative: str = "two-sided", method: DiffMethod = "newcombe",
                test: ProportionTest = "auto", label_a: str = "a", label_b: str = "b",
                columns: Mapping[str, str] | None = None,
                value: str | None = None,
                value_unit: DurationUnit = "seconds",
                business_hours: BusinessHours | None = None,
                tz: str | None = None,
                as_of: Any = None,
                invalid: Literal["raise", "exclude"] = "raise",
                missing: Literal["exclude", "raise"] = "exclude",
                timestamp_format: str | None = None) -> Comparison:
    """Difference of SLA attainment (b − a, in percentage points): Newcombe CI, z/Fisher test.

    See `sla_attainment` for the denominator, and `kpitools.kpis.common.compare_proportions`
    for the methods.
    """
    prepare = _prepare_options(locals())
    ra = sla_attainment(a, kpi, target=target, target_by=target_by, target_unit=target_unit,
                        **prepare)
    rb = sla_attainment(b, kpi, target=target, target_by=target_by, target_unit=target_unit,
                        **prepare)
    return compare_proportions(
        ra.details["within"], ra.n, rb.details["within"], rb.n, kpi=f"{kpi}_sla",
        confidence_level=confidence_level, alternative=alternative, method=method, test=test,
        label_a=label_a, label_b=label_b)


# ---------------------------------------------------------------------------- summarize


def summarize_durations(
    data: pd.DataFrame,
    keys: list[str],
    kpi: str = "frt",
    *,
    statistic: Statistic = "median",
    q: float = 0.9,
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
    method: str | None = None,
    unit: DurationUnit | None = None,
    n_resamples: int = 9999,
    random_state: int | np.random.Generator | None = 0,
    columns: Mapping[str, str] | None = None,
    value: str | None = None,
    value_unit: DurationUnit = "seconds",
    business_hours: BusinessHours | None = None,
    tz: str | None = None,
    as_of: Any = None,
    invalid: Literal["raise", "exclude"] = "raise",
    missing: Literal["exclude", "raise"] = "exclude",
    timestamp_format: str | None = None,
) -> pd.DataFrame:
    """A duration KPI for every group of ``keys`` in one vectorised pass.

    The table is validated once; medians and quantiles of all groups come from a single
    sort by (group, duration) and index arithmetic (`grouped_quantile_ci`); bootstrap means
    restart the seed for every group. Equal to calling `duration_kpi` per group.

    Returns
    -------
    DataFrame
        The ``keys`` columns, then `kpitools.core.results.ESTIMATE_COLUMNS`;
        ``attrs["excluded"]`` lists every excluded row, ``attrs["n_open"]`` is a Series of
        open items per group (aligned with the rows); ``attrs["notes"]`` says when AHT is
        summed from only some of its parts (no warning here: the note travels with the
        table into `kpitools.summarize` and the reports).

    Examples
    --------
    >>> from kpitools.datasets import load_tickets
    >>> out = summarize_durations(load_tickets(), ["channel"], "frt")
    >>> list(out.columns[:3])
    ['channel', 'kpi', 'estimate']
    """
    spec = _check_kpi(kpi)
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    statistic, method = _check_statistic(statistic, method, q)
    unit_name, factor = _unit(spec, unit)
    if method == "t":
        raise ValueError("summarize of the mean uses method='bootstrap'; for t intervals "
                         "call duration_kpi per group")
    prepare = _prepare_options(locals())
    qq = 0.5 if statistic == "median" else float(q)
    fast = None if statistic == "mean" else _grouped_quantile_from_ticks(
        data, kpi, keys, qq, factor=factor, level=level, alternative=alternative,
        prepare=prepare)
    if fast is not None:  # integer ticks: the same numbers, exclusions and errors
        (est, low, high, n), codes, groups, tk = fast
        return _duration_table(groups, codes, tk.issues, tk.open, None, kpi=kpi,
                               statistic=statistic, q=q, level=level,
                               method_name="order_statistic", unit_name=unit_name,
                               columns=(est, low, high, n))
    dd = duration_values(data, kpi, **prepare)
    codes, groups = group_codes(data, keys)
    n_groups = len(groups)
    x = dd.seconds[dd.usable] / factor
    g = codes[dd.usable]
    if statistic == "mean":
        est, low, high, n = grouped_bootstrap_mean_ci(
            x, g, n_groups, confidence_level=level, alternative=alternative,
            n_resamples=n_resamples, random_state=random_state)
        method_name = "bootstrap_percentile"
    else:
        est, low, high, n, _ = grouped_quantile_ci(x, g, n_groups, qq, confidence_level=level,
                                                   alternative=alternative, bottom=0.0)
        method_name = "order_statistic"
    return _duration_table(groups, codes, dd.issues, dd.open, dd.note, kpi=kpi,
                           statistic=statistic, q=q, level=level, method_name=method_name,
                           unit_name=unit_name, columns=(est, low, high, n))


def _duration_table(groups: pd.DataFrame, codes: np.ndarray, issues: RowIssues,
                    open_mask: np.ndarray, note: str | None, *, kpi: str, statistic: str,
                    q: float, level: float, method_name: str, unit_name: str,
                    columns: tuple[np.ndarray, ...]) -> pd.DataFrame:
    """The table of `summarize_durations` from its per-group columns."""
    est, low, high, n = columns
    n_groups = len(groups)
    n_excl = np.bincount(codes[issues.mask], minlength=n_groups)
    n_open = np.bincount(codes[open_mask], minlength=n_groups)
    table = groups.reset_index(drop=True).copy()
    values = {"kpi": _label(kpi, statistic, q), "estimate": est, "ci_low": low,
              "ci_high": high, "confidence_level": level, "method": method_name,
              "unit": unit_name, "n": n.astype(np.int64), "n_excluded": n_excl.astype(np.int64)}
    for name in ESTIMATE_COLUMNS:
        table[name] = values[name]
    table.attrs["excluded"] = issues.excluded()
    table.attrs["n_open"] = pd.Series(n_open, name="n_open")
    if note:
        table.attrs["notes"] = [note]
    return table


def summarize_sla(data: pd.DataFrame, keys: list[str], kpi: str = "frt", *,
                  target: SlaTarget, target_by: str | None = None,
                  target_unit: DurationUnit = "minutes", confidence_level: float = 0.95,
                  alternative: str = "two-sided", method: ProportionMethod = "wilson",
                  columns: Mapping[str, str] | None = None,
                  value: str | None = None,
                  value_unit: DurationUnit = "seconds",
                  business_hours: BusinessHours | None = None,
                  tz: str | None = None,
                  as_of: Any = None,
                  invalid: Literal["raise", "exclude"] = "raise",
                  missing: Literal["exclude", "raise"] = "exclude",
                  timestamp_format: str | None = None) -> pd.DataFrame:
    """`sla_attainment` for every group of ``keys`` in one pass (Wilson on arrays); per-group
    thresholds (``target_by``) are applied row by row, whatever the ``keys``."""
    level = check_confidence_level(confidence_level)
    prepare = _prepare_options(locals())
    dd = duration_values(data, kpi, **prepare)
    target_seconds, _ = _sla_targets(data, dd, target, target_by, target_unit)
    within, decided = _sla_counts(dd, target_seconds)
    codes, groups = group_codes(data, keys)
    n_groups = len(groups)
    k = np.bincount(codes[within], minlength=n_groups).astype(float)
    n = np.bincount(codes[decided], minlength=n_groups).astype(float)
    excl = dd.issues.mask & ~decided
    n_excl = np.bincount(codes[excl], minlength=n_groups)
    est, low, high = proportion_columns(k, n, confidence_level=level, method=method,
                                        alternative=alternative)
    table = groups.reset_index(drop=True).copy()
    values = {"kpi": f"{kpi}_sla", "estimate": est, "ci_low": low,
              "ci_high": high, "confidence_level": level, "method": method,
              "unit": "%", "n": n.astype(np.int64), "n_excluded": n_excl.astype(np.int64)}
    for name in ESTIMATE_COLUMNS:
        table[name] = values[name]
    excluded = dd.issues.excluded()
    if (decided & dd.open).any():
        rows = set(dd.index[decided & dd.open])
        excluded = excluded[~excluded["row"].isin(rows)].reset_index(drop=True)
    table.attrs["excluded"] = excluded
    return table


# ------------------------------------------------------------------------- registration


def _duration_definition(kpi: str) -> KpiDefinition:
    def estimate(data: pd.DataFrame, value: str | None, *, confidence_level: float,
                 **options: Any) -> KpiEstimate:
        with warnings.catch_warnings():  # the note is in the result's details
            warnings.simplefilter("ignore", PartialHandleTimeWarning)
            return duration_kpi(data, kpi, value=value, confidence_level=confidence_level,
                                **options)

    def compare(a: pd.DataFrame, b: pd.DataFrame, value: str | None, *,
                confidence_level: float, **options: Any) -> Comparison:
        with warnings.catch_warnings():  # the note is in details, and compare's attrs
            warnings.simplefilter("ignore", PartialHandleTimeWarning)
            return compare_durations(a, b, kpi, value=value,
                                     confidence_level=confidence_level, **options)

    def summarize(data: pd.DataFrame, value: str | None, keys: list[str], *,
                  confidence_level: float, **options: Any) -> pd.DataFrame:
        return summarize_durations(data, keys, kpi, value=value,
                                   confidence_level=confidence_level, **options)

    spec = DURATION_KPIS[kpi]
    return KpiDefinition(
        name=kpi, unit=spec.unit, higher_is_better=False, estimate=estimate, compare=compare,
        summarize=summarize, description=spec.description,
        options=options_of(duration_kpi, "data", "kpi", "value"),
        compare_options=options_of(compare_durations, "a", "b", "kpi", "value", "label_a",
                                   "label_b"))


def _sla_definition(name: str, kpi: str) -> KpiDefinition:
    def estimate(data: pd.DataFrame, value: str | None, *, confidence_level: float,
                 **options: Any) -> KpiEstimate:
        return sla_attainment(data, kpi, value=value, confidence_level=confidence_level,
                              **options)

    def compare(a: pd.DataFrame, b: pd.DataFrame, value: str | None, *,
                confidence_level: float, **options: Any) -> Comparison:
        return compare_sla(a, b, kpi, value=value, confidence_level=confidence_level,
                           **options)

    def summarize(data: pd.DataFrame, value: str | None, keys: list[str], *,
                  confidence_level: float, **options: Any) -> pd.DataFrame:
        return summarize_sla(data, keys, kpi, value=value, confidence_level=confidence_level,
                             **options)

    return KpiDefinition(
        name=name, unit="%", higher_is_better=True, estimate=estimate, compare=compare,
        summarize=summarize, aggregate="proportion",
        description=f"share of {DURATION_KPIS[kpi].description} within target= (SLA "
                    "attainment)",
        options=options_of(sla_attainment, "data", "kpi", "value"),
        compare_options=options_of(compare_sla, "a", "b", "kpi", "value", "label_a",
                                   "label_b"))


for _kpi in DURATION_KPIS:
    register_kpi(_duration_definition(_kpi))
register_kpi(_sla_definition("frt_sla", "frt"))
register_kpi(_sla_definition("resolution_sla", "resolution_time"))
