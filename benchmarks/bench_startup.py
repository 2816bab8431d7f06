"""Start-up time of the command line and of ``import kpitools``: this tree against a baseline.

``kpitools --help`` took 8-10 s on the issue's machine because every heavy library was
imported first (issue 10 item 6: under 1 s; issue 13 item 7). Run alone::

    .venv/bin/python -m benchmarks.bench_startup               # against 0.1 (20b83cc), 5 runs
    .venv/bin/python -m benchmarks.bench_startup --baseline HEAD~3 --runs 9

checks out the baseline revision into a temporary ``git worktree`` (removed afterwards), runs
each command ``--runs`` times from a neutral folder with ``PYTHONPATH`` set to one tree or the
other, alternating baseline and this tree run by run, and prints the median wall time of each
and their ratio. The commands: ``kpitools --help``, a refused option (``kpitools report
quarterly --format docx``, exit 2; 0.1 accepted ``--period 2026`` as 2026Q1 and ran the report,
so that one cannot be compared) and ``python -c "import kpitools"``, with ``python -c
pass`` as the interpreter's own floor.

In the combined table (``python -m benchmarks``) the case ``startup`` times ``kpitools
--help`` of this tree against that floor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import KT, Case, Method

#: kpitools 0.1 as released before the layer folders: the baseline of the issue's 8-10 s.
BASELINE = "20b83cc"
ROOT = Path(__file__).resolve().parents[1]

#: (label, arguments after ``python``, expected exit code)
COMMANDS: list[tuple[str, list[str], int]] = [
    ("kpitools --help", ["-m", "kpitools", "--help"], 0),
    ("kpitools report quarterly --format docx", ["-m", "kpitools", "report", "quarterly",
                                                 "--format", "docx"], 2),
    ("python -c 'import kpitools'", ["-c", "import kpitools"], 0),
    ("python -c pass (floor)", ["-c", "pass"], 0),
]


def run_once(tree: Path, args: list[str], expected: int, cwd: str) -> float:
    """Wall time of ``python ARGS`` importing kpitools from ``tree`` (checked exit code)."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != expected:
        raise RuntimeError(f"{tree}: python {' '.join(args)} exited {proc.returncode}, "
                           f"expected {expected}: {proc.stderr.strip()[-500:]}")
    return elapsed


def _imports_from(tree: Path, cwd: str) -> str:
    out = subprocess.run([sys.executable, "-c", "import kpitools; print(kpitools.__file__)"],
                         cwd=cwd, env={**os.environ, "PYTHONPATH": str(tree)},
                         capture_output=True, text=True, check=True).stdout.strip()
    return out


def compare(baseline: str, runs: int) -> list[tuple[str, list[float], list[float]]]:
    """Median-ready timings ``(label, baseline runs, current runs)`` of every command."""
    with tempfile.TemporaryDirectory(prefix="kpitools-startup-") as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base),
                        baseline], check=True)
        try:
            neutral = Path(tmp) / "cwd"
            neutral.mkdir()
            for tree in (base, ROOT):  # the editable install must not shadow PYTHONPATH
                got = Path(_imports_from(tree, str(neutral)))
                if not got.is_relative_to(tree):
                    raise RuntimeError(f"PYTHONPATH={tree} imported kpitools from {got}")
            results = []
            for label, args, expected in COMMANDS:
                run_once(base, args, expected, str(neutral))  # warm the file cache
                run_once(ROOT, args, expected, str(neutral))
                before, after = [], []
                for _ in range(runs):
                    before.append(run_once(base, args, expected, str(neutral)))
                    after.append(run_once(ROOT, args, expected, str(neutral)))
                results.append((label, before, after))
            return results
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                           check=False)


def print_comparison(baseline: str, runs: int,
                     results: list[tuple[str, list[float], list[float]]]) -> None:
    print(f"start-up, median of {runs} runs (alternating), baseline {baseline} vs this tree "
          f"({os.cpu_count()} cores)\n")
    print(f"{'command':<42} {'baseline s':>10} {'now s':>8} {'speed-up':>9}")
    for label, before, after in results:
        b, a = statistics.median(before), statistics.median(after)
        print(f"{label:<42} {b:>10.3f} {a:>8.3f} {b / a:>8.1f}×")
    help_now = statistics.median(results[0][2])
    print(f"\nkpitools --help under 1 s: {'met' if help_now < 1 else 'MISSED'} "
          f"({help_now:.3f} s)")


def cases() -> list[Case]:
    """The ``startup`` case of the combined table: ``kpitools --help`` vs ``python -c pass``."""
    def setup() -> list[Method]:
        cwd = tempfile.mkdtemp(prefix="kpitools-startup-")
        args = COMMANDS[0][1]
        return [
            Method(KT, lambda: run_once(ROOT, args, 0, cwd), "kt"),
            Method("python -c pass", lambda: run_once(ROOT, ["-c", "pass"], 0, cwd), "ref"),
        ]

    return [Case("kpitools --help (start-up)", 0, 1, setup, None, key="startup-help")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=BASELINE, help=f"git revision (default {BASELINE})")
    parser.add_argument("--runs", type=int, default=5)
    opts = parser.parse_args(argv)
    print_comparison(opts.baseline, opts.runs, compare(opts.baseline, opts.runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
