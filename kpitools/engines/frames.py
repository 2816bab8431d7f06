"""Frames on any engine, through Narwhals: which frames are taken, and the two queries run.

`kpitools.engines` sends two kinds of query to the engine that holds the data, written once
in Narwhals [Narwhals]_ so that they run unchanged on pandas, Polars (eager and lazy), PyArrow
tables, DuckDB relations and PySpark DataFrames:

* `frequency_table`: ``GROUP BY keys, value → count`` — how many rows have each value in
  each group. For a survey answer (a few distinct values) or a duration in whole seconds (a
  few thousand) the result is small whatever the number of rows, and it is sufficient for
  every statistic of the KPI (counts, means, order statistics).
  With frequency weights (``weight=``: each row stands for that many answers) the count
  of each combination is the sum of the weights instead (`check_weights` refuses weights
  that are not whole numbers ≥ 0 first).
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
import numpy as np
import pandas as pd

from kpitools.core.errors import DataValidationError
from kpitools.engines import memory

__all__ = [
    "categoricals_as_values",
    "ENGINES",
    "is_engine_frame",
    "engine_name",
    "as_lazy",
    "column_names",
    "frequency_table",
    "counted_arrow_by_engine",
    "counts_to_pandas",
    "check_weights",
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
                    count: str = "count", sort: bool = False,
                    weight: str | None = None) -> pd.DataFrame:
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
    weight : str, optional
        A column of frequency weights (each row stands for that many rows): ``count`` is
        the sum of the weights of each combination instead of its number of rows, and a
        combination whose weights sum to 0 is left out (as the rows repeated ``weight``
        times would have it). The weights must be whole numbers ≥ 0 (`check_weights`;
        not checked here).

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
    >>> df["w"] = [3, 1, 0]
    >>> frequency_table(df, ["team"], "score", weight="w").to_dict("list")
    {'team': ['a'], 'score': [9], 'count': [4]}
    """
    lazy = as_lazy(obj)
    if isinstance(values, str):
        names = [values]
    else:
        lazy = lazy.with_columns(**values)
        names = list(values)
    keys = [*by, *names]
    present = set(column_names(lazy))
    missing = [c for c in [*keys, *([weight] if weight is not None else [])]
               if c not in present]
    if missing:
        raise KeyError(f"columns {missing} not in the data; its columns are "
                       f"{column_names(obj)[:20]}")
    out = None if sort or weight is not None else _counted_here(obj, by, values, keys, count)
    if out is None:
        if weight is None:
            query = (lazy.select(keys).group_by(keys, drop_null_keys=False)
                     .agg(nw.len().alias(count)))
        else:  # summed as float64: exact for whole numbers up to 2**53, on every engine
            query = (lazy.select(*keys, nw.col(weight).cast(nw.Float64).alias(count))
                     .group_by(keys, drop_null_keys=False).agg(nw.col(count).sum()))
        if sort:
            query = query.sort(keys, nulls_last=True)
        out = _to_pandas(query)
        out = _as_counts(out, count, weighted=weight is not None)
    if engine_name(obj) == "polars":
        categoricals_as_values(out, by, lazy.collect_schema())
    return out


def _as_counts(table: pd.DataFrame, count: str, *, weighted: bool) -> pd.DataFrame:
    """``table`` with its ``count`` column as int64; summed weights: the combinations whose
    weights sum to 0 left out."""
    if not weighted:
        table[count] = table[count].astype("int64")
        return table
    counts = pd.to_numeric(table[count]).to_numpy(dtype=float)
    if (counts == 0).any():
        table = table[counts != 0].reset_index(drop=True)
        counts = counts[counts != 0]
    table[count] = counts.astype(np.int64)
    return table


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


def counts_to_pandas(table: Any, count: str, *, weighted: bool) -> pd.DataFrame:
    """A table of `counted_arrow_by_engine` as `frequency_table` gives it: pandas, the
    ``count`` column int64 (summed weights: the entries summing to 0 left out)."""
    return _as_counts(table.to_pandas().reset_index(drop=True), count, weighted=weighted)


