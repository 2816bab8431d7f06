"""KPIs decided row by row from several columns, on any engine: each kind of row once.

``fcr``, ``resolution_rate``, ``abandonment_rate``, ``answer_rate``, ``service_level`` and
the SLA attainments ``frt_sla`` / ``resolution_sla`` decide each row from a few columns (a
flag or a contact count; two timestamps and ``as_of``; the answer time, the offer time and
the wait against ``short_abandon_seconds`` and ``threshold_seconds``; the duration against
each SLA target), ``ticket_volume`` / ``resolved_volume`` count the rows with a creation
(resolution) time, and ``complaints_per_1000`` counts the rows whose complaint flag says yes
over a customer base (a number, or a column with one value per group). On an engine each row
gets a *signature* — the answers to every question the KPI's own code asks of it (is the
column missing, is the resolution before the creation, is the wait within the threshold, is
it below the short-abandon limit, ...) and the value of each yes/no or count column — and
the engine returns one row per group and signature with its number of rows and, for each
timestamp or wait, its *smallest* value there. That smallest value answers every question as
each row of its signature does (a comparison between two columns included: if every row has
``resolved < created``, the smallest resolution time is below the smallest creation time,
and likewise for ``≥``), so the KPI's own pandas code
(`kpitools.kpis.operations.proportion_outcome`, `kpitools.kpis.volume.ticket_counts`) run on
that small table decides every row of the engine as it would in pandas — same successes,
same exclusions and reasons (in the same order of precedence), same refusals — and the
counts are summed with the numbers of rows as weights.

Repeated ids are refused (pandas leaves out each repeat after the first, which depends on
the order of the rows; an engine's rows have none), as for the flag KPIs
(`kpitools.engines.flags`). Text timestamps (pandas parses them) and ``tz=`` are refused:
parse or localise them on the engine first, or collect the frame to pandas.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import narwhals as nw
import numpy as np
import pandas as pd

from kpitools.core.errors import DataValidationError
from kpitools.core.results import Comparison
from kpitools.core.validation import check_choice
from kpitools.engines.flags import check_unique_ids_on_engine
from kpitools.engines.frames import (
    SPARK_LIKE,
    as_lazy,
    categoricals_as_values,
    duration_seconds,
    engine_name,
)
from kpitools.kpis.catalogue import KpiDefinition
from kpitools.kpis.common import no_value
from kpitools.kpis.operations import proportion_outcome
from kpitools.kpis.volume import (
    POISSON_METHODS,
    customer_base,
    exposure_of,
    poisson_ci,
    rate_comparison,
    ticket_counts,
)
from kpitools.stats.intervals import PROPORTION_METHODS
from kpitools.tables.columns import require_columns, resolve_columns
from kpitools.tables.events import RowIssues, clean_flag
from kpitools.tables.keys import group_codes

if TYPE_CHECKING:
    from kpitools.engines.statistics import SufficientStatistics

__all__ = ["OUTCOME_KPIS", "COUNT_KPIS", "COMPLAINTS", "NOT_ON_ENGINES", "not_on_engines",
           "outcome_statistics", "per_group_columns", "rate_columns", "rate_definition"]

#: Proportion KPIs decided row by row from several columns (beside the flag KPIs).
OUTCOME_KPIS: tuple[str, ...] = ("fcr", "resolution_rate", "abandonment_rate", "answer_rate",
                                 "service_level", "frt_sla", "resolution_sla")
#: The SLA KPIs and the duration each judges against its target
_SLA = {"frt_sla": "frt", "resolution_sla": "resolution_time"}
#: Count KPIs (Poisson, with an exposure): the rows with a creation / resolution time.
COUNT_KPIS: tuple[str, ...] = ("ticket_volume", "resolved_volume")
#: The count KPI over a customer base: rows flagged yes per 1,000 customers.
COMPLAINTS = "complaints_per_1000"

_COUNT = "__kpitools_count"
_CALLS = ("abandonment_rate", "answer_rate", "service_level")
#: options of the statistics, not of the rows
_STAT_OPTIONS = {"method", "alternative"}


class _Signature:
    """What the engine groups by (expressions) and the columns it takes the minimum of."""

    def __init__(self, frame: Any, names: list[str]) -> None:
        self.frame, self.names = frame, names
        self.schema = nw.from_native(frame, pass_through=True).collect_schema()
        self.groups: dict[str, Any] = {}
        self.raw: list[str] = []
        self.smallest: list[str] = []

    def value(self, column: str) -> None:
        """Group by the column's values (yes/no flags, counts, period labels)."""
        if column in self.names and column not in self.raw:
            self.raw.append(column)

    def ask(self, expr: Any) -> None:
        """Group by the answer of a question (null answers form their own group)."""
        self.groups[f"__kpitools_q{len(self.groups)}"] = expr

    def timestamp(self, column: str, kpi: str) -> bool:
        """Take the smallest value of a timestamp column (and whether it is missing)."""
        if column not in self.names:
            return False
        dtype = self.schema[column]
        if not dtype.is_temporal():
            raise TypeError(f"column {column!r} is {dtype} on a {engine_name(self.frame)} "
                            f"frame; kpi={kpi!r} needs timestamp columns there (parse them "
                            "on the engine, or collect to pandas, which parses text)")
        self._smallest(column)
        return True

    def number(self, column: str, kpi: str) -> bool:
        """Take the smallest value of a numeric column (and whether it is missing / NaN)."""
        if column not in self.names:
            return False
        dtype = self.schema[column]
        if not dtype.is_numeric():
            raise TypeError(f"column {column!r} is {dtype} on a {engine_name(self.frame)} "
                            f"frame; kpi={kpi!r} needs numbers there (cast it on the "
                            "engine, or collect to pandas)")
        self._smallest(column)
        if dtype.is_float():
            self.ask(nw.col(column).is_nan().fill_null(False))
        return True

    def _smallest(self, column: str) -> None:
        if column not in self.smallest:
            self.smallest.append(column)
            self.ask(nw.col(column).is_null())

    def table(self, keys: list[str]) -> pd.DataFrame:
        """One row per group and signature: the keys, the grouped values, the smallest
        values (under their own names) and ``_COUNT``."""
        lazy = as_lazy(self.frame)
        raw = [c for c in self.raw if c not in keys]
        by = [*keys, *raw, *self.groups]
        mins = {f"__kpitools_min{i}": c for i, c in enumerate(self.smallest)}
        aggs = [nw.len().alias(_COUNT)] + [nw.col(c).min().alias(a) for a, c in mins.items()]
        if self.groups:
            lazy = lazy.with_columns(**self.groups)
        query = lazy.group_by(by, drop_null_keys=False).agg(*aggs)
        out = query.collect().to_pandas().reset_index(drop=True)
        if engine_name(self.frame) == "polars":
            categoricals_as_values(out, keys, self.schema)
        out[_COUNT] = out[_COUNT].astype(np.int64)
        return out.rename(columns={a: c for a, c in mins.items() if c not in keys})


