"""Median first-response time with its order-statistic (binomial) CI, by team and overall.

Data: ``--frt-rows`` tickets (default 1M) of 400 teams (categorical), ``created_at`` and
``first_response_at`` timestamps at whole seconds (as ticket systems store them), 2 % still
open (no first response: excluded by every method). FRT in minutes.

Every method returns per team the type-7 median and the interval ``[X_(r), X_(s)]`` with
``r, s`` the binomial ranks (``scipy.stats.binom.ppf`` at 2.5 % / 97.5 %, Conover), i.e.
exactly what ``kt.summarize(tickets, kpi="frt", by="team")`` documents:

- pandas: minutes by ``.dt.total_seconds()``, ``dropna``, one ``sort_values(["team", "m"])``;
  counts per team, then median and interval ends by position in the sorted values;
- DuckDB: a count query gives each team's n (ranks computed from it in Python and registered
  as a table), then one query: ``median(m)`` and ``list_sort(list(m))[r]``, ``[s]`` per team.
  (``quantile_disc`` takes a constant fraction, not a per-group rank, so it cannot return the
  exact order statistics);
- Polars: one ``group_by("team").agg(n, median, sorted list)``, ranks from n, ``list.get``;
- floor: minutes and int16 team codes precomputed (open tickets dropped), a stable
  ``argsort`` of the codes (radix), then per team one ``np.partition`` at the 4 ranks needed.

The ungrouped case (``kt.frt`` on all tickets, from the former ``bench_median_ci.py``) has
pandas (``median`` + sorted positions) and the floor (one ``np.partition``) as peers.

    .venv/bin/python -m benchmarks.bench_durations [--frt-rows 10M]
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from benchmarks import formulas as F
from benchmarks.harness import KT, Case, Method, assert_close, labels, verify_tables

N_TEAMS = 400
TEAMS = [f"team {i:03d}" for i in range(N_TEAMS)]


def team_names(n_teams: int = N_TEAMS) -> list[str]:
    return TEAMS if n_teams == N_TEAMS else [f"team {i:06d}" for i in range(n_teams)]


def make_tickets(rows: int, seed: int, n_teams: int = N_TEAMS
                 ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Tickets, plus the precomputed minutes and narrow team codes of answered tickets."""
    rng = np.random.default_rng(seed)
    code = rng.integers(0, n_teams, rows).astype(np.int16 if n_teams < 2**15 else np.int32)
    scale = rng.uniform(2.5, 3.5, n_teams)[code]  # each team its own typical FRT
    seconds = np.round(60.0 * rng.lognormal(mean=scale, sigma=1.2)).astype(np.int64)
    created = (np.datetime64("2026-01-01T00:00:00", "ns")
               + rng.integers(0, 180 * 86400, rows).astype("timedelta64[s]"))
    answered = created + seconds.astype("timedelta64[s]")
    open_ = rng.random(rows) < 0.02
    answered[open_] = np.datetime64("NaT")
    tickets = pd.DataFrame({
        "ticket_id": np.arange(rows, dtype=np.int64),
        "team": pd.Categorical.from_codes(code, categories=team_names(n_teams)),
        "created_at": created,
        "first_response_at": answered,
    })
    keep = ~open_
    return tickets, seconds[keep] / 60.0, code[keep]


