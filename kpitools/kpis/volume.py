"""Count KPIs: ticket volume, resolved tickets, complaints per 1,000 customers, backlog counts.

Counts get Poisson intervals (`poisson_ci`, exact Garwood by default); two periods are
compared by the ratio of their rates with the exact conditional test (`rate_ratio_test`, as R
``poisson.test``); `overdispersion_test` checks whether daily counts vary more than a Poisson
process allows (then Poisson intervals are too narrow).

The methods and their sources are in `kpitools.stats.poisson` (Garwood's exact interval
[Garwood36]_, the conditional rate-ratio test, the dispersion tests).

References
----------
.. [Garwood36] Garwood F (1936). Fiducial limits for the Poisson distribution. Biometrika
   28:437–442.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kpitools.core.errors import DataValidationError
from kpitools.core.results import ESTIMATE_COLUMNS, RATIO_UNIT, Comparison, KpiEstimate
from kpitools.core.validation import check_choice, check_confidence_level
from kpitools.kpis.catalogue import KpiDefinition, options_of, register_kpi
from kpitools.kpis.common import group_table, no_value
from kpitools.stats.poisson import (
    POISSON_METHODS,
    OverdispersionResult,
    PoissonMethod,
    RateRatioResult,
    overdispersion_test,
    poisson_ci,
    rate_ratio_test,
)
from kpitools.tables.columns import require_columns, resolve_columns
from kpitools.tables.events import RowIssues, check_unique_ids, clean_flag, parse_timestamps
from kpitools.tables.keys import group_codes
from kpitools.tables.periods import parse_period

__all__ = [
    "POISSON_METHODS",
    "poisson_ci",
    "RateRatioResult",
    "rate_ratio_test",
    "OverdispersionResult",
    "overdispersion_test",
    "count_estimate",
    "complaints_per_1000",
    "customer_base",
    "event_counts",
    "ticket_volume",
    "volume_by_weekday_hour",
    "compare_volume",
    "ticket_counts",
    "rate_comparison",
    "exposure_of",
]

_FREQS = {"D": "D", "W": "W-MON", "M": "M", "Q": "Q", "Y": "Y"}


def count_estimate(count: int, exposure: float = 1.0, *, kpi: str = "count",
                   unit: str = "count", scale: float = 1.0, confidence_level: float = 0.95,
                   method: PoissonMethod = "exact", alternative: str = "two-sided",
                   n_excluded: int = 0, excluded: pd.DataFrame | None = None,
                   details: Mapping[str, Any] | None = None) -> KpiEstimate:
    """A count (or rate ``scale · count / exposure``) with its Poisson interval.

    >>> count_estimate(15, 400, kpi="complaints_per_1000", scale=1000, unit="per 1,000")
    <COMPLAINTS_PER_1000 37.5 per 1,000, 95% CI [21.0, 61.9] (exact), n=15>
    """
    level = check_confidence_level(confidence_level)
    low, high = poisson_ci(count, exposure, confidence_level=level, method=method,
                           alternative=alternative)
    extra = {"count": int(count), "exposure": float(exposure)}
    extra.update(details or {})
    kwargs: dict[str, Any] = {}
    if excluded is not None:
        kwargs["excluded"] = excluded
    return KpiEstimate(kpi=kpi, estimate=scale * float(count) / float(exposure),
                       ci_low=scale * low, ci_high=scale * high, n=int(count),
                       n_excluded=int(n_excluded), method=method, confidence_level=level,
                       unit=unit, details=extra, **kwargs)


def complaints_per_1000(complaints: int, customers: float, *,
                        confidence_level: float = 0.95, method: PoissonMethod = "exact",
                        alternative: str = "two-sided") -> KpiEstimate:
    """Complaints per 1,000 customers, ``1000 · complaints / customers``, exact Poisson CI.

    The complaint count is treated as Poisson with exposure = customers [Garwood36]_.

    >>> r = complaints_per_1000(15, 400)
    >>> round(r.estimate, 1), round(r.ci_low, 2), round(r.ci_high, 2)
    (37.5, 20.99, 61.85)
    """
    return count_estimate(complaints, customers, kpi="complaints_per_1000", scale=1000.0,
                          unit="per 1,000", confidence_level=confidence_level, method=method,
                          alternative=alternative)


# --------------------------------------------------------------------------- DataFrames


def _event_times(data: pd.DataFrame, *, column: str, id_column: str | None,
                 invalid: str, missing: str,
                 timestamp_format: str | None) -> tuple[pd.Series, RowIssues]:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(data).__name__}")
    if column not in data.columns:
        raise DataValidationError("column not found", column=column)
    issues = RowIssues(data.index, invalid=invalid, missing=missing)
    if id_column is not None and id_column in data.columns:
        check_unique_ids(data[id_column], column=id_column, issues=issues)
    t = parse_timestamps(data[column], column=column, issues=issues, format=timestamp_format)
    issues.add(t.isna().to_numpy() & ~issues.mask, column=column,
               values=data[column], reason="missing timestamps",
               kind="missing")
    return t, issues


def event_counts(data: pd.DataFrame, *, column: str = "created_at", freq: str = "D",
                 start: Any = None, end: Any = None, invalid: str = "raise",
                 missing: str = "exclude", id_column: str | None = "ticket_id",
                 timestamp_format: str | None = None) -> pd.Series:
    """Number of events (rows) per day, week, month, quarter or year, zeros included.

    Parameters
    ----------
    data : DataFrame
    column : str, default "created_at"
    freq : {"D", "W", "M", "Q", "Y"}, default "D"
        Weeks start on Monday.
    start, end : datetime-like, optional
        Range to cover (default: the first to the last event), so that empty periods at
        either end are counted as zeros.

    Returns
    -------
    Series of int indexed by period start (``attrs["n_excluded"]`` and
    ``attrs["excluded"]`` report excluded rows).

    Examples
    --------
    >>> df = pd.DataFrame({"created_at": pd.to_datetime(["2026-07-01", "2026-07-03"])})
    >>> event_counts(df).tolist()
    [1, 0, 1]
    """
    check_choice("freq", freq, tuple(_FREQS))
    t, issues = _event_times(data, column=column, id_column=id_column, invalid=invalid,
                             missing=missing, timestamp_format=timestamp_format)
    t = t[~issues.mask]
    if getattr(t.dt, "tz", None) is not None:
        t = t.dt.tz_localize(None)
    periods = t.dt.to_period(_FREQS[freq])
    lo = pd.Timestamp(start).to_period(_FREQS[freq]) if start is not None else periods.min()
    hi = pd.Timestamp(end).to_period(_FREQS[freq]) if end is not None else periods.max()
    if len(t) == 0 and (start is None or end is None):
        out = pd.Series([], dtype=np.int64)
    else:
        full = pd.period_range(lo, hi, freq=_FREQS[freq])
        out = periods.value_counts().reindex(full, fill_value=0).astype(np.int64)
        out.index = full.start_time
    out.index.name = "period_start"
    out.name = "count"
    out.attrs["n_excluded"] = issues.n_excluded
    out.attrs["excluded"] = issues.excluded()
    return out


def ticket_volume(tickets: pd.DataFrame, *, freq: str = "M", by: str | list[str] | None = None,
                  column: str = "created_at", confidence_level: float = 0.95,
                  method: PoissonMethod = "exact", invalid: str = "raise",
                  missing: str = "exclude", timestamp_format: str | None = None
                  ) -> pd.DataFrame:
    """Ticket volume per period (and group), each count with its Poisson interval.

    Parameters
    ----------
    tickets : DataFrame
    freq : {"D", "W", "M", "Q", "Y"}, default "M"
    by : str or list of str, optional
        E.g. ``"channel"``. Every period × group combination appears, zeros included.
    column : str, default "created_at"
        Timestamp that places a ticket in a period (``"resolved_at"`` for resolved volume).
    method : {"exact", "score", "wald", "jeffreys"}, default "exact"

    Returns
    -------
    DataFrame
        ``period_start``, the ``by`` columns, then `kpitools.core.results.ESTIMATE_COLUMNS`
        (``kpi="ticket_volume"``, ``estimate`` = count, ``n`` = count).

    Examples
    --------
    >>> from kpitools.datasets import load_tickets
    >>> ticket_volume(load_tickets(), freq="Q")[["period_start", "estimate"]].shape[1]
    2
    """
    check_choice("freq", freq, tuple(_FREQS))
    level = check_confidence_level(confidence_level)
    keys = [by] if isinstance(by, str) else list(by or [])
    t, issues = _event_times(tickets, column=column, id_column="ticket_id", invalid=invalid,
                             missing=missing, timestamp_format=timestamp_format)
    keep = ~issues.mask
    if getattr(t.dt, "tz", None) is not None:
        t = t.dt.tz_localize(None)
    periods = t[keep].dt.to_period(_FREQS[freq])
    frame = tickets.loc[keep, keys].copy()
    frame["period_start"] = periods.dt.start_time.to_numpy()
    full = pd.period_range(periods.min(), periods.max(), freq=_FREQS[freq]).start_time
    counts = frame.groupby(["period_start", *keys], dropna=False, observed=True).size()
    if keys:
        groups = frame[keys].drop_duplicates().sort_values(keys)
        grid = pd.MultiIndex.from_tuples(
            [(p, *g) for p in full for g in groups.itertuples(index=False)],
            names=["period_start", *keys])
    else:
        grid = pd.Index(full, name="period_start")
    counts = counts.reindex(grid, fill_value=0)
    out = counts.rename("estimate").reset_index()
    low, high = poisson_ci(out["estimate"].to_numpy(), confidence_level=level, method=method)
    out["kpi"] = "ticket_volume" if column == "created_at" else f"volume_{column}"
    out["ci_low"], out["ci_high"] = np.atleast_1d(low), np.atleast_1d(high)
    out["confidence_level"], out["method"], out["unit"] = level, method, "count"
    out["n"] = out["estimate"].astype(np.int64)
    out["estimate"] = out["estimate"].astype(float)
    out["n_excluded"] = 0
    out = out[["period_start", *keys, *ESTIMATE_COLUMNS]]
    out.attrs["n_excluded"] = issues.n_excluded
    out.attrs["excluded"] = issues.excluded()
    return out


def volume_by_weekday_hour(tickets: pd.DataFrame, *, column: str = "created_at",
                           confidence_level: float = 0.95, method: PoissonMethod = "exact",
                           invalid: str = "raise", missing: str = "exclude") -> pd.DataFrame:
    """Tickets by weekday (0 = Monday) × hour of day, all 168 cells, with Poisson intervals.

    ``per_week`` divides each count by the number of weeks covered, giving the average
    arrivals in that hour of the week (the input to `kpitools.kpis.staffing`).

    Returns
    -------
    DataFrame: ``weekday, hour, count, per_week, ci_low, ci_high`` (interval of per_week).
    """
    level = check_confidence_level(confidence_level)
    t, issues = _event_times(tickets, column=column, id_column="ticket_id", invalid=invalid,
                             missing=missing, timestamp_format=None)
    t = t[~issues.mask]
    if getattr(t.dt, "tz", None) is not None:
        t = t.dt.tz_localize(None)
    cell = t.dt.day_of_week.to_numpy() * 24 + t.dt.hour.to_numpy()
    counts = np.bincount(cell, minlength=168)
    span_days = (t.max().normalize() - t.min().normalize()).days + 1 if len(t) else 0
    weeks = max(span_days / 7.0, 1.0)
    low, high = poisson_ci(counts, weeks, confidence_level=level, method=method)
    out = pd.DataFrame({"weekday": np.repeat(np.arange(7), 24), "hour": np.tile(np.arange(24), 7),
                        "count": counts, "per_week": counts / weeks, "ci_low": low,
                        "ci_high": high})
    out.attrs["weeks"] = weeks
    out.attrs["n_excluded"] = issues.n_excluded
    out.attrs["excluded"] = issues.excluded()
    return out


def compare_volume(tickets: pd.DataFrame, period_a: Any, period_b: Any, *,
                   column: str = "created_at", confidence_level: float = 0.95,
                   alternative: str = "two-sided", invalid: str = "raise",
                   missing: str = "exclude") -> Comparison:
    """Compare the daily ticket rate of two calendar periods (b vs a) by their rate ratio.

    Exposure is each period's number of calendar days, so a 92-day quarter is compared
    fairly with a 90-day one. The test is the exact conditional test of `rate_ratio_test`.

    Returns
    -------
    Comparison
        ``estimate_a``, ``estimate_b``: tickets per day; ``difference``: the rate ratio
        b/a with its exact interval (``measure="ratio"``, ``unit="ratio"``,
        ``null_value`` = 1).

    Examples
    --------
    >>> from kpitools.datasets import load_tickets
    >>> c = compare_volume(load_tickets(), "2025Q1", "2025Q2")
    >>> c.test, c.measure, c.null_value
    ('exact_conditional_rate_ratio', 'ratio', 1.0)
    """
    pa, pb = parse_period(period_a), parse_period(period_b)
    t, issues = _event_times(tickets, column=column, id_column="ticket_id", invalid=invalid,
                             missing=missing, timestamp_format=None)
    t = t[~issues.mask]
    if getattr(t.dt, "tz", None) is not None:
        t = t.dt.tz_localize(None)
    ka = int(pa.contains(t).sum())
    kb = int(pb.contains(t).sum())
    return rate_comparison("ticket_volume", ka, pa.days, kb, pb.days,
                           confidence_level=confidence_level, alternative=alternative,
                           label_a=str(pa), label_b=str(pb), unit="per day")


def rate_comparison(kpi: str, ka: int, ea: float, kb: int, eb: float, *,
                    confidence_level: float, alternative: str, label_a: str = "a",
                    label_b: str = "b", unit: str = "count", scale: float = 1.0
                    ) -> Comparison:
    """Two counts (events ``ka`` in exposure ``ea``, the baseline, and ``kb`` in ``eb``)
    compared by their rate ratio ``(kb/eb) / (ka/ea)``: ``measure="ratio"``, null value 1.

    The exact conditional test and interval of `kpitools.stats.poisson.rate_ratio_test`;
    ``estimate_a``, ``estimate_b`` are the rates (``scale · k / e``, in ``unit``, kept in
    ``details["rate_unit"]``).

    >>> c = rate_comparison("ticket_volume", 100, 10.0, 150, 10.0, confidence_level=0.95,
    ...                     alternative="two-sided")
    >>> c.measure, c.difference, c.unit, c.null_value
    ('ratio', 1.5, 'ratio', 1.0)
    """
    res = rate_ratio_test(ka, ea, kb, eb, confidence_level=confidence_level,
                          alternative=alternative)
    return Comparison(
        kpi=kpi, estimate_a=scale * ka / ea, estimate_b=scale * kb / eb,
        difference=res.estimate, ci_low=res.ci_low, ci_high=res.ci_high,
        statistic=res.statistic, pvalue=res.pvalue, method="exact_conditional",
        test="exact_conditional_rate_ratio", confidence_level=res.confidence_level,
        unit=RATIO_UNIT, measure="ratio", n_a=int(ka), n_b=int(kb), alternative=alternative,
        null_value=1.0, label_a=label_a, label_b=label_b,
        details={"exposure_a": ea, "exposure_b": eb, "rate_unit": unit,
                 "expected_b": res.expected})


# ----------------------------------------------------------------- registry-facing KPIs

_COUNT_KPIS = {"ticket_volume": "created_at", "resolved_volume": "resolved_at"}


def ticket_counts(data: pd.DataFrame, kpi: str = "ticket_volume", *,
                  columns: Mapping[str, str] | None = None, invalid: str = "raise",
                  missing: str = "exclude", timestamp_format: str | None = None
                  ) -> tuple[np.ndarray, RowIssues]:
    """Per-row indicator of being counted for ``ticket_volume`` or ``resolved_volume``.

    ``ticket_volume`` counts tickets with a valid ``created_at``; ``resolved_volume`` counts
    tickets with a ``resolved_at`` (unresolved tickets are not resolved issues and are not
    excluded rows; an unparseable ``resolved_at`` is invalid).
    """
    check_choice("kpi", kpi, tuple(_COUNT_KPIS))
    cols = resolve_columns("tickets", columns)
    require_columns(data, cols, ["created_at"])
    issues = RowIssues(data.index, invalid=invalid, missing=missing)
    if cols["ticket_id"] in data.columns:
        check_unique_ids(data[cols["ticket_id"]], column=cols["ticket_id"], issues=issues)
    created = parse_timestamps(data[cols["created_at"]], column=cols["created_at"],
                               issues=issues, format=timestamp_format)
    issues.add(created.isna().to_numpy() & ~issues.mask, column=cols["created_at"],
               values=data[cols["created_at"]],
               reason="missing timestamps", kind="missing")
    counted = ~issues.mask
    if kpi == "resolved_volume":
        require_columns(data, cols, ["resolved_at"])
        resolved = parse_timestamps(data[cols["resolved_at"]], column=cols["resolved_at"],
                                    issues=issues, format=timestamp_format)
        counted = ~issues.mask & resolved.notna().to_numpy()
    return counted, issues


def exposure_of(data: pd.DataFrame, exposure: Any, period_column: str | None) -> float:
    """Exposure for a count KPI: a number, or ``"period_days"`` from a period column."""
    if isinstance(exposure, str):
        check_choice("exposure", exposure, ("period_days",))
        if period_column is None or period_column not in data.columns:
            raise ValueError("exposure='period_days' needs period_column= naming a column of "
                             "period labels such as '2026Q3'")
        labels = data[period_column].dropna().unique()
        if len(labels) != 1:
            raise DataValidationError(
                f"exposure='period_days' needs one period per group, found {len(labels)}",
                column=period_column, rows=[], values=[])
        return float(parse_period(str(labels[0])).days)
    value = float(exposure)
    if not value > 0:
        raise ValueError(f"exposure must be positive, got {exposure!r}")
    return value


# ------------------------------------------------------------------------- registration


def _count_parts(data: pd.DataFrame, kpi: str, options: dict[str, Any]):
    exposure = options.pop("exposure", 1.0)
    period_column = options.pop("period_column", None)
    counted, issues = ticket_counts(data, kpi, **options)
    return counted, issues, exposure, period_column


def _count_unit(exposure: Any) -> str:
    if isinstance(exposure, str):
        return "per day"
    return "count" if float(exposure) == 1.0 else "per unit of exposure"


def _count_definition(kpi: str) -> KpiDefinition:
    def estimate(data: pd.DataFrame, value: str | None, *, confidence_level: float,
                 method: PoissonMethod = "exact", alternative: str = "two-sided",
                 **options: Any) -> KpiEstimate:
        no_value(kpi, value)
        counted, issues, exposure, period_column = _count_parts(data, kpi, dict(options))
        e = exposure_of(data, exposure, period_column)
        return count_estimate(int(counted.sum()), e, kpi=kpi, unit=_count_unit(exposure),
                              confidence_level=confidence_level, method=method,
                              alternative=alternative, n_excluded=issues.n_excluded,
                              excluded=issues.excluded())

    def compare(a: pd.DataFrame, b: pd.DataFrame, value: str | None, *,
                confidence_level: float, alternative: str = "two-sided",
                label_a: str = "a", label_b: str = "b", **options: Any) -> Comparison:
        no_value(kpi, value)
        ca, _, exposure, period_column = _count_parts(a, kpi, dict(options))
        cb, _, _, _ = _count_parts(b, kpi, dict(options))
        ea = exposure_of(a, exposure, period_column)
        eb = exposure_of(b, exposure, period_column)
        return rate_comparison(kpi, int(ca.sum()), ea, int(cb.sum()), eb,
                               confidence_level=confidence_level, alternative=alternative,
                               label_a=label_a, label_b=label_b, unit=_count_unit(exposure))

    def summarize(data: pd.DataFrame, value: str | None, keys: list[str], *,
                  confidence_level: float, method: PoissonMethod = "exact",
                  alternative: str = "two-sided", **options: Any) -> pd.DataFrame:
        no_value(kpi, value)
        counted, issues, exposure, period_column = _count_parts(data, kpi, dict(options))
        codes, groups = group_codes(data, keys)
        g = len(groups)
        k = np.bincount(codes[counted], minlength=g).astype(float)
        if isinstance(exposure, str):
            e = np.array([exposure_of(data[codes == i], exposure, period_column)
                          for i in range(g)])
        else:
            e = np.full(g, exposure_of(data, exposure, None))
        low, high = poisson_ci(k, e, confidence_level=confidence_level,
                               method=method, alternative=alternative)
        return group_table(groups, {
            "kpi": kpi, "estimate": k / e, "ci_low": low, "ci_high": high,
            "confidence_level": confidence_level, "method": method,
            "unit": _count_unit(exposure), "n": k.astype(np.int64),
            "n_excluded": np.bincount(codes[issues.mask], minlength=g).astype(np.int64)},
            issues.excluded())

    what = "tickets received" if kpi == "ticket_volume" else "tickets resolved"
    table_options = options_of(ticket_counts, "data", "kpi") | {"exposure", "period_column"}
    return KpiDefinition(
        name=kpi, unit="count", higher_is_better=None, measure="ratio", estimate=estimate,
        compare=compare, summarize=summarize, aggregate="rate",
        description=f"{what}; exact Poisson CI, rate ratio between groups "
                    "(exposure=number or 'period_days' with period_column=)",
        options=table_options | {"method", "alternative"},
        compare_options=table_options | {"alternative"})


def customer_base(data: pd.DataFrame, customers: float | str) -> float:
    """The customer base of `complaints_per_1000` for the rows of ``data``: the number
    ``customers``, or the one value of column ``customers`` in these rows.

    >>> customer_base(pd.DataFrame({"base": [400, 400, None]}), "base")
    400.0

    Raises
    ------
    DataValidationError
        The column holds no value, or more than one, in these rows.
    """
    if not isinstance(customers, str):
        return float(customers)
    base = data[customers].dropna().unique()
    if len(base) != 1:
        raise DataValidationError("the customer base must be one number per group",
                                  column=customers, rows=[], values=list(base[:5]))
    return float(base[0])


def _complaints_definition() -> KpiDefinition:
    """Complaints per 1,000 customers: ``value`` is a yes/no complaint column."""

    def parts(data: pd.DataFrame, value: str | None, customers: Any, invalid: str,
              missing: str) -> tuple[int, float, RowIssues]:
        if value is None:
            raise ValueError("kpi='complaints_per_1000' needs value= naming a yes/no "
                             "complaint column")
        if customers is None:
            raise TypeError("kpi='complaints_per_1000' needs the option customers=...")
        issues = RowIssues(data.index, invalid=invalid, missing=missing)
        flag = clean_flag(data[value], column=value, issues=issues)
        return int(np.nansum(flag)), customer_base(data, customers), issues

    def estimate(data: pd.DataFrame, value: str | None, *, confidence_level: float,
                 customers: Any = None, method: PoissonMethod = "exact",
                 alternative: str = "two-sided", invalid: str = "raise",
                 missing: str = "exclude") -> KpiEstimate:
        k, base, issues = parts(data, value, customers, invalid, missing)
        return count_estimate(k, base, kpi="complaints_per_1000", scale=1000.0,
                              unit="per 1,000", confidence_level=confidence_level,
                              method=method, alternative=alternative,
                              n_excluded=issues.n_excluded, excluded=issues.excluded())

    def compare(a: pd.DataFrame, b: pd.DataFrame, value: str | None, *,
                confidence_level: float, customers: Any = None,
                alternative: str = "two-sided", invalid: str = "raise",
                missing: str = "exclude", label_a: str = "a", label_b: str = "b") -> Comparison:
        ka, ea, _ = parts(a, value, customers, invalid, missing)
        kb, eb, _ = parts(b, value, customers, invalid, missing)
        return rate_comparison("complaints_per_1000", ka, ea, kb, eb,
                               confidence_level=confidence_level, alternative=alternative,
                               label_a=label_a, label_b=label_b, unit="per 1,000",
                               scale=1000.0)

    return KpiDefinition(
        name="complaints_per_1000", unit="per 1,000", higher_is_better=False, measure="ratio",
        estimate=estimate, compare=compare, aggregate="rate", aggregate_scale=1000.0,
        description="complaints per 1,000 customers: value= a yes/no complaint column, "
                    "customers= a number or a column",
        options=options_of(estimate, "data", "value"),
        compare_options=options_of(compare, "a", "b", "value", "label_a", "label_b"))


for _kpi in _COUNT_KPIS:
    register_kpi(_count_definition(_kpi))
register_kpi(_complaints_definition())
