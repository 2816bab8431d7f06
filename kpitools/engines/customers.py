"""The customer and workforce KPIs of a period on any engine: counted, then computed here.

``crr``, ``churn_rate``, ``customer_growth`` and ``employee_turnover`` need four numbers per
group and period: the customers (employees) active at the start, at the end, new in the
period and lost in it (`kpitools.kpis.customers.PeriodCounts`). Each row's place is decided
by its start and end dates against the period's bounds, so each row gets a *signature*, as
in `kpitools.engines.outcomes`: is each date missing, is the end before the start, is the
start before the period's start (end), is the end on or after them. The engine returns one
row per group and signature with its number of rows and the smallest start and end date
there; those dates answer every question as each row of the signature does, so the KPI's
own code (`kpitools.kpis.customers.membership`) decides the representative rows — same
exclusions and reasons, same refusals — and their counts are summed with the numbers of
rows as weights. The KPI and its interval then come from the counts
(`kpitools.kpis.customers.kpi_from_counts`, `compare_counts`): the numbers equal pandas'.

``nrr`` and ``clv`` need each starting customer's values: its start MRR, end MRR and whether
it was lost (`kpitools.kpis.customers.CustomerValues`). The engine groups by the raw
``mrr``, ``expansion_mrr`` and ``contraction_mrr`` of the rows active at the period start
(null for the other rows) besides the signature, so the same table is also a frequency
table of the starting customers' distinct values with their numbers of rows. The KPI's own
code reads the representative rows' amounts (`kpitools.kpis.customers.starting_mrr`: same
refusals of missing, unreadable or negative amounts, counted in the engine's rows), the
values are repeated by their numbers of rows, and the KPI and its bootstrap come from
`kpitools.kpis.customers.kpi_from_values` and `compare_values`, which resample the customers
in the order of their values: the numbers equal pandas'.

>>> import polars as pl
>>> df = pl.DataFrame({"segment": ["a", "a", "b"],
...                    "start_date": pl.Series(["2025-01-10", "2026-07-05", "2024-03-01"]
...                                            ).str.to_datetime(),
...                    "end_date": pl.Series([None, None, "2026-08-15"]).str.to_datetime()})
>>> stats = customer_statistics(df, "churn_rate", None, ["segment"], df.columns,
...                             {"period": "2026Q3"})
>>> stats.groups[["segment", "start", "new", "end", "lost"]]
  segment  start  new  end  lost
0       a      1    1    2     0
1       b      1    0    0     1
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import narwhals as nw
import numpy as np
import pandas as pd

from kpitools.core.errors import DataValidationError
from kpitools.core.results import Comparison, KpiEstimate
from kpitools.core.validation import require_nonempty
from kpitools.engines.flags import check_unique_ids_on_engine
from kpitools.engines.frames import SPARK_LIKE, engine_name
from kpitools.engines.outcomes import (
    _COUNT,
    _excluded,
    _plain,
    _probe_table,
    _question,
    _reraise,
    _Signature,
    per_group_columns,
)
from kpitools.kpis.catalogue import KpiDefinition
from kpitools.kpis.common import no_value
from kpitools.kpis.customers import (
    COUNT_LEVEL_KPIS,
    VALUE_LEVEL_KPIS,
    CustomerValues,
    PeriodCounts,
    compare_counts,
    compare_values,
    kpi_from_counts,
    kpi_from_values,
    membership,
    starting_mrr,
)
from kpitools.tables.columns import require_columns, resolve_columns
from kpitools.tables.keys import group_codes
from kpitools.tables.periods import Period, parse_period

if TYPE_CHECKING:
    from kpitools.engines.statistics import SufficientStatistics

__all__ = ["CUSTOMER_KPIS", "customer_statistics", "customer_columns", "customer_definition"]

#: The customer KPIs computed on engines: from each period's counts, or from the starting
#: customers' values (nrr, clv).
CUSTOMER_KPIS: tuple[str, ...] = (*COUNT_LEVEL_KPIS, *VALUE_LEVEL_KPIS)

#: The counts of `kpitools.kpis.customers.PeriodCounts` kept per group.
_COUNTS = ("start", "new", "new_all", "end", "lost", "left_all")
#: The amounts `kpitools.kpis.customers.starting_mrr` reads, and what the engine's table
#: calls the starting customers' values of each.
_AMOUNTS = {"mrr": "__kpitools_start_mrr", "expansion_mrr": "__kpitools_expansion",
            "contraction_mrr": "__kpitools_contraction"}
_STARTING = "__kpitools_starting"
#: The options of `kpitools.kpis.customers.kpi_from_values` a summary passes on.
_VALUE_OPTIONS = ("method", "margin", "n_resamples", "random_state")


def _bound(sig: _Signature, frame: Any, column: str, stamp: pd.Timestamp) -> Any:
    """The period bound ``stamp`` (naive) as a literal comparable with ``column``: Spark's
    timestamps are instants shown in the session's zone, read as naive times in it (the
    representative rows come back naive in it too); other engines' must be naive, as
    pandas' dates must."""
    zone = getattr(sig.schema[column], "time_zone", None)
    if zone is not None and engine_name(frame) in SPARK_LIKE:
        return stamp.tz_localize(zone).to_pydatetime()
    if zone is not None:
        raise DataValidationError("start and end dates must be time-zone naive calendar dates",
                                  column=column)
    if sig.schema[column] == nw.Date:
        return stamp.date()  # the bounds of a quarter, month or week are midnights
    return stamp.to_pydatetime()