def _question(expr: Any) -> Any:
    return expr.fill_null(False)


def _split(options: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    rows = {k: v for k, v in options.items() if k not in _STAT_OPTIONS}
    return rows, {k: v for k, v in options.items() if k in _STAT_OPTIONS}


def _refuse_tz(frame: Any, kpi: str, options: Mapping[str, Any]) -> None:
    if options.get("tz") is not None:
        raise TypeError(f"kpi={kpi!r}, tz= on a {engine_name(frame)} frame: it localises "
                        "text and naive timestamps in pandas; convert the columns' time zone "
                        "on the engine first (or collect the frame to pandas)")


def _signature(frame: Any, kpi: str, names: list[str], options: dict[str, Any],
               value: str | None = None) -> tuple[_Signature, str | None]:
    """The signature of ``kpi``'s rows and the column of ids to check on the engine."""
    sig = _Signature(frame, names)
    empty = pd.DataFrame(columns=names)
    if kpi == COMPLAINTS:
        _complaints_signature(sig, value, options)
        return sig, None
    if kpi in _CALLS:
        cols = resolve_columns("calls", options.get("columns"))
        a_col, f_col, o_col, w_col = (cols["answered_at"], cols["answered"],
                                      cols["offered_at"], cols["wait_seconds"])
        by_flag = a_col not in names and f_col in names
        if by_flag:
            sig.value(f_col)
        else:
            require_columns(empty, cols, ["answered_at"])
            sig.timestamp(a_col, kpi)
            if sig.timestamp(o_col, kpi):
                sig.ask(_question(nw.col(a_col) < nw.col(o_col)))
        if sig.number(w_col, kpi):
            w = nw.col(w_col)
            sig.ask(_question(w < 0))
            if sig.schema[w_col].is_float():
                sig.ask(_question(w.abs() == float("inf")))
            limit = options.get("short_abandon_seconds")
            if limit is not None and float(limit) >= 0:
                sig.ask(_question(w < float(limit)))
            if kpi == "service_level":
                threshold = float(options.get("threshold_seconds", 20.0))
                if threshold >= 0:
                    sig.ask(_question(w <= threshold))
        return sig, cols["call_id"]
    cols = resolve_columns("tickets", options.get("columns"))
    if kpi in _SLA:
        _sla_signature(frame, sig, kpi, cols, options)
        return sig, cols["ticket_id"]
    if kpi in COUNT_KPIS:
        require_columns(empty, cols, ["created_at"])
        sig.timestamp(cols["created_at"], kpi)
        if kpi == "resolved_volume":
            require_columns(empty, cols, ["resolved_at"])
            sig.timestamp(cols["resolved_at"], kpi)
        period = options.get("period_column")
        if isinstance(options.get("exposure"), str) and period is not None:
            sig.value(period)
    elif kpi == "fcr":
        role = ("contacts" if options.get("definition", "flag") == "contacts"
                else "first_contact_resolved")
        require_columns(empty, cols, [role])
        sig.value(cols[role])
    else:  # resolution_rate
        require_columns(empty, cols, ["created_at", "resolved_at"])
        c_col, r_col = cols["created_at"], cols["resolved_at"]
        sig.timestamp(c_col, kpi)
        sig.timestamp(r_col, kpi)
        sig.ask(_question(nw.col(r_col) < nw.col(c_col)))
        if options.get("as_of") is not None:
            moment = _as_of_moment(sig, frame, c_col, options)
            sig.ask(_question(nw.col(r_col) <= nw.lit(moment)))
            sig.ask(_question(nw.col(c_col) > nw.lit(moment)))
    return sig, cols["ticket_id"]


def _complaints_signature(sig: _Signature, value: str | None, options: Mapping[str, Any]
                          ) -> None:
    """`complaints_per_1000` asks two things of a row: its complaint flag (grouped by its
    value, judged by `kpitools.tables.events.clean_flag` on the representative rows) and,
    when ``customers`` names a column, its customer base (grouped by its value, so that
    `kpitools.kpis.volume.customer_base` sees every distinct base of a group)."""
    if value is None:
        raise ValueError(f"kpi={COMPLAINTS!r} needs value= naming a yes/no complaint column")
    customers = options.get("customers")
    if customers is None:
        raise TypeError(f"kpi={COMPLAINTS!r} needs the option customers=...")
    for column in (value, customers):
        if isinstance(column, str) and column not in sig.names:
            raise DataValidationError(f"column not found for KPI {COMPLAINTS!r}; columns "
                                      f"are {sig.names[:20]}", column=column)
        if isinstance(column, str):
            sig.value(column)


def _complaint_rows(probe: pd.DataFrame, value: str, options: Mapping[str, Any]
                    ) -> tuple[np.ndarray, RowIssues]:
    """Each representative row: 1 a complaint, 0 none, NaN excluded (missing or not a
    yes/no value), decided by `kpitools.tables.events.clean_flag` as the pandas KPI does."""
    issues = RowIssues(probe.index, invalid=options.get("invalid", "raise"),
                       missing=options.get("missing", "exclude"))
    flag = clean_flag(probe[value], column=value, issues=issues)
    return np.where(issues.mask, np.nan, flag), issues


def _bases(probe: pd.DataFrame, customers: float | str, codes: np.ndarray, g: int
           ) -> np.ndarray:
    """The customer base of each group (`kpitools.kpis.volume.customer_base` of its
    representative rows: a base column's distinct values are all among them)."""
    if not isinstance(customers, str):
        return np.full(g, customer_base(probe, customers))
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(g + 1))
    return np.array([customer_base(probe.iloc[order[bounds[i]:bounds[i + 1]]], customers)
                     for i in range(g)], dtype=float)


