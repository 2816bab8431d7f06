"""Trends section: eight quarters of each survey KPI, and the CSAT control chart."""

from __future__ import annotations

import pandas as pd

from kpitools.grouping.frames import summarize
from kpitools.reports.sections.common import (
    SURVEY_KPIS,
    ReportFigure,
    _new_figure,
    previous_quarter,
)

__all__ = ["kpi_trend_figure", "csat_control_chart"]


def kpi_trend_figure(
    surveys: pd.DataFrame,
    *,
    period: str,
    n_quarters: int = 8,
    team: str | None = None,
    confidence_level: float = 0.95,
) -> ReportFigure:
    """NPS, CSAT and CES over the ``n_quarters`` quarters up to ``period``, with CI bands."""
    from kpitools.plots.kpis import plot_kpi_trend

    frame = surveys if team is None else surveys[surveys["team"] == team]
    quarters = [previous_quarter(period, k) for k in range(n_quarters - 1, -1, -1)]
    frame = frame[frame["quarter"].astype(str).isin(quarters)]
    fig, axes = _new_figure(7.0, 6.4, nrows=3)
    for ax, spec in zip(axes[:, 0], SURVEY_KPIS, strict=True):
        table = summarize(frame, kpi=spec["kpi"], value=spec["value"], by="quarter",
                             confidence_level=confidence_level, **spec["options"])
        plot_kpi_trend(table, x="quarter", ax=ax)
        ax.set_ylabel(spec["label"], fontsize=8.5)
        ax.set_xlabel("")
        ax.tick_params(labelsize=8)
    who = f" ({team})" if team else ""
    return ReportFigure(fig, caption=f"Quarterly trends{who} with {confidence_level:.0%} "
                                     f"confidence bands")


def csat_control_chart(surveys: pd.DataFrame, *, period: str, n_quarters: int = 8,
                       team: str | None = None) -> ReportFigure:
    """p-chart of CSAT (% satisfied) per quarter up to ``period`` (3σ limits)."""
    from kpitools.plots.kpis import plot_p_chart

    frame = surveys if team is None else surveys[surveys["team"] == team]
    quarters = [previous_quarter(period, k) for k in range(n_quarters - 1, -1, -1)]
    frame = frame[frame["quarter"].astype(str).isin(quarters)]
    table = summarize(frame, kpi="csat", value="csat", by="quarter")
    fig, axes = _new_figure(7.0, 2.6)
    plot_p_chart(table, x="quarter", ax=axes[0, 0])
    axes[0, 0].set_ylabel("CSAT (% satisfied)", fontsize=8.5)
    axes[0, 0].set_xlabel("")
    return ReportFigure(fig, caption="Control chart (p-chart) of CSAT: points outside the "
                                     "3σ limits signal a real shift")
