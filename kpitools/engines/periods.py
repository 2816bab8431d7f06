"""Calendar periods on any engine: the quarter, month, ISO week or year of a timestamp.

`with_periods` adds to a frame of any engine the label `kpitools.period_labels` gives on
pandas — ``"2026Q3"``, ``"2026-07"``, ``"2026-W29"``, ``"2026"`` — computed by the frame's
own engine (a Narwhals expression: ``strftime`` for the year, month and ISO week, the month
for the quarter), so that a KPI by period, or a comparison of two periods, runs where the
rows are::

    tickets = engines.with_periods(duckdb_table, "created_at", "quarter")
    kt.compare(tickets, kpi="frt", group="quarter", baseline="2026Q2")

A timestamp with a time zone is labelled in the calendar the engine formats it in: its own
zone on Polars and PyArrow (as on pandas); DuckDB keeps no zone with a ``TIMESTAMPTZ`` and
uses the connection's ``TimeZone`` setting. Spark has no ISO week in its date formats: a
Spark frame takes quarters, months and years.

Layer 4 (engines): imports `kpitools.tables.periods`.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw

from kpitools.core.validation import check_choice
from kpitools.engines.frames import SPARK_LIKE, column_names, engine_name
from kpitools.tables.periods import PERIOD_KINDS, PeriodKind, period_labels

__all__ = ["with_periods", "period_expression"]


def period_expression(column: str, kind: PeriodKind = "quarter") -> Any:
    """The Narwhals expression of ``column``'s period label (missing for a missing time).

    >>> import polars as pl
    >>> from datetime import datetime
    >>> df = pl.DataFrame({"t": [datetime(2025, 12, 29), datetime(2026, 7, 15)]})
    >>> nw.from_native(df).select(p=period_expression("t", "week"))["p"].to_list()
    ['2026-W01', '2026-W29']
    """
    check_choice("kind", kind, PERIOD_KINDS)
    time = nw.col(column)
    if kind == "week":
        return time.dt.to_string("%G-W%V")
    if kind == "month":
        return time.dt.to_string("%Y-%m")
    if kind == "year":
        return time.dt.to_string("%Y")
    quarter = ((time.dt.month() - 1) // 3 + 1).cast(nw.Int64).cast(nw.String)
    return nw.concat_str([time.dt.to_string("%Y"), nw.lit("Q"), quarter])


def with_periods(frame: Any, column: str, kind: PeriodKind = "quarter", *,
                 name: str | None = None) -> Any:
    """``frame`` with a column ``name`` (default: ``kind``) of each row's period.

    Parameters
    ----------
    frame : pandas, Polars (eager or lazy), PyArrow, DuckDB or PySpark frame
    column : str
        A timestamp (or date) column.
    kind : {"quarter", "month", "week", "year"}, default "quarter"
        ISO weeks as ``"2026-W01"`` (the ISO year: 2025-12-29 is in 2026-W01).
    name : str, optional
        The new column's name; an existing column of that name is replaced.

    Returns
    -------
    A frame of the same engine (lazy stays lazy; pandas: a copy labelled by
    `kpitools.period_labels`), with the labels as text.

    Raises
    ------
    KeyError
        ``column`` is not in the frame.
    TypeError
        ``column`` holds no timestamps, or ISO weeks are asked of Spark.

    Examples
    --------
    >>> import pandas as pd, polars as pl
    >>> df = pl.DataFrame({"t": pd.to_datetime(["2026-03-31", "2026-04-01", None])})
    >>> with_periods(df, "t")["quarter"].to_list()
    ['2026Q1', '2026Q2', None]
    """
    check_choice("kind", kind, PERIOD_KINDS)
    label = name if name is not None else kind
    names = column_names(frame)
    if column not in names:
        raise KeyError(f"column {column!r} not in the data; its columns are {names[:20]}")
    import pandas as pd

    if isinstance(frame, pd.DataFrame):
        out = frame.copy()
        out[label] = period_labels(out[column], kind)
        return out
    native = nw.from_native(frame)
    dtype = native.collect_schema()[column]
    if not (dtype.is_temporal() and dtype != nw.Duration and dtype != nw.Time):
        raise TypeError(f"column {column!r} is {dtype} on a {engine_name(frame)} frame; "
                        "periods need timestamps or dates (parse them on the engine first)")
    if kind == "week" and engine_name(frame) in SPARK_LIKE:
        raise TypeError("ISO week labels are not in Spark's date formats: label the weeks "
                        "with Spark's own weekofyear() and year of the week's Thursday, or "
                        "use quarters or months")
    return native.with_columns(**{label: period_expression(column, kind)}).to_native()
