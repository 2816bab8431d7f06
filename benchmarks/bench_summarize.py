"""Speed of ``kt.summarize(df, kpi="nps", value="score", by=["team", "quarter"])``.

On ``--rows`` synthetic survey answers (default 10 million) over 50 teams × 8 quarters, time

- ``kt.summarize`` (the library: validation, counting, adjusted-Wald intervals, tidy frame);
- (a) ``df.groupby(["team", "quarter"])["score"].apply(f)`` with a plain Python function ``f``
  that computes the NPS and its adjusted-Wald interval from one group's scores;
- (b) a bare ``numpy.bincount`` count of the same categories: group codes from the key
  columns (``.cat.codes``, or ``pandas.factorize`` for object columns), the answer category
  (detractor/passive/promoter) by comparison, and one ``bincount`` of
  ``group * 3 + category``. No validation, no intervals, no frame.

and print both ratios. Targets (issue 2): summarize at least 5× faster than (a) and within
2× of (b). Each timing is the best of ``--repeat`` runs (wall clock, ``time.perf_counter``).

    python benchmarks/bench_summarize.py                 # 10 M rows, categorical keys
    python benchmarks/bench_summarize.py --keys object   # keys as Python strings (CSV-like)
    python benchmarks/bench_summarize.py --profile       # profile of summarize

Exit status 0; with ``--check`` exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import numpy as np
import pandas as pd

import kpitools as kt

N_TEAMS = 50
QUARTERS = [f"{y}Q{q}" for y in (2024, 2025) for q in (1, 2, 3, 4)]
TARGET_VS_APPLY = 5.0
TARGET_VS_BINCOUNT = 2.0


def make_data(rows: int, keys: str, seed: int = 20260101) -> pd.DataFrame:
    """``rows`` answers 0–10; each team × quarter has its own promoter/detractor mix."""
    rng = np.random.default_rng(seed)
    team_code = rng.integers(0, N_TEAMS, rows)
    quarter_code = rng.integers(0, len(QUARTERS), rows)
    group = team_code * len(QUARTERS) + quarter_code
    n_groups = N_TEAMS * len(QUARTERS)
    p_pro = rng.uniform(0.25, 0.6, n_groups)
    p_det = rng.uniform(0.05, 0.3, n_groups)
    u = rng.random(rows)
    cut_det, cut_pro = p_det[group], 1.0 - p_pro[group]
    score = np.where(u < cut_det, rng.integers(0, 7, rows),
                     np.where(u < cut_pro, rng.integers(7, 9, rows), rng.integers(9, 11, rows)))
    teams = np.array([f"team {i:02d}" for i in range(N_TEAMS)])
    team = pd.Categorical.from_codes(team_code, categories=teams)
    quarter = pd.Categorical.from_codes(quarter_code, categories=QUARTERS)
    df = pd.DataFrame({"team": team, "quarter": quarter, "score": score.astype(np.int64)})
    if keys == "object":
        df["team"] = df["team"].astype(object)
        df["quarter"] = df["quarter"].astype(object)
    return df


def python_nps(scores: pd.Series) -> tuple[float, float, float]:
    """Plain Python NPS with the adjusted-Wald interval, one group at a time."""
    n = len(scores)
    promoters = (scores >= 9).sum()
    detractors = (scores <= 6).sum()
    nps = 100.0 * (promoters - detractors) / n
    pro, det, m = promoters + 0.75, detractors + 0.75, n + 3.0
    centre = (pro - det) / m
    half = 1.959963984540054 * ((pro / m + det / m - centre**2) / m) ** 0.5
    return nps, 100.0 * (centre - half), 100.0 * (centre + half)


def run_apply(df: pd.DataFrame) -> pd.Series:
    return df.groupby(["team", "quarter"], observed=True)["score"].apply(python_nps)


def run_bincount(df: pd.DataFrame) -> np.ndarray:
    codes = []
    sizes = []
    for key in ("team", "quarter"):
        col = df[key]
        if isinstance(col.dtype, pd.CategoricalDtype):
            codes.append(col.cat.codes.to_numpy())
            sizes.append(len(col.cat.categories))
        else:
            c, uniques = pd.factorize(col)
            codes.append(c)
            sizes.append(len(uniques))
    group = codes[0].astype(np.int64) * sizes[1] + codes[1]
    score = df["score"].to_numpy()
    category = (score >= 7).astype(np.int64) + (score >= 9)  # 0 det, 1 passive, 2 promoter
    counts = np.bincount(group * 3 + category, minlength=sizes[0] * sizes[1] * 3)
    return counts.reshape(-1, 3)


def run_summarize(df: pd.DataFrame) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", kt.SmallSampleWarning)
        return kt.summarize(df, kpi="nps", value="score", by=["team", "quarter"])


def best_of(fn, df: pd.DataFrame, repeat: int) -> tuple[float, object]:
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(df)
        times.append(time.perf_counter() - start)
    return min(times), result


def check_agreement(summary: pd.DataFrame, counts: np.ndarray, applied: pd.Series) -> None:
    """The three computations must describe the same data (same NPS per group)."""
    nps_counts = 100.0 * (counts[:, 2] - counts[:, 0]) / counts.sum(axis=1)
    est = np.sort(summary["estimate"].to_numpy())
    if not np.allclose(est, np.sort(nps_counts[counts.sum(axis=1) > 0])):
        raise SystemExit("summarize and bincount disagree")
    if not np.allclose(est, np.sort([v[0] for v in applied.to_numpy()])):
        raise SystemExit("summarize and groupby().apply disagree")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keys", choices=["category", "object"], default="category",
                        help="dtype of the team and quarter columns")
    parser.add_argument("--profile", action="store_true",
                        help="profile one kt.summarize call (pyinstrument, else cProfile)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    df = make_data(args.rows, args.keys)
    print(f"data: {len(df):,} rows, {N_TEAMS} teams × {len(QUARTERS)} quarters, "
          f"keys as {args.keys} ({time.perf_counter() - t0:.1f} s to build)")

    t_sum, summary = best_of(run_summarize, df, args.repeat)
    t_apply, applied = best_of(run_apply, df, args.repeat)
    t_bin, counts = best_of(run_bincount, df, args.repeat)
    check_agreement(summary, counts, applied)

    ratio_apply = t_apply / t_sum
    ratio_bin = t_sum / t_bin
    ok_apply = ratio_apply >= TARGET_VS_APPLY
    ok_bin = ratio_bin <= TARGET_VS_BINCOUNT
    print(f"kt.summarize                 {t_sum * 1000:9.1f} ms")
    print(f"(a) groupby().apply(python)  {t_apply * 1000:9.1f} ms")
    print(f"(b) numpy.bincount           {t_bin * 1000:9.1f} ms")
    print(f"summarize is {ratio_apply:.1f}× faster than (a)   target ≥ {TARGET_VS_APPLY:g}×  "
          f"{'met' if ok_apply else 'MISSED'}")
    print(f"summarize takes {ratio_bin:.2f}× the time of (b)  target ≤ {TARGET_VS_BINCOUNT:g}×  "
          f"{'met' if ok_bin else 'MISSED'}")

    if args.profile:
        try:
            from pyinstrument import Profiler
        except ImportError:  # fall back on the standard library's profiler
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            run_summarize(df)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
        else:
            profiler = Profiler(interval=0.001)
            profiler.start()
            run_summarize(df)
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
    return 0 if (ok_apply and ok_bin) or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
