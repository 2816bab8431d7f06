"""kpitools: customer-service KPIs with confidence intervals, significance tests and reports.

>>> import kpitools as kt
>>> kt.nps([10, 9, 9, 8, 7, 3, 10, 9, 6, 10, 2, 9])
<NPS 33.3 points, 95% CI [-15.5, 68.9] (adjusted_wald), n=12>

The package is built in layers, one folder each; a module imports only from its own layer
or from a lower one (``tests/test_layers.py`` holds this):

====  ===============  =====================================================================
  0   ``core/``        errors, result classes, number display, input validation, version
  1   ``stats/``       count-level engine: intervals, significance tests, power, quantiles
  2   ``tables/``      operational tables: columns, periods, business hours, events, keys
  3   ``datasets/``    bundled sample data, its loaders and the simulator
  4   ``kpis/``        one module per KPI family and the KPI catalogue
  5   ``grouping/``    `summarize` and `compare` over the catalogue
  6   ``plots/``       plots of KPI results
  7   ``research/``    retention research: join, correlation, regression, survival
  8   ``reports/``     report sections, the papermill/nbconvert runner, notebooks, template
  9   ``cli.py``       the command line, and this top-level namespace
====  ===============  =====================================================================
"""

import importlib
import warnings
from typing import Any

from kpitools import datasets, stats
from kpitools.core.errors import (
    DataValidationError,
    ExcludedRowsWarning,
    KpiToolsError,
    KpiToolsWarning,
    ReportExecutionError,
    ReportParameterError,
    SmallSampleWarning,
)
from kpitools.core.results import Comparison, ConfidenceInterval, KpiEstimate
from kpitools.core.version import __version__
from kpitools.grouping.frames import compare, summarize
from kpitools.kpis.catalogue import kpi_names  # importing kpitools.kpis registers every KPI
from kpitools.kpis.customers import (
    churn_rate,
    clv,
    crr_from_counts,
    customer_growth,
    customer_retention,
    employee_turnover,
    nrr,
)
from kpitools.kpis.durations import (
    aht,
    asa,
    compare_durations,
    duration_kpi,
    frt,
    resolution_time,
    sla_attainment,
)
from kpitools.kpis.operations import (
    abandonment_rate,
    agent_utilisation,
    answer_rate,
    backlog,
    conversion_rate,
    escalation_rate,
    fcr,
    nia,
    productivity,
    reopen_rate,
    resolution_rate,
    service_level,
)
from kpitools.kpis.staffing import agents_needed, erlang_c, staffing_plan
from kpitools.kpis.survey import (
    CES_VARIANTS,
    ces,
    compare_csat,
    compare_nps,
    cronbach_alpha,
    csat,
    enps,
    nps,
    nps_from_counts,
    nps_from_percentages,
    servqual,
)
from kpitools.kpis.targets import Band, Target, interpret
from kpitools.kpis.volume import (
    compare_volume,
    complaints_per_1000,
    event_counts,
    overdispersion_test,
    poisson_ci,
    rate_ratio_test,
    ticket_volume,
    volume_by_weekday_hour,
)
from kpitools.research.correlation import CorrelationResult, correlation, correlation_table
from kpitools.research.dose_response import churn_by_score, cochran_armitage_test
from kpitools.research.join import RetentionData, join_satisfaction, load_retention_data
from kpitools.research.regression import (
    ModelFitWarning,
    RegressionResult,
    SeparationError,
    logistic_regression,
)
from kpitools.research.survival import (
    cox_regression,
    kaplan_meier,
    logrank_test,
    proportional_hazards_test,
)
from kpitools.stats import intervals
from kpitools.stats.power import (
    SampleSize,
    nps_minimum_detectable_change,
    nps_power,
    nps_sample_size,
    proportion_minimum_detectable_change,
    proportion_power,
    proportion_sample_size,
)
from kpitools.tables.business_hours import BusinessHours, business_seconds
from kpitools.tables.periods import Period, parse_period, period_labels

