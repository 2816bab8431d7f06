"""Registration of the survey KPIs (nps, enps, csat, csat_mean, ces) for summarize/compare.

Grouped NPS and CSAT are computed from category counts in one vectorised pass: validate the
column once, code each answer's category, ``bincount`` over group × category, then compute
every group's interval with the array-aware functions of `kpitools.stats.intervals`.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pandas as pd

from kpitools.core.results import ESTIMATE_COLUMNS, as_excluded_rows
from kpitools.core.validation import MissingPolicy, check_choice, clean_numeric
from kpitools.kpis.catalogue import KpiDefinition, register_kpi
from kpitools.kpis.survey import (
    _check_positive,
    _clean_scale,
    ces,
    compare_csat,
    compare_nps,
    csat,
    nps,
)
from kpitools.stats.intervals import (
    DIFF_METHODS,
    NPS_METHODS,
    PROPORTION_METHODS,
    DiffMethod,
    NpsMethod,
    ProportionMethod,
    nps_ci,
    proportion_ci,
)
from kpitools.tables.keys import KeyCodes, group_codes, grouped_counts

__all__: list[str] = []


def _group_table(groups: pd.DataFrame, columns: dict[str, Any]) -> pd.DataFrame:
    table = groups.reset_index(drop=True).copy()
    for name in ESTIMATE_COLUMNS:
        table[name] = columns[name]
    return table


def _excluded_attr(table: pd.DataFrame, excluded: pd.DataFrame) -> pd.DataFrame:
    table.attrs["excluded"] = as_excluded_rows(excluded)
    return table


def _nps_summarize(kpi: str):
    def summarize(data: pd.DataFrame, value: str, keys: list[str], *, confidence_level: float,
                  method: NpsMethod = "adjusted_wald", alternative: str = "two-sided",
                  missing: MissingPolicy = "exclude", **options: Any) -> pd.DataFrame:
        check_choice("method", method, NPS_METHODS)
        if options:
            raise TypeError(f"unexpected options for {kpi}: {sorted(options)}")
        clean, excluded = clean_numeric(data[value], column=value, lower=0, upper=10,
                                        integer=True, missing=missing, scale_text="0–10")
        key_codes = KeyCodes(data, keys)
        # one bincount over (group, answer 0–10 or 11 = excluded); categories summed after
        if len(excluded):
            answers = np.full(len(data), 11, dtype=np.int64)
            answers[data.index.get_indexer(clean.index)] = clean.to_numpy().astype(np.int64)
        else:
            answers = clean.to_numpy().astype(np.int64, copy=False)
        counts = np.bincount(key_codes.combined * 12 + answers,
                             minlength=key_codes.n_combined * 12).reshape(-1, 12)
        present = np.flatnonzero(counts.any(axis=1))
        counts = counts[present]
        det = counts[:, 0:7].sum(axis=1).astype(float)
        pas = counts[:, 7:9].sum(axis=1).astype(float)
        pro = counts[:, 9:11].sum(axis=1).astype(float)
        n_excl = counts[:, 11]
        n = pro + pas + det
        has = n > 0
        low = np.full(len(present), np.nan)
        high = np.full(len(present), np.nan)
        if has.any():
            lo, hi = nps_ci(pro[has], pas[has], det[has], confidence_level=confidence_level,
                            method=method, alternative=alternative)
            low[has], high[has] = lo, hi
        with np.errstate(invalid="ignore", divide="ignore"):
            estimate = 100.0 * (pro - det) / n
        table = _group_table(key_codes.frame(present), {
            "kpi": kpi, "estimate": estimate, "ci_low": 100.0 * low, "ci_high": 100.0 * high,
            "confidence_level": confidence_level, "method": method, "unit": "points",
            "n": n.astype(np.int64), "n_excluded": n_excl.astype(np.int64),
        })
        return _excluded_attr(table, excluded)

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


def _csat_summarize(data: pd.DataFrame, value: str, keys: list[str], *,
                    confidence_level: float, method: ProportionMethod = "wilson",
                    alternative: str = "two-sided", missing: MissingPolicy = "exclude",
                    scale: tuple[int, int] = (1, 5), positive=(4, 5), labels=None,
                    **options: Any) -> pd.DataFrame:
    check_choice("method", method, PROPORTION_METHODS)
    if options:
        raise TypeError(f"unexpected options for csat: {sorted(options)}")
    clean, excluded, _ = _clean_scale(data[value], scale=scale, labels=labels, missing=missing)
    pos = _check_positive(positive, scale)
    codes, groups = group_codes(data, keys)
    category = np.full(len(data), -1, dtype=np.int8)
    present = data.index.get_indexer(clean.index) if len(excluded) else np.arange(len(data))
    category[present] = np.isin(clean.to_numpy(), pos).astype(np.int8)
    counts = grouped_counts(codes, category, len(groups), 2)
    n_excl = np.bincount(codes[category < 0], minlength=len(groups))
    k = counts[:, 1].astype(float)
    n = counts.sum(axis=1).astype(float)
    has = n > 0
    low = np.full(len(groups), np.nan)
    high = np.full(len(groups), np.nan)
    if has.any():
        lo, hi = proportion_ci(k[has], n[has], confidence_level=confidence_level, method=method,
                               alternative=alternative)
        low[has], high[has] = lo, hi
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = 100.0 * k / n
    table = _group_table(groups, {
        "kpi": "csat", "estimate": estimate, "ci_low": 100.0 * low, "ci_high": 100.0 * high,
        "confidence_level": confidence_level, "method": method, "unit": "%",
        "n": n.astype(np.int64), "n_excluded": n_excl.astype(np.int64),
    })
    return _excluded_attr(table, excluded)


def _csat_estimate(data, value, *, confidence_level, **kwargs):
    return csat(data[value], confidence_level=confidence_level, **kwargs)


def _csat_compare(a, b, value, *, confidence_level, **kwargs):
    return compare_csat(a[value], b[value], confidence_level=confidence_level, **kwargs)


def _csat_mean_estimate(data, value, *, confidence_level, method=None, **kwargs):
    return csat(data[value], confidence_level=confidence_level, statistic="mean", method="t",
                **kwargs)


def _csat_mean_compare(a, b, value, *, confidence_level, method=None, **kwargs):
    return compare_csat(a[value], b[value], confidence_level=confidence_level,
                        statistic="mean", **kwargs)


def _ces_estimate(data, value, *, confidence_level, **kwargs):
    return ces(data[value], confidence_level=confidence_level, **kwargs)


def _ces_compare(a, b, value, *, confidence_level, variant: str,
                 method: DiffMethod | NpsMethod | None = None, alternative: str = "two-sided",
                 missing: MissingPolicy = "exclude", label_a: str = "a", label_b: str = "b"):
    from kpitools.kpis.survey import (
        CES_VARIANTS,
        _check_variant,
        _mean_comparison,
        _proportion_comparison,
    )

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
        return _proportion_comparison("ces", int((xa >= 5).sum()), len(xa),
                                      int((xb >= 5).sum()), len(xb),
                                      confidence_level=confidence_level,
                                      method=diff_method, test="auto",
                                      alternative=alternative, label_a=label_a,
                                      label_b=label_b, details=details)
    counts_a = (int((xa >= 5).sum()), int(((xa > 2) & (xa < 5)).sum()), int((xa <= 2).sum()))
    counts_b = (int((xb >= 5).sum()), int(((xb > 2) & (xb < 5)).sum()), int((xb <= 2).sum()))
    del CES_VARIANTS
    # Narrowing point: check_choice raises unless the name is an NPS method (the same check,
    # and message, as in compare_nps).
    nps_method = cast(NpsMethod, check_choice("method", method or "adjusted_wald", NPS_METHODS))
    return compare_nps(counts_a, counts_b, confidence_level=confidence_level,
                       method=nps_method, alternative=alternative,
                       label_a=label_a, label_b=label_b, kpi="ces")


for _name in ("nps", "enps"):
    register_kpi(KpiDefinition(
        name=_name, unit="points", higher_is_better=True, estimate=_nps_estimate(_name),
        compare=_nps_compare(_name), summarize=_nps_summarize(_name), default_value=_name,
        description="Net Promoter Score: %promoters (9–10) − %detractors (0–6)",
    ))
register_kpi(KpiDefinition(
    name="csat", unit="%", higher_is_better=True, estimate=_csat_estimate,
    compare=_csat_compare, summarize=_csat_summarize, default_value="csat",
    description="CSAT: share of positive answers (top-2 box by default)",
))
register_kpi(KpiDefinition(
    name="csat_mean", unit="score", higher_is_better=True, estimate=_csat_mean_estimate,
    compare=_csat_mean_compare, default_value="csat",
    description="Mean CSAT score with a t interval",
))
register_kpi(KpiDefinition(
    name="ces", unit="variant", higher_is_better=None, estimate=_ces_estimate,
    compare=_ces_compare, default_value="ces",
    description="Customer Effort Score; pass variant=... (never guessed)",
))
