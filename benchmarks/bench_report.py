"""Report batches: time whole ``kpitools report`` CLI runs (subprocesses).

In the combined table (``--full`` only, or ``--only report``) one ``kpitools report team``
run (HTML + PDF of one team, the bundled data) is timed round by round against the bare
start-up cost ``python -c "import kpitools"``, which every CLI run pays before any statistics.

Run alone, ``python -m benchmarks.bench_report [--repeat N]`` also keeps the former checks:
the quarterly demo report (target < 20 s), one team, and the all-teams batch rendered in
parallel (target < 1.5 × one report per core, i.e. ``batch < 1.5 × single × ceil(teams /
cores)``).
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

from benchmarks.harness import KT, Case, Method

BIN = Path(sys.executable).parent / "kpitools"


def _cli(args: list[str]) -> None:
    subprocess.run([str(BIN), *args, "-q"], check=True, stdout=subprocess.DEVNULL)


def _teams() -> list[str]:
    import kpitools as kt

    return sorted(kt.datasets.load_surveys()["team"].unique())


def report_case() -> Case:
    def setup() -> list[Method]:
        team = _teams()[0]
        out = tempfile.mkdtemp(prefix="kpitools-bench-")
        return [
            Method(KT, lambda: _cli(["report", "team", "--team", team, "--out", out]), "kt"),
            Method("import kpitools", lambda: subprocess.run(
                [sys.executable, "-c", "import kpitools"], check=True), "ref"),
        ]

    return Case("report team (CLI, HTML+PDF)", 0, 1, setup, None, key="report-team")


def cases() -> list[Case]:
    return [report_case()]


def _run(args: list[str]) -> float:
    t0 = time.perf_counter()
    _cli(args)
    return time.perf_counter() - t0


def batch_main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    opts = parser.parse_args(argv)
    teams = _teams()
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
    return 0


if __name__ == "__main__":
    sys.exit(batch_main())
