"""Net Promoter Score (NPS, eNPS): the functions, the grouped summary and the registration.

NPS = %promoters (9–10) − %detractors (0–6) on the 0–10 "how likely are you to recommend"
question, in points from −100 to 100 [Reichheld03]_.

References
----------
.. [Reichheld03] Reichheld FF (2003). The one number you need to grow. Harvard Business
   Review 81(12):46–54 (NPS definition).
.. [Rocks16] Rocks B (2016). Interval estimation for the 'net promoter score'. Am Stat
   70:365–372.
.. [Sauro] Sauro J, Lewis JR (2016). Quantifying the User Experience, 2nd ed.; MeasuringU
   (2021) adjusted-Wald NPS interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kpitools.core.errors import DataValidationError
from kpitools.core.results import (
    Comparison,
    KpiEstimate,
    empty_excluded,
)
from kpitools.core.validation import (
    MissingPolicy,
    as_series,
    check_alternative,
    check_choice,
    check_confidence_level,
    clean_numeric,
    require_nonempty,
    warn_if_small,
)
from kpitools.kpis.catalogue import KpiDefinition, options_of, register_kpi
from kpitools.kpis.common import (
    compare_nps_cells,
    group_table,
    reject_options,
    scale_answer_counts,
)
from kpitools.stats.intervals import (
    NPS_METHODS,
    NpsMethod,
    nps_ci,
    nps_diff_ci,
    z_critical,
)
from kpitools.stats.significance import (
    nps_test,
    pvalue_from_z,
)
from kpitools.tables.keys import (
    KeyCodes,
    clean_by_position,
)

__all__ = [
    "nps",
    "enps",
    "nps_from_counts",
    "nps_from_percentages",
    "nps_categories",
    "compare_nps",
    "compare_nps_counts",
    "nps_columns",
]

# ----------------------------------------------------------------------------------- NPS


def nps_categories(scores: np.ndarray) -> np.ndarray:
    """Category codes of 0–10 scores: 0 = promoter (9–10), 1 = passive (7–8), 2 = detractor.

    >>> nps_categories(np.array([10, 9, 8, 7, 6, 0])).tolist()
    [0, 0, 1, 1, 2, 2]
    """
    s = np.asarray(scores)
    return np.where(s >= 9, 0, np.where(s >= 7, 1, 2)).astype(np.int8)


def _clean_nps_scores(scores: Any, missing: MissingPolicy, column: str | None):
    return clean_numeric(scores, column=column, lower=0, upper=10, integer=True,
                         missing=missing, scale_text="0–10")


def _clean_nps_positions(scores: pd.Series, missing: MissingPolicy, column: str | None):
    return clean_by_position(clean_numeric, scores, column=column, lower=0, upper=10,
                             integer=True, missing=missing, scale_text="0–10")


def _nps_result(kpi: str, pro: int, pas: int, det: int, *, confidence_level: float,
                method: NpsMethod, alternative: str, n_excluded: int,
                excluded: pd.DataFrame, random_state: Any = 0) -> KpiEstimate:
    n = pro + pas + det
    low, high = nps_ci(pro, pas, det, confidence_level=confidence_level, method=method,
                       alternative=alternative, random_state=random_state)
    var = (pro + det) / n - ((pro - det) / n) ** 2
    return KpiEstimate(
        kpi=kpi,
        estimate=100.0 * (pro - det) / n,
        ci_low=100.0 * low,
        ci_high=100.0 * high,
        n=int(n),
        n_excluded=int(n_excluded),
        method=method,
        confidence_level=confidence_level,
        unit="points",
        details={
            "promoters": int(pro), "passives": int(pas), "detractors": int(det),
            "pct_promoters": 100.0 * pro / n, "pct_passives": 100.0 * pas / n,
            "pct_detractors": 100.0 * det / n,
            "standard_error": 100.0 * float(np.sqrt(var / n)),
            "alternative": alternative,
        },
        excluded=excluded,
    )


def nps(
    scores: Any,
    *,
    confidence_level: float = 0.95,
    method: NpsMethod = "adjusted_wald",
    alternative: str = "two-sided",
    missing: MissingPolicy = "exclude",
    kpi: str = "nps",
) -> KpiEstimate:
    """Net Promoter Score of 0–10 answers, in points (−100…100), with its CI.

    NPS = %promoters (9–10) − %detractors (0–6) [Reichheld03]_.

    Parameters
    ----------
    scores : Series or array-like of int
        Answers on the 0–10 scale. Missing values are excluded and counted.
    confidence_level : float, default 0.95
    method : {"adjusted_wald", "wald", "bootstrap", "score"}, default "adjusted_wald"
        Interval method, see `kpitools.stats.intervals.nps_ci`. The default adds 0.75 detractors,
        1.5 passives and 0.75 promoters before the Wald formula [Sauro]_, which keeps
        coverage near nominal where the textbook Wald interval [Rocks16]_ falls short;
        ``"score"`` (Tango's score interval) has the tightest coverage at small n.
    alternative : {"two-sided", "less", "greater"}, default "two-sided"
    missing : {"exclude", "raise"}, default "exclude"
    kpi : str, default "nps"
        Name recorded in the result (``"enps"`` for employees).

    Returns
    -------
    KpiEstimate
        ``estimate`` in points; ``details`` has the counts and shares of promoters,
        passives and detractors and the standard error.

    Raises
    ------
    DataValidationError
        For values outside 0–10, non-integers or text, naming the column, rows and values;
        for an empty sample.

    Notes
    -----
    The trinomial variance of one answer scored +1/0/−1 is ``pP + pD − (pP − pD)²``; the
    standard error of the NPS (as a fraction) is ``sqrt(variance / n)``.

    See Also
    --------
    nps_from_counts, compare_nps, kpitools.summarize

    Examples
    --------
    >>> nps([10, 9, 9, 8, 7, 3, 10, 9, 6, 10, 2, 9])
    <NPS 33.3 points, 95% CI [-15.5, 68.9] (adjusted_wald), n=12>
    """
    level = check_confidence_level(confidence_level)
    check_choice("method", method, NPS_METHODS)
    check_alternative(alternative)
    series = as_series(scores)
    values, excluded = _clean_nps_scores(series, missing, None if series.name is None
                                         else str(series.name))
    n_excluded = len(excluded)
    require_nonempty(len(values), what=kpi.upper(), n_excluded=n_excluded)
    warn_if_small(len(values), what=kpi.upper())
    counts = np.bincount(nps_categories(values.to_numpy()), minlength=3)
    return _nps_result(kpi, int(counts[0]), int(counts[1]), int(counts[2]),
                       confidence_level=level, method=method, alternative=alternative,
                       n_excluded=n_excluded, excluded=excluded)


def enps(
    scores: Any,
    *,
    confidence_level: float = 0.95,
    method: NpsMethod = "adjusted_wald",
    alternative: str = "two-sided",
    missing: MissingPolicy = "exclude",
) -> KpiEstimate:
    """Employee NPS: `nps` computed on employees' 0–10 answers (``kpi="enps"``).

    The parameters are those of `nps`.

    >>> enps([9, 10, 7, 3, 9, 9, 8, 10, 6, 9]).estimate
    40.0
    """
    return nps(scores, confidence_level=confidence_level, method=method,
               alternative=alternative, missing=missing, kpi="enps")


def nps_from_counts(
    promoters: int,
    passives: int,
    detractors: int,
    *,
    confidence_level: float = 0.95,
    method: NpsMethod = "adjusted_wald",
    alternative: str = "two-sided",
    kpi: str = "nps",
) -> KpiEstimate:
    """NPS from counts of promoters, passives and detractors (e.g. a published benchmark).

    Examples
    --------
    >>> r = nps_from_counts(45, 35, 20, method="wald")
    >>> r.estimate, round(r.ci_low, 2), round(r.ci_high, 2)
    (25.0, 9.98, 40.02)
    """
    level = check_confidence_level(confidence_level)
    check_choice("method", method, NPS_METHODS)
    check_alternative(alternative)
    counts = _whole_counts((promoters, passives, detractors))
    require_nonempty(sum(counts), what=kpi.upper())
    warn_if_small(sum(counts), what=kpi.upper())
    return _nps_result(kpi, *counts, confidence_level=level, method=method,
                       alternative=alternative, n_excluded=0, excluded=empty_excluded())


def nps_from_percentages(
    n: int,
    promoters_pct: float,
    detractors_pct: float,
    *,
    confidence_level: float = 0.95,
    method: NpsMethod = "adjusted_wald",
    kpi: str = "nps",
) -> KpiEstimate:
    """NPS from a published summary such as "n = 400, 45 % promoters, 20 % detractors".

    The shares are turned into whole counts (rounded); when a rounded share cannot come
    from ``n`` respondents (it is more than half a count away), a `DataValidationError`
    says so rather than inventing precision.

    Examples
    --------
    >>> r = nps_from_percentages(400, 45, 20)
    >>> r.details["promoters"], r.details["detractors"], r.estimate
    (180, 80, 25.0)
    """
    n_int = int(n)
    if n_int != n or n_int <= 0:
        raise DataValidationError(f"n must be a positive whole number, got {n!r}")
    counts = {}
    for name, pct in (("promoters_pct", promoters_pct), ("detractors_pct", detractors_pct)):
        if not 0 <= float(pct) <= 100:
            raise DataValidationError(f"{name} must be within 0–100, got {pct!r}")
        count = round(float(pct) * n_int / 100.0)
        # published shares are usually rounded to 1 %: allow that much slack
        if abs(count - float(pct) * n_int / 100.0) > max(0.5, n_int * 0.005) + 1e-9:
            raise DataValidationError(f"{name}={pct!r} of n={n_int} is not a whole count")
        counts[name] = count
    passives = n_int - counts["promoters_pct"] - counts["detractors_pct"]
    if passives < 0:
        raise DataValidationError(
            f"promoters_pct + detractors_pct exceed 100 % ({promoters_pct!r} + "
            f"{detractors_pct!r})")
    return nps_from_counts(counts["promoters_pct"], passives, counts["detractors_pct"],
                           confidence_level=confidence_level, method=method, kpi=kpi)


def _whole_counts(values: Sequence[Any],
                  names: Sequence[str] = ("promoters", "passives", "detractors"),
                  where: str = "") -> list[int]:
    """Counts as ints; a fraction (2.7), NaN, ±inf, a negative or a bool raises.

    Integral floats (3.0, as read from a spreadsheet) are accepted. Never truncates: ``int``
    alone would turn 2.7 promoters into 2 in silence.
    """
    counts = []
    for name, value in zip(names, values, strict=True):
        label = f"{name}{where}"
        if isinstance(value, bool | np.bool_):
            raise DataValidationError(f"{label} must be a whole number, got {value!r}")
        try:
            as_float = float(value)
        except (TypeError, ValueError):
            raise DataValidationError(f"{label} must be a whole number, got {value!r}") from None
        if not np.isfinite(as_float) or as_float < 0 or as_float != np.floor(as_float):
            raise DataValidationError(f"{label} must be a non-negative whole number, "
                                      f"got {value!r}")
        counts.append(int(as_float))
    return counts


def _nps_counts_of(sample: Any, missing: MissingPolicy) -> tuple[tuple[int, int, int], int]:
    """(promoters, passives, detractors) and n_excluded from raw scores or an NPS result.

    Any sequence is read as 0–10 scores, as `nps` reads it (a tuple of three numbers is
    three answers, not counts: counts go through `nps_from_counts`).
    """
    if isinstance(sample, KpiEstimate):
        if "promoters" not in sample.details:
            raise ValueError(f"expected an NPS result, got a {sample.kpi!r} result")
        d = sample.details
        return (d["promoters"], d["passives"], d["detractors"]), sample.n_excluded
    series = as_series(sample)
    values, excluded = _clean_nps_scores(series, missing, None if series.name is None
                                         else str(series.name))
    counts = np.bincount(nps_categories(values.to_numpy()), minlength=3)
    return (int(counts[0]), int(counts[1]), int(counts[2])), len(excluded)


def compare_nps(
    a: Any,
    b: Any,
    *,
    confidence_level: float = 0.95,
    method: NpsMethod = "adjusted_wald",
    alternative: str = "two-sided",
    paired: bool = False,
    missing: MissingPolicy = "exclude",
    label_a: str = "a",
    label_b: str = "b",
    kpi: str = "nps",
) -> Comparison:
    """Compare two NPS: ``difference = NPS_b − NPS_a`` (``a`` is the baseline).

    Parameters
    ----------
    a, b : scores or NPS result
        Raw 0–10 answers, read exactly as `nps` reads them (``(9, 10, 3)`` is three
        answers), or a result of `nps` / `nps_from_counts` / `nps_from_percentages` (counts,
        e.g. a competitor's published shares).
    confidence_level : float, default 0.95
    method : {"adjusted_wald", "wald", "bootstrap", "score"}, default "adjusted_wald"
        Interval of the difference, see `kpitools.stats.intervals.nps_diff_ci`; the z test uses
        the same standard error, so p < 1 − confidence_level exactly when the two-sided
        interval excludes 0 (Wald-type methods; ``"score"`` inverts its MOVER interval, with
        the same agreement).
    alternative : {"two-sided", "less", "greater"}
        ``"greater"`` tests NPS_b > NPS_a.
    paired : bool, default False
        The same respondents answered twice (``a`` and ``b`` aligned row by row): the
        difference is the mean of the per-respondent change of the +1/0/−1 score, with a
        Wald interval and z test on the paired differences (respondents missing either
        answer are excluded).

    Returns
    -------
    Comparison
        Estimates and difference in points.

    Examples
    --------
    >>> c = compare_nps(nps_from_counts(40, 30, 30), nps_from_counts(50, 30, 20),
    ...                 method="wald")
    >>> round(c.difference, 1), round(c.ci_low, 2), round(c.ci_high, 2), round(c.pvalue, 4)
    (20.0, -2.35, 42.35, 0.0794)
    """
    level = check_confidence_level(confidence_level)
    check_choice("method", method, NPS_METHODS)
    check_alternative(alternative)
    if paired:
        return _compare_nps_paired(a, b, confidence_level=level, alternative=alternative,
                                   missing=missing, label_a=label_a, label_b=label_b, kpi=kpi)
    counts_a, excl_a = _nps_counts_of(a, missing)
    counts_b, excl_b = _nps_counts_of(b, missing)
    return compare_nps_counts(counts_a, counts_b, confidence_level=level, method=method,
                              alternative=alternative, label_a=label_a, label_b=label_b,
                              kpi=kpi, details={"n_excluded_a": excl_a, "n_excluded_b": excl_b})


def compare_nps_counts(counts_a: tuple[int, int, int], counts_b: tuple[int, int, int], *,
                       confidence_level: float, method: NpsMethod, alternative: str,
                       label_a: str, label_b: str, kpi: str,
                       details: dict[str, Any]) -> Comparison:
    """`compare_nps` of two (promoters, passives, detractors) counts (also CES net)."""
    level = confidence_level
    n_a, n_b = sum(counts_a), sum(counts_b)
    require_nonempty(n_a, what=f"{kpi.upper()} of {label_a}")
    require_nonempty(n_b, what=f"{kpi.upper()} of {label_b}")
    warn_if_small(min(n_a, n_b), what=f"{kpi.upper()} comparison")
    low, high = nps_diff_ci(counts_a, counts_b, confidence_level=level, method=method,
                            alternative=alternative)
    test = nps_test(counts_a, counts_b, method=method, alternative=alternative)
    diff, se = test.estimate, test.standard_error
    est_a = 100.0 * (counts_a[0] - counts_a[2]) / n_a
    est_b = 100.0 * (counts_b[0] - counts_b[2]) / n_b
    return Comparison(
        kpi=kpi, estimate_a=est_a, estimate_b=est_b, difference=100.0 * diff,
        ci_low=100.0 * low, ci_high=100.0 * high,  # one-sided: ±200, the ends of the scale
        statistic=test.statistic, pvalue=test.pvalue, method=method, test=test.test,
        confidence_level=level, unit="points", n_a=n_a, n_b=n_b, alternative=alternative,
        label_a=label_a, label_b=label_b,
        details={"counts_a": counts_a, "counts_b": counts_b, "standard_error": 100.0 * se,
                 **details},
    )


def _compare_nps_paired(a, b, *, confidence_level, alternative, missing, label_a, label_b,
                        kpi) -> Comparison:
    sa, sb = as_series(a), as_series(b)
    if len(sa) != len(sb):
        raise DataValidationError(f"paired samples must have the same length, got {len(sa)} "
                                  f"and {len(sb)}")
    sa = sa.reset_index(drop=True)
    sb = sb.reset_index(drop=True)
    va, ea = _clean_nps_scores(sa, missing, None if sa.name is None else str(sa.name))
    vb, eb = _clean_nps_scores(sb, missing, None if sb.name is None else str(sb.name))
    both = va.index.intersection(vb.index)
    score = {0: 1.0, 1: 0.0, 2: -1.0}
    xa = np.vectorize(score.get)(nps_categories(va.loc[both].to_numpy()))
    xb = np.vectorize(score.get)(nps_categories(vb.loc[both].to_numpy()))
    n = len(both)
    require_nonempty(n, what=f"paired {kpi.upper()}")
    warn_if_small(n, what=f"paired {kpi.upper()}")
    d = xb - xa
    mean_d = float(d.mean())
    se = float(d.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    level2 = confidence_level if alternative == "two-sided" else 2 * confidence_level - 1
    half = z_critical(level2) * se
    z = mean_d / se if se > 0 else (0.0 if mean_d == 0 else float(np.sign(mean_d) * np.inf))
    low, high = max(mean_d - half, -2.0), min(mean_d + half, 2.0)
    if alternative == "greater":
        high = 2.0
    elif alternative == "less":
        low = -2.0
    return Comparison(
        kpi=kpi, estimate_a=100.0 * float(xa.mean()), estimate_b=100.0 * float(xb.mean()),
        difference=100.0 * mean_d, ci_low=100.0 * low, ci_high=100.0 * high, statistic=z,
        pvalue=pvalue_from_z(z, alternative), method="paired_wald", test="paired_nps_z",
        confidence_level=confidence_level, unit="points", n_a=n, n_b=n,
        alternative=alternative, label_a=label_a, label_b=label_b,
        details={"n_excluded": len(sa) - n, "standard_error": 100.0 * se},
    )


#: The NPS category of each answer 0–10 and, last, of a missing answer: detractors (0–6)
#: count in column 0, passives (7–8) in 1, promoters (9–10) in 2, missing answers in 3
#: (the ``fold`` of `kpitools.kpis.common.scale_answer_counts`).
NPS_ANSWER_FOLD = np.array([0] * 7 + [1] * 2 + [2] * 2 + [3])


def nps_columns(pro: np.ndarray, pas: np.ndarray, det: np.ndarray, *,
                confidence_level: float, method: NpsMethod,
                alternative: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``n`` and the NPS-type estimate and interval in points of every group's counts.

    Groups without answers get NaN; the interval is `kpitools.stats.intervals.nps_ci` (the same
    call, with the same bootstrap seed per group, as `kpitools.nps` on one group).
    """
    pro, pas, det = (np.asarray(v, dtype=float) for v in (pro, pas, det))
    n = pro + pas + det
    has = n > 0
    low = np.full(n.shape, np.nan)
    high = np.full(n.shape, np.nan)
    if has.any():
        lo, hi = nps_ci(pro[has], pas[has], det[has], confidence_level=confidence_level,
                        method=method, alternative=alternative)
        low[has], high[has] = lo, hi
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = 100.0 * (pro - det) / n
    return n, estimate, 100.0 * low, 100.0 * high


def _nps_summarize(kpi: str):
    def summarize(data: pd.DataFrame, value: str, keys: list[str], *, confidence_level: float,
                  method: NpsMethod = "adjusted_wald", alternative: str = "two-sided",
                  missing: MissingPolicy = "exclude", **options: Any) -> pd.DataFrame:
        check_choice("method", method, NPS_METHODS)
        check_alternative(alternative)
        reject_options(kpi, options)
        key_codes = KeyCodes(data, keys)
        # every group's count of each answer 0–10 (and, last, of excluded rows) in one pass;
        # the categories are summed from these 400 × 12 numbers, not from the rows
        counts, excluded = scale_answer_counts(
            data[value], key_codes, lower=0, upper=10, missing=missing, column=value,
            clean=lambda: _clean_nps_positions(data[value], missing, value),
            fold=NPS_ANSWER_FOLD)
        det, pas, pro, n_excluded = counts.T
        present = np.flatnonzero(pro + pas + det + n_excluded)  # the groups that have rows
        if present.size < len(counts):
            pro, pas, det, n_excluded = (v[present] for v in (pro, pas, det, n_excluded))
        n, estimate, low, high = nps_columns(
            pro, pas, det, confidence_level=confidence_level, method=method,
            alternative=alternative)
        return group_table(key_codes.frame(present), {
            "kpi": kpi, "estimate": estimate, "ci_low": low, "ci_high": high,
            "confidence_level": confidence_level, "method": method, "unit": "points",
            "n": n.astype(np.int64), "n_excluded": n_excluded.astype(np.int64),
        }, excluded)

    return summarize


def _nps_estimate(kpi: str):
    def estimate(data: pd.DataFrame, value: str, *, confidence_level: float,
                 **kwargs: Any):
        return nps(data[value], confidence_level=confidence_level, kpi=kpi, **kwargs)

    return estimate


def _nps_compare(kpi: str):
    def compare(a: pd.DataFrame, b: pd.DataFrame, value: str, *, confidence_level: float,
                **kwargs: Any):
        return compare_nps(a[value], b[value], confidence_level=confidence_level, kpi=kpi,
                           **kwargs)

    return compare


def _nps_compare_groups(kpi: str):
    def compare_groups(data: pd.DataFrame, value: str, cells: np.ndarray, n_cells: int,
                       index_a: np.ndarray, index_b: np.ndarray, *, confidence_level: float,
                       method: NpsMethod = "adjusted_wald", alternative: str = "two-sided",
                       paired: bool = False, missing: MissingPolicy = "exclude"
                       ) -> dict[str, Any] | None:
        """`compare_nps` of every pair of cells at once (Wald-type methods, unpaired)."""
        check_choice("method", method, NPS_METHODS)
        check_alternative(alternative)
        if paired:
            return None
        # one bincount over (cell, answer 0–10 or 11 = excluded), as in summarize
        by_category, _ = scale_answer_counts(
            data[value], KeyCodes.of_codes(cells, n_cells), lower=0, upper=10, missing=missing,
            column=value, clean=lambda: _clean_nps_positions(data[value], missing, value),
            fold=NPS_ANSWER_FOLD)
        counts = by_category[:, [2, 1, 0]]  # promoters, passives, detractors
        return compare_nps_cells(counts, index_a, index_b, kpi=kpi,
                                 confidence_level=confidence_level, method=method,
                                 alternative=alternative)

    return compare_groups


for _name in ("nps", "enps"):
    register_kpi(KpiDefinition(
        name=_name, unit="points", higher_is_better=True, estimate=_nps_estimate(_name),
        compare=_nps_compare(_name), summarize=_nps_summarize(_name), default_value=_name,
        description=("Employee " if _name == "enps" else "")
        + "Net Promoter Score: %promoters (9–10) − %detractors (0–6)",
        aggregate="nps", options=options_of(nps, "scores", "kpi"),
        compare_options=options_of(compare_nps, "a", "b", "kpi", "label_a", "label_b"),
        compare_groups=_nps_compare_groups(_name),
    ))
