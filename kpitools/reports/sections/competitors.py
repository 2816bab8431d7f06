"""Competitors section: our NPS against each competitor's, its figure and its trend."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from kpitools.core.display import format_pvalue
from kpitools.kpis.survey import compare_nps, nps, nps_from_percentages
from kpitools.reports.sections.common import (
    _SIG_NOTE,
    ReportFigure,
    ReportTable,
    _esc,
    _fmt_ci,
    _fmt_diff,
    _fmt_verdict,
    _new_figure,
    previous_quarter,
)

__all__ = ["competitor_table", "competitor_figure", "competitor_trend_table"]


def _competitor_estimates(competitor_surveys: pd.DataFrame,
                          competitor_published: pd.DataFrame, period: str,
                          confidence_level: float) -> list[tuple[str, str, Any]]:
    out = []
    raw = competitor_surveys[competitor_surveys["quarter"].astype(str) == period]
    for name, part in raw.groupby("competitor", sort=True):
        out.append((str(name), "raw answers", nps(part["nps"],
                                                  confidence_level=confidence_level)))
    pub = competitor_published[competitor_published["quarter"].astype(str) == period]
    for row in pub.sort_values("competitor").itertuples(index=False):
        out.append((str(row.competitor), "published shares",
                    nps_from_percentages(int(row.n), float(row.promoters_pct),
                                         float(row.detractors_pct),
                                         confidence_level=confidence_level)))
    return out


def competitor_table(
    surveys: pd.DataFrame,
    competitor_surveys: pd.DataFrame,
    competitor_published: pd.DataFrame,
    *,
    period: str,
    confidence_level: float = 0.95,
    alpha: float = 0.05,
    adjust: str = "holm",
) -> ReportTable:
    """Our NPS in ``period`` against each competitor's (raw answers or published shares).

    Differences are ours minus theirs (`kpitools.compare_nps`, z test on the adjusted-Wald
    difference); p-values are adjusted across competitors (Holm by default).

    Returns
    -------
    ReportTable
        ``data``: ``competitor, source, nps, ci_low, ci_high, n, difference, diff_ci_low,
        diff_ci_high, pvalue, pvalue_adjusted, verdict`` (the first row is us).
    """
    from kpitools.stats import adjust_pvalues

    ours = nps(surveys.loc[surveys["quarter"] == period, "nps"],
               confidence_level=confidence_level)
    rows = [{"competitor": "Us", "source": "our surveys", "nps": ours.estimate,
             "ci_low": ours.ci_low, "ci_high": ours.ci_high, "n": ours.n,
             "difference": np.nan, "diff_ci_low": np.nan, "diff_ci_high": np.nan,
             "pvalue": np.nan}]
    for name, source, est in _competitor_estimates(competitor_surveys, competitor_published,
                                                   period, confidence_level):
        c = compare_nps(est, ours, confidence_level=confidence_level, label_a=name,
                        label_b="us")
        rows.append({"competitor": name, "source": source, "nps": est.estimate,
                     "ci_low": est.ci_low, "ci_high": est.ci_high, "n": est.n,
                     "difference": c.difference, "diff_ci_low": c.ci_low,
                     "diff_ci_high": c.ci_high, "pvalue": c.pvalue})
    data = pd.DataFrame(rows)
    pv = data["pvalue"].to_numpy(float)
    adj = np.full(len(pv), np.nan)
    have = ~np.isnan(pv)
    if have.any():
        adj[have] = adjust_pvalues(pv[have], adjust)  # type: ignore[arg-type]
    data["pvalue_adjusted"] = adj

    def words(d: float, p: float) -> str:
        if math.isnan(d):
            return ""
        if not p < alpha:
            return "no real difference"
        return f"{'ahead' if d > 0 else 'behind'} by {abs(d):.1f} points, significant"

    data["verdict"] = [words(d, p) for d, p in zip(data["difference"], adj, strict=True)]
    level = f"{confidence_level:.0%}"
    display = pd.DataFrame({
        "Company": data["competitor"].map(_esc),
        "Source": data["source"].map(_esc),
        f"NPS [{level} CI]": [_fmt_ci(e, lo, hi, 1) for e, lo, hi in
                              zip(data["nps"], data["ci_low"], data["ci_high"], strict=True)],
        "n": data["n"].map(lambda v: f"{int(v):,}"),
        "Us − them": [_fmt_diff(d, lo, hi, p, 1) for d, lo, hi, p in
                      zip(data["difference"], data["diff_ci_low"], data["diff_ci_high"], adj,
                          strict=True)],
        "p (Holm)" if adjust == "holm" else f"p ({adjust})": [format_pvalue(p) for p in adj],
        "Verdict": [_fmt_verdict(v, d, p, alpha, True) for v, d, p in
                    zip(data["verdict"], data["difference"], adj, strict=True)],
    })
    notes = ["Published shares are turned into counts (kpitools.nps_from_percentages); "
             f"p-values adjusted across competitors ({adjust}; family: the "
             f"{int(have.sum())} competitors of this quarter).", _SIG_NOTE]
    return ReportTable(data, display, caption=f"NPS against competitors, {period}",
                       notes=notes,
                       numeric=[c for c in display.columns
                                if c not in ("Company", "Source", "Verdict")])


def competitor_figure(surveys: pd.DataFrame, competitor_surveys: pd.DataFrame,
                      competitor_published: pd.DataFrame, *, period: str,
                      confidence_level: float = 0.95) -> ReportFigure:
    """Forest plot of our NPS and each competitor's in ``period``."""
    from kpitools.plots.kpis import plot_kpi_forest

    table = competitor_table(surveys, competitor_surveys, competitor_published, period=period,
                             confidence_level=confidence_level).data
    frame = table.rename(columns={"nps": "estimate"}).assign(kpi="nps", unit="points")
    fig, axes = _new_figure(7.0, 0.45 * len(frame) + 1.2)
    plot_kpi_forest(frame, label="competitor", ax=axes[0, 0],
                    reference=float(table["nps"].iloc[0]))
    return ReportFigure(fig, caption=f"NPS of us and competitors, {period}, with "
                                     f"{confidence_level:.0%} CIs; dashed line: us")


