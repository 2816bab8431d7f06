"""Contact volume section: tickets by weekday and hour."""

from __future__ import annotations

import pandas as pd

from kpitools.reports.sections.common import ReportFigure, _new_figure

__all__ = ["volume_heatmap_figure"]


def volume_heatmap_figure(tickets: pd.DataFrame, *, period: str,
                          team: str | None = None) -> ReportFigure:
    """Ticket volume by weekday × hour of day in ``period``."""
    from kpitools.plots.kpis import plot_volume_heatmap

    frame = tickets if team is None else tickets[tickets["team"] == team]
    created = pd.to_datetime(frame["created_at"])
    cur = frame[created.dt.to_period("Q").astype(str) == period]
    fig, axes = _new_figure(7.0, 2.6)
    plot_volume_heatmap(cur, timestamp="created_at", ax=axes[0, 0])
    return ReportFigure(fig, caption=f"Tickets by weekday and hour, {period} "
                                     f"(n = {len(cur):,})")