def _sla_signature(frame: Any, sig: _Signature, kpi: str, cols: Mapping[str, str],
                   options: dict[str, Any]) -> None:
    """The questions `kpitools.kpis.durations.sla_attainment` asks of a ticket: are the
    start and end missing, is the end before the start, is the duration within each
    target (one question per distinct target: per-group targets pick theirs from
    ``target_by``, grouped by its values), and with ``as_of``, has an open ticket been
    open longer than each target. The smallest start and end of a signature answer them
    as each of its rows does: ``min end − min start`` is at most the duration of the row
    that starts first, and at least that of the row that ends first."""
    from kpitools.kpis.durations import DURATION_KPIS
    from kpitools.kpis.targets import GroupTargets, as_seconds

    for option in ("value", "business_hours"):
        if options.get(option) is not None:
            raise TypeError(f"kpi={kpi!r}, {option}= on a {engine_name(frame)} frame: the "
                            "SLA is judged on the engine from the two timestamps; collect "
                            "the frame to pandas for it")
    spec = DURATION_KPIS[_SLA[kpi]]
    if "target" not in options:
        raise TypeError(f"kpi={kpi!r} needs target= (the SLA threshold)")
    assert spec.start is not None and spec.end is not None  # frt, resolution_time
    require_columns(pd.DataFrame(columns=sig.names), cols, [spec.start, spec.end])
    start, end = cols[spec.start], cols[spec.end]
    sig.timestamp(start, kpi)
    sig.timestamp(end, kpi)
    sig.ask(_question(nw.col(end) < nw.col(start)))
    target, unit = options["target"], options.get("target_unit", "minutes")
    if isinstance(target, GroupTargets | Mapping):
        groups = (target if isinstance(target, GroupTargets)
                  else GroupTargets(options.get("target_by") or "", dict(target)))
        if groups.by in sig.names:
            sig.value(groups.by)
        listed = [*groups.values.values(),
                  *([groups.default] if groups.default is not None else [])]
        thresholds = sorted({float(as_seconds(t, groups.unit or unit)) for t in listed})
    else:
        thresholds = [float(as_seconds(target, unit))]
    seconds, per_second = duration_seconds(frame, start, end)
    moment = (_as_of_moment(sig, frame, start, options)
              if options.get("as_of") is not None else None)
    for threshold in thresholds:
        if np.isfinite(threshold):
            sig.ask(_question(seconds <= threshold * per_second))
            if moment is not None:
                sig.ask(_question(nw.col(start) < nw.lit(
                    moment - pd.Timedelta(seconds=threshold).to_pytimedelta())))


