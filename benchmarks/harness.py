"""Shared benchmark harness: interleaved rounds, per-round ratios, verification, memory.

A *case* is one computation (e.g. "NPS by team × quarter, categorical keys, 1M rows") done by
several *methods*: kpitools first, then its peers (pandas ``groupby().agg`` written the way an
expert would, DuckDB SQL over the same pandas frame, Polars on the same data already in Polars)
and a *floor* (the fused single pass an expert would hand-write on precomputed narrow codes,
with no validation).

`run_case`

1. builds the data once (``Case.setup``, not timed);
2. runs every method once as a warm-up and **verifies** its result against kpitools'
   (``Case.verify``: same groups, same estimates and interval ends to 1e-9; a mismatch raises
   `BenchmarkMismatch` — the benchmark fails loudly rather than timing different work);
3. runs ``rounds`` rounds; in each round every method runs once, the starting method rotating
   from round to round (round-robin, so slow drifts of the machine hit all methods alike);
4. reports per method the median time and the **median of the per-round ratios**
   ``t(kpitools) / t(method)`` (> 1: kpitools is slower than that method by that factor).

Peak memory is optional (``--memory``): each (case, method) runs once in a fresh subprocess
that builds the data, then reads the process's peak RSS (``VmHWM``, reset through
``/proc/self/clear_refs``) around one call; the figure is the peak *above* the RSS after
setup, i.e. the extra memory the method needs on top of the input. Only on Linux.

Everything uses the public API (``import kpitools as kt``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

KT = "kpitools"
TOL = 1e-9


class BenchmarkMismatch(AssertionError):
    """A peer did not compute the same numbers as kpitools."""


@dataclass
class Method:
    name: str
    fn: Callable[[], Any]
    kind: str = "peer"  # "kt", "peer", "floor" or "ref" (a reference cost, not a peer)


@dataclass
class Case:
    """One benchmark case. ``setup`` returns the methods (kpitools first) on built data."""

    name: str
    rows: int
    groups: int
    setup: Callable[[], list[Method]]
    verify: Callable[[dict[str, Any]], None] | None = None
    note: str = ""
    key: str = ""  # stable id for --only and the memory probe
    #: The issue's own target for the case, where it states one: given each method's
    #: timing (``median`` seconds; ``ratio``, the median over rounds of kt's time over the
    #: method's, as in the table), whether it is met and one line saying what was measured.
    target: Callable[[dict[str, Timing]], tuple[bool, str]] | None = None
    #: At most this many timed rounds (slow cases: a report batch takes ~40 s a round).
    max_rounds: int | None = None
    #: Whether to run every method once before the timed rounds (needed for ``verify``;
    #: a case without it may skip the warm-up when one run takes minutes).
    warm_up: bool = True
    #: The set of cases this one is judged with in the verdict lines (e.g. the issue that
    #: asks for it); one verdict line per set.
    family: str = ""


@dataclass
class Timing:
    case: Case
    method: Method
    times: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)
    peak_mb: float | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)


# --------------------------------------------------------------------------- verification

def assert_close(name: str, got: Any, want: Any, *, what: str, tol: float = TOL) -> None:
    """Raise `BenchmarkMismatch` unless ``got`` equals ``want`` to ``tol`` (abs and rel)."""
    g = np.asarray(got, dtype=float)
    w = np.asarray(want, dtype=float)
    if g.shape != w.shape:
        raise BenchmarkMismatch(f"{name}: {what} has shape {g.shape}, kpitools {w.shape}")
    same_inf = np.isinf(g) & np.isinf(w) & (np.sign(g) == np.sign(w))
    ok = np.isclose(g, w, rtol=tol, atol=tol, equal_nan=True) | same_inf
    if not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise BenchmarkMismatch(
            f"{name}: {what} differs from kpitools at {int((~ok).sum())} of {ok.size} places; "
            f"first at position {i}: {g.ravel()[i]!r} vs kpitools {w.ravel()[i]!r}")


def verify_tables(results: dict[str, Any], normalize: Callable[[str, Any], pd.DataFrame],
                  columns: tuple[str, ...]) -> None:
    """Each method's result, normalised to a frame indexed by group label, equals kt's."""
    want = normalize(KT, results[KT]).sort_index()
    for name, res in results.items():
        if name == KT:
            continue
        got = normalize(name, res).sort_index()
        if not got.index.equals(want.index):
            missing = want.index.difference(got.index)[:3].tolist()
            extra = got.index.difference(want.index)[:3].tolist()
            raise BenchmarkMismatch(f"{name}: groups differ from kpitools ({len(got)} vs "
                                    f"{len(want)}; missing {missing}, extra {extra})")
        for col in columns:
            assert_close(name, got[col].to_numpy(), want[col].to_numpy(), what=col)


def labels(*keys: Any) -> pd.Index:
    """Group labels ``"a|b"`` from key arrays (anything ``str`` can print)."""
    parts = [pd.Series(np.asarray(k, dtype=object)).astype(str) for k in keys]
    out = parts[0]
    for p in parts[1:]:
        out = out + "|" + p
    return pd.Index(out.to_numpy(), name="group")


# --------------------------------------------------------------------------- running

def _call(fn: Callable[[], Any]) -> tuple[float, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        out = fn()
        return time.perf_counter() - t0, out


def run_case(case: Case, rounds: int, *, log: Callable[[str], None] = print) -> list[Timing]:
    t0 = time.perf_counter()
    methods = case.setup()
    if methods[0].kind != "kt":
        raise ValueError(f"{case.name}: the first method must be kpitools")
    warm_up = case.warm_up or case.verify is not None
    log(f"  {case.name}: data built in {time.perf_counter() - t0:.1f} s; "
        + ("warm-up + verify" if warm_up else "no warm-up"))
    if warm_up:
        results = {}
        for m in methods:  # warm-up, kept for verification
            _, results[m.name] = _call(m.fn)
        if case.verify is not None:
            case.verify(results)
        del results
    timings = {m.name: Timing(case, m) for m in methods}
    if case.max_rounds is not None:
        rounds = min(rounds, case.max_rounds)
    for r in range(rounds):
        k = r % len(methods)
        order = methods[k:] + methods[:k]
        this_round = {}
        for m in order:
            gc.collect()
            elapsed, out = _call(m.fn)
            del out
            this_round[m.name] = elapsed
        for m in methods:
            timings[m.name].times.append(this_round[m.name])
            timings[m.name].ratios.append(this_round[KT] / this_round[m.name])
    log(f"  {case.name}: {rounds} rounds in {time.perf_counter() - t0:.1f} s")
    return list(timings.values())


def profile_kt(case: Case, top: int = 20) -> None:
    """cProfile of one kpitools call of ``case`` (after a warm-up)."""
    import cProfile
    import pstats

    methods = case.setup()
    _call(methods[0].fn)
    prof = cProfile.Profile()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prof.enable()
        methods[0].fn()
        prof.disable()
    print(f"\nprofile of kpitools, {case.name}")
    pstats.Stats(prof).sort_stats("cumulative").print_stats(top)


# --------------------------------------------------------------------------- memory

def _status(field_name: str) -> int:
    """A ``/proc/self/status`` field in bytes."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field_name} not in /proc/self/status")


