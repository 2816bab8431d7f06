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

Public names are imported on first use (:pep:`562`), so that ``import kpitools`` and the
command line start without pandas, scipy or matplotlib. To export a new name ``f`` from
``kpitools.x.y``: add ``"f": "kpitools.x.y"`` to `_LAZY` (a module itself goes into
`_LAZY_MODULES`), ``from kpitools.x.y import f`` to the ``TYPE_CHECKING`` block (for mypy and
IDEs) and ``"f"`` to ``__all__``. No module-level import of a kpitools module here:
``tests/cli/test_startup.py`` checks that the three lists agree and that ``import kpitools``
loads no heavy library.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names for type checkers and IDEs; at run time they come from _LAZY
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
    from kpitools.kpis.catalogue import kpi_names
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
    from kpitools.kpis.shares import compare_yes_share, yes_share
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
    from kpitools.kpis.targets import Band, GroupTargets, Target, interpret
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

#: Public modules: ``kpitools.<name>`` is the module at this path.
_LAZY_MODULES: dict[str, str] = {
    "datasets": "kpitools.datasets",
    "intervals": "kpitools.stats.intervals",
    "stats": "kpitools.stats",
}
#: Public functions, classes and constants: ``kpitools.<name>`` is ``<module>.<name>``,
#: imported on first access (`__getattr__`).
_LAZY: dict[str, str] = {
    "DataValidationError": "kpitools.core.errors",
    "ExcludedRowsWarning": "kpitools.core.errors",
    "KpiToolsError": "kpitools.core.errors",
    "KpiToolsWarning": "kpitools.core.errors",
    "ReportExecutionError": "kpitools.core.errors",
    "ReportParameterError": "kpitools.core.errors",
    "SmallSampleWarning": "kpitools.core.errors",
    "Comparison": "kpitools.core.results",
    "ConfidenceInterval": "kpitools.core.results",
    "KpiEstimate": "kpitools.core.results",
    "__version__": "kpitools.core.version",
    "compare": "kpitools.grouping.frames",
    "summarize": "kpitools.grouping.frames",
    "kpi_names": "kpitools.kpis.catalogue",
    "churn_rate": "kpitools.kpis.customers",
    "clv": "kpitools.kpis.customers",
    "crr_from_counts": "kpitools.kpis.customers",
    "customer_growth": "kpitools.kpis.customers",
    "customer_retention": "kpitools.kpis.customers",
    "employee_turnover": "kpitools.kpis.customers",
    "nrr": "kpitools.kpis.customers",
    "aht": "kpitools.kpis.durations",
    "asa": "kpitools.kpis.durations",
    "compare_durations": "kpitools.kpis.durations",
    "duration_kpi": "kpitools.kpis.durations",
    "frt": "kpitools.kpis.durations",
    "resolution_time": "kpitools.kpis.durations",
    "sla_attainment": "kpitools.kpis.durations",
    "abandonment_rate": "kpitools.kpis.operations",
    "agent_utilisation": "kpitools.kpis.operations",
    "answer_rate": "kpitools.kpis.operations",
    "backlog": "kpitools.kpis.operations",
    "conversion_rate": "kpitools.kpis.operations",
    "escalation_rate": "kpitools.kpis.operations",
    "fcr": "kpitools.kpis.operations",
    "nia": "kpitools.kpis.operations",
    "productivity": "kpitools.kpis.operations",
    "reopen_rate": "kpitools.kpis.operations",
    "resolution_rate": "kpitools.kpis.operations",
    "service_level": "kpitools.kpis.operations",
    "yes_share": "kpitools.kpis.shares",
    "compare_yes_share": "kpitools.kpis.shares",
    "agents_needed": "kpitools.kpis.staffing",
    "erlang_c": "kpitools.kpis.staffing",
    "staffing_plan": "kpitools.kpis.staffing",
    "CES_VARIANTS": "kpitools.kpis.survey",
    "ces": "kpitools.kpis.survey",
    "compare_csat": "kpitools.kpis.survey",
    "compare_nps": "kpitools.kpis.survey",
    "cronbach_alpha": "kpitools.kpis.survey",
    "csat": "kpitools.kpis.survey",
    "enps": "kpitools.kpis.survey",
    "nps": "kpitools.kpis.survey",
    "nps_from_counts": "kpitools.kpis.survey",
    "nps_from_percentages": "kpitools.kpis.survey",
    "servqual": "kpitools.kpis.survey",
    "Band": "kpitools.kpis.targets",
    "Target": "kpitools.kpis.targets",
    "GroupTargets": "kpitools.kpis.targets",
    "interpret": "kpitools.kpis.targets",
    "compare_volume": "kpitools.kpis.volume",
    "complaints_per_1000": "kpitools.kpis.volume",
    "event_counts": "kpitools.kpis.volume",
    "overdispersion_test": "kpitools.kpis.volume",
    "poisson_ci": "kpitools.kpis.volume",
    "rate_ratio_test": "kpitools.kpis.volume",
    "ticket_volume": "kpitools.kpis.volume",
    "volume_by_weekday_hour": "kpitools.kpis.volume",
    "CorrelationResult": "kpitools.research.correlation",
    "correlation": "kpitools.research.correlation",
    "correlation_table": "kpitools.research.correlation",
    "churn_by_score": "kpitools.research.dose_response",
    "cochran_armitage_test": "kpitools.research.dose_response",
    "RetentionData": "kpitools.research.join",
    "join_satisfaction": "kpitools.research.join",
    "load_retention_data": "kpitools.research.join",
    "ModelFitWarning": "kpitools.research.regression",
    "RegressionResult": "kpitools.research.regression",
    "SeparationError": "kpitools.research.regression",
    "logistic_regression": "kpitools.research.regression",
    "cox_regression": "kpitools.research.survival",
    "kaplan_meier": "kpitools.research.survival",
    "logrank_test": "kpitools.research.survival",
    "proportional_hazards_test": "kpitools.research.survival",
    "SampleSize": "kpitools.stats.power",
    "nps_minimum_detectable_change": "kpitools.stats.power",
    "nps_power": "kpitools.stats.power",
    "nps_sample_size": "kpitools.stats.power",
    "proportion_minimum_detectable_change": "kpitools.stats.power",
    "proportion_power": "kpitools.stats.power",
    "proportion_sample_size": "kpitools.stats.power",
    "BusinessHours": "kpitools.tables.business_hours",
    "business_seconds": "kpitools.tables.business_hours",
    "Period": "kpitools.tables.periods",
    "parse_period": "kpitools.tables.periods",
    "period_labels": "kpitools.tables.periods",
}

__all__ = [
    "nps",
    "enps",
    "nps_from_counts",
    "nps_from_percentages",
    "compare_nps",
    "csat",
    "compare_csat",
    "yes_share",
    "compare_yes_share",
    "ces",
    "CES_VARIANTS",
    "servqual",
    "cronbach_alpha",
    "summarize",
    "compare",
    "kpi_names",
    "Band",
    "Target",
    "GroupTargets",
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
    """Import a public name on first use; ``kpitools.<old module>`` with a FutureWarning."""
    if name in _LAZY_MODULES:
        value = importlib.import_module(_LAZY_MODULES[name])
    elif name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _MOVED_MODULES:
        new = _MOVED_MODULES[name]
        warnings.warn(f"kpitools.{name} moved to {new} in kpitools 0.2.0; the old name will be "
                      f"removed in 0.3.0 (see CHANGELOG.md)", FutureWarning, stacklevel=2)
        return importlib.import_module(new)
    else:
        raise AttributeError(f"module 'kpitools' has no attribute {name!r}")
    globals()[name] = value  # later look-ups do not come here
    return value


def __dir__() -> list[str]:
    """The module's attributes and every public name, imported or not yet."""
    return sorted({*globals(), *_LAZY_MODULES, *_LAZY})
