"""The KPIs decided from several columns, on engines: kt on DuckDB and Polars against kt on
pandas (the named baseline) and, where one query says it, the same KPI in DuckDB SQL.

Simulated data (numpy): ``--engine-rows`` tickets over 2025 (40 teams, 300k customers, 10 %
unresolved) and half as many customers (three segments, 30 % gone within 900 days):

- ``backlog`` by team at 2025-06-30 (SQL peer: one count per team);
- ``nia`` by team, 7 days (SQL peer: ``LEAD`` over each customer's contacts, then a count);
- ``churn_rate`` by segment in 2025Q3 (SQL peer: the period's counts per segment);
- ``nrr`` by segment in 2025Q3, 999 bootstrap resamples (no SQL peer: the interval
  resamples customers).

Every method's estimates must equal kt's on pandas (to 1e-9), intervals too for kt on
each engine. Opt-in: ``python -m benchmarks --only engine-kpis --engine-rows 2M``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.bench_engines import duckdb_table
from benchmarks.harness import KT, Case, Method, assert_close

N_TEAMS = 40
AT = "2025-06-30"
PERIOD = ("2025-07-01", "2025-10-01")  # 2025Q3


def make_tickets(n: int, seed: int) -> pd.DataFrame:
    """``n`` tickets created over 2025 by 300k customers; resolution ~ 1 day, 10 % open."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2025-01-01T00:00:00")
    created = start + rng.integers(0, 365 * 86400, n).astype("timedelta64[s]")
    resolved = created + rng.exponential(86400, n).astype("timedelta64[s]")
    resolved = np.where(rng.random(n) < 0.1, np.datetime64("NaT"), resolved)
    return pd.DataFrame({
        "ticket_id": np.arange(n), "customer_id": rng.integers(0, 300_000, n),
        "team": pd.Categorical(rng.choice([f"T{i:02d}" for i in range(N_TEAMS)], n)),
        "created_at": created.astype("datetime64[ns]"),
        "resolved_at": pd.to_datetime(resolved)})


def make_customers(n: int, seed: int) -> pd.DataFrame:
    """``n`` customers who started in 2022–2025; 30 % left within 900 days."""
    rng = np.random.default_rng(seed + 1)
    start = np.datetime64("2025-01-01") + rng.integers(-3 * 365, 365, n).astype(
        "timedelta64[D]")
    end = np.where(rng.random(n) < 0.3, start + rng.integers(1, 900, n).astype(
        "timedelta64[D]"), np.datetime64("NaT"))
    return pd.DataFrame({
        "customer_id": np.arange(n),
        "segment": pd.Categorical(rng.choice(["SMB", "Mid-market", "Enterprise"], n)),
        "start_date": start.astype("datetime64[ns]"), "end_date": pd.to_datetime(end),
        "mrr": rng.gamma(2.0, 50.0, n)})


def _polars_lazy(df: pd.DataFrame) -> Any:
    import polars as pl

    return pl.from_pandas(df).lazy()


def _sql(con: Any, sql: str, key: str, value: str) -> Callable[[], pd.DataFrame]:
    def run() -> pd.DataFrame:
        out = con.execute(sql).df()
        return pd.DataFrame({key: out[key].astype(str), "estimate": out[value]})
    return run


def _backlog_sql(con: Any) -> Callable[[], pd.DataFrame]:
    return _sql(con, f"SELECT team, count(*) FILTER (WHERE created_at <= TIMESTAMP '{AT}' "
                     f"AND (resolved_at IS NULL OR resolved_at > TIMESTAMP '{AT}')) AS n "
                     "FROM t GROUP BY team", "team", "n")


def _nia_sql(con: Any) -> Callable[[], pd.DataFrame]:
    end = ("(SELECT max(created_at) FROM t WHERE created_at IS NOT NULL "
           "AND customer_id IS NOT NULL)")
    return _sql(con, f"""
        WITH f AS (SELECT team, created_at, lead(created_at) OVER (PARTITION BY customer_id
                          ORDER BY created_at, ticket_id) AS nxt FROM t)
        SELECT team, 100.0 * count(*) FILTER (WHERE NOT followed) / count(*) AS nia FROM (
            SELECT team, created_at, coalesce(nxt - created_at <= INTERVAL 7 DAY, false)
                   AS followed FROM f)
        WHERE followed OR created_at + INTERVAL 7 DAY <= {end}
        GROUP BY team""", "team", "nia")


def _churn_sql(con: Any) -> Callable[[], pd.DataFrame]:
    t0, t1 = PERIOD
    return _sql(con, f"""
        SELECT segment, 100.0 * count(*) FILTER (WHERE end_date < DATE '{t1}')
               / count(*) AS churn FROM c
        WHERE start_date < DATE '{t0}' AND (end_date IS NULL OR end_date >= DATE '{t0}')
        GROUP BY segment""", "segment", "churn")


#: (key, table, kpi, by, options, SQL peer or None)
_CASES: tuple[tuple[str, str, str, str, dict[str, Any], Any], ...] = (
    ("backlog", "tickets", "backlog", "team", {"at": AT}, _backlog_sql),
    ("nia", "tickets", "nia", "team", {"days": 7}, _nia_sql),
    ("churn", "customers", "churn_rate", "segment", {"period": "2025Q3"}, _churn_sql),
    ("nrr", "customers", "nrr", "segment", {"period": "2025Q3", "n_resamples": 999}, None),
)


def _case(key: str, table: str, kpi: str, by: str, options: dict[str, Any], sql: Any,
          engine: str, rows: int, seed: int) -> Case:
    n = rows if table == "tickets" else rows // 2
    groups = N_TEAMS if table == "tickets" else 3

    def setup() -> list[Method]:
        import kpitools as kt

        df = make_tickets(n, seed) if table == "tickets" else make_customers(n, seed)
        con = duckdb_table(df)
        if table == "customers":
            con.execute("CREATE TABLE c AS SELECT * FROM t")
        frame = con.table("t") if engine == "duckdb" else _polars_lazy(df)
        methods = [Method(KT, lambda: kt.summarize(frame, kpi=kpi, by=by, **options), "kt"),
                   Method("kt.summarize pandas (baseline)",
                          lambda: kt.summarize(df, kpi=kpi, by=by, **options))]
        if sql is not None:
            methods.append(Method("duckdb SQL", sql(con)))
        return methods

    def verify(results: dict[str, Any]) -> None:
        def indexed(res: pd.DataFrame) -> pd.DataFrame:
            return res.assign(**{by: res[by].astype(str)}).set_index(by).sort_index()

        want = indexed(results[KT])
        for name, res in results.items():
            if name == KT:
                continue
            got = indexed(res)
            columns = ("estimate",) if name == "duckdb SQL" else ("estimate", "ci_low",
                                                                  "ci_high")
            for col in columns:
                assert_close(name, got[col].to_numpy(float), want[col].to_numpy(float),
                             what=col)

    note = f"{kpi} by {by}; {n:,} {table}"
    return Case(f"{kpi} by {by}, kt on {engine}", n, groups, setup, verify, note=note,
                key=f"engine-kpis-{key}-{engine}-{n}")


def cases(rows_list: list[int], seed: int) -> list[Case]:
    """Each KPI of `_CASES` on DuckDB and Polars lazy at each size."""
    return [_case(*spec, engine, rows, seed) for rows in rows_list for spec in _CASES
            for engine in ("duckdb", "polars_lazy")]


if __name__ == "__main__":
    from benchmarks.__main__ import main

    sys.exit(main(["--only", "engine-kpis", *sys.argv[1:]]))
