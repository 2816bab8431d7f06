"""Customer satisfaction (CSAT, top box and mean): functions, grouped summary, registration.

CSAT = share of positive answers (top-2 box by default) in percent, or the mean score. The
scale helpers here (labelled answers, scale validation) are shared with CES.

"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from kpitools.core.results import (
    Comparison,
    KpiEstimate,
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
    compare_mean_cells,
    compare_proportion_cells,
    compare_proportions,
    group_table,
    grouped_t_interval,
    proportion_columns,
    reject_options,
    scale_answer_counts,
    warn_small_comparisons,
)
from kpitools.stats.intervals import (
    PROPORTION_METHODS,
    DiffMethod,
    ProportionMethod,
    proportion_ci,
)
from kpitools.stats.significance import (
    ProportionTest,
    mann_whitney_test,
    mean_ci,
    welch_test,
)
from kpitools.tables.keys import (
    KeyCodes,
    clean_by_position,
    column_sums,
    group_codes,
    grouped_moments,
)

__all__ = ["csat", "compare_csat", "CSAT_LABELS"]

CSAT_LABELS: dict[str, int] = {
    "very dissatisfied": 1,
    "dissatisfied": 2,
    "neutral": 3,
    "neither satisfied nor dissatisfied": 3,
    "satisfied": 4,
    "very satisfied": 5,
}


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
        mean = float(clean.to_numpy().mean())
        low, high = mean_ci(clean.to_numpy(), confidence_level=level, alternative=alternative)
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

    Top box: `kpitools.kpis.common.compare_proportions`, Newcombe hybrid-score interval of
    the difference in percentage points (``unit="percentage points"``)
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
    return compare_proportions(ka, len(ca), kb, len(cb), kpi=kpi, confidence_level=level,
                               method=method or "newcombe", test=test,
                               alternative=alternative, label_a=label_a, label_b=label_b,
                               details=details)


def _mean_comparison(kpi: str, xa: np.ndarray, xb: np.ndarray, *, confidence_level: float,
                     alternative: str, label_a: str, label_b: str, unit: str,
                     details: dict[str, Any]) -> Comparison:
    welch = welch_test(xa, xb, alternative=alternative)
    diff, t, p = welch.estimate, welch.statistic, welch.pvalue
    low, high = welch.confidence_interval(confidence_level)
    mw = mann_whitney_test(xa, xb, alternative=alternative)
    return Comparison(
        kpi=kpi, estimate_a=float(xa.mean()), estimate_b=float(xb.mean()), difference=diff,
        ci_low=low, ci_high=high, statistic=t, pvalue=p, method="welch_t", test="welch_t",
        confidence_level=confidence_level, unit=unit, n_a=len(xa), n_b=len(xb),
        alternative=alternative, label_a=label_a, label_b=label_b,
        details={**details, "mann_whitney_u": mw.statistic, "mann_whitney_pvalue": mw.pvalue},
    )


def _scale_groups(data: pd.DataFrame, value: str, keys: list[str], *, scale: tuple[int, int],
                  labels: Any, missing: MissingPolicy):
    """Validated answers, their group codes, per-group exclusions, the groups and excluded rows."""
    clean, positions, excluded, _ = _clean_scale_positions(data[value], scale=scale,
                                                           labels=labels, missing=missing)
    codes, groups = group_codes(data, keys)
    n_excl = np.ones(len(data), dtype=bool)
    n_excl[positions] = False
    excluded_counts = np.bincount(codes[n_excl], minlength=len(groups))
    return clean.to_numpy(dtype=float), codes[positions], excluded_counts, groups, excluded


def _csat_summarize(data: pd.DataFrame, value: str, keys: list[str], *,
                    confidence_level: float, method: ProportionMethod = "wilson",
                    alternative: str = "two-sided", missing: MissingPolicy = "exclude",
                    scale: tuple[int, int] = (1, 5), positive=(4, 5), labels=None,
                    **options: Any) -> pd.DataFrame:
    check_choice("method", method, PROPORTION_METHODS)
    check_alternative(alternative)
    reject_options("csat", options)
    lo, hi = scale
    key_codes = KeyCodes(data, keys)
    # every group's count of each answer lo..hi (and, last, of excluded rows) in one pass
    fold = _positive_fold(positive, scale)
    counts, excluded = scale_answer_counts(
        data[value], key_codes, lower=lo, upper=hi, missing=missing, column=value,
        clean=lambda: _clean_scale_positions(data[value], scale=scale, labels=labels,
                                             missing=missing)[:3], fold=fold)
    if fold is not None:  # columns: other answers, positive answers, excluded rows
        other, k, n_excl = counts.T
        n = other + k
    else:
        pos = _check_positive(positive, scale)  # raises here, after the answers' errors
        columns = sorted({int(p) - int(lo) for p in pos.tolist() if p == np.floor(p)})
        n, k, n_excl = (column_sums(counts, slice(0, -1)), column_sums(counts, columns),
                        counts[:, -1])
    present = np.flatnonzero(n + n_excl) if keys else np.arange(1)  # the groups with rows
    if present.size < len(counts):
        n, k, n_excl = n[present], k[present], n_excl[present]
    groups = key_codes.frame(present)
    estimate, low, high = proportion_columns(k, n,
                                             confidence_level=confidence_level,
                                             method=method, alternative=alternative)
    return group_table(groups, {
        "kpi": "csat", "estimate": estimate, "ci_low": low, "ci_high": high,
        "confidence_level": confidence_level, "method": method, "unit": "%",
        "n": n.astype(np.int64), "n_excluded": n_excl.astype(np.int64),
    }, excluded)


def _positive_fold(positive: Any, scale: tuple[int, int]) -> np.ndarray | None:
    """The ``fold`` of `scale_answer_counts` that counts CSAT's answers as other (0),
    positive (1) and excluded (2); None when ``positive`` or ``scale`` would raise or the
    scale is not whole numbers (the unfolded counts then keep the order of the errors)."""
    lo, hi = scale
    try:
        whole = int(lo) == lo and int(hi) == hi and lo < hi
        pos = _check_positive(positive, scale) if whole else None
    except (TypeError, ValueError):
        return None
    if pos is None:
        return None
    fold = np.zeros(int(hi) - int(lo) + 2, dtype=np.intp)
    fold[[int(p) - int(lo) for p in pos.tolist() if p == np.floor(p)]] = 1
    fold[-1] = 2
    return fold


def _mean_table(kpi: str, x: np.ndarray, codes: np.ndarray, n_excl: np.ndarray,
                groups: pd.DataFrame, *, confidence_level: float, alternative: str,
                scale: tuple[int, int], excluded: pd.DataFrame) -> pd.DataFrame:
    count, mean, m2 = grouped_moments(codes, x, len(groups))
    low, high = grouped_t_interval(count, mean, m2, confidence_level=confidence_level,
                                   alternative=alternative, scale=scale)
    return group_table(groups, {
        "kpi": kpi, "estimate": mean, "ci_low": low, "ci_high": high,
        "confidence_level": confidence_level, "method": "t", "unit": "score",
        "n": count.astype(np.int64), "n_excluded": n_excl.astype(np.int64),
    }, excluded)


def _check_t_method(method: Any) -> None:
    """A mean has only Student's t interval: ``method`` must be None or ``"t"``."""
    if method is not None:
        check_choice("method", method, ("t",))


