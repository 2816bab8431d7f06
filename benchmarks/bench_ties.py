"""Durations in whole seconds at scale: the statistics that used to draw or select on every
value, against the same computation on every value (the named baseline: kpitools before,
the code path still taken by samples without ties).

- The percentile bootstrap of a mean (AHT, ASA; 9,999 resamples): ``kt.stats`` draws a
  large sample with few distinct values as multinomial counts of its distinct values
  (`kpitools.stats.quantiles.bootstrap_means`); the baseline draws every row of every
  resample. The same bootstrap distribution, other random numbers: the intervals must
  agree to a few Monte Carlo errors, not to 1e-9.
- The Hodges–Lehmann shift with its interval (the operations table's change of a median
  duration): ``hodges_lehmann`` selects on the distinct values with their counts; the
  baseline on every value. The same numbers to the last bit.

Opt-in (the baseline of the bootstrap takes ~12 s a run at 200,000 calls; the shift is
timed on 1M against 1M):

    .venv/bin/python -m benchmarks --only ties --rounds 5
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.harness import KT, BenchmarkMismatch, Case, Method, assert_close

#: The baseline's name in the table: every value drawn or selected, as before.
BASELINE = "every value (before)"


def talk_seconds(rows: int, seed: int) -> np.ndarray:
    """Talk times in whole seconds, right-skewed (mean ~7 min), as a call-centre export."""
    rng = np.random.default_rng(seed)
    return np.round(rng.gamma(2.0, 210.0, rows)).astype(float)


def _every_value(function: Callable[[], Any], **patches: Any) -> Callable[[], Any]:
    """``function`` with the module constants that route samples with ties to the counts
    set so that every sample takes the path of every value."""
    from kpitools.stats import quantiles

    def run() -> Any:
        saved = {name: getattr(quantiles, name) for name in patches}
        for name, value in patches.items():
            setattr(quantiles, name, value)
        try:
            return function()
        finally:
            for name, value in saved.items():
                setattr(quantiles, name, value)
    return run


def bootstrap_case(rows: int, seed: int) -> Case:
    def setup() -> list[Method]:
        from kpitools.stats.quantiles import bootstrap_mean_ci

        x = talk_seconds(rows, seed)

        def kt() -> Any:
            return bootstrap_mean_ci(x, n_resamples=9999, random_state=1)
        return [Method(KT, kt, "kt"),
                Method(BASELINE, _every_value(kt, COUNTS_FROM=rows + 1), "ref")]

    def verify(res: dict[str, Any]) -> None:
        mean, low, high = res[KT]
        base = res[BASELINE]
        assert_close(BASELINE, base[0], mean, what="mean")
        # two independent 9,999-resample percentile intervals: their ends differ by a
        # Monte Carlo error of about 2 % of the width; more than 10 % is another bootstrap
        width = high - low
        if abs(base[1] - low) > 0.1 * width or abs(base[2] - high) > 0.1 * width:
            raise BenchmarkMismatch(f"{BASELINE}: interval {base[1]:.3f}–{base[2]:.3f}, "
                                    f"kpitools {low:.3f}–{high:.3f}")

    return Case(f"bootstrap CI of mean talk time, whole seconds ({rows:,} calls)", rows, 1,
                setup, verify, key=f"ties-bootstrap-{rows}", max_rounds=5,
                note="9,999 resamples; baseline: every row of every resample drawn")


def hodges_lehmann_case(rows: int, seed: int) -> Case:
    def setup() -> list[Method]:
        from kpitools.stats.quantiles import hodges_lehmann

        a = talk_seconds(rows, seed)
        b = talk_seconds(rows, seed + 1) + 15.0

        def kt() -> Any:
            return hodges_lehmann(a, b)
        return [Method(KT, kt, "kt"),
                Method(BASELINE, _every_value(kt, _COUNTED_HL_SHARE=-1.0), "ref")]

    def verify(res: dict[str, Any]) -> None:
        want = res[KT]
        assert_close(BASELINE, list(res[BASELINE][:3]), list(want[:3]),
                     what="shift and interval", tol=0.0)
        if res[BASELINE].method != want.method:
            raise BenchmarkMismatch(f"{BASELINE}: method {res[BASELINE].method}")

    return Case(f"Hodges–Lehmann shift of talk times, whole seconds ({rows:,} + {rows:,})",
                2 * rows, 1, setup, verify, key=f"ties-hodges-lehmann-{rows}",
                note="baseline: bisection counting on every value")


def cases(bootstrap_rows: list[int], shift_rows: list[int], seed: int) -> list[Case]:
    return ([bootstrap_case(n, seed) for n in bootstrap_rows]
            + [hodges_lehmann_case(n, seed) for n in shift_rows])
