"""Customer Effort Score (CES) in one of three explicitly chosen variants: functions, grouped
summary and registration [Dixon10]_.


References
----------
.. [Dixon10] Dixon M, Freeman K, Toman N (2010). Stop trying to delight your customers.
   Harvard Business Review 88(7/8):116–122 (CES); CEB (2013) CES 2.0.
.. [Sauro] Sauro J, Lewis JR (2016). Quantifying the User Experience, 2nd ed.; MeasuringU
   (2021) adjusted-Wald NPS interval.
"""

from __future__ import annotations

from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from kpitools.core.results import (
    KpiEstimate,
)
from kpitools.core.validation import (
    MissingPolicy,
    check_alternative,
    check_choice,
    check_confidence_level,
    require_nonempty,
    warn_if_small,
)
from kpitools.kpis.catalogue import VARIANT_UNIT, KpiDefinition, options_of, register_kpi
from kpitools.kpis.common import (
    compare_mean_cells,
    compare_nps_cells,
    compare_proportion_cells,
    compare_proportions,
    group_table,
    proportion_columns,
    reject_options,
)
from kpitools.kpis.survey.csat import (
    _check_t_method,
    _clean_scale,
    _mean_comparison,
    _mean_table,
    _scale_cells,
    _scale_groups,
)
from kpitools.kpis.survey.nps import _nps_result, compare_nps_counts, nps_columns
from kpitools.stats.intervals import (
    DIFF_METHODS,
    NPS_METHODS,
    PROPORTION_METHODS,
    DiffMethod,
    NpsMethod,
    ProportionMethod,
    proportion_ci,
)
from kpitools.stats.significance import (
    mean_ci,
)
from kpitools.tables.keys import (
    grouped_counts,
)

__all__ = ["ces", "CES_VARIANTS"]

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
        mean = float(x.mean())
        low, high = mean_ci(x, confidence_level=level, alternative=alternative)
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


def _ces_summarize(data: pd.DataFrame, value: str, keys: list[str], *,
                   confidence_level: float, variant: str | None = None,
                   method: str | None = None, alternative: str = "two-sided",
                   missing: MissingPolicy = "exclude", **options: Any) -> pd.DataFrame:
    """CES per group in the chosen variant, as `kpitools.ces` on each group's rows.

    Means (variants A and C): Student's t interval, clipped to the scale; net (variant B):
    NPS-type interval of %high − %low (default adjusted Wald); top box (variant C): a
    proportion interval (default Wilson).
    """
    if variant is None:
        raise TypeError("ces needs variant=...: one of 'effort_1_5_mean', 'effort_1_7_net', "
                        "'ease_1_7_mean', 'ease_1_7_top_box' (never guessed)")
    spec = _check_variant(variant)
    check_alternative(alternative)
    reject_options("ces", options)
    if spec["kind"] == "mean":
        _check_t_method(method)
    elif spec["kind"] == "top_box":
        check_choice("method", method or "wilson", PROPORTION_METHODS)
    else:
        check_choice("method", method or "adjusted_wald", NPS_METHODS)
    scale = spec["scale"]
    x, codes, n_excl, groups, excluded = _scale_groups(data, value, keys, scale=scale,
                                                       labels={}, missing=missing)
    if spec["kind"] == "mean":
        return _mean_table("ces", x, codes, n_excl, groups,
                           confidence_level=confidence_level, alternative=alternative,
                           scale=scale, excluded=excluded)
    # category 0 = high (5–7), 1 = medium (3–4), 2 = low (1–2)
    category = np.where(x >= 5, 0, np.where(x <= 2, 2, 1)).astype(np.int8)
    counts = grouped_counts(codes, category, len(groups), 3)
    if spec["kind"] == "top_box":
        top_method = cast(ProportionMethod, method or "wilson")
        n = counts.sum(axis=1)
        estimate, low, high = proportion_columns(counts[:, 0], n,
                                                 confidence_level=confidence_level,
                                                 method=top_method, alternative=alternative)
        unit, used = "%", str(top_method)
    else:
        net_method = cast(NpsMethod, method or "adjusted_wald")
        n, estimate, low, high = nps_columns(counts[:, 0], counts[:, 1], counts[:, 2],
                                             confidence_level=confidence_level,
                                             method=net_method, alternative=alternative)
        unit, used = "points", net_method
    return group_table(groups, {
        "kpi": "ces", "estimate": estimate, "ci_low": low, "ci_high": high,
        "confidence_level": confidence_level, "method": used, "unit": unit,
        "n": np.asarray(n).astype(np.int64), "n_excluded": n_excl.astype(np.int64),
    }, excluded)


