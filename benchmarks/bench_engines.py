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

- The same with 100k teams (``--engine-groups 400,100k``): ~100 tickets per team at 10M.
- Median FRT over a folder of Parquet files read by DuckDB (``--parquet-rows 100M``;
  written once to ``/tmp/kpitools-bench`` in 5M-row files and kept): kt on the DuckDB
  relation against DuckDB SQL and a Polars ``scan_parquet`` query on the same files.

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
        return duckdb_table(df).table("t")
    if engine == "pyspark":
        frame = spark.createDataFrame(df.astype({c: str for c in df.columns
                                                 if isinstance(df[c].dtype,
                                                               pd.CategoricalDtype)}))
        frame = frame.cache()  # the rows live in Spark's memory, as a table would
        frame.count()
        return frame
    raise ValueError(engine)


def duckdb_table(table: Any) -> Any:
    """A DuckDB connection (2 threads) holding ``table`` (Arrow or pandas) as its table
    ``t``. A pandas frame's category columns become ENUM columns, as when DuckDB reads the
    frame itself (the ``duckdb`` peer): the same keys on every engine; an Arrow table's
    dictionaries become VARCHAR (text keys)."""
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    con.register("source_t", table)
    con.execute("CREATE TABLE t AS SELECT * FROM source_t")  # the rows live in DuckDB
    con.unregister("source_t")
    return con


def _duckdb_nps_same_table(con: Any, keys: list[str]) -> Callable[[], Any]:
    """The DuckDB peer's NPS SQL on table ``t`` of ``con``, the table kt reads."""
    from benchmarks import formulas as F

    cols = ", ".join(keys)
    sql = (f"SELECT {cols}, count(*) AS n, count_if(score >= 9) AS pro, "
           f"count_if(score <= 6) AS det FROM t GROUP BY {cols}")

    def run():
        r = con.execute(sql).fetchnumpy()
        return [r[k] for k in keys], F.nps_adjusted_wald(r["pro"], r["det"], r["n"])
    return run