__all__ = [
    "nps",
    "enps",
    "nps_from_counts",
    "nps_from_percentages",
    "compare_nps",
    "csat",
    "compare_csat",
    "ces",
    "CES_VARIANTS",
    "servqual",
    "cronbach_alpha",
    "summarize",
    "compare",
    "kpi_names",
    "Band",
    "Target",
    "interpret",
    "__version__",
    "datasets",
    "intervals",
    "stats",
    "Comparison",
    "ConfidenceInterval",
    "KpiEstimate",
    "DataValidationError",
    "ExcludedRowsWarning",
    "KpiToolsError",
    "KpiToolsWarning",
    "ReportExecutionError",
    "ReportParameterError",
    "SmallSampleWarning",
    "SampleSize",
    "nps_minimum_detectable_change",
    "nps_power",
    "nps_sample_size",
    "proportion_minimum_detectable_change",
    "proportion_power",
    "proportion_sample_size",
    # operations and customer KPIs
    "BusinessHours",
    "business_seconds",
    "complaints_per_1000",
    "compare_volume",
    "event_counts",
    "overdispersion_test",
    "poisson_ci",
    "rate_ratio_test",
    "ticket_volume",
    "volume_by_weekday_hour",
    "churn_rate",
    "clv",
    "crr_from_counts",
    "customer_growth",
    "customer_retention",
    "employee_turnover",
    "nrr",
    "aht",
    "asa",
    "compare_durations",
    "duration_kpi",
    "frt",
    "resolution_time",
    "sla_attainment",
    "abandonment_rate",
    "agent_utilisation",
    "answer_rate",
    "backlog",
    "conversion_rate",
    "escalation_rate",
    "fcr",
    "nia",
    "productivity",
    "reopen_rate",
    "resolution_rate",
    "service_level",
    "Period",
    "parse_period",
    "period_labels",
    "agents_needed",
    "erlang_c",
    "staffing_plan",
    "CorrelationResult",
    "correlation",
    "correlation_table",
    "churn_by_score",
    "cochran_armitage_test",
    "ModelFitWarning",
    "RegressionResult",
    "SeparationError",
    "logistic_regression",
    "RetentionData",
    "join_satisfaction",
    "load_retention_data",
    "cox_regression",
    "kaplan_meier",
    "logrank_test",
    "proportional_hazards_test",
]

#: Modules of kpitools 0.1 reachable as ``kpitools.<name>`` attributes, and their new paths.
#: The old import paths (``import kpitools.counts``) are gone; the attributes warn until 0.3.0.
_MOVED_MODULES: dict[str, str] = {
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
    "plotting": "kpitools.plots.kpis",
    "power": "kpitools.stats.power",
    "regression": "kpitools.research.regression",
    "report": "kpitools.reports.runner",
    "reporting": "kpitools.reports.sections",
    "research_data": "kpitools.research.join",
    "research_plots": "kpitools.research.plots",
    "results": "kpitools.core.results",
    "significance": "kpitools.stats.significance",
    "simulate": "kpitools.datasets.simulate",
    "staffing": "kpitools.kpis.staffing",
    "survey": "kpitools.kpis.survey",
    "survival": "kpitools.research.survival",
    "targets": "kpitools.kpis.targets",
}


def __getattr__(name: str) -> Any:
    """``kpitools.<old module>`` (e.g. ``from kpitools import reporting``) with a FutureWarning."""
    new = _MOVED_MODULES.get(name)
    if new is None:
        raise AttributeError(f"module 'kpitools' has no attribute {name!r}")
    warnings.warn(f"kpitools.{name} moved to {new} in kpitools 0.2.0; the old name will be "
                  f"removed in 0.3.0 (see CHANGELOG.md)", FutureWarning, stacklevel=2)
    return importlib.import_module(new)