def counted_arrow_by_engine(obj: Any, by: Sequence[str], column: str, name: str,
                            count: str, *, weight: str | None = None) -> Any:
    """`frequency_table` of one plain column of a DuckDB relation or a PySpark DataFrame
    (``by``, ``column`` as ``name`` and ``count``), asked of the engine in its own API:
    DuckDB's ``aggregate`` of the relation, Spark's ``groupBy().agg()`` collected as Arrow
    — the same table without building and binding a Narwhals plan of four steps (DuckDB:
    about 2 ms a call at 1M rows; Spark: its schema asked once, not once a column: about
    0.25 s a call). None for another engine (or a PySpark before 4, without ``toArrow``).
    With ``weight``, ``count`` sums that column (as `frequency_table` does).

    The table comes as the engine gives it, a PyArrow table (``count`` an integer column,
    or with ``weight`` a float one, its entries summing to 0 kept), for a caller that codes
    it without pandas (`counts_to_pandas` converts it).

    >>> import duckdb
    >>> rel = duckdb.connect().sql("SELECT * FROM (VALUES ('a', 9), ('a', 9), ('b', 3)) t(k, s)")
    >>> table = counted_arrow_by_engine(rel, ["k"], "s", "value", "n")
    >>> sorted(zip(*table.to_pydict().values()))
    [('a', 9, 2), ('b', 3, 1)]
    """
    frame = nw.from_native(obj, pass_through=True)
    impl = getattr(frame, "implementation", None)
    if impl is None:
        return None
    native = frame.to_native()
    if impl.is_duckdb():
        q = memory.quoted_name
        keys = "".join(f"{q(k)}, " for k in by)
        counted = ("count(*)" if weight is None
                   else f"sum(CAST({q(weight)} AS DOUBLE))")
        return native.aggregate(f"{keys}{q(column)} AS {q(name)}, {counted} AS {q(count)}",
                                f"{keys}{q(column)}").to_arrow_table()
    if engine_name(obj) in ("pyspark", "pyspark_connect") and hasattr(native, "toArrow"):
        from pyspark.sql import functions as spark

        summed = (spark.count(spark.lit(1)) if weight is None
                  else spark.sum(spark.col(weight).cast("double")))
        return (native.groupBy(*(spark.col(k) for k in by), spark.col(column).alias(name))
                .agg(summed.alias(count)).toArrow())
    return None


#: Offending weights a message lists (distinct values, each with its number of rows).
_WEIGHTS_SHOWN = 10
#: What makes a weight unusable, in the order a message lists them.
_WEIGHT_PROBLEMS = ("missing", "not a number", "infinite", "negative", "not whole")


def check_weights(obj: Any, weight: str) -> None:
    """Refuse frequency weights that are not whole numbers ≥ 0.

    A weight says how many answers a row stands for: missing, non-numeric (text, yes/no,
    dates), infinite, negative and fractional weights raise a `DataValidationError`
    naming the column, the offending values and how many rows hold each — on a pandas
    frame also the first rows (their index labels), checked with NumPy; on another engine
    counted by one aggregate query (a second one, only when some are refused, fetches the
    offending values).

    Raises
    ------
    DataValidationError

    Examples
    --------
    >>> df = pd.DataFrame({"nps": [9, 3, 10, 8], "w": [2, -1, 0.5, -1]})
    >>> try:
    ...     check_weights(df, "w")
    ... except DataValidationError as err:
    ...     print(err)
    column 'w': frequency weights must be whole numbers ≥ 0 (each row stands for that many
    answers); 3 rows refused (2 negative, 1 not whole): -1.0 in 2 rows, 0.5 in 1 row (rows
    1, 2, 3: -1.0, 0.5, -1.0)
    >>> df["w"] = [2, 0, 1, 3]
    >>> check_weights(df, "w")  # whole numbers ≥ 0: nothing to say
    """
    if isinstance(obj, pd.DataFrame):
        _check_pandas_weights(obj, weight)
        return
    lazy = as_lazy(obj)
    dtype = lazy.collect_schema()[weight]
    column = nw.col(weight)
    if not dtype.is_numeric():
        counted = lazy.select(nw.len().alias("rows"),
                              column.null_count().alias("missing")).collect().to_pandas()
        rows, missing = int(counted["rows"].iloc[0]), int(counted["missing"].iloc[0])
        kinds = {"missing": missing, "not a number": rows - missing}
        _refuse_weights(weight, kinds, _weight_values(lazy, weight, None), engine_name(obj),
                        note=f" (the column is {dtype}: cast it to a number)")
    if dtype.is_integer():
        problems = {"missing": column.is_null(), "negative": column < 0}
    else:
        w = column.cast(nw.Float64)
        problems = {"missing": w.is_null() | w.is_nan(),
                    "infinite": ~w.is_finite() & ~w.is_nan(),
                    "negative": w.is_finite() & (w < 0),
                    "not whole": w.is_finite() & (w >= 0) & (w.floor() != w)}
    counted = lazy.select(*(flag.cast(nw.Int64).sum().alias(name)
                            for name, flag in problems.items())).collect().to_pandas()
    kinds = {name: int(counted[name].fillna(0).iloc[0]) for name in problems}
    if not any(kinds.values()):
        return
    bad = None
    for flag in problems.values():
        bad = flag if bad is None else bad | flag
    _refuse_weights(weight, kinds, _weight_values(lazy, weight, bad), engine_name(obj))