def _on_engine(df: pd.DataFrame, engine: str, spark: Any) -> tuple[Any, Any]:
    """``df`` as ``engine``'s frame, and for DuckDB the connection holding its table ``t``
    (the ``duckdb on the table`` peer runs there; the ``duckdb`` peer reads the pandas
    frame; both see its category keys as ENUMs, as the table holds them)."""
    if engine != "duckdb":
        return to_engine(df, engine, spark), None
    con = duckdb_table(df)
    return con.table("t"), con


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
        frame, con = _on_engine(df, engine, spark)
        same = ([Method("duckdb on the table", _duckdb_nps_same_table(con, keys))]
                if con is not None else [])
        spark_peer = ([Method("pyspark groupBy", _spark_nps(frame, keys))]
                      if engine == "pyspark" else [])
        kind = _single_machine_kind(engine)
        return [
            Method(KT, _engine_kt(frame, kpi="nps", value="score", by=keys), "kt"),
            Method("kt.summarize pandas", lambda: kt.summarize(df, kpi="nps", value="score",
                                                               by=keys), "ref"),
            *spark_peer,
            Method("pandas groupby", bench_survey._pandas(df, "nps", keys), kind),
            Method("duckdb", bench_survey._duckdb(df, "nps", keys), kind),
            *same,
            Method("polars", bench_survey._polars(df, "nps", keys), kind),
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


def frt_case(engine: str, rows: int, seed: int, spark: Any = None,
             n_teams: int = bench_durations.N_TEAMS) -> Case:
    def setup() -> list[Method]:
        import kpitools as kt

        t, minutes, code = bench_durations.make_tickets(rows, seed, n_teams)
        frame, con = _on_engine(t, engine, spark)
        same = ([Method("duckdb on the table", bench_durations._duckdb_sql(con))]
                if con is not None else [])
        spark_peer = ([Method("pyspark groupBy", _spark_frt(frame))]
                      if engine == "pyspark" else [])
        kind = _single_machine_kind(engine)
        return [
            Method(KT, _engine_kt(frame, kpi="frt", by="team"), "kt"),
            Method("kt.summarize pandas", lambda: kt.summarize(t, kpi="frt", by="team"),
                   "ref"),
            *spark_peer,
            Method("pandas sort", bench_durations._pandas(t), kind),
            Method("duckdb", bench_durations._duckdb(t), kind),
            *same,
            Method("polars", bench_durations._polars(t), kind),
            Method("numpy", bench_durations._floor(minutes, code, n_teams), "floor"),
        ]

    normalize = _tables_as_kt(bench_durations.normalizer(n_teams))

    def verify(res: dict[str, Any]) -> None:
        verify_tables(res, normalize, ("estimate", "ci_low", "ci_high"))

    suffix = "" if n_teams == bench_durations.N_TEAMS else f"-g{n_teams}"
    return Case(f"median FRT by team, kt on {engine}", rows, n_teams, setup,
                verify, key=f"engine-frt-{engine}-{rows}{suffix}")


def _single_machine_kind(engine: str) -> str:
    """The in-process peers (pandas, DuckDB, Polars on the rows in this process) are
    peers on every engine but Spark: there they are shown for scale (``ref``) and kt is
    judged against Spark's own query on the same DataFrame — one chooses Spark for data
    one machine cannot hold, not to beat an in-process engine on 10M rows (a Spark job
    costs seconds of JVM scheduling whatever the size)."""
    return "ref" if engine == "pyspark" else "peer"


def _spark_nps(frame: Any, keys: list[str]) -> Callable[[], Any]:
    """What an expert writes in PySpark: one ``groupBy`` with conditional sums, then the
    adjusted-Wald NPS interval on the collected counts."""
    from pyspark.sql import functions as S

    from benchmarks import formulas as F

    def run():
        a = frame.groupBy(*keys).agg(
            S.count(S.lit(1)).alias("n"),
            S.sum(S.when(S.col("score") >= 9, 1).otherwise(0)).alias("pro"),
            S.sum(S.when(S.col("score") <= 6, 1).otherwise(0)).alias("det")).toPandas()
        n = a["n"].to_numpy(dtype=np.int64)
        return ([a[k].to_numpy() for k in keys],
                F.nps_adjusted_wald(a["pro"].to_numpy(dtype=np.int64),
                                    a["det"].to_numpy(dtype=np.int64), n))
    return run


def _spark_frt(frame: Any) -> Callable[[], Any]:
    """What an expert writes in PySpark for the median FRT and its order-statistic
    interval: minutes per row, each team's sorted list (``sort_array(collect_list)``),
    the median and the values at the interval's ranks read in Python."""
    from pyspark.sql import functions as S

    from benchmarks import formulas as F

    def run():
        minutes = (S.col("first_response_at").cast("double")
                   - S.col("created_at").cast("double")) / 60.0
        a = (frame.where(S.col("first_response_at").isNotNull())
             .select("team", minutes.alias("m"))
             .groupBy("team").agg(S.count(S.lit(1)).alias("n"),
                                  S.sort_array(S.collect_list("m")).alias("xs"))
             .toPandas())
        n = a["n"].to_numpy(dtype=np.int64)
        r, s = F.median_ranks(n)
        xs = [np.asarray(x, dtype=float) for x in a["xs"]]
        med = np.array([float(np.median(x)) for x in xs])
        low = np.array([x[i - 1] if i > 0 else 0.0 for x, i in zip(xs, r, strict=True)])
        high = np.array([x[j - 1] if j <= len(x) else np.inf
                         for x, j in zip(xs, s, strict=True)])
        return a["team"].to_numpy(), med, low, high
    return run


PARQUET_DIR = "/tmp/kpitools-bench"
PARQUET_CHUNK = 5_000_000


def parquet_folder(rows: int, seed: int) -> str:
    """A folder of Parquet files of ``rows`` tickets (team, created_at, first_response_at),
    written once in chunks of 5M rows (memory stays small) and kept between runs."""
    import os

    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = os.path.join(PARQUET_DIR, f"tickets-{rows}-{seed}")
    done = os.path.join(folder, "_complete")
    if os.path.exists(done):
        return folder
    os.makedirs(folder, exist_ok=True)
    for i, start in enumerate(range(0, rows, PARQUET_CHUNK)):
        t, _, _ = bench_durations.make_tickets(min(PARQUET_CHUNK, rows - start), seed + i)
        table = pa.Table.from_pandas(t.drop(columns="ticket_id"), preserve_index=False)
        pq.write_table(table, os.path.join(folder, f"part-{i:04d}.parquet"))
        del t, table
    open(done, "w").close()
    return folder


def parquet_case(rows: int, seed: int) -> Case:
    """Median FRT by team over a Parquet folder read by DuckDB (the rows stay on disk)."""
    def setup() -> list[Method]:
        import duckdb

        folder = parquet_folder(rows, seed)
        pattern = f"{folder}/*.parquet"
        con = duckdb.connect()
        con.execute("SET threads TO 2")
        relation = con.read_parquet(pattern)
        peer = duckdb.connect()
        peer.execute("SET threads TO 2")
        peer.execute(f"CREATE VIEW t AS SELECT * FROM read_parquet('{pattern}')")
        return [
            Method(KT, _engine_kt(relation, kpi="frt", by="team"), "kt"),
            Method("duckdb", bench_durations._duckdb_sql(peer)),
            Method("polars", _polars_scan(pattern)),
        ]

    normalize = _tables_as_kt(bench_durations._normalize)

    def verify(res: dict[str, Any]) -> None:
        verify_tables(res, normalize, ("estimate", "ci_low", "ci_high"))

    return Case("median FRT by team, Parquet folder, kt on duckdb", rows,
                bench_durations.N_TEAMS, setup, verify, key=f"engine-parquet-{rows}")


def _polars_scan(pattern: str) -> Callable[[], Any]:
    import polars as pl

    from benchmarks import formulas as F

    def run():
        d = pl.scan_parquet(pattern).filter(pl.col("first_response_at").is_not_null()).select(
            "team",
            m=(pl.col("first_response_at") - pl.col("created_at")).dt.total_seconds() / 60.0)
        a = d.group_by("team").agg(n=pl.len(), med=pl.col("m").median(),
                                   xs=pl.col("m").sort()).collect()
        n = a["n"].to_numpy().astype(np.int64)
        r, s = F.median_ranks(n)
        ends = a.select(
            lo=pl.col("xs").list.get(pl.lit(pl.Series(np.maximum(r, 1) - 1))),
            hi=pl.col("xs").list.get(pl.lit(pl.Series(np.minimum(s, n) - 1))))
        low = np.where(r > 0, ends["lo"].to_numpy(), 0.0)
        high = np.where(s <= n, ends["hi"].to_numpy(), np.inf)
        return a["team"].to_numpy(), a["med"].to_numpy(), low, high
    return run


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


def cases(rows_list: list[int], seed: int, *, spark: bool = False,
          groups: list[int] | None = None, parquet_rows: list[int] | None = None
          ) -> list[Case]:
    """NPS and median FRT (400 teams) on each engine at each size; median FRT with each
    other number of teams in ``groups``; the Parquet folder of each ``parquet_rows``."""
    session = spark_session() if spark else None
    engines = (*ENGINES, "pyspark") if spark else ENGINES
    out = []
    for rows in rows_list:
        for engine in engines:
            out.append(nps_case(engine, rows, seed, session))
            out.append(frt_case(engine, rows, seed, session))
            for n_teams in groups or []:
                if n_teams != bench_durations.N_TEAMS:
                    out.append(frt_case(engine, rows, seed, session, n_teams))
    out += [parquet_case(rows, seed) for rows in parquet_rows or []]
    return out


if __name__ == "__main__":
    from benchmarks.__main__ import main

    sys.exit(main(["--only", "engines", *sys.argv[1:]]))