def _csat_mean_summarize(data: pd.DataFrame, value: str, keys: list[str], *,
                         confidence_level: float, method: str | None = None,
                         alternative: str = "two-sided", missing: MissingPolicy = "exclude",
                         scale: tuple[int, int] = (1, 5), positive: Any = None,
                         labels: Any = None, **options: Any) -> pd.DataFrame:
    """Mean CSAT score per group with Student's t interval, as `kpitools.csat` (mean).

    A group of one answer has its mean and a NaN interval (a t interval needs two values);
    ``positive`` is accepted (and unused) as in `kpitools.csat` with ``statistic="mean"``.
    """
    _check_t_method(method)
    check_alternative(alternative)
    reject_options("csat_mean", options)
    x, codes, n_excl, groups, excluded = _scale_groups(data, value, keys, scale=scale,
                                                       labels=labels, missing=missing)
    return _mean_table("csat_mean", x, codes, n_excl, groups,
                       confidence_level=confidence_level, alternative=alternative,
                       scale=scale, excluded=excluded)


def _csat_estimate(data, value, *, confidence_level, **kwargs):
    return csat(data[value], confidence_level=confidence_level, **kwargs)


def _csat_compare(a, b, value, *, confidence_level, **kwargs):
    return compare_csat(a[value], b[value], confidence_level=confidence_level, **kwargs)


