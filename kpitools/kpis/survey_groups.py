"""Registration of the survey KPIs (nps, enps, csat, csat_mean, ces) for summarize/compare.

Every grouped survey KPI is computed in one vectorised pass: validate the column once (by row
position, so a duplicate index is fine), code each answer, ``bincount`` over group ×
category (NPS, CSAT, CES net and top box) or over groups (count, sum and squared deviations
for the CSAT and CES means), then compute every group's interval with array-aware
functions: `kpitools.stats.intervals.nps_ci`, `kpitools.stats.intervals.proportion_ci` and
Student's t quantiles (``scipy.special.stdtrit``, as `scipy.stats.ttest_1samp` uses). Each
group's row equals the single-sample function (`nps`, `csat`, `ces`) on that group's rows.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pandas as pd

from kpitools.core.results import ESTIMATE_COLUMNS, as_excluded_rows
from kpitools.core.validation import MissingPolicy, check_alternative, check_choice, clean_numeric
from kpitools.kpis.catalogue import KpiDefinition, register_kpi
from kpitools.kpis.survey import (
    _check_positive,
    _check_variant,
    _clean_scale,
    _clean_scale_positions,
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
from kpitools.tables.keys import (
    KeyCodes,
    clean_by_position,
    group_codes,
    grouped_counts,
    grouped_moments,
)

__all__: list[str] = []


def _group_table(groups: pd.DataFrame, columns: dict[str, Any]) -> pd.DataFrame:
    table = groups.reset_index(drop=True).copy()
    for name in ESTIMATE_COLUMNS:
        table[name] = columns[name]
    return table


def _excluded_attr(table: pd.DataFrame, excluded: pd.DataFrame) -> pd.DataFrame:
    table.attrs["excluded"] = as_excluded_rows(excluded)
    return table


def _nps_columns(pro: np.ndarray, pas: np.ndarray, det: np.ndarray, *,
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


def _proportion_columns(k: np.ndarray, n: np.ndarray, *, confidence_level: float,
                        method: ProportionMethod,
                        alternative: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Estimate and interval in % of ``k`` of ``n`` per group (NaN where ``n == 0``)."""
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    has = n > 0
    low = np.full(n.shape, np.nan)
    high = np.full(n.shape, np.nan)
    if has.any():
        lo, hi = proportion_ci(k[has], n[has], confidence_level=confidence_level, method=method,
                               alternative=alternative)
        low[has], high[has] = lo, hi
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = 100.0 * k / n
    return estimate, 100.0 * low, 100.0 * high


