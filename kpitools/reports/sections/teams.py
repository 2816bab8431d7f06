"""Teams section: the league table, the forest plot and the NPS distribution per team."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpitools.core.display import format_pvalue
from kpitools.grouping.frames import compare, summarize
from kpitools.reports.sections.common import (
    _SIG_NOTE,
    SURVEY_KPIS,
    ReportFigure,
    ReportTable,
    _esc,
    _fmt_ci,
    _fmt_diff,
    _fmt_verdict,
    _new_figure,
    previous_quarter,
    verdict,
)

__all__ = ["team_league_table", "team_forest_figure", "nps_distribution_figure"]


def team_league_table(
    surveys: pd.DataFrame,
    *,
    period: str,
    confidence_level: float = 0.95,
    alpha: float = 0.05,
    adjust: str = "holm",
) -> ReportTable:
    """Teams ranked by NPS in ``period``, with CSAT and the NPS change since last quarter.

    The p-values of the team changes are adjusted for multiplicity across teams
    (Holm by default, `kpitools.stats.adjust_pvalues`); verdicts use the adjusted p-values.

    Returns
    -------
    ReportTable
        ``data``: ``rank, team, nps, nps_ci_low, nps_ci_high, n, csat, csat_ci_low,
        csat_ci_high, difference, ci_low, ci_high, pvalue, pvalue_adjusted, verdict``.
    """
    from kpitools.stats import adjust_pvalues

    prev = previous_quarter(period)
    cur = surveys[surveys["quarter"] == period]
    nps = summarize(cur, kpi="nps", value="nps", by="team",
                       confidence_level=confidence_level)
    csat = summarize(cur, kpi="csat", value="csat", by="team",
                        confidence_level=confidence_level)
    both = surveys[surveys["quarter"].isin([prev, period])]
    teams_both = both.groupby("team")["quarter"].nunique()
    ok = teams_both[teams_both == 2].index
    change = (compare(both[both["team"].isin(ok)], kpi="nps", value="nps", group="quarter",
                         baseline=prev, levels=[prev, period], by="team",
                         confidence_level=confidence_level)
              if len(ok) else pd.DataFrame(columns=["team", "difference", "ci_low", "ci_high",
                                                    "pvalue"]))
    data = nps[["team", "estimate", "ci_low", "ci_high", "n"]].rename(
        columns={"estimate": "nps", "ci_low": "nps_ci_low", "ci_high": "nps_ci_high"})
    data = data.merge(csat[["team", "estimate", "ci_low", "ci_high"]].rename(
        columns={"estimate": "csat", "ci_low": "csat_ci_low", "ci_high": "csat_ci_high"}),
        on="team", how="left")
    data = data.merge(change[["team", "difference", "ci_low", "ci_high", "pvalue"]],
                      on="team", how="left")
    pv = data["pvalue"].to_numpy(float)
    adj = np.full(len(pv), np.nan)
    have = ~np.isnan(pv)
    if have.any():
        adj[have] = adjust_pvalues(pv[have], adjust)  # type: ignore[arg-type]
    data["pvalue_adjusted"] = adj
    data["verdict"] = [verdict(d, p, unit="points", alpha=alpha)
                       for d, p in zip(data["difference"], data["pvalue_adjusted"], strict=True)]
    data = data.sort_values("nps", ascending=False, kind="stable").reset_index(drop=True)
    data.insert(0, "rank", np.arange(1, len(data) + 1))
    level = f"{confidence_level:.0%}"
    display = pd.DataFrame({
        "#": data["rank"].astype(str),
        "Team": data["team"].map(_esc),
        f"NPS [{level} CI]": [_fmt_ci(e, lo, hi, 1) for e, lo, hi in
                              zip(data["nps"], data["nps_ci_low"], data["nps_ci_high"],
                                  strict=True)],
        "n": data["n"].map(lambda v: f"{int(v):,}"),
        "CSAT %": [_fmt_ci(e, lo, hi, 1) for e, lo, hi in
                   zip(data["csat"], data["csat_ci_low"], data["csat_ci_high"], strict=True)],
        f"NPS vs {prev}": [_fmt_diff(d, lo, hi, p, 1) for d, lo, hi, p in
                           zip(data["difference"], data["ci_low"], data["ci_high"],
                               data["pvalue_adjusted"], strict=True)],
        "p (Holm)" if adjust == "holm" else f"p ({adjust})":
            data["pvalue_adjusted"].map(format_pvalue),
        "Verdict": [_fmt_verdict(v, d, p, alpha, True) for v, d, p in
                    zip(data["verdict"], data["difference"], data["pvalue_adjusted"],
                        strict=True)],
    })
    notes = [f"p-values of the NPS changes are adjusted across the {int(have.sum())} teams "
             f"({adjust}; family: all teams of this table).", _SIG_NOTE]
    return ReportTable(data, display, caption=f"Team league table, {period}", notes=notes,
                       numeric=[c for c in display.columns if c not in ("Team", "Verdict")])


def team_forest_figure(surveys: pd.DataFrame, *, period: str, kpi: str = "nps",
                       confidence_level: float = 0.95,
                       highlight: str | None = None) -> ReportFigure:
    """Forest plot of a KPI by team in ``period``; the dashed line is the company value."""
    from kpitools.plots.kpis import plot_kpi_forest

    spec = next(s for s in SURVEY_KPIS if s["kpi"] == kpi)
    cur = surveys[surveys["quarter"] == period]
    table = summarize(cur, kpi=kpi, value=spec["value"], by="team",
                         confidence_level=confidence_level, **spec["options"])
    overall = summarize(cur, kpi=kpi, value=spec["value"],
                           confidence_level=confidence_level, **spec["options"])
    fig, axes = _new_figure(7.0, 0.42 * len(table) + 1.3)
    ax = plot_kpi_forest(table, label="team", reference=float(overall["estimate"].iloc[0]),
                         ax=axes[0, 0])
    ax.set_xlabel(spec["label"], fontsize=9)
    if highlight is not None:
        for tick in ax.get_yticklabels():
            if tick.get_text().startswith(f"{highlight} (n="):
                tick.set_fontweight("bold")
    return ReportFigure(fig, caption=f"{spec['label']} by team, {period}, with "
                                     f"{confidence_level:.0%} CIs; dashed line: company")


def nps_distribution_figure(surveys: pd.DataFrame, *, period: str, by: str = "team",
                            team: str | None = None) -> ReportFigure:
    """Detractors, passives and promoters by ``by`` in ``period`` (stacked bars)."""
    from kpitools.plots.kpis import plot_nps_distribution

    frame = surveys if team is None else surveys[surveys["team"] == team]
    cur = frame[frame["quarter"] == period]
    k = cur[by].nunique()
    fig, axes = _new_figure(7.0, 0.42 * k + 1.4)
    plot_nps_distribution(cur, score="nps", by=by, ax=axes[0, 0])
    return ReportFigure(fig, caption=f"NPS answers by {by}, {period}")