def _as_of_moment(sig: _Signature, frame: Any, column: str, options: dict[str, Any]
                  ) -> Any:
    """``options["as_of"]`` as a literal comparable with the timestamps of ``column``.

    Spark's timestamps are instants shown in the session's zone: ``as_of`` is read in that
    zone, and ``options["as_of"]`` becomes the naive time in it (the representative rows'
    timestamps come back naive in it too, `_probe_table`)."""
    as_of = options["as_of"]
    stamp = pd.Timestamp(as_of)
    zone = getattr(sig.schema[column], "time_zone", None)
    if engine_name(frame) in SPARK_LIKE and zone is not None:
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert(zone).tz_localize(None)
        options["as_of"] = stamp
        return stamp.tz_localize(zone).to_pydatetime()
    if zone is not None and stamp.tzinfo is None:
        raise ValueError("as_of must be time-zone aware when the timestamps are")
    if zone is not None:
        stamp = stamp.tz_convert(zone)
    elif stamp.tzinfo is not None:
        raise ValueError(f"as_of={as_of!r} is time-zone aware and the timestamps of the "
                         f"{engine_name(frame)} frame are not")
    return stamp.to_pydatetime()


class _SlaIssues:
    """The rows `sla_attainment` excludes: its issues less the open tickets already past
    their target (decided: known misses)."""

    def __init__(self, issues: Any, decided: np.ndarray, open_rows: np.ndarray) -> None:
        self._issues = issues
        self._known = decided & open_rows
        self.mask = issues.mask & ~decided

    def excluded(self) -> pd.DataFrame:
        listed = self._issues.excluded()
        if not self._known.any():
            return listed
        rows = set(np.flatnonzero(self._known).tolist())
        return listed[~listed["row"].isin(rows)].reset_index(drop=True)