def customer_statistics(frame: Any, kpi: str, value: str | None, keys: list[str],
                        names: list[str], options: Mapping[str, Any]
                        ) -> SufficientStatistics:
    """`kpitools.engines.statistics.SufficientStatistics` of a KPI of `CUSTOMER_KPIS`:
    family ``"customers"``, the `kpitools.kpis.customers.PeriodCounts` of each group, and
    for ``nrr`` and ``clv`` the starting customers' distinct values and their numbers of
    rows (``details["values"]``, see `_Values`).

    Raises
    ------
    TypeError
        Without ``period=``; a start or end date column that is not a date or timestamp;
        ``clv`` with a one-sided ``alternative``.
    DataValidationError
        A repeated id (an engine's rows have no order to keep the first by), time-zone
        aware dates, what `kpitools.kpis.customers.membership` refuses, no ``mrr`` column
        (``nrr``, ``clv``). The amounts `kpitools.kpis.customers.starting_mrr` refuses
        are refused when the group's KPI is computed (as pandas refuses them group by
        group), with their numbers of rows.
    """
    from kpitools.engines.statistics import SufficientStatistics  # noqa: F811 (at run time)

    no_value(kpi, value)
    if "period" not in options:
        raise TypeError(f"kpi={kpi!r} needs the option period=...")
    if kpi == "clv" and options.get("alternative", "two-sided") != "two-sided":
        raise TypeError(f"kpi={kpi!r} has a two-sided interval only; alternative= does not "
                        "apply (compare= has one-sided tests)")
    engine = engine_name(frame)
    period = parse_period(options["period"])
    table_name = "agents" if kpi == "employee_turnover" else "customers"
    rows = {k: v for k, v in options.items() if k in ("columns", "invalid", "missing")}
    cols = resolve_columns(table_name, rows.get("columns"))
    require_columns(pd.DataFrame(columns=names), cols, ["start_date", "end_date"])
    start, end = cols["start_date"], cols["end_date"]
    sig = _Signature(frame, names)
    sig.timestamp(start, kpi)
    sig.timestamp(end, kpi)
    sig.ask(_question(nw.col(end) < nw.col(start)))
    for stamp in (period.start, period.end):
        sig.ask(_question(nw.col(start) < _bound(sig, frame, start, stamp)))
        sig.ask(_question(nw.col(end) >= _bound(sig, frame, end, stamp)))
    amounts: dict[str, str] = {}
    if kpi in VALUE_LEVEL_KPIS:
        amounts = _ask_amounts(sig, frame, cols, names, start, end, period)
    check_unique_ids_on_engine(frame, cols["customer_id" if table_name == "customers"
                                          else "agent_id"], names)
    table = sig.table(keys)
    probe = _probe_table(sig, table)
    counts = table[_COUNT].to_numpy(dtype=np.int64)
    try:
        place = membership(probe, period, table=table_name, **rows)
    except DataValidationError as err:
        _reraise(err, counts, engine)
        raise
    codes, groups = group_codes(table, keys)
    values: _Values | None = None
    if kpi in VALUE_LEVEL_KPIS:
        require_columns(pd.DataFrame(columns=names), cols, ["mrr"])
        values = _Values(table, place.at_start, place.left, codes, len(groups), amounts,
                         cols, counts, engine, rows.get("columns"))
    g = len(groups)
    w = counts.astype(float)

    def total(mask: np.ndarray) -> np.ndarray:
        return np.rint(np.bincount(codes[mask], weights=w[mask], minlength=g)).astype(np.int64)

    out = groups.reset_index(drop=True).copy()
    masks = {"start": place.at_start, "new": place.started & place.at_end,
             "new_all": place.started, "end": place.at_end,
             "lost": place.at_start & place.left, "left_all": place.left}
    for name in _COUNTS:
        out[name] = total(masks[name])
    out["n_excluded"] = total(place.issues.mask)
    out["rows"] = total(np.ones(len(codes), dtype=bool))
    out["n"] = out["left_all"] if kpi == "employee_turnover" else out["start"]
    frequencies = out[keys].copy()
    frequencies["group"] = np.arange(g)
    frequencies["value"] = 0.0
    frequencies["count"] = out["n"].to_numpy()
    details = {"label": kpi, "method": options.get("method"),
               "unit": "money" if kpi == "clv" else "%", "period": str(period)}
    if values is not None:
        details["values"] = values
        details["value_options"] = {k: options[k] for k in _VALUE_OPTIONS if k in options}
    return SufficientStatistics(kpi, "customers", keys, out, frequencies,
                                _excluded(place.issues.excluded(), counts, sig), engine,
                                details)