def _ces_estimate(data, value, *, confidence_level, **kwargs):
    return ces(data[value], confidence_level=confidence_level, **kwargs)


def _ces_compare(a, b, value, *, confidence_level, variant: str,
                 method: DiffMethod | NpsMethod | None = None, alternative: str = "two-sided",
                 missing: MissingPolicy = "exclude", label_a: str = "a", label_b: str = "b"):
    spec = _check_variant(variant)
    lo, hi = spec["scale"]
    ca, ea, _ = _clean_scale(a[value], scale=(lo, hi), labels={}, missing=missing)
    cb, eb, _ = _clean_scale(b[value], scale=(lo, hi), labels={}, missing=missing)
    details = {"variant": variant, "n_excluded_a": len(ea), "n_excluded_b": len(eb)}
    xa, xb = ca.to_numpy(), cb.to_numpy()
    if spec["kind"] == "mean":
        return _mean_comparison("ces", xa, xb, confidence_level=confidence_level,
                                alternative=alternative, label_a=label_a, label_b=label_b,
                                unit="score", details=details)
    if spec["kind"] == "top_box":
        # Narrowing point: check_choice raises unless the name is a difference method (the
        # same check and message as in diff_proportions_ci; confidence_level is already valid).
        diff_method = cast(DiffMethod, check_choice("method", method or "newcombe",
                                                    DIFF_METHODS))
        return compare_proportions(int((xa >= 5).sum()), len(xa), int((xb >= 5).sum()),
                                   len(xb), kpi="ces", confidence_level=confidence_level,
                                   method=diff_method, test="auto", alternative=alternative,
                                   label_a=label_a, label_b=label_b, details=details)
    counts_a = (int((xa >= 5).sum()), int(((xa > 2) & (xa < 5)).sum()), int((xa <= 2).sum()))
    counts_b = (int((xb >= 5).sum()), int(((xb > 2) & (xb < 5)).sum()), int((xb <= 2).sum()))
    # Narrowing point: check_choice raises unless the name is an NPS method (the same check,
    # and message, as in compare_nps).
    nps_method = cast(NpsMethod, check_choice("method", method or "adjusted_wald", NPS_METHODS))
    return compare_nps_counts(counts_a, counts_b, confidence_level=confidence_level,
                              method=nps_method, alternative=alternative,
                              label_a=label_a, label_b=label_b, kpi="ces", details=details)


def _ces_compare_groups(data: pd.DataFrame, value: str, cells: np.ndarray, n_cells: int,
                        index_a: np.ndarray, index_b: np.ndarray, *, confidence_level: float,
                        variant: str, method: DiffMethod | NpsMethod | None = None,
                        alternative: str = "two-sided", missing: MissingPolicy = "exclude"
                        ) -> dict[str, Any] | None:
    """`_ces_compare` of every pair of cells at once: Welch (mean), Newcombe with the z /
    Fisher test (top box) or the NPS-type net score (Wald-type methods)."""
    spec = _check_variant(variant)
    x, at = _scale_cells(data, value, cells, scale=spec["scale"], labels={}, missing=missing)
    if spec["kind"] == "mean":
        return compare_mean_cells(x, at, n_cells, index_a, index_b, kpi="ces", unit="score",
                                  confidence_level=confidence_level, alternative=alternative)
    if spec["kind"] == "top_box":
        diff_method = cast(DiffMethod, check_choice("method", method or "newcombe",
                                                    DIFF_METHODS))
        return compare_proportion_cells(
            np.bincount(at, weights=x >= 5, minlength=n_cells),
            np.bincount(at, minlength=n_cells), index_a, index_b, kpi="ces",
            confidence_level=confidence_level, method=diff_method, alternative=alternative)
    nps_method = cast(NpsMethod, check_choice("method", method or "adjusted_wald", NPS_METHODS))
    category = np.where(x >= 5, 0, np.where(x > 2, 1, 2))
    counts = np.bincount(at * 3 + category, minlength=n_cells * 3).reshape(-1, 3)
    return compare_nps_cells(counts, index_a, index_b, kpi="ces",
                             confidence_level=confidence_level, method=nps_method,
                             alternative=alternative)


register_kpi(KpiDefinition(
    name="ces", unit=VARIANT_UNIT, higher_is_better=None, estimate=_ces_estimate,
    compare=_ces_compare, summarize=_ces_summarize, default_value="ces",
    description="Customer Effort Score; pass variant=... (never guessed)",
    options=options_of(ces, "scores"),
    compare_options=options_of(_ces_compare, "a", "b", "value", "label_a", "label_b"),
    compare_groups=_ces_compare_groups,
))