def _pandas(t: pd.DataFrame):
    def run():
        m = (t["first_response_at"] - t["created_at"]).dt.total_seconds() / 60.0
        d = pd.DataFrame({"team": t["team"], "m": m}).dropna(subset=["m"])
        d = d.sort_values(["team", "m"])
        n = d.groupby("team", observed=True, sort=True).size()
        counts = n.to_numpy()
        start = np.cumsum(counts) - counts
        xs = d["m"].to_numpy()
        med = (xs[start + (counts - 1) // 2] + xs[start + counts // 2]) / 2.0
        low, high = F.bounds_from_sorted(xs, start, counts)
        return n.index, med, low, high
    return run


def _duckdb(t: pd.DataFrame):
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    con.register("t", t)
    return _duckdb_sql(con)


def _duckdb_sql(con):
    """The DuckDB peer on table or view ``t`` of connection ``con``."""
    count_sql = ("SELECT team::VARCHAR AS team, count(first_response_at) AS n FROM t "
                 "GROUP BY team")
    sql = """
        WITH d AS (
            SELECT team::VARCHAR AS team,
                   date_diff('second', created_at, first_response_at) / 60.0 AS m
            FROM t WHERE first_response_at IS NOT NULL),
        a AS (SELECT team, median(m) AS med, list_sort(list(m)) AS xs FROM d GROUP BY team)
        SELECT a.team, med,
               CASE WHEN r > 0 THEN xs[r] ELSE 0.0 END AS lo,
               CASE WHEN s <= n THEN xs[s] ELSE 'inf'::DOUBLE END AS hi
        FROM a JOIN ranks USING (team)"""

    def run():
        c = con.execute(count_sql).fetchnumpy()
        r, s = F.median_ranks(c["n"])
        con.register("ranks", pd.DataFrame({"team": c["team"], "n": c["n"], "r": r, "s": s}))
        out = con.execute(sql).fetchnumpy()
        con.unregister("ranks")
        return out["team"], out["med"], out["lo"], out["hi"]
    return run


def _polars(t: pd.DataFrame):
    import polars as pl

    pt = pl.from_pandas(t)

    def run():
        d = pt.filter(pl.col("first_response_at").is_not_null()).select(
            "team",
            m=(pl.col("first_response_at") - pl.col("created_at")).dt.total_seconds() / 60.0)
        a = d.group_by("team").agg(n=pl.len(), med=pl.col("m").median(),
                                   xs=pl.col("m").sort())
        n = a["n"].to_numpy().astype(np.int64)
        r, s = F.median_ranks(n)
        ends = a.select(
            lo=pl.col("xs").list.get(pl.lit(pl.Series(np.maximum(r, 1) - 1))),
            hi=pl.col("xs").list.get(pl.lit(pl.Series(np.minimum(s, n) - 1))))
        low = np.where(r > 0, ends["lo"].to_numpy(), 0.0)
        high = np.where(s <= n, ends["hi"].to_numpy(), np.inf)
        return a["team"].to_numpy(), a["med"].to_numpy(), low, high
    return run


def _floor(minutes: np.ndarray, code: np.ndarray, n_teams: int = N_TEAMS):
    def run():
        order = np.argsort(code, kind="stable")
        xs = minutes[order]
        n = np.bincount(code, minlength=n_teams)
        start = np.cumsum(n) - n
        r, s = F.median_ranks(n)
        med = np.full(n_teams, np.nan)
        low = np.full(n_teams, np.nan)
        high = np.full(n_teams, np.nan)
        for g in np.flatnonzero(n):
            m = int(n[g])
            ranks = sorted({(m - 1) // 2, m // 2, max(int(r[g]), 1) - 1, min(int(s[g]), m) - 1})
            seg = xs[start[g]:start[g] + m]
            seg.partition(ranks)
            med[g] = (seg[(m - 1) // 2] + seg[m // 2]) / 2.0
            low[g] = seg[r[g] - 1] if r[g] > 0 else 0.0
            high[g] = seg[s[g] - 1] if s[g] <= m else np.inf
        present = np.flatnonzero(n)
        return present, med[present], low[present], high[present]
    return run


def normalizer(n_teams: int = N_TEAMS):
    names = np.asarray(team_names(n_teams))

    def normalize(name, res) -> pd.DataFrame:
        if name == KT:
            key, est, low, high = res["team"], res["estimate"], res["ci_low"], res["ci_high"]
        else:
            key, est, low, high = res
            if name == "numpy":
                key = names[key]
        return pd.DataFrame({"estimate": np.asarray(est), "ci_low": np.asarray(low),
                             "ci_high": np.asarray(high)}, index=labels(key))
    return normalize


_normalize = normalizer()


def grouped_case(rows: int, seed: int) -> Case:
    def setup() -> list[Method]:
        import kpitools as kt

        t, minutes, code = make_tickets(rows, seed)
        return [
            Method(KT, lambda: kt.summarize(t, kpi="frt", by="team"), "kt"),
            Method("pandas sort", _pandas(t)),
            Method("duckdb", _duckdb(t)),
            Method("polars", _polars(t)),
            Method("numpy", _floor(minutes, code), "floor"),
        ]

    return Case("median FRT by team", rows, N_TEAMS, setup,
                lambda res: verify_tables(res, _normalize, ("estimate", "ci_low", "ci_high")),
                key=f"frt-team-{rows}")


def overall_case(rows: int, seed: int) -> Case:
    def setup() -> list[Method]:
        import kpitools as kt

        t, minutes, _ = make_tickets(rows, seed)

        def pandas_run():
            m = ((t["first_response_at"] - t["created_at"]).dt.total_seconds() / 60.0).dropna()
            xs = np.sort(m.to_numpy())
            n = np.array([len(xs)])
            low, high = F.bounds_from_sorted(xs, np.array([0]), n)
            return m.median(), low[0], high[0]

        def floor_run():
            x = minutes.copy()
            m = len(x)
            r, s = F.median_ranks(m)
            x.partition(sorted({(m - 1) // 2, m // 2, int(r) - 1, int(s) - 1}))
            return (x[(m - 1) // 2] + x[m // 2]) / 2.0, x[r - 1], x[s - 1]

        return [
            Method(KT, lambda: kt.frt(t), "kt"),
            Method("pandas sort", pandas_run),
            Method("numpy", floor_run, "floor"),
        ]

    def verify(res):
        k = res[KT]
        want = (k.estimate, k.ci_low, k.ci_high)
        for name, got in res.items():
            if name != KT:
                assert_close(name, got, want, what="median and CI")

    return Case("median FRT, all tickets", rows, 1, setup, verify, key=f"frt-all-{rows}")


def cases(rows_list: list[int], seed: int) -> list[Case]:
    out = [grouped_case(rows, seed) for rows in rows_list]
    out.append(overall_case(rows_list[0], seed))
    return out


if __name__ == "__main__":
    from benchmarks.__main__ import main

    sys.exit(main(["--only", "frt", *sys.argv[1:]]))
