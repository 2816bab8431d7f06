"""Utilisation and productivity on any engine: each agent's work summed there.

``utilisation`` (handle time over available time) and ``productivity`` (resolved tickets
per available hour) read the rows only to sum each agent's work: handle hours
(``talk_seconds + hold_seconds + acw_seconds``, a missing part counting as 0) or resolved
tickets. Their estimate, the agents in scope, the agents without available time and the
bootstrap over agents (or Garwood's interval for productivity) all come from those sums and
the availability table. So the engine runs one ``GROUP BY`` of the keys and the agent —
each agent's work, its rows, the answered calls without talk time (resolved tickets without
an agent), and the counts of the values the KPI refuses (handle times that are not finite
or negative) — and the KPI's own code
(`kpitools.kpis.operations.per_agent_estimate`, `compare_per_agent`) computes the rest, with
the agents in the order pandas sums them (sorted), so the bootstrap draws the same agents.

Rows without an agent are left out of the sums, as pandas' ``groupby`` leaves them out. The
availability table is small: a pandas frame, or any engine's frame brought to pandas.

>>> import polars as pl
>>> calls = pl.DataFrame({"team": ["a", "a", "b"], "agent": ["A1", "A2", "A3"],
...                       "talk_seconds": [3600.0, 1800.0, 7200.0]})
>>> hours = pd.DataFrame({"agent_id": ["A1", "A2", "A3"], "period": ["2026Q3"] * 3,
...                       "available_hours": [2.0, 2.0, 4.0]})
>>> stats = agent_statistics(calls.lazy(), "utilisation", None, ["team"], calls.columns,
...                          {"availability": hours})
>>> [w.tolist() for w in stats.details["work"]]
[[1.0, 0.5], [2.0]]
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
from kpitools.engines.frames import (
    as_lazy,
    categoricals_as_values,
    engine_name,
    is_engine_frame,
)
from kpitools.engines.outcomes import _plain, per_group_columns
from kpitools.kpis.catalogue import KpiDefinition
from kpitools.kpis.common import no_value
from kpitools.kpis.operations import compare_per_agent, per_agent_estimate
from kpitools.tables.columns import require_columns, resolve_columns
from kpitools.tables.keys import group_codes

if TYPE_CHECKING:
    from kpitools.engines.statistics import SufficientStatistics

__all__ = ["AGENT_KPIS", "agent_statistics", "agent_columns", "agent_definition"]

#: The KPIs of agents' work over their available time.
AGENT_KPIS: tuple[str, ...] = ("utilisation", "productivity")

_PARTS = ("talk_seconds", "hold_seconds", "acw_seconds")
_UNTIMED = ("missing talk time of an answered call: its handle time is left out of the "
            "numerator")
_NO_AGENT = "resolved ticket has no agent"
#: The options `per_agent_estimate` takes (the others are the rows').
_ESTIMATE_OPTIONS = ("period", "n_resamples", "random_state", "availability_columns",
                     "agents", "method")


def _zero_if_missing(column: str, dtype: Any) -> Any:
    """The column with missing values (and NaN) as 0, as pandas' ``fillna(0)``."""
    expr = nw.col(column)
    if dtype.is_float():
        expr = nw.when(expr.is_nan()).then(nw.lit(0.0)).otherwise(expr)
    return expr.fill_null(0).cast(nw.Float64)