def _csat_mean_estimate(data, value, *, confidence_level, method=None, **kwargs):
    _check_t_method(method)
    return csat(data[value], confidence_level=confidence_level, statistic="mean", method="t",
                **kwargs)


def _csat_mean_compare(a, b, value, *, confidence_level, method=None, **kwargs):
    _check_t_method(method)
    return compare_csat(a[value], b[value], confidence_level=confidence_level,
                        statistic="mean", **kwargs)

def _scale_cells(data: pd.DataFrame, value: str, cells: np.ndarray, *,
                 scale: tuple[int, int], labels: Mapping[str, float] | None,
                 missing: MissingPolicy) -> tuple[np.ndarray, np.ndarray]:
    """The usable answers (validated as `compare_csat` validates each sample) and their cells."""
    clean, positions, _, _ = _clean_scale_positions(data[value], scale=scale, labels=labels,
                                                    missing=missing)
    return clean.to_numpy(dtype=float), cells[positions]


def _csat_compare_cells(kpi: str, x: np.ndarray, cells: np.ndarray, n_cells: int,
                        index_a: np.ndarray, index_b: np.ndarray, *, statistic: str,
                        positive: Sequence[int], scale: tuple[int, int],
                        confidence_level: float, method: DiffMethod | None,
                        test: ProportionTest, alternative: str) -> dict[str, Any] | None:
    """`compare_csat` of every pair of cells: top box (Newcombe, z / Fisher) or mean (Welch)."""
    n = np.bincount(cells, minlength=n_cells)
    if (n[index_a] == 0).any() or (n[index_b] == 0).any():
        return None  # pair by pair: "no usable values"
    warn_small_comparisons(n[index_a], n[index_b], what=f"{kpi.upper()} comparison")
    if statistic == "mean":
        return compare_mean_cells(x, cells, n_cells, index_a, index_b, kpi=f"{kpi}_mean",
                                  unit="score", confidence_level=confidence_level,
                                  alternative=alternative)
    pos = _check_positive(positive, scale)
    k = np.bincount(cells, weights=np.isin(x, pos), minlength=n_cells)
    return compare_proportion_cells(k, n, index_a, index_b, kpi=kpi,
                                    confidence_level=confidence_level,
                                    method=method or "newcombe", test=test,
                                    alternative=alternative)


def _csat_compare_groups(statistic: Literal["top_box", "mean"]):
    def compare_groups(data: pd.DataFrame, value: str, cells: np.ndarray, n_cells: int,
                       index_a: np.ndarray, index_b: np.ndarray, *, confidence_level: float,
                       scale: tuple[int, int] = (1, 5), positive: Sequence[int] = (4, 5),
                       labels: Mapping[str, float] | None = None,
                       method: DiffMethod | None = None, test: ProportionTest = "auto",
                       alternative: str = "two-sided", missing: MissingPolicy = "exclude"
                       ) -> dict[str, Any] | None:
        if statistic == "mean":
            _check_t_method(method)
            method = None
        x, at = _scale_cells(data, value, cells, scale=scale, labels=labels, missing=missing)
        return _csat_compare_cells("csat", x, at, n_cells, index_a, index_b,
                                   statistic=statistic, positive=positive, scale=scale,
                                   confidence_level=confidence_level, method=method,
                                   test=test, alternative=alternative)

    return compare_groups


_CSAT_OPTIONS = options_of(csat, "ratings", "kpi", "statistic")
_CSAT_COMPARE_OPTIONS = options_of(compare_csat, "a", "b", "kpi", "label_a", "label_b",
                                   "statistic")
register_kpi(KpiDefinition(
    name="csat", unit="%", higher_is_better=True, estimate=_csat_estimate,
    compare=_csat_compare, summarize=_csat_summarize, default_value="csat",
    description="CSAT: share of positive answers (top-2 box by default)",
    aggregate="proportion", options=_CSAT_OPTIONS, compare_options=_CSAT_COMPARE_OPTIONS,
    compare_groups=_csat_compare_groups("top_box"),
))
register_kpi(KpiDefinition(
    name="csat_mean", unit="score", higher_is_better=True, estimate=_csat_mean_estimate,
    compare=_csat_mean_compare, summarize=_csat_mean_summarize, default_value="csat",
    description="Mean CSAT score with a t interval",
    options=_CSAT_OPTIONS, compare_options=_CSAT_COMPARE_OPTIONS - {"test"},
    compare_groups=_csat_compare_groups("mean"),
))
