"""``kt.compare`` over many groups: NPS of each quarter against the first, within every team.

Data: ``--teams`` teams (default 50; the issue's case is 1,000) × 7 quarters, about 150
answers per team × quarter, categorical keys. ``kt.compare(df, kpi="nps", value="score",
group="quarter", baseline=<first quarter>, by="team")`` makes 6 comparisons per team, each with
the adjusted-Wald interval of the difference, its z test and Holm's adjustment within the
team.

Peers compute exactly that, vectorised over all comparisons:

- pandas: one ``groupby(["team", "quarter", category]).size().unstack()``, reshaped to
  teams × quarters arrays, then the array forms of the interval, the test and Holm's
  step-down (a row-wise sort);
- floor: the same arithmetic after one ``np.bincount`` over (team × quarter) × category on
  precomputed narrow codes.

    .venv/bin/python -m benchmarks.bench_compare [--teams 1000]
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from benchmarks import formulas as F
from benchmarks.harness import KT, Case, Method, Timing, assert_close

QUARTERS = ["2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1"]
PER_CELL = 150
COLUMNS = ("estimate_a", "estimate_b", "difference", "ci_low", "ci_high", "statistic",
           "pvalue", "pvalue_adjusted")


def make_data(n_teams: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n_q = len(QUARTERS)
    rows = n_teams * n_q * PER_CELL
    team = rng.integers(0, n_teams, rows).astype(np.int32)
    quarter = rng.integers(0, n_q, rows).astype(np.int8)
    cell = team * n_q + quarter
    p_pro = rng.uniform(0.25, 0.6, n_teams * n_q)[cell]
    p_det = rng.uniform(0.05, 0.3, n_teams * n_q)[cell]
    u = rng.random(rows)
    score = np.where(u < p_det, rng.integers(0, 7, rows),
                     np.where(u < 1.0 - p_pro, rng.integers(7, 9, rows),
                              rng.integers(9, 11, rows)))
    teams = [f"team {i:04d}" for i in range(n_teams)]
    df = pd.DataFrame({
        "team": pd.Categorical.from_codes(team, categories=teams),
        "quarter": pd.Categorical.from_codes(quarter, categories=QUARTERS),
        "score": score.astype(np.int64),
    })
    category = ((score >= 7).astype(np.int8) + (score >= 9)).astype(np.int8)
    return df, cell, category


def _arrays(pro, det, n, n_teams):
    """Comparisons of quarters 1..6 against quarter 0 within each team (rows: teams)."""
    shape = (n_teams, len(QUARTERS))
    pro, det, n = (np.asarray(v, dtype=float).reshape(shape) for v in (pro, det, n))
    est_a = 100.0 * (pro[:, :1] - det[:, :1]) / n[:, :1]
    est_b = 100.0 * (pro[:, 1:] - det[:, 1:]) / n[:, 1:]
    diff, low, high, z, p = F.nps_diff_adjusted_wald(pro[:, :1], det[:, :1], n[:, :1],
                                                     pro[:, 1:], det[:, 1:], n[:, 1:])
    return {"estimate_a": np.broadcast_to(est_a, est_b.shape), "estimate_b": est_b,
            "difference": diff, "ci_low": low, "ci_high": high, "statistic": z, "pvalue": p,
            "pvalue_adjusted": F.holm_rows(p)}


def _pandas(df: pd.DataFrame, n_teams: int):
    def run():
        s = df["score"]
        category = (s.ge(7).astype(np.int8) + s.ge(9)).rename("category")
        counts = (df.groupby([df["team"], df["quarter"], category], observed=True, sort=True)
                  .size().unstack(fill_value=0).reindex(columns=range(3), fill_value=0))
        c = counts.to_numpy()
        if len(c) != n_teams * len(QUARTERS):
            raise ValueError("every team needs every quarter in this benchmark")
        return _arrays(c[:, 2], c[:, 0], c.sum(axis=1), n_teams)
    return run


def _floor(cell: np.ndarray, category: np.ndarray, n_teams: int):
    n_cells = n_teams * len(QUARTERS)
    code = cell.astype(np.int32)

    def run():
        counts = np.bincount(code * 3 + category, minlength=n_cells * 3).reshape(n_cells, 3)
        return _arrays(counts[:, 2], counts[:, 0], counts.sum(axis=1), n_teams)
    return run


#: The reference method: `kt.summarize` of the same rows by team × quarter.
SUMMARIZE = "kt.summarize"
#: Issue 13 item 1: "compare costs at most a few times summarize on the same data" — read
#: here as at most this many times.
SUMMARIZE_FACTOR = 3.0


def a_few_times_summarize(timings: dict[str, Timing]) -> tuple[bool, str]:
    ratio = timings[SUMMARIZE].ratio
    return ratio <= SUMMARIZE_FACTOR, (
        f"compare {1e3 * timings[KT].median:.1f} ms, {ratio:.2f}× kt.summarize of the same "
        f"rows by team × quarter (target: at most a few times, read as ≤ "
        f"{SUMMARIZE_FACTOR:g}×)")


def compare_case(n_teams: int, seed: int) -> Case:
    def setup() -> list[Method]:
        import kpitools as kt

        df, cell, category = make_data(n_teams, seed)
        return [
            Method(KT, lambda: kt.compare(df, kpi="nps", value="score", group="quarter",
                                          baseline=QUARTERS[0], by="team"), "kt"),
            Method("pandas groupby", _pandas(df, n_teams)),
            Method("numpy", _floor(cell, category, n_teams), "floor"),
            Method(SUMMARIZE, lambda: kt.summarize(df, kpi="nps", value="score",
                                                   by=["team", "quarter"]), "ref"),
        ]

    def verify(res):
        res = {name: got for name, got in res.items() if name != SUMMARIZE}
        k = res[KT].sort_values(["team", "group_b"])
        if len(k) != n_teams * (len(QUARTERS) - 1):
            raise AssertionError(f"kt.compare returned {len(k)} rows")
        for name, got in res.items():
            if name == KT:
                continue
            for col in COLUMNS:
                assert_close(name, np.asarray(got[col]).ravel(), k[col].to_numpy(), what=col)

    rows = n_teams * len(QUARTERS) * PER_CELL
    return Case("compare nps: 6 quarters vs first", rows, n_teams * len(QUARTERS), setup,
                verify, note=f"{n_teams * (len(QUARTERS) - 1)} comparisons",
                key=f"compare-{n_teams}", target=a_few_times_summarize)


def cases(teams_list: list[int], seed: int) -> list[Case]:
    return [compare_case(t, seed) for t in teams_list]


if __name__ == "__main__":
    from benchmarks.__main__ import main

    sys.exit(main(["--only", "compare", *sys.argv[1:]]))
