"""kpitools on each engine (`kpitools.engines`) against the expert peers on the same data.

One case per (KPI, engine): the first method is ``kpitools.engines.summarize`` on the data as
that engine's frame — Polars LazyFrame, PyArrow table, DuckDB relation (and a Spark
DataFrame in local mode with ``--spark``) — and the peers are those of `bench_survey` and
`bench_durations` on the same rows: pandas ``groupby``, DuckDB SQL, Polars, the fused NumPy
floor; ``kt.summarize`` on the pandas frame is shown as a reference. Every method's numbers
are checked against kpitools' to 1e-9 before timing.

- NPS by team × quarter (400 groups): the engine counts (team, quarter, score) in one
  ``GROUP BY``; Python classifies the 11 scores and sums.
- Median FRT by team (400 groups) with its order-statistic interval: the engine computes
  seconds and a frequency table (team, seconds, count); the order statistics come from it.

    .venv/bin/python -m benchmarks.bench_engines [--engine-rows 10M] [--spark]
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from benchmarks import bench_durations, bench_survey
from benchmarks.harness import KT, Case, Method, verify_tables

ENGINES = ("polars_lazy", "pyarrow", "duckdb")


def to_engine(df: pd.DataFrame, engine: str, spark: Any = None) -> Any:
    """``df`` as a frame of ``engine`` (not timed: the data lives there already)."""
    import pyarrow as pa

    table = pa.Table.from_pandas(df, preserve_index=False)
    if engine == "pyarrow":
        return table
    if engine == "polars_lazy":
        import polars as pl

        return pl.from_arrow(table).lazy()
    if engine == "duckdb":
        import duckdb

        con = duckdb.connect()
        con.execute("SET threads TO 2")
        con.register("arrow_t", table)
        con.execute("CREATE TABLE t AS SELECT * FROM arrow_t")  # the rows live in DuckDB
        con.unregister("arrow_t")
        return con.table("t")
    if engine == "pyspark":
        frame = spark.createDataFrame(df.astype({c: str for c in df.columns
                                                 if isinstance(df[c].dtype,
                                                               pd.CategoricalDtype)}))
        frame = frame.cache()  # the rows live in Spark's memory, as a table would
        frame.count()
        return frame
    raise ValueError(engine)


def _engine_kt(frame: Any, **kwargs: Any) -> Callable[[], pd.DataFrame]:
    from kpitools import engines

    return lambda: engines.summarize(frame, **kwargs)


def _tables_as_kt(normalize: Callable[[str, Any], pd.DataFrame]
                  ) -> Callable[[str, Any], pd.DataFrame]:
    """A peer's normaliser that reads every kpitools table (pandas reference too) as kt's."""
    def run(name: str, res: Any) -> pd.DataFrame:
        return normalize(KT if isinstance(res, pd.DataFrame) else name, res)
    return run


def nps_case(engine: str, rows: int, seed: int, spark: Any = None) -> Case:
    keys = ["team", "quarter"]
    n_groups = bench_survey.N_TEAMS * len(bench_survey.QUARTERS)

    def setup() -> list[Method]:
        import kpitools as kt

        df, group = bench_survey.make_survey(rows, seed)
        frame = to_engine(df, engine, spark)
        return [
            Method(KT, _engine_kt(frame, kpi="nps", value="score", by=keys), "kt"),
            Method("kt.summarize pandas", lambda: kt.summarize(df, kpi="nps", value="score",
                                                               by=keys), "ref"),
            Method("pandas groupby", bench_survey._pandas(df, "nps", keys)),
            Method("duckdb", bench_survey._duckdb(df, "nps", keys)),
            Method("polars", bench_survey._polars(df, "nps", keys)),
            Method("numpy", bench_survey._floor(df, "nps", group, n_groups), "floor"),
        ]

    def floor_labels(codes):
        codes = np.asarray(codes)
        q = len(bench_survey.QUARTERS)
        return [np.asarray(bench_survey.TEAMS)[codes // q],
                np.asarray(bench_survey.QUARTERS)[codes % q]]

    normalize = _tables_as_kt(bench_survey._normalizer(keys, floor_labels))

    def verify(res: dict[str, Any]) -> None:
        verify_tables(res, normalize, ("estimate", "ci_low", "ci_high"))

    return Case(f"nps team×quarter, kt on {engine}", rows, n_groups, setup, verify,
                key=f"engine-nps-{engine}-{rows}")


def frt_case(engine: str, rows: int, seed: int, spark: Any = None) -> Case:
    def setup() -> list[Method]:
        import kpitools as kt

        t, minutes, code = bench_durations.make_tickets(rows, seed)
        frame = to_engine(t, engine, spark)
        return [
            Method(KT, _engine_kt(frame, kpi="frt", by="team"), "kt"),
            Method("kt.summarize pandas", lambda: kt.summarize(t, kpi="frt", by="team"),
                   "ref"),
            Method("pandas sort", bench_durations._pandas(t)),
            Method("duckdb", bench_durations._duckdb(t)),
            Method("polars", bench_durations._polars(t)),
            Method("numpy", bench_durations._floor(minutes, code), "floor"),
        ]

    normalize = _tables_as_kt(bench_durations._normalize)

    def verify(res: dict[str, Any]) -> None:
        verify_tables(res, normalize, ("estimate", "ci_low", "ci_high"))

    return Case(f"median FRT by team, kt on {engine}", rows, bench_durations.N_TEAMS, setup,
                verify, key=f"engine-frt-{engine}-{rows}")


def spark_session() -> Any:
    """A local-mode Spark session on every core of the machine."""
    import warnings

    from pyspark.sql import SparkSession

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        session = (SparkSession.builder.master("local[*]").appName("kpitools-bench")
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.sql.session.timeZone", "UTC")
                   .config("spark.sql.shuffle.partitions", "4")
                   .config("spark.driver.memory", "4g").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    return session


def cases(rows_list: list[int], seed: int, *, spark: bool = False) -> list[Case]:
    session = spark_session() if spark else None
    engines = (*ENGINES, "pyspark") if spark else ENGINES
    out = []
    for rows in rows_list:
        for engine in engines:
            out.append(nps_case(engine, rows, seed, session))
            out.append(frt_case(engine, rows, seed, session))
    return out


if __name__ == "__main__":
    from benchmarks.__main__ import main

    sys.exit(main(["--only", "engines", *sys.argv[1:]]))