def competitor_trend_table(
    surveys: pd.DataFrame,
    competitor_surveys: pd.DataFrame,
    competitor_published: pd.DataFrame,
    *,
    period: str,
    n_quarters: int = 4,
    confidence_level: float = 0.95,
    alpha: float = 0.05,
) -> ReportTable:
    """Us minus each competitor, quarter by quarter, for the last ``n_quarters`` quarters."""
    frames = []
    for k in range(n_quarters - 1, -1, -1):
        q = previous_quarter(period, k)
        if not (surveys["quarter"] == q).any():
            continue
        t = competitor_table(surveys, competitor_surveys, competitor_published, period=q,
                             confidence_level=confidence_level, alpha=alpha).data
        frames.append(t.iloc[1:].assign(quarter=q))
    data = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["quarter", "competitor", "difference", "diff_ci_low", "diff_ci_high",
                 "pvalue_adjusted"])
    wide: dict[str, dict[str, str]] = {}
    for row in data.itertuples(index=False):
        wide.setdefault(row.competitor, {})[row.quarter] = _fmt_diff(
            row.difference, row.diff_ci_low, row.diff_ci_high, row.pvalue_adjusted, 1)
    quarters = list(dict.fromkeys(data["quarter"])) if len(data) else []
    display = pd.DataFrame([{"Competitor": _esc(name),
                             **{q: cells.get(q, "–") for q in quarters}}
                            for name, cells in wide.items()])
    return ReportTable(data, display,
                       caption="NPS lead over each competitor (us − them) by quarter",
                       notes=["Holm-adjusted within each quarter (family: that quarter's "
                              "competitors, not the whole table).", _SIG_NOTE],
                       numeric=quarters)