def _ask_amounts(sig: _Signature, frame: Any, cols: Mapping[str, str], names: list[str],
                 start: str, end: str, period: Period) -> dict[str, str]:
    """Group also by whether a row is active at the period start (``_STARTING``; the
    answers the signature's questions give already) and by the raw amounts
    (``mrr``, ``expansion_mrr``, ``contraction_mrr``, those present) of those rows, null for
    the others: the starting customers' distinct amounts, each with its number of rows.
    Returns each amount's role → its column in the engine's table."""
    starting = (_question(nw.col(start) < _bound(sig, frame, start, period.start))
                & (nw.col(end).is_null()
                   | _question(nw.col(end) >= _bound(sig, frame, end, period.start))))
    sig.groups[_STARTING] = starting
    amounts: dict[str, str] = {}
    for role, name in _AMOUNTS.items():
        if cols[role] in names:
            sig.groups[name] = nw.when(starting).then(nw.col(cols[role]))
            amounts[role] = name
    return amounts


class _Values:
    """The starting customers of each group, from the engine's table: the values of its
    representative rows (start MRR, end MRR, lost, read by
    `kpitools.kpis.customers.starting_mrr` from the amounts) and their numbers of rows, or
    the error `starting_mrr` raised on the group's amounts."""

    def __init__(self, table: pd.DataFrame, at_start: np.ndarray, left: np.ndarray,
                 codes: np.ndarray, n_groups: int, amounts: Mapping[str, str],
                 cols: Mapping[str, str], counts: np.ndarray, engine: str,
                 columns: Mapping[str, str] | None) -> None:
        starting = table[_STARTING].to_numpy(dtype=bool)
        if (starting != at_start).any():  # the engine's answer and membership's must agree
            raise RuntimeError("kpitools: the rows active at the period start differ between "
                               "the engine's query and kpitools.kpis.customers.membership")
        frame = pd.DataFrame({cols[role]: table[name].reset_index(drop=True)
                              for role, name in amounts.items()})
        self.counts, self.engine, self.column = counts, engine, cols["mrr"]
        self.lost = np.asarray(left, dtype=bool)
        order = np.argsort(codes, kind="stable")
        order = order[at_start[order]]  # the starting rows, group by group
        self.order = order
        self.bounds = np.searchsorted(codes[order], np.arange(n_groups + 1))
        self.start = np.full(len(table), np.nan)
        self.end = np.full(len(table), np.nan)
        self.errors: dict[int, DataValidationError] = {}
        try:
            self.start[at_start], self.end[at_start] = starting_mrr(frame, at_start,
                                                                    columns=columns)
        except DataValidationError:  # which groups: pandas refuses them group by group
            for g in range(n_groups):
                mine = self._rows(g)
                if not mine.size:
                    continue
                try:
                    self.start[mine], self.end[mine] = starting_mrr(
                        frame.iloc[mine], np.ones(mine.size, dtype=bool), columns=columns)
                except DataValidationError as err:  # its rows: the table's positions
                    self.errors[g] = err

    def _rows(self, g: int) -> np.ndarray:
        return self.order[self.bounds[g]:self.bounds[g + 1]]

    def of(self, g: int, period: str, n_excluded: int = 0) -> CustomerValues:
        """The `kpitools.kpis.customers.CustomerValues` of group ``g``, each
        representative's values repeated by its number of rows.

        Raises
        ------
        DataValidationError
            No customers at the start of the period (``"no usable values ..."``), or the
            amounts `starting_mrr` refused in the group, with their numbers of rows.
        """
        mine = self._rows(g)
        require_nonempty(int(self.counts[mine].sum()),
                         what=f"customers at the start of {period}")
        if g in self.errors:
            _reraise(self.errors[g], self.counts, self.engine)
            raise self.errors[g]
        w = self.counts[mine]
        return CustomerValues(period=period, start_mrr=np.repeat(self.start[mine], w),
                              end_mrr=np.repeat(self.end[mine], w),
                              lost=np.repeat(self.lost[mine], w), n_excluded=n_excluded,
                              column=self.column)


