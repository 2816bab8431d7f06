"""Frames on any engine, through Narwhals: which frames are taken, and the two queries run.

`kpitools.engines` sends two kinds of query to the engine that holds the data, written once
in Narwhals [Narwhals]_ so that they run unchanged on pandas, Polars (eager and lazy), PyArrow
tables, DuckDB relations and PySpark DataFrames:

* `frequency_table`: ``GROUP BY keys, value → count`` — how many rows have each value in
  each group. For a survey answer (a few distinct values) or a duration in whole seconds (a
  few thousand) the result is small whatever the number of rows, and it is sufficient for
  every statistic of the KPI (counts, means, order statistics).
* `duration_seconds`: the expression of a duration between two timestamp columns.
  Narwhals has no ``dt.total_seconds`` on Spark; there the timestamps are cast to epoch
  seconds (with their fractions) and subtracted, elsewhere the integer
  ``(end − start).dt.total_microseconds()`` is counted and divided by 10⁶ afterwards.

Only the small result is brought into Python (as pandas); the rows stay with the engine.

References
----------
.. [Narwhals] Gorelli ME et al. Narwhals: extremely lightweight compatibility layer between
   dataframe libraries. https://narwhals-dev.github.io/narwhals/
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import narwhals as nw
import pandas as pd

from kpitools.engines import memory

__all__ = [
    "categoricals_as_values",
    "ENGINES",
    "is_engine_frame",
    "engine_name",
    "as_lazy",
    "column_names",
    "frequency_table",
    "counted_by_engine",
    "duration_seconds",
]

#: The engines tested in the test matrix (``engine_name`` of their frames).
ENGINES: tuple[str, ...] = ("pandas", "polars", "pyarrow", "duckdb", "pyspark")

#: Narwhals names of the Spark-like engines
SPARK_LIKE = frozenset({"pyspark", "pyspark_connect", "sqlframe"})


def is_engine_frame(obj: Any) -> bool:
    """Whether ``obj`` is a data frame (eager or lazy) of an engine Narwhals supports.

    >>> import pandas as pd
    >>> is_engine_frame(pd.DataFrame({"a": [1]})), is_engine_frame([1, 2])
    (True, False)
    """
    frame = nw.from_native(obj, pass_through=True)
    return isinstance(frame, (nw.DataFrame, nw.LazyFrame))


def _frame(obj: Any) -> nw.DataFrame[Any] | nw.LazyFrame[Any]:
    frame = nw.from_native(obj, pass_through=True)
    if not isinstance(frame, (nw.DataFrame, nw.LazyFrame)):
        raise TypeError(f"expected a data frame (pandas, Polars, PyArrow, DuckDB, PySpark), "
                        f"got {type(obj).__name__}")
    return frame


def engine_name(obj: Any) -> str:
    """The engine of a frame: ``"pandas"``, ``"polars"``, ``"pyarrow"``, ``"duckdb"``,
    ``"pyspark"``, ... (Narwhals' name of its implementation, in lower case).

    >>> import pandas as pd
    >>> engine_name(pd.DataFrame({"a": [1]}))
    'pandas'
    """
    return str(_frame(obj).implementation.name).lower()


def as_lazy(obj: Any) -> nw.LazyFrame[Any]:
    """``obj`` as a Narwhals LazyFrame (an eager frame is wrapped, nothing is copied)."""
    frame = _frame(obj)
    return frame.lazy() if isinstance(frame, nw.DataFrame) else frame


def column_names(obj: Any) -> list[str]:
    """The column names of a frame (a lazy frame's schema, without running a query)."""
    frame = _frame(obj)
    return list(frame.collect_schema().names())


def _to_pandas(frame: nw.LazyFrame[Any]) -> pd.DataFrame:
    out = frame.collect().to_pandas()
    return out.reset_index(drop=True)


def frequency_table(obj: Any, by: Sequence[str], values: dict[str, Any] | str, *,
                    count: str = "count", sort: bool = False) -> pd.DataFrame:
    """``GROUP BY by, values`` with the number of rows of each combination, as pandas.

    Parameters
    ----------
    obj : frame
        Any frame `is_engine_frame` accepts.
    by : sequence of str
        Grouping columns (a missing key forms its own group, as in `kpitools.summarize`).
    values : str or dict
        A column name, or ``{name: Narwhals expression}`` computed on the engine first.
    count : str, default "count"
        Name of the count column.
    sort : bool, default False
        Sort the result by ``by`` and ``values`` on the engine (the order statistics of
        a frequency table then need no sort in Python).

    Returns
    -------
    DataFrame
        ``by`` columns, the ``values`` columns and ``count`` (int64): one row per distinct
        combination; nulls are kept as values. Category keys keep their category order
        (pandas categoricals, PyArrow dictionaries, Polars Enums) except Polars
        Categoricals, whose order is that of first sight: they come back as plain values,
        sorted by value like DuckDB's and Spark's strings.

    Examples
    --------
    >>> df = pd.DataFrame({"team": ["a", "a", "b"], "score": [9, 9, 3]})
    >>> frequency_table(df, ["team"], "score").sort_values("team").to_dict("list")
    {'team': ['a', 'b'], 'score': [9, 3], 'count': [2, 1]}
    """
    lazy = as_lazy(obj)
    if isinstance(values, str):
        names = [values]
    else:
        lazy = lazy.with_columns(**values)
        names = list(values)
    keys = [*by, *names]
    present = set(column_names(lazy))
    missing = [c for c in keys if c not in present]
    if missing:
        raise KeyError(f"columns {missing} not in the data; its columns are "
                       f"{column_names(obj)[:20]}")
    out = None if sort else _counted_here(obj, by, values, keys, count)
    if out is None:
        query = (lazy.select(keys).group_by(keys, drop_null_keys=False)
                 .agg(nw.len().alias(count)))
        if sort:
            query = query.sort(keys, nulls_last=True)
        out = _to_pandas(query)
        out[count] = out[count].astype("int64")
    if engine_name(obj) == "polars":
        categoricals_as_values(out, by, lazy.collect_schema())
    return out


def categoricals_as_values(table: pd.DataFrame, keys: Sequence[str], schema: Any
                           ) -> pd.DataFrame:
    """``table`` (brought back from a Polars frame of ``schema``) with its Polars
    Categorical ``keys`` as plain values, changed in place: a Polars Categorical has no
    order of its own (its categories come in the order first seen), so its groups are
    sorted by value, as DuckDB's and Spark's strings are. Pandas categoricals, PyArrow
    dictionaries and Polars Enums keep their order.

    >>> import polars as pl
    >>> lazy = nw.from_native(pl.LazyFrame({"team": ["b", "a"]}).cast({"team": pl.Categorical}))
    >>> out = categoricals_as_values(lazy.collect().to_pandas(), ["team"], lazy.collect_schema())
    >>> out["team"].dtype
    dtype('O')
    """
    for key in keys:
        if schema[key] == nw.Categorical:
            table[key] = table[key].astype(object)
    return table


def _counted_here(obj: Any, by: Sequence[str], values: dict[str, Any] | str,
                  keys: list[str], count: str) -> pd.DataFrame | None:
    """`frequency_table` of an in-memory frame counted with NumPy
    (`kpitools.engines.memory`): the same rows (one per combination, in another order),
    the same dtypes — each row taken from the frame itself; None where that does not
    apply."""
    exprs = {values: nw.col(values)} if isinstance(values, str) else values
    eager = memory.eager_columns(obj, list(by), exprs, max_rows=memory.counted_max_rows())
    if eager is None:
        return None
    got = memory.frequency_values(eager, keys)
    if got is None:
        return None
    combinations, counts = got
    out = combinations.to_pandas().reset_index(drop=True)
    out[count] = counts
    return out


def counted_by_engine(obj: Any, by: Sequence[str], column: str, name: str,
                      count: str) -> pd.DataFrame | None:
    """`frequency_table` of one plain column of a DuckDB relation or a PySpark DataFrame
    (``by``, ``column`` as ``name`` and ``count``), asked of the engine in its own API:
    DuckDB's ``aggregate`` of the relation, Spark's ``groupBy().agg()`` collected as Arrow
    — the same table without building and binding a Narwhals plan of four steps (DuckDB:
    about 2 ms a call at 1M rows; Spark: its schema asked once, not once a column: about
    0.25 s a call). None for another engine (or a PySpark before 4, without ``toArrow``).
    """
    frame = nw.from_native(obj, pass_through=True)
    impl = getattr(frame, "implementation", None)
    if impl is None:
        return None
    native = frame.to_native()
    if impl.is_duckdb():
        q = memory.quoted_name
        keys = "".join(f"{q(k)}, " for k in by)
        table = native.aggregate(f"{keys}{q(column)} AS {q(name)}, count(*) AS {q(count)}",
                                 f"{keys}{q(column)}").to_arrow_table()
    elif engine_name(obj) in ("pyspark", "pyspark_connect") and hasattr(native, "toArrow"):
        from pyspark.sql import functions as spark

        table = (native.groupBy(*(spark.col(k) for k in by), spark.col(column).alias(name))
                 .agg(spark.count(spark.lit(1)).alias(count)).toArrow())
    else:
        return None
    out = table.to_pandas().reset_index(drop=True)
    out[count] = out[count].astype("int64")
    return out


def duration_seconds(obj: Any, start: str, end: str) -> tuple[Any, float]:
    """Narwhals expression of the time from ``start`` to ``end``, and its units per second.

    Spark-like engines cast each timestamp to epoch seconds (Spark keeps the fraction) and
    subtract: units per second 1. The others take ``dt.total_microseconds`` of the
    difference, an integer (grouping on integers is faster than on floats): units per
    second 10⁶. Divide by the units per second in Python, after counting. Null if either
    timestamp is.
    """
    if engine_name(obj) in SPARK_LIKE:
        return nw.col(end).cast(nw.Float64) - nw.col(start).cast(nw.Float64), 1.0
    return (nw.col(end) - nw.col(start)).dt.total_microseconds(), 1_000_000.0
