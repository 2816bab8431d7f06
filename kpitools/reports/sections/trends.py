"""Trends section: the last eight periods (quarters, months or ISO weeks: the kind of the
period reported) of each survey KPI, and the CSAT control chart."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from kpitools.grouping.frames import summarize
from kpitools.reports.sections.common import (
    SURVEY_KPIS,
    ReportFigure,
    ReportNote,
    _new_figure,
    distinct_periods,
    has_values,
    kind_word,
    no_data,
    period_rows,
    previous_period,
    section_frame,
    survey_absence,
    weight_column,
)

__all__ = ["kpi_trend_figure", "csat_control_chart"]


def _one_quarter(frame: pd.DataFrame, period: str) -> bool:
    """Whether the answers of ``frame`` lie in one period only (a trend of one point)."""
    return distinct_periods(frame, period) < 2


def _answered(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """The rows of ``frame`` with an answer in ``column``: ``frame[frame[column].notna()]``,
    or ``frame`` itself when every row has one (no copy of every row; not changed here).

    >>> f = pd.DataFrame({"csat": [4.0, None]})
    >>> len(_answered(f, "csat")), _answered(f.dropna(), "csat") is not None
    (1, True)
    """
    have = frame[column].notna()
    return frame if bool(have.all()) else frame[have]


def _last_periods(frame: pd.DataFrame, period: str, n: int) -> tuple[pd.DataFrame, list[str]]:
    """The rows of ``frame`` in the ``n`` periods up to ``period`` (with a ``period``
    column), and those periods, oldest first."""
    periods = [previous_period(period, k) for k in range(n - 1, -1, -1)]
    return period_rows(section_frame(frame), period, periods), periods


def kpi_trend_figure(
    surveys: pd.DataFrame,
    *,
    period: str,
    n_quarters: int = 8,
    team: str | None = None,
    confidence_level: float = 0.95,
    targets: Mapping[str, float] | None = None,
) -> ReportFigure | ReportNote:
    """NPS, CSAT and CES over the ``n_quarters`` periods up to ``period`` (quarters, months
    or ISO weeks, as ``period`` is one), with CI bands
    and, for a KPI in ``targets`` (``{"nps": 30.0, ...}``), a dashed target line.

    One panel per KPI with answers in those quarters; a KPI without any has no panel but
    one line under the figure ("No CES answers in this folder."); without any answer the
    result is a `ReportNote`.
    """
    from kpitools.plots.kpis import plot_kpi_trend

    missing = survey_absence(surveys, period, team)
    if missing:
        return ReportNote(missing)
    frame = surveys if team is None else surveys[surveys["team"] == team]
    frame, quarters = _last_periods(frame, period, n_quarters)
    if _one_quarter(frame, period):
        return ReportNote(f"No survey answers before {period}: no trend to draw.")
    specs, absent = [], []
    for spec in SURVEY_KPIS:
        if has_values(frame, spec["value"]):
            specs.append(spec)
        elif has_values(surveys, spec["value"]):
            absent.append(no_data(f"{spec['name']} answers",
                                  f"{quarters[0]}–{quarters[-1]}"))
        else:
            absent.append(no_data(f"{spec['name']} answers"))
    fig, axes = _new_figure(7.0, 0.4 + 2.0 * len(specs), nrows=len(specs))
    for ax, spec in zip(axes[:, 0], specs, strict=True):
        answered = _answered(frame, spec["value"])  # quarters without answers: no point
        table = summarize(answered, kpi=spec["kpi"], value=spec["value"], by="period",
                             confidence_level=confidence_level, **spec["options"],
                             weight=weight_column(answered))
        plot_kpi_trend(table, x="period", ax=ax, target=(targets or {}).get(spec["kpi"]))
        ax.set_ylabel(spec["label"], fontsize=8.5)
        ax.set_xlabel("")
        ax.tick_params(labelsize=8)
    who = f" ({team})" if team else ""
    kind = {"quarter": "Quarterly", "month": "Monthly", "week": "Weekly"}[kind_word(period)]
    return ReportFigure(fig, caption=f"{kind} trends{who} with {confidence_level:.0%} "
                                     f"confidence bands", absent=absent)


def csat_control_chart(surveys: pd.DataFrame, *, period: str, n_quarters: int = 8,
                       team: str | None = None) -> ReportFigure | ReportNote:
    """p-chart of CSAT (% satisfied) per period up to ``period`` (3σ limits); a
    `ReportNote` when there are no CSAT answers."""
    from kpitools.plots.kpis import plot_p_chart

    missing = survey_absence(surveys, period, team)
    if missing:
        return ReportNote(missing)
    frame = surveys if team is None else surveys[surveys["team"] == team]
    frame, quarters = _last_periods(frame, period, n_quarters)
    if not has_values(surveys, "csat"):
        return ReportNote(no_data("CSAT answers"))
    if not has_values(frame, "csat"):
        return ReportNote(no_data("CSAT answers", f"{quarters[0]}–{quarters[-1]}"))
    answered = _answered(frame, "csat")
    if _one_quarter(answered, period):
        return ReportNote(f"No CSAT answers before {period}: no control chart to draw.")
    table = summarize(answered, kpi="csat", value="csat", by="period",
                      weight=weight_column(answered))
    fig, axes = _new_figure(7.0, 2.6)
    plot_p_chart(table, x="period", ax=axes[0, 0])
    axes[0, 0].set_ylabel("CSAT (% satisfied)", fontsize=8.5)
    axes[0, 0].set_xlabel("")
    return ReportFigure(fig, caption="Control chart (p-chart) of CSAT: points outside the "
                                     "3σ limits signal a real shift")