def grouped_t_interval(count: np.ndarray, mean: np.ndarray, m2: np.ndarray, *,
                       confidence_level: float, alternative: str,
                       scale: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Student's t interval of every group's mean, vectorised, clipped to ``scale``.

    The same interval as `kpitools.stats.significance.mean_ci` (that is, `scipy.stats.ttest_1samp`
    ``.confidence_interval``) group by group: ``mean + t_{n−1}(p) · s/√n`` with the quantile
    from ``scipy.special.stdtrit`` at ``p = (1 − level)/2`` and ``1 − (1 − level)/2``
    (two-sided), ``level`` (``"less"``, lower end −∞) or ``1 − level`` (``"greater"``, upper
    end +∞) [Student08]_. A group with zero variance gets ``(mean, mean)`` (its open side
    stays infinite), a group of fewer than 2 values NaN; then the ends are clipped to the
    scale, as `kpitools.csat` and `kpitools.ces` do.

    Parameters
    ----------
    count, mean, m2 : ndarray
        Per group: number of values, mean and sum of squared deviations from the mean (see
        `kpitools.tables.keys.grouped_moments`).
    confidence_level : float
    alternative : {"two-sided", "less", "greater"}
    scale : (low, high)

    Returns
    -------
    low, high : ndarray

    References
    ----------
    .. [Student08] Student (1908). The probable error of a mean. Biometrika 6(1):1–25.

    Examples
    --------
    >>> low, high = grouped_t_interval(np.array([5, 1]), np.array([3.0, 4.0]),
    ...                                np.array([10.0, 0.0]), confidence_level=0.95,
    ...                                alternative="two-sided", scale=(1, 5))
    >>> np.round(low, 4).tolist(), np.round(high, 4).tolist()
    ([1.0368, nan], [4.9632, nan])
    """
    from scipy import special

    count = np.asarray(count, dtype=float)
    low = np.full(count.shape, np.nan)
    high = np.full(count.shape, np.nan)
    ok = count >= 2
    if ok.any():
        n, centre = count[ok], mean[ok]
        df = n - 1.0
        se = np.sqrt(m2[ok] / df / n)
        if alternative == "less":
            lo = np.full(n.shape, -np.inf)
            hi = special.stdtrit(df, confidence_level) * se + centre
        elif alternative == "greater":
            lo = special.stdtrit(df, 1.0 - confidence_level) * se + centre
            hi = np.full(n.shape, np.inf)
        else:
            tail = (1.0 - confidence_level) / 2.0
            lo = special.stdtrit(df, tail) * se + centre
            hi = special.stdtrit(df, 1.0 - tail) * se + centre
        constant = se == 0
        if alternative != "less":
            lo = np.where(constant, centre, lo)
        if alternative != "greater":
            hi = np.where(constant, centre, hi)
        low[ok], high[ok] = lo, hi
    return np.maximum(low, scale[0]), np.minimum(high, scale[1])


def _nps_summarize(kpi: str):
    def summarize(data: pd.DataFrame, value: str, keys: list[str], *, confidence_level: float,
                  method: NpsMethod = "adjusted_wald", alternative: str = "two-sided",
                  missing: MissingPolicy = "exclude", **options: Any) -> pd.DataFrame:
        check_choice("method", method, NPS_METHODS)
        check_alternative(alternative)
        if options:
            raise TypeError(f"unexpected options for {kpi}: {sorted(options)}")
        clean, positions, excluded = clean_by_position(
            clean_numeric, data[value], column=value, lower=0, upper=10, integer=True,
            missing=missing, scale_text="0–10")
        key_codes = KeyCodes(data, keys)
        # one bincount over (group, answer 0–10 or 11 = excluded); categories summed after
        if len(excluded):
            answers = np.full(len(data), 11, dtype=np.int64)
            answers[positions] = clean.to_numpy().astype(np.int64)
        else:
            answers = clean.to_numpy().astype(np.int64, copy=False)
        counts = np.bincount(key_codes.combined * 12 + answers,
                             minlength=key_codes.n_combined * 12).reshape(-1, 12)
        present = np.flatnonzero(counts.any(axis=1))
        counts = counts[present]
        n, estimate, low, high = _nps_columns(
            counts[:, 9:11].sum(axis=1), counts[:, 7:9].sum(axis=1),
            counts[:, 0:7].sum(axis=1), confidence_level=confidence_level, method=method,
            alternative=alternative)
        table = _group_table(key_codes.frame(present), {
            "kpi": kpi, "estimate": estimate, "ci_low": low, "ci_high": high,
            "confidence_level": confidence_level, "method": method, "unit": "points",
            "n": n.astype(np.int64), "n_excluded": counts[:, 11].astype(np.int64),
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
    if options:
        raise TypeError(f"unexpected options for csat: {sorted(options)}")
    x, codes, n_excl, groups, excluded = _scale_groups(data, value, keys, scale=scale,
                                                       labels=labels, missing=missing)
    pos = _check_positive(positive, scale)
    counts = grouped_counts(codes, np.isin(x, pos).astype(np.int8), len(groups), 2)
    n = counts.sum(axis=1)
    estimate, low, high = _proportion_columns(counts[:, 1], n,
                                              confidence_level=confidence_level,
                                              method=method, alternative=alternative)
    table = _group_table(groups, {
        "kpi": "csat", "estimate": estimate, "ci_low": low, "ci_high": high,
        "confidence_level": confidence_level, "method": method, "unit": "%",
        "n": n.astype(np.int64), "n_excluded": n_excl.astype(np.int64),
    })
    return _excluded_attr(table, excluded)


def _mean_table(kpi: str, x: np.ndarray, codes: np.ndarray, n_excl: np.ndarray,
                groups: pd.DataFrame, *, confidence_level: float, alternative: str,
                scale: tuple[int, int]) -> pd.DataFrame:
    count, mean, m2 = grouped_moments(codes, x, len(groups))
    low, high = grouped_t_interval(count, mean, m2, confidence_level=confidence_level,
                                   alternative=alternative, scale=scale)
    return _group_table(groups, {
        "kpi": kpi, "estimate": mean, "ci_low": low, "ci_high": high,
        "confidence_level": confidence_level, "method": "t", "unit": "score",
        "n": count.astype(np.int64), "n_excluded": n_excl.astype(np.int64),
    })


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
    if options:
        raise TypeError(f"unexpected options for csat_mean: {sorted(options)}")
    x, codes, n_excl, groups, excluded = _scale_groups(data, value, keys, scale=scale,
                                                       labels=labels, missing=missing)
    table = _mean_table("csat_mean", x, codes, n_excl, groups,
                        confidence_level=confidence_level, alternative=alternative,
                        scale=scale)
    return _excluded_attr(table, excluded)


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
    if options:
        raise TypeError(f"unexpected options for ces: {sorted(options)}")
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
        table = _mean_table("ces", x, codes, n_excl, groups,
                            confidence_level=confidence_level, alternative=alternative,
                            scale=scale)
        return _excluded_attr(table, excluded)
    # category 0 = high (5–7), 1 = medium (3–4), 2 = low (1–2)
    category = np.where(x >= 5, 0, np.where(x <= 2, 2, 1)).astype(np.int8)
    counts = grouped_counts(codes, category, len(groups), 3)
    if spec["kind"] == "top_box":
        top_method = cast(ProportionMethod, method or "wilson")
        n = counts.sum(axis=1)
        estimate, low, high = _proportion_columns(counts[:, 0], n,
                                                  confidence_level=confidence_level,
                                                  method=top_method, alternative=alternative)
        unit, used = "%", str(top_method)
    else:
        net_method = cast(NpsMethod, method or "adjusted_wald")
        n, estimate, low, high = _nps_columns(counts[:, 0], counts[:, 1], counts[:, 2],
                                              confidence_level=confidence_level,
                                              method=net_method, alternative=alternative)
        unit, used = "points", net_method
    table = _group_table(groups, {
        "kpi": "ces", "estimate": estimate, "ci_low": low, "ci_high": high,
        "confidence_level": confidence_level, "method": used, "unit": unit,
        "n": np.asarray(n).astype(np.int64), "n_excluded": n_excl.astype(np.int64),
    })
    return _excluded_attr(table, excluded)


def _csat_estimate(data, value, *, confidence_level, **kwargs):
    return csat(data[value], confidence_level=confidence_level, **kwargs)


def _csat_compare(a, b, value, *, confidence_level, **kwargs):
    return compare_csat(a[value], b[value], confidence_level=confidence_level, **kwargs)


def _csat_mean_estimate(data, value, *, confidence_level, method=None, **kwargs):
    _check_t_method(method)
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
    from kpitools.kpis.survey import _mean_comparison, _proportion_comparison

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
    compare=_csat_mean_compare, summarize=_csat_mean_summarize, default_value="csat",
    description="Mean CSAT score with a t interval",
))
register_kpi(KpiDefinition(
    name="ces", unit="variant", higher_is_better=None, estimate=_ces_estimate,
    compare=_ces_compare, summarize=_ces_summarize, default_value="ces",
    description="Customer Effort Score; pass variant=... (never guessed)",
))
