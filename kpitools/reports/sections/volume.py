"""Contact volume section: tickets by weekday and hour."""

from __future__ import annotations

import pandas as pd

from kpitools.reports.sections.common import (
    ReportFigure,
    ReportNote,
    _new_figure,
    no_data,
    with_periods,
)
from kpitools.tables.windows import in_folder

__all__ = ["volume_heatmap_figure"]


def volume_heatmap_figure(tickets: pd.DataFrame, *, period: str, team: str | None = None,
                          calls: pd.DataFrame | None = None) -> ReportFigure | ReportNote:
    """Ticket volume by weekday × hour of day in ``period`` (a quarter, month or ISO week).

    When there are no tickets but ``calls`` are given, the calls (by ``offered_at``) are
    drawn instead; with neither, a `ReportNote` of one line ("No ticket or call data in this
    folder." when the folder has neither table).
    """
    from kpitools.plots.kpis import plot_volume_heatmap

    sources = [("tickets", tickets, "created_at")]
    if calls is not None:
        sources.append(("calls", calls, "offered_at"))
    if not any(in_folder(table, len) for _, table, _ in sources):
        return ReportNote(no_data(" or ".join(f"{n[:-1]}" for n, _, _ in sources) + " data"))
    lines: list[str] = []
    for name, table, column in sources:
        frame = table if team is None else table[table["team"] == team]
        labelled = with_periods(frame, period, column)
        cur = frame[(labelled["period"] == period).to_numpy()]
        if len(cur):
            fig, axes = _new_figure(7.0, 2.6)
            plot_volume_heatmap(cur, timestamp=column, ax=axes[0, 0])
            return ReportFigure(fig, caption=f"{name.capitalize()} by weekday and hour, "
                                             f"{period} (n = {len(cur):,})", absent=lines)
        who = f" from team {team}" if team else ""
        lines.append(no_data(f"{name}{who}", period) if in_folder(table, len)
                     else no_data(f"{name[:-1]} data"))
    return ReportNote("\n".join(lines))
