"""Time the demo quarterly report (HTML + PDF) and the all-teams batch.

Targets on a 2-core machine: the quarterly report in under 20 s; the all-teams batch (teams
rendered in parallel, one process per core) in under 1.5 × the time of one report per core,
i.e. ``batch < 1.5 × single_team × ceil(n_teams / cores)``.

Run: ``.venv/bin/python benchmarks/bench_report.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent / "kpitools"


def _run(args: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([str(BIN), *args, "-q"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    opts = parser.parse_args()
    from kpitools.datasets import load_surveys

    teams = sorted(load_surveys()["team"].unique())
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as out:
        quarterly = [_run(["demo", "--out", out]) for _ in range(opts.repeat)]
        single = [_run(["report", "team", "--team", teams[0], "--out", out])
                  for _ in range(opts.repeat)]
        batch = _run(["report", "team", "--all-teams", "--jobs", str(cores), "--out", out])
    q, s = statistics.median(quarterly), statistics.median(single)
    rounds = math.ceil(len(teams) / cores)
    print(f"cores: {cores}, teams: {len(teams)}")
    print(f"quarterly report (HTML+PDF, whole CLI run): median {q:.1f} s "
          f"(runs: {', '.join(f'{x:.1f}' for x in quarterly)}) — target < 20 s: "
          f"{'met' if q < 20 else 'MISSED'}")
    print(f"one team report (HTML+PDF): median {s:.1f} s")
    limit = 1.5 * s * rounds
    print(f"all-teams batch, {cores} in parallel: {batch:.1f} s; one report per core would take "
          f"{s * rounds:.1f} s ({rounds} rounds); target < {limit:.1f} s: "
          f"{'met' if batch < limit else 'MISSED'} (ratio {batch / (s * rounds):.2f})")


if __name__ == "__main__":
    main()