def _work_query(frame: Any, kpi: str, keys: list[str], names: list[str],
                cols: Mapping[str, str]) -> tuple[pd.DataFrame, dict[str, str]]:
    """One row per key combination and agent (a missing agent too): ``__work``,
    ``__rows``, ``__left_out`` (answered without talk time / resolved without agent) and
    the refused values' counts ``__bad_<column>``."""
    schema = nw.from_native(frame, pass_through=True).collect_schema()
    engine = engine_name(frame)
    agent = cols["agent"]
    summed: dict[str, Any] = {}  # column name → expression, summed per group and agent
    bad: dict[str, str] = {}
    if kpi == "utilisation":
        parts = [cols[c] for c in _PARTS if cols[c] in names]
        if not parts:
            raise DataValidationError("no handle-time columns (talk/hold/acw seconds)",
                                      column=cols["talk_seconds"])
        for c in parts:
            if not schema[c].is_numeric():
                raise TypeError(f"column {c!r} is {schema[c]} on a {engine} frame; "
                                f"kpi={kpi!r} needs numbers there (cast it on the engine, "
                                "or collect to pandas)")
            if schema[c].is_float():
                bad[c] = f"__bad_{len(bad)}"
                summed[bad[c]] = (nw.col(c).abs() == float("inf")).fill_null(False
                                                                             ).cast(nw.Int64)
        seconds = sum((_zero_if_missing(c, schema[c]) for c in parts[1:]),
                      _zero_if_missing(parts[0], schema[parts[0]]))
        summed["__negative"] = (seconds < 0).cast(nw.Int64)
        summed["__work"] = seconds / 3600.0
        talk, answered = cols["talk_seconds"], cols["answered_at"]
        if talk in names and answered in names:
            untimed = ~nw.col(answered).is_null() & nw.col(talk).is_null()
            if schema[talk].is_float():
                untimed = ~nw.col(answered).is_null() & (nw.col(talk).is_null()
                                                         | nw.col(talk).is_nan())
            summed["__left_out"] = untimed.fill_null(False).cast(nw.Int64)
    else:
        resolved = cols["resolved_at"]
        if not schema[resolved].is_temporal():
            raise TypeError(f"column {resolved!r} is {schema[resolved]} on a {engine} "
                            f"frame; kpi={kpi!r} needs timestamp columns there (parse them "
                            "on the engine, or collect to pandas, which parses text)")
        done = ~nw.col(resolved).is_null()
        summed["__work"] = done.cast(nw.Float64)
        summed["__left_out"] = (done & nw.col(agent).is_null()).cast(nw.Int64)
    by = [*keys, *([agent] if agent not in keys else [])]
    aggs = [nw.len().alias("__rows"), *(nw.col(name).sum() for name in summed)]
    out = (as_lazy(frame).with_columns(**summed).group_by(by, drop_null_keys=False)
           .agg(*aggs).collect().to_pandas().reset_index(drop=True))
    if "__left_out" not in out.columns:
        out["__left_out"] = 0
    if engine == "polars":
        categoricals_as_values(out, by, schema)
    return out, bad


def _refuse_bad_values(table: pd.DataFrame, bad: Mapping[str, str], parts_first: str | None,
                       engine: str) -> None:
    """The handle times pandas refuses, counted by the engine: not finite, then negative."""
    where = f"; rows of a {engine} frame are not numbered: filter on these values to find them"
    for column, name in bad.items():
        n = int(table[name].sum())
        if n:
            raise DataValidationError(f"{n} handle times that are not finite numbers{where}",
                                      column=column)
    if "__negative" in table.columns and int(table["__negative"].sum()):
        raise DataValidationError(f"{int(table['__negative'].sum())} negative handle "
                                  f"times{where}", column=parts_first)


def agent_statistics(frame: Any, kpi: str, value: str | None, keys: list[str],
                     names: list[str], options: Mapping[str, Any]) -> SufficientStatistics:
    """`kpitools.engines.statistics.SufficientStatistics` of ``utilisation`` or
    ``productivity``: family ``"agents"``, each group's work per agent (sorted by agent)
    in ``details["work"]``.

    Raises
    ------
    TypeError
        Without ``availability=``; a handle-time column that is not numeric, a resolution
        time that is not a timestamp.
    DataValidationError
        Handle times that are not finite or are negative (with their number of rows), or
        what the availability table has wrong.
    """
    from kpitools.engines.statistics import SufficientStatistics  # noqa: F811 (at run time)

    no_value(kpi, value)
    if "availability" not in options:
        raise TypeError(f"kpi={kpi!r} needs the option availability=...")
    engine = engine_name(frame)
    table_name = "calls" if kpi == "utilisation" else "tickets"
    cols = resolve_columns(table_name, options.get("columns"))
    required = ["agent"] if kpi == "utilisation" else ["agent", "resolved_at"]
    require_columns(pd.DataFrame(columns=names), cols, required)
    table, bad = _work_query(frame, kpi, keys, names, cols)
    first_part = next((cols[c] for c in _PARTS if cols.get(c) in names), None)
    _refuse_bad_values(table, bad, first_part, engine)
    agent = cols["agent"]
    codes, groups = group_codes(table, keys)
    g = len(groups)
    counts = table["__rows"].to_numpy(dtype=np.int64)
    left_out = table["__left_out"].to_numpy(dtype=np.int64)
    has_agent = table[agent].notna().to_numpy()
    work: list[pd.Series] = []
    for i in range(g):
        mine = (codes == i) & has_agent
        agents = [_plain(a) for a in table.loc[mine, agent].astype(object)]
        work.append(pd.Series(table.loc[mine, "__work"].to_numpy(dtype=float),
                              index=pd.Index(agents, dtype=object)).sort_index())
    out = groups.reset_index(drop=True).copy()
    out["rows"] = np.bincount(codes, weights=counts, minlength=g).astype(np.int64)
    out["left_out"] = np.bincount(codes, weights=left_out, minlength=g).astype(np.int64)
    out["n"] = out["rows"]
    out["n_excluded"] = out["left_out"]
    frequencies = out[keys].copy()
    frequencies["group"] = np.arange(g)
    frequencies["value"] = 0.0
    frequencies["count"] = out["rows"].to_numpy()
    availability = options["availability"]
    if is_engine_frame(availability):
        availability = as_lazy(availability).collect().to_pandas()
    column = cols["talk_seconds"] if kpi == "utilisation" else agent
    reason = _UNTIMED if kpi == "utilisation" else _NO_AGENT
    total = int(out["left_out"].sum())
    excluded = pd.DataFrame({"column": [column] * bool(total), "value": [None] * bool(total),
                             "reason": [reason] * bool(total),
                             "count": np.array([total] * bool(total), dtype=np.int64)})
    details = {"label": kpi, "method": options.get("method"),
               "unit": "%" if kpi == "utilisation" else "per agent-hour", "work": work,
               "availability": availability, "agent_column": agent, "reason": reason,
               "column": column, "engine": engine,
               "estimate_options": {k: options[k] for k in _ESTIMATE_OPTIONS
                                    if k in options}}
    return SufficientStatistics(kpi, "agents", keys, out, frequencies, excluded, engine,
                                details)


