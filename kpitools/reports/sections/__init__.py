"""The sections of the report notebooks: one call per section, returning tables and figures.

Each function takes the tables of a data set (see `kpitools.datasets.read_service_data`) and
the period, computes its numbers with the public kpitools API (`kpitools.summarize`,
`kpitools.compare`, `kpitools.compare_nps`, ...), and returns a `ReportTable` (the raw tidy
numbers in ``.data``, a formatted and escaped HTML table for display) or a `ReportFigure`.
No statistics live in the notebooks.

One rule for significance (`significance`): each table is one family of tests, Holm-adjusted,
with each interval at its row's Holm step, so a star sits exactly on the intervals that
exclude 0. A significant change reads "up 6.2 points, significant"; one that is not reads
"not significant" or "inconclusive (could not detect less than ±X)". Stars: ``*`` adjusted
p < 0.05, ``**`` < 0.01, ``***`` < 0.001.

The period reported is a quarter (``"2026Q3"``), a month (``"2026-03"``) or an ISO week
(``"2026-W14"``): each section labels the rows by that kind (`with_periods`: surveys by
their quarter label or date, tickets by ``created_at``, calls by ``offered_at``), compares
with the previous period of the same kind (`previous_period`) and the same period a year
before (`year_ago`), and draws trends over the last eight periods of that kind. Competitor
data are by quarter: for a month or a week their section says so in one line.

A section whose data are absent (no ticket file, no NPS column, no answers in the period,
no previous period to compare with) says so in one line — a `ReportNote` instead of the
table or figure, or a line under it for a part — and draws no empty chart and claims no
target status.

Every string that comes from the data (team, channel and competitor names) is HTML-escaped.

One module per report section; a new section is a new module here plus its export line:

===============  ===========================================================================
`setup`          `setup_report`: data, period and provenance (the first cell of a notebook)
`summary`        the cover (organisation, period, data) and the executive summary
`team_summary`   the executive summary of a team report and of the competitor benchmark
`reliability`    Cronbach's alpha (Feldt interval) of each multi-item scale: one line
`significance`   the one rule for significance: families, Holm, matching intervals, words
`headline`       the survey KPIs against the previous period and a year before
`trends`         eight periods of each KPI, the CSAT control chart
`teams`          league table, forest plot, NPS distribution per team
`standout`       which teams (channels) stand out: omnibus test, each against the rest
`channels`       the survey KPIs per channel
`operations`     ticket and call KPIs, a KPI per channel
`volume`         contact volume by weekday and hour
`competitors`    our NPS against each competitor's
`quality`        the "Data quality" appendix (excluded rows) and the checks before a report
`common`         display objects (`ReportTable`, `ReportFigure`), formats, verdicts, periods
===============  ===========================================================================

Examples
--------
>>> from kpitools.reports import sections as rp
>>> data = rp.load_data("")
>>> period = rp.resolve_period("last-complete", data, today="2026-11-29")
>>> period
'2026Q3'
>>> table = rp.headline_table(data.surveys, period=period)
>>> table.data[["kpi", "estimate", "significant_previous"]].round(1)
    kpi  estimate  significant_previous
0   nps      26.8                 False
1  csat      70.8                 False
2   ces       5.2                 False
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kpitools.reports.sections.channels import channel_table
    from kpitools.reports.sections.common import (
        SURVEY_KPIS,
        ReportFigure,
        ReportNote,
        ReportSection,
        ReportTable,
        has_values,
        no_data,
        period_kind,
        previous_period,
        previous_quarter,
        section,
        verdict,
        with_periods,
        year_ago,
    )
    from kpitools.reports.sections.competitors import (
        competitor_figure,
        competitor_table,
        competitor_trend_table,
    )
    from kpitools.reports.sections.headline import detectable_change, headline_table
    from kpitools.reports.sections.operations import (
        OPERATIONS_KPIS,
        channel_operations_table,
        operations_table,
    )
    from kpitools.reports.sections.quality import (
        DEFAULT_MAX_EXCLUDED_SHARE,
        check_data_quality,
        data_quality_table,
        excluded_shares,
        quality_frame,
    )
    from kpitools.reports.sections.reliability import (
        ScaleReliability,
        find_scales,
        scale_reliability,
    )
    from kpitools.reports.sections.setup import (
        ReportSetup,
        count_answers,
        data_periods,
        data_quarters,
        keep_report_periods,
        load_data,
        provenance,
        report_periods,
        resolve_period,
        setup_report,
    )
    from kpitools.reports.sections.significance import (
        SIGNIFICANCE_RULE,
        adjust_family,
        holm_levels,
        target_status,
    )
    from kpitools.reports.sections.standout import omnibus_test, standout_table
    from kpitools.reports.sections.summary import (
        ExecutiveSummary,
        ReportCover,
        describe_data,
        executive_summary,
        report_cover,
    )
    from kpitools.reports.sections.team_summary import (
        CompetitorSummary,
        TeamSummary,
        competitor_summary,
        team_summary,
    )
    from kpitools.reports.sections.teams import (
        nps_distribution_figure,
        team_forest_figure,
        team_league_table,
    )
    from kpitools.reports.sections.trends import csat_control_chart, kpi_trend_figure
    from kpitools.reports.sections.volume import volume_heatmap_figure

#: Where each public name lives (a module of this package): imported on first use
#: (:pep:`562`), so that ``from kpitools.reports.sections import load_data`` (the command line,
#: before any report runs) loads the set-up and not every section (matplotlib, statsmodels).
_LAZY: dict[str, str] = {
    "channel_table": "channels",
    "SURVEY_KPIS": "common",
    "ReportFigure": "common",
    "ReportNote": "common",
    "ReportSection": "common",
    "ReportTable": "common",
    "has_values": "common",
    "no_data": "common",
    "period_kind": "common",
    "previous_period": "common",
    "previous_quarter": "common",
    "section": "common",
    "verdict": "common",
    "with_periods": "common",
    "year_ago": "common",
    "competitor_figure": "competitors",
    "competitor_table": "competitors",
    "competitor_trend_table": "competitors",
    "detectable_change": "headline",
    "headline_table": "headline",
    "OPERATIONS_KPIS": "operations",
    "channel_operations_table": "operations",
    "operations_table": "operations",
    "DEFAULT_MAX_EXCLUDED_SHARE": "quality",
    "check_data_quality": "quality",
    "data_quality_table": "quality",
    "excluded_shares": "quality",
    "quality_frame": "quality",
    "ScaleReliability": "reliability",
    "find_scales": "reliability",
    "scale_reliability": "reliability",
    "ReportSetup": "setup",
    "count_answers": "setup",
    "data_periods": "setup",
    "data_quarters": "setup",
    "keep_report_periods": "setup",
    "load_data": "setup",
    "provenance": "setup",
    "report_periods": "setup",
    "resolve_period": "setup",
    "setup_report": "setup",
    "SIGNIFICANCE_RULE": "significance",
    "adjust_family": "significance",
    "holm_levels": "significance",
    "target_status": "significance",
    "omnibus_test": "standout",
    "standout_table": "standout",
    "ExecutiveSummary": "summary",
    "ReportCover": "summary",
    "describe_data": "summary",
    "executive_summary": "summary",
    "report_cover": "summary",
    "CompetitorSummary": "team_summary",
    "TeamSummary": "team_summary",
    "competitor_summary": "team_summary",
    "team_summary": "team_summary",
    "nps_distribution_figure": "teams",
    "team_forest_figure": "teams",
    "team_league_table": "teams",
    "csat_control_chart": "trends",
    "kpi_trend_figure": "trends",
    "volume_heatmap_figure": "volume",
}

__all__ = [
    "SURVEY_KPIS",
    "ReportTable",
    "ReportFigure",
    "ReportNote",
    "ReportSection",
    "section",
    "has_values",
    "no_data",
    "load_data",
    "count_answers",
    "resolve_period",
    "data_quarters",
    "data_periods",
    "previous_quarter",
    "previous_period",
    "year_ago",
    "period_kind",
    "with_periods",
    "provenance",
    "ReportSetup",
    "setup_report",
    "report_periods",
    "keep_report_periods",
    "verdict",
    "headline_table",
    "detectable_change",
    "SIGNIFICANCE_RULE",
    "holm_levels",
    "adjust_family",
    "target_status",
    "omnibus_test",
    "standout_table",
    "ReportCover",
    "ExecutiveSummary",
    "describe_data",
    "report_cover",
    "executive_summary",
    "TeamSummary",
    "CompetitorSummary",
    "team_summary",
    "competitor_summary",
    "ScaleReliability",
    "find_scales",
    "scale_reliability",
    "kpi_trend_figure",
    "csat_control_chart",
    "team_league_table",
    "team_forest_figure",
    "channel_table",
    "nps_distribution_figure",
    "volume_heatmap_figure",
    "OPERATIONS_KPIS",
    "operations_table",
    "channel_operations_table",
    "competitor_table",
    "competitor_figure",
    "competitor_trend_table",
    "DEFAULT_MAX_EXCLUDED_SHARE",
    "quality_frame",
    "excluded_shares",
    "check_data_quality",
    "data_quality_table",
]


def __getattr__(name: str) -> Any:
    """A public name of a section module, imported on first use and then kept here."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _SectionsModule(types.ModuleType):
    """This package's module type: a public name that is also the name of its module
    (``team_summary``) stays the function when the module is imported.

    Importing ``kpitools.reports.sections.team_summary`` — from here or from another section
    — binds the module to the package's attribute of that name; the property below takes
    that binding and keeps answering the function.
    """


def _same_name_property(name: str) -> property:
    bound: dict[str, Any] = {}

    def get(_self: types.ModuleType) -> Any:
        if "value" not in bound:
            module = importlib.import_module(f"{__name__}.{name}")
            bound.setdefault("value", getattr(module, name))
        return bound["value"]

    def set_(_self: types.ModuleType, value: Any) -> None:
        if isinstance(value, types.ModuleType) and value.__name__ == f"{__name__}.{name}":
            return  # the import system binding the submodule: the function stays
        bound["value"] = value

    def delete(_self: types.ModuleType) -> None:
        bound.pop("value", None)

    return property(get, set_, delete, f"`{name}` of `{__name__}.{name}`.")


for _name, _module in _LAZY.items():
    if _name == _module:
        setattr(_SectionsModule, _name, _same_name_property(_name))
sys.modules[__name__].__class__ = _SectionsModule
del _name, _module


def _import_all() -> None:
    """Import every section module now (a report kernel's warm-up)."""
    for name in __all__:
        __getattr__(name)