def _sla_outcome(probe: pd.DataFrame, kpi: str, options: dict[str, Any]
                 ) -> tuple[np.ndarray, _SlaIssues]:
    """Each representative row: 1 within its target, 0 a miss (a known one too), NaN not
    decided; decided by `kpitools.kpis.durations`' own code."""
    from kpitools.kpis.durations import sla_row_outcomes

    rows = {k: v for k, v in options.items()
            if k in ("columns", "as_of", "invalid", "missing")}
    within, decided, dd = sla_row_outcomes(
        probe, _SLA[kpi], target=options["target"], target_by=options.get("target_by"),
        target_unit=options.get("target_unit", "minutes"), **rows)
    success = np.where(decided, within.astype(float), np.nan)
    return success, _SlaIssues(dd.issues, decided, dd.open)


def _probe_table(sig: _Signature, table: pd.DataFrame) -> pd.DataFrame:
    """The representative rows, with the columns under their own names."""
    columns = [c for c in dict.fromkeys([*sig.raw, *sig.smallest])]
    probe = table[columns].reset_index(drop=True)
    if engine_name(sig.frame) in SPARK_LIKE:  # Spark's timestamps, naive as Spark shows them
        for c in sig.smallest:
            zone = getattr(sig.schema[c], "time_zone", None)
            if zone is not None and getattr(probe[c].dt, "tz", None) is not None:
                probe[c] = probe[c].dt.tz_convert(zone).dt.tz_localize(None)
    return probe


def _reraise(err: DataValidationError, counts: np.ndarray, engine: str) -> None:
    """``err`` raised on the representative rows, with the numbers of the engine's rows."""
    rows = [int(r) for r in err.rows if isinstance(r, int | np.integer)]
    problem = err.problem
    if rows:
        n = int(counts[rows].sum())
        head, _, rest = problem.partition(" ")
        if head.isdigit():
            problem = f"{n} {rest}"
    values = sorted({str(v) for v in err.values})[:10]
    raise DataValidationError(
        f"{problem}; rows of a {engine} frame are not numbered: filter on these values "
        "to find them", column=err.column, values=values) from err