def _estimate(stats: SufficientStatistics, i: int, *, confidence_level: float,
              alternative: str = "two-sided", options: Mapping[str, Any] | None = None
              ) -> KpiEstimate:
    """The KPI of group ``i`` from its agents' work (`per_agent_estimate`); ``options``
    (a comparison's ``n_resamples``, ``random_state``) replace the summary's."""
    d = stats.details
    chosen = {**d["estimate_options"], **(options or {})}
    left = int(stats.groups["left_out"].iloc[i])
    listed = None
    if left:
        listed = pd.DataFrame({"row": [None], "column": [d["column"]], "value": [None],
                               "reason": [f"{d['reason']} ({left} row{'s' if left != 1 else ''}"
                                          f" on {d['engine']})"]})
    kpi: Any = stats.kpi
    return per_agent_estimate(kpi, d["work"][i], d["availability"],
                              confidence_level=confidence_level, alternative=alternative,
                              agent_column=d["agent_column"], excluded=listed,
                              excluded_rows=left, **chosen)


def agent_columns(stats: SufficientStatistics, *, confidence_level: float,
                  alternative: str) -> dict[str, Any]:
    """``n, estimate, ci_low, ci_high, method, n_excluded`` of each group, as
    `kpitools.summarize` gives them on pandas: a group without an agent with available time
    has no estimate, ``n = 0`` and all its rows excluded."""
    return per_group_columns(
        stats.groups, lambda i, _row: _estimate(stats, i, confidence_level=confidence_level,
                                                alternative=alternative),
        method=stats.details["method"])


def agent_definition(definition: KpiDefinition, stats: SufficientStatistics
                     ) -> KpiDefinition:
    """``definition`` comparing two cells by their agents' work
    (`kpitools.kpis.operations.compare_per_agent`), as `kpitools.compare` compares the
    rows."""
    keys = stats.keys
    cells = {tuple(_plain(v) for v in row): i for i, row in enumerate(
        stats.groups[keys].itertuples(index=False, name=None))}

    def compare(a: pd.DataFrame, b: pd.DataFrame, value: str | None, *,
                confidence_level: float, alternative: str = "two-sided", label_a: str = "a",
                label_b: str = "b", **row_options: Any) -> Comparison:
        ia, ib = (cells[tuple(_plain(v) for v in rows[keys].iloc[0])] for rows in (a, b))
        chosen: dict[str, Any] = {k: row_options[k] for k in ("n_resamples", "random_state")
                  if k in row_options}
        ra = _estimate(stats, ia, confidence_level=confidence_level, options=chosen)
        rb = _estimate(stats, ib, confidence_level=confidence_level, options=chosen)
        return compare_per_agent(ra, rb, confidence_level=confidence_level,
                                 alternative=alternative, label_a=label_a, label_b=label_b)

    return dataclasses.replace(definition, compare=compare, compare_groups=None)
