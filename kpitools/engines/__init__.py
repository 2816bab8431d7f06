"""KPIs on any engine: sufficient statistics computed where the data is, statistics here.

`kpitools.summarize` and `kpitools.compare` take pandas, Polars (eager and lazy), PyArrow
tables, DuckDB relations and PySpark DataFrames; for a frame that is not pandas they call
this layer, which asks the frame's own engine (through Narwhals) for a small per-group table
— category counts, moments, or a frequency table of durations — and computes the KPI, its
interval and its tests from that table in Python, identically for every engine.

Layer 4 (beside `kpitools.kpis`): the queries (`kpitools.engines.frames`) import nothing of
the KPIs; the statistics (`kpitools.engines.statistics`) classify values with the KPIs' own
code and use their count-level intervals. `kpitools.grouping` calls it.
"""

from kpitools.engines.comparisons import ComparisonInput, comparison_input
from kpitools.engines.frames import (
    ENGINES,
    as_lazy,
    column_names,
    duration_seconds,
    engine_name,
    frequency_table,
    is_engine_frame,
)
from kpitools.engines.periods import period_expression, with_periods
from kpitools.engines.statistics import (
    ENGINE_KPIS,
    SCALE_KPIS,
    SufficientStatistics,
    aggregated_table,
    statistics_table,
    sufficient_statistics,
    summarize,
)
from kpitools.engines.tables import duckdb_tables

__all__ = [
    "ComparisonInput",
    "ENGINES",
    "ENGINE_KPIS",
    "SCALE_KPIS",
    "SufficientStatistics",
    "aggregated_table",
    "as_lazy",
    "column_names",
    "comparison_input",
    "duckdb_tables",
    "duration_seconds",
    "engine_name",
    "frequency_table",
    "is_engine_frame",
    "period_expression",
    "statistics_table",
    "sufficient_statistics",
    "summarize",
    "with_periods",
]