def _period_counts(row: Mapping[str, Any], period: str) -> PeriodCounts:
    counts = {name: int(row[name]) for name in _COUNTS}
    return PeriodCounts(period=period, **counts, n_excluded=int(row["n_excluded"]),
                        excluded=pd.DataFrame())


def customer_columns(stats: SufficientStatistics, *, confidence_level: float,
                     alternative: str) -> dict[str, Any]:
    """``n, estimate, ci_low, ci_high, method, n_excluded`` of each group, as
    `kpitools.summarize` gives them on pandas: the KPI of its counts
    (`kpitools.kpis.customers.kpi_from_counts`) or of its starting customers' values
    (`kpitools.kpis.customers.kpi_from_values`, nrr and clv: each group with the same
    ``random_state``, in the groups' order, as the pandas summary); a group without
    customers at the start has no estimate, ``n = 0`` and all its rows excluded."""
    d = stats.details
    options: dict[str, Any] = {"alternative": alternative} if alternative != "two-sided" else {}

    def estimate(i: int, row: dict[str, Any]) -> KpiEstimate:
        if "values" in d:
            values = d["values"].of(i, d["period"], int(row["n_excluded"]))
            return kpi_from_values(stats.kpi, values, confidence_level=confidence_level,
                                   **options, **d["value_options"])
        return kpi_from_counts(stats.kpi, _period_counts(row, d["period"]),
                               confidence_level=confidence_level, method=d["method"],
                               **options)

    return per_group_columns(stats.groups, estimate, method=d["method"])


def customer_definition(definition: KpiDefinition, stats: SufficientStatistics
                        ) -> KpiDefinition:
    """``definition`` comparing two cells by their counts
    (`kpitools.kpis.customers.compare_counts`) or, for nrr and clv, by their starting
    customers' values (`kpitools.kpis.customers.compare_values`, with the comparison's
    ``n_resamples``, ``random_state`` and ``margin``), as `kpitools.compare` compares the
    rows."""
    from kpitools.engines.comparisons import COUNT

    keys, period = stats.keys, stats.details["period"]
    if "values" in stats.details:
        values: _Values = stats.details["values"]
        index = {tuple(_plain(v) for v in row): i for i, row in enumerate(
            stats.groups[keys].itertuples(index=False, name=None))}

        def cell_values(rows: pd.DataFrame) -> CustomerValues:
            assert COUNT in rows.columns
            return values.of(index[tuple(_plain(v) for v in rows[keys].iloc[0])], period)

        def compare_cells(a: pd.DataFrame, b: pd.DataFrame, value: str | None, *,
                          confidence_level: float, alternative: str = "two-sided",
                          label_a: str = "a", label_b: str = "b", **row_options: Any
                          ) -> Comparison:
            va, vb = cell_values(a), cell_values(b)
            chosen = {k: row_options[k] for k in ("n_resamples", "random_state", "margin")
                      if k in row_options}
            return compare_values(stats.kpi, va, vb, confidence_level=confidence_level,
                                  alternative=alternative, label_a=label_a, label_b=label_b,
                                  **chosen)

        return dataclasses.replace(definition, compare=compare_cells, compare_groups=None)
    cells = {tuple(_plain(v) for v in row[:len(keys)]): _period_counts(
                 dict(zip([*keys, *_COUNTS, "n_excluded"], row, strict=True)), period)
             for row in stats.groups[[*keys, *_COUNTS, "n_excluded"]].itertuples(
                 index=False, name=None)}

    def cell(rows: pd.DataFrame) -> PeriodCounts:
        assert COUNT in rows.columns
        return cells[tuple(_plain(v) for v in rows[keys].iloc[0])]

    def compare(a: pd.DataFrame, b: pd.DataFrame, value: str | None, *,
                confidence_level: float, alternative: str = "two-sided",
                method: Any = None, label_a: str = "a", label_b: str = "b",
                **_row_options: Any) -> Comparison:
        return compare_counts(stats.kpi, cell(a), cell(b), confidence_level=confidence_level,
                              alternative=alternative, method=method, label_a=label_a,
                              label_b=label_b)

    return dataclasses.replace(definition, compare=compare, compare_groups=None)

