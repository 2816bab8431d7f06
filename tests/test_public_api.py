"""The public names of kpitools 0.1 still work in 0.2 after the move into layer folders.

The lists were captured from ``dir(kpitools)`` and ``dir(kpitools.stats)`` of 0.1.0 before the
move. Functions and classes are where they were; the old module attributes
(``kpitools.counts``, ...) return the module at its new path with a FutureWarning.
"""

from __future__ import annotations

import importlib
import re
import types
from pathlib import Path

import pytest

import kpitools as kt
from kpitools import stats

CHANGELOG = Path(__file__).resolve().parents[1] / "CHANGELOG.md"

#: The public non-module names of dir(kpitools) in 0.1.0.
NAMES_0_1 = [
    "Band", "BusinessHours", "CES_VARIANTS", "Comparison", "ConfidenceInterval",
    "CorrelationResult", "DataValidationError", "ExcludedRowsWarning", "KpiEstimate",
    "KpiToolsError", "KpiToolsWarning", "ModelFitWarning", "Period", "RegressionResult",
    "ReportExecutionError", "ReportParameterError", "RetentionData", "SampleSize",
    "SeparationError", "SmallSampleWarning", "Target", "abandonment_rate", "agent_utilisation",
    "agents_needed", "aht", "answer_rate", "asa", "backlog", "business_seconds", "ces",
    "churn_by_score", "churn_rate", "clv", "cochran_armitage_test", "compare", "compare_csat",
    "compare_durations", "compare_nps", "compare_volume", "complaints_per_1000",
    "conversion_rate", "correlation", "correlation_table", "cox_regression", "cronbach_alpha",
    "crr_from_counts", "csat", "customer_growth", "customer_retention", "duration_kpi",
    "employee_turnover", "enps", "erlang_c", "escalation_rate", "event_counts", "fcr", "frt",
    "interpret", "join_satisfaction", "kaplan_meier", "kpi_names", "load_retention_data",
    "logistic_regression", "logrank_test", "nia", "nps", "nps_from_counts",
    "nps_from_percentages", "nps_minimum_detectable_change", "nps_power", "nps_sample_size",
    "nrr", "overdispersion_test", "parse_period", "period_labels", "poisson_ci", "productivity",
    "proportion_minimum_detectable_change", "proportion_power", "proportion_sample_size",
    "proportional_hazards_test", "rate_ratio_test", "reopen_rate", "resolution_rate",
    "resolution_time", "service_level", "servqual", "sla_attainment", "staffing_plan",
    "summarize", "ticket_volume", "volume_by_weekday_hour",
]
#: Modules that kpitools 0.1 exported in __all__: still plain attributes.
EXPORTED_MODULES_0_1 = {
    "datasets": "kpitools.datasets",
    "intervals": "kpitools.stats.intervals",
    "stats": "kpitools.stats",
}
#: Modules reachable as kpitools.<name> after ``import kpitools`` in 0.1, and their new paths.
MODULE_ATTRIBUTES_0_1 = {
    "business_hours": "kpitools.tables.business_hours",
    "columns": "kpitools.tables.columns",
    "counts": "kpitools.kpis.volume",
    "customers": "kpitools.kpis.customers",
    "dose_response": "kpitools.research.dose_response",
    "duration_stats": "kpitools.stats.quantiles",
    "durations": "kpitools.kpis.durations",
    "errors": "kpitools.core.errors",
    "frames": "kpitools.grouping.frames",
    "operations": "kpitools.kpis.operations",
    "periods": "kpitools.tables.periods",
    "power": "kpitools.stats.power",
    "regression": "kpitools.research.regression",
    "research_data": "kpitools.research.join",
    "results": "kpitools.core.results",
    "significance": "kpitools.stats.significance",
    "simulate": "kpitools.datasets.simulate",
    "staffing": "kpitools.kpis.staffing",
    "survey": "kpitools.kpis.survey",
    "survival": "kpitools.research.survival",
    "targets": "kpitools.kpis.targets",
}
#: The public names of dir(kpitools.stats) in 0.1.0.
STATS_NAMES_0_1 = [
    "DIFF_METHODS", "NPS_METHODS", "NPS_SHIFTS", "PROPORTION_METHODS",
    "PROPORTION_POWER_METHODS", "PROPORTION_TESTS", "PVALUE_ADJUSTMENTS", "SampleSize",
    "SignificanceResult", "adjust_pvalues", "diff_proportions_ci", "mann_whitney_test",
    "mean_ci", "nps_ci", "nps_diff_ci", "nps_minimum_detectable_change", "nps_power",
    "nps_sample_size", "nps_standard_error", "nps_test", "nps_variance", "paired_t_test",
    "proportion_ci", "proportion_minimum_detectable_change", "proportion_power",
    "proportion_sample_size", "pvalue_from_z", "two_proportion_test", "welch_test",
    "z_critical",
]


@pytest.mark.parametrize("name", NAMES_0_1)
def test_every_public_name_is_still_there(name):
    obj = getattr(kt, name)
    assert not isinstance(obj, types.ModuleType)
    assert name in kt.__all__


@pytest.mark.parametrize("name, path", EXPORTED_MODULES_0_1.items())
def test_exported_modules_are_plain_attributes(name, path):
    assert getattr(kt, name) is importlib.import_module(path)
    assert name in kt.__all__


@pytest.mark.parametrize("name, path", MODULE_ATTRIBUTES_0_1.items())
def test_old_module_attributes_warn_and_give_the_new_module(name, path):
    with pytest.warns(FutureWarning, match=rf"kpitools\.{name} moved to {re.escape(path)} "
                                           r"in kpitools 0\.2\.0; .* removed in 0\.3\.0"):
        module = getattr(kt, name)
    assert module is importlib.import_module(path)


def test_from_kpitools_import_old_module_warns():
    with pytest.warns(FutureWarning, match="kpitools.reporting moved to kpitools.reports.sections"):
        from kpitools import reporting
    assert reporting.__name__ == "kpitools.reports.sections"


@pytest.mark.parametrize("name", ["counts", "report", "reporting", "_registry", "intervals"])
def test_old_import_paths_are_gone(name):
    with pytest.raises(ModuleNotFoundError, match=f"No module named 'kpitools.{name}'"):
        importlib.import_module(f"kpitools.{name}")


def test_unknown_attribute_raises():
    with pytest.raises(AttributeError, match="module 'kpitools' has no attribute 'nope'"):
        kt.nope  # noqa: B018


@pytest.mark.parametrize("name", STATS_NAMES_0_1)
def test_every_stats_name_is_still_there(name):
    assert getattr(stats, name) is not None
    assert name in stats.__all__


def test_changelog_lists_every_moved_module():
    text = CHANGELOG.read_text(encoding="utf-8")
    assert "## 0.2.0 — unreleased" in text
    old_paths = {f"kpitools.{name}": path for name, path in MODULE_ATTRIBUTES_0_1.items()}
    old_paths |= {"kpitools.intervals": "kpitools.stats.intervals",
                  "kpitools.report": "kpitools.reports.runner",
                  "kpitools.reporting": "kpitools.reports.sections",
                  "kpitools.plotting": "kpitools.plots.kpis",
                  "kpitools.research_plots": "kpitools.research.plots"}
    for old, new in old_paths.items():
        assert f"| `{old}` | `{new}`" in text, old


def test_version_comes_from_the_package_metadata():
    from importlib.metadata import version

    assert kt.__version__ == version("kpitools")
