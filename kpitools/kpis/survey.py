"""Survey KPIs: NPS, eNPS, CSAT, CES and SERVQUAL, each with its interval.

Definitions follow the KPI catalogue: NPS = %promoters (9–10) − %detractors (0–6) on the 0–10
"how likely are you to recommend" question, in points from −100 to 100; CSAT = share of
positive answers (top-2 box by default) in percent; CES in one of three explicitly chosen
variants; SERVQUAL gaps = perception − expectation.

References
----------
.. [Reichheld03] Reichheld FF (2003). The one number you need to grow. Harvard Business
   Review 81(12):46–54 (NPS definition).
.. [Rocks16] Rocks B (2016). Interval estimation for the 'net promoter score'. Am Stat
   70:365–372.
.. [Sauro] Sauro J, Lewis JR (2016). Quantifying the User Experience, 2nd ed.; MeasuringU
   (2021) adjusted-Wald NPS interval.
.. [Dixon10] Dixon M, Freeman K, Toman N (2010). Stop trying to delight your customers.
   Harvard Business Review 88(7/8):116–122 (CES); CEB (2013) CES 2.0.
.. [PZB88] Parasuraman A, Zeithaml VA, Berry LL (1988). SERVQUAL: a multiple-item scale for
   measuring consumer perceptions of service quality. J Retailing 64(1):12–40.
.. [Cronbach51] Cronbach LJ (1951). Coefficient alpha and the internal structure of tests.
   Psychometrika 16:297–334.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from kpitools.core.errors import DataValidationError
from kpitools.core.results import Comparison, KpiEstimate, empty_excluded
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
from kpitools.stats.intervals import (
    NPS_METHODS,
    PROPORTION_METHODS,
    DiffMethod,
    NpsMethod,
    ProportionMethod,
    diff_proportions_ci,
    nps_ci,
    nps_diff_ci,
    proportion_ci,
    z_critical,
)
from kpitools.stats.significance import (
    ProportionTest,
    mann_whitney_test,
    mean_ci,
    nps_test,
    pvalue_from_z,
    two_proportion_test,
    welch_test,
)
from kpitools.tables.keys import clean_by_position

__all__ = [
    "nps",
    "enps",
    "nps_from_counts",
    "nps_from_percentages",
    "nps_categories",
    "compare_nps",
    "csat",
    "compare_csat",
    "ces",
    "CES_VARIANTS",
    "servqual",
    "cronbach_alpha",
    "CSAT_LABELS",
]

#: Labelled CSAT answers accepted on the 1–5 scale (matched case-insensitively).
CSAT_LABELS: dict[str, int] = {
    "very dissatisfied": 1,
    "dissatisfied": 2,
    "neutral": 3,
    "neither satisfied nor dissatisfied": 3,
    "satisfied": 4,
    "very satisfied": 5,
}

#: The three CES variants of the catalogue (four names: variant C has two statistics).
CES_VARIANTS: dict[str, dict[str, Any]] = {
    "effort_1_5_mean": {"scale": (1, 5), "kind": "mean", "higher_is_better": False,
                        "text": "variant A: 1–5 effort, mean, lower is better"},
    "effort_1_7_net": {"scale": (1, 7), "kind": "net", "higher_is_better": None,
                       "text": "variant B: 1–7, %high (5–7) − %low (1–2), in points"},
    "ease_1_7_mean": {"scale": (1, 7), "kind": "mean", "higher_is_better": True,
                      "text": "variant C (CES 2.0): 1–7 agreement 'made it easy', mean"},
    "ease_1_7_top_box": {"scale": (1, 7), "kind": "top_box", "higher_is_better": True,
                         "text": "variant C (CES 2.0): % agreeing (5–7)"},
}


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


def enps(scores: Any, **kwargs: Any) -> KpiEstimate:
    """Employee NPS: `nps` computed on employees' 0–10 answers (``kpi="enps"``).

    >>> enps([9, 10, 7, 3, 9, 9, 8, 10, 6, 9]).estimate
    40.0
    """
    return nps(scores, kpi="enps", **kwargs)


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


def _nps_counts_of(sample: Any, missing: MissingPolicy,
                   label: str = "") -> tuple[tuple[int, int, int], int]:
    """(promoters, passives, detractors) and n_excluded from raw scores or an NPS result."""
    if isinstance(sample, KpiEstimate):
        if "promoters" not in sample.details:
            raise ValueError(f"expected an NPS result, got a {sample.kpi!r} result")
        d = sample.details
        return (d["promoters"], d["passives"], d["detractors"]), sample.n_excluded
    if isinstance(sample, tuple) and len(sample) == 3 and all(np.isscalar(v) for v in sample):
        where = f" of {label}" if label else ""
        return tuple(_whole_counts(sample, where=where)), 0  # type: ignore[return-value]
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
    a, b : scores, NPS result or (promoters, passives, detractors)
        Raw 0–10 answers, a result of `nps` / `nps_from_counts` / `nps_from_percentages`
        (a competitor's published counts), or a tuple of counts.
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
    >>> c = compare_nps((40, 30, 30), (50, 30, 20), method="wald")
    >>> round(c.difference, 1), round(c.ci_low, 2), round(c.ci_high, 2), round(c.pvalue, 4)
    (20.0, -2.35, 42.35, 0.0794)
    """
    level = check_confidence_level(confidence_level)
    check_choice("method", method, NPS_METHODS)
    check_alternative(alternative)
    if paired:
        return _compare_nps_paired(a, b, confidence_level=level, alternative=alternative,
                                   missing=missing, label_a=label_a, label_b=label_b, kpi=kpi)
    counts_a, excl_a = _nps_counts_of(a, missing, label_a)
    counts_b, excl_b = _nps_counts_of(b, missing, label_b)
    n_a, n_b = sum(counts_a), sum(counts_b)
    require_nonempty(n_a, what=f"{kpi.upper()} of {label_a}")
    require_nonempty(n_b, what=f"{kpi.upper()} of {label_b}")
    warn_if_small(min(n_a, n_b), what=f"{kpi.upper()} comparison")
    diff, low, high, se = nps_diff_ci(counts_a, counts_b, confidence_level=level,
                                      method=method, alternative=alternative)
    test = nps_test(counts_a, counts_b, method=method, alternative=alternative)
    est_a = 100.0 * (counts_a[0] - counts_a[2]) / n_a
    est_b = 100.0 * (counts_b[0] - counts_b[2]) / n_b
    return Comparison(
        kpi=kpi, estimate_a=est_a, estimate_b=est_b, difference=100.0 * diff,
        ci_low=100.0 * low, ci_high=100.0 * high,  # one-sided: ±200, the ends of the scale
        statistic=test.statistic, pvalue=test.pvalue, method=method, test=test.test,
        confidence_level=level, unit="points", n_a=n_a, n_b=n_b, alternative=alternative,
        label_a=label_a, label_b=label_b,
        details={"counts_a": counts_a, "counts_b": counts_b, "standard_error": 100.0 * se,
                 "n_excluded_a": excl_a, "n_excluded_b": excl_b},
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


# ---------------------------------------------------------------------------------- CSAT


def _map_labels(series: pd.Series, labels: Mapping[str, float] | None,
                column: str | None) -> pd.Series:
    """Replace labelled answers ("very satisfied") by their scale values."""
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series
    mapping = {k.strip().lower(): v for k, v in (labels or CSAT_LABELS).items()}

    def convert(v: Any) -> Any:
        if isinstance(v, str):
            key = v.strip().lower()
            if key in mapping:
                return mapping[key]
        return v

    return series.map(convert)


def _clean_scale_positions(
    values: Any, *, scale: tuple[int, int], labels: Mapping[str, float] | None,
    missing: MissingPolicy,
) -> tuple[pd.Series, np.ndarray, pd.DataFrame, str | None]:
    """Usable scale answers, their row positions, the excluded rows and the column name.

    Works by position, so a duplicate index (as after ``pd.concat``) is fine; excluded rows
    keep their original labels and show the value as given (before labels were mapped).
    """
    series = as_series(values)
    column = None if series.name is None else str(series.name)
    lo, hi = scale
    if lo >= hi:
        raise ValueError(f"scale must be (low, high) with low < high, got {scale!r}")
    mapped = _map_labels(series, labels, column)
    clean, positions, excluded = clean_by_position(
        clean_numeric, mapped, column=column, lower=lo, upper=hi, integer=True,
        missing=missing, scale_text=f"{lo}–{hi}")
    if len(excluded):
        excluded_at = np.setdiff1d(np.arange(len(series)), positions, assume_unique=True)
        excluded["value"] = series.iloc[excluded_at].to_numpy(dtype=object)
    return clean, positions, excluded, column


def _clean_scale(values: Any, *, scale: tuple[int, int], labels: Mapping[str, float] | None,
                 missing: MissingPolicy) -> tuple[pd.Series, pd.DataFrame, str | None]:
    clean, _, excluded, column = _clean_scale_positions(values, scale=scale, labels=labels,
                                                        missing=missing)
    return clean, excluded, column


def _check_positive(positive: Sequence[int], scale: tuple[int, int]) -> np.ndarray:
    pos = np.asarray(list(positive), dtype=float)
    if pos.size == 0:
        raise ValueError("positive must name at least one scale value")
    if np.any((pos < scale[0]) | (pos > scale[1])):
        raise ValueError(f"positive={tuple(positive)!r} is outside the scale {scale!r}")
    return pos


def csat(
    ratings: Any,
    *,
    scale: tuple[int, int] = (1, 5),
    positive: Sequence[int] = (4, 5),
    statistic: Literal["top_box", "mean"] = "top_box",
    labels: Mapping[str, float] | None = None,
    confidence_level: float = 0.95,
    method: ProportionMethod | Literal["t"] = "wilson",
    alternative: str = "two-sided",
    missing: MissingPolicy = "exclude",
    kpi: str = "csat",
) -> KpiEstimate:
    """Customer satisfaction: share of positive answers (top-2 box) in %, or the mean score.

    Parameters
    ----------
    ratings : Series or array-like
        Whole numbers on ``scale``, or labelled answers ("very satisfied", "satisfied",
        "neutral", "dissatisfied", "very dissatisfied"; or your own ``labels``).
    scale : (low, high), default (1, 5)
    positive : sequence of int, default (4, 5)
        The answers that count as satisfied.
    statistic : {"top_box", "mean"}, default "top_box"
        ``"top_box"``: % positive with a proportion interval (``method``, default Wilson).
        ``"mean"``: mean score with Student's t interval (``method="t"``).
    labels : mapping, optional
        Your own label → value mapping (case-insensitive).
    confidence_level, alternative, missing : see `nps`.
    method : str, default "wilson"
        For ``"top_box"`` any of `kpitools.stats.intervals.PROPORTION_METHODS`.

    Returns
    -------
    KpiEstimate
        ``unit="%"`` (top box) or ``"score"`` (mean); ``details`` has ``positive`` and
        ``n`` for the top box.

    Examples
    --------
    >>> r = csat(["very satisfied", "satisfied", "neutral", 5, 4, 2, 1, 5, 4, 3])
    >>> r.estimate, round(r.ci_low, 1), round(r.ci_high, 1)
    (60.0, 31.3, 83.2)
    """
    level = check_confidence_level(confidence_level)
    check_choice("statistic", statistic, ("top_box", "mean"))
    check_alternative(alternative)
    clean, excluded, column = _clean_scale(ratings, scale=scale, labels=labels, missing=missing)
    n = len(clean)
    require_nonempty(n, column=column, what=kpi.upper(), n_excluded=len(excluded))
    warn_if_small(n, what=kpi.upper())
    if statistic == "mean":
        if method not in ("t", "wilson"):
            check_choice("method", method, ("t",))
        mean, low, high = mean_ci(clean.to_numpy(), confidence_level=level,
                                  alternative=alternative)
        low = max(low, scale[0])
        high = min(high, scale[1])
        return KpiEstimate(kpi=f"{kpi}_mean", estimate=mean, ci_low=low, ci_high=high, n=n,
                           n_excluded=len(excluded), method="t", confidence_level=level,
                           unit="score", details={"scale": scale}, excluded=excluded)
    # Narrowing point: check_choice raises unless ``method`` is a proportion method ("t" is
    # only valid for the mean), so the value is a ProportionMethod from here on.
    top_box_method = cast(ProportionMethod, check_choice("method", method, PROPORTION_METHODS))
    pos = _check_positive(positive, scale)
    k = int(np.isin(clean.to_numpy(), pos).sum())
    low, high = proportion_ci(k, n, confidence_level=level, method=top_box_method,
                              alternative=alternative)
    return KpiEstimate(kpi=kpi, estimate=100.0 * k / n, ci_low=100.0 * low,
                       ci_high=100.0 * high, n=n, n_excluded=len(excluded),
                       method=top_box_method,
                       confidence_level=level, unit="%",
                       details={"positive": k, "scale": scale, "positive_values": tuple(positive)},
                       excluded=excluded)


def _proportion_comparison(kpi: str, ka: int, na: int, kb: int, nb: int, *,
                           confidence_level: float, method: DiffMethod, test: ProportionTest,
                           alternative: str, label_a: str, label_b: str,
                           details: dict[str, Any] | None = None) -> Comparison:
    """Comparison of two proportions in percent: Newcombe-type CI of b − a and a test."""
    low, high = diff_proportions_ci(kb, nb, ka, na, confidence_level=confidence_level,
                                    method=method, alternative=alternative)
    result = two_proportion_test(kb, nb, ka, na, test=test, alternative=alternative)
    return Comparison(
        kpi=kpi, estimate_a=100.0 * ka / na, estimate_b=100.0 * kb / nb,
        difference=100.0 * (kb / nb - ka / na), ci_low=100.0 * low, ci_high=100.0 * high,
        statistic=result.statistic, pvalue=result.pvalue, method=method, test=result.test,
        confidence_level=confidence_level, unit="%", n_a=na, n_b=nb, alternative=alternative,
        label_a=label_a, label_b=label_b, details=details or {},
    )


def compare_csat(
    a: Any,
    b: Any,
    *,
    scale: tuple[int, int] = (1, 5),
    positive: Sequence[int] = (4, 5),
    statistic: Literal["top_box", "mean"] = "top_box",
    labels: Mapping[str, float] | None = None,
    confidence_level: float = 0.95,
    method: DiffMethod | None = None,
    test: ProportionTest = "auto",
    alternative: str = "two-sided",
    missing: MissingPolicy = "exclude",
    label_a: str = "a",
    label_b: str = "b",
    kpi: str = "csat",
) -> Comparison:
    """Compare CSAT of ``b`` against the baseline ``a`` (``difference = b − a``).

    Top box: Newcombe hybrid-score interval of the difference in percentage points
    (``method``, any of `kpitools.stats.intervals.DIFF_METHODS`) and the two-proportion z test, or
    Fisher's exact test when an expected count is below 5 (``test="auto"``). Mean: Welch's
    t interval and test, with the Mann–Whitney p-value as the ordinal check in ``details``.

    Examples
    --------
    >>> c = compare_csat([5, 4, 2, 3, 4, 5, 1, 4, 3, 4], [5, 5, 4, 4, 5, 3, 4, 5, 4, 5])
    >>> c.estimate_a, c.estimate_b, c.test
    (60.0, 90.0, 'fisher_exact')
    """
    level = check_confidence_level(confidence_level)
    check_choice("statistic", statistic, ("top_box", "mean"))
    ca, ea, _ = _clean_scale(a, scale=scale, labels=labels, missing=missing)
    cb, eb, _ = _clean_scale(b, scale=scale, labels=labels, missing=missing)
    require_nonempty(len(ca), what=f"{kpi.upper()} of {label_a}")
    require_nonempty(len(cb), what=f"{kpi.upper()} of {label_b}")
    warn_if_small(min(len(ca), len(cb)), what=f"{kpi.upper()} comparison")
    details = {"n_excluded_a": len(ea), "n_excluded_b": len(eb)}
    if statistic == "mean":
        return _mean_comparison(f"{kpi}_mean", ca.to_numpy(), cb.to_numpy(),
                                confidence_level=level, alternative=alternative,
                                label_a=label_a, label_b=label_b, unit="score",
                                details=details)
    pos = _check_positive(positive, scale)
    ka, kb = int(np.isin(ca.to_numpy(), pos).sum()), int(np.isin(cb.to_numpy(), pos).sum())
    return _proportion_comparison(kpi, ka, len(ca), kb, len(cb), confidence_level=level,
                                  method=method or "newcombe", test=test,
                                  alternative=alternative, label_a=label_a, label_b=label_b,
                                  details=details)


def _mean_comparison(kpi: str, xa: np.ndarray, xb: np.ndarray, *, confidence_level: float,
                     alternative: str, label_a: str, label_b: str, unit: str,
                     details: dict[str, Any]) -> Comparison:
    diff, low, high, t, p = welch_test(xa, xb, confidence_level=confidence_level,
                                       alternative=alternative)
    mw = mann_whitney_test(xa, xb, alternative=alternative)
    return Comparison(
        kpi=kpi, estimate_a=float(xa.mean()), estimate_b=float(xb.mean()), difference=diff,
        ci_low=low, ci_high=high, statistic=t, pvalue=p, method="welch_t", test="welch_t",
        confidence_level=confidence_level, unit=unit, n_a=len(xa), n_b=len(xb),
        alternative=alternative, label_a=label_a, label_b=label_b,
        details={**details, "mann_whitney_u": mw.statistic, "mann_whitney_pvalue": mw.pvalue},
    )


# ----------------------------------------------------------------------------------- CES


def _check_variant(variant: Any) -> dict[str, Any]:
    check_choice("variant", variant, tuple(CES_VARIANTS))
    return CES_VARIANTS[variant]


def ces(
    scores: Any,
    *,
    variant: Literal["effort_1_5_mean", "effort_1_7_net", "ease_1_7_mean", "ease_1_7_top_box"],
    confidence_level: float = 0.95,
    method: ProportionMethod | NpsMethod | Literal["t"] | None = None,
    alternative: str = "two-sided",
    missing: MissingPolicy = "exclude",
) -> KpiEstimate:
    """Customer Effort Score in one of the catalogue's variants, chosen explicitly.

    Parameters
    ----------
    scores : Series or array-like of int
    variant : str, required (never guessed)
        - ``"effort_1_5_mean"`` (variant A): 1–5, 1 = very low effort; mean score, lower is
          better; Student's t interval.
        - ``"effort_1_7_net"`` (variant B): 1–7; low 1–2, medium 3–4, high 5–7;
          CES = %high − %low in points, with the NPS machinery (trinomial variance,
          ``method`` as in `nps`, default adjusted Wald).
        - ``"ease_1_7_mean"`` (variant C, CES 2.0 [Dixon10]_): 1–7 agreement with "the
          company made it easy"; mean, higher is better; t interval.
        - ``"ease_1_7_top_box"`` (variant C): % answering 5–7; Wilson interval.

    Returns
    -------
    KpiEstimate with ``kpi="ces"`` and ``details["variant"]``.

    Examples
    --------
    >>> r = ces([7, 6, 5, 5, 3, 2, 7, 6, 4, 5], variant="ease_1_7_top_box")
    >>> r.estimate, r.unit
    (70.0, '%')
    >>> ces([2, 1, 3, 2, 4, 2, 1, 3, 2, 2], variant="effort_1_5_mean").estimate
    2.2
    """
    spec = _check_variant(variant)
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    lo, hi = spec["scale"]
    clean, excluded, column = _clean_scale(scores, scale=(lo, hi), labels={}, missing=missing)
    n = len(clean)
    require_nonempty(n, column=column, what="CES", n_excluded=len(excluded))
    warn_if_small(n, what="CES")
    x = clean.to_numpy()
    details: dict[str, Any] = {"variant": variant, "scale": (lo, hi),
                               "higher_is_better": spec["higher_is_better"]}
    if spec["kind"] == "mean":
        if method not in (None, "t"):
            check_choice("method", method, ("t",))
        mean, low, high = mean_ci(x, confidence_level=level, alternative=alternative)
        return KpiEstimate(kpi="ces", estimate=mean, ci_low=max(low, lo), ci_high=min(high, hi),
                           n=n, n_excluded=len(excluded), method="t", confidence_level=level,
                           unit="score", details=details, excluded=excluded)
    if spec["kind"] == "top_box":
        # Narrowing point: check_choice raises unless the name is a proportion method.
        top_box_method = cast(ProportionMethod, check_choice("method", method or "wilson",
                                                             PROPORTION_METHODS))
        k = int((x >= 5).sum())
        low, high = proportion_ci(k, n, confidence_level=level, method=top_box_method,
                                  alternative=alternative)
        return KpiEstimate(kpi="ces", estimate=100.0 * k / n, ci_low=100 * low,
                           ci_high=100 * high, n=n, n_excluded=len(excluded),
                           method=top_box_method,
                           confidence_level=level, unit="%", details={**details, "positive": k},
                           excluded=excluded)
    # Narrowing point: check_choice raises unless the name is an NPS method.
    net_method = cast(NpsMethod, check_choice("method", method or "adjusted_wald", NPS_METHODS))
    high_n, low_n = int((x >= 5).sum()), int((x <= 2).sum())
    result = _nps_result("ces", high_n, n - high_n - low_n, low_n, confidence_level=level,
                         method=net_method, alternative=alternative, n_excluded=len(excluded),
                         excluded=excluded)
    d = result.details
    return KpiEstimate(
        kpi="ces", estimate=result.estimate, ci_low=result.ci_low, ci_high=result.ci_high, n=n,
        n_excluded=len(excluded), method=net_method, confidence_level=level, unit="points",
        details={**details, "high": d["promoters"], "medium": d["passives"],
                 "low": d["detractors"], "standard_error": d["standard_error"]},
        excluded=excluded,
    )


# ------------------------------------------------------------------------------ SERVQUAL


def cronbach_alpha(items: pd.DataFrame) -> float:
    """Cronbach's alpha of the item columns of ``items`` (complete rows only) [Cronbach51]_.

    ``alpha = k/(k − 1) · (1 − Σ var(item) / var(total))``.

    Examples
    --------
    >>> df = pd.DataFrame({"q1": [1, 2, 3, 4, 5], "q2": [2, 2, 3, 5, 5], "q3": [1, 3, 3, 4, 4]})
    >>> round(cronbach_alpha(df), 4)
    0.9538
    """
    data = items.dropna()
    k = data.shape[1]
    if k < 2:
        return float("nan")
    item_var = data.var(axis=0, ddof=1).sum()
    total_var = data.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - item_var / total_var))