def probe_memory(case: Case, method_name: str) -> float:
    """Peak RSS above the post-setup RSS, in MB, of one first call of ``method_name``."""
    methods = {m.name: m for m in case.setup()}
    gc.collect()
    with open("/proc/self/clear_refs", "w") as fh:  # reset VmHWM to the current RSS
        fh.write("5")
    base = _status("VmRSS")
    _call(methods[method_name].fn)
    return (_status("VmHWM") - base) / 2**20


def measure_memory(case: Case, method_names: list[str], argv: list[str]) -> dict[str, float]:
    """Run `probe_memory` for each method in its own subprocess (fresh allocator state)."""
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="131072", MALLOC_TRIM_THRESHOLD_="131072")
    out = {}
    for name in method_names:
        cmd = [sys.executable, "-m", "benchmarks", *argv, "--probe", case.key, name]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env,
                              cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        if proc.returncode != 0:
            raise RuntimeError(f"memory probe failed for {case.key}/{name}:\n{proc.stderr}")
        out[name] = json.loads(proc.stdout.strip().splitlines()[-1])["peak_mb"]
    return out


# --------------------------------------------------------------------------- output

def fmt_rows(n: int) -> str:
    if n == 0:
        return "-"
    for div, suffix in ((1_000_000, "M"), (1_000, "k")):
        if n >= div and n % (div // 10) == 0:
            v = n / div
            return f"{v:g}{suffix}"
    return f"{n:,}"


def print_table(timings: list[Timing], *, memory: bool) -> None:
    head = f"{'case':<36} {'rows':>6} {'groups':>7}  {'method':<22} {'median s':>9} " \
           f"{'kt/method':>9}"
    if memory:
        head += f" {'peak MB':>8}"
    print(head)
    print("-" * len(head))
    last = None
    for t in timings:
        same = t.case is last
        last = t.case
        if not same and t is not timings[0]:
            print()
        case = "" if same else t.case.name
        rows = "" if same else fmt_rows(t.case.rows)
        groups = "" if same else f"{t.case.groups:,}"
        label = t.method.name + (" (floor)" if t.method.kind == "floor" else
                                 " (ref)" if t.method.kind == "ref" else "")
        ratio = "" if t.method.kind == "kt" else f"{t.ratio:.2f}"
        line = f"{case:<36} {rows:>6} {groups:>7}  {label:<22} {t.median:>9.4f} {ratio:>9}"
        if memory:
            line += f" {t.peak_mb:>8.0f}" if t.peak_mb is not None else f" {'':>8}"
        print(line)


def target_verdicts(timings: list[Timing]) -> dict[int, tuple[bool, str]]:
    """Each case with a stated target (by ``id`` of the case): met or not, and its line."""
    by_case: dict[int, dict[str, Timing]] = {}
    cases: dict[int, Case] = {}
    for t in timings:
        by_case.setdefault(id(t.case), {})[t.method.name] = t
        cases[id(t.case)] = t.case
    return {k: case.target(by_case[k]) for k, case in cases.items()
            if case.target is not None}


def print_verdicts(timings: list[Timing]) -> None:
    """Where kpitools loses to a peer (ratio > 1), the issue's stated targets, and the
    distance to the floor."""
    print("\nkt/method = median over rounds of t(kpitools)/t(method); > 1 means kpitools is "
          "slower.")
    targets = target_verdicts(timings)
    losses = [t for t in timings if t.method.kind == "peer" and t.ratio > 1.0]
    if losses:
        print("kpitools is slower than a peer in:")
        for t in losses:
            within = targets.get(id(t.case))
            said = ("" if within is None else
                    " (within its stated target)" if within[0] else
                    " (and its stated target is missed)")
            print(f"  {t.case.name} ({fmt_rows(t.case.rows)} rows): {t.ratio:.2f}× "
                  f"{t.method.name}{said}")
    else:
        print("kpitools is at or ahead of every peer.")
    if targets:
        print("stated targets:")
        for met, line in targets.values():
            print(f"  {'met' if met else 'MISSED'}: {line}")
    families = sorted({t.case.family for t in timings})
    for family in families:
        behind = [t for t in losses if t.case.family == family
                  and not targets.get(id(t.case), (False, ""))[0]]
        missed = [line for t in timings if t.case.family == family and t.method.kind == "kt"
                  for met, line in [targets.get(id(t.case), (True, ""))] if not met]
        print(f"verdict{f' ({family})' if family else ''}: " + (
            "kpitools is at or ahead of every peer, or within the case's stated target."
            if not behind and not missed else
            f"{len(behind)} peer row(s) behind and {len(missed)} stated target(s) missed."))
    floors = [t for t in timings if t.method.kind == "floor"]
    if floors:
        print("distance to the fused floor: " + "; ".join(
            f"{t.case.name} {t.ratio:.1f}×" for t in floors))


def common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (≥ 5)")
    parser.add_argument("--memory", action="store_true",
                        help="peak RSS per method (one subprocess per case and method)")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile one kpitools call per case after the table")
    parser.add_argument("--seed", type=int, default=20260101)


def parse_rows(text: str) -> list[int]:
    """``"1M,10M"`` or ``"300k"`` or ``"1000000"`` → list of ints."""
    out = []
    for part in str(text).split(","):
        part = part.strip().lower().replace("_", "")
        mult = 1
        if part.endswith("m"):
            mult, part = 1_000_000, part[:-1]
        elif part.endswith("k"):
            mult, part = 1_000, part[:-1]
        out.append(int(float(part) * mult))
    return out
