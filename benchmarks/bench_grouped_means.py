"""Speed of the vectorised grouped ``csat_mean`` and ``ces`` in ``kt.summarize`` (issue 8).

On ``--groups`` groups (default 20,000) of about ``--per-group`` answers each (default 10,
sizes 1 to 2 × per-group − 1, with 5 % missing answers), time

- ``kt.summarize(df, kpi=..., value="q", by="team")``: the vectorised path (one validation,
  ``bincount`` moments or counts, array intervals);
- the old path, one call of the single-sample function per group
  (``kpitools.grouping.frames._summarize_by_loop``, what `summarize` did before issue 8), on
  the rows of the first ``--loop-groups`` groups (default 500; the same data), with its time per
  group extrapolated to all groups; ``--full-loop`` runs it on every group instead;

and check that both give the same rows on the groups they share (to 1e-12; groups of one
answer are left out of the check, because the single-sample t interval refuses them).

    python benchmarks/bench_grouped_means.py
    python benchmarks/bench_grouped_means.py --groups 100000 --loop-groups 200

Each timing is the best of ``--repeat`` runs (wall clock, ``time.perf_counter``).
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import kpitools as kt
from kpitools.core.errors import SmallSampleWarning
from kpitools.grouping.frames import _summarize_by_loop
from kpitools.kpis.catalogue import get_kpi

CASES: list[tuple[str, dict[str, Any], int]] = [
    ("csat_mean", {}, 5),
    ("ces", {"variant": "effort_1_5_mean"}, 5),
    ("ces", {"variant": "ease_1_7_mean"}, 7),
    ("ces", {"variant": "effort_1_7_net"}, 7),
    ("ces", {"variant": "ease_1_7_top_box"}, 7),
]


def make_data(groups: int, per_group: int, top: int, seed: int = 8) -> pd.DataFrame:
    """Answers 1..top in ``groups`` teams (team codes as integers), rows shuffled."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 2 * per_group, groups)
    team = np.repeat(np.arange(groups), sizes)
    q = rng.integers(1, top + 1, team.size).astype(float)
    q[rng.random(team.size) < 0.05] = np.nan
    order = rng.permutation(team.size)
    return pd.DataFrame({"team": team[order], "q": q[order]})


def best_of(repeat: int, func: Callable[[], Any]) -> tuple[float, Any]:
    best, out = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=20_000)
    parser.add_argument("--per-group", type=int, default=10)
    parser.add_argument("--loop-groups", type=int, default=500)
    parser.add_argument("--full-loop", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore", SmallSampleWarning)
    warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
    print(f"{'kpi':30s} {'rows':>9s} {'vectorised s':>13s} {'loop s/group':>13s} "
          f"{'loop s (all groups)':>20s} {'speed-up':>9s}  agree")
    for kpi, options, top in CASES:
        df = make_data(args.groups, args.per_group, top)
        fast_s, fast = best_of(args.repeat, lambda df=df, kpi=kpi, options=options:
                               kt.summarize(df, kpi=kpi, value="q", by="team", **options))
        loop_groups = args.groups if args.full_loop else min(args.loop_groups, args.groups)
        part = df[df["team"] < loop_groups]
        definition = get_kpi(kpi)
        n_single = part.groupby("team")["q"].count()
        part = part[part["team"].isin(n_single.index[n_single != 1])]  # t refuses n = 1
        loop_s, slow = best_of(1, lambda part=part, definition=definition, options=options:
                               _summarize_by_loop(definition, part, "q", ["team"], 0.95,
                                                  dict(options)))
        per_group = loop_s / max(len(slow), 1)
        shared = fast.set_index("team").loc[slow["team"]]
        agree = all(np.allclose(shared[c].to_numpy(float), slow[c].to_numpy(float),
                                rtol=1e-12, atol=1e-12, equal_nan=True)
                    for c in ("estimate", "ci_low", "ci_high", "n", "n_excluded"))
        name = f"{kpi} {options.get('variant', '')}".strip()
        print(f"{name:30s} {len(df):9d} {fast_s:13.3f} {per_group:13.5f} "
              f"{per_group * args.groups:20.1f} {per_group * args.groups / fast_s:9.0f}  "
              f"{agree}")


if __name__ == "__main__":
    main()