def outcome_statistics(frame: Any, kpi: str, value: str | None, keys: list[str],
                       names: list[str], options: dict[str, Any]
                       ) -> SufficientStatistics:
    """`kpitools.engines.statistics.SufficientStatistics` of ``kpi`` (one of
    `OUTCOME_KPIS` or `COUNT_KPIS`): family ``"proportion"`` (successes, trials) or
    ``"rate"`` (events, exposure)."""
    from kpitools.engines.statistics import SufficientStatistics  # noqa: F811 (at run time)

    engine = engine_name(frame)
    if kpi != COMPLAINTS:
        no_value(kpi, value)
    row_options, stat_options = _split(options)
    _refuse_tz(frame, kpi, row_options)
    counting = kpi in COUNT_KPIS or kpi == COMPLAINTS
    method = stat_options.get("method") or ("exact" if counting else "wilson")
    check_choice("method", method, POISSON_METHODS if counting else PROPORTION_METHODS)
    sig, ids = _signature(frame, kpi, names, row_options, value)
    if ids is not None:
        check_unique_ids_on_engine(frame, ids, names)
    table = sig.table(keys)
    probe = _probe_table(sig, table)
    counts = table[_COUNT].to_numpy(dtype=np.int64)
    codes, groups = group_codes(table, keys)
    g = len(groups)
    exposure: Any = None
    try:
        if kpi == COMPLAINTS:
            success, issues = _complaint_rows(probe, str(value), row_options)
            exposure = _bases(probe, row_options["customers"], codes, g)
        elif counting:
            exposure = row_options.pop("exposure", 1.0)
            period_column = row_options.pop("period_column", None)
            counted, issues = ticket_counts(probe, kpi, **row_options)
            success = np.where(issues.mask, np.nan, counted.astype(float))
        elif kpi in _SLA:
            success, sla_issues = _sla_outcome(probe, kpi, row_options)
            issues = sla_issues  # type: ignore[assignment]  # .mask, .excluded()
        else:
            out = proportion_outcome(probe, kpi, **row_options)
            if out.check_groups is not None:
                out.check_groups(codes, groups)
            success, issues = out.success, out.issues
    except DataValidationError as err:
        _reraise(err, counts, engine)
        raise
    used = ~np.isnan(success)
    w = counts.astype(float)
    k = np.bincount(codes[used], weights=w[used] * success[used], minlength=g)
    n = np.bincount(codes[used], weights=w[used], minlength=g)
    n_excl = np.bincount(codes[issues.mask], weights=w[issues.mask], minlength=g)
    out_groups = groups.reset_index(drop=True).copy()
    label = f"{_SLA[kpi]}_sla" if kpi in _SLA else kpi  # as sla_attainment labels it
    details: dict[str, Any] = {"label": label, "method": method, "unit": "%"}
    if counting:
        out_groups["n"] = np.rint(k).astype(np.int64)
        if kpi == COMPLAINTS:  # a rate per 1,000 customers
            out_groups["exposure"] = exposure
            details.update(unit="per 1,000", scale=1000.0)
        else:
            if isinstance(exposure, str):
                e = np.array([exposure_of(probe[codes == i], exposure, period_column)
                              for i in range(g)])
            else:
                e = np.full(g, exposure_of(probe, exposure, None))
            out_groups["exposure"] = e
            details["unit"] = ("per day" if isinstance(exposure, str) else
                               "count" if float(exposure) == 1.0 else "per unit of exposure")
            details["exposure"] = exposure
            details["period_column"] = period_column
        family = "rate"
        value_of = success
    else:
        out_groups["successes"] = np.rint(k).astype(np.int64)
        out_groups["trials"] = np.rint(n).astype(np.int64)
        family = "proportion"
        value_of = 100.0 * success
    out_groups["n_excluded"] = np.rint(n_excl).astype(np.int64)
    out_groups["rows"] = np.bincount(codes, weights=w, minlength=g).astype(np.int64)
    frequencies = table.loc[used, keys].reset_index(drop=True)
    frequencies["group"] = codes[used]
    frequencies["value"] = value_of[used]
    frequencies["count"] = counts[used]
    return SufficientStatistics(kpi, family, keys, out_groups, frequencies,
                                _excluded(issues.excluded(), counts, sig), engine, details)


def _excluded(listed: pd.DataFrame, counts: np.ndarray, sig: _Signature) -> pd.DataFrame:
    """One line per column, value and reason with its number of rows: the values of the
    grouped columns (flags, counts); none for timestamps and waits (the representative
    row holds the smallest value only)."""
    if not len(listed):
        return pd.DataFrame({"column": [], "value": [], "reason": [],
                             "count": np.zeros(0, dtype=np.int64)})
    rows = listed["row"].to_numpy(dtype=np.int64)
    shown = [v if c in sig.raw else None
             for c, v in zip(listed["column"], listed["value"], strict=True)]
    frame = pd.DataFrame({"column": listed["column"].to_numpy(dtype=object),
                          "value": pd.Series(shown, dtype=object),
                          "reason": listed["reason"].to_numpy(dtype=object),
                          "count": counts[rows]})
    frame["__key"] = frame["value"].map(repr)
    out = (frame.groupby(["column", "__key", "reason"], sort=False, dropna=False)
           .agg(value=("value", "first"), count=("count", "sum")).reset_index())
    return out[["column", "value", "reason", "count"]]