SERVQUAL_DIMENSIONS = ("reliability", "assurance", "responsiveness", "empathy", "tangibles")


def servqual(
    data: pd.DataFrame,
    items: Mapping[str, Sequence[tuple[str, str]]],
    *,
    weights: Mapping[str, float] | None = None,
    scale: tuple[int, int] = (1, 7),
    confidence_level: float = 0.95,
    missing: MissingPolicy = "exclude",
) -> pd.DataFrame:
    """SERVQUAL gaps (perception − expectation) by dimension and overall [PZB88]_.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    items : mapping dimension → list of (expectation column, perception column)
        Usually the five dimensions reliability, assurance, responsiveness, empathy and
        tangibles; any names are accepted.
    weights : mapping dimension → importance points, optional
        Points summing to 100; the overall gap is then the weighted mean of dimension
        gaps, otherwise the plain mean.
    scale : (low, high), default (1, 7)
        Likert scale of every item.
    confidence_level : float, default 0.95
    missing : {"exclude", "raise"}
        A respondent missing any item of a dimension is excluded from that dimension (and
        from the overall gap); they are counted in ``n_excluded``.

    Returns
    -------
    DataFrame
        One row per dimension, then ``"overall"``: ``dimension, kpi, estimate, ci_low,
        ci_high, confidence_level, method, unit, n, n_excluded, statistic, pvalue,
        expectation, perception, cronbach_alpha``. ``estimate`` is the mean gap with a paired
        t interval; ``statistic``/``pvalue`` test perception = expectation (paired t).
        ``cronbach_alpha`` is computed on the item gap scores of the dimension.

    Examples
    --------
    >>> df = pd.DataFrame({"e1": [6, 7, 6, 5, 6, 7, 6, 5, 6, 7],
    ...                    "p1": [5, 6, 6, 4, 5, 6, 6, 4, 5, 6],
    ...                    "e2": [7, 7, 6, 6, 7, 7, 6, 6, 7, 7],
    ...                    "p2": [5, 7, 5, 5, 6, 7, 5, 5, 6, 6]})
    >>> out = servqual(df, {"reliability": [("e1", "p1"), ("e2", "p2")]})
    >>> out[["dimension", "estimate", "n"]]
         dimension  estimate   n
    0  reliability     -0.85  10
    1      overall     -0.85  10
    """
    from scipy import stats as sps

    level = check_confidence_level(confidence_level)
    if not items:
        raise ValueError("items must map at least one dimension to (expectation, perception) "
                         "column pairs")
    if weights is not None:
        unknown = set(weights) - set(items)
        if unknown:
            raise ValueError(f"weights name unknown dimensions: {sorted(unknown)}")
        total = float(sum(weights.values()))
        if abs(total - 100.0) > 1e-6:
            raise ValueError(f"importance weights must sum to 100 points, got {total:g}")
    lo, hi = scale
    rows = []
    gaps: dict[str, pd.Series] = {}
    for dimension, pairs in items.items():
        if not pairs:
            raise ValueError(f"dimension {dimension!r} has no items")
        item_gaps = {}
        exp_cols, per_cols = [], []
        for e_col, p_col in pairs:
            for col in (e_col, p_col):
                if col not in data.columns:
                    raise DataValidationError(f"column not found in data (dimension "
                                              f"{dimension!r})", column=col)
            # by row position: a duplicate index (as after pd.concat) is fine
            answers = []
            for col in (e_col, p_col):
                clean, positions, _ = clean_by_position(
                    clean_numeric, data[col], column=col, lower=lo, upper=hi, integer=True,
                    missing=missing, scale_text=f"{lo}–{hi}")
                full = np.full(len(data), np.nan)
                full[positions] = clean.to_numpy(dtype=float)
                answers.append(full)
            item_gaps[p_col] = answers[1] - answers[0]
            exp_cols.append(e_col)
            per_cols.append(p_col)
        gap_frame = pd.DataFrame(item_gaps)
        complete = gap_frame.notna().all(axis=1).to_numpy()
        dim_gap = gap_frame[complete].mean(axis=1)
        gaps[dimension] = dim_gap
        expectation = data[exp_cols].iloc[complete].astype(float).mean(axis=1)
        perception = data[per_cols].iloc[complete].astype(float).mean(axis=1)
        rows.append(_gap_row(dimension, dim_gap, expectation, perception,
                             len(data) - int(complete.sum()), level, sps,
                             cronbach_alpha(gap_frame[complete])))
    all_gaps = pd.DataFrame(gaps)
    complete = all_gaps.notna().all(axis=1)
    if weights is None:
        overall = all_gaps[complete].mean(axis=1)
    else:
        w = pd.Series({d: weights.get(d, 0.0) for d in items}) / 100.0
        overall = (all_gaps[complete] * w).sum(axis=1)
    rows.append(_gap_row("overall", overall, None, None, len(data) - int(complete.sum()),
                         level, sps, float("nan"), weighted=weights is not None))
    return pd.DataFrame(rows)


def _gap_row(dimension, gap, expectation, perception, n_excluded, level, sps, alpha,
             weighted=False):
    n = len(gap)
    require_nonempty(n, what=f"SERVQUAL dimension {dimension!r}", n_excluded=n_excluded)
    warn_if_small(n, what=f"SERVQUAL {dimension}", stacklevel=4)
    x = gap.to_numpy(dtype=float)
    if n >= 2 and x.std(ddof=1) > 0:
        mean, low, high = mean_ci(x, confidence_level=level)
        res = sps.ttest_1samp(x, 0.0)
        stat, p = float(res.statistic), float(res.pvalue)
    else:
        mean, low, high, stat, p = float(x.mean()), float("nan"), float("nan"), float("nan"), \
            float("nan")
    return {
        "dimension": dimension, "kpi": "servqual_gap", "estimate": mean, "ci_low": low,
        "ci_high": high, "confidence_level": level,
        "method": "t_weighted" if weighted else "t", "unit": "gap points", "n": n,
        "n_excluded": n_excluded, "statistic": stat, "pvalue": p,
        "expectation": float(expectation.mean()) if expectation is not None else float("nan"),
        "perception": float(perception.mean()) if perception is not None else float("nan"),
        "cronbach_alpha": alpha,
    }