def _weight_values(lazy: nw.LazyFrame[Any], weight: str, bad: Any
                   ) -> list[tuple[Any, int]]:
    """The most frequent offending weights (all values when ``bad`` is None) and their
    numbers of rows, asked of the engine."""
    rows = lazy.filter(bad) if bad is not None else lazy
    table = (rows.group_by(weight, drop_null_keys=False).agg(nw.len().alias("__rows"))
             .sort("__rows", descending=True).head(_WEIGHTS_SHOWN).collect().to_pandas())
    return [(v, int(c)) for v, c in zip(table[weight].tolist(), table["__rows"].tolist(),
                                        strict=True)]


def _check_pandas_weights(frame: pd.DataFrame, weight: str) -> None:
    """`check_weights` of a pandas frame, naming the first offending rows."""
    import decimal

    raw = frame[weight]
    dtype = raw.dtype
    missing = raw.isna().to_numpy()
    values = np.full(len(raw), np.nan)
    text = np.zeros(len(raw), dtype=bool)
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        values = raw.to_numpy(dtype=float, na_value=np.nan)
    elif pd.api.types.is_object_dtype(dtype):  # numbers kept as objects are numbers
        number = np.fromiter(
            (isinstance(v, (int, float, np.integer, np.floating, decimal.Decimal))
             and not isinstance(v, (bool, np.bool_)) for v in raw.to_numpy(dtype=object)),
            dtype=bool, count=len(raw))
        text = ~number & ~missing
        values[number] = raw.to_numpy(dtype=object)[number].astype(float)
    else:  # text, yes/no, dates, categories: not numbers
        text = ~missing
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(values)
        problems = {"missing": missing, "not a number": text,
                    "infinite": ~missing & ~text & ~finite,
                    "negative": finite & (values < 0),
                    "not whole": finite & (values >= 0) & (values != np.floor(values))}
    bad = np.logical_or.reduce(list(problems.values()))
    if not bad.any():
        return
    kinds = {name: int(flag.sum()) for name, flag in problems.items()}
    offending = raw[bad]
    counts = offending.value_counts(dropna=False, sort=True).head(_WEIGHTS_SHOWN)
    at = np.flatnonzero(bad)[:5]
    _refuse_weights(weight, kinds, list(zip(counts.index.tolist(), counts.tolist(),
                                            strict=True)), None,
                    rows=frame.index[at].tolist(), values=raw.iloc[at].tolist())


def _refuse_weights(weight: str, kinds: dict[str, int], shown: list[tuple[Any, int]],
                    engine: str | None, *, note: str = "", rows: Sequence[Any] = (),
                    values: Sequence[Any] = ()) -> None:
    """Raise the `DataValidationError` of `check_weights`."""
    total = sum(kinds.values())
    which = ", ".join(f"{kinds[name]:,} {name}" for name in _WEIGHT_PROBLEMS
                      if kinds.get(name))

    def text(v: Any) -> str:
        if v is None or (pd.api.types.is_scalar(v) and pd.isna(v)):
            return "missing"
        return repr(v.item() if isinstance(v, np.generic) else v)

    listed = ", ".join(f"{text(v)} in {c:,} row{'s' if c != 1 else ''}" for v, c in shown)
    where = ("" if engine is None else f"; rows of a {engine} frame are not numbered: filter "
             "on these values to find them")
    raise DataValidationError(
        f"frequency weights must be whole numbers ≥ 0 (each row stands for that many "
        f"answers){note}; {total:,} row{'s' if total != 1 else ''} refused ({which}): "
        f"{listed}{where}", column=weight, rows=rows, values=values)


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
