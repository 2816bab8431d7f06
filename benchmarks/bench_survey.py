"""Grouped NPS and CSAT: ``kt.summarize`` against pandas, DuckDB, Polars and a fused floor.

Cases (``--rows`` sets the survey size, default 1M; ``--groups`` the many-groups case):

- NPS and CSAT by team × quarter (50 × 8 = 400 groups) with **categorical** keys;
- the same with **object** (Python string) keys, what ``read_csv`` gives;
- NPS by ``customer_id`` (int64) with many groups (``--groups``, default 100k): small groups,
  so the small-sample warning path runs too.

Every method returns each group's estimate and 95 % interval (adjusted Wald for NPS, Wilson
for CSAT), computed vectorised from per-group counts:

- pandas: one ``groupby([*keys, category], observed=True).size().unstack()`` (the fastest
  idiomatic spelling measured, ahead of ``agg`` of boolean sums and ``value_counts``);
- DuckDB: ``count(*)``/``count_if`` per group over the registered pandas frame (SQL);
- Polars: ``group_by(keys).agg(...)`` on the same data converted to Polars beforehand
  (a Polars user has it there already); DuckDB and Polars use both cores;
- floor: one fused ``np.bincount`` pass of ``group_code * k + category_code``, block by
  block in a reused buffer, on codes precomputed outside the timing (int16/int32 group
  codes, int8 categories), then the arithmetic. No validation, no frame: the least work a
  correct answer needs.

kpitools additionally maps the scores to categories, validates them (0–10 integers,
missing values) and returns a tidy frame, in the same kind of fused block-wise pass
(`kpitools.tables.keys.grouped_scale_counts`); that is part of its cost and of what it
offers.

    .venv/bin/python -m benchmarks.bench_survey [--rows 10M] [--groups 1M] [--memory]
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
import pandas as pd

from benchmarks import formulas as F
from benchmarks.harness import KT, Case, Method, labels, verify_tables

N_TEAMS = 50
QUARTERS = [f"{y}Q{q}" for y in (2024, 2025) for q in (1, 2, 3, 4)]
TEAMS = [f"team {i:02d}" for i in range(N_TEAMS)]


def make_survey(rows: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """``rows`` answers (0–10 ``score``, 1–5 ``rating``); each team × quarter its own mix.

    Returns the frame (categorical keys) and the combined group code (team × 8 + quarter).
    """
    rng = np.random.default_rng(seed)
    team_code = rng.integers(0, N_TEAMS, rows, dtype=np.int16)
    quarter_code = rng.integers(0, len(QUARTERS), rows, dtype=np.int16)
    group = team_code * len(QUARTERS) + quarter_code
    n_groups = N_TEAMS * len(QUARTERS)
    p_pro = rng.uniform(0.25, 0.6, n_groups)
    p_det = rng.uniform(0.05, 0.3, n_groups)
    u = rng.random(rows)
    cut_det, cut_pro = p_det[group], 1.0 - p_pro[group]
    score = np.where(u < cut_det, rng.integers(0, 7, rows),
                     np.where(u < cut_pro, rng.integers(7, 9, rows), rng.integers(9, 11, rows)))
    rating = np.minimum(5, np.maximum(1, score // 2))
    df = pd.DataFrame({
        "team": pd.Categorical.from_codes(team_code, categories=TEAMS),
        "quarter": pd.Categorical.from_codes(quarter_code, categories=QUARTERS),
        "score": score.astype(np.int64),
        "rating": rating.astype(np.int64),
    })
    return df, group


def make_customers(rows: int, n_groups: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """``rows`` NPS answers from ``n_groups`` customers (int64 ids, not contiguous)."""
    rng = np.random.default_rng(seed)
    code = rng.integers(0, n_groups, rows).astype(np.int32)
    score = rng.integers(0, 11, rows)
    df = pd.DataFrame({"customer_id": 1_000_000 + 7 * code.astype(np.int64), "score": score})
    return df, code


# --------------------------------------------------------------------------- methods

def _table(keys: list[str], key_values: list[Any], est, low, high) -> pd.DataFrame:
    return pd.DataFrame({"estimate": np.asarray(est), "ci_low": np.asarray(low),
                         "ci_high": np.asarray(high)}, index=labels(*key_values))


def _kt(df: pd.DataFrame, kpi: str, value: str, keys: list[str]):
    import kpitools as kt

    return lambda: kt.summarize(df, kpi=kpi, value=value, by=keys)


def _pandas(df: pd.DataFrame, kpi: str, keys: list[str]):
    """Counts per group × category with one ``groupby(...).size()``, then arithmetic.

    (Of the idiomatic spellings tried — ``agg`` of boolean sums, ``value_counts``, ``size`` by
    group and category — this was the fastest for both key types.)
    """
    def run():
        if kpi == "nps":
            s = df["score"]
            category = (s.ge(7).astype(np.int8) + s.ge(9)).rename("category")
            width = 3
        else:
            category = df["rating"].ge(4).astype(np.int8).rename("category")
            width = 2
        counts = (df.groupby([*(df[k] for k in keys), category], observed=True, sort=False)
                  .size().unstack(fill_value=0).reindex(columns=range(width), fill_value=0))
        c = counts.to_numpy()
        n = c.sum(axis=1)
        stats = (F.nps_adjusted_wald(c[:, 2], c[:, 0], n) if kpi == "nps"
                 else F.wilson(c[:, 1], n))
        return counts.index, stats
    return run


def _duckdb(df: pd.DataFrame, kpi: str, keys: list[str]):
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    con.register("t", df)
    cols = ", ".join(keys)
    if kpi == "nps":
        sql = (f"SELECT {cols}, count(*) AS n, count_if(score >= 9) AS pro, "
               f"count_if(score <= 6) AS det FROM t GROUP BY {cols}")
    else:
        sql = f"SELECT {cols}, count(*) AS n, count_if(rating >= 4) AS pos FROM t GROUP BY {cols}"

    def run():
        r = con.execute(sql).fetchnumpy()
        stats = (F.nps_adjusted_wald(r["pro"], r["det"], r["n"]) if kpi == "nps"
                 else F.wilson(r["pos"], r["n"]))
        return [r[k] for k in keys], stats
    return run


def _polars(df: pd.DataFrame, kpi: str, keys: list[str]):
    import polars as pl

    pdf = pl.from_pandas(df)
    if kpi == "nps":
        aggs = [pl.len().alias("n"), (pl.col("score") >= 9).sum().alias("pro"),
                (pl.col("score") <= 6).sum().alias("det")]
    else:
        aggs = [pl.len().alias("n"), (pl.col("rating") >= 4).sum().alias("pos")]

    def run():
        r = pdf.group_by(keys).agg(aggs)
        stats = (F.nps_adjusted_wald(r["pro"].to_numpy(), r["det"].to_numpy(),
                                     r["n"].to_numpy()) if kpi == "nps"
                 else F.wilson(r["pos"].to_numpy(), r["n"].to_numpy()))
        return [r[k].to_numpy() for k in keys], stats
    return run


#: Rows per block of the floor's fused pass (its temporaries stay in the CPU cache).
FLOOR_BLOCK = 1 << 16


def _floor(df: pd.DataFrame, kpi: str, group: np.ndarray, n_groups: int):
    """One fused bincount over group × category on narrow precomputed codes, then arithmetic.

    The codes (int16 group, int8 category) are made outside the timing; the timed pass
    reads them block by block: each block's ``group * k + category`` goes into a reused
    index buffer and one ``bincount``, so no array as long as the data is allocated (a
    whole-column ``group * k + category`` would allocate it twice, and bincount would
    widen it to intp once more).
    """
    if kpi == "nps":
        score = df["score"].to_numpy()
        cat = ((score >= 7).astype(np.int8) + (score >= 9)).astype(np.int8)  # det/pas/pro
        k = 3
    else:
        cat = (df["rating"].to_numpy() >= 4).astype(np.int8)
        k = 2
    gdtype = np.int16 if n_groups * k < 2**15 else np.int32
    g = group.astype(gdtype)
    rows = len(g)
    block = max(FLOOR_BLOCK, 4 * n_groups * k)

    def run():
        index = np.empty(min(block, rows), dtype=np.intp)
        flat = np.zeros(n_groups * k, dtype=np.int64)
        for start in range(0, rows, block):
            stop = min(start + block, rows)
            out = index[:stop - start]
            np.multiply(g[start:stop], k, out=out)
            out += cat[start:stop]
            flat += np.bincount(out, minlength=n_groups * k)
        counts = flat.reshape(n_groups, k)
        n = counts.sum(axis=1)
        present = np.flatnonzero(n)
        if kpi == "nps":
            stats = F.nps_adjusted_wald(counts[present, 2], counts[present, 0], n[present])
        else:
            stats = F.wilson(counts[present, 1], n[present])
        return present, stats
    return run


# --------------------------------------------------------------------------- cases

def _normalizer(keys: list[str], floor_labels):
    def normalize(name: str, res: Any) -> pd.DataFrame:
        if name == KT:
            return _table(keys, [res[k] for k in keys], res["estimate"], res["ci_low"],
                          res["ci_high"])
        where, (est, low, high) = res
        if name == "numpy":
            key_values = floor_labels(where)
        elif isinstance(where, pd.MultiIndex):
            key_values = [where.get_level_values(i) for i in range(where.nlevels)]
        elif isinstance(where, pd.Index):
            key_values = [where]
        else:
            key_values = where
        return _table(keys, key_values, est, low, high)
    return normalize


def grouped_case(kpi: str, key_kind: str, rows: int, seed: int) -> Case:
    keys = ["team", "quarter"]
    value = "score" if kpi == "nps" else "rating"
    n_groups = N_TEAMS * len(QUARTERS)

    def setup() -> list[Method]:
        df, group = make_survey(rows, seed)
        if key_kind == "object":
            df["team"] = df["team"].astype(object)
            df["quarter"] = df["quarter"].astype(object)
        return [
            Method(KT, _kt(df, kpi, value, keys), "kt"),
            Method("pandas groupby", _pandas(df, kpi, keys)),
            Method("duckdb", _duckdb(df, kpi, keys)),
            Method("polars", _polars(df, kpi, keys)),
            Method("numpy", _floor(df, kpi, group, n_groups), "floor"),
        ]

    def floor_labels(codes):
        codes = np.asarray(codes)
        return [np.asarray(TEAMS)[codes // len(QUARTERS)],
                np.asarray(QUARTERS)[codes % len(QUARTERS)]]

    normalize = _normalizer(keys, floor_labels)
    return Case(f"{kpi} by team×quarter, {key_kind} keys", rows, n_groups, setup,
                lambda res: verify_tables(res, normalize, ("estimate", "ci_low", "ci_high")),
                key=f"{kpi}-{key_kind}-{rows}")


def many_groups_case(rows: int, n_groups: int, seed: int) -> Case:
    keys = ["customer_id"]

    def setup() -> list[Method]:
        df, code = make_customers(rows, n_groups, seed)
        return [
            Method(KT, _kt(df, "nps", "score", keys), "kt"),
            Method("pandas groupby", _pandas(df, "nps", keys)),
            Method("duckdb", _duckdb(df, "nps", keys)),
            Method("polars", _polars(df, "nps", keys)),
            Method("numpy", _floor(df, "nps", code, n_groups), "floor"),
        ]

    normalize = _normalizer(keys, lambda codes: [1_000_000 + 7 * np.asarray(codes)])
    return Case("nps by customer_id (int64 keys)", rows, n_groups, setup,
                lambda res: verify_tables(res, normalize, ("estimate", "ci_low", "ci_high")),
                key=f"nps-groups-{rows}-{n_groups}")


def cases(rows_list: list[int], groups_cases: list[tuple[int, int]], seed: int) -> list[Case]:
    out = []
    for rows in rows_list:
        for kpi in ("nps", "csat"):
            for kind in ("category", "object"):
                out.append(grouped_case(kpi, kind, rows, seed))
    for rows, n_groups in groups_cases:
        out.append(many_groups_case(rows, n_groups, seed))
    return out


if __name__ == "__main__":
    from benchmarks.__main__ import main

    sys.exit(main(["--only", "survey", *sys.argv[1:]]))