def per_group_columns(groups: pd.DataFrame, estimate: Callable[[int, dict[str, Any]], Any],
                      *, method: str | None) -> dict[str, Any]:
    """``n, estimate, ci_low, ci_high, method, n_excluded`` of each group from
    ``estimate(i, row)`` (a `kpitools.core.results.KpiEstimate` of group ``i``), as
    `kpitools.summarize` loops over the groups on pandas: a group whose estimate raises "no
    usable values" has no estimate, ``n = 0``, the ``method`` asked for (or ``""``) and all
    its rows (``groups["rows"]``) excluded."""
    names = ("n", "estimate", "ci_low", "ci_high", "method", "n_excluded")
    columns: dict[str, list[Any]] = {k: [] for k in names}
    for i, row in enumerate(groups.to_dict("records")):
        try:
            r = estimate(i, row)
        except DataValidationError as err:
            if not str(err.problem).startswith("no usable values"):
                raise
            values = (0, np.nan, np.nan, np.nan, method or "", int(row["rows"]))
        else:
            values = (r.n, r.estimate, r.ci_low, r.ci_high, r.method, r.n_excluded)
        for name, v in zip(names, values, strict=True):
            columns[name].append(v)
    out: dict[str, Any] = {k: np.asarray(columns[k], dtype=float)
                           for k in ("estimate", "ci_low", "ci_high")}
    out["n"] = np.asarray(columns["n"], dtype=np.int64)
    out["n_excluded"] = np.asarray(columns["n_excluded"], dtype=np.int64)
    out["method"] = np.asarray(columns["method"], dtype=object)
    return out


def rate_columns(groups: pd.DataFrame, details: Mapping[str, Any], *,
                 confidence_level: float, alternative: str
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``n, estimate, ci_low, ci_high`` of a count KPI: events over exposure with the
    Poisson interval of `kpitools.kpis.volume.poisson_ci` (as its pandas summary)."""
    k = groups["n"].to_numpy(dtype=float)
    e = groups["exposure"].to_numpy(dtype=float)
    low, high = poisson_ci(k, e, confidence_level=confidence_level, method=details["method"],
                           alternative=alternative)
    scale = float(details.get("scale", 1.0))
    return (k.astype(np.int64), scale * (k / e), scale * np.asarray(low),
            scale * np.asarray(high))


def rate_definition(definition: KpiDefinition, stats: SufficientStatistics) -> KpiDefinition:
    """``definition`` comparing two cells' counts (the engine's frequency rows: ``VALUE``
    1 for a counted row, 0 for one that is not, ``COUNT`` rows each) by their rate ratio,
    each cell with its exposure (a number, or its period's days), as
    `kpitools.kpis.volume.rate_comparison` compares the rows."""
    from kpitools.engines.comparisons import COUNT, VALUE

    keys, details = stats.keys, dict(stats.details)
    exposures = {tuple(_plain(v) for v in row): float(e) for row, e in
                 zip(stats.groups[keys].itertuples(index=False, name=None),
                     stats.groups["exposure"], strict=True)}

    def cell(rows: pd.DataFrame) -> tuple[int, float]:
        k = float((rows[VALUE].to_numpy(dtype=float) * rows[COUNT].to_numpy(dtype=float)).sum())
        key = tuple(_plain(v) for v in rows[keys].iloc[0]) if len(rows) else ()
        return int(round(k)), exposures[key]

    def compare(a: pd.DataFrame, b: pd.DataFrame, value: str | None, *,
                confidence_level: float, alternative: str = "two-sided", label_a: str = "a",
                label_b: str = "b", **_row_options: Any) -> Comparison:
        (ka, ea), (kb, eb) = cell(a), cell(b)
        return rate_comparison(definition.name, ka, ea, kb, eb,
                               confidence_level=confidence_level, alternative=alternative,
                               label_a=label_a, label_b=label_b, unit=details["unit"],
                               scale=float(details.get("scale", 1.0)))

    return dataclasses.replace(definition, compare=compare, compare_groups=None)


def _plain(v: Any) -> Any:
    """A key value comparable across tables (missing → None)."""
    try:
        return None if pd.isna(v) else v
    except (TypeError, ValueError):
        return v


_COLLECT = ("collect the columns it reads to pandas first (Polars: "
            "frame.select([...]).collect().to_pandas(); DuckDB: relation.select(...).df(); "
            "Spark: frame.select(...).toPandas())")
#: Why each KPI outside `kpitools.engines.ENGINE_KPIS` is not computed on an engine: every
#: registered KPI is; a KPI registered later without an engine path gets the default reason.
NOT_ON_ENGINES: dict[str, str] = {}


def not_on_engines(kpi: str, engine: str) -> str:
    """Why ``kpi`` is not computed on a frame of ``engine``, and what to do instead."""
    why = NOT_ON_ENGINES.get(kpi, "it is not computed from sufficient statistics")
    return f"kpi={kpi!r} on a {engine} frame: {why}; {_COLLECT}"
